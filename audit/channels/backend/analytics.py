"""The 40 analytics values the daemon passes to the script as arguments 4-43, and when each is filled.

The daemon resets all 40 to the literal `null`, then fills groups at different moments (facts-detail §2.4):
  late      set_late_analytics_variables(), just before START
  oom       become_daemon(), only when the OOM score was set or changed
  fail      a SQLite batch failed (fail reason)
  immutable ANALYTICS thread, once (v2.5: 10 s after start; before: with META_START)
  mutable   ANALYTICS thread, about 2 minutes after start and then every heartbeat
A value is the JSON literal the daemon passes (`true`, `32`, `"dbengine"`), pasted raw into the payload.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalyticsField:
    arg: int  # positional argument of anonymous-statistics.sh
    key: str  # property name in the payload
    group: str


FIELDS: tuple[AnalyticsField, ...] = tuple(AnalyticsField(arg, key, group) for arg, key, group in (
    (4, "config_stream_enabled", "late"),
    (5, "config_memory_mode", "late"),
    (6, "config_exporting_enabled", "immutable"),
    (7, "exporting_connectors", "immutable"),
    (8, "host_allmetrics_prometheus_used", "mutable"),
    (9, "host_allmetrics_shell_used", "mutable"),
    (10, "host_allmetrics_json_used", "mutable"),
    (11, "host_dashboard_used", "mutable"),
    (12, "host_collectors", "mutable"),
    (13, "host_collectors_count", "mutable"),
    (14, "netdata_buildinfo", "late"),
    (15, "config_page_cache_size", "late"),
    (16, "config_multidb_disk_quota", "late"),
    (17, "config_https_enabled", "late"),
    (18, "config_web_enabled", "late"),
    (19, "netdata_release_channel", "late"),
    (20, "mirrored_host_count", "mutable"),
    (21, "mirrored_hosts_reachable", "mutable"),
    (22, "mirrored_hosts_unreachable", "mutable"),
    (23, "host_notification_methods", "mutable"),
    (24, "alarms_normal", "mutable"),
    (25, "alarms_warning", "mutable"),
    (26, "alarms_critical", "mutable"),
    (27, "host_charts_count", "mutable"),
    (28, "host_metrics_count", "mutable"),
    (29, "config_is_parent", "mutable"),
    (30, "config_hosts_available", "mutable"),
    (31, "host_cloud_available", "immutable"),
    (32, "host_aclk_available", "mutable"),
    (33, "host_aclk_protocol", "mutable"),
    (34, "host_aclk_implementation", "immutable"),
    (35, "host_agent_claimed", "mutable"),
    (36, "host_cloud_enabled", "late"),
    (37, "config_https_available", "immutable"),
    (38, "netdata_install_type", "late"),
    (39, "config_is_private_registry", "immutable"),
    (40, "config_private_registry_used", "immutable"),
    (41, "config_oom_score", "oom"),
    (42, "netdata_prebuilt_distro", "late"),
    (43, "netdata_fail_reason", "fail"),
))

BY_KEY = {f.key: f for f in FIELDS}

# Which groups hold real values when an event of each phase is sent (facts-detail §2.5).
PHASE_GROUPS = {
    "start": frozenset({"late", "oom", "fail"}),
    "meta": frozenset({"late", "oom", "fail", "immutable", "mutable"}),
}

FACT_PREFIX = "analytics."


def fact_name(key: str) -> str:
    return FACT_PREFIX + key


def values_for_phase(phase: str, gathered: dict[str, str | None]) -> list[str]:
    """The 40 arguments as the daemon passes them at this phase; unset or not-yet-gathered values are `null`."""
    groups = PHASE_GROUPS[phase]
    return [
        _or_null(gathered.get(f.key)) if f.group in groups else "null"
        for f in FIELDS
    ]


def _or_null(value: str | None) -> str:
    return "null" if value is None else value
