"""What changed between Netdata releases v1.33 and v2.5.x, as data keyed by version range.

Three tables, each read from the tags of netdata/netdata (the `source` of a row names where):
  SCRIPT_LAYOUTS  anonymous-statistics.sh.in: body header, properties it has, GUID default, opt-out variables
  SYSTEM_INFO     system-info.sh: the Linux behaviours that change a value between releases
  DAEMON_DEFAULTS the daemon's compiled defaults that reach the payload
A row covers [since, until] by major.minor; `until=None` means "to the last release that runs the script".
"""

from dataclasses import dataclass

from audit.plumbing import versions

POSTHOG_PROJECT_KEY = "mqkwGT0JNFqO-zX2t0mW6Tec9yooaVu7xCBlXtHnt5Y"  # PostHog's public, write-only project key
API_KEY_LINE = f'    "api_key": "{POSTHOG_PROJECT_KEY}",'
POSTHOG = "https://posthog.netdata.cloud/capture/"
POSTHOG_APP = "https://app.posthog.com/capture/"
CLOUD_FUNCTION = "https://us-east1-netdata-analytics-bi.cloudfunctions.net/ingest_agent_events"
BOTH_ENV = ("DISABLE_TELEMETRY", "DO_NOT_TRACK")
FIRST_MODELLED = "v1.33"


@dataclass(frozen=True)
class Span:
    since: str
    until: str | None

    def covers(self, version: str) -> bool:
        return versions.within(version, self.since, self.until)

    def __str__(self) -> str:
        return versions.span(self.since, self.until)


@dataclass(frozen=True)
class ScriptLayout:
    span: Span
    header: tuple[str, ...]  # body lines between "{" and "event" (PostHog's api_key up to v1.39)
    without: frozenset[str]  # properties of the v1.43+ template this release's script does not have
    zero_guid_default: bool  # empty NETDATA_REGISTRY_UNIQUE_ID becomes 00000000-... (else sent empty)
    opt_out_env: tuple[str, ...]  # environment variables that opt out (any non-empty value)
    endpoint: str
    source: str


_OLD = frozenset({"system_distinct_id", "netdata_fail_reason"})

SCRIPT_LAYOUTS: tuple[ScriptLayout, ...] = (
    ScriptLayout(Span("v1.33", "v1.33"), (API_KEY_LINE,), _OLD, False, ("DO_NOT_TRACK",), POSTHOG,
                 "v1.33.0:daemon/anonymous-statistics.sh.in"),
    ScriptLayout(Span("v1.34", "v1.38"), (API_KEY_LINE,), _OLD, False, BOTH_ENV, POSTHOG,
                 "v1.34.0:daemon/anonymous-statistics.sh.in:21-25 (DISABLE_TELEMETRY added)"),
    ScriptLayout(Span("v1.39", "v1.39"), (API_KEY_LINE,), _OLD, True, BOTH_ENV, POSTHOG_APP,
                 "v1.39.0:daemon/anonymous-statistics.sh.in:72 (GUID default), 169"),
    ScriptLayout(Span("v1.40", "v1.41"), (), _OLD, True, BOTH_ENV, CLOUD_FUNCTION,
                 "v1.40.0:daemon/anonymous-statistics.sh.in (api_key removed, commit 430c0ec56a)"),
    ScriptLayout(Span("v1.42", "v1.42"), (), frozenset({"netdata_fail_reason"}), True, BOTH_ENV, CLOUD_FUNCTION,
                 "v1.42.0:daemon/anonymous-statistics.sh.in (system_distinct_id added, commit d759ebbb7f)"),
    ScriptLayout(Span("v1.43", None), (), frozenset(), True, BOTH_ENV, CLOUD_FUNCTION,
                 "v1.43.0..v2.5.0:src/daemon/anonymous-statistics.sh.in (identical)"),
)


@dataclass(frozen=True)
class SystemInfoRules:
    """The Linux branches of system-info.sh that produce different values from one release to the next."""
    span: Span
    virt_fallback: str  # after systemd-detect-virt: "cpuinfo-flag" (hypervisor flag, dmidecode) or "lscpu"
    normalize_virt: bool  # "User-mode Linux" -> uml, lower-case, spaces to dashes
    container_from_detect_virt: str  # `systemd-detect-virt -c` sets CONTAINER: "always" (even empty, v1.33),
    # "never" (v1.34-v1.36: `${CONTAINER:-...}` after CONTAINER=unknown), "non-empty" (v1.37+)
    kubernetes_container: bool  # KUBERNETES_SERVICE_HOST marks a container
    lxcfs_cpu_count: bool  # lxcfs on /proc: count CPUs from /proc/cpuinfo
    lscpu_freq: str  # "mhz-always" (v1.33: " MHz" even when lscpu has no MHz line) or "fallbacks"
    sysfs_khz_to_hz: bool  # base_frequency/cpuinfo_max_freq (kHz) multiplied by 1000
    cpuinfo_mhz: str  # /proc/cpuinfo "cpu MHz" fallback: "none", "awk-print" (awk's own number format), "exact"
    disk_names_mmc: bool  # `mmc` in the block device whitelist
    lxcfs_disk_guard: bool  # lxcfs on /proc: skip the sysfs disk sum
    proxmox: bool
    source: str


def _rules(since, until, **kw) -> SystemInfoRules:
    return SystemInfoRules(Span(since, until), **kw)


_MODERN = dict(virt_fallback="lscpu", normalize_virt=True, container_from_detect_virt="non-empty", kubernetes_container=True,
               lxcfs_cpu_count=True, lscpu_freq="fallbacks", sysfs_khz_to_hz=True, cpuinfo_mhz="exact",
               disk_names_mmc=True, lxcfs_disk_guard=True, proxmox=True)

SYSTEM_INFO: tuple[SystemInfoRules, ...] = (
    _rules("v1.33", "v1.33", **{**_MODERN, "virt_fallback": "cpuinfo-flag", "normalize_virt": False,
                                "container_from_detect_virt": "always", "kubernetes_container": False,
                                "lxcfs_cpu_count": False, "lscpu_freq": "mhz-always", "sysfs_khz_to_hz": False,
                                "cpuinfo_mhz": "none", "disk_names_mmc": False, "lxcfs_disk_guard": False,
                                "proxmox": False}, source="v1.33.0:daemon/system-info.sh"),
    _rules("v1.34", "v1.34", **{**_MODERN, "virt_fallback": "cpuinfo-flag", "normalize_virt": False,
                                "container_from_detect_virt": "never",
                                "kubernetes_container": False, "lxcfs_cpu_count": False, "cpuinfo_mhz": "awk-print",
                                "disk_names_mmc": False, "lxcfs_disk_guard": False, "proxmox": False},
           source="v1.34.0:daemon/system-info.sh"),
    _rules("v1.35", "v1.36", **{**_MODERN, "container_from_detect_virt": "never", "kubernetes_container": False,
                                "lxcfs_cpu_count": False, "cpuinfo_mhz": "awk-print", "disk_names_mmc": False,
                                "lxcfs_disk_guard": False, "proxmox": False},
           source="v1.35.0..v1.36.1:daemon/system-info.sh"),
    _rules("v1.37", "v1.37", **{**_MODERN, "kubernetes_container": False, "lxcfs_cpu_count": False,
                                "cpuinfo_mhz": "awk-print", "disk_names_mmc": False, "lxcfs_disk_guard": False,
                                "proxmox": False}, source="v1.37.0:daemon/system-info.sh"),
    _rules("v1.38", "v1.38", **{**_MODERN, "kubernetes_container": False, "cpuinfo_mhz": "awk-print",
                                "disk_names_mmc": False, "lxcfs_disk_guard": False, "proxmox": False},
           source="v1.38.0:daemon/system-info.sh"),
    _rules("v1.39", "v1.41", **{**_MODERN, "cpuinfo_mhz": "awk-print", "lxcfs_disk_guard": False,
                                "proxmox": False}, source="v1.39.0..v1.41.0:daemon/system-info.sh"),
    _rules("v1.42", "v1.47", **{**_MODERN, "lxcfs_disk_guard": False, "proxmox": False},
           source="v1.42.0..v1.47.0:system-info.sh (printf \"%0.f\")"),
    _rules("v2.0", "v2.4", **{**_MODERN, "proxmox": False}, source="v2.0.0..v2.4.0:src/daemon/system-info.sh"),
    _rules("v2.5", None, **_MODERN, source="v2.5.0:src/daemon/system-info.sh"),
)


@dataclass(frozen=True)
class DaemonDefaults:
    span: Span
    multidb_disk_quota_mb: int  # default_multidb_disk_quota_mb, what START/META report whatever netdata.conf says
    memory_mode_setting: tuple[str, str]  # where netdata.conf names the memory mode
    page_cache_setting: tuple[str, str]  # where netdata.conf sets the dbengine page cache (MiB)
    source: str
    # config_is_parent is also true when stream.conf has an enabled section named by a UUID (an API key or a
    # child's GUID): v1.37.1:streaming/rrdpush.c configured_as_parent() .. v2.1; from v2.2.0 netdata_conf_is_parent()
    # (src/daemon/config/netdata-conf-profile.c) also depends on CPUs, RAM and [global] profile: not modelled
    parent_from_stream_conf: bool = True


DAEMON_DEFAULTS: tuple[DaemonDefaults, ...] = (
    DaemonDefaults(Span("v1.33", "v1.33"), 256, ("global", "memory mode"), ("global", "page cache size"),
                   "v1.33.1:database/engine/rrdengineapi.c (256); v1.33.1:daemon/main.c:520"),
    DaemonDefaults(Span("v1.34", "v1.45"), 256, ("db", "mode"), ("db", "dbengine page cache size MB"),
                   "v1.37.1..v1.45.0:database/engine/rrdengineapi.c (256); [global] memory mode moved to [db] mode"),
    DaemonDefaults(Span("v1.46", "v1.47"), 1024, ("db", "mode"), ("db", "dbengine page cache size MB"),
                   "v1.46.0..v1.47.x: RRDENG_DEFAULT_TIER_DISK_SPACE_MB (1024)"),
    DaemonDefaults(Span("v2.0", "v2.1"), 1024, ("db", "mode"), ("db", "dbengine page cache size"),
                   "v2.0.0..v2.5.0: RRDENG_DEFAULT_TIER_DISK_SPACE_MB (1024)"),
    DaemonDefaults(Span("v2.2", None), 1024, ("db", "mode"), ("db", "dbengine page cache size"),
                   "v2.0.0..v2.5.0: RRDENG_DEFAULT_TIER_DISK_SPACE_MB (1024)",
                   parent_from_stream_conf=False),
)


def _pick(table, version: str):
    for row in table:
        if row.span.covers(version):
            return row
    return table[0] if versions.parse(version)[:2] < versions.parse(FIRST_MODELLED)[:2] else table[-1]


def boundaries() -> list[str]:
    """The first release of every stretch in which system-info.sh and the daemon's defaults stay the same (each row
    boundary of SYSTEM_INFO and DAEMON_DEFAULTS): any version reads a machine as the greatest of these at or below
    it does (the first for older ones)."""
    starts = {row.span.since for row in (*SYSTEM_INFO, *DAEMON_DEFAULTS)}
    return sorted((f"{since}.0" for since in starts), key=versions.parse)


def script_layout(version: str) -> ScriptLayout:
    return _pick(SCRIPT_LAYOUTS, version)


def system_info_rules(version: str) -> SystemInfoRules:
    return _pick(SYSTEM_INFO, version)


def daemon_defaults(version: str) -> DaemonDefaults:
    return _pick(DAEMON_DEFAULTS, version)


def modelled(version: str) -> bool:
    return versions.parse(version)[:2] >= versions.parse(FIRST_MODELLED)[:2]
