"""`telemetry-audit payload EVENT`: the exact bytes the statistics script would POST."""

from audit.faces.commands import eventargs
from audit.faces.commands.output import note, warn, write_bytes, write_json
from audit.plumbing.errors import Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser("payload", help="build the exact payload an event would send",
                                   description="Build the exact bytes Netdata's statistics script would POST for EVENT.")
    eventargs.add_event_arguments(parser)
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--wire", action="store_true", help="print exactly the bytes that would be POSTed (default)")
    form.add_argument("--json", action="store_true", help="print the parsed JSON document")
    parser.set_defaults(func=run)


def run(args) -> int:
    if not args.facts:
        _config_dir_warning(args)
    facts = eventargs.facts_from_args(args)
    built = eventargs.payload_from_args(args, facts)
    for warning in built.warnings:
        warn(warning)
    _send_note(args, built, facts)
    _identifying_note(built, args, facts)
    if args.json:
        document = built.document()
        if document is None:
            note(f"the {built.event} payload is not valid JSON: " + "; ".join(built.invalid))
            return Exit.FINDING
        write_json(document)
        return Exit.OK
    write_bytes(built.wire)
    if not built.valid_json:
        note(f"the {built.event} payload above is not valid JSON (printed as the script would send it): "
             + "; ".join(built.invalid))
        return Exit.FINDING
    return Exit.OK


def _send_note(args, built, facts) -> None:
    """agent-events: the body is printed either way; stderr says when the daemon would not post it, and why
    (crash reports, CI, no previous status, the 23 h dedup), from this machine's state (or --root's)."""
    if built.channel != "agent-events" or (args.facts and args.root is None):
        return
    import os

    from audit.core import optout
    from audit.plumbing.system import System

    verdict = optout.body_verdict(System(root=args.root, env=os.environ), args.config_dir, built,
                                  eventargs.agent_version(facts), getattr(args, "lib_dir", None),
                                  saved_status=eventargs.saved_status_body(args))
    if verdict is None:
        return
    if not verdict.sends:
        note(f"this body would not be sent: {verdict.summary.removeprefix('not sent: ')}")
    elif verdict.uncertain:
        note(f"this body may not be sent: {verdict.summary}")


def _identifying_note(built, args, facts) -> None:
    """Anything unexpected that points back at this machine, on stderr (stdout stays exactly the payload)."""
    from audit.core import identify
    from audit.faces.commands.check import identity_for
    from audit.faces.commands.output import print_summary

    print_summary(identify.check(built, identity_for(args, facts)))


def _config_dir_warning(args) -> None:
    """The payload's config-derived values (and the opt-out) come from the config dir: say when it is not an agent's."""
    from audit.facts import configdir
    from audit.plumbing.system import System

    bad = configdir.problem(System(root=args.root), args.config_dir)
    if bad:
        warn(configdir.consequence(bad))
