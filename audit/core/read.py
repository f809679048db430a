"""Read a received body (pure: bytes in, a Reading out), whichever channel sent it.

A body the statistics script produced is not always valid JSON (nothing is escaped), so the body is read twice:
as JSON when it parses, and always line by line following the script's known layout (each property on its own
line, `        "key": value,`; host_collectors spread over three lines), so a broken body still yields every
field that can be read.
"""

import json
import re
from dataclasses import asdict

from audit.model.explanation import Prop, Reading
from audit.plumbing import inputs
from audit.plumbing.errors import AuditError

MAX_BODY = 1024 * 1024  # a real body is about 5 KiB; anything over 1 MiB is not a payload

_KEY_LINE = re.compile(r'^(?P<indent>\s*)"(?P<key>(?:[^"\\]|\\.)*)"(?P<sep>\s*:\s*)(?P<value>.*?)\s*$')
_CLOSE_ARRAY = re.compile(r"^\s*\]\s*,?\s*$")


def read_payload(raw: bytes, label: str = "payload") -> Reading:
    """Read a payload's bytes; AuditError when they are not usable as a payload at all."""
    if len(raw) > MAX_BODY:
        raise AuditError(f"{label}: over the {MAX_BODY} byte limit for a payload (a real one is about 5 KiB)")
    if not raw.strip():
        raise AuditError(f"{label}: empty, not a payload")
    if b"\0" in raw or _binary(raw):
        raise AuditError(f"{label}: binary data, not a payload")
    text, utf8_error = inputs.decode(raw)  # bytes that are not UTF-8: read, kept, and the body is not valid JSON
    if text.lstrip().startswith('{"exit_cause"'):
        return _agent_events_reading(raw, text, utf8_error, label)
    try:
        top_lines, prop_lines, raw_lines = _read_lines(text)
    except inputs.TooDeep:
        raise inputs.TooDeep(label) from None
    last_line = len(text.rstrip().split("\n"))
    if not text.rstrip().endswith("}") and prop_lines and prop_lines[-1].line == last_line:
        cut = prop_lines[-1]
        prop_lines[-1] = Prop(cut.key, cut.value, cut.text, cut.line, "the body ends here (truncated)")
    json_error = utf8_error
    document = None
    try:  # JSON but for bytes that are not UTF-8 is read as JSON (still invalid), as validate reads it
        document = inputs.load_json(text, label, object_pairs_hook=_Pairs)
    except inputs.NotJson as e:
        json_error = json_error or _where(e.error, text)
    if document is not None:
        if isinstance(document, _Pairs) and _is_agent_events(document):  # e.g. pretty-printed by `payload --json`
            return _agent_events_reading(raw, text, utf8_error, label)
        if not isinstance(document, _Pairs) or not any(k == "properties" for k, _ in document):
            if isinstance(document, _Pairs) and {"@timestamp", "agent"} <= {k for k, _ in document}:
                raise AuditError(f"{label}: the daemon's saved status file, not a payload; `telemetry-audit payload "
                                 f"--channel agent-events --status-file {label}` shows what the next start posts")
            raise AuditError(f"{label}: JSON, but not a telemetry payload (no \"properties\" object)")
        by_line = {p.key: p for p in prop_lines}
        props, top = [], []
        top_by_line = {p.key: p for p in top_lines}
        for key, value in document:
            if key == "properties":
                if not isinstance(value, _Pairs):
                    raise AuditError(f"{label}: \"properties\" is not an object, so this is not a payload")
                for pkey, pvalue in value:
                    seen = by_line.get(pkey)
                    props.append(Prop(pkey, _plain(pvalue), seen.text if seen else _dumps(pvalue),
                                      seen.line if seen else None))
            else:
                seen = top_by_line.get(key)
                top.append(Prop(key, _plain(value), seen.text if seen else _dumps(value),
                                 seen.line if seen else None, top=True))
        return Reading(raw, json_error, tuple(props), tuple(top), tuple(k for k, _ in document), raw_lines,
                       _channel_name(_plain(document)))
    if not prop_lines and not any(p.key == "event" for p in top_lines):
        raise AuditError(f"{label}: not a telemetry payload: not JSON ({json_error}) and not the statistics "
                         f"script's layout (no \"event\" or property lines)")
    order = tuple(p.key for p in top_lines) + (("properties",) if prop_lines else ())
    return Reading(raw, json_error, tuple(prop_lines), tuple(top_lines), order, raw_lines)


def _is_agent_events(document: "_Pairs") -> bool:
    from audit import channels

    return channels.channel_of(_plain(document)) is channels.CHANNELS["agent-events"]


def _channel_name(document: object) -> str:
    from audit import channels

    found = channels.channel_of(document)
    return found.name if found is not None else channels.DEFAULT


def _agent_events_reading(raw: bytes, text: str, utf8_error: str | None, label: str) -> Reading:
    """An agent-events body (minified JSON from the daemon): one Prop per member, keyed by its dotted path."""
    try:
        document = inputs.load_json(text, label, object_pairs_hook=_Pairs)
    except inputs.NotJson as e:
        raise AuditError(f"{label}: an agent-events body that is not JSON ({_where(e.error, text)})") from None
    props: list[Prop] = []

    def walk(pairs: "_Pairs", prefix: str) -> None:
        for key, value in pairs:
            if isinstance(value, _Pairs) and value:
                walk(value, f"{prefix}{key}.")
            else:
                props.append(Prop(f"{prefix}{key}", _plain(value), _dumps(value), None))

    walk(document, "")
    return Reading(raw, utf8_error, tuple(props), (), tuple(k for k, _ in document), {}, "agent-events")


class _Pairs(list):
    """A JSON object kept as its ordered (key, value) pairs, so order and duplicate keys survive."""


def _plain(value: object) -> object:
    if isinstance(value, _Pairs):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dumps(value: object) -> str:
    return json.dumps(_plain(value), ensure_ascii=False)


def _binary(raw: bytes) -> bool:
    sample = raw[:4096]
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
    return controls > max(2, len(sample) // 100)


def _where(e: json.JSONDecodeError, text: str) -> str:
    line = text.split("\n")[e.lineno - 1] if e.lineno - 1 < len(text.split("\n")) else ""
    m = _KEY_LINE.match(line)
    field_name = f" ({m['key']})" if m else ""
    ends = "; the body ends early (truncated?)" if text.lstrip().startswith("{") and \
        not text.rstrip().endswith("}") else ""
    return f"{e.msg} at line {e.lineno} column {e.colno}{field_name}{ends}"


def _read_lines(text: str) -> tuple[list[Prop], list[Prop], dict]:
    """Follow the script's layout: top-level keys, then one property per line until the closing braces."""
    lines = text.split("\n")
    top, props, raw_lines = [], [], {}
    in_props = False
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _KEY_LINE.match(line)
        if not m:
            i += 1
            continue
        key, value_text = m["key"], m["value"]
        number = i + 1
        held = [line]
        if key == "properties" and value_text.startswith("{"):
            in_props = True
            i += 1
            continue
        if value_text == "[" or (value_text.startswith("[") and not value_text.rstrip(",").endswith("]")):
            inner = [value_text[1:]] if value_text[1:].strip() else []
            j = i + 1
            while j < len(lines) and not _CLOSE_ARRAY.match(lines[j]) and not _KEY_LINE.match(lines[j]):
                inner.append(lines[j])
                j += 1
            closed = j < len(lines) and _CLOSE_ARRAY.match(lines[j])
            held += lines[i + 1:j + (1 if closed else 0)]
            content = "\n".join(inner).strip()
            value_text = f"[{content}]"
            prop = _array_prop(key, value_text, content, number, bool(closed))
            i = j + (1 if closed else 0)
        else:
            prop = _value_prop(key, value_text, number)
            i += 1
        raw_lines.setdefault(key, "\n".join(held))
        if in_props:
            props.append(prop)
        else:
            top.append(Prop(**{**asdict(prop), "top": True}))
    return top, props, raw_lines


def _value_prop(key: str, value_text: str, line: int) -> Prop:
    text = value_text[:-1] if value_text.endswith(",") else value_text
    try:
        return Prop(key, inputs.load_json(text, f"line {line}"), text, line)
    except inputs.NotJson:
        pass
    if len(text) >= 2 and text[0] == text[-1] == '"':
        inner = text[1:-1]
        return Prop(key, inner, text, line, "holds a quote, backslash or control character the script does not "
                                            "escape, so the body is not valid JSON")
    what = "is empty" if not text.strip() else f"{text!r} is not a JSON literal"
    return Prop(key, text, text, line, f"{what} (the script pastes this value unquoted)")


def _array_prop(key: str, value_text: str, content: str, line: int, closed: bool) -> Prop:
    if not closed:
        return Prop(key, content, value_text, line, "the array is never closed: the body ends early")
    try:
        return Prop(key, inputs.load_json(value_text, f"line {line}"), value_text, line)
    except inputs.NotJson:
        return Prop(key, content, value_text, line, "the collectors list is not valid JSON (a plugin or module "
                                                    "name holds a quote or backslash, or a value is empty)")
