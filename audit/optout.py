"""Which opt-out mechanisms are active, and what each telemetry component does about them (fact sheet §6)."""

import json
import os
import re
from dataclasses import dataclass, field

from audit import versions
from audit.errors import AuditError, Exit
from audit.facts.agentconf import parse_assignments
from audit.facts.system import System

OPT_OUT_FILE = ".opt-out-from-anonymous-statistics"
COMPONENTS = ("daemon", "script", "kickstart", "docker", "dashboard")


@dataclass
class Verdict:
    mechanisms: dict
    components: dict
    backend_sends: bool
    disagreements: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {"mechanisms": self.mechanisms, "components": self.components,
                "backend_sends": self.backend_sends, "disagreements": self.disagreements}


def shell_eq_one(value: str) -> bool:
    """`[ "$x" -eq 1 ]` as dash evaluates it: optional surrounding blanks, optional sign, decimal digits."""
    m = re.fullmatch(r"[ \t]*([+-]?[0-9]+)[ \t]*", value)
    return bool(m) and int(m.group(1)) == 1


def _daemon_reads_env(version: str) -> bool:
    try:
        return versions.parse(version) >= (2, 3, 0)
    except Exception:
        return True


def mechanisms(system: System, config_dir: str) -> dict:
    path = f"{config_dir.rstrip('/')}/{OPT_OUT_FILE}"
    exists = system.exists(path)
    readable = exists and system.read_bytes(path) is not None
    env = {}
    for name in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        value = system.env.get(name)
        env[name] = {"set": value is not None, "value": value}
    conf = system.read_text(f"{config_dir.rstrip('/')}/netdata.conf") or ""
    dnt = None
    section = None
    for line in conf.splitlines():
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip()
        elif section == "web" and "=" in s and not s.startswith("#"):
            key, _, val = s.partition("=")
            if key.strip() == "respect do not track policy":
                dnt = val.strip()
    return {"opt_out_file": {"path": system.display(path), "exists": exists, "readable": readable},
            **env, "respect_do_not_track_policy": dnt, "installer_option": _installer_option(system, config_dir),
            "in_container": _in_container(system), "install_type": _install_type(system, config_dir)}


def _in_container(system: System) -> bool:
    """Docker and Podman mark their containers with a file; systemd-nspawn and others set $container."""
    return system.exists("/.dockerenv") or system.exists("/run/.containerenv") or bool(system.env.get("container"))


def _install_type(system: System, config_dir: str) -> str | None:
    text = system.read_text(f"{config_dir.rstrip('/')}/.install-type")
    return parse_assignments(text).get("INSTALL_TYPE") if text is not None else None


def applicability(m: dict) -> dict[str, str]:
    """Components that cannot send from here, each with why (the others apply)."""
    out = {}
    if not m["in_container"]:
        out["docker"] = "not in a container (no /.dockerenv, /run/.containerenv or $container)"
    kind = m["install_type"]
    if not (kind or "").startswith(("kickstart-", "binpkg-")):
        out["kickstart"] = (f"no .install-type in the config dir: nothing was installed with kickstart" if kind is None
                            else f"installed as {kind!r}, not with kickstart")
    return out


def _installer_option(system: System, config_dir: str) -> dict:
    """netdata-installer.sh and the static installer record their options as REINSTALL_OPTIONS in .environment."""
    path = f"{config_dir.rstrip('/')}/.environment"
    text = system.read_text(path)
    options = parse_assignments(text).get("REINSTALL_OPTIONS") if text is not None else None
    return {"path": system.display(path), "reinstall_options": options,
            "recorded": options is not None and "--disable-telemetry" in options.split()}


def _val(mech: dict, name: str) -> str:
    return mech[name]["value"] or ""


def _script(m, version):
    by = [x for x in ("DISABLE_TELEMETRY", "DO_NOT_TRACK") if _val(m, x)]
    if m["opt_out_file"]["exists"]:
        by.insert(0, "opt-out file")
    return by


def _daemon(m, version):
    by = ["opt-out file"] if m["opt_out_file"]["readable"] else []
    if _daemon_reads_env(version) and _val(m, "DISABLE_TELEMETRY"):
        by.append("DISABLE_TELEMETRY")
    return by


def _kickstart(m, version):
    d, n = _val(m, "DISABLE_TELEMETRY"), _val(m, "DO_NOT_TRACK")
    name, value = ("DISABLE_TELEMETRY", d) if d else (("DO_NOT_TRACK", n) if n else (None, "0"))
    return [name] if shell_eq_one(value) else []


def _docker(m, version):
    return [x for x in ("DISABLE_TELEMETRY", "DO_NOT_TRACK") if _val(m, x)]


# Each component's rule in words (fact sheet §6); shown beside its verdict and used by the docs.
RULE_TEXT = {
    "script": "anonymous-statistics.sh exits without sending when the opt-out file exists or DISABLE_TELEMETRY or "
              "DO_NOT_TRACK is non-empty (any value, even 0).",
    "daemon": "The daemon stops when the opt-out file is readable; from v2.3 also when DISABLE_TELEMETRY is "
              "non-empty. It never reads DO_NOT_TRACK.",
    "kickstart": "kickstart.sh uses DISABLE_TELEMETRY if non-empty, else DO_NOT_TRACK, and skips its events only "
                 "when that value is exactly 1 (or with --disable-telemetry). It ignores the opt-out file.",
    "docker": "The Docker entrypoint creates the opt-out file at start when DISABLE_TELEMETRY or DO_NOT_TRACK is "
              "non-empty, and never removes it.",
    "dashboard": "The dashboard loads PostHog unless the agent's registry hello says anonymous_statistics=false; "
                 "that flag follows the daemon's decision.",
}

RULES = {
    "script": _script,
    "daemon": _daemon,
    "kickstart": _kickstart,
    "docker": _docker,
}


def _label(m: dict, name: str) -> str:
    if name == "opt-out file":
        return name
    value = m[name]["value"]
    return f"{name}={value}" if value == value.strip() else f"{name}={value!r}"


def evaluate(system: System, config_dir: str, version: str, hello: dict | None = None) -> Verdict:
    """`hello`: what a running agent answered to the registry hello (see transport.agent_hello), if asked."""
    m = mechanisms(system, config_dir)
    if hello is not None:
        m["agent_hello"] = hello
    comps = {}
    for name, rule in RULES.items():
        by = rule(m, version)
        comps[name] = {"sends": not by, "suppressed_by": [_label(m, b) for b in by],
                       "rule": RULE_TEXT[name], "evidence": _evidence(m, name)}
    comps["docker"]["evidence"] = "the entrypoint creates the opt-out file when either variable is non-empty"
    for name, why in applicability(m).items():
        comps[name].update(applies=False, not_applicable=why)
    comps["dashboard"] = _dashboard(m, comps)
    backend = comps["daemon"]["sends"] and comps["script"]["sends"]
    return Verdict(m, comps, backend, _disagreements(m, comps, version))


def _dashboard(m: dict, comps: dict) -> dict:
    """The dashboard injects PostHog unless the agent's hello says anonymous_statistics is false."""
    dnt = (f"browser DNT matters only with [web] respect do not track policy = yes "
           f"(now: {m['respect_do_not_track_policy'] or 'no'})")
    hello = m.get("agent_hello")
    if hello and hello.get("error") is None:
        flag = hello.get("anonymous_statistics")
        off = flag is False
        return {"sends": not off, "suppressed_by": ["agent hello anonymous_statistics=false"] if off else [],
                "rule": RULE_TEXT["dashboard"],
                "evidence": f"{hello['url']} answered anonymous_statistics={json.dumps(flag)}; {dnt}"}
    off = not comps["daemon"]["sends"]
    asked = f"; could not ask the agent: {hello['error']}" if hello else ""
    return {"sends": not off, "suppressed_by": ["daemon opt-out"] if off else [], "rule": RULE_TEXT["dashboard"],
            "evidence": f"modelled from the daemon's rule (its hello flag){asked}; {dnt}"}


def _evidence(m: dict, name: str) -> str:
    f = m["opt_out_file"]
    parts = [f"{f['path']} {'exists' if f['exists'] else 'absent'}"]
    for v in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        parts.append(f"{v}={m[v]['value']!r}" if m[v]["set"] else f"{v} unset")
    return "; ".join(parts)


def _disagreements(m, comps, version) -> list:
    out = []
    kickstart_sends = comps["kickstart"]["sends"] and comps["kickstart"].get("applies", True)
    if not comps["script"]["sends"] and kickstart_sends:
        out.append("The statistics script is off but kickstart would still send installer events: "
                   "set DISABLE_TELEMETRY=1 exactly (or pass --disable-telemetry) when installing.")
    if not comps["script"]["sends"] and comps["daemon"]["sends"]:
        out.append("The environment stops the statistics script but the daemon still counts telemetry as enabled "
                   "(dashboards get anonymous_statistics=true): create the opt-out file with `opt-out --apply`.")
    if m["opt_out_file"]["exists"] and kickstart_sends:
        out.append("The opt-out file does not affect kickstart: installer events are still sent unless "
                   "DISABLE_TELEMETRY=1 or --disable-telemetry is used.")
    installer = m["installer_option"]
    if installer["recorded"] and not m["opt_out_file"]["exists"]:
        out.append(f"The installer was given --disable-telemetry ({installer['path']}) but the opt-out file is "
                   "missing, so the agent sends: create it with `opt-out --apply`.")
    hello = m.get("agent_hello")
    agent_sends = hello and hello.get("error") is None and hello.get("anonymous_statistics") is not False
    if hello and hello.get("error") is None and agent_sends != comps["daemon"]["sends"]:
        out.append(f"The running agent ({hello['url']}) reports anonymous_statistics="
                   f"{json.dumps(hello.get('anonymous_statistics'))}, but its files and environment here say the "
                   f"daemon {'sends' if comps['daemon']['sends'] else 'is opted out'}: it may read another config "
                   "dir or environment, or decided before the change; restart it.")
    return out


def _path(config_dir: str) -> str:
    return os.path.join(config_dir, OPT_OUT_FILE)


def apply(config_dir: str, dry_run: bool = False) -> str:
    path = _path(config_dir)
    if os.path.exists(path):
        return f"{path} already exists"
    if dry_run:
        return f"would create {path}"
    try:
        with open(path, "x"):
            pass
    except OSError as e:
        raise AuditError(f"cannot create {path}: {e.strerror}", Exit.USAGE) from None
    return f"created {path}"


def revert(config_dir: str, dry_run: bool = False) -> str:
    path = _path(config_dir)
    if not os.path.lexists(path):
        return f"{path} does not exist"
    if dry_run:
        return f"would remove {path}"
    try:
        os.unlink(path)
    except OSError as e:
        raise AuditError(f"cannot remove {path}: {e.strerror}", Exit.USAGE) from None
    return f"removed {path}"
