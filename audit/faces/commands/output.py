"""The one way commands write: data on stdout, diagnostics on stderr.

A write that fails (a full disk, a closed pipe, an I/O error) raises OutputError, which audit.faces.cli turns into one
line on stderr and exit 2. The failed stream is then pointed at /dev/null, so the flush Python does at exit has
nothing left to fail on (no "Exception ignored" at shutdown; see "Note on SIGPIPE" in Python's `signal` docs).
"""

import json
import os
import sys
from collections.abc import Iterable

from audit.plumbing.errors import AuditError, Exit


class OutputError(AuditError):
    def __init__(self, stream: str, reason: str):
        super().__init__(f"cannot write to {stream}: {reason}", Exit.USAGE)


def write_text(text: str) -> None:
    """One line (or several) of text on stdout, as print() would write it."""
    _write("stdout", lambda stream: stream.write(text + "\n"))


def write_lines(lines: Iterable[str]) -> None:
    write_text("\n".join(lines))


def write_chunks(chunks: Iterable[str]) -> None:
    """Text as it is produced (a large document is never held whole)."""
    _write("stdout", lambda stream: stream.writelines(chunks))


def write_bytes(data: bytes) -> None:
    """Exactly these bytes on stdout, after any text written before them."""
    def write(stream) -> None:
        stream.flush()
        stream.buffer.write(data)
        stream.buffer.flush()

    _write("stdout", write)


def write_json(document: object) -> None:
    from audit.plumbing.jsontext import clean  # bytes that are not UTF-8 become \\xHH text (see audit.plumbing.jsontext)

    write_text(json.dumps(clean(document), indent=2, ensure_ascii=False))


def flush() -> None:
    """Make sure everything written so far reached stdout (the CLI calls this before it exits)."""
    if sys.stdout is not None:
        _write("stdout", lambda stream: stream.flush())


def warn(message: str) -> None:
    note(f"warning: {message}")


def note(message: str) -> None:
    stderr_line(f"telemetry-audit: {message}")


def stderr_line(text: str) -> None:
    write_stderr(text + "\n")


def write_stderr(text: str) -> None:
    _write("stderr", lambda stream: stream.write(text))


def error(message: str) -> None:
    last_word(f"error: {message}")


def last_word(message: str) -> None:
    """The end of a run that failed; if even stderr cannot take it, the exit code says enough."""
    try:
        note(message)
    except OutputError:
        pass


def print_summary(findings) -> None:
    """For payload and explain: a note on stderr, only when something unexpected was found (stdout stays the data)."""
    from audit.core import identify

    if identify.unexpected(findings):
        note("note: " + identify.summary(findings))


def _write(name: str, write) -> None:
    stream = getattr(sys, name)
    if stream is None:  # started with the descriptor closed (`>&-`)
        raise OutputError(name, "it is closed")
    try:
        write(stream)
    except OSError as e:
        _abandon(stream)
        raise OutputError(name, e.strerror or str(e)) from None


def _abandon(stream) -> None:
    """Point the stream's descriptor at /dev/null: what is still buffered goes nowhere instead of failing again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
