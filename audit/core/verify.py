"""`verify`: the installed agent's own code, run sealed, against the tool's prediction byte for byte.

The script channel (agents up to v2.5): the daemon's side is modelled (payload.daemon_call: the script's 43
arguments and the environment the daemon exports); the rest is the agent's own: its system-info.sh gives the
NETDATA_SYSTEM_* values the daemon would export, and its anonymous-statistics.sh builds and "sends" the body to a
curl stand-in. Both run sealed (audit/plumbing/sealed.py). The prediction is `payload EVENT` on this machine's facts.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from audit.channels.backend import assemble as payload
from audit.channels.backend import wire
from audit.plumbing.errors import AuditError

IDENTICAL, DIFFERS, COULD_NOT_RUN = "identical", "differs", "could not run"
DEFAULT_EVENTS = (("START", {}), ("EXIT", {"result": "OK"}))


@dataclass
class Outcome:
    channel: str
    event: str
    state: str  # IDENTICAL, DIFFERS or COULD_NOT_RUN
    detail: str
    predicted: bytes | None = None
    actual: bytes | None = None

    def to_json(self) -> dict:
        text = lambda b: None if b is None else b.decode("utf-8", "surrogateescape")
        return {"channel": self.channel, "event": self.event, "state": self.state, "detail": self.detail,
                "predicted": text(self.predicted), "actual": text(self.actual)}


def first_difference(predicted: bytes, actual: bytes) -> str:
    """Where two bodies part (pure): the byte offset, the line, and a few bytes of each side."""
    n = next((i for i, (a, b) in enumerate(zip(predicted, actual)) if a != b), min(len(predicted), len(actual)))
    line = predicted.count(b"\n", 0, n) + 1
    show = lambda data: repr(data[max(0, n - 20):n + 30].decode("utf-8", "replace"))
    return f"first difference at byte {n} (line {line}): predicted {show(predicted)}, the agent's {show(actual)}"


def compare(channel: str, event: str, predicted: bytes | None, actual: bytes | None, source: str,
            why_none: str = "") -> Outcome:
    """The verdict for one event (pure). None: nothing sent (predicted: suppressed, `why_none`)."""
    if predicted == actual:
        what = f"nothing sent, as predicted{why_none}" if actual is None else \
            f"{len(actual)} bytes, the same as `payload {event}` prints"
        return Outcome(channel, event, IDENTICAL, f"{source}: {what}", predicted, actual)
    if actual is None:
        return Outcome(channel, event, DIFFERS, f"{source} sent nothing; the tool predicted a body", predicted)
    if predicted is None:
        return Outcome(channel, event, DIFFERS, f"{source} sent a body; the tool predicted nothing", None, actual)
    return Outcome(channel, event, DIFFERS, f"{source}: {first_difference(predicted, actual)}", predicted, actual)


def verify_script(facts, config_dir: str, lib_dir: str, as_if_opted_in: bool,
                  events=DEFAULT_EVENTS) -> list[Outcome]:
    """The installed statistics script for each event, sealed, against `payload` (the I/O edge)."""
    from audit.plumbing import sealed
    from audit.facts.installed import SCRIPT_PATHS

    script = next((p for p in SCRIPT_PATHS if Path(p).is_file()), None)
    version = facts["netdata_version"].value if "netdata_version" in facts else None
    if script is None:
        return [_cannot(e, "no installed anonymous-statistics.sh (looked in " + ", ".join(SCRIPT_PATHS) + ")")
                for e, _ in events]
    system_info = str(Path(script).with_name("system-info.sh"))
    if (why := sealed.why_not()) is not None:
        return [_cannot(e, why) for e, _ in events]
    opt_out = _script_opt_out_path()
    with tempfile.TemporaryDirectory(prefix="telemetry-audit-verify-") as tmp:
        box = sealed.sandbox(Path(tmp), [config_dir, lib_dir, str(Path(opt_out).parent)])
        removed = _opt_in(box, opt_out) if as_if_opted_in else False
        try:
            exported = _system_info(box, system_info)
        except AuditError as e:
            return [_cannot(ev, f"{system_info}: {e}") for ev, _ in events]
        out = []
        for event, params in events:
            argv, env = payload.daemon_call(facts, event, params)
            env.update(exported)  # what the daemon exports from its own system-info.sh
            predicted = payload.build(facts, event, params).wire
            if _opted_out(box, opt_out, env):
                predicted = None
            box.clear()
            try:
                done = sealed.run(box, ["sh", script, *argv], env)
            except AuditError as e:
                out.append(_cannot(event, str(e)))
                continue
            bodies = box.bodies()
            if len(bodies) > 1:
                out.append(_cannot(event, f"{script} sent {len(bodies)} bodies for one event"))
                continue
            source = f"Netdata {version}'s {script}" + (" (its opt-out file removed in the private copy)"
                                                         if removed else "")
            if done.returncode not in (0, 1) and not bodies:
                out.append(_cannot(event, f"{script} exited with {done.returncode}: " + _first_line(done.stderr)))
                continue
            why = f" (opted out: {opt_out} exists)" if predicted is None else ""
            out.append(compare("backend", event, predicted, bodies[0] if bodies else None, source, why))
        return out


def _cannot(event: str, why: str) -> Outcome:
    return Outcome("backend", event, COULD_NOT_RUN, why)


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def _system_info(box, system_info: str) -> dict[str, str]:
    from audit.plumbing import sealed

    if not Path(system_info).is_file():
        raise AuditError("missing: the daemon would export no system values")
    done = sealed.run(box, ["sh", system_info], {})
    values = {}
    for line in done.stdout.decode("utf-8", "surrogateescape").splitlines():
        name, sep, value = line.partition("=")
        if sep and name in wire.SYSTEM_INFO_NAMES:
            values[name] = value
    if not values:
        raise AuditError(f"printed no NETDATA_SYSTEM_* values (exit {done.returncode}: {_first_line(done.stderr)})")
    return values


def _script_opt_out_path() -> str:
    """The opt-out path compiled into the installed script (read from it, as `opt-out` does)."""
    from audit.facts.installed import script_opt_out
    from audit.plumbing.system import System

    found = script_opt_out(System()).value
    return found or "/etc/netdata/.opt-out-from-anonymous-statistics"


def _private(box, path: str) -> Path | None:
    """Where `path` is in the private copies, if it lies under one of them."""
    for real, copy in box.binds.items():
        if path == real or path.startswith(real.rstrip("/") + "/"):
            return copy / Path(path).relative_to(real)
    return None


def _opt_in(box, opt_out: str) -> bool:
    copy = _private(box, opt_out)
    if copy is not None and copy.exists():
        copy.unlink()
        return True
    return False


def _opted_out(box, opt_out: str, env: dict[str, str]) -> bool:
    """What the script itself checks before sending: its opt-out file (in the private copy) and the environment
    (the tool's env, from daemon_call, carries neither variable unless the facts do)."""
    copy = _private(box, opt_out)
    return (copy is not None and copy.exists()) or bool(env.get("DISABLE_TELEMETRY")) or \
        bool(env.get("DO_NOT_TRACK"))
