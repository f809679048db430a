"""`telemetry-audit check` as a user runs it, and the identifying-data note of payload and explain."""

import json
from pathlib import Path

import pytest

from audit.channels.backend import assemble as payload
from audit.channels.backend.analytics import fact_name
from audit.faces.cli import main
from audit.facts import snapshot
from audit.model.fact import Fact
from tests.sample import GUID, sample_facts


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def sysroot(tmp_path):
    root = tmp_path / "root"
    for path, text in {"etc/hostname": "alice-laptop\n",
                       "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
                       "var/lib/netdata/registry/netdata.public.unique.id": GUID}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return str(root)


@pytest.fixture
def facts_file(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(snapshot.dumps(sample_facts()))
    return str(path)


def test_a_home_path_in_a_fatal_file_is_unexpected(capsys, sysroot):
    code, out, err = run(capsys, "check", "FATAL", "--file", "/home/alice/src/netdata/web/api/x.c",
                         "--root", sysroot, "--netdata-version", "v2.2.0")
    assert code == 1 and err == ""
    assert "action_data: home-path (truncated), sensitivity usage, UNEXPECTED: /home/alic" in out
    assert out.splitlines()[-1] == "1 UNEXPECTED: action_data (home-path)"


def test_a_relative_source_file_is_clean(capsys, sysroot):
    code, out, _ = run(capsys, "check", "FATAL", "--file", "web_api_v1.c", "--root", sysroot,
                       "--netdata-version", "v2.2.0")
    assert code == 0 and "UNEXPECTED" not in out


def test_start_reports_the_machine_guid_as_by_design(capsys, sysroot):
    code, out, _ = run(capsys, "check", "START", "--root", sysroot)
    assert code == 0
    assert f"distinct_id: machine-guid (exact), sensitivity identifier, by design: {GUID}" in out
    assert "  machine-guid: the machine GUID links every event" in out
    assert out.splitlines()[-1] == "nothing unexpected: only the identifiers sent by design"


def test_start_from_this_machine_runs(capsys):
    code, out, err = run(capsys, "check", "start")
    assert code in (0, 1) and out.startswith("START: sha256 ")


def test_json_output(capsys, facts_file):
    code, out, _ = run(capsys, "check", "START", "--facts", facts_file, "--json")
    document = json.loads(out)
    assert code == 0 and document["event"] == "START" and document["unexpected"] == 0
    assert document["sha256"] == payload.build(sample_facts(), "START").sha256
    assert {(f["field"], f["kind"], f["expected"]) for f in document["findings"]} == {
        ("distinct_id", "machine-guid", True), ("netdata_machine_guid", "machine-guid", True),
        ("system_distinct_id", "system-distinct-id", True)}


def received_with_fail_reason(tmp_path, reason):
    facts = sample_facts(NETDATA_SYSTEM_CPU_MODEL='Xeon "Gold"')  # not valid JSON, as the real script can send
    facts[fact_name("netdata_fail_reason")] = Fact(reason, "test")
    path = tmp_path / "received.json"
    path.write_bytes(payload.build(facts, "START").wire)
    return str(path)


def test_a_received_payload_with_an_ip_in_the_fail_reason_is_unexpected(capsys, tmp_path, sysroot):
    path = received_with_fail_reason(tmp_path, '"cannot connect to 10.1.2.3"')
    code, out, _ = run(capsys, "check", path, "--root", sysroot, "--json")
    document = json.loads(out)
    assert code == 1 and document["event"] == "START" and document["unexpected"] == 1
    assert [(f["field"], f["kind"], f["text"]) for f in document["findings"] if not f["expected"]] == [
        ("netdata_fail_reason", "ip", "10.1.2.3")]


def test_a_received_payload_from_stdin(capsys, monkeypatch, tmp_path, sysroot):
    import io
    import sys
    path = received_with_fail_reason(tmp_path, "null")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(path).read_bytes())))
    code, out, _ = run(capsys, "check", "-", "--root", sysroot)
    assert code == 0 and "nothing unexpected" in out


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    (b"", "empty, not a payload"),
    (b'{"hello": "world"}', "not a telemetry payload"),
])
def test_unusable_input_exits_2_with_one_line(capsys, tmp_path, sysroot, content, message):
    path = tmp_path / "p.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    code, out, err = run(capsys, "check", str(path), "--root", sysroot)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
    assert err.startswith("telemetry-audit: error: ")


def test_a_missing_file_that_is_not_an_event_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "nope.json"))
    assert code == 2 and "neither a known event" in err and err.count("\n") == 1


def test_event_options_do_not_apply_to_a_file(capsys, tmp_path):
    path = received_with_fail_reason(tmp_path, "null")
    code, _, err = run(capsys, "check", path, "--file", "x.c")
    assert code == 2 and "--file applies to an EVENT" in err


def test_payload_wire_keeps_stdout_exact_and_notes_the_finding_on_stderr(capfdbinary, sysroot):
    code = main(["payload", "FATAL", "--wire", "--file", "/home/alice/src/netdata/web/api/x.c", "--root", sysroot,
                 "--netdata-version", "v2.2.0"])
    out = capfdbinary.readouterr()
    assert code == 0 and out.out.startswith(b"{") and out.out.rstrip().endswith(b"}")
    assert b"telemetry-audit: note: " not in out.out
    assert ("telemetry-audit: note: 2 identifiers by design (distinct_id, netdata_machine_guid); 1 UNEXPECTED: "
            "action_data holds a home-directory path (/home/alic, truncated)") in out.err.decode()


def test_explain_notes_an_unexpected_finding_on_stderr(capsys, tmp_path):
    path = received_with_fail_reason(tmp_path, '"cannot connect to 10.1.2.3"')
    code, out, err = run(capsys, "explain", path)
    assert code == 1 and "10.1.2.3" in out
    assert "1 UNEXPECTED: netdata_fail_reason holds an IP address (10.1.2.3)" in err


def test_a_symlink_out_of_the_root_is_skipped_with_a_note(capsys, tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (tmp_path / "outside").write_text("secret-host\n")
    (root / "etc" / "hostname").symlink_to("../../outside")
    code, out, err = run(capsys, "check", "START", "--root", str(root))
    assert code == 0 and "secret-host" not in out
    assert err.startswith("telemetry-audit: note: identity: skipped /etc/hostname: symlink") and "outside --root" in err
