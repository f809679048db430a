"""What explaining a received body yields (shared types; docs/architecture.md): the body as read (Reading, one Prop
per property), and per field what it means (FieldNote), what is wrong (Finding) and which releases send it
(VersionRange), gathered in an Explanation. audit.core.explain reads and explains; a channel's own explain
(e.g. audit.channels.agent_events.explain) fills the same types."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Prop:
    key: str
    value: object  # the JSON value; for a value that is not JSON, the text the script meant (see problem)
    text: str  # the value exactly as it appears in the body
    line: int | None  # 1-based line of the body, when the layout could be followed
    problem: str | None = None  # why this value is not valid JSON
    top: bool = False  # a top-level key (event) rather than a property


@dataclass(frozen=True)
class Reading:
    raw: bytes
    json_error: str | None  # None when the body is valid JSON
    props: tuple[Prop, ...]  # properties in body order (duplicates kept)
    top: tuple[Prop, ...]  # top-level keys other than "properties", in order (normally just "event")
    top_order: tuple[str, ...]  # every top-level key in order, "properties" included
    raw_lines: dict = field(default_factory=dict)  # key -> the body lines that hold it, as read
    channel: str = "backend"  # audit.channels key: which kind of body this is (told by its members)

    @property
    def valid_json(self) -> bool:
        return self.json_error is None

    @property
    def event(self) -> object:
        return next((p.value for p in self.top if p.key == "event"), None)

    def document(self) -> dict:
        """The payload as a dict: parsed values, or for unreadable values the text the script meant."""
        doc = {p.key: p.value for p in self.top}
        doc["properties"] = {p.key: p.value for p in self.props}
        return doc

    def keys(self) -> list[str]:
        return [p.key for p in self.props]


@dataclass(frozen=True)
class FieldNote:
    key: str
    value: object
    text: str
    line: int | None
    known: bool
    description: str = ""
    source: str = ""
    sensitivity: str = ""
    since: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    pointer: str  # JSON pointer, e.g. /properties/action_data
    message: str


@dataclass(frozen=True)
class VersionRange:
    since: tuple[int, int] | None  # inclusive (major, minor)
    until: tuple[int, int] | None  # inclusive (major, minor); every patch release of it
    reasons: tuple[str, ...]
    possible: bool = True
    label: str | None = None  # the whole answer, when versions are not release ranges (the installer's revisions)

    def text(self) -> str:
        if self.label:
            return self.label
        if not self.possible:
            return "no Netdata version sends this shape"
        low = f"v{self.since[0]}.{self.since[1]}" if self.since else "early versions"
        high = f"v{self.until[0]}.{self.until[1]}.x" if self.until else "today"
        return f"Netdata {low} to {high}"


@dataclass(frozen=True)
class Explanation:
    size: int
    sha256: str
    valid_json: bool
    json_error: str | None
    event: object  # the top-level "event" value
    action: object
    schema_id: str
    fields: tuple[FieldNote, ...]
    unknown: tuple[str, ...]
    missing: tuple[str, ...]
    findings: tuple[Finding, ...]  # schema violations and structural problems, best first
    decoded: dict  # event-specific decoding (FATAL, ACLK_CONN_FAIL, EXPORTING_START)
    versions: VersionRange

    @property
    def valid(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        out = asdict(self)
        out["valid"] = self.valid
        out["versions"] = {"since": release_text(self.versions.since), "until": release_text(self.versions.until),
                           "possible": self.versions.possible, "text": self.versions.text(),
                           "reasons": list(self.versions.reasons)}
        return out


def release_text(v: tuple[int, int] | None) -> str | None:
    return f"v{v[0]}.{v[1]}" if v else None
