"""--agent-url: runtime values from a running agent's /api/v1/info (one GET, to that URL only)."""


import pytest

from audit.channels.backend import assemble as payload
from audit.faces.cli import main
from audit.facts import snapshot
from audit.facts.collect import FactsRequest, gather
from tests.sample import sample_facts

INFO = {
    "version": "v1.37.1", "charts-count": 412, "metrics-count": 2240, "notification-methods": "email",
    "allmetrics-prometheus-used": 0, "allmetrics-shell-used": 0, "allmetrics-json-used": 0, "dashboard-used": 3,
    "hosts-available": 1, "exporting-enabled": False, "exporting-connectors": "",
    "collectors": [{"plugin": "proc.plugin", "module": "/proc/stat"}, {"plugin": "apps.plugin", "module": ""}],
    "alarms": {"normal": 98, "warning": 1, "critical": 0}, "agent-claimed": False, "aclk-available": False,
    "mirrored_hosts_status": [{"guid": "x", "reachable": True}],
}


def _facts_file(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(snapshot.dumps(sample_facts()))
    return str(path)


def test_meta_carries_the_agents_runtime_values(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/api/v1/info", method="GET").respond_with_json(INFO)
    facts = gather(FactsRequest(facts_file=_facts_file(tmp_path), agent_url=httpserver.url_for("/")))
    properties = payload.build(facts, "META").document()["properties"]
    assert (properties["host_charts_count"], properties["host_metrics_count"]) == (412, 2240)
    assert properties["host_collectors"] == INFO["collectors"]
    assert (properties["alarms_normal"], properties["alarms_warning"]) == (98, 1)
    assert properties["host_notification_methods"] == "email" and properties["host_dashboard_used"] == 3
    assert facts["analytics.host_charts_count"].source.startswith("agent:http://")
    assert b'{ "plugin": "proc.plugin", "module":"/proc/stat" },{ "plugin"' in payload.build(facts, "META").wire
    assert len(httpserver.log) == 1


def test_before_the_first_gathering_the_runtime_values_are_null(httpserver, tmp_path):
    young = {**INFO, "charts-count": None, "metrics-count": None, "dashboard-used": None}
    httpserver.expect_oneshot_request("/api/v1/info").respond_with_json(young)
    facts = gather(FactsRequest(facts_file=_facts_file(tmp_path), agent_url=httpserver.url_for("/")))
    wire = payload.build(facts, "EXIT", {"result": "OK"}).wire
    assert b'"host_collectors":[\n            null\n        ],' in wire
    assert b'"alarms_normal": null,' in wire and b'"host_charts_count": null,' in wire


def test_without_agent_url_runtime_values_say_unknown_here(tmp_path):
    facts = gather(FactsRequest(config_dir=str(tmp_path)))
    fact = facts["analytics.host_charts_count"]
    assert not fact.observed and fact.note.startswith("unknown here")
    assert "host_charts_count" in payload.build(facts, "META").assumed


def test_an_unreachable_agent_is_a_network_error(tmp_path, capsys):
    code = main(["payload", "META", "--facts", _facts_file(tmp_path), "--agent-url", "http://127.0.0.1:9"])
    assert code == 3
    assert "--agent-url" in capsys.readouterr().err


PARENT_KEY = "0D3C1F2E-5a4b-4c6d-8e7f-9a0b1c2d3e4f"


@pytest.mark.parametrize("stream_conf, version, parent", [
    (f"[{PARENT_KEY}]\n    enabled = yes\n", "v1.37.1", "true"),
    (f"[{PARENT_KEY}]\n    enabled = yes\n", "v2.1.0", "true"),
    (f"[{PARENT_KEY}]\n    enabled = no\n", "v1.37.1", "false"),
    (f"[{PARENT_KEY}]\n", "v1.37.1", "false"),  # enabled defaults to no
    ("[stream]\n    enabled = yes\n[not-a-uuid]\n    enabled = yes\n", "v1.37.1", "false"),
    (f"[{PARENT_KEY}]\n    enabled = yes\n", "v2.5.0", "false"),  # v2.2+: a profile check, not modelled
])
def test_an_enabled_api_key_makes_a_parent_without_children(httpserver, tmp_path, stream_conf, version, parent):
    (tmp_path / "stream.conf").write_text(stream_conf)
    httpserver.expect_request("/api/v1/info").respond_with_json(INFO)  # one host: no children
    offline = gather(FactsRequest(config_dir=str(tmp_path), netdata_version=version))
    online = gather(FactsRequest(config_dir=str(tmp_path), netdata_version=version, agent_url=httpserver.url_for("/")))
    assert offline["analytics.config_is_parent"].value == parent
    assert online["analytics.config_is_parent"].value == parent
    assert (f'"config_is_parent": {parent},').encode() in payload.build(online, "EXIT", {"result": "OK"}).wire


def test_children_make_a_parent_without_an_api_key(httpserver, tmp_path):
    hosts = [{"guid": "x", "reachable": True}, {"guid": "y", "reachable": False}]
    httpserver.expect_request("/api/v1/info").respond_with_json({**INFO, "mirrored_hosts_status": hosts})
    facts = gather(FactsRequest(config_dir=str(tmp_path), agent_url=httpserver.url_for("/")))
    assert facts["analytics.config_is_parent"].value == "true"
    assert facts["analytics.mirrored_hosts_unreachable"].value == "1"


def test_live_values_say_they_may_be_newer_than_what_the_agent_gathered(httpserver, tmp_path):
    httpserver.expect_request("/api/v1/info").respond_with_json(INFO)
    facts = gather(FactsRequest(facts_file=_facts_file(tmp_path), agent_url=httpserver.url_for("/")))
    assert "not again for EXIT" in facts["analytics.alarms_warning"].note
    assert facts["analytics.host_charts_count"].note == ""  # the agent's own gathered literal
