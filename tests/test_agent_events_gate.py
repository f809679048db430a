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
    assert stopped.summary == "not sent: CI variable GITHUB_ACTIONS set (restarts 0 < 2)"
    assert sends(env={"CI": "1"}, restarts=2)
    assert sends(env={"CIRCLE": "1", "MY_CI": "1"}, restarts=0)  # not on the list


def test_no_previous_status():
    first = gate.evaluate(GateInput(previous=False, cause="ignored", crash=True))
    assert first.sends and first.summary == "would send at next start: no last status"
    assert not gate.evaluate(GateInput(previous=False, crash_reports="crashes")).sends  # not a crash
    unsaved = gate.evaluate(GateInput(previous=False, current_saved=False))
    assert not unsaved.sends and "could not save" in unsaved.summary


def test_versions():
    old = gate.evaluate(GateInput(version="v2.2.6"))
    assert not old.sends and "predates agent-events (v2.3.0)" in old.summary
    assert any("only telemetry" in e for e in gate.evaluate(GateInput(version="v2.6.0")).evidence)
    assert any("besides" in e for e in gate.evaluate(GateInput(version="v2.4.0")).evidence)


# Each release's own gate rules (GATE_RULES), case by case, with the source line that decides each.
V23_RULES = [
    # v2.3.0:src/daemon/daemon-status-file.c:1051-1055, :1241-1242: no previous status file, no post
    ("v2.3.0", dict(previous=False), False, "no previous status: Netdata v2.3.0 does not post without one"),
    ("v2.3.1", dict(previous=False), True, None),  # v2.3.1:...daemon-status-file.c:1320: the saved current status
    ("v2.3.2", dict(previous=False), True, None),  # v2.3.2:src/daemon/status-file.c:1023
    # v2.3.0 :1003-1006: only CI, and only the value "true" in any case
    ("v2.3.0", dict(env={"CI": "TRUE"}, restarts=9), False, "CI variable CI set (restarts 9 < 10)"),
    ("v2.3.0", dict(env={"CI": "1"}), True, None),
    ("v2.3.0", dict(env={"CI": ""}), True, None),
    ("v2.3.0", dict(env={"GITHUB_ACTIONS": "true"}), True, None),
    ("v2.3.0", dict(env={"CI": "true"}, restarts=10), True, None),  # :1245 restarts >= 10 lets it through
    ("v2.3.2", dict(env={"CI": ""}, restarts=1), False, "CI variable CI set (restarts 1 < 2)"),  # :734-773
    ("v2.11.0", dict(env={"CI": "true"}, restarts=2), True, None),  # v2.11.0:src/daemon/status-file.c:1561
    # v2.3.1 :1318-1320: with a previous status CI does not matter; without one, restarts > 2 lifts it
    ("v2.3.1", dict(env={"CI": "yes"}, restarts=0), True, None),
    ("v2.3.1", dict(env={"GITLAB_CI": "on"}, previous=False, restarts=2), False,
     "CI variable GITLAB_CI set (restarts 2 < 3)"),
    ("v2.3.1", dict(env={"BUILD_NUMBER": "1"}, previous=False), True, None),  # not on v2.3.1's list
]


@pytest.mark.parametrize("version,given,expected,summary", V23_RULES)
def test_each_release_gate_rules(version, given, expected, summary):
    v = gate.evaluate(GateInput(version=version, cause="killed hard", crash=True, **given))
    assert v.sends is expected
    if summary:
        assert v.summary == f"not sent: {summary}"


def test_rules_table_keyed_by_version():
    assert gate.rules_for("v2.2.6") is None
    assert gate.rules_for("v2.3.0").dedup_in == "the status file"
    assert gate.rules_for("v2.3.1").ci_lifted_at == 3
    assert gate.rules_for("v2.3.2") is gate.rules_for("v2.11.0")
    assert gate.rules_for("v2.11.0").dedup_in == "dedup-netdata.dat"


# `crash reports = crashes` posts only after a crash: the crash flag of the exit-cause table
# (v2.11.0:src/daemon/status-file.c:1555; the flags at :1366-1528, fact sheet §1.2)
CRASH_FLAGS = [("exit instructed", False), ("killed fatal", False), ("out of memory", False),
               ("abnormal power off", False), ("killed hard", True), ("deadly signal", True),
               ("killed hard on start", True), ("exit timeout", True)]


@pytest.mark.parametrize("cause,crash", CRASH_FLAGS)
def test_crashes_only_after_a_crash(cause, crash):
    from audit.channels.agent_events import causes

    flag = causes.BY_NAME[cause].crash if cause not in ("out of memory", "abnormal power off") else False
    assert flag is crash
    v = gate.evaluate(GateInput(crash_reports="crashes", cause=cause, crash=flag))
    assert v.sends is crash
    if not crash:
        assert v.summary == f"not sent: crash reports = crashes ({cause!r} is not a crash)"


def test_dedup_stops_and_an_unreadable_store_is_uncertain():
    posted = gate.evaluate(GateInput(cause="killed hard", crash=True,
                                     dedup=gate.Dedup(posted_at="2026-12-04T01:23:32.14Z")))
    assert not posted.sends and posted.state == "not sent"
    assert posted.summary == ("not sent: the same report was posted at 2026-12-04T01:23:32.14Z (the daemon does "
                              "not post it again within 23 h)")
    unsure = gate.evaluate(GateInput(cause="killed hard", crash=True,
                                     dedup=gate.Dedup(unreadable="/var/lib/netdata/dedup-netdata.dat")))
    assert unsure.state == "uncertain" and unsure.summary.startswith("uncertain: would send at next start")
    assert "/var/lib/netdata/dedup-netdata.dat cannot be read" in unsure.summary
    first = gate.evaluate(GateInput(previous=False, dedup=gate.Dedup(posted_at="x")))
    assert first.sends  # 'no last status' is never deduplicated


def test_v23_dedup_slots_live_in_the_status_file():
    """v2.3.0 keeps the slots in the status file and carries them over only from a file of its own version 19
    (v2.3.0:src/daemon/daemon-status-file.c:467-479, :557-560)."""
    import json as _json

    from audit.channels.agent_events import dedup

    doc = {"version": 19, "dedup": [{"@timestamp": "2026-12-04T01:23:18.51Z", "hash": 7, "sentry": False},
                                    {"@timestamp": "", "hash": 8, "sentry": False}]}
    slots = dedup.table_from_status(_json.dumps(doc).encode(), 19)
    assert [(s.hash, s.sentry) for s in slots] == [(7, False)]
    assert dedup.table_from_status(_json.dumps({**doc, "version": 21}).encode(), 19) == ()
    assert dedup.table_from_status(b"[", 19) == ()
