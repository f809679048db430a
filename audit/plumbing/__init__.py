"""Plumbing: errors, inputs, versions, schemas, transport, journal, the machine as files (system). No telemetry
knowledge; imports nothing else of audit (docs/architecture.md)."""
