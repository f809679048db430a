"""`telemetry-audit validate FILE...|-`: check payloads (JSON or JSON Lines) against the schemas."""

import json
import sys
from collections.abc import Iterator

from audit.errors import AuditError, Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser("validate", help="validate payloads (JSON or JSON Lines) against the schemas",
                                   description="Validate telemetry payloads. Exit 0: all valid; 1: some invalid; "
                                               "2: unusable input.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="a payload file, JSON Lines file, or - for stdin")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit import schemas  # jsonschema is slow to import; only this command needs it

    checked = invalid = 0
    for name in args.files:
        for where, document in documents(name):
            checked += 1
            found = [schemas.Problem("/", document.message)] if isinstance(document, _NotJson) \
                else schemas.problems(document)
            if found:
                invalid += 1
                for problem in found:
                    print(f"{where}: {problem.pointer}: {problem.message}")
            elif not args.quiet:
                print(f"{where}: valid")
    if not checked:
        raise AuditError("no payloads found in the input")
    print(f"{checked} checked, {invalid} invalid", file=sys.stderr)
    return Exit.FINDING if invalid else Exit.OK


class _NotJson:
    def __init__(self, message: str):
        self.message = message


def read_input(name: str) -> bytes:
    try:
        if name == "-":
            return sys.stdin.buffer.read()
        with open(name, "rb") as f:
            return f.read()
    except OSError as e:
        raise AuditError(f"{name}: cannot read ({e.strerror})") from None


def documents(name: str) -> Iterator[tuple[str, object]]:
    """(location, document) for a JSON file, or one per line of a JSON Lines file."""
    raw = read_input(name)
    label = "<stdin>" if name == "-" else name
    if b"\0" in raw:
        raise AuditError(f"{label}: binary data, not JSON")
    text = raw.decode("utf-8", "replace")
    try:
        yield label, json.loads(text)
        return
    except json.JSONDecodeError as whole:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if not lines:
            raise AuditError(f"{label}: empty input") from None
        if not _parses(lines[0][1]):
            raise AuditError(f"{label}: not JSON ({whole.msg} at line {whole.lineno} column {whole.colno})") from None
    for number, line in lines:
        try:
            yield f"{label}:{number}", json.loads(line)
        except json.JSONDecodeError as e:
            yield f"{label}:{number}", _NotJson(f"not JSON ({e.msg} at column {e.colno})")


def _parses(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except json.JSONDecodeError:
        return False
