"""explain for the v2 dashboard: a captured telemetry push body, member by member (from schemas/dashboard-push), and
the privacy check's `data` parameter (or its whole URL), decrypted with the bundle's key. Pure: bytes in, a document
out. And an observation annotated with what `check` finds in each push body (annotate). Core: it applies
audit.core.identify to the dashboard channel's bodies."""

import re

from audit.channels.dashboard import privacy, push
from audit.plumbing.errors import AuditError

_HEX = re.compile(r"[0-9a-fA-F]{96,}")


def kind_of(raw: bytes) -> str | None:
    """"push", "privacy-check", or None when the input is neither."""
    from audit.plumbing.inputs import NotJson, load_json

    text = raw.decode("utf-8", "replace").strip()
    if text.startswith(privacy.URL) or _HEX.fullmatch(text):
        return "privacy-check"
    try:
        document = load_json(raw, "payload")
    except NotJson:  # too deep is not "not a push": the generic reader says so
        return None
    return "push" if push.is_push(document) else None


def explain_privacy(raw: bytes, key: bytes | None, key_from: str) -> dict:
    """Decrypted with the key read from the agent's bundle (`key_from`: that chunk; with no key, where it was looked
    for: the data is shown, not decrypted)."""
    data = privacy.data_of(raw.decode("utf-8", "replace"))
    if key is None:
        return {"kind": "privacy-check", "source": privacy.SOURCE, "key_from": None, "looked_in": key_from,
                "data": data, "iv": data[:32], "hmac_valid": None, "plaintext": None, "document": None}
    return {"kind": "privacy-check", "source": privacy.SOURCE, "key_from": key_from, **privacy.decode(data, key)}


def explain_push(raw: bytes) -> dict:
    from audit.core import identify
    from audit.plumbing import schemas
    from audit.facts.identity import Identity

    from audit.plumbing.inputs import load_json

    document = load_json(raw, "payload")
    members = schemas.dashboard_push_properties()
    fields = []
    for key, text in identify.fields_of(document):
        meta = members.get(key) or members.get(key.rsplit(".", 1)[0], {}) if key.startswith("labels.") else \
            members.get(key, {})
        fields.append({"field": key, "value": text, "meaning": meta.get("description", "the caller's own prop"),
                       "source": meta.get("x-source", "the caller"), "sensitivity": meta.get("x-sensitivity", ""),
                       "browser": bool(meta.get("x-browser"))})
    problems = [f"{'/'.join(map(str, e.path)) or '(body)'}: {e.message}"
                for e in schemas.validator(SCHEMA_ID).iter_errors(document)]
    findings = [identify.line(f) for f in identify.check(document, Identity())]
    return {"kind": "telemetry-push", "schema": SCHEMA_ID, "feature": document["Netdata"]["telemetry"].get("feature"),
            "fields": fields, "problems": problems, "findings": findings}


SCHEMA_ID = "https://telemetry-audit.dev/schemas/dashboard-push.schema.json"


def explain(raw: bytes, key: bytes | None = None, key_from: str = "") -> dict:
    """`key`: the privacy check's, read from the agent's bundle (privacy.find_key); None: not found."""
    kind = kind_of(raw)
    if kind == "privacy-check":
        return explain_privacy(raw, key, key_from)
    if kind == "push":
        return explain_push(raw)
    raise AuditError("neither a dashboard telemetry push body nor a privacy-check data parameter")


def render(result: dict, label: str) -> list[str]:
    if result["kind"] == "privacy-check" and result["plaintext"] is None:
        return [f"{label}: the v2 dashboard's privacy check (sent to {privacy.URL}; no opt-out stops it)",
                "not decrypted: its key is in the v2 dashboard's bundle, which telemetry-audit does not ship, and no "
                f"bundle chunk holding it was found in {result['looked_in']} (give --dashboard-dir DIR: the agent's "
                "web files)", f"  IV {result['iv']}"]
    if result["kind"] == "privacy-check":
        return [f"{label}: the v2 dashboard's privacy check (sent to {privacy.URL}; no opt-out stops it)",
                f"decrypted with the key in {result['key_from']} (as in {result['source']}):",
                f"  {result['plaintext']}",
                f"  IV {result['iv']}; HMAC-SHA256 " + ("valid" if result["hmac_valid"] else "INVALID")]
    out = [f"{label}: the v2 dashboard's telemetry push ({result['feature']}); sent to "
           f"<cloud_base_url>{push.ENDPOINT_PATH} whatever the opt-out says", "", "fields:"]
    for f in result["fields"]:
        marks = ", ".join(filter(None, [f["sensitivity"], "set by the browser" if f["browser"] else ""]))
        out.append(f"  {f['field']} = {f['value']}")
        out.append(f"      {f['meaning']} ({f['source']}; {marks or 'unclassified'})")
    out += ["", "problems:" if result["problems"] else "valid against the dashboard-push schema"]
    out += [f"  {p}" for p in result["problems"]]
    out += ["", "identifying:"] + [f"  {line}" for line in result["findings"]]
    return out


def annotate(observation: dict, key: bytes | None = None) -> dict:
    """audit.channels.dashboard.annotate, with what check finds in each push body and the privacy check's data
    (decrypted with `key`, the bundle's, when it was found)."""
    from audit.channels.dashboard import purposes

    return purposes.annotate(observation, lambda request, hello: inspect(request, hello, key))


def inspect(request: dict, hello: dict, key: bytes | None = None) -> dict:
    """What `check` finds in a telemetry push's body, and a privacy check's decrypted data."""
    from audit.channels.dashboard import privacy
    from audit.plumbing.errors import AuditError

    if request["purpose"] == "telemetry-push" and request.get("body"):
        from audit.plumbing.inputs import load_json

        try:
            document = load_json(request["body"], "the push body")
        except AuditError as e:
            return {"findings": [str(e)]}
        return {"findings": check_lines(document, hello)}
    if request["purpose"] == "privacy-check" and request.get("query", {}).get("data"):
        if key is None:
            return {"decoded": {"error": "not decrypted: no v2 dashboard bundle with its key was found "
                                         "(observe-dashboard --dashboard-dir DIR)"}}
        try:
            return {"decoded": privacy.decode(request["query"]["data"][0], key)["document"]}
        except AuditError as e:
            return {"decoded": {"error": str(e)}}
    return {}


def check_lines(document: dict, hello: dict) -> list[str]:
    """`check`'s lines for a push body, with the agent's host name and machine GUID from its hello."""
    from audit.core import identify
    from audit.facts.identity import Identity, IdentityValue

    values = tuple(IdentityValue(kind, hello[key], "the agent's registry hello")
                   for kind, key in (("hostname", "hostname"), ("machine-guid", "machine_guid")) if hello.get(key))
    return [identify.line(f) for f in identify.check(document, Identity(values))]
