"""diff: every difference between two payloads, none ignored; exit 0 identical, 1 different, 2 unusable."""

import json

import pytest

from audit.core import diff
from audit.channels.backend import assemble as payload
from audit.faces.cli import main
from audit.plumbing.errors import AuditError
from tests.sample import sample_facts

FATAL = {"thread": "MAIN", "line": "12", "file": "src/daemon/main.c", "function": "netdata_main", "errno": "12"}


@pytest.fixture(scope="module")
def body() -> bytes:
    return payload.build(sample_facts(netdata_version="v2.2.0"), "FATAL", FATAL).wire


def kinds(result):
    return [(d.kind, d.pointer) for d in result.differences]


def test_identical_bodies(body):
    result = diff.compare(body, body)
    assert result.identical and result.differences == ()


def test_event_and_property_changes(body):
    other = body.replace(b"netdata:MAIN", b"netdata:WEB")
    assert kinds(diff.compare(body, other)) == [("event", "/event"), ("changed", "/properties/action_result")]


def test_json_type_difference_is_not_equality(body):
    other = body.replace(b'"host_is_k8s_node": "false"', b'"host_is_k8s_node": false')
    result = diff.compare(body, other)
    assert kinds(result) == [("changed", "/properties/host_is_k8s_node")]
    assert "different JSON types" in result.differences[0].message
    one = body.replace(b'"config_page_cache_size": 32', b'"config_page_cache_size": 32.0')
    assert kinds(diff.compare(body, one)) == [("changed", "/properties/config_page_cache_size")]


def test_added_and_removed_keys(body):
    other = body.replace(b'        "$ip": "127.0.0.1",\n', b"").replace(
        b'"netdata_fail_reason": null', b'"netdata_fail_reason": null,\n        "extra": 1')
    assert kinds(diff.compare(body, other)) == [("removed", "/properties/$ip"), ("added", "/properties/extra")]


def test_order_difference(body):
    a_line, b_line = b'        "$host": "backend.netdata.io",\n', b'        "$ip": "127.0.0.1",\n'
    other = body.replace(a_line + b_line, b_line + a_line)
    result = diff.compare(body, other)
    assert kinds(result) == [("order", "/properties")]
    assert "'$host' in A, '$ip' in B" in result.differences[0].message


def test_whitespace_inside_a_line_is_a_format_difference(body):
    other = body.replace(b'"action": "FATAL"', b'"action":  "FATAL"')
    result = diff.compare(body, other)
    assert kinds(result) == [("format", "/properties/action")]


def test_trailing_newline_is_a_byte_difference(body):
    result = diff.compare(body, body + b"\n")
    assert kinds(result) == [("bytes", "")]
    assert "only the end differs" in result.differences[0].message and "no trailing newline" in \
        result.differences[0].message


def test_escapes_are_a_byte_difference(body):
    other = body.replace(b'"action": "FATAL"', b'"action": "F\\u0041TAL"')
    result = diff.compare(body, other)
    assert [d.kind for d in result.differences] == ["format"]


def test_compact_reformatting_is_whitespace_only(body):
    compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
    result = diff.compare(body, compact)
    assert result.differences and not result.identical
    assert {d.kind for d in result.differences} <= {"format", "bytes"}


def test_invalid_json_payloads_are_still_compared_field_by_field(body):
    broken = body.replace(b'"Debian GNU/Linux"', b'"Debian "GNU" Linux"')
    result = diff.compare(body, broken)
    assert kinds(result) == [("json", ""), ("changed", "/properties/host_os_name")]
    assert result.differences[1].b == 'Debian "GNU" Linux'


def test_duplicate_keys_are_reported(body):
    dup = body.replace(b'"$ip": "127.0.0.1",', b'"$ip": "127.0.0.1",\n        "$ip": "127.0.0.1",')
    assert ("duplicate", "/properties/$ip") in kinds(diff.compare(body, dup))


@pytest.mark.parametrize("data,message", [
    (b'{"a": 1}', "not a telemetry payload"),
    (b"hello world\nthis is a note\n", "not a telemetry payload"),
    (b"\x00\x01\x02\x03", "binary data"),
    (b"", "empty"),
    (b" " * (diff.read_payload.__globals__["MAX_BODY"] + 1), "over the"),
])
def test_unusable_input_is_a_clear_error(body, data, message):
    with pytest.raises(AuditError, match=message):
        diff.compare(body, data, "A", "other.txt")


# --- CLI --------------------------------------------------------------------------------------------------------

def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_identical_exits_0(capsys, tmp_path, body):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_bytes(body)
    b.write_bytes(body)
    code, out, err = run(capsys, "diff", str(a), str(b))
    assert code == 0 and err == "" and out.splitlines()[-1] == "identical: the bodies are byte for byte the same"


def test_cli_different_exits_1_and_lists_each_difference(capsys, tmp_path, body):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_bytes(body)
    b.write_bytes(body.replace(b"netdata:MAIN", b"netdata:WEB") + b"\n")
    code, out, err = run(capsys, "diff", str(a), str(b))
    lines = out.splitlines()
    assert code == 1 and err == ""
    assert lines[2] == f'~ /event: "FATAL netdata:MAIN" in {a}, "FATAL netdata:WEB" in {b}'
    assert lines[3] == f'~ /properties/action_result: "netdata:MAIN" in {a}, "netdata:WEB" in {b}'
    assert lines[-1] == "2 differences"


def test_cli_json(capsys, tmp_path, body):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_bytes(body)
    b.write_bytes(body + b"\n")
    code, out, _ = run(capsys, "diff", str(a), str(b), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["identical"] is False and doc["differences"][0]["kind"] == "bytes"


def test_cli_unrelated_files_exit_2_with_one_line(capsys, tmp_path, body):
    a, b = tmp_path / "a.json", tmp_path / "notes.txt"
    a.write_bytes(body)
    b.write_text("shopping list\n- milk\n")
    code, out, err = run(capsys, "diff", str(a), str(b))
    assert code == 2 and out == ""
    assert err == f"telemetry-audit: error: {b}: not a telemetry payload: not JSON (Expecting value at line 1 " \
                  f"column 1) and not the statistics script's layout (no \"event\" or property lines)\n"


def test_cli_missing_file_exit_2(capsys, tmp_path, body):
    a = tmp_path / "a.json"
    a.write_bytes(body)
    code, _, err = run(capsys, "diff", str(a), str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json: cannot read" in err
