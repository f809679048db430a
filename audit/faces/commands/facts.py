"""`telemetry-audit facts`: every fact the payload depends on, with where it came from."""

from audit.faces.commands import eventargs
from audit.faces.commands.output import write_json
from audit.plumbing.errors import Exit
from audit.facts import snapshot


def register(subparsers) -> None:
    parser = subparsers.add_parser("facts", help="show this machine's facts (or save a snapshot with --json)",
                                   description="Show every fact the payloads depend on, with its source.")
    parser.add_argument("--json", action="store_true", help="write a facts snapshot (reusable with --facts FILE)")
    eventargs.add_facts_arguments(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    facts = eventargs.facts_from_args(args)
    if args.json:
        write_json(snapshot.to_json(facts))
        return Exit.OK
    width = max(len(name) for name in facts)
    for name, fact in facts.items():
        marker = "" if fact.observed else "  (assumed)"
        value = "null" if fact.value is None else fact.value
        print(f"{name:<{width}}  {value}  [{fact.source}]{marker}")
        if fact.note:
            print(f"{'':<{width}}    {fact.note}")
    return Exit.OK
