"""--agent-url: runtime values from a running agent's /api/v1/info (one GET, to that URL only)."""


from audit import payload
from audit.cli import main
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
