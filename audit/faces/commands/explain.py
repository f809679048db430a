"""`telemetry-audit explain FILE|-`: every field of a payload, what it means, where it comes from, what is wrong."""

import json

from audit.core import dashboard as dashboard_explain
from audit.faces.commands.output import write_json, write_lines
from audit.plumbing.errors import Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "explain", help="explain a payload field by field (meaning, source, sensitivity, decoded FATAL data)",
        description="Explain a telemetry payload (e.g. from a bug report): every field with its meaning, source "
                    "and sensitivity; FATAL and ACLK_CONN_FAIL data decoded; schema violations and unknown fields "
                    "flagged; which Netdata versions could have sent it. A body that is not valid JSON is still "
                    "read line by line. Exit 0: valid; 1: problems found; 2: unusable input.")
    parser.add_argument("file", metavar="FILE", help="the payload body, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print the explanation as JSON")
    add_dashboard_dir(parser)
    parser.set_defaults(func=run)


def add_dashboard_dir(parser) -> None:
    """Where the v2 dashboard's bundle is read for the privacy check's key (explain, observe-dashboard)."""
    from audit.channels.dashboard.privacy import WEB_DIRS

    parser.add_argument("--dashboard-dir", metavar="DIR", action="append",
                        help="the agent's web files, whose v2 dashboard bundle holds the privacy check's key "
                             f"(repeatable; default: {', '.join(WEB_DIRS)})")


def dashboard_key(args) -> tuple[bytes | None, str]:
    from audit.channels.dashboard import privacy

    return privacy.find_key(tuple(args.dashboard_dir or privacy.WEB_DIRS))


def run(args) -> int:
    from audit.core import explain  # jsonschema is slow to import
    from audit.plumbing.inputs import read_limited

    label = "<stdin>" if args.file == "-" else args.file
    raw = read_limited(args.file, explain.MAX_BODY)
    if dashboard_explain.kind_of(raw):  # the v2 dashboard's push body or privacy-check data: its own reading
        return _dashboard(raw, label, args.json, *dashboard_key(args))
    result = explain.explain(raw, label)
    _identifying_note(raw)
    if args.json:
        write_json({"file": label, **result.to_dict()})
    else:
        write_lines(render(result, label))
    return Exit.OK if result.valid else Exit.FINDING


def _dashboard(raw: bytes, label: str, as_json: bool, key: bytes | None, key_from: str) -> int:
    result = dashboard_explain.explain(raw, key, key_from)
    if as_json:
        write_json({"file": label, **result})
    else:
        write_lines(dashboard_explain.render(result, label))
    return Exit.FINDING if result.get("problems") else Exit.OK


def _identifying_note(raw: bytes) -> None:
    """Anything unexpected that points back at this machine (or anyone), as a note on stderr."""
    from audit.core import identify
    from audit.faces.commands.output import print_summary
    from audit.facts.collect import FactsRequest
    from audit.facts.identity import identity_for

    print_summary(identify.check(raw, identity_for(FactsRequest(), {})))


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def render(result, label: str) -> list[str]:
    out = [f"{label}: {result.size} bytes, sha256 {result.sha256}"]
    out.append(f"event: {_value(result.event)}" + (f" (schema {result.schema_id.rsplit('/', 1)[-1]})"))
    if result.json_error:
        out.append(f"JSON: not valid ({result.json_error}); fields below were read line by line")
    out.append(f"sent by: {result.versions.text()}")
    for reason in result.versions.reasons:
        out.append(f"  - {reason}")
    if result.decoded:
        out += ["", f"{result.action} decoded:"] + _decoded(result.decoded)
    out += ["", "fields:"]
    for note in result.fields:
        where = f" (line {note.line})" if note.line else ""
        out.append(f"  {note.key} = {_value(note.value)}{where}")
        if note.known:
            out.append(f"      {note.description}")
            details = [f"source: {note.source}" if note.source else "",
                       f"sensitivity: {note.sensitivity}" if note.sensitivity else "",
                       f"since {note.since}" if note.since else ""]
            if any(details):
                out.append("      " + "; ".join(d for d in details if d))
        else:
            out.append("      UNKNOWN: not a field of this payload's schema")
        for problem in note.problems:
            out.append(f"      PROBLEM: {problem}")
    if result.missing:
        out += ["", "missing fields: " + ", ".join(result.missing)]
    out.append("")
    if result.findings:
        out.append(f"{len(result.findings)} problem{'s' * (len(result.findings) != 1)}:")
        out += [f"{label}: {f.pointer}: {f.message}" for f in result.findings]
    else:
        out.append("valid: no problems found")
    return out


def _decoded(decoded: dict) -> list[str]:
    lines = []
    if "callbacks" in decoded:
        lines.append(f"  {decoded['meaning']}:")
        lines += [f"    {c['code']}: {c['reason']}" for c in decoded["callbacks"]]
        return lines
    for key, item in decoded.items():
        if not isinstance(item, dict):
            lines.append(f"  {key}: {item}")
            continue
        value = item.get("value")
        shown = _value(value)
        if key == "errno":
            shown = f"{value} {item.get('name') or ''} ({item.get('message')})".replace("  ", " ")
        lines.append(f"  {key:<9} {shown}  — {item.get('meaning', '')}")
    return lines
