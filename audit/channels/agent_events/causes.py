"""How the next start classifies the previous run (daemon_status_file_check_crash, src/daemon/status-file.c:1342-1531
at v2.11.0; the same strings, priorities and crash flags since v2.6.0), and the wrapper members it posts (pure)."""

from dataclasses import dataclass

from audit.plumbing import versions
from audit.channels.backend.catalog import Param
from audit.channels.agent_events.status import EXIT_REASONS, Status, bit

# syslog numbers of the post priority (src/libnetdata/log/nd_log-common.h:22-29)
CRIT, ERR, WARNING, INFO, DEBUG = 2, 3, 4, 6, 7

DEADLY = sum(bit(n) for n in ("signal-bus-error", "signal-segmentation-fault", "signal-floating-point-exception",
                              "signal-illegal-instruction", "signal-bad-system-call",
                              "signal-cpu-time-limit-exceeded", "signal-file-size-limit-exceeded"))
NORMAL = sum(bit(n) for n in ("signal-interrupt", "signal-terminate", "signal-quit", "api-quit", "cmd-exit",
                              "service-stop", "system-shutdown", "update"))
ABNORMAL = DEADLY | sum(bit(n) for n in ("signal-abort", "fatal", "already-running", "out-of-memory",
                                         "shutdown-timeout"))
assert len(EXIT_REASONS) == 20


# What a person can set for a prospective body (the CLI's --file, --function, ...); empty: not given.
FORM_PARAMS = (
    Param("file", "fatal.filename: the source file that called fatal()", default=""),
    Param("function", "fatal.function: the C function", default=""),
    Param("line", "fatal.line: the source line (a whole number)", default=""),
    Param("message", "fatal.message: the fatal message (paths and host names in it are sent as they are)",
          default=""),
    Param("errno", "fatal.errno: the errno text", default=""),
    Param("thread", "fatal.thread: the thread tag", default=""),
    Param("signal", "fatal.signal_code for signal causes, e.g. SIGBUS (default SIGSEGV/SEGV_MAPERR)", default=""),
)


@dataclass(frozen=True)
class Cause:
    name: str  # exit_cause
    message: str
    priority: int  # the post priority (syslog number)
    crash: bool  # counts for `crash reports = crashes`
    status: str  # the saved status it follows
    meaning: str
    since: str = "v2.3"  # v2.3.0:src/daemon/daemon-status-file.c:1049-1218
    until: str | None = None
    channel = "agent-events"
    params = FORM_PARAMS

    @property
    def versions(self) -> str:
        return versions.span(self.since, self.until)

    @property
    def sent_when(self) -> str:
        return f"at the next start, after a run that ended this way (saved status: {self.status})"

    @property
    def results_meaning(self) -> str:
        return f"message: {self.message!r}; priority {self.priority}" + (" (a crash)" if self.crash else "")


CAUSES: tuple[Cause, ...] = (
    Cause("no last status", "No status found for the previous Netdata session (new Netdata, or older version)",
          DEBUG, False, "none", "no saved status: first start, or the file was lost; posts the current session"),
    Cause("exit no reason", "Netdata was last stopped gracefully, without setting a reason", DEBUG, False,
          "exited", "stopped cleanly without a recorded reason"),
    Cause("deadly signal and exit", "Netdata was last stopped gracefully after receiving a deadly signal",
          CRIT, True, "exited", "stopped after a crash signal (SIGSEGV, SIGBUS, ...)"),
    Cause("fatal and exit", "Netdata was last stopped gracefully after it encountered a fatal error", ERR, True,
          "exited", "stopped after a fatal error"),
    Cause("exit on system shutdown", "Netdata has gracefully stopped due to system shutdown", DEBUG, False,
          "exited", "stopped cleanly because the system shut down"),
    Cause("exit to update", "Netdata has gracefully restarted to update to a new version", DEBUG, False,
          "exited", "stopped cleanly to be updated"),
    Cause("exit and updated", "Netdata has gracefully restarted and updated to a new version", DEBUG, False,
          "exited", "stopped cleanly and the next start runs another version"),
    Cause("exit instructed", "Netdata was last stopped gracefully", DEBUG, False, "exited",
          "stopped cleanly on request (systemctl stop, SIGTERM)"),
    Cause("abnormal power off", "The system was abnormally powered off while Netdata was running", INFO, False,
          "running", "the machine rebooted without stopping Netdata (another boot id)"),
    Cause("deadly signal on start", "Netdata was last crashed while starting after receiving a deadly signal",
          CRIT, True, "initializing", "crashed on a signal while starting"),
    Cause("out of memory", "Netdata was last crashed because it couldn't allocate memory", INFO, False,
          "running", "ran out of memory"),
    Cause("already running", "Netdata couldn't start, because it was already running", INFO, True,
          "initializing", "another Netdata was already running"),
    Cause("disk read-only", "Netdata couldn't start because the disk is readonly", INFO, True, "initializing",
          "could not start: the cache disk is read-only"),
    Cause("disk full", "Netdata couldn't start because the disk is full", INFO, True, "initializing",
          "could not start: the cache disk is full"),
    Cause("disk almost full", "Netdata couldn't start while the disk is almost full", INFO, True, "initializing",
          "could not start: less than 10 MiB free on the cache disk"),
    Cause("fatal on start", "Netdata was last crashed while starting, because of a fatal error", ERR, True,
          "initializing", "a fatal error while starting"),
    Cause("killed hard on start", "Netdata was last killed/crashed while starting", WARNING, True,
          "initializing", "killed (SIGKILL, OOM killer) while starting"),
    Cause("deadly signal on exit", "Netdata was last crashed while exiting after receiving a deadly signal",
          CRIT, True, "exiting", "crashed on a signal while stopping"),
    Cause("exit timeout", "Netdata was last killed because it couldn't shutdown on time", ERR, True, "exiting",
          "did not stop in time and was killed", since="v2.3.1"),
    Cause("fatal on exit", "Netdata was last killed/crashed while exiting after encountering an error", ERR, True,
          "exiting", "a fatal error while stopping"),
    Cause("killed hard on shutdown", "Netdata was last killed/crashed while exiting due to system shutdown",
          WARNING, True, "exiting", "killed while stopping for a system shutdown"),
    Cause("killed hard on update", "Netdata was last killed/crashed while exiting to update to a new version",
          WARNING, True, "exiting", "killed while stopping to be updated"),
    Cause("killed hard on exit", "Netdata was last killed/crashed while it was instructed to exit", WARNING,
          True, "exiting", "killed while stopping on request"),
    Cause("deadly signal", "Netdata was last crashed after receiving a deadly signal", CRIT, True, "running",
          "crashed on a signal while running"),
    Cause("killed fatal", "Netdata was last crashed due to a fatal error", ERR, False, "running",
          "a fatal error while running"),
    Cause("killed hard low ram", "Netdata was last killed/crashed while available memory was critically low",
          WARNING, True, "running", "killed while available memory was at or below its OOM protection",
          since="v2.3.1"),
    Cause("killed hard", "Netdata was last killed/crashed while operating normally", WARNING, True, "running",
          "killed (SIGKILL, OOM killer, crash without a handler) while running normally"),
)
# INITIALIZING's variants of these two carry another message (status-file.c:1399-1417)
ON_START = {
    "abnormal power off": "The system was abnormally powered off while Netdata was starting",
    "out of memory": "Netdata was last crashed while starting, because it couldn't allocate memory",
}
BY_NAME = {c.name: c for c in CAUSES}


def gate_cause(event: str, document: object) -> dict:
    """What the daemon's gate reads of a body that is not the machine's own saved status: its exit cause (and the
    crash flag of the cause table), its priority, and whether a previous status existed (audit.core.optout's
    agent_events_verdict takes these)."""
    known = BY_NAME.get(event)
    priority = document.get("priority") if isinstance(document, dict) else None
    return {"cause": event, "crash": known.crash if known else None, "priority": priority,
            "previous": event != "no last status"}


def cause(name: str) -> Cause:
    from audit.plumbing.errors import AuditError

    found = BY_NAME.get(name) or BY_NAME.get(name.strip().lower())
    if found is None:
        raise AuditError(f"unknown exit cause {name!r}: one of " + ", ".join(f'"{c}"' for c in BY_NAME))
    return found


@dataclass(frozen=True)
class Verdict:
    cause: str
    message: str
    priority: int
    crash: bool
    exit_reason: int  # the exit_reason posted ("exit and updated" adds "update")


def is_normal(reason: int) -> bool:
    return (reason == 0 or bool(reason & NORMAL)) and not reason & ABNORMAL


def boot_ids_match(a: bytes, b: bytes) -> bool:
    """os_boot_ids_match: equal, or two synthetic (boot-time) ids no more than 3 s apart."""
    if a == b:
        return True
    if a[:8] == bytes(8) and b[:8] == bytes(8):
        return abs(int.from_bytes(a[8:], "little") - int.from_bytes(b[8:], "little")) <= 3
    return False


def classify(last: Status | None, boot_id_now: bytes, version_now: str) -> Verdict:
    """The first matching branch of daemon_status_file_check_crash's switch on the saved status."""
    if last is None or last.get("agent.status") == "none":
        return _verdict("no last status", 0)
    reason = last.get("agent.exit_reason")
    new_version = last.get("agent.version") != version_now.encode()
    status = last.get("agent.status")
    boot_last = last.get("host.boot.id")
    other_boot = reason == 0 and any(boot_id_now) and any(boot_last) and not boot_ids_match(boot_id_now, boot_last)
    disk_ok = bool(last.get("host.disk.db.total"))
    free = last.get("host.disk.db.free")
    abnormal = reason != 0 and not is_normal(reason)
    if status == "exited":
        if reason == 0:
            return _verdict("exit no reason", reason)
        if reason & DEADLY:
            return _verdict("deadly signal and exit", reason)
        if abnormal:
            return _verdict("fatal and exit", reason)
        if reason & bit("system-shutdown"):
            return _verdict("exit on system shutdown", reason)
        if reason & bit("update"):
            return _verdict("exit to update", reason)
        if new_version:
            return _verdict("exit and updated", reason | bit("update"))
        return _verdict("exit instructed", reason)
    if status == "initializing":
        for name, matched in (
                ("abnormal power off", other_boot), ("deadly signal on start", reason & DEADLY),
                ("out of memory", reason & bit("out-of-memory")),
                ("already running", reason & bit("already-running")),
                ("disk read-only", disk_ok and last.get("host.disk.db.read_only")),
                ("disk full", disk_ok and free == 0), ("disk almost full", disk_ok and free < 10 * 1024 * 1024),
                ("fatal on start", abnormal)):
            if matched:
                return _verdict(name, reason, crash=True, message=ON_START.get(name))
        return _verdict("killed hard on start", reason, crash=True)
    if status == "exiting":
        for name, matched in (
                ("deadly signal on exit", reason & DEADLY), ("exit timeout", reason & bit("shutdown-timeout")),
                ("fatal on exit", abnormal), ("killed hard on shutdown", reason & bit("system-shutdown")),
                ("killed hard on update", new_version or reason & bit("update"))):
            if matched:
                return _verdict(name, reason, crash=True)
        return _verdict("killed hard on exit", reason, crash=True)
    # running
    memory_ok = bool(last.get("host.memory.total"))
    low_ram = memory_ok and last.get("host.memory.free") <= last.get("host.memory.oom_protection")
    for name, matched in (
            ("abnormal power off", other_boot), ("out of memory", reason & bit("out-of-memory")),
            ("deadly signal", reason & DEADLY), ("killed fatal", abnormal), ("killed hard low ram", low_ram)):
        if matched:
            return _verdict(name, reason)
    return _verdict("killed hard", reason)


def _verdict(name: str, reason: int, crash: bool | None = None, message: str | None = None) -> Verdict:
    c = BY_NAME[name]
    flag = c.crash if crash is None else crash
    if name in ("abnormal power off", "out of memory") and crash is None:
        flag = False  # RUNNING's variants never set the crash flag
    return Verdict(name, message or c.message, c.priority, flag, reason)


def has_crashed(ds: Status) -> bool:
    """daemon_status_file_has_last_crashed: status not none/exited, or an abnormal exit reason."""
    return ds.get("agent.status") not in ("none", "exited") or not is_normal(ds.get("agent.exit_reason"))


def agent_health(ds: Status) -> str:
    restarts, reliability = ds.get("agent.restarts"), ds.get("agent.reliability")
    if has_crashed(ds):
        if restarts == 1:
            return "crash-first"
        return "crash-loop" if reliability <= -2 else "crash-repeated" if reliability < 0 else "crash-entered"
    if restarts == 1:
        return "healthy-first"
    return "healthy-loop" if reliability >= 2 else "healthy-repeated" if reliability > 0 else "healthy-recovered"
