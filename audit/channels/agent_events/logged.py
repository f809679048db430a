"""What a v2.3+ daemon logged about each start's agent-events post, and the post rebuilt from it (pure).

At every start daemon_status_file_check_crash logs, with MESSAGE_ID 1e6061a9fbd44501b3ccc368119f2b69,
"Netdata Agent version '%s' is starting...\\nLast exit status: %s (%s):\\n\\n%s" (the message, the cause and the
previous status as pretty JSON; src/daemon/status-file.c:1533-1548 at v2.11.0), then, only when it posted,
"Posted last status to agent-events successfully." or "Failed to post last status to agent-events." (:1251, :1258)
from the same thread. Nothing is logged when the gate or dedup skips the post. The body is the logged status
behind the nine wrapper members (post_status_file, :1200-1219), so it can be rebuilt from the log, except after
"no last status": then the daemon posts its own current session, which it does not log.
"""

import json
import re
from dataclasses import dataclass, field

from audit.channels.agent_events import body, causes, dedup, releases, status
from audit.plumbing.errors import AuditError

MESSAGE_ID = "1e6061a9fbd44501b3ccc368119f2b69"
MESSAGE_ID_BYTES = MESSAGE_ID.encode()
POSTED = "Posted last status to agent-events successfully."
FAILED = "Failed to post last status to agent-events."
_START = re.compile(r"Netdata Agent version '([^']*)' is starting\.\.\.\nLast exit status: (.*) \(([^()\n]*)\):\n\n")
_LOGFMT = re.compile(rb'([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"\\]*(?:\\.[^"\\]*)*)(?:"|\\?$)|(\S*))')  # cut line: to its end
_ESCAPES = ((b"\\n", b"\n"), (b"\\t", b"\t"), (b"\\r", b"\r"), (b'\\"', b'"'))


@dataclass
class Start:
    """One start's record: when, which binary, what it found, and whether it posted."""
    time: str  # as the log wrote it (RFC 3339 UTC for logfmt and journald)
    usec: int | None  # the same as microseconds since the epoch, when known
    version: str  # NETDATA_VERSION of the starting binary
    message: str
    cause: str
    status_json: bytes  # the previous status as logged (pretty JSON; may be cut short in a damaged log)
    pid: int | None  # the posting process (journald's _PID; logfmt's tid of the main thread, which is the pid)
    pid_source: str
    where: str  # file:line or journald cursor
    outcome: str | None = None  # "posted", "failed", or None (nothing logged: skipped)
    outcome_time: str | None = None
    thread: str | None = None  # to pair the outcome line with its start


def logfmt(line: bytes) -> dict[str, bytes]:
    """key=value / key="escaped value" pairs of nd_log's logfmt (values unescaped: \\n, \\", \\\\)."""
    fields = {}
    for m in _LOGFMT.finditer(line):
        raw = m.group(2)
        fields[m.group(1).decode("ascii")] = _unescape(raw) if raw is not None else m.group(3)
    return fields


def log_fields(line: bytes) -> dict[str, bytes]:
    """One daemon.log line's fields, in either file format nd_log writes: logfmt, or JSON with the same keys
    (`[logs] ...@json`; src/libnetdata/log/nd_log-format-json.c at v2.11.0)."""
    if not line.lstrip().startswith(b"{"):
        return logfmt(line)
    try:
        document = json.loads(line)
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    return {k: (v if isinstance(v, str) else json.dumps(v)).encode("utf-8", "surrogateescape")
            for k, v in document.items()}


def _unescape(raw: bytes) -> bytes:
    if b"\\" not in raw:
        return raw
    parts = raw.split(b"\\\\")  # an escaped backslash first, so "\\\\n" stays a backslash and an n
    for escaped, plain in _ESCAPES:
        parts = [p.replace(escaped, plain) for p in parts]
    return b"\\".join(parts)


def start_from_message(message: str, time: str, usec: int | None, pid: int | None, pid_source: str,
                       where: str) -> Start | None:
    m = _START.match(message)
    if m is None:
        return None
    return Start(time, usec, m.group(1), m.group(2), m.group(3), message[m.end():].encode("utf-8", "surrogateescape"),
                 pid, pid_source, where)


def starts_from_logfmt(lines, source: str) -> list[Start]:
    """Starts in nd_log logfmt lines [(line number, bytes)] carrying the message id (others are ignored)."""
    found: list[Start] = []
    open_by_thread: dict[bytes, Start] = {}
    for number, line in lines:
        if MESSAGE_ID_BYTES not in line:
            continue
        f = log_fields(line)
        if f.get("msg_id") != MESSAGE_ID_BYTES:
            continue
        text = f.get("msg", b"").decode("utf-8", "surrogateescape")
        time = f.get("time", b"").decode("ascii", "replace")
        tid = f.get("tid")
        start = start_from_message(text, time, parse_time(time), _int(tid), "tid" if tid else "", f"{source}:{number}")
        if start is not None:
            start.thread = tid
            found.append(start)
            open_by_thread[tid] = start
        elif text in (POSTED, FAILED) and tid in open_by_thread:
            _outcome(open_by_thread.pop(tid), text, time)
    return found


def starts_from_journal(entries) -> list[Start]:
    """Starts in `journalctl -o json` entries (dicts, oldest first) carrying the message id."""
    found: list[Start] = []
    open_by_pid: dict = {}
    for n, e in enumerate(entries, 1):
        if journal_field(e, "MESSAGE_ID") != MESSAGE_ID:
            continue
        text = journal_field(e, "MESSAGE") or ""
        usec = _int(journal_field(e, "__REALTIME_TIMESTAMP"))
        time = iso_usec(usec) if usec is not None else ""
        pid = _int(journal_field(e, "_PID"))
        start = start_from_message(text, time, usec, pid, "_PID", f"journald entry {n}")
        if start is not None:
            found.append(start)
            open_by_pid[pid] = start
        elif text in (POSTED, FAILED) and pid in open_by_pid:
            _outcome(open_by_pid.pop(pid), text, time)
    return found


def journal_field(entry: dict, name: str) -> str | None:
    """A journald JSON field: a string, or a list of byte values when it is not valid UTF-8."""
    value = entry.get(name)
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", "surrogateescape")
    return value if isinstance(value, str) else None


def _outcome(start: Start, text: str, time: str) -> None:
    start.outcome = "posted" if text == POSTED else "failed"
    start.outcome_time = time


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_time(text: str) -> int | None:
    usec = status.parse_rfc3339(text) if text else None
    return usec or None


def iso_usec(usec: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(usec / 1e6, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class Rebuilt:
    body: bytes | None
    hash: int | None  # the dedup hash of this report (dedup.report_hash), None when it cannot be computed
    notes: tuple[str, ...] = field(default_factory=tuple)


def rebuild(start: Start) -> Rebuilt:
    """The body this start posted (or would have posted), from the logged status and the start's own version/pid."""
    if start.cause == "no last status":
        return Rebuilt(None, None, ("the daemon posted its own session as it was at that start; it logs only the "
                                    "empty previous status, so the body is not in the log",))
    if start.cause not in causes.BY_NAME:
        return Rebuilt(None, None, (f"unknown exit cause {start.cause!r}: not modelled",))
    release = releases.release_for(start.version if start.version[:1] == "v" else f"v{start.version}")
    try:
        document = status.read_document(start.status_json, "the logged status")
        saved = status.parse(document, "the logged status", release.sizes)
    except (AuditError, json.JSONDecodeError) as e:
        return Rebuilt(None, None, (f"the logged status cannot be read ({_first_line(e)}): the log may be cut "
                                    "short",))
    c = causes.BY_NAME[start.cause]
    verdict = causes.Verdict(c.name, start.message, c.priority, c.crash, saved.get("agent.exit_reason"))
    notes = []
    if start.pid is None:
        notes.append("agent_pid_now: the log does not give the posting pid (0 shown)")
    elif start.pid_source == "tid":
        notes.append(f"agent_pid_now: {start.pid}, the logging thread's id (the daemon's main thread: the pid)")
    now = body.NextStart(bytes(16), start.version, start.pid or 0, release)
    posted = body.writer(verdict, saved, now).finish()
    return Rebuilt(posted, report_hash(saved, start), tuple(notes))


def report_hash(saved: status.Status, start: Start) -> int | None:
    """The hash the daemon checked (and kept, after a post) for this report, by the start's release layout."""
    try:
        layout = dedup.layout_for(start.version)
    except (AuditError, IndexError):
        return None
    return dedup.report_hash(saved, start.message, start.cause, layout)


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__
