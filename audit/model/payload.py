"""The Payload type: the exact bytes a channel would POST, with the fields they were pasted from (shared by every
channel and face; docs/architecture.md)."""

from dataclasses import dataclass

from audit.plumbing import inputs
from audit.plumbing.errors import AuditError


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
        text, not_utf8 = inputs.decode(self.wire)
        try:
            return None if not_utf8 else inputs.load_json(text, "body")
        except AuditError:
            return None


def invalid_reasons(body: bytes, fields: tuple[Field, ...]) -> tuple[str, ...]:
    text, not_utf8 = inputs.decode(body)
    try:
        if not not_utf8:
            inputs.load_json(text, "body")
            return ()
    except AuditError:  # not JSON, or nested too deep to read
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
            inputs.load_json(f'"{field.text}"', field.key)
            return None
        except inputs.NotJson:
            return f"{field.key}: {field.text!r} holds a quote, backslash or control character the script does not escape"
    candidate = f"[{field.text}]" if field.form == "collectors" else field.text
    try:
        inputs.load_json(candidate, field.key)
        return None
    except inputs.TooDeep:
        return f"{field.key}: nested more than {inputs.MAX_DEPTH} levels deep (the script pastes this value unquoted)"
    except inputs.NotJson:
        what = "is empty" if not field.text.strip() else f"{field.text!r} is not a JSON literal"
        return f"{field.key}: {what} (the script pastes this value unquoted)"
