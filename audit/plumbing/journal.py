"""The send journal: one append-only JSON Lines file and one writer, shared by the CLI and the TUI.

Every entry follows schemas/journal-entry.schema.json (versioned by its "schema" field). The exact bytes of each
body are kept content-addressed in bodies/ beside the journal, so "what exactly did I send on Tuesday" has an answer.
A send is a transaction (see `send`): the journal is opened and written before any network I/O.
"""

import fcntl
import hashlib
import json
import os
import stat
import threading
import uuid
from datetime import datetime, timezone

from audit.plumbing import inputs
from audit.plumbing.errors import AuditError, Exit

SCHEMA_VERSION = 1
STATES = ("sending", "sent", "failed", "interrupted", "refused", "suppressed", "declined")
MAX_KEPT_BODY = 1024 * 1024  # larger bodies are journaled by hash and size only
BODIES = "bodies"


def default_path() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "telemetry-audit", "journal.jsonl")


def check_path(path: str) -> None:
    """A usage error unless the journal is missing (created on first write) or a regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as e:
        raise AuditError(f"journal {path}: cannot use it ({e.strerror})") from None
    if not stat.S_ISREG(mode):
        raise AuditError(f"journal {path}: not a regular file; give a file path (nothing was sent)")


class Journal:
    """An open journal: created if missing, refused unless it is a regular file we can write."""

    def __init__(self, path: str | None = None):
        self.path = os.path.abspath(path or default_path())
        self.bodies = os.path.join(os.path.dirname(self.path), BODIES)
        check_path(self.path)
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o600)
        except OSError as e:
            raise AuditError(f"journal {self.path}: cannot open for writing ({e.strerror})") from None
        if not stat.S_ISREG(os.fstat(self._fd).st_mode):
            self.close()
            raise AuditError(f"journal {self.path}: not a regular file; give a file path (nothing was sent)")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def write(self, entry: dict) -> dict:
        """Append one entry (locked, so concurrent writers never interleave); an error if it cannot be kept."""
        line = json.dumps(entry, sort_keys=True, ensure_ascii=True).encode() + b"\n"
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(self._fd).st_size
            if size and os.pread(self._fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a torn last line stays damaged alone, not glued to this entry
            os.write(self._fd, line)
            os.fsync(self._fd)
        except OSError as e:
            raise AuditError(f"journal {self.path}: cannot write ({e.strerror})", Exit.USAGE) from None
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return entry

    def keep_body(self, wire: bytes) -> str | None:
        """Store the exact bytes once under bodies/<sha256>; the path relative to the journal's dir."""
        if len(wire) > MAX_KEPT_BODY:
            return None
        digest = hashlib.sha256(wire).hexdigest()
        target = os.path.join(self.bodies, digest)
        try:
            if os.path.isfile(target) and os.path.getsize(target) == len(wire):
                return f"{BODIES}/{digest}"
            os.makedirs(self.bodies, exist_ok=True)
            temp = f"{target}.{uuid.uuid4().hex}.tmp"
            with open(temp, "wb") as f:
                f.write(wire)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, target)
        except OSError as e:
            raise AuditError(f"journal {self.path}: cannot keep the body in {self.bodies} ({e.strerror})") from None
        return f"{BODIES}/{digest}"

    def record(self, state: str, payload, *, params: dict | None = None, source: str = "cli",
               txn: str | None = None, **details) -> dict:
        """The one way an entry is made: the same fields from the CLI and the TUI."""
        assert state in STATES, state
        entry = {
            "schema": SCHEMA_VERSION, "id": txn or uuid.uuid4().hex, "time": now(), "state": state,
            "source": source, "event": payload.event, "channel": getattr(payload, "channel", "backend"),
            "params": _jsonable(params or {}), "sha256": payload.sha256, "size": len(payload.wire),
            "body": self.keep_body(payload.wire), "valid_json": payload.valid_json,
        }
        entry.update({k: v for k, v in details.items() if v is not None})
        return self.write(entry)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _jsonable(params: dict) -> dict:
    return {str(k): v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for k, v in params.items()}


class Transaction:
    """One POST: `sending` is journaled before it, then exactly one outcome, whichever comes first: the POST's
    result, or `interrupted` (the user quit or pressed Ctrl-C; callable from another thread)."""

    def __init__(self, book: Journal, payload, endpoint: str, *, params: dict | None = None, source: str = "cli",
                 **details):
        self.book, self.payload, self.endpoint = book, payload, endpoint
        self.common = dict(params=params, source=source, txn=uuid.uuid4().hex, endpoint=endpoint, **details)
        self.phase = "new"  # new -> posting (`sending` journaled; the request may go out) -> done
        self._lock = threading.Lock()

    def run(self, timeout: float, post=None) -> dict | None:
        """The outcome's entry; None when interrupted before the request could leave (then nothing is sent)."""
        from audit.plumbing import transport

        with self._lock:
            if self.phase != "new":
                return None
            self.book.record("sending", self.payload, **self.common)  # no journal, no request
            self.phase = "posting"
        result = (post or transport.post)(self.payload.wire, self.endpoint, timeout)
        return self._end(result.outcome, status=result.status, message=result.message,
                         error_kind=result.error_kind, may_have_reached_server=result.may_have_reached)

    def interrupt(self, message: str = "interrupted while sending") -> dict | None:
        """Record `interrupted` unless the outcome is already in; before `sending`, stop the request instead."""
        with self._lock:
            if self.phase == "new":
                self.phase = "done"
                return None
        return self._end("interrupted", message=message, may_have_reached_server=True)

    def _end(self, state: str, **details) -> dict | None:
        with self._lock:
            if self.phase != "posting":
                return None
            entry = self.book.record(state, self.payload, **self.common, **details)
            self.phase = "done"
            return entry


def send(journal: Journal, payload, endpoint: str, timeout: float, *, params: dict | None = None,
         source: str = "cli", post=None, **details) -> dict:
    """POST as a transaction (see Transaction); Ctrl-C is journaled as `interrupted`, then raised again."""
    txn = Transaction(journal, payload, endpoint, params=params, source=source, **details)
    try:
        return txn.run(timeout, post)
    except KeyboardInterrupt:
        txn.interrupt()
        raise


def _upgrade(entry: dict) -> dict:
    """Entries written before the schema existed (no "schema" field) read as version-1 entries."""
    if "schema" in entry:
        return entry
    old = dict(entry)
    old["state"] = old.pop("outcome", None) or old.pop("decision", None) or "?"
    if "bytes" in old:
        old["size"] = old.pop("bytes")
    if "detail" in old and "message" not in old:
        old["message"] = old.pop("detail")
    old["schema"] = 0
    return old


def entries(path: str | None) -> tuple[list, list]:
    """(entries, numbers of damaged lines); a missing journal is empty."""
    from audit.plumbing.inputs import read_input

    path = path or default_path()
    try:
        raw = read_input(path, "journal", f"journal {path}")
    except AuditError:
        if not os.path.lexists(path):
            return [], []
        raise
    good, damaged = [], []
    for n, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            obj = inputs.load_json(line, f"journal line {n}")
        except AuditError:
            obj = None
        if isinstance(obj, dict):
            good.append(_upgrade(obj))
        else:
            damaged.append(n)
    return good, damaged


def latest(items: list[dict]) -> list[dict]:
    """One entry per transaction: its last state (a `sending` alone means no outcome was ever recorded)."""
    last: dict = {}
    for n, e in enumerate(items):
        last[e.get("id") or f"#{n}"] = e
    return list(last.values())


def body(path: str | None, entry: dict) -> bytes | None:
    """The exact bytes an entry refers to, if kept (and unchanged since)."""
    name = entry.get("body")
    if not isinstance(name, str) or not name.startswith(f"{BODIES}/"):
        return None
    full = os.path.join(os.path.dirname(os.path.abspath(path or default_path())), name)
    try:
        from audit.plumbing.inputs import read_input

        data = read_input(full, "payload")
    except AuditError:
        return None
    return data if hashlib.sha256(data).hexdigest() == entry.get("sha256") else None
