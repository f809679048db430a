"""Is a config dir really an agent's? The opt-out check must never pass because it looked in the wrong place."""

from audit.plumbing.system import System
from audit.facts.installed import OPT_OUT_FILE

# Anything an installed agent keeps in its config dir (files the installers write, dirs of the stock layout).
AGENT_MARKERS = ("netdata.conf", OPT_OUT_FILE, ".environment", ".install-type", "stream.conf", "exporting.conf",
                 "claim.conf", "edit-config", "orig", "go.d", "health.d", "python.d", "charts.d", "statsd.d",
                 "cloud.d")


def problem(system: System, config_dir: str, option: str = "--config-dir") -> str | None:
    """Why `config_dir` cannot be an agent's config dir (one line), or None when it looks like one."""
    where = system.display(config_dir)
    if not system.exists(config_dir):
        return f"{option} {where} does not exist"
    if not system.is_dir(config_dir):
        return f"{option} {where} is not a directory"
    base = config_dir.rstrip("/") or "/"
    if not any(system.exists(f"{base}/{name}") for name in AGENT_MARKERS):
        return (f"{option} {where} holds nothing an agent would (no netdata.conf, no {OPT_OUT_FILE}, "
                "no .environment or .install-type)")
    return None


def consequence(problem_text: str) -> str:
    return (f"{problem_text}; the opt-out file is looked for there, so an opt-out could be missed "
            "(give the agent's config dir, e.g. /etc/netdata or /opt/netdata/etc/netdata)")
