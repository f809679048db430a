"""The Textual face of telemetry-audit. Importing this package does not import Textual; `run` does."""

from __future__ import annotations

from dataclasses import dataclass, field

from audit.facts.collect import FactsRequest


@dataclass(frozen=True)
class TuiOptions:
    request: FactsRequest = field(default_factory=FactsRequest)
    endpoint: str | None = None  # None: Netdata's real URL
    journal: str | None = None  # None: the journal's default place


def run(options: TuiOptions) -> int:
    from audit.faces.tui.app import TelemetryAuditApp

    app = TelemetryAuditApp(options)
    app.run()
    return int(app.return_code or 0)
