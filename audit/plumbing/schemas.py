"""The one schema loader: every schema under schemas/ (shipped inside the wheel as audit/schemas),
checked once, registered by $id, so $refs resolve locally and never over the network."""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from audit.plumbing.errors import AuditError

BASE = "https://telemetry-audit.dev/schemas/"
BACKEND_ID = BASE + "backend-event.schema.json"
INSTALLER_ID = BASE + "installer-event.schema.json"
FACTS_ID = BASE + "facts-snapshot.schema.json"
AGENT_EVENTS_ID = BASE + "agent-events.schema.json"
AGENT_EVENTS_FILE = "agent-events.schema.json"
DASHBOARD_PUSH_FILE = "dashboard-push.schema.json"


def schema_dir() -> Path:
    package = Path(__file__).resolve().parent.parent  # audit/
    packaged = package / "schemas"  # inside the wheel
    return packaged if packaged.is_dir() else package.parent / "schemas"  # a source checkout or editable install


BACKEND_FILE = "backend-event.schema.json"


@cache
def all_schemas() -> dict[str, dict]:
    folder = schema_dir()
    _read(folder / BACKEND_FILE)  # a clear error when the installation lacks its schemas
    return {schema["$id"]: schema for schema in map(_read, sorted(folder.rglob("*.schema.json")))}


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise AuditError(f"schemas are missing from {path.parent}: the installation is incomplete") from None


@cache
def registry():
    from referencing import Registry, Resource  # jsonschema's stack is slow to import; reading annotations needs none

    return Registry().with_resources((sid, Resource.from_contents(s)) for sid, s in all_schemas().items())


def schema(schema_id: str) -> dict:
    try:
        return all_schemas()[schema_id]
    except KeyError:
        raise AuditError(f"no schema {schema_id}") from None


def event_schema_id(event: str) -> str:
    return f"{BASE}events/{event}.schema.json"


@cache
def validator(schema_id: str):
    from jsonschema import Draft202012Validator

    _check_schemas()
    return Draft202012Validator(schema(schema_id), registry=registry())


@cache
def _check_schemas() -> None:
    """A broken schema stops validation with jsonschema's error rather than giving wrong verdicts."""
    from jsonschema import Draft202012Validator

    for each in all_schemas().values():
        Draft202012Validator.check_schema(each)


@cache
def backend_properties() -> dict[str, dict]:
    """Every backend payload property with its annotations, in wire order (reads only that one schema)."""
    return _read(schema_dir() / BACKEND_FILE)["properties"]["properties"]["properties"]


@cache
def installer_properties() -> dict[str, dict]:
    """Every installer payload property (all releases) with its annotations, in wire order."""
    return _read(schema_dir() / "installer-event.schema.json")["properties"]["properties"]["properties"]


@cache
def agent_events_properties() -> dict[str, dict]:
    """Every agent-events body member by dotted path (host.boot.id), with its annotations, in body order."""
    return _members(AGENT_EVENTS_FILE)


@cache
def dashboard_push_properties() -> dict[str, dict]:
    """Every member of the v2 dashboard's telemetry push by dotted path (labels.machine), with its annotations."""
    return _members(DASHBOARD_PUSH_FILE)


def _members(file: str) -> dict[str, dict]:
    out: dict[str, dict] = {}

    def walk(props: dict, prefix: str) -> None:
        for name, meta in props.items():
            if meta.get("type") == "object" and "properties" in meta:
                walk(meta["properties"], f"{prefix}{name}.")
            else:
                out[f"{prefix}{name}"] = meta

    walk(_read(schema_dir() / file)["properties"], "")
    return out


@cache
def backend_top_members() -> dict[str, dict]:
    """The backend body's top-level members besides event and properties (PostHog's api_key up to v1.39)."""
    top = _read(schema_dir() / BACKEND_FILE)["properties"]
    return {key: meta for key, meta in top.items() if key not in ("event", "properties")}


def _backend_members() -> dict[str, dict]:
    return {**backend_top_members(), **backend_properties()}


def channel_properties(channel: str) -> dict[str, dict]:
    """A channel's body members with their annotations (agent-events by dotted path); the backend's by default."""
    return {"installer": installer_properties, "agent-events": agent_events_properties,
            "dashboard": dashboard_push_properties}.get(channel, _backend_members)()


@dataclass(frozen=True)
class Layout:
    """The backend body of a range of releases (a branch of the backend schema's anyOf): the members it has."""
    since: str
    until: str | None
    has: frozenset[str]
    lacks: frozenset[str]


@cache
def backend_layouts() -> tuple[Layout, ...]:
    return tuple(map(_layout, _read(schema_dir() / BACKEND_FILE)["anyOf"]))


def _layout(branch: dict) -> Layout:
    top = branch.get("properties", {})
    inner = top.get("properties", {})
    lacks = [key for key, rule in {**top, **inner.get("properties", {})}.items() if rule is False]
    span = branch["x-versions"]
    return Layout(span["since"], span["until"], frozenset(branch.get("required", []) + inner.get("required", [])),
                  frozenset(lacks))


def layout_members() -> list[str]:
    """The members whose presence depends on the release, in body order."""
    varying = set().union(*(layout.has | layout.lacks for layout in backend_layouts()))
    return [key for key in _backend_members() if key in varying]


def _carries(document: dict, member: str) -> bool:
    body = document if member in backend_top_members() else document.get("properties")
    return isinstance(body, dict) and member in body


def layout_mix(document: dict) -> str:
    """Why a body fits no release's layout: which layout members it has and lacks, and who sends each."""
    parts = []
    for member in layout_members():
        senders = [layout for layout in backend_layouts() if member in layout.has]
        since, until = senders[0].since, senders[-1].until
        span = f"{since} to {until}.x" if until else f"{since} and later"
        parts.append(f"{'has' if _carries(document, member) else 'lacks'} {member} (sent by {span})")
    return "mixes the body layouts of different releases, so no release sent it: " + ", ".join(parts)


@cache
def _event_schema_ids() -> dict[str, str]:
    prefix = f"{BASE}events/"
    return {sid[len(prefix):-len(".schema.json")]: sid for sid in all_schemas() if sid.startswith(prefix)}


def backend_schema_for(document: object) -> str:
    """A backend body's most specific schema: its event's own, else the backend's (audit.channels.schema_for
    picks the channel first)."""
    props = document.get("properties") if isinstance(document, dict) else None
    action = props.get("action") if isinstance(props, dict) else None
    if isinstance(action, str) and action in _event_schema_ids():
        return _event_schema_ids()[action]
    return BACKEND_ID


@dataclass(frozen=True)
class Problem:
    pointer: str  # JSON pointer into the document
    message: str
    keyword: str = ""  # the schema keyword that failed: type, const, required, ...


@cache
def _fast_validators() -> dict:
    """jsonschema-rs (compiled) answers yes/no ~30x faster than jsonschema; jsonschema stays the reference
    for error messages. Without it (no wheel for this platform) every check takes the slow path."""
    try:
        import jsonschema_rs
    except ImportError:
        return {}
    found = all_schemas()
    shared = jsonschema_rs.Registry(list(found.items()))
    return {sid: jsonschema_rs.validator_for(s, registry=shared) for sid, s in found.items()}


def problems(document: object, schema_id: str) -> list[Problem]:
    """What is wrong with `document` against the schema `schema_id` (audit.channels.schema_for finds a body's)."""
    if _fast_valid(schema_id, document):
        return []
    check = validator(schema_id)
    errors = sorted(check.iter_errors(document), key=lambda e: (list(e.absolute_path), e.message))
    return [Problem(_pointer(e.absolute_path), _message(e), str(e.validator)) for e in errors]


def _fast_valid(schema_id: str, document: object) -> bool:
    """The compiled validator's yes; no answer (False) for text holding bytes that are not UTF-8, which it cannot
    take (surrogate escapes): jsonschema then decides."""
    fast = _fast_validators().get(schema_id)
    try:
        return fast is not None and fast.is_valid(document)
    except UnicodeEncodeError:
        return False


def _message(error) -> str:
    if error.validator == "anyOf" and isinstance(error.instance, dict) \
            and all("x-versions" in branch for branch in error.validator_value):  # the releases' layouts
        return layout_mix(error.instance)
    return _RAW_BYTE_REPR.sub(r"\\x\1", error.message)  # a byte that is not UTF-8, as printed everywhere


_RAW_BYTE_REPR = re.compile(r"\\udc([89a-f][0-9a-f])")  # how repr() shows such a byte in jsonschema's messages


def _pointer(path) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path) or "/"
