"""The shared types every layer passes around: Payload, Fact, Verdict (docs/architecture.md)."""
