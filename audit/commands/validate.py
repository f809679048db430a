"""`telemetry-audit validate FILE...|-`: check payloads (JSON or JSON Lines) against the schemas."""

import json
from collections.abc import Iterator

from audit.commands.output import flush, stderr_line, write_text
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
                for line in grouped(where, found):
                    write_text(line)
            elif not args.quiet:
                write_text(f"{where}: valid")
    if not checked:
        raise AuditError("no payloads found in the input")
    flush()  # the summary comes after the results, also when both streams go to one place
    stderr_line(f"{checked} checked, {invalid} invalid")
    return Exit.FINDING if invalid else Exit.OK


SHOWN_PER_KIND = 3


def grouped(where: str, found: list) -> list[str]:
    """One payload's problems: a header, then at most a few of each kind (a stub has dozens of the same)."""
    if len(found) <= SHOWN_PER_KIND:
        return [f"{where}: {p.pointer}: {p.message}" for p in found]
    by_kind: dict[str, list] = {}
    for problem in found:
        by_kind.setdefault(problem.keyword, []).append(problem)
    out = [f"{where}: invalid, {len(found)} problems"]
    for kind, problems in by_kind.items():
        out += [f"  {p.pointer}: {p.message}" for p in problems[:SHOWN_PER_KIND]]
        rest = problems[SHOWN_PER_KIND:]
        if rest:
            same_place = len({p.pointer for p in rest}) == 1
            at = ", ".join(p.message.removesuffix(" is a required property") if same_place else p.pointer
                           for p in rest[:5]) + (", …" if len(rest) > 5 else "")
            out.append(f"  … and {len(rest)} more {kind or 'other'} problems ({at})")
    return out


class _NotJson:
    def __init__(self, message: str):
        self.message = message


def read_input(name: str, kind: str = "json") -> bytes:
    from audit import inputs

    return inputs.read_input(name, kind)


def documents(name: str) -> Iterator[tuple[str, object]]:
    """(location, document) for a JSON file, or one per line of a JSON Lines file (streamed, so a large
    file is never held in memory)."""
    from audit import inputs

    label = "<stdin>" if name == "-" else name
    stream = inputs.open_input(name, label)
    with stream:
        try:
            head = [inputs.read_line(stream, label)]
            while head[-1] and not head[-1].strip():
                head.append(inputs.read_line(stream, label))
            if _parses(head[-1]) and head[-1].strip():
                yield from _lines(label, len(head), head[-1], stream)
                return
            cap = inputs.CAPS["json"]
            raw = b"".join(head) + stream.read(cap + 1)
        except OSError as e:
            raise AuditError(f"{label}: cannot read ({e.strerror})") from None
    if len(raw) > cap:
        raise AuditError(f"{label}: larger than {cap // inputs.MiB} MiB, too large for one JSON document")
    yield label, _whole(label, raw)


def _whole(label: str, raw: bytes) -> object:
    if b"\0" in raw:
        raise AuditError(f"{label}: binary data, not JSON")
    if not raw.strip():
        raise AuditError(f"{label}: empty input")
    try:
        return json.loads(raw.decode("utf-8", "replace"))
    except json.JSONDecodeError as e:
        raise AuditError(f"{label}: not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None


def _lines(label: str, number: int, first: bytes, stream) -> Iterator[tuple[str, object]]:
    from audit.inputs import read_line

    line = first
    while line:
        if line.strip():
            if b"\0" in line:
                raise AuditError(f"{label}:{number}: binary data, not JSON")
            try:
                yield f"{label}:{number}", json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                yield f"{label}:{number}", _NotJson(f"not JSON ({getattr(e, 'msg', e)})")
        number += 1
        line = read_line(stream, label)


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
        return True
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
