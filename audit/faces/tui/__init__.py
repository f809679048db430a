"""The Textual face of telemetry-audit. Importing this package does not import Textual; `run` does."""

from audit.faces.tui.options import TuiOptions


def run(options: TuiOptions) -> int:
    from audit.faces.tui.app import TelemetryAuditApp

    app = TelemetryAuditApp(options)
    app.run()
    return int(app.return_code or 0)
