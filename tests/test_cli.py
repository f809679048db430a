"""The CLI as a user runs it: exact stdout, one-line errors on stderr, exit codes."""

import json
import subprocess
import sys

import pytest

from audit.faces.cli import main
from audit.facts import snapshot
from tests.sample import sample_facts


@pytest.fixture
def facts_file(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(snapshot.dumps(sample_facts()))
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def run_bytes(capfdbinary, *argv):
    code = main(list(argv))
    out = capfdbinary.readouterr()
    return code, out.out, out.err.decode()


def test_payload_wire_from_a_snapshot_is_the_built_bytes(capfdbinary, facts_file):
    from audit.channels.backend import assemble as payload
    code, out, err = run_bytes(capfdbinary, "payload", "START", "--wire", "--facts", facts_file)
    assert code == 0 and err == ""
    assert out == payload.build(sample_facts(), "START").wire


def test_snapshot_round_trip_gives_the_same_bytes(capfdbinary, facts_file, tmp_path):
    code, first, _ = run_bytes(capfdbinary, "payload", "META", "--facts", facts_file)
    again = tmp_path / "again.json"
    again.write_text(snapshot.dumps(snapshot.load(facts_file)))
    code2, second, _ = run_bytes(capfdbinary, "payload", "META", "--facts", str(again))
    assert code == code2 == 0 and first == second


def test_payload_json_prints_the_parsed_document(capsys, facts_file):
    code, out, _ = run(capsys, "payload", "EXIT", "--result", "error", "--json", "--facts", facts_file)
    assert code == 0 and json.loads(out)["event"] == "EXIT ERROR"


def test_invalid_bytes_are_printed_and_named_with_exit_1(capfdbinary, tmp_path):
    path = tmp_path / "f.json"
    path.write_text(snapshot.dumps(sample_facts(NETDATA_SYSTEM_CPU_MODEL='Xeon "Gold"')))
    code, out, err = run_bytes(capfdbinary, "payload", "START", "--wire", "--facts", str(path))
    assert code == 1
    assert b'"system_cpu_model": "Xeon "Gold"",' in out
    assert "not valid JSON" in err and "system_cpu_model" in err


def test_version_outside_range_warns_but_builds(capsys, facts_file):
    code, out, err = run(capsys, "payload", "FATAL", "--json", "--facts", facts_file, "--netdata-version", "v2.5.4")
    assert code == 0 and "does not send FATAL" in err


@pytest.mark.parametrize("argv, message", [
    (["payload", "BOGUS"], "unknown event 'BOGUS'"),
    (["payload", "FATAL", "--line", "-3"], "--line -3"),
    (["payload", "FATAL", "--errno", "ENOMEM"], "--errno 'ENOMEM': not an integer"),
    (["payload", "START", "--thread", "x"], "--thread does not apply to START"),
    (["payload", "START", "--netdata-version", "banana"], "--netdata-version 'banana'"),
    (["payload", "START", "--machine-guid", "not-a-guid"], "--machine-guid 'not-a-guid'"),
    (["payload", "ACLK_CONN_FAIL", "--codes", "1,x"], "--codes '1,x'"),
])
def test_bad_input_gives_one_line_and_exit_2(capsys, facts_file, argv, message):
    code, out, err = run(capsys, *argv, "--facts", facts_file)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("telemetry-audit: error: ")


@pytest.mark.parametrize("content, message", [
    (b'{"format": "telemetry-audit-facts", "version": 1, "facts": {', "not valid JSON"),
    (b'{"hello": 1}', "not a telemetry-audit facts snapshot"),
    (b'{"format": "telemetry-audit-facts", "version": 1, "facts": []}', '"facts" must be an object'),
    (b'{"format": "telemetry-audit-facts", "version": 1, "facts": {"x": {"value": 3, "source": "s"}}}', "/facts/x"),
    (b'{"format": "telemetry-audit-facts", "version": 7, "facts": {}}', "version 7"),
])
def test_bad_snapshots(capsys, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    code, _, err = run(capsys, "payload", "START", "--facts", str(path))
    assert code == 2 and message in err and err.count("\n") == 1


def test_missing_snapshot_file(capsys, tmp_path):
    code, _, err = run(capsys, "payload", "START", "--facts", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read" in err


def test_root_that_does_not_exist(capsys, tmp_path):
    code, _, err = run(capsys, "facts", "--root", str(tmp_path / "missing"))
    assert code == 2 and "not a directory" in err


def test_facts_json_is_a_snapshot(capsys, facts_file):
    code, out, _ = run(capsys, "facts", "--json", "--facts", facts_file)
    assert code == 0 and snapshot.from_json(json.loads(out)) == sample_facts()


def test_codes_lists_the_claim_catalog(capsys):
    code, out, _ = run(capsys, "codes", "--json")
    claim = json.loads(out)["claim"]
    assert code == 0 and claim[12] == {"code": 12, "key": "ErrForbidden",
                                       "message": "token expired/token not found/invalid token", "http": 403,
                                       "kickstart": "invalid or expired claiming token: check --claim-token"}


def test_module_entry_point_runs_without_traceback(facts_file):
    done = subprocess.run([sys.executable, "-m", "audit", "payload", "FATAL", "--line", "x", "--facts", facts_file],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == "telemetry-audit: error: --line 'x': not an integer\n"
