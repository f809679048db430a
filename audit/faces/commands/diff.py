"""`telemetry-audit diff A B`: every difference between two payloads, down to the bytes."""

import json

from audit.faces.commands.output import write_json
from audit.plumbing.errors import Exit

_SIGN = {"changed": "~", "removed": "-", "added": "+", "event": "~", "top": "~", "duplicate": "!", "order": "↕",
         "format": "≈", "bytes": "≠", "json": "!"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "diff", help="compare two payloads field by field (e.g. a reproduction against a report)",
        description="Compare two telemetry payloads: the event, every property (value and JSON type), keys only "
                    "on one side, property order, and the bytes when the documents agree. Exit 0: byte-identical; "
                    "1: different; 2: unusable input.")
    parser.add_argument("a", metavar="A", help="first payload (- for stdin)")
    parser.add_argument("b", metavar="B", help="second payload (- for stdin)")
    parser.add_argument("--json", action="store_true", help="print the differences as JSON")
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit.core import diff
    from audit.plumbing.inputs import read_limited
    from audit.plumbing.errors import AuditError
    from audit.core.read import MAX_BODY

    if args.a == "-" and args.b == "-":
        raise AuditError("only one of A and B can be - (stdin)")
    label_a = "<stdin>" if args.a == "-" else args.a
    label_b = "<stdin>" if args.b == "-" else args.b
    if label_a == label_b:
        label_a, label_b = f"A ({label_a})", f"B ({label_b})"
    result = diff.compare(read_limited(args.a, MAX_BODY), read_limited(args.b, MAX_BODY), label_a, label_b)
    if args.json:
        write_json(result.to_dict())
    else:
        print("\n".join(render(result)))
    return Exit.OK if result.identical else Exit.FINDING


def render(result) -> list[str]:
    out = [f"A: {result.a.label} ({result.a.size} bytes, sha256 {result.a.sha256[:16]}…)",
           f"B: {result.b.label} ({result.b.size} bytes, sha256 {result.b.sha256[:16]}…)"]
    if result.identical:
        out.append("identical: the bodies are byte for byte the same")
        return out
    for d in result.differences:
        sign = _SIGN.get(d.kind, "?")
        where = d.pointer or "body"
        out.append(f"{sign} {where}: {d.message}")
        if d.kind == "format" or d.kind == "bytes":
            out.append(f"    A: {json.dumps(d.a, ensure_ascii=False)}")
            out.append(f"    B: {json.dumps(d.b, ensure_ascii=False)}")
    count = len(result.differences)
    out.append(f"{count} difference{'s' * (count != 1)}")
    return out
