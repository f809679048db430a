"""The exact POST body the next start sends (post_status_file, src/daemon/status-file.c:1200-1219 at v2.11.0; pure)."""

from dataclasses import dataclass

from audit.channels.agent_events import causes, emit
from audit.channels.agent_events.options import DEFAULT_PID
from audit.channels.agent_events.releases import NEWEST, Release
from audit.channels.agent_events.status import Status

UINT64_MAX = 2 ** 64 - 1


@dataclass(frozen=True)
class NextStart:
    """What the starting daemon contributes: its boot id, its own version, its pid, its release's rules."""
    boot_id: bytes = bytes(16)  # /proc/sys/kernel/random/boot_id as 16 bytes (zero: unknown)
    version: str = "v2.11.0"  # NETDATA_VERSION of the running binary: agent_version_now
    pid: int = DEFAULT_PID
    release: Release = NEWEST


@dataclass(frozen=True)
class Post:
    verdict: causes.Verdict
    posted: Status  # the status whose members follow the wrapper
    body: bytes
    leaves: tuple[tuple[str, bytes], ...] = ()  # each member's path and text, in body order


def post_for_saved(last: Status | None, now: NextStart, current: Status | None = None) -> Post:
    """The body for a saved status. With no saved status the daemon posts its current session instead (status
    forced to none, exit_reason 0, the fatal block zeroed; status-file.c:1571-1576): pass it as `current`."""
    verdict = causes.classify(last, now.boot_id, now.version)
    if verdict.cause == "no last status":
        if current is None:
            raise ValueError("no saved status: the current session's status is needed")
        posted = no_last_status(current)
    else:
        posted = last.copy()
        posted.set("agent.exit_reason", verdict.exit_reason)
    w = writer(verdict, posted, now)
    return Post(verdict, posted, w.finish(), tuple(w.leaves))


def no_last_status(current: Status) -> Status:
    posted = current.copy()
    posted.set("agent.status", "none")
    posted.set("agent.exit_reason", 0)
    for path in [p for p in posted.values if p.startswith("fatal.")]:
        del posted.values[path]
    return posted


def body(verdict: causes.Verdict, ds: Status, now: NextStart) -> bytes:
    return writer(verdict, ds, now).finish()


def writer(verdict: causes.Verdict, ds: Status, now: NextStart) -> emit.Writer:
    w = emit.Writer(minify=True)
    members = {
        "exit_cause": lambda: w.string("exit_cause", verdict.cause.encode()),
        "message": lambda: w.string("message", verdict.message.encode()),
        "priority": lambda: w.uint("priority", verdict.priority),
        "version_saved": lambda: w.uint("version_saved", ds.v),
        "agent_version_now": lambda: w.string("agent_version_now", now.version.encode()),
        "agent_pid_now": lambda: w.uint("agent_pid_now", now.pid),
        "host_memory_critical": lambda: w.boolean("host_memory_critical", memory_critical(ds)),
        "host_memory_free_percent": lambda: w.uint("host_memory_free_percent", memory_free_percent(ds, now.release)),
        "agent_health": lambda: w.string("agent_health", causes.agent_health(ds).encode()),
    }
    for name in now.release.wrapper:  # the members this release's post_status_file() writes, in order
        members[name]()
    emit.status_members(w, ds, now.release)
    return w


def memory_critical(ds: Status) -> bool:
    return bool(ds.get("host.memory.total")) and ds.get("host.memory.free") <= ds.get("host.memory.oom_protection")


def memory_free_percent(ds: Status, release: Release) -> int:
    """round(100 * available / total) in C doubles, 100 when memory is unknown; v2.11 guards the conversion."""
    total = ds.get("host.memory.total")
    percent = 100.0 if not total else 100.0 * float(ds.get("host.memory.free")) / float(total)
    whole = int(percent)
    rounded = whole + (1 if percent - whole >= 0.5 else 0)  # C round(): halves away from zero
    if rounded >= 2 ** 64:
        return UINT64_MAX if release.percent_guard else rounded % 2 ** 64
    return rounded
