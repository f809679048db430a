"""The one way in for inputs: regular files (or stdin) only, each kind with a size cap, so no input hangs
the tool or eats its memory (a device, FIFO or directory is refused with one line, not read); and the one JSON
reader, with a depth bound, so no document can exhaust the stack of the parser or of the code that walks it.

Bytes that are not UTF-8 are never replaced or dropped: `decode` keeps them (as surrogate escapes, printed as
`\\xHH`) and says where the first one is, and each caller decides what that means for its input (a payload body
holding them is not valid JSON, but still read: the daemon can send such bytes).
"""

import json
import os
import stat
import sys
from contextlib import contextmanager

from audit.plumbing.errors import AuditError

MiB = 1024 * 1024
# Generous for real inputs, small enough that a wrong file fails fast.
CAPS = {"facts": 16 * MiB, "log": 64 * MiB, "payload": 1 * MiB, "journal": 64 * MiB, "status": 1 * MiB,
        "json": 64 * MiB, "system": 16 * MiB}
MAX_DEPTH = 64  # objects and arrays inside each other; a payload nests 3 deep, a facts snapshot or host report 4
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


def read_limited(name: str, limit: int, label: str | None = None) -> bytes:
    """At most limit + 1 bytes of a file or stdin: enough to tell an oversized input without reading it all."""
    label = label or name
    stream = open_input(name, label)
    try:
        return _read_upto(stream, limit + 1)
    except OSError as e:
        raise AuditError(f"{label}: cannot read ({e.strerror})") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


class NotJson(AuditError):
    """Text that does not parse as JSON; `reason` is the parser's message with its line and column."""

    def __init__(self, label: str, error: json.JSONDecodeError):
        self.reason = f"{error.msg} at line {error.lineno} column {error.colno}"
        self.error = error
        super().__init__(f"{label}: not valid JSON ({self.reason})")


class TooDeep(AuditError):
    """A document nested deeper than MAX_DEPTH: never a real input, refused whole (exit 2)."""

    def __init__(self, label: str):
        super().__init__(f"{label}: JSON nested more than {MAX_DEPTH} levels deep; not an input this tool reads")


def decode(raw: bytes) -> tuple[str, str | None]:
    """The text of an input, every byte kept (those that are not UTF-8 as surrogate escapes), and None or where
    the first byte that is not UTF-8 is."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        return raw.decode("utf-8", "surrogateescape"), f"not UTF-8 (byte 0x{raw[e.start]:02x} at offset {e.start})"


def load_json(data: str | bytes, label: str, object_pairs_hook=None) -> object:
    """One JSON document. NotJson when it does not parse, TooDeep when nested deeper than MAX_DEPTH (both one-line
    AuditErrors). Bytes are decoded by `decode`: those that are not UTF-8 survive as surrogate escapes."""
    text = decode(data)[0] if isinstance(data, bytes) else data
    with _parsing(label):
        document = json.loads(text, object_pairs_hook=object_pairs_hook)
    return _bounded(document, text, label)


def load_json_prefix(text: str, at: int, label: str) -> tuple[object, int]:
    """The JSON document that starts at `at` and where it ends (for inputs holding several), bounded as load_json."""
    with _parsing(label):
        document, end = json.JSONDecoder().raw_decode(text, at)
    return _bounded(document, text[at:end], label), end


@contextmanager
def _parsing(label: str):
    try:
        yield
    except json.JSONDecodeError as e:
        raise NotJson(label, e) from None
    except RecursionError:  # deeper than the parser's own stack allows
        raise TooDeep(label) from None


def _bounded(document: object, text: str, label: str) -> object:
    # Fewer brackets than MAX_DEPTH cannot nest deeper, so most inputs skip the walk (validate reads thousands a second)
    if text.count("[") + text.count("{") > MAX_DEPTH and depth(document) > MAX_DEPTH:
        raise TooDeep(label)
    return document


def depth(document: object) -> int:
    """How many objects and arrays are inside each other, walked without recursion (tuples, as an
    object_pairs_hook's pairs, add no level)."""
    deepest, todo = 0, [(document, 0)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, (dict, list)):
            level += 1
            deepest = max(deepest, level)
        children = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
        todo += [(child, level) for child in children]
    return deepest
