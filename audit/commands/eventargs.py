"""Options shared by every command that builds a payload: where facts come from and the event's parameters."""

import argparse

from audit import catalog, payload
from audit.facts.collect import DEFAULT_CONFIG_DIR, FactsRequest, gather
from audit.facts.model import Facts


def add_facts_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where facts come from")
    group.add_argument("--facts", metavar="FILE", help="use a facts snapshot (from `facts --json`) instead of this machine")
    group.add_argument("--root", metavar="DIR", help="read a sysroot (support bundle, mounted image) instead of /; "
                       "nothing outside it is read and no command is run")
    group.add_argument("--config-dir", metavar="DIR", default=DEFAULT_CONFIG_DIR,
                       help=f"the agent's config dir (default {DEFAULT_CONFIG_DIR})")
    group.add_argument("--netdata-version", metavar="VERSION", help="the agent version to model, e.g. v2.5.4")
    group.add_argument("--machine-guid", metavar="UUID", help="the agent's machine GUID")


def add_event_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("event", metavar="EVENT", help=f"one of: {', '.join(catalog.EVENTS)}")
    group = parser.add_argument_group("event parameters (see `telemetry-audit payload EVENT --help`)")
    seen = set()
    for ev in catalog.EVENTS.values():
        for param in ev.params:
            if param.name not in seen:
                seen.add(param.name)
                group.add_argument(f"--{param.name}", metavar=param.name.upper(), help=param.help)
    add_facts_arguments(parser)


def facts_request(args: argparse.Namespace) -> FactsRequest:
    return FactsRequest(facts_file=args.facts, root=args.root, config_dir=args.config_dir,
                        netdata_version=args.netdata_version, machine_guid=args.machine_guid)


def facts_from_args(args: argparse.Namespace) -> Facts:
    return gather(facts_request(args))


def event_params(args: argparse.Namespace) -> dict:
    names = {p.name for ev in catalog.EVENTS.values() for p in ev.params}
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def payload_from_args(args: argparse.Namespace, facts: Facts | None = None) -> payload.Payload:
    ev = catalog.event(args.event)
    return payload.build(facts if facts is not None else facts_from_args(args), ev.name, event_params(args))
