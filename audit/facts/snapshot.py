"""Facts snapshots: everything the payload depends on, saved on one machine and rebuilt on another."""

import json

from audit.plumbing.errors import AuditError
from audit.model.fact import Fact, Facts

FORMAT = "telemetry-audit-facts"
VERSION = 1


def to_json(facts: Facts) -> dict:
    return {"format": FORMAT, "version": VERSION, "facts": {name: fact.to_json() for name, fact in facts.items()}}


def dumps(facts: Facts) -> str:
    return json.dumps(to_json(facts), indent=2, ensure_ascii=False) + "\n"


def load(path: str) -> Facts:
    from audit.plumbing import inputs

    label = f"--facts {path}"
    return from_json(inputs.load_json(inputs.read_input(path, "facts", label), label), path)


def from_json(document: object, where: str = "snapshot") -> Facts:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise AuditError(f"{where}: not a telemetry-audit facts snapshot (expected \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise AuditError(f"{where}: snapshot version {document.get('version')!r} is not supported (expected {VERSION})")
    raw = document.get("facts")
    if not isinstance(raw, dict):
        raise AuditError(f"{where}: \"facts\" must be an object of name -> {{value, source, note, observed}}")
    return {name: _fact(where, name, item) for name, item in raw.items()}


def _fact(where: str, name: str, item: object) -> Fact:
    if not isinstance(item, dict) or "value" not in item or "source" not in item:
        raise AuditError(f"{where}: /facts/{name}: expected an object with \"value\" and \"source\"")
    value, source = item["value"], item["source"]
    if "value_base64" in item:
        value = _exact_bytes(where, name, item["value_base64"])
    note, observed = item.get("note", ""), item.get("observed", True)
    if not (value is None or isinstance(value, str)) or not isinstance(source, str) \
            or not isinstance(note, str) or not isinstance(observed, bool):
        raise AuditError(f"{where}: /facts/{name}: value must be a string or null, source and note strings, "
                         "observed a boolean")
    return Fact(value, source, note, observed)


def _exact_bytes(where: str, name: str, data: object) -> str:
    """The value as the tool holds it (bytes that are not UTF-8 as surrogates), from its base64 form."""
    from audit.plumbing import jsontext

    try:
        if not isinstance(data, str):
            raise ValueError
        return jsontext.from_base64(data)
    except ValueError:
        raise AuditError(f"{where}: /facts/{name}/value_base64: not base64") from None
