"""Explain a received agent-events body: the cause, the health, and what each identifier in it links (pure)."""

from audit.plumbing import schemas
from audit.channels.agent_events import causes

# identifier kind (the schema's x-identifies) -> what it links
LINKS = {
    "machine-guid": "every report from this agent install, across restarts, and to the backend channel's "
                    "netdata_machine_guid",
    "machine-id": "this OS install, across agent reinstalls (the raw /etc/machine-id, not a hash)",
    "boot-id": "every report sent during one boot of the machine",
    "invocation-id": "this report to the agent's own logs of the run it describes",
    "node-id": "this agent to its Netdata Cloud node",
    "claim-id": "this agent to a Netdata Cloud space, so to the account that claimed it",
    "hardware-uuid": "this exact board or VM at its vendor or cloud provider, across OS reinstalls",
    "timezone": "a rough location",
    "cloud-region": "the cloud region the machine runs in",
}
# status-file `version` -> the releases that write it
WRITTEN_BY = {27: ((2, 4), (2, 4)), 28: ((2, 5), (2, 10)), 29: ((2, 11), None)}


def explain_reading(reading, sha256: str):
    from audit.model.explanation import Explanation, FieldNote, Finding

    document = {p.key: p.value for p in reading.props}
    nested = _nest(reading.props)
    annotations = schemas.agent_events_properties()
    findings = [Finding(p.pointer, p.message) for p in schemas.problems(nested, schemas.AGENT_EVENTS_ID)]
    if reading.json_error:
        findings.insert(0, Finding("/", f"not valid JSON: {reading.json_error}"))
    notes = []
    for prop in reading.props:
        meta = annotations.get(prop.key)
        notes.append(FieldNote(prop.key, prop.value, prop.text, None, meta is not None,
                               (meta or {}).get("description", "not a member of the agent-events body"),
                               str((meta or {}).get("x-source", "")), str((meta or {}).get("x-sensitivity", "")),
                               (meta or {}).get("x-since-release")))
    unknown = tuple(p.key for p in reading.props if p.key not in annotations)
    cause = document.get("exit_cause")
    return Explanation(len(reading.raw), sha256, reading.valid_json, reading.json_error, cause, cause,
                       schemas.AGENT_EVENTS_ID, tuple(notes), unknown, (), tuple(findings),
                       decode(document, annotations), version_range(document))


def _nest(props) -> dict:
    out: dict = {}
    for prop in props:
        node = out
        parts = prop.key.split(".") if prop.key != "@timestamp" else [prop.key]
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = prop.value
    return out


def decode(document: dict, annotations: dict) -> dict:
    out: dict = {}
    name = document.get("exit_cause")
    cause = causes.BY_NAME.get(name) if isinstance(name, str) else None
    if cause is not None:
        crash = "counts as a crash (sent with `crash reports = crashes`)" if cause.crash else \
            "not a crash (sent only with `crash reports = all`, the default)"
        out["cause"] = {"value": name, "meaning": f"{cause.meaning}; {crash}"}
    health = document.get("agent_health")
    if isinstance(health, str):
        kind, _, trend = health.partition("-")
        ended = "crashed" if kind == "crash" else "ended cleanly"
        out["health"] = {"value": health, "meaning": f"the previous run {ended}; {_TRENDS.get(trend, 'unknown trend')}"}
    for path, meta in annotations.items():
        kind = meta.get("x-identifies")
        value = document.get(path)
        if kind and value not in (None, "", "unknown"):
            out[path] = {"value": value, "meaning": f"{kind}: links {LINKS.get(kind, 'reports together')}"}
    return out


_TRENDS = {"first": "the first start of this install", "loop": "at least two in a row ended this way",
           "repeated": "the last one ended this way too", "entered": "after a run of clean starts",
           "recovered": "after a crash"}


def version_range(document: dict):
    from audit.model.explanation import VersionRange

    version = document.get("version")
    reasons = []
    span = WRITTEN_BY.get(version) if isinstance(version, int) and not isinstance(version, bool) else None
    if span is None:
        return VersionRange(None, None, (f"version {version!r} is not a status-file version any release writes",),
                            possible=False)
    reasons.append(f"version {version}: STATUS_FILE_VERSION of Netdata v{span[0][0]}.{span[0][1]}"
                   + (f" to v{span[1][0]}.{span[1][1]}.x" if span[1] else " and later"))
    has_ids = "hw.product.id" in document or "product.id" in document
    if has_ids != (version >= 29):
        reasons.append("hw.product.id/product.id are emitted from v2.11.0 only: this body mixes versions")
        return VersionRange(span[0], span[1], tuple(reasons), possible=False)
    if document.get("@timestamp") == "" or document.get("host.disk.netdata.last_updated") == "":
        low = max(span[0], (2, 8))
        reasons.append("an empty timestamp string: v2.8.0 and later")
        span = (low, span[1])
    return VersionRange(span[0], span[1], tuple(reasons))
