"""Facts snapshots: everything the payload depends on, saved on one machine and rebuilt on another."""

import json
from dataclasses import dataclass

from audit.plumbing.errors import AuditError
from audit.model.fact import Fact, Facts

FORMAT = "telemetry-audit-facts"
VERSION = 1


@dataclass(frozen=True)
class Variant:
    """What changes in a snapshot's facts for another agent version: from release `since` on (build "other": not
    the installed binary), or the installed binary at its own version (build "installed")."""
    since: str
    build: str
    facts: Facts  # the facts whose values differ from the snapshot's
    absent: tuple[str, ...] = ()  # facts the snapshot has and this version does not

    def to_json(self) -> dict:
        return {"since": self.since, "build": self.build,
                "facts": {name: fact.to_json() for name, fact in self.facts.items()}, "absent": list(self.absent)}


def variant(since: str, build: str, base: Facts, version_facts: Facts) -> Variant:
    changed = {name: fact for name, fact in version_facts.items() if base.get(name) != fact}
    absent = tuple(name for name in base if name not in version_facts and _version_dependent(name))
    return Variant(since, build, changed, absent)


def _version_dependent(name: str) -> bool:
    """A fact the version-dependent readings may or may not produce (system-info.sh's NETDATA_*, analytics.*)."""
    return name.startswith(("NETDATA_", "analytics."))


def apply_variant(facts: Facts, variants: list[Variant], version: str) -> None:
    """The snapshot's facts as an agent of `version` would read that machine: its own build when it is the
    installed version, else the stretch of releases it falls in. A snapshot without variants keeps its facts."""
    from audit.plumbing import versions

    installed = facts.get("agent.version")
    chosen = next((v for v in variants if v.build == "installed" and installed is not None
                   and v.since == installed.value == version), None)
    if chosen is None:
        wanted = versions.parse(version)[:2]
        others = [v for v in variants if v.build == "other"]
        below = [v for v in others if versions.parse(v.since)[:2] <= wanted]
        chosen = below[-1] if below else (others[0] if others else None)
    if chosen is None:
        return
    for name in chosen.absent:
        facts.pop(name, None)
    facts.update(chosen.facts)


def rebase(variants: list[Variant], old: Facts, new: Facts) -> list[Variant]:
    """The same variants as differences from `new` (a snapshot saved again for another version)."""
    def whole(v: Variant) -> Facts:
        return {**{k: f for k, f in old.items() if k not in v.absent}, **v.facts}

    return [variant(v.since, v.build, new, whole(v)) for v in variants]


def to_json(facts: Facts, variants: list[Variant] | None = None) -> dict:
    document = {"format": FORMAT, "version": VERSION, "facts": {name: fact.to_json() for name, fact in facts.items()}}
    if variants:
        document["variants"] = [v.to_json() for v in variants]
    return document


def dumps(facts: Facts, variants: list[Variant] | None = None) -> str:
    return json.dumps(to_json(facts, variants), indent=2, ensure_ascii=False) + "\n"


def load(path: str) -> Facts:
    return load_with_variants(path)[0]


def load_with_variants(path: str) -> tuple[Facts, list[Variant]]:
    from audit.plumbing import inputs

    label = f"--facts {path}"
    document = inputs.load_json(inputs.read_input(path, "facts", label), label)
    return from_json(document, path), _variants(document, path)


def _variants(document: dict, where: str) -> list[Variant]:
    from audit.plumbing import versions

    raw = document.get("variants", [])
    if not isinstance(raw, list):
        raise AuditError(f"{where}: \"variants\" must be a list")
    found = []
    for i, item in enumerate(raw):
        if not (isinstance(item, dict) and isinstance(item.get("since"), str)
                and item.get("build") in ("other", "installed") and isinstance(item.get("facts"), dict)
                and isinstance(item.get("absent", []), list)
                and all(isinstance(name, str) for name in item.get("absent", []))):
            raise AuditError(f"{where}: /variants/{i}: expected {{since, build: other|installed, facts, absent}}")
        versions.parse(item["since"], f"{where}: /variants/{i}/since")
        facts = {name: _fact(where, f"variants/{i}/facts/{name}", fact) for name, fact in item["facts"].items()}
        found.append(Variant(item["since"], item["build"], facts, tuple(item.get("absent", []))))
    return sorted(found, key=lambda v: versions.parse(v.since))


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
