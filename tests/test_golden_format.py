"""Shape checks for the golden fixtures recorded from Netdata's real anonymous-statistics.sh (v2.5.0).

These tests only validate the fixture files themselves; the comparison of our payload builder with the
recorded bytes lives elsewhere.
"""
import base64
import binascii
import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "backend"
FILES = sorted(GOLDEN.glob("*.json"))
REQUIRED = {"case", "why", "shell", "env", "args", "system_distinct_id", "sent"}
SENT_ONLY = {"method", "content_type", "body_b64", "body_is_valid_json"}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def body_of(rec):
    return base64.b64decode(rec["body_b64"], validate=True)


def test_there_are_golden_files():
    assert len(FILES) >= 20
    assert any(not load(p)["sent"] for p in FILES) and any(load(p)["sent"] for p in FILES)


def test_case_names_are_unique_and_match_file_names():
    names = [load(p)["case"] for p in FILES]
    assert len(names) == len(set(names))
    for p in FILES:
        assert load(p)["case"] == p.stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_golden_file_shape(path):
    rec = load(path)
    assert REQUIRED <= rec.keys(), REQUIRED - rec.keys()
    assert isinstance(rec["case"], str) and rec["case"]
    assert isinstance(rec["why"], str) and rec["why"]
    assert rec["shell"] in ("dash", "bash")
    assert isinstance(rec["env"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in rec["env"].items())
    assert isinstance(rec["args"], list) and len(rec["args"]) == 43
    assert all(isinstance(a, str) for a in rec["args"])
    assert isinstance(rec["sent"], bool)

    if not rec["sent"]:
        assert not (SENT_ONLY & rec.keys()), "a not-sent case must carry no request data"
        assert rec["system_distinct_id"] is None
        return

    assert SENT_ONLY <= rec.keys(), SENT_ONLY - rec.keys()
    assert rec["method"] == "POST"
    assert rec["content_type"] == "application/json"
    try:
        body = body_of(rec)
    except binascii.Error as exc:  # pragma: no cover - reported as a failure
        pytest.fail(f"body_b64 does not decode: {exc}")
    assert body, "a sent case has a non-empty body"
    assert body.startswith(b"{\n") and body.endswith(b"\n  }\n}"), "the script's body has no trailing newline"

    try:
        json.loads(body)
        valid = True
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        valid = False
    assert rec["body_is_valid_json"] is valid

    assert isinstance(rec["system_distinct_id"], str) and rec["system_distinct_id"]
    assert f'"system_distinct_id": "{rec["system_distinct_id"]}",'.encode() in body
    assert f'"event": "{rec["args"][0]} {rec["args"][1]}",'.encode() in body
