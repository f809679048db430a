"""`telemetry-audit verify`: run the installed agent's own code sealed and compare with the tool's prediction."""

from audit.faces.commands.output import note, write_json, write_text
from audit.plumbing.errors import Exit

CHANNELS = ("backend", "agent-events")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify", help="run the installed agent's own code sealed and compare it with the prediction, byte for byte",
        description="Runs the installed agent's statistics script (agents up to v2.5) and its system-info.sh in "
                    "private mount and network namespaces (no network at all), with private copies of the config "
                    "and lib dirs and curl/wget stand-ins that store the body, under a timeout; then compares the "
                    "body with `payload EVENT` byte for byte. Never run automatically; needs root. Reports "
                    "identical, differs (first difference) or could not run (why). Exit 0: all identical; 1: a "
                    "difference; 2: could not run.")
    parser.add_argument("--channel", choices=CHANNELS, action="append", help="the channel to verify (default: "
                        "backend)")
    parser.add_argument("--config-dir", metavar="DIR", default="/etc/netdata", help="the agent's config dir")
    parser.add_argument("--lib-dir", metavar="DIR", default="/var/lib/netdata", help="the agent's lib dir")
    parser.add_argument("--as-if-opted-in", action="store_true", help="remove the script's opt-out file from the "
                        "private copy (the real one is untouched) so the body itself is compared")
    parser.add_argument("--json", action="store_true", help="print the outcomes with both bodies as JSON")
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit.core import verify
    from audit.facts.collect import FactsRequest, gather

    outcomes = []
    for channel in args.channel or ["backend"]:
        if channel == "agent-events":
            outcomes.append(verify.Outcome("agent-events", "-", verify.COULD_NOT_RUN,
                                           "running the installed daemon (v2.3+) against a saved status file is "
                                           "not implemented yet"))
            continue
        facts = gather(FactsRequest(config_dir=args.config_dir))
        outcomes += verify.verify_script(facts, args.config_dir, args.lib_dir, args.as_if_opted_in)
    if args.json:
        write_json([o.to_json() for o in outcomes])
    else:
        for o in outcomes:
            write_text(f"{o.channel} {o.event}: {o.state}: {o.detail}")
    if any(o.state == verify.COULD_NOT_RUN for o in outcomes):
        note("note: could not run is not a verdict: nothing was compared for those events")
        return Exit.USAGE
    return Exit.FINDING if any(o.state == verify.DIFFERS for o in outcomes) else Exit.OK
