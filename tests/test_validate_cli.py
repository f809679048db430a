import json

from audit.channels.backend import assemble as payload
from audit.channels.backend import catalog
from audit.faces.cli import main
from tests.sample import sample_facts


def test_json_lines_report_each_bad_line_and_exit_1(tmp_path, capsys):
    facts = sample_facts(netdata_version="v2.2.0")
    lines = [payload.build(facts, name).wire.replace(b"\n", b"") for name in catalog.EVENTS]
    bad = json.loads(lines[0])
    bad["properties"]["action_data"] = 5
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n" + json.dumps(bad).encode() + b"\n{truncated\n")
    code = main(["validate", "-q", str(path)])
    out = capsys.readouterr().out.splitlines()
    n = len(lines)
    assert code == 1
    assert out[0].startswith(f"{path}:{n + 1}: /properties/action_data: ")
    assert out[-1].startswith(f"{path}:{n + 2}: /: not JSON")


def test_pretty_json_file_is_one_document(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(payload.build(sample_facts(), "META").document(), indent=2))
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: valid\n"


def test_unusable_inputs_exit_2(tmp_path, capsys):
    for content in (b"", b"\x00\x01binary", b'{"event": "START -", "prop'):
        path = tmp_path / "x"
        path.write_bytes(content)
        assert main(["validate", str(path)]) == 2
    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_stub_payload_gives_a_few_grouped_lines_and_the_summary_last(tmp_path):
    import json
    import subprocess
    import sys

    stub = {"event": "START", "properties": {k: [] for k in ("action", "action_data", "action_result", "$ip", "$host",
                                                             "$pathname", "event_source", "alarms_normal")}}
    (tmp_path / "stub.json").write_text(json.dumps(stub))
    done = subprocess.run([sys.executable, "-m", "audit", "validate", "stub.json"], cwd=tmp_path, timeout=60,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 1
    assert lines[0].startswith("stub.json:1: invalid, ") and lines[-1] == "1 checked, 1 invalid"
    assert any(line.startswith("  … and ") for line in lines) and len(lines) <= 15


def test_one_document_on_one_long_line_is_judged_by_the_document_cap(tmp_path, capsys, monkeypatch):
    """A single-line document longer than a JSON Lines line is one document: too large only past the document
    cap, and then said so (not "a line longer than 1 MiB; not a JSON Lines input")."""
    from audit.plumbing import inputs

    monkeypatch.setitem(inputs.CAPS, "json", 3 * inputs.MiB)
    doc = payload.build(sample_facts(), "META").document()
    doc["properties"]["padding"] = "x" * (2 * inputs.MiB)
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc))
    assert main(["validate", str(path)]) == 1  # read and judged: the padding is not a field of META
    assert "'padding' was unexpected" in capsys.readouterr().out
    doc["properties"]["padding"] = "x" * (4 * inputs.MiB)
    path.write_text(json.dumps(doc))
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err == f"telemetry-audit: error: {path}: larger than 3 MiB, too large for one JSON " \
                                      "document\n"
