"""`telemetry-audit send` / `suppress`: POST a payload (after the opt-out check) or only record that it was withheld."""

import os
import sys
from functools import partial

from audit import channels
from audit.model.verdict import State, Verdict
from audit.facts import configdir
from audit.plumbing import journal, transport, versions
from audit.core import optout
from audit.faces.commands.eventargs import (add_event_arguments, event_params, facts_from_args, payload_from_args,
                                           saved_status_body)
from audit.faces.commands.output import note, warn, write_bytes, write_text
from audit.plumbing.errors import AuditError, Exit
from audit.plumbing.system import System


def register(subparsers) -> None:
    send = subparsers.add_parser("send", help="send one event to Netdata's backend, unless opted out")
    add_event_arguments(send)
    send.add_argument("--endpoint", help="where to POST (default: the channel's own Netdata endpoint)")
    send.add_argument("--timeout", type=float, default=2.0, metavar="S", help="seconds to wait (default 2)")
    send.add_argument("--yes", action="store_true", help="send without asking")
    send.add_argument("--allow-invalid", action="store_true",
                      help="send a body that is not valid JSON (the real script does; you must say so)")
    send.add_argument("--strict", action="store_true",
                      help="refuse to send when `check` finds an unexpected identifier in the payload")
    send.add_argument("--journal", metavar="FILE",
                      help="journal file (default $XDG_DATA_HOME/telemetry-audit/journal.jsonl, i.e. "
                           "~/.local/share/telemetry-audit/journal.jsonl; exact bodies kept in bodies/ beside it)")
    send.set_defaults(func=run_send)
    sup = subparsers.add_parser("suppress", help="record an event as deliberately not sent")
    add_event_arguments(sup)
    sup.add_argument("--journal", metavar="FILE", help="journal file")
    sup.set_defaults(func=run_suppress)


def _version(args, facts) -> str:
    fact = facts.get("netdata_version")
    return args.netdata_version or (fact and fact.value) or versions.LAST_SCRIPT_VERSION


def _channel_sends(verdict: Verdict, channel: str) -> bool:
    """Whether the chosen channel sends from this machine (each by its own sender's rule, at the agent's version):
    the typed verdict every face renders."""
    return verdict.channels[channel].may_send


def _stopped_by(verdict: Verdict, channel: str = "backend") -> list[str]:
    """What stops the channel: its mechanisms (for the backend, the script's and the daemon's, once each), else
    why it does not send here (the version, a sender that cannot run here)."""
    ch = verdict.channels[channel]
    if ch.may_send:
        return []
    return list(ch.by) if ch.state is State.NOT_SENT and ch.by else [ch.reason]


def sender_verdict(args, facts) -> Verdict:
    """The opt-out of the machine that would send: this process's environment and config dir.

    With --root, an opt-out inside the sysroot counts too; a snapshot (--facts) carries no opt-out state,
    so the environment here decides."""
    version = _version(args, facts)
    here = optout.evaluate(System(), args.config_dir, version)
    if not args.root or not _channel_sends(here, getattr(args, "channel", "backend")):
        return here
    return optout.evaluate(System(root=args.root, env=os.environ), args.config_dir, version)


def _body_gate(args, p, version: str):
    """agent-events: the daemon's gate for this very body (its exit cause: `crash reports = crashes` posts only
    after a crash), on the machine that would send (this one; --root's too when given)."""
    if p.channel != "agent-events":
        return None
    here = optout.body_verdict(System(), args.config_dir, p, version, getattr(args, "lib_dir", None),
                               saved_status=saved_status_body(args))
    if here is None or not here.sends or not args.root:
        return here
    return optout.body_verdict(System(root=args.root, env=os.environ), args.config_dir, p, version,
                               getattr(args, "lib_dir", None), saved_status=saved_status_body(args))


def _confirm(p, endpoint: str) -> bool:
    if not (sys.stdin and sys.stdin.isatty() and sys.stdout and sys.stdout.isatty()):
        raise AuditError("refusing to send without confirmation: pass --yes (stdin is not a terminal)")
    write_bytes(p.wire if p.wire.endswith(b"\n") else p.wire + b"\n")
    write_text(f"sha256 {p.sha256}, {len(p.wire)} bytes" + ("" if p.valid_json else " (not valid JSON, sent as is)"))
    answer = input(f"POST this {p.event} payload to {endpoint}? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def config_dir_refusal(args) -> str | None:
    """Why the opt-out state cannot be trusted: the config dir (inside --root, if given) is not an agent's.

    Every channel's verdict reads it: the backend's the opt-out file; agent-events' netdata.conf and the opt-out
    file; the installer's .install-type (whether kickstart installed here) and .environment (where the installers
    record --disable-telemetry)."""
    bad = configdir.problem(System(root=args.root), args.config_dir)
    return configdir.consequence(bad) if bad else None


def run_send(args) -> int:
    chosen = channels.channel(args.channel)
    if not chosen.sendable:
        raise AuditError(f"the {chosen.name} channel is sent by browsers, not by this tool: "
                         f"`telemetry-audit payload --channel {chosen.name}` shows the body", Exit.USAGE)
    args.endpoint = args.endpoint or chosen.endpoint
    transport.check_endpoint(args.endpoint)
    transport.check_timeout(args.timeout)
    facts = facts_from_args(args)
    p = payload_from_args(args, facts)
    params = event_params(args)
    with journal.Journal(args.journal) as book:  # opened before any network I/O: no journal, no send
        record = partial(book.record, payload=p, params=params, endpoint=args.endpoint)
        refusal = config_dir_refusal(args)
        if refusal:
            record("refused", message=refusal)
            raise AuditError(f"not sent: {refusal}")
        gate = _body_gate(args, p, _version(args, facts))  # agent-events: its gate decides, the opt-out included
        if gate is not None and not gate.sends:
            record("refused", message=gate.summary, suppressed_by=list(gate.by))
            return _refused(f"the daemon would not post this body: {gate.summary.removeprefix('not sent: ')}")
        verdict = sender_verdict(args, facts)
        if gate is None and not _channel_sends(verdict, p.channel):
            stopped = _stopped_by(verdict, p.channel)
            reason = ", ".join(stopped)
            opted_out = verdict.channels[p.channel].state is State.NOT_SENT
            record("refused", message=f"opted out by {reason}" if opted_out else reason, suppressed_by=stopped)
            return _refused(f"telemetry is opted out by {reason}" if opted_out else reason)
        if not p.valid_json and not args.allow_invalid:
            why = "; ".join(p.invalid)
            record("refused", message=f"not valid JSON: {why}")
            return _refused(f"the {p.event} payload is not valid JSON ({why}); the real script would send it "
                            "anyway: pass --allow-invalid to do the same")
        odd = _unexpected_identifiers(args, facts, p)
        if odd and args.strict:
            record("refused", message=f"--strict: {odd}")
            return _refused(f"--strict: {odd}")
        if not args.yes and not _confirm(p, args.endpoint):
            record("declined", message="the user answered no")
            return _refused("the user answered no")
        done = journal.send(book, p, args.endpoint, args.timeout, params=params)
    if done["state"] != "sent":
        raise AuditError(f"send failed ({done.get('error_kind')}): {done.get('message')}", Exit.NETWORK)
    write_text(f"sent {len(p.wire)} bytes, sha256 {p.sha256}: {done.get('message')}")
    return Exit.OK


def _refused(why: str) -> int:
    note(f"not sent: {why}")
    return Exit.FINDING


def _unexpected_identifiers(args, facts, p) -> str:
    """The `check` summary when the payload holds something unexpected (warned about on stderr), else ''."""
    from audit.core import identify
    from audit.faces.commands.check import identity_for

    findings = identify.check(p, identity_for(args, facts))
    if not identify.unexpected(findings):
        return ""
    summary = identify.summary(findings)
    warn(f"the payload holds identifying data: {summary}")
    return summary


def run_suppress(args) -> int:
    facts = facts_from_args(args)
    p = payload_from_args(args, facts)
    with journal.Journal(args.journal) as book:
        book.record("suppressed", p, params=event_params(args), message="suppressed by the user",
                    suppressed_by=_stopped_by(sender_verdict(args, facts), p.channel) or None)
    write_text(f"recorded {p.event} as suppressed in {book.path}")
    return Exit.OK
