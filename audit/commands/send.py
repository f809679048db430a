"""`telemetry-audit send` / `suppress`: POST a payload (after the opt-out check) or only record that it was withheld."""

import sys
from datetime import datetime, timezone

from audit import journal, optout, transport
from audit.commands.eventargs import add_event_arguments, facts_from_args, payload_from_args
from audit.errors import AuditError, Exit
from audit.facts.system import System

DEFAULT_VERSION = "v2.5.4"


def register(subparsers) -> None:
    send = subparsers.add_parser("send", help="send one event to Netdata's backend, unless opted out")
    add_event_arguments(send)
    send.add_argument("--endpoint", default=transport.DEFAULT_ENDPOINT, help="where to POST (default: Netdata's)")
    send.add_argument("--timeout", type=float, default=2.0, metavar="S", help="seconds to wait (default 2)")
    send.add_argument("--yes", action="store_true", help="send without asking")
    send.add_argument("--journal", metavar="FILE", help="journal file (default $XDG_DATA_HOME/telemetry-audit/journal.jsonl)")
    send.set_defaults(func=run_send)
    sup = subparsers.add_parser("suppress", help="record an event as deliberately not sent")
    add_event_arguments(sup)
    sup.add_argument("--journal", metavar="FILE", help="journal file")
    sup.set_defaults(func=run_suppress)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version(args, facts) -> str:
    if args.netdata_version:
        return args.netdata_version
    try:
        return facts["netdata_version"].value or DEFAULT_VERSION
    except Exception:
        return DEFAULT_VERSION


def _entry(p, endpoint, outcome, status=None, verdict=None, message=None) -> dict:
    return {"time": _now(), "event": p.event, "sha256": p.sha256, "bytes": len(p.wire), "endpoint": endpoint,
            "outcome": outcome, "status": status, "verdict": verdict, "message": message}


def run_send(args) -> int:
    facts = facts_from_args(args)
    system = System(root=args.root)
    verdict = optout.evaluate(system, args.config_dir, _version(args, facts))
    p = payload_from_args(args, facts)
    if not verdict.backend_sends:
        by = verdict.components["script"]["suppressed_by"] or verdict.components["daemon"]["suppressed_by"]
        reason = ", ".join(by)
        journal.append(args.journal, _entry(p, args.endpoint, "refused", verdict="suppressed",
                                            message=f"opted out by {reason}"))
        print(f"not sent: telemetry is opted out by {reason}")
        return Exit.FINDING
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise AuditError("refusing to send without confirmation: pass --yes (stdin is not a terminal)")
        answer = input(f"POST {len(p.wire)} bytes ({p.event}) to {args.endpoint}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("not sent")
            return Exit.FINDING
    result = transport.post(p.wire, args.endpoint, args.timeout)
    journal.append(args.journal, _entry(p, args.endpoint, result.outcome, result.status, "sends", result.message))
    if result.outcome != "sent":
        raise AuditError(f"send failed ({result.error_kind}): {result.message}", Exit.NETWORK)
    print(f"sent {len(p.wire)} bytes, sha256 {p.sha256}: {result.message}")
    return Exit.OK


def run_suppress(args) -> int:
    p = payload_from_args(args)
    path = journal.append(args.journal, _entry(p, None, "suppressed"))
    print(f"recorded {p.event} as suppressed in {path}")
    return Exit.OK
