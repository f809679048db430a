"""Explain a received installer body: the event, its error code, and which kickstart revisions send a body of its
shape and messages (pure). The secrets in install_options and what the distinct id links are the identifying-data
rules in channel.py (SECRETS_IN, IDENTIFIERS)."""

import re
from collections.abc import Mapping

from audit.channels.installer import kickstart

_CRASH_CODE = re.compile(r"E(?P<code>-?\d+)-(?P<line>\d+)")


def decode(properties: dict, event: object, events: Mapping) -> dict:
    """`events`: the installer's event specs by name (channel.EVENTS)."""
    out: dict = {}
    ev = events.get(event) if isinstance(event, str) else None
    if ev is not None:
        out["event"] = {"value": event, "meaning": f"{ev.meaning} Sent {ev.sent_when}."}
    code = properties.get("error_code")
    if isinstance(code, str) and code:
        out["error_code"] = {"value": code, "meaning": _code_meaning(code, properties.get("error_message"))}
    return out


def _code_meaning(code: str, message: object) -> str:
    crash = _CRASH_CODE.fullmatch(code)
    if crash:
        where = "a signal (no line)" if crash["line"] == "0" else f"line {crash['line']} of kickstart.sh"
        return f"kickstart exited unexpectedly with code {crash['code']} at {where}"
    origin = "kickstart's own fatal()" if code.startswith("F") else "the installer it ran" if code[:1] in "IU" \
        else "an unknown origin"
    return f"an error code from {origin}" + (f": {message}" if isinstance(message, str) and message else "")


def dating(document: dict) -> tuple[str, tuple[str, ...], bool]:
    """(which kickstart revisions send this body, why, whether any does): its shape (api_key, the properties in
    order) picks the telemetry_event revisions; an F0106/F050C error names the revisions whose fatal() has that text."""
    props = document.get("properties") if isinstance(document.get("properties"), dict) else {}
    shape = ("api_key" in document, tuple(props))
    found = [r for r in kickstart.REVISIONS if (r.variant.api_key, r.variant.properties) == shape]
    reasons = [f"its shape (api_key {'present' if shape[0] else 'absent'}, {len(shape[1])} properties in this "
               f"order): {_span(found) if found else 'no modelled kickstart'}"]
    code, message = props.get("error_code"), props.get("error_message")
    if found and code in kickstart.DATING_CODES:
        said = [r for r in found if (code, message) in r.messages]
        reasons.append(f"error {code} with this message: {_span(said) if said else 'no modelled kickstart'}")
        found = said
    return (f"kickstart {_span(found)}" if found else "no modelled kickstart sends this body"), tuple(reasons), \
        bool(found)


def _span(found: list) -> str:
    """Revisions as a range of kickstart.REVISIONS (contiguous: each rule picks a run of them)."""
    first, last = found[0], found[-1]
    following = kickstart.REVISIONS.index(last) + 1
    if following == len(kickstart.REVISIONS):
        return f"{first.label} to today"
    return f"{first.label} to before {kickstart.REVISIONS[following].label}"
