import json

from audit import catalog, payload
from audit.cli import main
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
