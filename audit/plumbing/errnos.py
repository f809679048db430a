"""errno numbers, names and messages (this system's C library; Netdata's agents are almost all Linux/glibc)."""

import errno as _errno
import os
from functools import cache


def name(code: int) -> str | None:
    """The symbolic name, e.g. 12 -> ENOMEM; None for 0 or an unknown number."""
    return _errno.errorcode.get(code)


def message(code: int) -> str:
    """strerror's text, e.g. 12 -> "Cannot allocate memory"; 0 -> "Success" (glibc)."""
    try:
        return os.strerror(code)
    except (ValueError, OverflowError):
        return f"Unknown error {code}"


@cache
def _by_message() -> dict[str, int]:
    table = {}
    for code in range(0, 256):
        text = message(code)
        if not text.startswith("Unknown error"):
            table.setdefault(text.lower(), code)
    return table


def from_message(text: str) -> int | None:
    """The errno whose strerror text this is ("Permission denied" -> 13), or None if none matches."""
    text = text.strip().rstrip(".").strip()
    if text.lower().startswith("unknown error "):
        try:
            return int(text.split()[-1])
        except ValueError:
            return None
    return _by_message().get(text.lower())


def describe(code: int) -> str:
    """`12 ENOMEM (Cannot allocate memory)` or `0 (no error saved)`."""
    if code == 0:
        return "0 (no error was set when fatal() was called)"
    symbol = name(code)
    return f"{code} {symbol} ({message(code)})" if symbol else f"{code} ({message(code)})"
