"""Which opt-out mechanisms are active, and what each telemetry component does about them (fact sheet §6)."""

import os
import re
from dataclasses import dataclass, field

from audit import versions
from audit.errors import AuditError, Exit
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
            **env, "respect_do_not_track_policy": dnt}


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


def evaluate(system: System, config_dir: str, version: str) -> Verdict:
    m = mechanisms(system, config_dir)
    comps = {}
    for name, rule in RULES.items():
        by = rule(m, version)
        comps[name] = {"sends": not by, "suppressed_by": [_label(m, b) for b in by],
                       "evidence": _evidence(m, name)}
    daemon_off = not comps["daemon"]["sends"]
    comps["dashboard"] = {"sends": not daemon_off,
                          "suppressed_by": ["daemon opt-out"] if daemon_off else [],
                          "evidence": "the daemon's anonymous_statistics flag; browser DNT matters only with "
                                      f"[web] respect do not track policy = yes (now: {m['respect_do_not_track_policy'] or 'no'})"}
    comps["docker"]["evidence"] = "the entrypoint creates the opt-out file when either variable is non-empty"
    backend = comps["daemon"]["sends"] and comps["script"]["sends"]
    return Verdict(m, comps, backend, _disagreements(m, comps, version))


def _evidence(m: dict, name: str) -> str:
    f = m["opt_out_file"]
    parts = [f"{f['path']} {'exists' if f['exists'] else 'absent'}"]
    for v in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        parts.append(f"{v}={m[v]['value']!r}" if m[v]["set"] else f"{v} unset")
    return "; ".join(parts)


def _disagreements(m, comps, version) -> list:
    out = []
    if not comps["script"]["sends"] and comps["kickstart"]["sends"]:
        out.append("The statistics script is off but kickstart would still send installer events: "
                   "set DISABLE_TELEMETRY=1 exactly (or pass --disable-telemetry) when installing.")
    if not comps["script"]["sends"] and comps["daemon"]["sends"]:
        out.append("The environment stops the statistics script but the daemon still counts telemetry as enabled "
                   "(dashboards get anonymous_statistics=true): create the opt-out file with `opt-out --apply`.")
    if m["opt_out_file"]["exists"] and comps["kickstart"]["sends"]:
        out.append("The opt-out file does not affect kickstart: installer events are still sent unless "
                   "DISABLE_TELEMETRY=1 or --disable-telemetry is used.")
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
