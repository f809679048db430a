"""Explain a received installer body: the event and its error code (pure). The secrets in install_options and
what the distinct id links are the identifying-data rules in channel.py (SECRETS_IN, IDENTIFIERS)."""

import re
from collections.abc import Mapping

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
