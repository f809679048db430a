"""The one way in for file inputs: regular files (or stdin) only, each kind with a size cap, so no input hangs
the tool or eats its memory (a device, FIFO or directory is refused with one line, not read)."""

import os
import stat
import sys

from audit.plumbing.errors import AuditError

MiB = 1024 * 1024
# Generous for real inputs, small enough that a wrong file fails fast.
CAPS = {"facts": 16 * MiB, "log": 64 * MiB, "payload": 1 * MiB, "journal": 64 * MiB, "status": 1 * MiB,
        "json": 64 * MiB, "system": 16 * MiB}
CHUNK = 64 * 1024
LINE_CAP = 1 * MiB  # one line of a JSON Lines input


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_input(name: str, label: str | None = None):
    """A binary stream on a regular file, or stdin for '-'. Opened without blocking, so a FIFO cannot hang us."""
    label = label or name
    if name == "-":
        return sys.stdin.buffer
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise AuditError(f"{label}: cannot read ({e.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise AuditError(f"{label}: cannot read ({_kind_of(mode)}; only regular files are read)")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_input(name: str, kind: str, label: str | None = None) -> bytes:
    """The whole input, at most CAPS[kind] bytes (a larger one is an error, found without reading it all)."""
    label = label or ("<stdin>" if name == "-" else name)
    cap = CAPS[kind]
    stream = open_input(name, label)
    try:
        data = _read_upto(stream, cap + 1)
    except OSError as e:
        raise AuditError(f"{label}: cannot read ({e.strerror})") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if len(data) > cap:
        raise AuditError(f"{label}: larger than {cap // MiB} MiB, too large for a {kind} input")
    return data


def _read_upto(stream, limit: int) -> bytes:
    """At most `limit` bytes, read in chunks: /proc/sys files fail with ENOMEM when asked for megabytes at once."""
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(min(CHUNK, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_line(stream, label: str) -> bytes:
    """One line of at most LINE_CAP bytes."""
    line = stream.readline(LINE_CAP + 1)
    if len(line) > LINE_CAP and not line.endswith(b"\n"):
        raise AuditError(f"{label}: a line longer than {LINE_CAP // MiB} MiB; not a JSON Lines input")
    return line


def read_limited(name: str, limit: int) -> bytes:
    """At most limit + 1 bytes of a file or stdin: enough to tell an oversized input without reading it all."""
    stream = open_input(name)
    try:
        return _read_upto(stream, limit + 1)
    except OSError as e:
        raise AuditError(f"{name}: cannot read ({e.strerror})") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
