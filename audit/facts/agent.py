"""The agent's own facts: version, machine GUID, system distinct id, and the analytics values it would pass.

What can be read is read (the netdata binary, netdata.conf, stream.conf, exporting.conf, .environment,
.install-type, the registry unique-id file); everything else is the daemon's own default, marked as assumed.
"""

import hashlib
import re

from audit.plumbing import versions
from audit.channels.backend import releases
from audit.channels.backend.analytics import fact_name
from audit.plumbing.errors import AuditError
from audit.plumbing.agentconf import is_yes, parse_assignments, parse_ini, size_mb
from audit.facts.installed import collect_installed
from audit.model.fact import Fact, Facts
from audit.plumbing.system import System
from audit.channels.backend.wire import ALL_ZERO_GUID

LIB_DIR = "/var/lib/netdata"
GUID_NAME = "registry/netdata.public.unique.id"
GUID_FILE = f"{LIB_DIR}/{GUID_NAME}"
DEFAULT_REGISTRY = "https://registry.my-netdata.io"
ASSUMED_BUILDINFO = ('"Netdata Cloud|Stream Compression|Machine Learning|dbengine|Native HTTPS|'
                     'TLS Host Verification|zlib|protobuf|JSON-C|libcap|libcrypto|libyaml|apps"')
RUNTIME_NOTE = ("unknown here: only a running agent knows this value (pass --agent-url URL to read it); "
                "the typical value of an idle agent is assumed")


def collect_agent_facts(system: System, config_dir: str, netdata_version: str | None = None,
                        machine_guid: str | None = None, version: Fact | None = None) -> Facts:
    facts: Facts = {
        "config_dir": Fact(config_dir, "option:--config-dir" if config_dir != "/etc/netdata" else "default"),
        "netdata_version": version or agent_version(system, netdata_version),
        "system_distinct_id": _system_distinct_id(system),
        "shell": _shell(system),
    }
    installed = collect_installed(system, config_dir)
    facts.update(installed)
    lib_dir = installed.get("agent.lib_dir", Fact(LIB_DIR, "default")).value
    facts["machine_guid"] = _machine_guid(system, machine_guid, f"{lib_dir}/{GUID_NAME}")
    modelled = facts["netdata_version"].value
    same_build = installed.get("agent.version") is not None and installed["agent.version"].value == modelled
    facts.update(analytics_facts(system, config_dir, modelled, installed if same_build else None))
    return facts


def agent_version(system: System, given: str | None) -> Fact:
    if given:
        return netdata_version_option(given)
    from audit.facts.installed import BINARY_PATHS

    binary = next((p for p in BINARY_PATHS if system.is_file(p)), None)
    info = system.run([binary, "-W", "buildinfo"], timeout=10) if binary else None  # read again for the features
    match = re.search(r"^Version:\s*netdata\s+(v?\d+\.\d+\S*)", info or "", re.M)
    if match:
        found = match.group(1)
        return Fact(found if found.startswith("v") else "v" + found, f"command:{binary} -W buildinfo")
    output = system.run(["netdata", "-v"])
    match = re.search(r"v?\d+\.\d+\S*", output or "")
    if match:
        found = match.group(0)
        return Fact(found if found.startswith("v") else "v" + found, "command:netdata -v")
    from audit.facts.installed import packaged_version

    if (packaged := packaged_version(system)) is not None:
        return packaged
    why = "commands are not run under --root" if system.confined else "no netdata binary found"
    return Fact(versions.LAST_SCRIPT_VERSION, "default", f"{why}; assuming {versions.LAST_SCRIPT_VERSION}, the last "
                "version that runs the statistics script (pass --netdata-version)", observed=False)


_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def machine_guid_option(given: str) -> Fact:
    if not _GUID.match(given):
        raise AuditError(f"--machine-guid {given!r}: expected a UUID such as 8a795b0c-2311-11e6-8563-000c295076a6")
    return Fact(given.lower(), "option:--machine-guid")


def netdata_version_option(given: str) -> Fact:
    versions.parse(given)
    return Fact(given, "option:--netdata-version")


def _machine_guid(system: System, given: str | None, path: str = GUID_FILE) -> Fact:
    if given:
        return machine_guid_option(given)
    text = system.read_text(path)
    if text is not None:
        guid = text.strip()[:36]
        if _GUID.match(guid) and guid != ALL_ZERO_GUID:
            return Fact(guid.lower(), f"file:{path}")
        return Fact(ALL_ZERO_GUID, f"file:{path}", "the file holds no valid GUID; the script falls back to zeros",
                    observed=False)
    return Fact(ALL_ZERO_GUID, "default", f"no {path}: the script's default when "
                "NETDATA_REGISTRY_UNIQUE_ID is empty (a running agent would create one)", observed=False)


def _system_distinct_id(system: System) -> Fact:
    """The script's SYSTEM_DISTINCT_ID (anonymous-statistics.sh.in:75-90), first match wins."""
    has_md5 = system.has_command("md5sum") or system.confined
    for prefix, path in (("machine", "/etc/machine-id"), ("dbus", "/var/db/dbus/machine-id"),
                         ("dbus", "/var/lib/dbus/machine-id")):
        if system.is_file(path) and has_md5:
            digest = hashlib.md5(system.read_bytes(path) or b"").hexdigest()
            return Fact(f"{prefix}-{digest}", f"file:{path}", "md5 of the file's bytes; the raw id is never sent")
    if system.has_command("uuidgen"):
        import uuid  # uuid imports platform: slow, and needed only here

        return Fact(f"uuid-{uuid.uuid4()}", "command:uuidgen", "a new random value on every event", observed=False)
    return Fact("null", "default", "no machine-id and no uuidgen: the script sends the string \"null\"")


def _shell(system: System) -> Fact:
    """The script runs under /bin/sh: dash's echo interprets backslashes in ACTION_DATA, bash's does not."""
    target = system.link_target("/bin/sh")
    if target is None:
        return Fact("dash", "default", "could not see what /bin/sh is; assuming dash (Debian, Ubuntu)", observed=False)
    name = "bash" if "bash" in target else "dash"  # anything else: assume a dash-like echo
    return Fact(name, "file:/bin/sh", f"/bin/sh -> {target}")


def analytics_facts(system: System, config_dir: str, version: str | None, installed: Facts | None = None) -> Facts:
    conf = _ini(system, f"{config_dir}/netdata.conf")
    stream = _ini(system, f"{config_dir}/stream.conf")
    exporting = _ini(system, f"{config_dir}/exporting.conf")
    install = _assignments(system, f"{config_dir}/.install-type")
    environment = _assignments(system, f"{config_dir}/.environment")
    ver = version or versions.LAST_SCRIPT_VERSION
    v = _Values(config_dir)

    v.bool("config_stream_enabled", stream, "stream", "enabled", False, "stream.conf")
    defaults = releases.daemon_defaults(ver)
    mode_section, mode_name = defaults.memory_mode_setting
    memory_mode = v.conf_value(conf, mode_section, mode_name)
    v.set("config_memory_mode", f'"{memory_mode or "dbengine"}"', memory_mode, "netdata.conf", f"[{mode_section}] {mode_name}")
    v.size("config_page_cache_size", conf, *defaults.page_cache_setting, 32)
    v.assume("config_multidb_disk_quota", str(defaults.multidb_disk_quota_mb),
             f"the compiled default of {defaults.span} ({defaults.source}): the daemon fixes this value before it "
             "reads the disk quota from netdata.conf, so the setting never reaches START or META")
    installed = installed or {}
    built = lambda name: installed.get(f"agent.{name}")
    if (https := built("https_built")) and https.value is not None:
        v.observe("config_https_enabled", https.value, https.source, "whether the binary was built with HTTPS")
    else:
        v.assume("config_https_enabled", "true", "always true in v2.x (built with HTTPS)")
    web_mode = v.conf_value(conf, "web", "mode")
    v.set("config_web_enabled", "false" if web_mode == "none" else "true", web_mode, "netdata.conf", "[web] mode")
    channel = environment.get("RELEASE_CHANNEL")
    if channel in ("stable", "nightly"):
        v.observe("netdata_release_channel", f'"{channel}"', f"file:{config_dir}/.environment RELEASE_CHANNEL")
    else:
        v.facts.update(_assumed_release_channel(ver))
    if (features := built("features")) and features.value is not None:
        v.observe("netdata_buildinfo", f'"{features.value}"', features.source, features.note)
    else:
        v.assume("netdata_buildinfo", ASSUMED_BUILDINFO, "the build's enabled features (netdata -W buildinfo); "
                 "assumed typical of an official v2 build")
    if (disabled := built("cloud_disabled_at_build")) and disabled.value == "true":
        v.observe("host_cloud_enabled", "false", disabled.source, "built with --disable-cloud")
    else:
        v.assume("host_cloud_enabled", "true", "always true in v2.x; before, cloud.conf [global] enabled (yes)")
    if "INSTALL_TYPE" in install:
        v.observe("netdata_install_type", f'"{install["INSTALL_TYPE"]}"', f"file:{config_dir}/.install-type")
    else:
        v.assume("netdata_install_type", '"unknown"', "no .install-type: the daemon sends \"unknown\"")
    if "PREBUILT_DISTRO" in install:
        v.observe("netdata_prebuilt_distro", f'"{install["PREBUILT_DISTRO"]}"', f"file:{config_dir}/.install-type")
    else:
        v.assume("netdata_prebuilt_distro", None, "no PREBUILT_DISTRO in .install-type: stays null")
    v.oom(conf)
    v.assume("netdata_fail_reason", None, "set only when a SQLite step failed")

    _exporting(v, exporting)
    if (aclk := built("aclk_built")) and aclk.value is not None:
        v.observe("host_cloud_available", aclk.value, aclk.source, "whether the binary was built with ACLK")
        v.observe("host_aclk_implementation", '"Next Generation"' if aclk.value == "true" else '""', aclk.source,
                  "empty when built without ACLK")
    else:
        v.assume("host_cloud_available", "true", "always true in v2.x")
        v.assume("host_aclk_implementation", '"Next Generation"', "the only cloud link since v1.3x")
    web_tls = v.conf_value(conf, "web", "ssl key") is not None
    v.assume("config_https_available", '"||web"' if web_tls else '"||"',
             "which of exporting|streaming|web use TLS; web from [web] ssl key, the others assumed off")
    registry_on = is_yes(v.conf_value(conf, "registry", "enabled") or "no") and web_mode != "none"
    v.set("config_is_private_registry", "true" if registry_on else "false",
          v.conf_value(conf, "registry", "enabled"), "netdata.conf", "[registry] enabled")
    announce = v.conf_value(conf, "registry", "registry to announce")
    v.set("config_private_registry_used", "true" if announce and announce != DEFAULT_REGISTRY else "false",
          announce, "netdata.conf", "[registry] registry to announce")
    _runtime(v, system)
    if defaults.parent_from_stream_conf and (key := parent_key(stream)):
        v.observe("config_is_parent", "true", f"file:{config_dir}/stream.conf [{key}] enabled",
                  "a configured parent: the daemon counts an enabled API key as one, with or without children")
    return v.facts


def release_channel_fact(facts: Facts, version: str) -> Facts:
    """The release channel for another agent version: .environment's when it names one, else by the version."""
    current = facts.get(fact_name("netdata_release_channel"))
    return {} if current is not None and current.observed else _assumed_release_channel(version)


def _assumed_release_channel(version: str) -> Facts:
    return {fact_name("netdata_release_channel"): Fact(
        '"nightly"' if "-" in version else '"stable"', "default",
        "no RELEASE_CHANNEL in .environment: nightly when the version has a '-', else stable", observed=False)}


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def parent_key(stream: dict) -> str | None:
    """The first stream.conf section named by a UUID with `enabled` on (configured_as_parent()), or None."""
    return next((name for name, options in stream.items()
                 if _UUID.fullmatch(name) and is_yes(options.get("enabled", "no"))), None)


def _exporting(v: "_Values", exporting: dict) -> None:
    enabled = is_yes(exporting.get("exporting:global", {}).get("enabled", "no"))
    source = "exporting.conf [exporting:global] enabled"
    if exporting:
        v.observe("config_exporting_enabled", "true" if enabled else "false", f"file:{v.config_dir}/{source}")
    else:
        v.assume("config_exporting_enabled", "false", "no exporting.conf: exporting is off")
    connectors = [name.split(":")[0] for name, options in exporting.items()
                  if ":" in name and name != "exporting:global" and is_yes(options.get("enabled", "yes"))]
    names = "|".join(_CONNECTOR_NAMES.get(c, "Unknown") for c in connectors) if enabled else ""
    v.set("exporting_connectors", f'"{names}"', "|".join(connectors) if exporting else None, "exporting.conf",
          "connector sections")


_CONNECTOR_NAMES = {"graphite": "Graphite", "graphite:http": "GraphiteHTTP", "json": "JSON", "opentsdb": "OpenTSDB",
                    "prometheus_remote_write": "PrometheusRemoteWrite", "kinesis": "Kinesis", "pubsub": "Pubsub",
                    "mongodb": "MongoDB"}


def _runtime(v: "_Values", system: System) -> None:
    for key, value in (("host_allmetrics_prometheus_used", "0"), ("host_allmetrics_shell_used", "0"),
                       ("host_allmetrics_json_used", "0"), ("host_dashboard_used", "0"),
                       ("host_collectors", ""), ("host_collectors_count", "0"),
                       ("mirrored_host_count", "1"), ("mirrored_hosts_reachable", "1"),
                       ("mirrored_hosts_unreachable", "0"), ("host_notification_methods", '""'),
                       ("alarms_normal", "0"), ("alarms_warning", "0"), ("alarms_critical", "0"),
                       ("host_charts_count", "0"), ("host_metrics_count", "0"), ("config_is_parent", "false"),
                       ("config_hosts_available", "1")):
        v.assume(key, value, RUNTIME_NOTE)
    claimed = system.exists("/var/lib/netdata/cloud.d/claimed_id")
    v.observe("host_agent_claimed", "true" if claimed else "false", "file:/var/lib/netdata/cloud.d/claimed_id")
    v.assume("host_aclk_available", "true" if claimed else "false", "assumed online when claimed")
    v.assume("host_aclk_protocol", '"New"' if claimed else None, "\"New\" once the cloud link was online")


class _Values:
    """Collects analytics facts, each a JSON literal with its source."""

    def __init__(self, config_dir: str):
        self.config_dir = config_dir
        self.facts: Facts = {}

    def observe(self, key: str, literal: str | None, source: str, note: str = "") -> None:
        self.facts[fact_name(key)] = Fact(literal, source, note)

    def assume(self, key: str, literal: str | None, note: str) -> None:
        self.facts[fact_name(key)] = Fact(literal, "default", note, observed=False)

    def set(self, key: str, literal: str, raw: str | None, file: str, setting: str) -> None:
        if raw is None:
            self.assume(key, literal, f"{setting} not set in {file}: the daemon's default")
        else:
            self.observe(key, literal, f"file:{self.config_dir}/{file} {setting}")

    @staticmethod
    def conf_value(conf: dict, section: str, name: str) -> str | None:
        return conf.get(section, {}).get(name)

    def bool(self, key: str, conf: dict, section: str, name: str, default: bool, file: str) -> None:
        raw = self.conf_value(conf, section, name)
        value = is_yes(raw) if raw is not None else default
        self.set(key, "true" if value else "false", raw, file, f"[{section}] {name}")

    def size(self, key: str, conf: dict, section: str, name: str, default: int) -> None:
        raw = self.conf_value(conf, section, name)
        value = size_mb(raw) if raw is not None else None
        self.set(key, str(value if value is not None else default), raw, "netdata.conf", f"[{section}] {name}")

    def oom(self, conf: dict) -> None:
        raw = self.conf_value(conf, "global", "OOM score")
        if raw and re.match(r"^[-+]?\d+$", raw) and int(raw) != 0:
            self.observe("config_oom_score", str(max(-1000, min(1000, int(raw)))),
                         f"file:{self.config_dir}/netdata.conf [global] OOM score")
        else:
            self.assume("config_oom_score", None, "set only when the OOM score was non-zero or changed")


def _ini(system: System, path: str) -> dict:
    text = system.read_text(path)
    return parse_ini(text) if text is not None else {}


def _assignments(system: System, path: str) -> dict:
    text = system.read_text(path)
    return parse_assignments(text) if text is not None else {}
