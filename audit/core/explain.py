"""Explain a telemetry payload field by field (pure: bytes in, an Explanation out; nothing is printed). The body is
read by audit.core.read; what a channel packs into its fields is decoded by the channel (its decode), and a
channel with its own explain (agent-events) explains its bodies whole."""

import re

from audit import channels
from audit.channels.backend import catalog
from audit.core import identify
from audit.core.read import MAX_BODY, read_payload  # noqa: F401 - where the faces find them
from audit.model.explanation import Explanation, FieldNote, Finding, Reading, VersionRange, release_text
from audit.plumbing import schemas, versions
from audit.plumbing.errors import AuditError

def explain(raw: bytes, label: str = "payload") -> Explanation:
    import hashlib

    reading = read_payload(raw, label)
    impl = channels.channel(reading.channel).impl()
    if hasattr(impl, "explain_reading"):  # a channel that explains its bodies whole
        return impl.explain_reading(reading, hashlib.sha256(raw).hexdigest())
    document = reading.document()
    schema_id = channels.schema_for(document)
    annotations = property_annotations(schema_id)
    findings: list[Finding] = []
    if reading.json_error:
        findings.append(Finding("/", f"not valid JSON: {reading.json_error}"))
    findings += _structure(reading, annotations)
    findings += _collapse_required(schemas.problems(document, schema_id))
    props = {p.key: p for p in reading.props}
    action = props["action"].value if "action" in props else None
    decoded, decode_findings = impl.decode(reading)
    findings += decode_findings
    decoded.update(identify.field_notes(document["properties"], getattr(impl, "SECRETS_IN", {}),
                                        getattr(impl, "IDENTIFIERS", {})))
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
    if hasattr(impl, "dating"):  # a channel whose versions are not release ranges (the installer's revisions)
        label, reasons, possible = impl.dating(document)
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
# versions

def version_range(action: object, present: set[str], annotations: dict, complete: bool = True) -> VersionRange:
    since, until, reasons = None, None, []
    if not complete:
        reasons.append("the body is cut short, so absent fields say nothing about the version")
    if isinstance(action, str):
        span = _event_versions(action)
        if span is not None:
            since, until = span
            reasons.append(f"event {action}: {versions.span(release_text(since), release_text(until))}")
    for key, meta in annotations.items():
        last = _bound(meta.get("x-until")) if isinstance(meta, dict) else None
        if key in present and last is not None and (until is None or last < until):
            until = last
            reasons.append(f"{key} is present: sent until {release_text(last)}.x")
        tag = meta.get("x-since") if isinstance(meta, dict) else None
        if not tag:
            continue
        try:
            bound = versions.parse(tag)[:2]
        except AuditError:
            continue
        if key in present and (since is None or bound > since):
            since = bound
            reasons.append(f"{key} is present: sent since {release_text(bound)}")
        elif key not in present and complete and last is None:  # a removed member's absence: older or newer
            before = _previous(bound)
            if before is not None and (until is None or before < until):
                until = before
                reasons.append(f"{key} is absent: added in {release_text(bound)}, so older")
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
