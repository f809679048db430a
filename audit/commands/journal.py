"""`telemetry-audit journal`: list what was sent, refused or suppressed."""

from audit import journal
from audit.commands.output import warn, write_json
from audit.errors import Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser("journal", help="list the send journal")
    parser.add_argument("--json", action="store_true", help="print entries as JSON")
    parser.add_argument("--journal", metavar="FILE", help="journal file")
    parser.set_defaults(func=run)


def run(args) -> int:
    items, damaged = journal.entries(args.journal)
    for n in damaged:
        warn(f"journal line {n} is damaged; skipped")
    if args.json:
        write_json(items)
        return Exit.OK
    for e in items:
        print(f"{e.get('time')}  {e.get('outcome', '?'):<10} {e.get('event')}  {e.get('bytes')} bytes  "
              f"sha256 {str(e.get('sha256'))[:12]}  {e.get('status') or '-'}  {e.get('endpoint') or '-'}"
              + (f"  ({e['message']})" if e.get("outcome") != "sent" and e.get("message") else ""))
    return Exit.OK
