"""telemetry-audit: what Netdata's anonymous telemetry sends from this machine, and what stops it."""

__version__ = "0.1.0"
