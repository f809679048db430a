"""`telemetry-audit validate FILE...|-`: check payloads (JSON or JSON Lines) against the schemas."""

import sys
from collections.abc import Iterator

from audit.plumbing.errors import AuditError, Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser("validate", help="validate payloads (JSON or JSON Lines) against the schemas",
                                   description="Validate telemetry payloads. Exit 0: all valid; 1: some invalid; "
                                               "2: unusable input.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="a payload file, JSON Lines file, or - for stdin")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit import channels
    from audit.plumbing import schemas  # jsonschema is slow to import; only this command needs it

    checked = invalid = 0
    for name in args.files:
        for where, document, unreadable in documents(name):
            checked += 1
            found = [schemas.Problem("/", unreadable)] if unreadable else []
            if document is not _NO_DOCUMENT:
                found += schemas.problems(document, channels.schema_for(document))
            if found:
                invalid += 1
                for line in grouped(where, found):
                    print(line)
            elif not args.quiet:
                print(f"{where}: valid")
    if not checked:
        raise AuditError("no payloads found in the input")
    sys.stdout.flush()  # the summary comes after the results, also when both streams go to one place
    print(f"{checked} checked, {invalid} invalid", file=sys.stderr)
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


_NO_DOCUMENT = object()  # a JSON Lines line that is not JSON


def read_input(name: str, kind: str = "json") -> bytes:
    from audit.plumbing import inputs

    return inputs.read_input(name, kind)


def documents(name: str) -> Iterator[tuple[str, object, str | None]]:
    """(location, document, why it is not valid JSON or None) for a JSON file, or one per line of a JSON Lines
    file (streamed, so a large file is never held in memory). Bytes that are not UTF-8 make a document invalid
    JSON, as in explain, diff and check (audit.plumbing.inputs.decode), but it is still checked against the schemas."""
    from audit.plumbing import inputs

    label = "<stdin>" if name == "-" else name
    stream = inputs.open_input(name, label)
    with stream:
        try:
            # a first line longer than a JSON Lines line is the start of one large document, not a bad line
            head = [stream.readline(inputs.LINE_CAP + 1)]
            while head[-1] and not head[-1].strip():
                head.append(stream.readline(inputs.LINE_CAP + 1))
            if head[-1].strip() and _parses(head[-1], label):
                yield from _lines(label, len(head), head[-1], stream)
                return
            cap = inputs.CAPS["json"]
            raw = b"".join(head) + stream.read(cap + 1)
        except OSError as e:
            raise AuditError(f"{label}: cannot read ({e.strerror})") from None
    if len(raw) > cap:
        raise AuditError(f"{label}: larger than {cap // inputs.MiB} MiB, too large for one JSON document")
    yield (label, *_whole(label, raw))


def _whole(label: str, raw: bytes) -> tuple[object, str | None]:
    from audit.plumbing import inputs

    if b"\0" in raw:
        raise AuditError(f"{label}: binary data, not JSON")
    if not raw.strip():
        raise AuditError(f"{label}: empty input")
    text, not_utf8 = inputs.decode(raw)
    return inputs.load_json(text, label), _not_valid(not_utf8)


def _lines(label: str, number: int, first: bytes, stream) -> Iterator[tuple[str, object, str | None]]:
    from audit.plumbing import inputs

    line = first
    while line:
        if line.strip():
            where = f"{label}:{number}"
            if b"\0" in line:
                raise AuditError(f"{where}: binary data, not JSON")
            text, not_utf8 = inputs.decode(line)
            try:
                yield where, inputs.load_json(text, where), _not_valid(not_utf8)
            except inputs.NotJson as e:
                yield where, _NO_DOCUMENT, f"not JSON ({e.reason})"
        number += 1
        line = inputs.read_line(stream, label)


def _not_valid(not_utf8: str | None) -> str | None:
    return f"not valid JSON: {not_utf8}" if not_utf8 else None


def _parses(line: bytes, label: str) -> bool:
    from audit.plumbing import inputs

    try:
        inputs.load_json(line, label)
        return True
    except inputs.NotJson:
        return False
