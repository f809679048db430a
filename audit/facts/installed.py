"""The installed agent, read for real: binary, version, build info, dirs, the statistics script's own opt-out path,
and which package owns the binary and the opt-out file.

Live, commands are run (`netdata -v`, `netdata -W buildinfo`, `rpm -qf`); under --root only files are read
(dpkg's /var/lib/dpkg/info/*.list and status). Every fact names its source.
"""

import re

from audit.model.fact import Fact, Facts
from audit.plumbing.system import System

BINARY_PATHS = ("/usr/sbin/netdata", "/usr/bin/netdata", "/opt/netdata/bin/netdata", "/usr/local/sbin/netdata")
SCRIPT_PATHS = ("/usr/libexec/netdata/plugins.d/anonymous-statistics.sh",
                "/usr/lib/netdata/plugins.d/anonymous-statistics.sh",
                "/opt/netdata/usr/libexec/netdata/plugins.d/anonymous-statistics.sh")
OPT_OUT_FILE = ".opt-out-from-anonymous-statistics"
DPKG_INFO = "/var/lib/dpkg/info"
# `netdata -W buildinfo` labels whose analytics label differs (v1.3x buildinfo.c: analytics_build_info)
_ANALYTICS_LABEL = {"Trace Allocations": "DebugTraceAlloc"}
_NOT_IN_ANALYTICS = {"ACLK"}
_BUILDINFO_SECTIONS = ("Features", "Libraries", "Plugins", "Exporters", "Debug/Developer Features")


def collect_installed(system: System, config_dir: str) -> Facts:
    facts: Facts = {}
    binary = next((p for p in BINARY_PATHS if system.is_file(p)), None)
    facts["agent.binary"] = Fact(binary, f"file:{binary}" if binary else "default",
                                 "" if binary else "no netdata binary in " + ", ".join(BINARY_PATHS))
    text = _buildinfo_text(system, binary)
    if text is not None:
        facts.update(buildinfo_facts(text, f"command:{binary} -W buildinfo"))
    facts["agent.script_opt_out_file"] = script_opt_out(system)
    lists = dpkg_lists(system)
    for name, path in (("agent.binary_package", binary),
                       ("agent.opt_out_file_package", f"{config_dir.rstrip('/')}/{OPT_OUT_FILE}"),
                       ("agent.script_opt_out_file_package", facts["agent.script_opt_out_file"].value)):
        if path:
            facts[name] = owning_package(system, path, lists)
    return facts


def buildinfo_commands(system: System) -> list[tuple[list[str], None]]:
    """`netdata -W buildinfo` of the installed binary, which version and build facts read (for System.prefetch)."""
    binary = next((p for p in BINARY_PATHS if system.is_file(p)), None)
    return [([binary, "-W", "buildinfo"], None)] if binary else []


def _buildinfo_text(system: System, binary: str | None) -> str | None:
    if binary is None or system.confined:
        return None
    return system.run([binary, "-W", "buildinfo"], timeout=10)


def buildinfo_features(text: str) -> list[tuple[str, bool, str]]:
    """(label, built, detail) for every `label: YES|NO ...` line of the build-info sections."""
    out, section = [], None
    for line in text.splitlines():
        if re.match(r"^\S.*:\s*$", line):
            section = line.strip().rstrip(":")
            continue
        m = re.match(r"^\s+(.+?):\s+(YES|NO)\b(.*)$", line)
        if m and section in _BUILDINFO_SECTIONS:
            out.append((m.group(1), m.group(2) == "YES", m.group(3).strip()))
    return out


def buildinfo_facts(text: str, source: str) -> Facts:
    features = buildinfo_features(text)
    built = {label: yes for label, yes, _ in features}
    detail = {label: more for label, _, more in features}
    labels = [_ANALYTICS_LABEL.get(label, label) for label, yes, _ in features
              if yes and label not in _NOT_IN_ANALYTICS]
    version = re.search(r"^Version:\s*netdata\s+(\S+)", text, re.M)
    configure = re.search(r"^Configure options:(.*)$", text, re.M)
    install_type = re.search(r"^Install type:\s*(.*)$", text, re.M)
    facts: Facts = {
        "agent.features": Fact("|".join(labels), source, "the features built in, as the daemon names them in "
                               "its analytics (netdata_buildinfo)"),
        "agent.cloud_built": Fact(_yes(built.get("Netdata Cloud")), source, detail.get("Netdata Cloud", "")),
        "agent.cloud_disabled_at_build": Fact(_yes("by user request" in detail.get("Netdata Cloud", "")), source,
                                              "built with --disable-cloud: the daemon reports cloud enabled false"),
        "agent.aclk_built": Fact(_yes(built.get("ACLK")), source),
        "agent.https_built": Fact(_yes(built.get("Native HTTPS")), source),
        "agent.dbengine_built": Fact(_yes(built.get("dbengine")), source),
    }
    if version:
        facts["agent.version"] = Fact(version.group(1), source)
    if install_type:
        facts["agent.install_type"] = Fact(install_type.group(1).strip(), source)
    if configure:
        options = dict(re.findall(r"'--(sysconfdir|localstatedir|prefix)=([^']*)'", configure.group(1)))
        if "sysconfdir" in options:
            facts["agent.config_dir"] = Fact(options["sysconfdir"].rstrip("/") + "/netdata", source,
                                             "from the configure options (--sysconfdir)")
        if "localstatedir" in options:
            facts["agent.lib_dir"] = Fact(options["localstatedir"].rstrip("/") + "/lib/netdata", source,
                                          "from the configure options (--localstatedir)")
    return facts


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def script_opt_out(system: System) -> Fact:
    """The opt-out path compiled into the installed script (@configdir_POST@), which the daemon's -c does not move."""
    script = next((p for p in SCRIPT_PATHS if system.is_file(p)), None)
    if script is None:
        return Fact(None, "default", "no anonymous-statistics.sh found in " + ", ".join(SCRIPT_PATHS))
    text = system.read_text(script) or ""
    m = re.search(r'-f "([^"]*/\.opt-out-from-anonymous-statistics)"', text)
    if not m:
        return Fact(None, f"file:{script}", "the script has no opt-out file test")
    return Fact(m.group(1), f"file:{script}", "the script checks this path whatever config dir the daemon uses")


def dpkg_lists(system: System) -> list[str]:
    """dpkg's file lists of the netdata* packages (names in its info dir)."""
    return [name for name in system.listdir(DPKG_INFO) if name.endswith(".list") and "netdata" in name]


def owning_package(system: System, path: str, lists: list[str] | None = None) -> Fact:
    """The package that ships `path`: dpkg's file lists of netdata* packages (read, never run; `lists` when the
    caller already has them), else `rpm -qf` (live only)."""
    info = DPKG_INFO
    for name in dpkg_lists(system) if lists is None else lists:
        listing = system.read_text(f"{info}/{name}") or ""
        if path in listing.splitlines():
            package = name[:-len(".list")].split(":")[0]
            return Fact(package, f"file:{info}/{name}", f"dpkg lists {path} as shipped by {package}")
    if not getattr(system, "confined", True) and system.has_command("rpm"):
        out = system.run(["rpm", "-qf", "--queryformat", "%{NAME}", path])
        if out and "not owned" not in out and "No such" not in out:
            return Fact(out.strip(), f"command:rpm -qf {path}")
    return Fact(None, "default", f"no installed package lists {path}")


def conffile_package(system: System, path: str) -> str | None:
    """The netdata* package for which dpkg manages `path` as a conffile (its <package>.conffiles lists it): an
    upgrade that ships a new version of the file then asks whether to keep the local change."""
    for name in dpkg_lists(system):
        conffiles = system.read_text(f"{DPKG_INFO}/{name[:-len('.list')]}.conffiles") or ""
        if path in conffiles.split():
            return name[:-len(".list")].split(":")[0]
    return None


def packaged_version(system: System) -> Fact | None:
    """The installed netdata binary's version from dpkg's status file (files only, so it works under --root)."""
    binary = next((p for p in BINARY_PATHS if system.is_file(p)), None)
    package = owning_package(system, binary).value if binary else None
    if package is None:
        return None
    status = system.read_text(DPKG_INFO.rsplit("/", 1)[0] + "/status")
    for stanza in (status or "").split("\n\n"):
        if re.search(rf"^Package: {re.escape(package)}$", stanza, re.M):
            m = re.search(r"^Version: (?:\d+:)?([0-9][^-\s]*)", stanza, re.M)
            if m:
                return Fact("v" + m.group(1), f"file:/var/lib/dpkg/status ({package})",
                            f"version of the package that ships {binary}")
    return None
