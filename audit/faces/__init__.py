"""What a person or a script meets: the command line, the TUI, the docs generator (docs/architecture.md)."""
