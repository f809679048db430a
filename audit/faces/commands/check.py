"""`telemetry-audit check EVENT|FILE|-`: does a payload hold anything that points back at this machine or its people?"""

import argparse
import os
import textwrap

from audit.channels.backend import catalog
from audit.core import dashboard as dashboard_explain
from audit.faces.commands import eventargs
from audit.faces.commands.output import note, write_json, write_lines
from audit.plumbing.errors import AuditError, Exit

IDENTITY_HELP = ("Identity values (host names, addresses, MACs, users and home directories, machine-id, claim id, "
                 "cloud instance ids) are read from local files only, never from DNS, the network or a cloud "
                 "metadata service: from --root DIR when given, else from this machine; with --facts FILE and no "
                 "--root, only the snapshot's machine GUID and generic shapes are checked (a snapshot usually "
                 "comes from another machine; add --root / to compare with this machine's files as well). "
                 "Identity values are never written to a facts snapshot.")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check", help="flag anything in a payload that points back at this machine or its people",
        description="Look in every field of a payload for this machine's identifying values (exact, or cut short "
                    "by the daemon as in FATAL's action_data) and for generic shapes (IP and MAC addresses, "
                    "e-mail addresses, home-directory paths, URLs, UUIDs). TARGET is an event name (the payload "
                    "is built from this machine's facts), a received payload file, or - for stdin. The machine "
                    "GUID in distinct_id/netdata_machine_guid and the hashed machine-id in system_distinct_id "
                    "are sent by design; anything else is UNEXPECTED. Exit 0: nothing unexpected; 1: something "
                    "unexpected; 2: unusable input. " + IDENTITY_HELP)
    eventargs.add_event_arguments(parser)
    _retitle_target(parser)
    parser.add_argument("--json", action="store_true", help="print {event, sha256, findings, unexpected} as JSON")
    parser.set_defaults(func=run)


def _retitle_target(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if action.dest == "event":
            action.metavar = "TARGET"
            action.help = f"an event ({', '.join(catalog.EVENTS)}), a received payload FILE, or - for stdin"


def run(args) -> int:
    from audit.core import identify

    json_error = None
    if _builds(args):
        facts = eventargs.facts_from_args(args)
        built = eventargs.payload_from_args(args, facts)
        event, sha256, source = built.event, built.sha256, built
    else:
        facts = _snapshot_facts(args)
        event, sha256, source = _received(args)
        json_error = getattr(source, "json_error", None)  # as explain, diff and validate say it (e.g. bytes that
        # are not UTF-8); a dashboard push is read as a document, valid by then
    identity = identity_for(args, facts)
    for skipped in identity.notes:
        note(f"note: identity: skipped {skipped}")
    findings = identify.check(source, identity)
    if args.json:
        write_json({"event": event, "sha256": sha256, "json_error": json_error,
                    "findings": [f.to_dict() for f in findings], "unexpected": len(identify.unexpected(findings))})
    else:
        write_lines(render(findings, event, sha256, json_error))
    return Exit.FINDING if identify.unexpected(findings) else Exit.OK


def _builds(args) -> bool:
    """TARGET names something to build (an event, an exit cause, a saved status) rather than a received body."""
    if args.channel == "backend":
        return _is_event(args.event)
    return args.event is None or not (args.event == "-" or os.path.isfile(args.event))


def _is_event(target: str | None) -> bool:
    return target is None or target.upper() in catalog.EVENTS


def _received(args) -> tuple[object, str, object]:
    import hashlib

    from audit.plumbing.inputs import read_limited
    from audit.core.read import MAX_BODY, read_payload

    _refuse_event_options(args)
    label = "<stdin>" if args.event == "-" else args.event
    if args.event != "-" and not os.path.lexists(args.event):
        raise AuditError(f"{args.event}: neither a known event ({', '.join(catalog.EVENTS)}) nor an existing file")
    raw = read_limited(args.event, MAX_BODY)
    if dashboard_explain.kind_of(raw) == "push":  # the v2 dashboard's push: every member, by dotted path
        from audit.plumbing.inputs import load_json

        document = load_json(raw, label)
        return document["Netdata"]["telemetry"].get("feature"), hashlib.sha256(raw).hexdigest(), document
    reading = read_payload(raw, label)
    wanted = "exit_cause" if reading.channel == "agent-events" else "action"
    action = next((p.value for p in reading.props if p.key == wanted), None)
    return (action if isinstance(action, str) else reading.event), hashlib.sha256(raw).hexdigest(), reading


def _refuse_event_options(args) -> None:
    names = {p.name for ev in catalog.EVENTS.values() for p in ev.params} | {"from_log", "match"}
    given = sorted(n for n in names if getattr(args, n, None) is not None)
    if given:
        raise AuditError(f"--{given[0].replace('_', '-')} applies to an EVENT, not to a received payload file")


def _snapshot_facts(args) -> dict:
    """A received payload needs no facts; a snapshot or --machine-guid still names the GUID to look for."""
    from audit.facts.agent import machine_guid_option

    if args.facts:
        return eventargs.facts_from_args(args)
    return {"machine_guid": machine_guid_option(args.machine_guid)} if args.machine_guid else {}


def identity_for(args, facts):
    from audit.facts import identity

    return identity.identity_for(eventargs.facts_request(args), facts)


def render(findings, event: object, sha256: str, json_error: str | None = None) -> list[str]:
    from audit.core import identify

    odd = identify.unexpected(findings)
    out = [f"{event}: sha256 {sha256}"]
    if json_error:
        out.append(f"JSON: not valid ({json_error}); every field was still checked")
    out += [identify.line(f) for f in findings]
    explained = identify.explanations(findings)
    if explained:
        out += ["", "what these identifiers link:"]
        out += [textwrap.fill(text, 116, initial_indent=f"  {kind}: ", subsequent_indent="      ")
                for kind, text in explained.items()]
    out.append("")
    if odd:
        out.append(f"{len(odd)} UNEXPECTED: " + ", ".join(f"{f.field} ({f.kind})" for f in odd))
    else:
        out.append("nothing unexpected: only the identifiers sent by design" if findings
                   else "nothing identifying found")
    return out
