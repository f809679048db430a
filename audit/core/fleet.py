"""The fleet view: host reports (audit/core/report.py) folded one at a time into one tally, so memory holds the tally,
never the documents. Reading is here too (files in, tally out); rendering is audit/faces/fleetview.py.
"""

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from audit.core import report
from audit.plumbing import inputs
from audit.plumbing.errors import AuditError

FORMAT = "telemetry-audit-fleet"
VERSION = 1
MAX_DOCUMENT = 16 * 2**20  # a host report is a few KiB; anything this large is not one
NO_AGENT = "no agent"
ASSUMED = " (assumed)"  # after a version the report did not observe (the tool's default, not the host's)


@dataclass
class ChannelTally:
    hosts: int = 0  # documents that carry this channel
    states: Counter = field(default_factory=Counter)
    sending: list[str] = field(default_factory=list)
    reasons: dict[str, list[str]] = field(default_factory=dict)  # why it sends -> hosts

    def to_json(self) -> dict:
        return {"hosts": self.hosts, "sending": len(self.sending), "sending_hosts": self.sending,
                "states": dict(sorted(self.states.items())),
                "reasons": [{"why": why, "hosts": hosts} for why, hosts in self.reasons.items()]}


@dataclass
class HostRow:
    """One line per host for the sortable table (short strings only)."""
    host: str
    version: str
    states: dict[str, str]
    identifying: str
    claim_token: bool
    path: str


@dataclass
class Fleet:
    documents: int = 0
    hosts_sending: int = 0
    channels: dict[str, ChannelTally] = field(default_factory=dict)
    identifying: list[dict] = field(default_factory=list)
    claim_tokens: list[dict] = field(default_factory=list)
    versions: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    rows: list[HostRow] | None = None  # kept only when a view needs a line per host
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # a host name in several reports -> them
    _first: dict[str, str] = field(default_factory=dict)  # each label -> the report that had it first
    _found: dict = field(default_factory=dict)

    def add(self, doc: dict, path: str) -> None:
        host = self._label(doc.get("host"), path)
        self.documents += 1
        agent = doc["agent"]
        self.versions[self._version_label(agent)] += 1
        odd = []
        for name, c in doc["channels"].items():
            tally = self.channels.setdefault(name, ChannelTally())
            tally.hosts += 1
            tally.states[c["state"]] += 1
            if c["sends"]:
                tally.sending.append(host)
                tally.reasons.setdefault(c["why"], []).append(host)
            check = c.get("check") or {}
            if check.get("unexpected"):
                odd.append((name, c["sends"], check["event"], tuple(check.get("identifying", ()))))
        if any(c["sends"] for c in doc["channels"].values()):
            self.hosts_sending += 1
        if odd:
            self.identifying.append({"host": host, "found": self._shared(tuple(odd))})
        install = doc["install_options"]
        if install["claim_token"]:
            self.claim_tokens.append({"host": host, "path": install["path"], "recorded": install["recorded"]})
        if self.rows is not None:
            states = {n: c["state"] for n, c in doc["channels"].items()}
            found = "; ".join(f"{name}: {', '.join(kinds)}" for name, _, _, kinds in odd)
            self.rows.append(HostRow(host, self._version_label(agent), states, found, install["claim_token"], path))

    def _shared(self, found: tuple) -> list[dict]:
        """One (read-only) list per distinct finding: a fleet built from one image has the same finding on every
        host, and ten thousand copies of it would make memory grow with the fleet."""
        if found not in self._found:
            self._found[found] = [{"channel": name, "sends": sends, "event": event, "kinds": list(kinds)}
                                  for name, sends, event, kinds in found]
        return self._found[found]

    def error(self, path: str, message: str) -> None:
        self.errors.append({"path": path, "error": message})

    def _label(self, host: object, path: str) -> str:
        """The host name the document carries (the file's name when it carries none); a name seen already is
        recorded as a duplicate and labelled with its path."""
        named = isinstance(host, str) and host
        name = host if named else f"({Path(path).name})"
        if name in self._first:
            if named:
                self.duplicates.setdefault(name, [self._first[name]]).append(path)
            name = f"{name} ({path})"
        self._first[name] = path
        return name

    @staticmethod
    def _version_label(agent: dict) -> str:
        if not agent["found"]:
            return NO_AGENT
        version = agent["version"]
        return (version["value"] or "unknown") + ("" if version["observed"] else ASSUMED)

    @property
    def sends(self) -> bool:
        return self.hosts_sending > 0

    def to_json(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "documents": self.documents,
                "hosts_sending": self.hosts_sending,
                "channels": {name: t.to_json() for name, t in self.channels.items()},
                "identifying": self.identifying, "claim_tokens": self.claim_tokens,
                "versions": dict(sorted(self.versions.items(), key=version_order)),
                "duplicates": [{"host": host, "reports": paths} for host, paths in self.duplicates.items()],
                "errors": self.errors}


def version_order(item: tuple[str, int]) -> tuple:
    """Releases in version order (an assumed one after the same observed), then anything else by name."""
    from audit.plumbing import versions
    from audit.plumbing.errors import AuditError

    try:
        return (0, versions.parse(item[0].removesuffix(ASSUMED)), item[0])
    except AuditError:
        return (1, (), item[0])


def document_paths(targets: Iterable[str], fleet: Fleet) -> Iterator[str]:
    """Files as given, and every *.json under a directory (sorted, so the table is reproducible)."""
    for target in targets:
        if os.path.isdir(target):
            found = False
            for folder, dirs, files in os.walk(target):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".json"):
                        found = True
                        yield os.path.join(folder, name)
            if not found:
                fleet.error(target, "no *.json host reports in this directory")
        elif os.path.exists(target):
            yield target
        else:
            fleet.error(target, "no such file or directory")


def read(targets: Iterable[str], keep_rows: bool = False) -> Fleet:
    fleet = Fleet(rows=[] if keep_rows else None)
    for path in document_paths(targets, fleet):
        doc, problem = load(path)
        if problem:
            fleet.error(path, problem)
        else:
            fleet.add(doc, path)
    return fleet


def load(path: str) -> tuple[dict | None, str | None]:
    """A host report, or why this file is not one (never raises for a bad file)."""
    try:
        raw = inputs.read_limited(path, MAX_DOCUMENT)  # a FIFO or device is refused, not read
    except AuditError as e:
        return None, str(e).removeprefix(f"{path}: ")
    if len(raw) > MAX_DOCUMENT:
        return None, f"larger than {MAX_DOCUMENT // 2**20} MiB, the most a host report is read to (one is a few KiB)"
    text, not_utf8 = inputs.decode(raw)
    if not_utf8:  # the tool writes reports with such bytes as \\xHH text (audit.plumbing.jsontext)
        return None, f"not valid JSON ({not_utf8})"
    try:
        doc = inputs.load_json(text, path)
    except inputs.NotJson as e:
        return None, f"not valid JSON ({e.reason})"
    except inputs.TooDeep:
        return None, f"not valid JSON (nested more than {inputs.MAX_DEPTH} levels deep)"
    return doc, problem(doc)


def problem(doc: object) -> str | None:
    if not isinstance(doc, dict) or doc.get("format") != report.FORMAT:
        kind = f"\"format\": {json.dumps(doc.get('format'))}" if isinstance(doc, dict) and "format" in doc else \
            f"a JSON {type(doc).__name__}" if not isinstance(doc, dict) else "no \"format\""
        return f"foreign document ({kind}): not a telemetry-audit host report"
    if doc.get("version") != report.VERSION:
        return (f"host report version {json.dumps(doc.get('version'))} is not supported (expected "
                f"{report.VERSION}; use the telemetry-audit that wrote it)")
    if _validator().is_valid(doc):
        return None
    from audit.plumbing import schemas

    first = schemas.problems(doc, HOST_REPORT_ID)
    return "does not match host-report.schema.json: " + (
        f"{first[0].pointer}: {first[0].message}" if first else "invalid")


HOST_REPORT_ID = "https://telemetry-audit.dev/schemas/host-report.schema.json"


@cache
def _validator():
    """jsonschema-rs for the yes/no (the 10,000-host budget), jsonschema for the message when it says no."""
    from audit.plumbing import schemas

    schema = schemas.schema(HOST_REPORT_ID)
    try:
        import jsonschema_rs
    except ImportError:
        return schemas.validator(HOST_REPORT_ID)
    return jsonschema_rs.validator_for(schema)
