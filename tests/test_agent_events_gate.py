"""The agent-events gate (src/daemon/status-file.c check_crash_reports_config + daemon_status_file_check_crash)."""

import pytest
from hypothesis import given, strategies as st

from audit.channels.agent_events import gate
from audit.channels.agent_events.gate import GateInput

CLAIMED = ("claim_id 6b5a4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d in the saved status",)
FILE = ("opt-out file",)
ENV0 = ("DISABLE_TELEMETRY=0",)


def sends(**kw) -> bool:
    return gate.evaluate(GateInput(cause="killed hard", **kw)).sends


# (crash reports, opted out by, claimed by, crash?) -> sends: the fact sheet's §1.4 rule, case by case
MATRIX = [
    (None, (), (), False, True),  # nothing set: default all, every cause
    (None, FILE, (), True, False),  # opted out, never claimed: default off
    (None, ENV0, (), True, False),  # DISABLE_TELEMETRY=0 is an opt-out too
    (None, FILE, CLAIMED, False, True),  # opted out but claimed: default all
    ("", FILE, CLAIMED, False, True),  # empty value takes the default
    ("", FILE, (), True, False),
    ("all", FILE, (), False, True),  # explicit all beats the opt-out
    ("crashes", (), (), True, True),
    ("crashes", (), (), False, False),  # a normal restart is not reported
    ("crashes", FILE, (), True, True),
    ("off", (), CLAIMED, True, False),  # only off stops a claimed agent
    ("no", (), (), True, False),  # any other word disables
    ("ALL", (), (), True, False),  # exact match: "ALL" is not "all"
    ("false", FILE, CLAIMED, True, False),
]


@pytest.mark.parametrize("value,opted,claimed,crash,expected", MATRIX)
def test_crash_reports_opt_out_claimed_matrix(value, opted, claimed, crash, expected):
    v = gate.evaluate(GateInput(crash_reports=value, opted_out_by=opted, claimed_by=claimed, crash=crash,
                                cause="killed hard" if crash else "exit instructed"))
    assert v.sends is expected
    assert v.summary.startswith("would send at next start" if expected else "not sent: ")


def test_verdict_says_what_decides():
    claimed = gate.evaluate(GateInput(opted_out_by=FILE, claimed_by=CLAIMED, cause="killed hard", crash=True,
                                      priority=4))
    assert claimed.by == ("crash reports unset: default all", CLAIMED[0])
    assert claimed.summary == "would send at next start: killed hard, priority 4"
    off = gate.evaluate(GateInput(crash_reports="off", claimed_by=CLAIMED))
    assert off.by == ("crash reports = off",) and off.summary == "not sent: crash reports = off"
    default_off = gate.evaluate(GateInput(opted_out_by=FILE))
    assert default_off.summary == "not sent: crash reports unset: default off (opt-out file, never claimed)"
    assert any("23 h" in e for e in off.evidence)


def test_crashes_with_an_unknown_cause_is_conditional():
    v = gate.evaluate(GateInput(crash_reports="crashes"))
    assert v.sends and "only if the previous run crashed" in v.summary


@given(st.sampled_from([None, "", "all", "crashes", "off", "0", "yes"]), st.booleans(), st.booleans(),
       st.booleans(), st.integers(0, 5))
def test_off_never_sends_and_unset_unopted_always_does(value, opted, claimed, crash, restarts):
    g = GateInput(crash_reports=value, opted_out_by=FILE if opted else (), claimed_by=CLAIMED if claimed else (),
                  crash=crash, cause="x", restarts=restarts)
    v = gate.evaluate(g)
    if value not in (None, "", "all", "crashes"):
        assert not v.sends and v.mode == "off"
    if not value and not opted:
        assert v.sends and v.mode == "all"
    if not value and opted and not claimed:
        assert not v.sends


def test_ci_variables_only_while_restarts_at_most_one():
    assert len(gate.CI_VARIABLES) == 26
    for name in gate.CI_VARIABLES:
        assert not sends(env={name: ""}, restarts=1), name  # present, even empty
    stopped = gate.evaluate(GateInput(env={"GITHUB_ACTIONS": "true"}, restarts=0))
    assert stopped.summary == "not sent: CI variable GITHUB_ACTIONS set (restarts 0 <= 1)"
    assert sends(env={"CI": "1"}, restarts=2)
    assert sends(env={"CIRCLE": "1", "MY_CI": "1"}, restarts=0)  # not on the list


def test_no_previous_status():
    first = gate.evaluate(GateInput(previous=False, cause="ignored", crash=True))
    assert first.sends and first.summary == "would send at next start: no last status"
    assert not gate.evaluate(GateInput(previous=False, crash_reports="crashes")).sends  # not a crash
    unsaved = gate.evaluate(GateInput(previous=False, current_saved=False))
    assert not unsaved.sends and "could not save" in unsaved.summary


def test_versions():
    old = gate.evaluate(GateInput(version="v2.3.2"))
    assert not old.sends and "predates" in old.summary
    assert any("only telemetry" in e for e in gate.evaluate(GateInput(version="v2.6.0")).evidence)
    assert any("besides" in e for e in gate.evaluate(GateInput(version="v2.4.0")).evidence)
