"""`telemetry-audit facts`: every fact the payload depends on, with where it came from."""

from audit.faces.commands import eventargs
from audit.faces.commands.output import write_json, write_text
from audit.plumbing.errors import Exit
from audit.facts import snapshot


def register(subparsers) -> None:
    parser = subparsers.add_parser("facts", help="show this machine's facts (or save a snapshot with --json)",
                                   description="Show every fact the payloads depend on, with its source.")
    parser.add_argument("--json", action="store_true", help="write a facts snapshot (reusable with --facts FILE)")
    eventargs.add_facts_arguments(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.json:
        facts, variants = eventargs.snapshot_from_args(args)
        write_json(snapshot.to_json(facts, variants))
        eventargs.version_note(args, facts)
        return Exit.OK
    facts = eventargs.facts_from_args(args)
    eventargs.version_note(args, facts)
    width = max(len(name) for name in facts)
    for name, fact in facts.items():
        marker = "" if fact.observed else "  (assumed)"
        value = "null" if fact.value is None else fact.value
        write_text(f"{name:<{width}}  {value}  [{fact.source}]{marker}")
        if fact.note:
            write_text(f"{'':<{width}}    {fact.note}")
    return Exit.OK
