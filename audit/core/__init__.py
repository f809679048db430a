"""Cross-channel logic: explain, identify, opt-out, diff, report, fleet (docs/architecture.md)."""
