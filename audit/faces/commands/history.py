"""`telemetry-audit history`: what this machine's agent sent or tried to send, newest first."""

from audit.core import history
from audit.faces.commands.output import note, write_json, write_lines, write_text
from audit.plumbing.errors import AuditError, Exit

COLUMNS = ("TIME", "CHANNEL", "WHAT", "OUTCOME")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "history", help="what this machine's agent already sent (or tried to), newest first",
        description="One row per event the agent sent or tried to send: time, channel, what, outcome (posted, "
                    "failed, or not posted and why) and the exact body, rebuilt from the status the daemon logged. "
                    "Read from journald (journalctl, read-only, bounded), the log dir's daemon.log/error.log "
                    "(rotations too), the dedup table, kickstart's recorded install and telemetry-audit's own "
                    "journal. Under --root only files are read. Where the agent keeps no record, it says so.")
    parser.add_argument("--json", action="store_true", help="print the rows and notes as JSON (bodies included)")
    parser.add_argument("--since", metavar="DATE", help="only events at or after DATE (e.g. 2026-12-01 or "
                        "2026-12-01T10:00:00Z; UTC)")
    parser.add_argument("--bodies", action="store_true", help="print each rebuilt body under its row")
    parser.add_argument("--root", metavar="DIR", help="read a sysroot instead of /; no command is run")
    parser.add_argument("--config-dir", metavar="DIR", default="/etc/netdata", help="the agent's config dir")
    parser.add_argument("--lib-dir", metavar="DIR", help="the agent's lib dir (default: netdata.conf's, else "
                        "/var/lib/netdata)")
    parser.add_argument("--log-dir", metavar="DIR", help="the agent's log dir (default: netdata.conf's [directories] "
                        "log, else /var/log/netdata)")
    parser.add_argument("--netdata-version", metavar="VERSION", help="the installed agent's version, where it cannot "
                        "be read (under --root): says where that version's logs keep no record")
    parser.add_argument("--journal-json", metavar="FILE", help="read this `journalctl -o json` export instead of "
                        "running journalctl")
    parser.add_argument("--no-journald", action="store_true", help="do not run journalctl")
    parser.add_argument("--journal", metavar="FILE", help="telemetry-audit's journal (default: its usual place; "
                        "not read under --root unless given)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit.core import history_sources

    since = _since(args.since) if args.since else None
    records = history_sources.collect(history_sources.HistoryRequest(
        root=args.root, config_dir=args.config_dir, lib_dir=args.lib_dir, log_dir=args.log_dir,
        journal_json=args.journal_json, journal=args.journal, read_journald=not args.no_journald,
        netdata_version=args.netdata_version))
    found = history.rows(records, since)
    if args.json:
        write_json(history.document(records, found))
    else:
        print_rows(found, args.bodies)
    for n in records.notes:
        note(f"note: {n}")
    return Exit.OK


def _since(text: str) -> int:
    from audit.channels.agent_events.status import parse_rfc3339

    full = text if "T" in text else f"{text}T00:00:00Z"
    usec = parse_rfc3339(full if full[-1] in "Zz" or "+" in full[10:] or full.count("-") > 2 else full + "Z")
    if usec is None:
        raise AuditError(f"--since {text!r}: expected a date such as 2026-12-01 or 2026-12-01T10:00:00Z")
    return usec


def print_rows(found: list[history.Row], bodies: bool) -> None:
    if not found:
        write_text("no events found in the records read (see the notes for what was read and where no record is kept)")
        return
    write_lines(_row_lines(found, bodies))


def _row_lines(found: list[history.Row], bodies: bool):
    cells = [(r.time, r.channel, r.what, r.outcome) for r in found]
    widths = [max(len(c[i]) for c in [COLUMNS, *cells]) for i in range(3)]
    yield "  ".join(h.ljust(w) for h, w in zip(COLUMNS, widths)) + "  " + COLUMNS[3]
    for row, c in zip(found, cells):
        yield "  ".join(v.ljust(w) for v, w in zip(c, widths)) + "  " + c[3]
        for n in row.notes:
            yield " " * (widths[0] + 2) + f"- {n}"
        if row.body is not None:
            d = row.to_json()
            yield " " * (widths[0] + 2) + f"- body: {d['size']} bytes, sha256 {d['sha256']}"
            if bodies:
                yield row.body.decode("utf-8", "surrogateescape")  # a byte that is not UTF-8 prints as \xHH
