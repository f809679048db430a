"""The daemon's fatal handler, reproduced: how FATAL's action_result and action_data are formatted.

v1.44.0 libnetdata/log/log.c:2280-2298; v2.2.0 src/libnetdata/log/nd_log.c:466-498.
C formats bytes, not characters, so widths and truncation here work on UTF-8 bytes.
"""

from dataclasses import dataclass

from audit.plumbing import versions
from audit.plumbing.errors import AuditError

ACTION_DATA_MAX = 69  # snprintfz(action_data, 70, ...) keeps n-1 bytes
ACTION_RESULT_MAX = 59  # snprintfz(action_result, 60, ...)
ULONG_MAX = 2**64 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class FatalInput:
    process: str = "netdata"
    thread: str | None = None
    function: str = ""
    file: str = ""
    line: int = 0
    errno: int = 0


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _fixed(text: str, width: int) -> bytes:
    """printf's %-W.Ws: truncated to W bytes, then padded with spaces to W."""
    return _b(text)[:width].ljust(width, b" ")


def masked_thread_tag(thread: str | None, version: str) -> str:
    """The tag the daemon sends: streaming thread names carry a host name, so they are masked."""
    major_minor = versions.parse(version)[:2]
    if thread is None:
        # v1.44 sends UNKNOWN for a thread without a tag; later versions always have one.
        return "UNKNOWN"
    if major_minor < (1, 38):
        return "[x]" if thread.startswith("STREAM_RECEIVER") else thread
    if thread.startswith("RCVR"):
        return "RCVR"
    if thread.startswith("SNDR"):
        return "SNDR"
    return thread


def action_result(fatal: FatalInput, version: str) -> str:
    text = _b(f"{fatal.process}:{masked_thread_tag(fatal.thread, version)}")
    return _s(text[:ACTION_RESULT_MAX])


def action_data(fatal: FatalInput) -> str:
    if not 0 <= fatal.line <= ULONG_MAX:
        raise AuditError(f"--line {fatal.line}: must be a line number between 0 and {ULONG_MAX}")
    if not INT_MIN <= fatal.errno <= INT_MAX:
        raise AuditError(f"--errno {fatal.errno}: must fit a C int")
    text = b"%04d@%s:%s/%d" % (fatal.line, _fixed(fatal.file, 10), _fixed(fatal.function, 15), fatal.errno)
    return _s(text[:ACTION_DATA_MAX])
