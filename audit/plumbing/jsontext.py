"""Text that is not UTF-8 (an environment value, a file read with surrogateescape) in JSON output.

Python keeps such bytes as lone surrogates, which standard JSON readers reject or mangle. In JSON output they are
written as `\\xHH` text (e.g. "k\\xffvm"), readable by anyone; where the tool reads the value back (facts
snapshots) the exact bytes travel beside it as base64 in "value_base64".
"""

import base64


def has_raw_bytes(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)


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
