"""`payload --channel dashboard telemetry-push`: the body a v2 dashboard on this agent would POST for an impression,
built from the agent's registry hello (machine GUID, node id, host name, registry: one request to --agent-url) and
what only the browser knows (its registry cookie, the page's URL, the clock), marked. Browsers send it, not this
tool: the channel cannot be sent."""

import re
import time
from collections.abc import Mapping

from audit.model import payload
from audit.plumbing import jsontext, transport
from audit.channels.dashboard import push
from audit.plumbing.errors import AuditError, Exit

EVENTS = ("telemetry-push",)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def build_request(facts, options: Mapping[str, object]) -> payload.Payload:
    """The edge: `options` are the command's option values by name (event, agent_url, registry_cookie, …); ask the
    agent's hello, then build."""
    event = options.get("event") or "telemetry-push"
    if event not in EVENTS:
        raise AuditError(f"dashboard: unknown body {event!r}: one of {', '.join(EVENTS)}")
    agent_url = options.get("agent_url")
    if not agent_url:
        raise AuditError("dashboard telemetry-push needs --agent-url URL: the address a browser opens the agent at "
                         "(its hello gives the machine GUID, node id and host name)")
    hello = transport.agent_hello(agent_url)
    if hello["error"]:
        raise AuditError(f"could not ask the agent: {hello['error']}", Exit.NETWORK)
    guid = hello.get("machine_guid") or _fact(facts, "machine_guid")
    if not guid:
        raise AuditError(f"{agent_url} told no machine GUID and none is known here (--machine-guid)")
    person = person_guid(options.get("registry_cookie"))
    impression = push.Impression(
        machine_guid=guid, agent_url=agent_url, hostname=hello.get("hostname") or "", node_id=hello.get("node_id"),
        person_guid=person, registry=hello.get("registry"), feature=options.get("feature") or "NodesView",
        tab=options.get("tab") or "nodes", url=options.get("page_url"),
        timestamp=options.get("timestamp") or time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        session_id=options.get("session_id") or push.Impression.session_id)
    given = {path for option, paths in GIVEN_BY.items() if options.get(option) for path in paths}
    return build(impression, frozenset(given))


# The browser-dependent members an option supplies (then they are not marked as filled in).
GIVEN_BY = {"registry_cookie": ("user.id", "Netdata.telemetry.visitor.id"), "page_url": ("url.full",),
            "timestamp": ("@timestamp",), "session_id": ("Netdata.telemetry.session.id",)}


def build(impression: push.Impression, given: frozenset = frozenset()) -> payload.Payload:
    wire = push.wire(impression)
    fields = tuple(payload.Field(key, text, "json", None, key in push.BROWSER_DEPENDENT and key not in given)
                   for key, text in _members(impression))
    marked = [f.key for f in fields if f.assumed]
    warnings = [f"set by the browser, filled in here: {', '.join(marked)}"] if marked else []
    if impression.person_guid is None:
        warnings.append("no person GUID given (--registry-cookie): a browser pushes an impression only once the "
                        "registry gave it one; the url-hash-error push goes without")
    return payload.Payload("telemetry-push", wire, fields, (), tuple(warnings), "dashboard")


def _members(impression: push.Impression) -> list[tuple[str, str]]:
    """The body's members by dotted path (as audit.core.identify.fields_of reads a push)."""
    return jsontext.flattened(push.body(impression))


def person_guid(cookie: str | None) -> str | None:
    if cookie is None:
        return None
    found = _GUID.search(cookie)
    if not found:
        raise AuditError(f"--registry-cookie {cookie!r}: no person GUID in it (netdata_registry_id=GUID)")
    return found.group(0).lower()


def _fact(facts, key: str) -> str | None:
    fact = facts.get(key) if facts else None
    return fact.value if fact is not None else None
