"""Runtime analytics values read from a running agent's /api/v1/info.

That endpoint prints the daemon's own analytics literals (analytics_get_data) for most values, so what it shows
is what the next META or EXIT carries. Until the ANALYTICS thread's first gathering (about 2 minutes after start)
those literals are `null`, and so are the runtime values the script would get; the live lists /api/v1/info also
shows (collectors, alerts, hosts) are then not yet in the analytics data either.
"""

import json

from audit.channels.backend.analytics import fact_name
from audit.model.fact import Fact, Facts

# payload key -> /api/v1/info key whose value is the daemon's analytics literal
LITERALS = {
    "host_allmetrics_prometheus_used": "allmetrics-prometheus-used",
    "host_allmetrics_shell_used": "allmetrics-shell-used",
    "host_allmetrics_json_used": "allmetrics-json-used",
    "host_dashboard_used": "dashboard-used",
    "host_charts_count": "charts-count",
    "host_metrics_count": "metrics-count",
    "host_notification_methods": "notification-methods",
    "config_hosts_available": "hosts-available",
    "config_exporting_enabled": "exporting-enabled",
    "exporting_connectors": "exporting-connectors",
}


def literal(value: object) -> str:
    """The analytics literal the daemon printed: strings it had wrapped in quotes without escaping."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return json.dumps(value)


def runtime_facts(document: dict, url: str, configured_parent: bool = False) -> Facts:
    """`configured_parent`: stream.conf makes the agent a parent whatever hosts it has (the daemon's
    `hosts > 1 || configured_as_parent()`); /api/v1/info shows the hosts only."""
    source = f"agent:{url}"
    facts: Facts = {}
    for key, info_key in LITERALS.items():
        if info_key in document:
            facts[fact_name(key)] = Fact(literal(document[info_key]), f"{source} {info_key}")
    gathered = document.get("charts-count") is not None
    note = LIVE_NOTE if gathered else "the agent has not gathered its analytics yet (about 2 minutes after start): null"
    live = {
        "host_collectors": ",".join('{ "plugin": "%s", "module":"%s" }' % (c.get("plugin", ""), c.get("module", ""))
                                    for c in document.get("collectors", []) if isinstance(c, dict)),
        "host_collectors_count": str(len(document.get("collectors", []))),
        "alarms_normal": str(document.get("alarms", {}).get("normal", 0)),
        "alarms_warning": str(document.get("alarms", {}).get("warning", 0)),
        "alarms_critical": str(document.get("alarms", {}).get("critical", 0)),
        "host_agent_claimed": literal(bool(document.get("agent-claimed"))),
        "host_aclk_available": literal(bool(document.get("aclk-available"))),
    }
    hosts = document.get("mirrored_hosts_status") or []
    reachable = sum(1 for h in hosts if isinstance(h, dict) and h.get("reachable"))
    live.update({"mirrored_host_count": str(len(hosts)), "mirrored_hosts_reachable": str(reachable),
                 "mirrored_hosts_unreachable": str(len(hosts) - reachable),
                 "config_is_parent": literal(len(hosts) > 1 or configured_parent)})
    for key, value in live.items():
        facts[fact_name(key)] = Fact(value if gathered else None, f"{source} (live)", note)
    if document.get("exporting-enabled") is None:  # the once-only group is not gathered yet either
        for key in IMMUTABLE_NOT_SHOWN:
            facts[fact_name(key)] = Fact(None, f"{source} exporting-enabled",
                                         "the agent has not gathered its once-only values yet: null")
    return facts


# The daemon does not gather again for EXIT: it sends what META_START (121 s after start) or the last META gathered.
LIVE_NOTE = ("read live: the agent sends what it gathered last (META_START, then each META, not again for EXIT); "
             "equal unless collectors, alert statuses or hosts changed since")

# Gathered once with exporting-enabled (<= v2.4: with META_START; v2.5: 10 s after start), not shown by the API.
IMMUTABLE_NOT_SHOWN = ("host_cloud_available", "host_aclk_implementation", "config_https_available",
                       "config_is_private_registry", "config_private_registry_used")
