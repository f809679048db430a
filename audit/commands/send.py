"""`telemetry-audit send` / `suppress`: POST a payload (after the opt-out check) or only record that it was withheld."""

import os
import sys
from datetime import datetime, timezone

from audit import channels, configdir, journal, optout, transport, versions
from audit.commands.eventargs import add_event_arguments, facts_from_args, payload_from_args
from audit.commands.output import warn, write_bytes
from audit.errors import AuditError, Exit
from audit.facts.system import System


def register(subparsers) -> None:
    send = subparsers.add_parser("send", help="send one event to Netdata's backend, unless opted out")
    add_event_arguments(send)
    send.add_argument("--endpoint", default=transport.DEFAULT_ENDPOINT, help="where to POST (default: Netdata's)")
    send.add_argument("--timeout", type=float, default=2.0, metavar="S", help="seconds to wait (default 2)")
    send.add_argument("--yes", action="store_true", help="send without asking")
    send.add_argument("--strict", action="store_true",
                      help="refuse to send when `check` finds an unexpected identifier in the payload")
    send.add_argument("--journal", metavar="FILE",
                      help="journal file (default $XDG_DATA_HOME/telemetry-audit/journal.jsonl)")
    send.set_defaults(func=run_send)
    sup = subparsers.add_parser("suppress", help="record an event as deliberately not sent")
    add_event_arguments(sup)
    sup.add_argument("--journal", metavar="FILE", help="journal file")
    sup.set_defaults(func=run_suppress)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version(args, facts) -> str:
    fact = facts.get("netdata_version")
    return args.netdata_version or (fact and fact.value) or versions.LAST_SCRIPT_VERSION


def _entry(p, endpoint, outcome, verdict, status=None, message=None) -> dict:
    return {"time": _now(), "event": p.event, "sha256": p.sha256, "bytes": len(p.wire), "endpoint": endpoint,
            "outcome": outcome, "status": status, "message": message,
            "verdict": "sends" if _channel_sends(verdict, p.channel) else "suppressed",
            "suppressed_by": _stopped_by(verdict, p.channel)}


def _channel_sends(verdict: optout.Verdict, channel: str) -> bool:
    """Whether the chosen channel's own rule lets it send (kickstart's is not the statistics script's)."""
    if channel == "backend" or channel not in verdict.channels:
        return verdict.backend_sends
    return verdict.channels[channel]["by"] == []


def _stopped_by(verdict: optout.Verdict, channel: str = "backend") -> list[str]:
    """The mechanisms stopping the channel (for the backend: the script's and the daemon's, once each)."""
    if channel != "backend" and channel in verdict.channels:
        return list(verdict.channels[channel]["by"])
    c = verdict.components
    return list(dict.fromkeys(c["script"]["suppressed_by"] + c["daemon"]["suppressed_by"]))


def sender_verdict(args, facts) -> optout.Verdict:
    """The opt-out of the machine that would send: this process's environment and config dir.

    With --root, an opt-out inside the sysroot counts too; a snapshot (--facts) carries no opt-out state,
    so the environment here decides."""
    version = _version(args, facts)
    here = optout.evaluate(System(), args.config_dir, version)
    if not args.root or not _channel_sends(here, getattr(args, "channel", "backend")):
        return here
    return optout.evaluate(System(root=args.root, env=os.environ), args.config_dir, version)


def _confirm(p, endpoint: str) -> bool:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise AuditError("refusing to send without confirmation: pass --yes (stdin is not a terminal)")
    write_bytes(p.wire if p.wire.endswith(b"\n") else p.wire + b"\n")
    print(f"sha256 {p.sha256}, {len(p.wire)} bytes" + ("" if p.valid_json else " (not valid JSON, sent as is)"))
    answer = input(f"POST this {p.event} payload to {endpoint}? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def config_dir_refusal(args) -> str | None:
    """Why the opt-out state cannot be trusted: the config dir (inside --root, if given) is not an agent's."""
    if not channels.channel(getattr(args, "channel", channels.DEFAULT)).reads_config_dir:
        return None  # e.g. kickstart: its rule reads only the environment
    bad = configdir.problem(System(root=args.root), args.config_dir)
    return configdir.consequence(bad) if bad else None


def run_send(args) -> int:
    refusal = config_dir_refusal(args)
    if refusal:
        raise AuditError(f"not sent: {refusal}")
    facts = facts_from_args(args)
    verdict = sender_verdict(args, facts)
    p = payload_from_args(args, facts)
    if not _channel_sends(verdict, p.channel):
        reason = ", ".join(_stopped_by(verdict, p.channel))
        journal.append(args.journal, _entry(p, args.endpoint, "refused", verdict, message=f"opted out by {reason}"))
        print(f"not sent: telemetry is opted out by {reason}")
        return Exit.FINDING
    odd = _unexpected_identifiers(args, facts, p)
    if odd and args.strict:
        journal.append(args.journal, _entry(p, args.endpoint, "refused", verdict, message=f"--strict: {odd}"))
        print(f"not sent (--strict): {odd}")
        return Exit.FINDING
    if not args.yes and not _confirm(p, args.endpoint):
        journal.append(args.journal, _entry(p, args.endpoint, "declined", verdict, message="the user answered no"))
        print("not sent")
        return Exit.FINDING
    result = transport.post(p.wire, args.endpoint, args.timeout)
    journal.append(args.journal, _entry(p, args.endpoint, result.outcome, verdict, result.status, result.message))
    if result.outcome != "sent":
        raise AuditError(f"send failed ({result.error_kind}): {result.message}", Exit.NETWORK)
    print(f"sent {len(p.wire)} bytes, sha256 {p.sha256}: {result.message}")
    return Exit.OK


def _unexpected_identifiers(args, facts, p) -> str:
    """The `check` summary when the payload holds something unexpected (warned about on stderr), else ''."""
    from audit import identify
    from audit.commands.check import identity_for

    findings = identify.check(p, identity_for(args, facts))
    if not identify.unexpected(findings):
        return ""
    summary = identify.summary(findings)
    warn(f"the payload holds identifying data: {summary}")
    return summary


def run_suppress(args) -> int:
    facts = facts_from_args(args)
    p = payload_from_args(args, facts)
    path = journal.append(args.journal, _entry(p, None, "suppressed", sender_verdict(args, facts)))
    print(f"recorded {p.event} as suppressed in {path}")
    return Exit.OK
