"""Text that is not UTF-8 (an environment value, a file read with surrogateescape) in output.

Python keeps such bytes as lone surrogates, which standard JSON readers reject or mangle and a strict UTF-8
stdout refuses (UnicodeEncodeError). In JSON output they are written as `\\xHH` text (e.g. "k\\xffvm"), readable
by anyone; where the tool reads the value back (facts snapshots) the exact bytes travel beside it as base64 in
"value_base64". Text printed on stdout and stderr gets the same `\\xHH` (see `escape_raw_bytes`), whatever the
locale.
"""

import base64
import codecs
from collections.abc import Mapping


def has_raw_bytes(text: str) -> bool:
    return not text.isascii() and any("\udc80" <= c <= "\udcff" for c in text)


def readable(text: str) -> str:
    """The text with each byte that is not UTF-8 written as \\xHH."""
    if not has_raw_bytes(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def to_base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogateescape")).decode("ascii")


def from_base64(data: str) -> str:
    return base64.b64decode(data, validate=True).decode("utf-8", "surrogateescape")


def clean(document: object) -> object:
    """Every string in a JSON document made safe for standard readers (see `readable`)."""
    if isinstance(document, str):
        return readable(document)
    if isinstance(document, dict):
        return {clean(k): clean(v) for k, v in document.items()}
    if isinstance(document, (list, tuple)):
        return [clean(v) for v in document]
    return document


RAW_BYTES = "telemetry-audit-raw-bytes"  # the codecs error handler below


def _as_escapes(error: UnicodeError) -> tuple[str, int]:
    """A byte kept as a surrogate escape written as \\xHH; anything else the stream cannot encode as \\uHHHH."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff" else
                   c.encode("ascii", "backslashreplace").decode("ascii") for c in bad), error.end


codecs.register_error(RAW_BYTES, _as_escapes)


def escape_raw_bytes(*streams) -> None:
    """Make text streams write bytes that are not UTF-8 as \\xHH instead of failing (or, in the C locale,
    writing the raw byte): the same text `readable` gives."""
    for stream in streams:
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=RAW_BYTES)


def flattened(document: Mapping, prefix: str = "") -> list[tuple[str, str]]:
    """A document's members by dotted path (`host.boot.id`), each value as text (non-strings as compact JSON)."""
    out = []
    for key, value in document.items():
        if isinstance(value, Mapping) and value:
            out += flattened(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", as_text(value)))
    return out


def as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False)

