"""Compare two payloads (a reproduction and a report) field by field, down to the bytes (pure).

Nothing is ignored: the event, every property's value and JSON type, keys only on one side, duplicate keys,
property order, the text of a property's line when the values agree, and finally the bytes themselves when the
documents are equal but the bodies are not (whitespace, escapes, a trailing newline).
"""

import hashlib
import json
from dataclasses import asdict, dataclass

from audit.core.read import read_payload
from audit.model.explanation import Reading

KINDS = ("event", "top", "changed", "removed", "added", "duplicate", "order", "format", "bytes", "json")


@dataclass(frozen=True)
class Difference:
    kind: str  # one of KINDS
    pointer: str  # JSON pointer of what differs ("" for the body as a whole)
    a: object = None
    b: object = None
    message: str = ""


@dataclass(frozen=True)
class Side:
    label: str
    size: int
    sha256: str
    valid_json: bool
    json_error: str | None


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    differences: tuple[Difference, ...]

    @property
    def identical(self) -> bool:
        return self.a.sha256 == self.b.sha256 and self.a.size == self.b.size

    def to_dict(self) -> dict:
        return {"identical": self.identical, "a": asdict(self.a), "b": asdict(self.b),
                "differences": [asdict(d) for d in self.differences]}


def compare(a: bytes, b: bytes, a_label: str = "A", b_label: str = "B") -> Comparison:
    """Every difference between two payload bodies; AuditError if either is not a payload."""
    ra, rb = read_payload(a, a_label), read_payload(b, b_label)
    sides = (_side(a_label, a, ra), _side(b_label, b, rb))
    if a == b:
        return Comparison(*sides, ())
    found: list[Difference] = []
    if ra.valid_json != rb.valid_json:
        found.append(Difference("json", "", ra.json_error, rb.json_error,
                                f"{a_label} is {_validity(ra)}, {b_label} is {_validity(rb)}"))
    found += _top(ra, rb, a_label, b_label)
    found += _properties(ra, rb, a_label, b_label)
    if not found:
        found.append(_bytes(a, b, a_label, b_label))
    return Comparison(*sides, tuple(found))


def _validity(reading: Reading) -> str:
    return "valid JSON" if reading.valid_json else f"not valid JSON ({reading.json_error})"


def _side(label: str, raw: bytes, reading: Reading) -> Side:
    return Side(label, len(raw), hashlib.sha256(raw).hexdigest(), reading.valid_json, reading.json_error)


def same(x: object, y: object) -> bool:
    """JSON equality that also tells 1 from 1.0 and true from 1 (Python's == does not)."""
    if type(x) is not type(y):
        return False
    if isinstance(x, dict):
        return list(x) == list(y) and all(same(x[k], y[k]) for k in x)
    if isinstance(x, list):
        return len(x) == len(y) and all(same(i, j) for i, j in zip(x, y))
    return x == y


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _top(ra: Reading, rb: Reading, a_label: str, b_label: str) -> list[Difference]:
    out = []
    ta, tb = {p.key: p for p in ra.top}, {p.key: p for p in rb.top}
    for key in list(ta) + [k for k in tb if k not in ta]:
        pointer = "/" + key
        kind = "event" if key == "event" else "top"
        if key not in tb:
            out.append(Difference(kind, pointer, ta[key].value, None, f"only in {a_label}"))
        elif key not in ta:
            out.append(Difference(kind, pointer, None, tb[key].value, f"only in {b_label}"))
        elif not same(ta[key].value, tb[key].value):
            out.append(Difference(kind, pointer, ta[key].value, tb[key].value,
                                  f"{_show(ta[key].value)} in {a_label}, {_show(tb[key].value)} in {b_label}"))
        elif ta[key].text != tb[key].text:
            out.append(Difference("format", pointer, ta[key].text, tb[key].text, "same value, written differently"))
    members = _members(ra, rb)
    if not members and ra.top_order != rb.top_order and set(ra.top_order) == set(rb.top_order):
        out.append(Difference("order", "/", list(ra.top_order), list(rb.top_order),
                              f"top-level keys in a different order: {', '.join(ra.top_order)} in {a_label}; "
                              f"{', '.join(rb.top_order)} in {b_label}"))
    return out


def _members(ra: Reading, rb: Reading) -> bool:
    """Both are agent-events bodies: their members (nested ones by dotted path) are compared like properties."""
    return ra.channel == rb.channel == "agent-events"


def _properties(ra: Reading, rb: Reading, a_label: str, b_label: str) -> list[Difference]:
    out = []
    _ptr = _member_ptr if _members(ra, rb) else _property_ptr
    things = "members" if _members(ra, rb) else "properties"
    ka, kb = ra.keys(), rb.keys()
    for label, keys in ((a_label, ka), (b_label, kb)):
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            if ka.count(key) != kb.count(key):
                out.append(Difference("duplicate", _ptr(key), ka.count(key), kb.count(key),
                                      f"appears {ka.count(key)} times in {a_label}, {kb.count(key)} in {b_label}"))
    pa, pb = {p.key: p for p in ra.props}, {p.key: p for p in rb.props}  # the last one wins, as in JSON
    for key in dict.fromkeys(ka + kb):
        if key not in pb:
            out.append(Difference("removed", _ptr(key), pa[key].value, None, f"only in {a_label}"))
        elif key not in pa:
            out.append(Difference("added", _ptr(key), None, pb[key].value, f"only in {b_label}"))
        else:
            va, vb = pa[key], pb[key]
            if not same(va.value, vb.value) or (va.problem is None) != (vb.problem is None):
                out.append(Difference("changed", _ptr(key), va.value, vb.value, _changed(va, vb, a_label, b_label)))
            elif va.text != vb.text or _layout(ra, key) != _layout(rb, key):
                out.append(Difference("format", _ptr(key), ra.raw_lines.get(key, va.text),
                                      rb.raw_lines.get(key, vb.text), "same value, written differently"))
    common_a = [k for k in dict.fromkeys(ka) if k in pb]
    common_b = [k for k in dict.fromkeys(kb) if k in pa]
    if common_a != common_b:
        at = next(i for i, (x, y) in enumerate(zip(common_a, common_b)) if x != y)
        moved = [k for i, k in enumerate(common_a) if common_b.index(k) != i]
        out.append(Difference("order", "" if things == "members" else "/properties", common_a, common_b,
                              f"{things} in a different order from position {at + 1}: {common_a[at]!r} in "
                              f"{a_label}, {common_b[at]!r} in {b_label} ({len(moved)} {things} move)"))
    return out


def _layout(reading: Reading, key: str) -> str:
    """A property's lines as written, without the comma that only says whether another property follows."""
    text = reading.raw_lines.get(key, "")
    return text[:-1] if text.endswith(",") else text


def _changed(va, vb, a_label: str, b_label: str) -> str:
    if type(va.value) is not type(vb.value) and va.problem is None and vb.problem is None:
        return (f"{va.text} ({_type(va.value)}) in {a_label}, {vb.text} ({_type(vb.value)}) in {b_label}: "
                f"different JSON types")
    note = ""
    if va.problem or vb.problem:
        note = f" ({a_label if va.problem else b_label}'s value is not valid JSON)"
    return f"{va.text} in {a_label}, {vb.text} in {b_label}{note}"


def _type(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}.get(type(value), type(value).__name__)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _property_ptr(key: str) -> str:
    return "/properties/" + _escape(key)


def _member_ptr(path: str) -> str:
    """An agent-events member's dotted path (agent.exit_reason) as a JSON pointer (/agent/exit_reason)."""
    return "/" + "/".join(_escape(part) for part in (path.split(".") if path != "@timestamp" else [path]))


def _bytes(a: bytes, b: bytes, a_label: str, b_label: str) -> Difference:
    """The parsed documents agree; say where and how the bytes do not."""
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    line = a[:at].count(b"\n") + 1
    column = at - (a.rfind(b"\n", 0, at) + 1) + 1
    ctx_a, ctx_b = a[max(0, at - 20):at + 20], b[max(0, at - 20):at + 20]
    end_a, end_b = a[len(a.rstrip(b"\r\n")):], b[len(b.rstrip(b"\r\n")):]
    if a.rstrip(b"\r\n") == b.rstrip(b"\r\n"):
        what = (f"only the end differs: {a_label} ends with {end_a!r}, {b_label} with {end_b!r} "
                f"(the script sends no trailing newline)")
    elif a.replace(b"\r\n", b"\n") == b.replace(b"\r\n", b"\n"):
        what = "line endings differ (CRLF against LF)"
    elif b"".join(a.split()) == b"".join(b.split()):
        what = "whitespace only"
    else:
        what = "same document written differently (escapes or number formatting)"
    return Difference("bytes", "", ctx_a.decode("utf-8", "backslashreplace"), ctx_b.decode("utf-8", "backslashreplace"),
                      f"bytes differ from offset {at} (line {line}, column {column}): {what}")
