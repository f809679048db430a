"""The telemetry push body a v2 dashboard POSTs to <cloud_base_url>/api/v1/telemetry/push, rebuilt (pure).

v1.47.0:src/web/gui/v2/app.08c9fe3ead1d43ff769b.js, module 50876 (sendLog): the object below in this key order,
serialised by the dashboard's HTTP client with JSON.stringify (no spaces, non-ASCII kept, undefined members left out).
"""

import json
import re
from dataclasses import dataclass, field

ENDPOINT_PATH = "/api/v1/telemetry/push"
DEFAULT_CLOUD = "https://app.netdata.cloud"

# Values the browser decides, not the agent: the tool fills them in, marked.
BROWSER_DEPENDENT = ("@timestamp", "event.sequence", "url.full", "user.id", "Netdata.telemetry.session.id",
                     "Netdata.telemetry.visitor.id")
IDENTIFYING = ("labels.machine", "labels.nodeId", "user.id", "url.full", "Netdata.space.id",
               "Netdata.telemetry.visitor.id")


@dataclass(frozen=True)
class Impression:
    machine_guid: str
    agent_url: str  # as the browser addresses the agent, e.g. http://myhost:19999
    hostname: str  # the agent's host name: the route's space slug
    feature: str = "NodesView"
    tab: str = "nodes"
    node_id: str | None = None
    person_guid: str | None = None  # the registry cookie's person GUID, when known
    registry: str | None = "https://registry.my-netdata.io"
    timestamp: str = "1970-01-01T00:00:00.000Z"
    sequence: int = 1
    session_id: str = "00000000-0000-4000-8000-000000000000"
    action: str | None = "element-viewed"
    labels: dict = field(default_factory=dict)
    url: str | None = None  # window.location.href when given; else the route the view lives at


def slug(hostname: str) -> str:
    """The space slug an agent's routes use: its host name, lower-cased, non-alphanumerics as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", hostname.lower()).strip("-")


def page_url(i: Impression) -> str:
    return i.url or f"{i.agent_url.rstrip('/')}/v2/spaces/{slug(i.hostname)}/rooms/local/{i.tab}"


def body(i: Impression) -> dict:
    labels = {**i.labels, "machine": i.machine_guid, **({"nodeId": i.node_id} if i.node_id else {})}
    event = {"action": i.action, "sequence": i.sequence, "provider": "agent"}
    user = {"id": i.person_guid, "domain": i.registry or "localhost"}
    telemetry = {"feature": i.feature, "session": {"id": i.session_id}, "visitor": {"id": i.person_guid}}
    document = {"@timestamp": i.timestamp, "labels": labels, "event": event, "user": user,
                "url": {"full": page_url(i)},
                "Netdata": {"space": {"id": i.machine_guid}, "statistics": {"nodes": {"total": 1}},
                            "telemetry": telemetry}}
    return _without_undefined(document)


def wire(i: Impression) -> bytes:
    return json.dumps(body(i), separators=(",", ":"), ensure_ascii=False).encode()


def _without_undefined(value):
    """JSON.stringify leaves out members whose value is undefined (None here)."""
    if isinstance(value, dict):
        return {k: _without_undefined(v) for k, v in value.items() if v is not None}
    return value


def is_push(document: object) -> bool:
    return isinstance(document, dict) and "@timestamp" in document and isinstance(document.get("Netdata"), dict) \
        and "telemetry" in document["Netdata"]
