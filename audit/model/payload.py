"""The Payload type: the exact bytes a channel would POST, with the fields they were pasted from (shared by every
channel and face; docs/architecture.md)."""

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str  # payload property
    text: str  # exactly what was pasted into the body for it
    form: str  # const, quoted, raw, collectors (e.g. audit.channels.backend.wire.TEMPLATE)
    fact: str | None  # the fact it came from, if any
    assumed: bool = False


@dataclass(frozen=True)
class Payload:
    event: str  # catalog name, e.g. "FATAL"
    wire: bytes  # exactly what would be POSTed
    fields: tuple[Field, ...] = ()
    invalid: tuple[str, ...] = ()  # why `wire` is not valid JSON, each naming the offending field
    warnings: tuple[str, ...] = ()  # e.g. event outside the chosen version's range
    channel: str = "backend"  # audit.channels.CHANNELS key

    @property
    def sha256(self) -> str:
        import hashlib  # loads OpenSSL: only when a hash is asked for

        return hashlib.sha256(self.wire).hexdigest()

    @property
    def valid_json(self) -> bool:
        return not self.invalid

    @property
    def assumed(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.assumed)

    def document(self) -> dict | None:
        try:
            return json.loads(self.wire.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None


def invalid_reasons(body: bytes, fields: tuple[Field, ...]) -> tuple[str, ...]:
    try:
        json.loads(body.decode("utf-8"))
        return ()
    except UnicodeDecodeError:
        pass
    except json.JSONDecodeError:
        pass
    reasons = [reason for f in fields if (reason := _field_problem(f))]
    return tuple(reasons) or ("the body is not valid JSON",)


def _field_problem(field: Field) -> str | None:
    try:
        field.text.encode("utf-8")
    except UnicodeEncodeError:
        return f"{field.key}: holds bytes that are not UTF-8"
    if field.form in ("quoted", "const"):
        try:
            json.loads(f'"{field.text}"')
            return None
        except json.JSONDecodeError:
            return f"{field.key}: {field.text!r} holds a quote, backslash or control character the script does not escape"
    candidate = f"[{field.text}]" if field.form == "collectors" else field.text
    try:
        json.loads(candidate)
        return None
    except json.JSONDecodeError:
        what = "is empty" if not field.text.strip() else f"{field.text!r} is not a JSON literal"
        return f"{field.key}: {what} (the script pastes this value unquoted)"
