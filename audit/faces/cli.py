"""Command line: parse into a request, run the core, print data on stdout and one-line errors on stderr."""

import argparse
import importlib
import sys

from audit import __version__
from audit.plumbing.errors import AuditError, Exit
from audit.plumbing.jsontext import escape_raw_bytes

# Each module in audit/faces/commands/ adds its own subcommand with register(subparsers).
COMMAND_MODULES = (
    "facts",
    "payload",
    "validate",
    "codes",
    "explain",
    "diff",
    "capture",
    "tui",
    "optout",
    "send",
    "journal",
    "check",
    "docs",
    "observe",
    "report",
    "fleet",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just `only` when the command line names it (so a command loads only its own code)."""
    parser = argparse.ArgumentParser(
        prog="telemetry-audit",
        description="What exactly does this machine send to Netdata's anonymous telemetry, when, and what stops it?",
    )
    parser.add_argument("--version", action="version", version=f"telemetry-audit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only in COMMAND_MODULES else COMMAND_MODULES:
        importlib.import_module(f"audit.faces.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    escape_raw_bytes(sys.stdout, sys.stderr)  # input bytes that are not UTF-8 print as \xHH, never a traceback
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["tui", *argv]  # options with no command are the interactive view's (its default)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["tui"])  # no command: open the interactive view (Textual loads lazily)
    try:
        return int(args.func(args))
    except AuditError as e:
        print(f"telemetry-audit: error: {e}", file=sys.stderr)
        return int(e.code)
    except KeyboardInterrupt:
        print("telemetry-audit: interrupted", file=sys.stderr)
        return int(Exit.INTERRUPTED)
    except BrokenPipeError:
        sys.stderr.close()
        return int(Exit.OK)
