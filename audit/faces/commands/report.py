"""`telemetry-audit report`: this host's telemetry in one versioned JSON document (schemas/host-report.schema.json)."""

import hashlib
import os

from audit import __version__
from audit.core import optout, report
from audit.plumbing import versions
from audit.faces.commands import eventargs
from audit.faces.commands.output import write_json, write_lines
from audit.plumbing.errors import AuditError, Exit
from audit.facts import snapshot
from audit.plumbing.system import System

# Where an installed agent leaves traces (inside --root when given); any one counts as found.
AGENT_PATHS = ("/usr/sbin/netdata", "/usr/bin/netdata", "/opt/netdata/bin/netdata",
               "/opt/netdata/usr/sbin/netdata", "/var/lib/netdata", "/var/cache/netdata")
TELEMETRY_VARIABLES = ("DISABLE_TELEMETRY", "DO_NOT_TRACK")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="this host's telemetry in one JSON document (for fleets: see `fleet`)",
        description="Everything telemetry-audit knows about this host in one versioned JSON document: the agent "
                    "found, each channel's verdict at its version (sends or suppressed, by what, the components "
                    "that disagree), what `check` finds in each built channel's default event, the recorded "
                    "install options (claim tokens redacted and flagged), the facts snapshot's sha256. The opt-out "
                    "state and the host name are read from --root, else from this machine (also with --facts, "
                    "which carries neither). Exit 0: no channel sends; 1: a channel sends; 2: unusable input.")
    parser.add_argument("--json", action="store_true", help="print the document (default: a short summary)")
    eventargs.add_env_arguments(parser)
    eventargs.add_facts_arguments(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    facts, variants = eventargs.snapshot_from_args(args)
    files_only = System(root=args.root)
    system = System(root=args.root, env=eventargs.environment(files_only, args.env_file, args.env))
    version = getattr(facts.get("netdata_version"), "value", None) or versions.LAST_SCRIPT_VERSION
    verdict = optout.evaluate(system, args.config_dir, version).to_json()
    if system.confined:
        verdict = as_seen_inside(verdict, f"{system.root}/")
    found_by = facts_traces(facts) if args.facts and args.root is None else agent_traces(system, args)
    doc = report.document(
        host=host_name(system), agent=report.agent_section(facts, bool(found_by), found_by), verdict=verdict,
        checks=checks(args, facts), facts_sha256=hashlib.sha256(snapshot.dumps(facts, variants).encode()).hexdigest(),
        tool_version=__version__)
    if args.json:
        write_json(doc)
    else:
        write_lines(report.summary_lines(doc))
    return Exit.FINDING if report.exit_sends(doc) else Exit.OK


def as_seen_inside(value, root: str):
    """Paths as the host itself names them (/etc/netdata/...), not as this process reached them under --root: the
    document describes the host, and a fleet groups hosts by the same reason."""
    if isinstance(value, str):
        return value.replace(root, "/")
    if isinstance(value, dict):
        return {k: as_seen_inside(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [as_seen_inside(v, root) for v in value]
    return value


def host_name(system: System) -> str | None:
    if not system.confined:
        return os.uname().nodename
    lines = (system.read_text("/etc/hostname") or "").split()
    return lines[0] if lines else None


def agent_traces(system: System, args) -> list[str]:
    paths = [*AGENT_PATHS, f"{args.config_dir.rstrip('/')}/netdata.conf",
             f"{args.config_dir.rstrip('/')}/.install-type"]
    found = [p for p in paths if system.exists(p)]
    if not system.confined and system.has_command("netdata"):
        found.append("command:netdata")
    return found


def facts_traces(facts) -> list[str]:
    """A snapshot alone: the agent was found if any agent fact was read from it rather than assumed."""
    return [f"fact:{name}" for name, fact in facts.items()
            if name in report.AGENT_FACTS and fact.observed and fact.source.startswith(("file:", "command:"))]


def checks(args, facts) -> dict:
    """`check` on each built channel's default event (backend: START): exactly the bytes `payload --channel C EVENT`
    prints with these options, and what they carry from this host."""
    from audit import channels
    from audit.core import identify
    from audit.facts import identity

    who = identity.identity_for(eventargs.facts_request(args), facts)
    out = {}
    for ch in channels.built():
        module = ch.impl()
        event = DEFAULT_EVENTS.get(ch.name) or getattr(module, "DEFAULT_EVENT", None) or module.events()[0].name
        try:
            built = eventargs.payload_for(args, ch.name, event, facts)
        except AuditError as e:
            out[ch.name] = {"event": event, "error": str(e)}
            continue
        findings = [f.to_dict() for f in identify.check(built, who)]
        out[ch.name] = report.check_result(event, built.sha256, findings)
    return out


DEFAULT_EVENTS = {"backend": "START"}
