"""Command line: parse into a request, run the core, print data on stdout and one-line errors on stderr."""

import argparse
import importlib
import sys

from audit import __version__
from audit.faces.commands import output
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
    "history",
    "verify",
)


class _Parser(argparse.ArgumentParser):
    """argparse drops its help and usage text silently when it cannot be written: here that is reported too."""

    def _print_message(self, message: str, file=None) -> None:
        if not message:
            return
        if file is sys.stdout:
            output.write_chunks([message])
        else:
            output.write_stderr(message)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just `only` when the command line names it (so a command loads only its own code)."""
    parser = _Parser(
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
    try:
        args = parser.parse_args(argv)
    except SystemExit:  # --help, --version or a usage error: argparse has written its text
        if not _flushed():
            return int(Exit.USAGE)
        raise
    except output.OutputError as lost:
        return _failed(lost)
    if args.command is None:
        args = parser.parse_args(["tui"])  # no command: open the interactive view (Textual loads lazily)
    try:
        code = int(args.func(args))
    except AuditError as e:
        return _failed(e)
    except KeyboardInterrupt:
        _flushed()
        output.last_word("interrupted")
        return int(Exit.INTERRUPTED)
    return code if _flushed() else int(Exit.USAGE)  # a write that fails at the very end is reported too


def _failed(e: AuditError) -> int:
    _flushed()  # what the command wrote comes before its error, also when both streams go to one place
    output.error(str(e))
    return int(e.code)


def _flushed() -> bool:
    """Whether everything written reached stdout; if not, that is said in one line on stderr."""
    try:
        output.flush()
        return True
    except output.OutputError as lost:
        output.error(str(lost))
        return False
