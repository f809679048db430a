"""Small helpers for writing data to stdout and diagnostics to stderr."""

import json
import sys


def write_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def write_json(document: object) -> None:
    from audit.plumbing.jsontext import clean  # bytes that are not UTF-8 become \\xHH text (see audit.plumbing.jsontext)

    print(json.dumps(clean(document), indent=2, ensure_ascii=False))


def warn(message: str) -> None:
    print(f"telemetry-audit: warning: {message}", file=sys.stderr)


def note(message: str) -> None:
    print(f"telemetry-audit: {message}", file=sys.stderr)


def print_summary(findings) -> None:
    """For payload and explain: a note on stderr, only when something unexpected was found (stdout stays the data)."""
    from audit.core import identify

    if identify.unexpected(findings):
        note("note: " + identify.summary(findings))
