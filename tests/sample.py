"""A complete, invented set of facts for tests that must not depend on the machine they run on."""

from audit.channels.backend.analytics import FIELDS, fact_name
from audit.model.fact import Fact

SYSTEM_INFO = {
    "NETDATA_CONTAINER_OS_NAME": "none", "NETDATA_CONTAINER_OS_ID": "none", "NETDATA_CONTAINER_OS_ID_LIKE": "none",
    "NETDATA_CONTAINER_OS_VERSION": "none", "NETDATA_CONTAINER_OS_VERSION_ID": "none",
    "NETDATA_CONTAINER_OS_DETECTION": "none", "NETDATA_CONTAINER_IS_OFFICIAL_IMAGE": "false",
    "NETDATA_HOST_OS_NAME": "Debian GNU/Linux", "NETDATA_HOST_OS_ID": "debian", "NETDATA_HOST_OS_ID_LIKE": "unknown",
    "NETDATA_HOST_OS_VERSION": "12 (bookworm)", "NETDATA_HOST_OS_VERSION_ID": "12",
    "NETDATA_HOST_OS_DETECTION": "/etc/os-release", "NETDATA_HOST_IS_K8S_NODE": "false",
    "NETDATA_SYSTEM_KERNEL_NAME": "Linux", "NETDATA_SYSTEM_KERNEL_VERSION": "6.1.0-18-amd64",
    "NETDATA_SYSTEM_ARCHITECTURE": "x86_64", "NETDATA_SYSTEM_VIRTUALIZATION": "kvm",
    "NETDATA_SYSTEM_VIRT_DETECTION": "systemd-detect-virt", "NETDATA_SYSTEM_CONTAINER": "none",
    "NETDATA_SYSTEM_CONTAINER_DETECTION": "systemd-detect-virt", "NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT": "2",
    "NETDATA_SYSTEM_CPU_VENDOR": "GenuineIntel", "NETDATA_SYSTEM_CPU_MODEL": "Intel Xeon Processor (Icelake)",
    "NETDATA_SYSTEM_CPU_FREQ": "2000000000", "NETDATA_SYSTEM_CPU_DETECTION": "lscpu",
    "NETDATA_SYSTEM_TOTAL_RAM": "25769803776", "NETDATA_SYSTEM_RAM_DETECTION": "procfs",
    "NETDATA_SYSTEM_TOTAL_DISK_SIZE": "274877906944", "NETDATA_SYSTEM_DISK_DETECTION": "sysfs",
}

ANALYTICS = {
    "config_stream_enabled": "false", "config_memory_mode": '"dbengine"', "config_exporting_enabled": "false",
    "exporting_connectors": '""', "host_allmetrics_prometheus_used": "0", "host_allmetrics_shell_used": "0",
    "host_allmetrics_json_used": "0", "host_dashboard_used": "3",
    "host_collectors": '{ "plugin": "proc", "module":"/proc/stat" },{ "plugin": "go.d", "module":"nginx" }',
    "host_collectors_count": "2", "netdata_buildinfo": '"dbengine|Native HTTPS|Netdata Cloud"',
    "config_page_cache_size": "32", "config_multidb_disk_quota": "1024", "config_https_enabled": "true",
    "config_web_enabled": "true", "netdata_release_channel": '"stable"', "mirrored_host_count": "1",
    "mirrored_hosts_reachable": "1", "mirrored_hosts_unreachable": "0", "host_notification_methods": '"email"',
    "alarms_normal": "120", "alarms_warning": "1", "alarms_critical": "0", "host_charts_count": "300",
    "host_metrics_count": "1800", "config_is_parent": "false", "config_hosts_available": "1",
    "host_cloud_available": "true", "host_aclk_available": "false", "host_aclk_protocol": None,
    "host_aclk_implementation": '"Next Generation"', "host_agent_claimed": "false", "host_cloud_enabled": "true",
    "config_https_available": '"||"', "netdata_install_type": '"kickstart-static"',
    "config_is_private_registry": "false", "config_private_registry_used": "false", "config_oom_score": None,
    "netdata_prebuilt_distro": None, "netdata_fail_reason": None,
}
assert set(ANALYTICS) == {f.key for f in FIELDS}

GUID = "3a2bd8c6-6c5e-11ee-9f3b-0242ac120002"


def sample_facts(**overrides) -> dict:
    facts = {name: Fact(value, "test") for name, value in SYSTEM_INFO.items()}
    facts.update({
        "config_dir": Fact("/etc/netdata", "test"),
        "netdata_version": Fact("v2.5.4", "test"),
        "machine_guid": Fact(GUID, "test"),
        "system_distinct_id": Fact("machine-0123456789abcdef0123456789abcdef", "test"),
        "shell": Fact("dash", "test"),
    })
    facts.update({fact_name(key): Fact(value, "test") for key, value in ANALYTICS.items()})
    for name, value in overrides.items():
        facts[name] = Fact(value, "test")
    return facts

# An installed anonymous-statistics.sh as the tool reads it: only the opt-out test's path matters (not Netdata's text).
STAND_IN_SCRIPT = '# stand-in for the packaged script: tests -f "/etc/netdata/.opt-out-from-anonymous-statistics"\n'
