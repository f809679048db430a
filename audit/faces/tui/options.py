"""What the TUI is opened with (plain data; importing it loads no Textual)."""

from dataclasses import dataclass, field

from audit.facts.collect import FactsRequest


@dataclass(frozen=True)
class TuiOptions:
    request: FactsRequest = field(default_factory=FactsRequest)
    endpoint: str | None = None  # None: Netdata's real URL
    journal: str | None = None  # None: the journal's default place
