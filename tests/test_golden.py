"""Our script emulation against bytes recorded from Netdata's real anonymous-statistics.sh (tests/golden/)."""

import base64
import json
from pathlib import Path

import pytest

from audit.channels.backend import wire

CASES = sorted((Path(__file__).parent / "golden" / "backend").glob("*.json"))
SENT = [c for c in CASES if json.loads(c.read_text())["sent"]]


@pytest.mark.parametrize("path", SENT, ids=lambda p: p.stem)
def test_body_matches_the_real_script_byte_for_byte(path):
    case = json.loads(path.read_text())
    expected = base64.b64decode(case["body_b64"])
    body = wire.script_body(case["args"], case["env"], case["system_distinct_id"], case["shell"])
    assert body == expected


def test_there_are_enough_cases_to_mean_something():
    assert len(SENT) >= 30
