"""Options shared by every command that builds a payload: where facts come from and the event's parameters."""

import argparse

from audit import channels
from audit.model.payload import Payload
from audit.channels.backend import catalog
from audit.faces.commands.output import note, warn
from audit.plumbing.errors import AuditError
from audit.facts.collect import (DEFAULT_CONFIG_DIR, FactsRequest, gather, gather_with_variants,
                                 version_override_note)
from audit.model.fact import Facts
from audit.plumbing.agentconf import parse_assignments
from audit.plumbing.system import System


def add_facts_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where facts come from")
    group.add_argument("--facts", metavar="FILE", help="use a facts snapshot (from `facts --json`) instead of this machine")
    group.add_argument("--root", metavar="DIR", help="read a sysroot (support bundle, mounted image) instead of /; "
                       "nothing outside it is read and no command is run")
    group.add_argument("--config-dir", metavar="DIR", default=DEFAULT_CONFIG_DIR,
                       help=f"the agent's config dir (default {DEFAULT_CONFIG_DIR})")
    group.add_argument("--lib-dir", metavar="DIR", help="the agent's var-lib dir, where its status file lives "
                       "(default: netdata.conf's [directories] lib, else /var/lib/netdata; under --root when given)")
    group.add_argument("--netdata-version", metavar="VERSION", help="the agent version to model, e.g. v2.5.4")
    group.add_argument("--machine-guid", metavar="UUID", help="the agent's machine GUID")
    group.add_argument("--agent-url", metavar="URL", help="read the runtime values (collectors, charts, metrics, "
                       "alerts, cloud state) from the agent running at URL, e.g. http://localhost:19999: one GET of "
                       "/api/v1/info, the only network request")


def add_env_arguments(parser: argparse.ArgumentParser) -> None:
    """The environment the agent and its installers run with on the host (report, opt-out)."""
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a variable the agent and its installers run with on this host (repeatable); wins "
                             "over this process's environment, which is not read under --root")
    parser.add_argument("--env-file", action="append", default=[], metavar="FILE",
                        help="read NAME=VALUE lines from FILE (e.g. /etc/environment; inside --root) as the "
                             "environment's defaults (repeatable; a missing file sets nothing)")


def environment(system: System, files: list[str], given: list[str]) -> dict:
    """Files first (defaults), then this process's environment (not under --root), then --env."""
    env = {}
    for path in files:
        text = system.read_text(path)
        if text is None:
            continue  # no such file: no variables from it (most hosts have no /etc/environment)
        env.update({k.removeprefix("export ").strip(): v for k, v in parse_assignments(text).items()})
    env.update(system.env)
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise AuditError(f"--env {item!r}: expected NAME=VALUE")
        env[name] = value
    return env


def add_event_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("event", metavar="EVENT", nargs="?",
                        help=f"the event; backend channel: one of {', '.join(catalog.EVENTS)}; agent-events: an "
                             "exit cause such as \"killed hard\" (none: the saved status file's body)")
    parser.add_argument("--channel", default=channels.DEFAULT, metavar="CHANNEL",
                        help=f"which channel's body: {', '.join(channels.CHANNELS)} (default {channels.DEFAULT})")
    group = parser.add_argument_group("event parameters (see `telemetry-audit payload EVENT --help`)")
    seen = set()
    for ev in catalog.EVENTS.values():
        for param in ev.params:
            if param.name not in seen:
                seen.add(param.name)
                group.add_argument(f"--{param.name}", metavar=param.name.upper(), help=param.help)
    for ch in channels.CHANNELS.values():
        for name, metavar, text in ch.options:  # a channel's own; names already defined above are shared
            if name.replace("-", "_") not in seen:
                seen.add(name.replace("-", "_"))
                group.add_argument(f"--{name}", metavar=metavar, help=text)
    group.add_argument("--from-log", metavar="FILE", help="FATAL only: take process, thread, line, file, function "
                       "and errno from a Netdata FATAL log entry (error.log line, logfmt line or `journalctl -o "
                       "json` entry; - for stdin); the last FATAL in the file unless --match; explicit options "
                       "above still override")
    group.add_argument("--match", metavar="TEXT", help="with --from-log: use the last FATAL entry containing TEXT")
    add_facts_arguments(parser)


def facts_request(args: argparse.Namespace) -> FactsRequest:
    return FactsRequest(facts_file=args.facts, root=args.root, config_dir=args.config_dir,
                        netdata_version=args.netdata_version, machine_guid=args.machine_guid,
                        lib_dir=getattr(args, "lib_dir", None), agent_url=getattr(args, "agent_url", None))


def facts_from_args(args: argparse.Namespace) -> Facts:
    return gather(facts_request(args))


def snapshot_from_args(args: argparse.Namespace) -> tuple[Facts, list]:
    """The facts and their variants for other versions: what `facts --json` saves."""
    return gather_with_variants(facts_request(args))


def version_note(args: argparse.Namespace, facts: Facts) -> None:
    """Once per run, when it applies, once the command's input proved usable (a refusal stays one line): what
    --netdata-version means when it is not the installed agent's version (README, "Another version")."""
    if not getattr(args, "_version_noted", False) and (text := version_override_note(facts, facts_request(args))):
        args._version_noted = True
        note(text)


def event_params(args: argparse.Namespace) -> dict:
    names = {p.name for ev in catalog.EVENTS.values() for p in ev.params}
    given = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    return {**log_params(args), **given}


def log_params(args: argparse.Namespace) -> dict:
    """FATAL parameters from --from-log (read once per run; its notes go to stderr)."""
    source = getattr(args, "from_log", None)
    if source is None:
        if getattr(args, "match", None) is not None:
            raise AuditError("--match needs --from-log FILE")
        return {}
    if catalog.event(args.event).name != "FATAL":
        raise AuditError(f"--from-log applies to FATAL only, not {catalog.event(args.event).name}")
    cached = getattr(args, "_from_log_entry", None)
    if cached is None:
        from audit.facts import fatallog
        from audit.faces.commands.validate import read_input

        cached = fatallog.read(source, read_input(source, "log"), getattr(args, "match", None))
        args._from_log_entry = cached
        note(f"FATAL from {cached.summary()}")
        for text in cached.notes:
            if not _overridden(text, args):
                warn(text)
    return cached.params()


def _overridden(note_text: str, args: argparse.Namespace) -> bool:
    """A note asking for options the user already gave is not worth repeating."""
    asked = [name for name in ("line", "file", "function", "errno", "thread") if f"--{name}" in note_text]
    return bool(asked) and all(getattr(args, name, None) is not None for name in asked)


def option_values(args: argparse.Namespace) -> dict[str, object]:
    """The command line's option values by name: what a channel's build_request reads (no argparse below the
    faces)."""
    return {name: value for name, value in vars(args).items() if not callable(value)}


def payload_from_args(args: argparse.Namespace, facts: Facts | None = None) -> Payload:
    return payload_for(args, getattr(args, "channel", channels.DEFAULT), args.event, facts)


def payload_for(args: argparse.Namespace, channel: str, event: str | None, facts: Facts | None = None) -> Payload:
    """The body `payload --channel CHANNEL EVENT` prints with the rest of these options: the one path every command
    that builds a body takes (report checks exactly these bytes)."""
    ch = channels.channel(channel)
    facts = facts if facts is not None else facts_from_args(args)
    if ch.name != channels.DEFAULT:
        built = ch.impl().build_request(facts, {**option_values(args), "channel": ch.name, "event": event})
        version_note(args, facts)
        return built
    if event is None:
        raise AuditError(f"which event? one of {', '.join(catalog.EVENTS)}")
    ev = catalog.event(event)
    built = ch.impl().build(facts, ev.name, event_params(args) if event == getattr(args, "event", None) else {})
    version_note(args, facts)
    return built


def saved_status_body(args: argparse.Namespace) -> bool:
    """agent-events: the body is the machine's own saved status (no exit cause, no --status-file given), whose
    cause the daemon's gate reads from the machine; otherwise the gate reads the body's own cause."""
    return getattr(args, "event", None) is None and not getattr(args, "status_file", None)


def agent_version(facts: Facts) -> str | None:
    """The agent version the facts model (the installed one, or --netdata-version's)."""
    fact = facts.get("netdata_version")
    return fact.value if fact is not None and isinstance(fact.value, str) else None
