"""Explain a telemetry payload field by field (pure: bytes in, an Explanation out; nothing is printed).

A body the statistics script produced is not always valid JSON (nothing is escaped), so the body is read twice:
as JSON when it parses, and always line by line following the script's known layout (each property on its own
line, `        "key": value,`; host_collectors spread over three lines), so a broken body still yields every
field that can be read.
"""

import json
import re
from dataclasses import asdict, dataclass, field

from audit import codes, errnos, inputs, schemas, versions
from audit.channels.backend import catalog, wire
from audit.errors import AuditError

MAX_BODY = 1024 * 1024  # a real body is about 5 KiB; anything over 1 MiB is not a payload
FORMS = {key: form for key, form, _ in wire.TEMPLATE}

_KEY_LINE = re.compile(r'^(?P<indent>\s*)"(?P<key>(?:[^"\\]|\\.)*)"(?P<sep>\s*:\s*)(?P<value>.*?)\s*$')
_CLOSE_ARRAY = re.compile(r"^\s*\]\s*,?\s*$")
_ACTION_DATA = re.compile(rb"^(?P<line>\d{4,})@(?P<file>.{10}):(?P<function>.{15})/(?P<errno>-?\d+)$", re.DOTALL)


@dataclass(frozen=True)
class Prop:
    key: str
    value: object  # the JSON value; for a value that is not JSON, the text the script meant (see problem)
    text: str  # the value exactly as it appears in the body
    line: int | None  # 1-based line of the body, when the layout could be followed
    problem: str | None = None  # why this value is not valid JSON
    top: bool = False  # a top-level key (event) rather than a property


@dataclass(frozen=True)
class Reading:
    raw: bytes
    json_error: str | None  # None when the body is valid JSON
    props: tuple[Prop, ...]  # properties in body order (duplicates kept)
    top: tuple[Prop, ...]  # top-level keys other than "properties", in order (normally just "event")
    top_order: tuple[str, ...]  # every top-level key in order, "properties" included
    raw_lines: dict = field(default_factory=dict)  # key -> the body lines that hold it, as read
    channel: str = "backend"  # audit.channels key: which kind of body this is (told by its members)

    @property
    def valid_json(self) -> bool:
        return self.json_error is None

    @property
    def event(self) -> object:
        return next((p.value for p in self.top if p.key == "event"), None)

    def document(self) -> dict:
        """The payload as a dict: parsed values, or for unreadable values the text the script meant."""
        doc = {p.key: p.value for p in self.top}
        doc["properties"] = {p.key: p.value for p in self.props}
        return doc

    def keys(self) -> list[str]:
        return [p.key for p in self.props]


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


# -----------------------------------------------------------------------------------------------------------------
# explanation

@dataclass(frozen=True)
class FieldNote:
    key: str
    value: object
    text: str
    line: int | None
    known: bool
    description: str = ""
    source: str = ""
    sensitivity: str = ""
    since: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    pointer: str  # JSON pointer, e.g. /properties/action_data
    message: str


@dataclass(frozen=True)
class VersionRange:
    since: tuple[int, int] | None  # inclusive (major, minor)
    until: tuple[int, int] | None  # inclusive (major, minor); every patch release of it
    reasons: tuple[str, ...]
    possible: bool = True
    label: str | None = None  # the whole answer, when versions are not release ranges (the installer's revisions)

    def text(self) -> str:
        if self.label:
            return self.label
        if not self.possible:
            return "no Netdata version sends this shape"
        low = f"v{self.since[0]}.{self.since[1]}" if self.since else "early versions"
        high = f"v{self.until[0]}.{self.until[1]}.x" if self.until else "today"
        return f"Netdata {low} to {high}"


@dataclass(frozen=True)
class Explanation:
    size: int
    sha256: str
    valid_json: bool
    json_error: str | None
    event: object  # the top-level "event" value
    action: object
    schema_id: str
    fields: tuple[FieldNote, ...]
    unknown: tuple[str, ...]
    missing: tuple[str, ...]
    findings: tuple[Finding, ...]  # schema violations and structural problems, best first
    decoded: dict  # event-specific decoding (FATAL, ACLK_CONN_FAIL, EXPORTING_START)
    versions: VersionRange

    @property
    def valid(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        out = asdict(self)
        out["valid"] = self.valid
        out["versions"] = {"since": _vtext(self.versions.since), "until": _vtext(self.versions.until),
                           "possible": self.versions.possible, "text": self.versions.text(),
                           "reasons": list(self.versions.reasons)}
        return out


def _vtext(v: tuple[int, int] | None) -> str | None:
    return f"v{v[0]}.{v[1]}" if v else None


def explain(raw: bytes, label: str = "payload") -> Explanation:
    import hashlib

    reading = read_payload(raw, label)
    if reading.channel == "agent-events":
        from audit.channels.agent_events.explain import explain_reading

        return explain_reading(reading, hashlib.sha256(raw).hexdigest())
    document = reading.document()
    schema_id = schemas.schema_for(document)
    annotations = property_annotations(schema_id)
    findings: list[Finding] = []
    if reading.json_error:
        findings.append(Finding("/", f"not valid JSON: {reading.json_error}"))
    findings += _structure(reading, annotations)
    findings += _collapse_required(schemas.problems(document, schema_id))
    props = {p.key: p for p in reading.props}
    action = props["action"].value if "action" in props else None
    decoded, decode_findings = decode(document["properties"], action)
    findings += decode_findings
    if reading.channel == "installer":
        from audit.channels.installer.explain import decode as decode_installer

        decoded = decode_installer(document["properties"], reading.event)
    field_problems: dict[str, list[str]] = {}
    for finding in findings:
        parts = finding.pointer.split("/")
        if len(parts) >= 3 and parts[1] == "properties":
            field_problems.setdefault(parts[2].replace("~1", "/").replace("~0", "~"), []).append(finding.message)
    top_annotations = {} if schema_id == schemas.INSTALLER_ID else schemas.backend_top_members()
    notes = []
    for prop in [p for p in reading.top if p.key in top_annotations] + list(reading.props):
        meta = (top_annotations if prop.top else annotations).get(prop.key)
        problems = field_problems.get(prop.key, [])
        notes.append(FieldNote(
            prop.key, prop.value, prop.text, prop.line, meta is not None,
            (meta or {}).get("description", "not a property of this payload"),
            _text((meta or {}).get("x-source", "")), _text((meta or {}).get("x-sensitivity", "")),
            (meta or {}).get("x-since"), tuple(dict.fromkeys(problems))))
    present = set(props)
    unknown = tuple(k for k in props if k not in annotations)
    by_release = set(schemas.layout_members())  # absent from some releases' bodies: the schema checks the mix
    missing = tuple(k for k in annotations if k not in present and k not in by_release)
    if reading.channel == "installer":
        from audit.channels.installer.explain import dating

        label, reasons, possible = dating(document)
        dated = VersionRange(None, None, reasons, possible, label)
    else:
        dated = version_range(action, present | {p.key for p in reading.top}, {**top_annotations, **annotations},
                              complete=_complete(raw))
    return Explanation(
        len(raw), hashlib.sha256(raw).hexdigest(), reading.valid_json, reading.json_error, reading.event,
        reading.event if reading.channel == "installer" else action,
        schema_id, tuple(notes), unknown, missing, tuple(_dedupe(findings)), decoded, dated)


def _complete(raw: bytes) -> bool:
    """Whether the body reaches its closing brace; absent fields only mean something in a complete body."""
    return raw.rstrip().endswith(b"}")


_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def _collapse_required(problems) -> list[Finding]:
    """One finding per object for its missing required properties, instead of one per property."""
    out, missing = [], {}
    for p in problems:
        m = _REQUIRED.match(p.message)
        if m:
            if p.pointer not in missing:
                missing[p.pointer] = []
                out.append(p.pointer)
            missing[p.pointer].append(m[1])
        else:
            out.append(Finding(p.pointer, p.message))
    return [Finding(item, f"missing required propert{'ies' if len(missing[item]) > 1 else 'y'}: "
                          + ", ".join(missing[item])) if isinstance(item, str) else item for item in out]


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return "" if value is None else str(value)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if (f.pointer, f.message) not in seen:
            seen.add((f.pointer, f.message))
            out.append(f)
    return out


def property_annotations(schema_id: str) -> dict[str, dict]:
    """key -> annotations (description, x-source, x-sensitivity, x-since, x-wire), in wire order."""
    if schema_id == schemas.INSTALLER_ID:
        return _properties_of(schemas.schema(schemas.INSTALLER_ID)) or {}
    return schemas.backend_properties()


def _properties_of(schema: dict) -> dict | None:
    try:
        return schema["properties"]["properties"]["properties"]
    except (KeyError, TypeError):
        return None


def _structure(reading: Reading, annotations: dict) -> list[Finding]:
    out = []
    keys = reading.keys()
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        out.append(Finding(_ptr(key), f"appears {keys.count(key)} times (a JSON reader keeps only the last)"))
    for prop in reading.props:
        if prop.problem:
            out.append(Finding(_ptr(prop.key), f"line {prop.line}: {prop.problem}"))
        if prop.key not in annotations:
            out.append(Finding(_ptr(prop.key), "unknown field: not a property of this payload's schema"))
    for prop in reading.top:
        if prop.problem:
            out.append(Finding("/" + prop.key, f"line {prop.line}: {prop.problem}"))
    known = [k for k in keys if k in annotations]
    expected = [k for k in annotations if k in set(known)]
    if known != expected and len(set(known)) == len(known):
        at = next(i for i, (a, b) in enumerate(zip(known, expected)) if a != b)
        out.append(Finding("/properties", f"properties are not in the script's order: position {at + 1} holds "
                                          f"{known[at]!r}, the script puts {expected[at]!r} there"))
    props = {p.key: p.value for p in reading.props}
    event = reading.event
    if isinstance(event, str) and isinstance(props.get("action"), str) and isinstance(props.get("action_result"), str):
        if event != f"{props['action']} {props['action_result']}":
            out.append(Finding("/event", f"{event!r} is not action and action_result joined by a space "
                                         f"({props['action']!r} {props['action_result']!r}); the script builds it "
                                         f"from the same two arguments"))
    return out


def _ptr(key: str) -> str:
    return "/properties/" + key.replace("~", "~0").replace("/", "~1")


# -----------------------------------------------------------------------------------------------------------------
# event-specific decoding

def decode(properties: dict, action: object) -> tuple[dict, list[Finding]]:
    """Decode action_result / action_data for the events that pack data into them."""
    result, data = properties.get("action_result"), properties.get("action_data")
    if action == "FATAL":
        return decode_fatal(result, data)
    if action == "ACLK_CONN_FAIL" and isinstance(data, str):
        return decode_aclk(data)
    if action in ("EXPORTING_START", "BACKEND_START") and isinstance(data, str):
        if result == "OK":
            return {"connector": data, "meaning": f"the {data!r} connector started"}, []
        return {"meaning": "the exporting engine failed to start" if result == "FAIL" else f"result {result!r}"}, []
    return {}, []


def decode_fatal(result: object, data: object) -> tuple[dict, list[Finding]]:
    out: dict = {}
    findings = []
    if isinstance(result, str):
        raw = result.encode("utf-8", "surrogateescape")
        process, sep, thread = result.partition(":")
        out["process"] = {"value": process, "meaning": "program name (netdata for the daemon; plugins never "
                                                       "send FATAL)"}
        out["thread"] = {"value": thread if sep else None, "meaning": _thread_meaning(thread if sep else None)}
        if len(raw) >= 59:
            out["thread"]["truncated"] = True
            out["thread"]["meaning"] += "; action_result is at its 59-byte limit, so the tag may be cut short"
        if not sep:
            findings.append(Finding("/properties/action_result", f"{result!r} is not program:thread"))
    m = _ACTION_DATA.match(data.encode("utf-8", "surrogateescape")) if isinstance(data, str) else None
    if m:
        file_b, func_b = m["file"], m["function"]
        file, function = _s(file_b).rstrip(" "), _s(func_b).rstrip(" ")
        code = int(m["errno"])
        out["line"] = {"value": int(m["line"]), "meaning": "source line of the fatal() call (zero padded to 4 "
                                                           "digits when sent)"}
        out["file"] = {"value": file, "complete": file_b.endswith(b" "),
                       "meaning": "the whole source file path (shorter than 10 bytes, padded with spaces when sent)"
                       if file_b.endswith(b" ") else
                       "first 10 bytes of the source file path as the compiler saw it (the rest is not sent)"}
        out["function"] = {"value": function, "complete": func_b.endswith(b" "),
                           "meaning": "the whole function name (shorter than 15 bytes, padded with spaces when "
                                      "sent)" if func_b.endswith(b" ") else
                           "first 15 bytes of the name of the function that called fatal() (the rest is not sent)"}
        out["errno"] = {"value": code, "name": errnos.name(code), "message": errnos.message(code),
                        "meaning": "errno when fatal() was called" + (" (0: none was set)" if code == 0 else "")}
    elif isinstance(data, str):
        findings.append(Finding("/properties/action_data", f"{data!r} does not have FATAL's shape "
                                                           f"LINE@FILE(10 bytes):FUNCTION(15 bytes)/ERRNO"))
    return out, findings


def _thread_meaning(thread: str | None) -> str:
    if thread is None:
        return "missing"
    if thread == "RCVR":
        return "a streaming receiver thread (v1.38+ masks RCVR[<child host>] to RCVR so no host name is sent)"
    if thread == "SNDR":
        return "a streaming sender thread (v1.38+ masks SNDR[<parent host>] to SNDR so no host name is sent)"
    if thread == "[x]":
        return "a streaming receiver thread (v1.21-v1.37 mask STREAM_RECEIVER[<host>] to [x])"
    if thread == "UNKNOWN":
        return "a thread without a tag (v1.44 sends UNKNOWN)"
    return "tag of the thread that called fatal()"


def decode_aclk(data: str) -> tuple[dict, list[Finding]]:
    reasons, findings = [], []
    for part in data.split(","):
        try:
            code = int(part.strip())
        except ValueError:
            findings.append(Finding("/properties/action_data", f"{part!r} is not a libwebsockets callback reason "
                                                               f"number"))
            continue
        reasons.append({"code": code, "reason": codes.lws_reason(code)})
    return {"callbacks": reasons, "meaning": "the last libwebsockets callback reasons before the connection was "
                                             "destroyed, newest first"}, findings


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


# -----------------------------------------------------------------------------------------------------------------
# versions

def version_range(action: object, present: set[str], annotations: dict, complete: bool = True) -> VersionRange:
    since, until, reasons = None, None, []
    if not complete:
        reasons.append("the body is cut short, so absent fields say nothing about the version")
    if isinstance(action, str):
        span = _event_versions(action)
        if span is not None:
            since, until = span
            reasons.append(f"event {action}: {versions.span(_vtext(since), _vtext(until))}")
    for key, meta in annotations.items():
        last = _bound(meta.get("x-until")) if isinstance(meta, dict) else None
        if key in present and last is not None and (until is None or last < until):
            until = last
            reasons.append(f"{key} is present: sent until {_vtext(last)}.x")
        tag = meta.get("x-since") if isinstance(meta, dict) else None
        if not tag:
            continue
        try:
            bound = versions.parse(tag)[:2]
        except AuditError:
            continue
        if key in present and (since is None or bound > since):
            since = bound
            reasons.append(f"{key} is present: sent since {_vtext(bound)}")
        elif key not in present and complete and last is None:  # a removed member's absence: older or newer
            before = _previous(bound)
            if before is not None and (until is None or before < until):
                until = before
                reasons.append(f"{key} is absent: added in {_vtext(bound)}, so older")
    possible = not (since and until and since > until)
    return VersionRange(since, until, tuple(reasons), possible)


def _event_versions(action: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None] | None:
    schema = schemas.all_schemas().get(schemas.event_schema_id(action))
    span = schema.get("x-versions") if isinstance(schema, dict) else None
    if isinstance(span, dict):
        return _bound(span.get("since")), _bound(span.get("until"))
    ev = catalog.EVENTS.get(action)
    if ev is not None:
        return _bound(ev.since), _bound(ev.until)
    return None


def _bound(tag: object) -> tuple[int, int] | None:
    if not isinstance(tag, str) or not tag:
        return None
    try:
        return versions.parse(tag)[:2]
    except AuditError:
        return None


def _previous(bound: tuple[int, int]) -> tuple[int, int] | None:
    major, minor = bound
    if minor > 0:
        return major, minor - 1
    return (1, 47) if major == 2 else None  # v1.47 was the last 1.x release
