"""The channel registry is data the faces iterate: every built channel must keep its side of the contract."""

import json

import pytest

from audit.model.verdict import State
from audit import channels
from audit.core import optout
from audit.plumbing import schemas
from audit.plumbing.errors import AuditError
from audit.plumbing.system import System


@pytest.mark.parametrize("ch", channels.built(), ids=lambda c: c.name)
def test_built_channel_has_events_builder_and_schema(ch):
    impl = ch.impl()
    events = impl.events()
    assert events and all(e.name and e.meaning for e in events)
    assert callable(impl.build)
    assert (schemas.schema_dir() / ch.schema).is_file()
    if ch.name != channels.DEFAULT:
        assert callable(impl.build_request)


def test_unknown_channel_is_a_one_line_error():
    with pytest.raises(AuditError, match="unknown channel 'nope': one of backend, agent-events"):
        channels.channel("nope")


def test_unbuilt_channel_says_so():
    unbuilt = [c for c in channels.CHANNELS.values() if not c.built and c.builder is None]
    for ch in unbuilt:
        with pytest.raises(AuditError, match="documented and observed, not built"):
            ch.impl()


def test_the_dashboard_is_built_on_request_but_never_sent():
    dashboard = channels.channel("dashboard")
    assert not dashboard.built and not dashboard.sendable and callable(dashboard.impl().build_request)


def test_backend_channel_stops_at_v2_5():
    backend = channels.channel("backend")
    assert backend.active_at("v2.5.4") and not backend.active_at("v2.6.0")
    assert "backend" in [c.name for c in channels.active_at("v1.37.1")]


def test_opt_out_reports_every_channel_whose_components_it_knows(tmp_path):
    verdict = optout.evaluate(System(env={}), str(tmp_path), "v2.5.4")
    named = {c.name for c in channels.CHANNELS.values() if all(n in verdict.components for n in c.components)}
    assert set(verdict.channels) == named and "backend" in named
    assert verdict.channels["backend"].sends is True and verdict.channels["backend"].by == ()
    assert verdict.channels["backend"].state is State.SENDS
    (tmp_path / optout.OPT_OUT_FILE).touch()
    stopped = optout.evaluate(System(env={}), str(tmp_path), "v2.5.4").channels["backend"]
    assert stopped.sends is False and stopped.by == ("opt-out file",) and stopped.state is State.NOT_SENT
    assert json.loads(json.dumps(stopped.to_json()))["by"] == ["opt-out file"]


def test_backend_channel_does_not_send_after_v2_5(tmp_path):
    verdict = optout.evaluate(System(env={}), str(tmp_path), "v2.6.0").channels["backend"]
    assert verdict.sends is False and verdict.active is False and verdict.state is State.INACTIVE
    assert "does not send on this channel" in verdict.evidence


@pytest.mark.parametrize("document, name", [
    ({"event": "START -", "properties": {"event_source": "agent backend"}}, "backend"),
    ({"event": "INSTALL_SUCCESS", "properties": {"event_source": "agent installer"}}, "installer"),
    ({"exit_cause": "killed hard", "agent_health": "crash-first", "agent": {}}, "agent-events"),
    ({"exit_cause": "killed hard"}, None),
    ([], None),
    ("text", None),
])
def test_a_body_names_its_channel(document, name):
    found = channels.channel_of(document)
    assert (found.name if found else None) == name
