"""validate, diff and explain take any built channel's body: agent-events (minified or pretty) and installer."""

import json
from pathlib import Path

import pytest

from audit.core import diff, explain
from audit.faces.cli import main

DATA = Path(__file__).parent / "data" / "agent-events-v2.11.0"
KILLED = (DATA / "post-killed-hard.json").read_bytes()
EXITED = (DATA / "post-exit-instructed.json").read_bytes()
INSTALL_OPTIONS = "--install-options=--claim-token abc123 --stable-channel"


def run(capfdbinary, *argv):
    code = main(list(argv))
    out = capfdbinary.readouterr()
    return code, out.out.decode(), out.err.decode()


def _pretty(raw: bytes) -> bytes:
    return (json.dumps(json.loads(raw), indent=2) + "\n").encode()


def _installer(capfdbinary, event: str, *extra: str) -> bytes:
    code = main(["payload", "--channel", "installer", event, "--facts", "examples/facts.json", *extra, "--wire"])
    assert code == 0
    return capfdbinary.readouterr().out


def test_a_pretty_agent_events_body_reads_member_by_member_like_the_minified_one():
    minified, pretty = explain.read_payload(KILLED), explain.read_payload(_pretty(KILLED))
    assert minified.channel == pretty.channel == "agent-events"
    assert [(p.key, p.value) for p in minified.props] == [(p.key, p.value) for p in pretty.props]
    assert "agent.exit_reason" in minified.keys()


def test_diff_names_agent_events_members_by_their_nested_path():
    result = diff.compare(KILLED, EXITED)
    pointers = {d.pointer for d in result.differences}
    assert {"/exit_cause", "/agent_health", "/agent/pid"} <= pointers
    assert not any(p.startswith("/properties") for p in pointers)
    member = next(d for d in result.differences if d.pointer == "/exit_cause")
    assert (member.kind, member.a, member.b) == ("changed", "killed hard", "exit instructed")


def test_diff_of_a_body_and_its_pretty_form_is_whitespace_only():
    result = diff.compare(KILLED, _pretty(KILLED))
    assert [d.kind for d in result.differences] == ["bytes"]
    assert "whitespace only" in result.differences[0].message


def test_diff_reports_a_moved_agent_events_member():
    document = json.loads(KILLED)
    moved = {"priority": document.pop("priority"), **document}
    result = diff.compare(KILLED, json.dumps(moved, separators=(",", ":")).encode())
    assert [(d.kind, d.pointer) for d in result.differences] == [("order", "")]
    assert "members in a different order from position 1" in result.differences[0].message


def test_diff_and_explain_on_installer_bodies(tmp_path, capfdbinary):
    (tmp_path / "a.wire").write_bytes(_installer(capfdbinary, "INSTALL_SUCCESS", INSTALL_OPTIONS))
    (tmp_path / "b.wire").write_bytes(_installer(capfdbinary, "INSTALL_SUCCESS", "--install-options=--stable-channel"))
    code, out, _ = run(capfdbinary, "diff", str(tmp_path / "a.wire"), str(tmp_path / "b.wire"), "--json")
    assert code == 1
    assert [d["pointer"] for d in json.loads(out)["differences"]] == ["/properties/install_options"]
    code, out, err = run(capfdbinary, "explain", str(tmp_path / "a.wire"), "--json")
    result = json.loads(out)
    assert (code, result["event"], result["schema_id"].rsplit("/", 1)[-1]) == (
        0, "INSTALL_SUCCESS", "installer-event.schema.json")
    assert explain.read_payload((tmp_path / "a.wire").read_bytes()).channel == "installer"
    assert "SECRET" in err and "abc123" in err


def test_explain_a_pretty_agent_events_body(tmp_path, capfdbinary):
    (tmp_path / "post.json").write_bytes(_pretty(KILLED))
    code, out, _ = run(capfdbinary, "explain", str(tmp_path / "post.json"))
    assert code == 0
    assert 'event: "killed hard" (schema agent-events.schema.json)' in out


@pytest.mark.parametrize("body, fault", [
    (lambda: json.dumps({**json.loads(KILLED), "priority": "high"}).encode(), "priority"),
    (lambda: _pretty(json.dumps({**json.loads(KILLED), "agent_health": 7}).encode()), "agent_health"),
])
def test_validate_checks_agent_events_bodies_against_their_schema(tmp_path, capfdbinary, body, fault):
    (tmp_path / "good.json").write_bytes(_pretty(KILLED))
    (tmp_path / "bad.json").write_bytes(body())
    code, out, _ = run(capfdbinary, "validate", str(tmp_path / "good.json"))
    assert code == 0
    code, out, _ = run(capfdbinary, "validate", str(tmp_path / "bad.json"))
    assert code == 1 and fault in out


def test_validate_checks_installer_bodies_against_their_schema(tmp_path, capfdbinary):
    good = _installer(capfdbinary, "INSTALL_FAILED")
    document = json.loads(good)
    document["properties"]["install_interactivity"] = 1
    (tmp_path / "good.wire").write_bytes(good)
    (tmp_path / "bad.json").write_text(json.dumps(document))
    assert run(capfdbinary, "validate", str(tmp_path / "good.wire"))[0] == 0
    code, out, _ = run(capfdbinary, "validate", str(tmp_path / "bad.json"))
    assert code == 1 and "install_interactivity" in out


def test_explain_decodes_an_installer_crash_and_the_claim_token_in_its_options(tmp_path, capfdbinary):
    body = _installer(capfdbinary, "INSTALL_CRASH", INSTALL_OPTIONS, "--exit-code", "1", "--line", "2280")
    decoded = explain.explain(body).decoded
    assert decoded["error_code"]["meaning"] == "kickstart exited unexpectedly with code 1 at line 2280 of kickstart.sh"
    assert "a Cloud claim token: abc123" in decoded["install_options"]["meaning"]
    assert decoded["distinct_id"]["value"].startswith("machine-")
    (tmp_path / "crash.wire").write_bytes(body)
    code, out, _ = run(capfdbinary, "explain", str(tmp_path / "crash.wire"))
    assert code == 0 and "INSTALL_CRASH decoded:" in out and "claim token" in out


def test_explain_says_where_an_install_failed_code_comes_from(capfdbinary):
    body = _installer(capfdbinary, "INSTALL_FAILED", "--error-code", "F0003", "--message", "no HTTP client")
    meaning = explain.explain(body).decoded["error_code"]["meaning"]
    assert meaning == "an error code from kickstart's own fatal(): no HTTP client"
