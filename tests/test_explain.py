"""explain: every field with meaning/source/sensitivity, FATAL and ACLK data decoded, problems flagged, the
versions that could have sent it; broken bodies still decoded; unusable input refused."""

import json
from pathlib import Path

import pytest

from audit.core import explain
from audit.channels.backend import assemble as payload
from audit.plumbing import schemas
from audit.faces.cli import main
from audit.plumbing.errors import AuditError
from tests.sample import sample_facts

FATAL = {"thread": "WEB_SERVER[static4]", "line": "1234", "file": "src/web/api/web_api_v1.c",
         "function": "web_client_api_request_v1_data", "errno": "12"}


def build(event="FATAL", params=None, **facts) -> bytes:
    facts.setdefault("netdata_version", "v2.2.0")
    return payload.build(sample_facts(**facts), event, FATAL if params is None and event == "FATAL" else params).wire


def test_every_field_is_explained_from_the_schemas():
    result = explain.explain(build())
    annotations = schemas.backend_properties()
    assert [f.key for f in result.fields] == list(annotations)
    for note in result.fields:
        assert note.known and note.description == annotations[note.key].get("description", "")
    assert result.unknown == () and result.missing == ()


def test_valid_fatal_payload_decodes_result_and_data():
    result = explain.explain(build())
    assert result.valid and result.valid_json
    d = result.decoded
    assert d["process"]["value"] == "netdata" and d["thread"]["value"] == "WEB_SERVER[static4]"
    assert d["line"]["value"] == 1234
    assert d["file"]["value"] == "src/web/ap" and "first 10 bytes" in d["file"]["meaning"]
    assert d["function"]["value"] == "web_client_api_" and "first 15 bytes" in d["function"]["meaning"]
    assert (d["errno"]["value"], d["errno"]["name"], d["errno"]["message"]) == (12, "ENOMEM",
                                                                                 "Cannot allocate memory")


def test_padding_is_stripped_and_short_names_are_complete():
    result = explain.explain(build(params={"thread": "MAIN", "line": "7", "file": "main.c", "function": "main",
                                           "errno": "0"}))
    d = result.decoded
    assert d["file"]["value"] == "main.c" and d["file"]["complete"] is True
    assert d["function"]["value"] == "main" and "whole function name" in d["function"]["meaning"]
    assert d["errno"]["value"] == 0 and d["errno"]["name"] is None


def test_masked_streaming_thread_is_explained():
    result = explain.explain(build(params={**FATAL, "thread": "RCVR[child-1]"}))
    assert result.decoded["thread"]["value"] == "RCVR" and "masks" in result.decoded["thread"]["meaning"]


def test_aclk_conn_fail_codes_are_decoded():
    result = explain.explain(build("ACLK_CONN_FAIL", {"codes": "1,2,44"}, netdata_version="v1.30.0"))
    assert [c["reason"] for c in result.decoded["callbacks"]] == [
        "LWS_CALLBACK_CLIENT_CONNECTION_ERROR", "LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH",
        "LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP"]


def test_version_range_combines_the_event_and_field_presence():
    result = explain.explain(build())
    annotations = schemas.backend_properties()
    since = max((f.get("x-since") for f in annotations.values() if f.get("x-since")),
                key=lambda v: tuple(int(x) for x in v.lstrip("v").split(".")[:2]))
    assert result.versions.possible
    assert explain.release_text(result.versions.since) == since.rsplit(".", 1)[0] if since.count(".") == 2 else since
    assert result.versions.until == (2, 2)
    assert any("event FATAL" in r for r in result.versions.reasons)


def test_absent_field_caps_the_version():
    annotations = schemas.backend_properties()
    newest = [k for k, a in annotations.items() if a.get("x-since")]
    assert "netdata_fail_reason" in newest
    body = build().replace(b'"exporting_connectors": null,\n        "netdata_fail_reason": null',
                           b'"exporting_connectors": null')
    result = explain.explain(body)
    assert result.versions.until == (1, 42)
    assert result.valid and result.missing == ()  # v1.42's body has no netdata_fail_reason: a layout, not a gap


def test_absent_member_of_every_layout_is_missing():
    body = build().replace(b'        "exporting_connectors": null,\n', b"")
    result = explain.explain(body)
    assert result.missing == ("exporting_connectors",) and not result.valid


def test_unknown_field_and_schema_violation_are_flagged():
    doc = json.loads(build())
    doc["properties"]["surprise"] = 1
    doc["properties"]["action_data"] = "garbage"
    result = explain.explain(json.dumps(doc, indent=4).encode())
    assert result.unknown == ("surprise",)
    pointers = {f.pointer for f in result.findings}
    assert "/properties/surprise" in pointers and "/properties/action_data" in pointers
    assert not result.valid


def test_event_that_does_not_match_action_is_flagged():
    body = build().replace(b'"event": "FATAL netdata:WEB_SERVER[static4]"', b'"event": "START -"')
    result = explain.explain(body)
    assert any(f.pointer == "/event" for f in result.findings)


def test_invalid_json_body_is_still_decoded_line_by_line():
    body = build(NETDATA_HOST_OS_NAME='Debian "GNU" Linux')
    result = explain.explain(body)
    assert not result.valid_json and "host_os_name" in result.json_error
    host = next(f for f in result.fields if f.key == "host_os_name")
    assert host.value == 'Debian "GNU" Linux' and any("escape" in p for p in host.problems)
    assert result.decoded["errno"]["name"] == "ENOMEM" and len(result.fields) == 82


def test_truncated_body_decodes_what_is_there():
    body = build()
    result = explain.explain(body[:900])
    assert not result.valid_json and "truncated" in result.json_error
    assert result.decoded["line"]["value"] == 1234
    assert any("cut short" in r for r in result.versions.reasons)


def test_duplicate_keys_are_flagged():
    body = build().replace(b'"$ip": "127.0.0.1",', b'"$ip": "127.0.0.1",\n        "$ip": "10.0.0.1",')
    result = explain.explain(body)
    assert any("appears 2 times" in f.message for f in result.findings)


@pytest.mark.parametrize("data,message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    (b"", "empty"),
    (b"{" + b" " * explain.MAX_BODY + b"}", "over the 1048576 byte limit"),
    (b'{"hello": "world"}', "not a telemetry payload"),
    (b"just some text\n", "not a telemetry payload"),
])
def test_unusable_input(data, message):
    with pytest.raises(AuditError, match=message):
        explain.explain(data, "report.json")


# --- CLI --------------------------------------------------------------------------------------------------------

def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_valid_payload_exits_0(capsys, tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(build())
    code, out, err = run(capsys, "explain", str(path))
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0].startswith(f"{path}: ") and lines[1].startswith('event: "FATAL netdata:WEB_SERVER[static4]"')
    assert "  errno     12 ENOMEM (Cannot allocate memory)  — errno when fatal() was called" in lines
    assert lines[-1] == "valid: no problems found"


def test_cli_violations_exit_1_and_locate_the_problem(capsys, tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(build(NETDATA_HOST_OS_NAME='A "B"'))
    code, out, err = run(capsys, "explain", str(path))
    assert code == 1 and err == ""
    assert f"{path}: /: not valid JSON: Expecting ',' delimiter at line 19 column 29 (host_os_name)" in out


def test_cli_json_from_stdin(capsys, monkeypatch):
    import io
    import sys
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(build())))
    code, out, _ = run(capsys, "explain", "-", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["file"] == "<stdin>" and doc["valid"] is True
    assert doc["decoded"]["errno"]["name"] == "ENOMEM" and doc["versions"]["until"] == "v2.2"


def test_cli_unusable_exits_2_with_one_line(capsys, tmp_path):
    path = tmp_path / "p.bin"
    path.write_bytes(b"\x00\x01\x02")
    code, out, err = run(capsys, "explain", str(path))
    assert code == 2 and out == "" and err == f"telemetry-audit: error: {path}: binary data, not a payload\n"


def test_cli_huge_input_is_refused_without_reading_it_all(capsys, tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MiB of zero bytes
    code, out, err = run(capsys, "explain", str(path))
    assert code == 2 and out == ""
    assert err == f"telemetry-audit: error: {path}: over the 1048576 byte limit for a payload (a real one is " \
                  f"about 5 KiB)\n"


def test_a_status_file_given_to_explain_says_which_command_reads_it(capsys):
    from audit.faces.cli import main

    status = str(Path(__file__).resolve().parent.parent / "examples/agent-events/status-netdata.json")
    assert main(["explain", status]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"payload --channel agent-events --status-file {status}" in err
