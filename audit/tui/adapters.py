"""The TUI's only door into the core: field meanings, opt-out verdicts, sending and the journal.

Everything here is plain Python (no Textual), so it can be tested and reused. Where a core module the TUI needs
is not there yet (schemas, optout, transport, journal are written by others), a small, clearly marked fallback
keeps the screen useful; the fallbacks step aside as soon as the real module can be imported.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import AuditError
from audit.facts.model import Facts
from audit.payload import Field, Payload

# Netdata's real ingestion URL for the agent backend channel (facts §1); --endpoint overrides it.
NETDATA_ENDPOINT = "https://us-east1-netdata-analytics-bi.cloudfunctions.net/ingest_agent_events"
SEND_TIMEOUT = 2.0  # the script's curl --max-time 2


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def default_endpoint() -> str:
    transport = _optional("audit.transport")
    for attr in ("DEFAULT_ENDPOINT", "ENDPOINT", "BACKEND_ENDPOINT"):
        value = getattr(transport, attr, None)
        if isinstance(value, str):
            return value
    return NETDATA_ENDPOINT


# ----------------------------------------------------------------------------------------------------------------
# Field meanings (schemas/backend-event.schema.json annotations)

# Used only while the schemas are missing: the three values that identify this machine (facts §3).
_FALLBACK_IDENTIFIERS = frozenset({"distinct_id", "netdata_machine_guid", "system_distinct_id"})


@dataclass(frozen=True)
class Meaning:
    description: str = ""
    sensitivity: str = ""  # identifier | environment | configuration | usage, or "" when unknown
    since: str = ""


def field_meanings() -> dict[str, Meaning]:
    """key -> Meaning, from the backend schema; identifiers only (no descriptions) when schemas are missing."""
    try:
        from audit import schemas

        props = schemas.backend_properties()
    except Exception:  # schemas not written yet, or a broken install: degrade, never crash the screen
        return {key: Meaning(sensitivity="identifier") for key in _FALLBACK_IDENTIFIERS}
    return {key: Meaning(str(p.get("description", "")), str(p.get("x-sensitivity", "")), str(p.get("x-since", "")))
            for key, p in props.items() if isinstance(p, dict)}


def field_source(f: Field, facts: Facts) -> str:
    if f.fact and f.fact in facts:
        fact = facts[f.fact]
        return fact.source + (" (assumed)" if not fact.observed else "")
    if f.form == "const":
        return "constant in the script"
    if f.key in ("action", "action_result", "action_data"):
        return "event request"
    return "daemon default (null)" if f.text == "null" else "script"


# ----------------------------------------------------------------------------------------------------------------
# Opt-out

@dataclass(frozen=True)
class ComponentVerdict:
    component: str
    sends: bool
    mechanisms: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptOutView:
    available: bool  # False: audit/optout.py is not there yet
    components: tuple[ComponentVerdict, ...] = ()
    backend_sends: bool = True
    block_reason: str | None = None  # why sending the backend payload is refused; None: allowed
    disagreements: tuple[str, ...] = ()
    summary: str = ""


def _texts(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        else:
            name = getattr(item, "name", None) or getattr(item, "mechanism", None)
            detail = getattr(item, "detail", None) or getattr(item, "text", None) or getattr(item, "evidence", None)
            out.append(" ".join(str(x) for x in (name, detail) if x) or str(item))
    return tuple(out)


def _script_gate(config_dir: str, env: dict[str, str]) -> str | None:
    """Fallback only (until audit/optout.py lands): the statistics script's own opt-out test (facts §3)."""
    for name in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        if env.get(name):
            return f"{name}={env[name]} is set (the statistics script exits without sending)"
    path = Path(config_dir) / ".opt-out-from-anonymous-statistics"
    if path.exists():
        return f"{path} exists (the statistics script exits without sending)"
    return None


def optout_view(facts: Facts, config_dir: str, env: dict[str, str] | None = None) -> OptOutView:
    env = dict(os.environ if env is None else env)
    optout = _optional("audit.optout")
    if optout is None or not hasattr(optout, "evaluate"):
        reason = _script_gate(config_dir, env)
        return OptOutView(False, backend_sends=reason is None, block_reason=reason,
                          summary="opt-out evaluation (audit/optout.py) is not available yet; "
                                  "sending is gated by the statistics script's own test")
    return _from_optout(optout, facts, config_dir, env)


def _from_optout(optout, facts: Facts, config_dir: str, env: dict[str, str]) -> OptOutView:
    result = _call_evaluate(optout, facts, config_dir, env)
    raw_components = getattr(result, "components", ())
    if isinstance(raw_components, dict):
        raw_components = [dict(v, component=k) if isinstance(v, dict) else v for k, v in raw_components.items()]
    components = []
    for c in raw_components:
        get = (lambda k, d=None: c.get(k, d)) if isinstance(c, dict) else (lambda k, d=None: getattr(c, k, d))
        components.append(ComponentVerdict(str(get("component") or get("name")), bool(get("sends", True)),
                                           _texts(get("mechanisms") or get("suppressed_by")),
                                           _texts(get("evidence"))))
    backend = getattr(result, "backend", None)
    sends = getattr(backend, "sends", None) if backend is not None else getattr(result, "backend_sends", None)
    if sends is None:
        script = next((c for c in components if c.component == "script"), None)
        sends = script.sends if script else True
    reason = None
    if not sends:
        reason = (getattr(backend, "reason", None) or getattr(result, "reason", None)
                  or "; ".join(e for c in components if not c.sends for e in (c.mechanisms or c.evidence))
                  or "an opt-out applies to the backend channel")
    return OptOutView(True, tuple(components), bool(sends), reason,
                      _texts(getattr(result, "disagreements", ())), str(getattr(result, "summary", "") or ""))


def _call_evaluate(optout, facts, config_dir, env):
    from audit import versions
    from audit.facts.system import System

    fact = facts.get("netdata_version")
    version = fact.value if fact and fact.value else versions.LAST_SCRIPT_VERSION
    return optout.evaluate(System(env=env), config_dir, version)


def apply_optout(config_dir: str) -> str:
    """Create the opt-out file; returns what was done. Uses audit/optout.py when present."""
    optout = _optional("audit.optout")
    fn = getattr(optout, "apply", None) if optout else None
    if fn is not None:
        return str(fn(config_dir) or "opt-out applied")
    raise AuditError("applying the opt-out needs audit/optout.py, which is not available yet")


def revert_optout(config_dir: str) -> str:
    optout = _optional("audit.optout")
    fn = getattr(optout, "revert", None) if optout else None
    if fn is not None:
        return str(fn(config_dir) or "opt-out reverted")
    raise AuditError("reverting the opt-out needs audit/optout.py, which is not available yet")


# ----------------------------------------------------------------------------------------------------------------
# Sending and the journal

@dataclass(frozen=True)
class Outcome:
    decision: str  # sent | refused | suppressed | failed
    detail: str
    status: int | None = None


def send(wire: bytes, endpoint: str, timeout: float = SEND_TIMEOUT) -> Outcome:
    transport = _optional("audit.transport")
    if transport is not None and hasattr(transport, "post"):
        result = transport.post(wire, endpoint, timeout)
        decision = str(result.outcome)
        status = getattr(result, "status", None)
        detail = str(getattr(result, "detail", None) or getattr(result, "message", None) or decision)
        return Outcome(decision if not hasattr(decision, "value") else decision.value, detail, status)
    return _fallback_post(wire, endpoint, timeout)


def _fallback_post(wire: bytes, endpoint: str, timeout: float) -> Outcome:
    """Fallback only (until audit/transport.py lands): one POST, like the script's curl call."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(endpoint, data=wire, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the user confirmed)
            return Outcome("sent", f"HTTP {response.status}", response.status)
    except urllib.error.HTTPError as e:
        return Outcome("sent", f"HTTP {e.code} (the server refused it)", e.code)
    except (urllib.error.URLError, OSError) as e:
        return Outcome("failed", str(getattr(e, "reason", e)))


def default_journal_path() -> Path:
    journal = _optional("audit.journal")
    for attr in ("default_path", "DEFAULT_PATH"):
        value = getattr(journal, attr, None) if journal else None
        if callable(value):
            return Path(value())
        if value:
            return Path(value)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "telemetry-audit" / "journal.jsonl"


@dataclass(frozen=True)
class JournalEntry:
    time: str
    decision: str
    event: str
    sha256: str
    size: int
    endpoint: str = ""
    detail: str = ""
    extra: dict = field(default_factory=dict)


def record(path: Path, payload: Payload, outcome: Outcome, endpoint: str = "") -> JournalEntry:
    entry = JournalEntry(time.strftime("%Y-%m-%dT%H:%M:%S%z"), outcome.decision, payload.event, payload.sha256,
                         len(payload.wire), endpoint, outcome.detail)
    journal = _optional("audit.journal")
    if journal is not None and hasattr(journal, "append"):
        _journal_append(journal, path, payload, outcome, endpoint)
        return entry
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"time": entry.time, "decision": entry.decision, "event": entry.event, "sha256": entry.sha256,
            "bytes": entry.size, "endpoint": endpoint, "detail": entry.detail, "status": outcome.status}
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return entry


def _journal_append(journal, path, payload, outcome, endpoint) -> None:
    journal.append(str(path), {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "event": payload.event,
                               "sha256": payload.sha256, "bytes": len(payload.wire), "endpoint": endpoint,
                               "outcome": outcome.decision, "decision": outcome.decision, "status": outcome.status,
                               "detail": outcome.detail, "source": "tui"})


def entries(path: Path) -> list[JournalEntry]:
    journal = _optional("audit.journal")
    if journal is not None and hasattr(journal, "entries") or journal is not None and hasattr(journal, "list"):
        found = journal.entries(str(path))
        out = []
        for e in (found[0] if isinstance(found, tuple) else found):
            get = (lambda k, d="": e.get(k, d)) if isinstance(e, dict) else (lambda k, d="": getattr(e, k, d))
            out.append(JournalEntry(str(get("time")), str(get("decision") or get("outcome")), str(get("event")),
                                    str(get("sha256")), int(get("bytes", 0) or get("size", 0) or 0),
                                    str(get("endpoint")), str(get("detail"))))
        return out
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        out.append(JournalEntry(d.get("time", ""), d.get("decision", ""), d.get("event", ""), d.get("sha256", ""),
                                int(d.get("bytes", 0)), d.get("endpoint", ""), d.get("detail", "")))
    return out


def save_wire(path: str, wire: bytes) -> Path:
    target = Path(path).expanduser()
    try:
        target.write_bytes(wire)
    except OSError as e:
        raise AuditError(f"{target}: cannot write ({e.strerror})") from None
    return target
