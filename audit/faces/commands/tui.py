"""`telemetry-audit tui`: the interactive view (also what `telemetry-audit` with no command opens)."""

from audit.faces.commands import eventargs


def register(subparsers) -> None:
    parser = subparsers.add_parser("tui", help="open the interactive view (the default with no command)",
                                   description="Browse every event's exact payload, its fields and the opt-outs "
                                               "that stop it; send or suppress it, recording each decision.")
    add_tui_arguments(parser)
    parser.set_defaults(func=run)


def add_tui_arguments(parser) -> None:
    eventargs.add_facts_arguments(parser)
    group = parser.add_argument_group("sending and recording")
    group.add_argument("--endpoint", metavar="URL", help="where Send posts (default: Netdata's real URL)")
    group.add_argument("--journal", metavar="FILE", help="where decisions are recorded (default: the journal's "
                                                         "usual place)")


def run(args) -> int:
    from audit.plumbing import journal, transport
    from audit.faces.tui import TuiOptions, run as run_tui  # lazy: Textual loads only here

    if args.endpoint:
        transport.check_endpoint(args.endpoint)
    journal.check_path(args.journal or journal.default_path())

    return run_tui(TuiOptions(eventargs.facts_request(args), args.endpoint, args.journal))
