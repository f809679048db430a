"""`telemetry-audit journal`: list what was sent, refused or suppressed."""

from audit import channels
from audit.plumbing import journal
from audit.faces.commands.output import note, write_json
from audit.plumbing.errors import Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser("journal", help="list the send journal")
    parser.add_argument("--json", action="store_true", help="print every entry (each state of each send) as JSON")
    parser.add_argument("--journal", metavar="FILE", help="journal file")
    parser.set_defaults(func=run)


def run(args) -> int:
    path = args.journal or journal.default_path()
    items, damaged = journal.entries(path)
    decisions = journal.latest(items)
    summary = f"journal {path}: {_count(len(items), 'entry', 'entries')}, {_count(len(decisions), 'decision')}"
    if damaged:
        shown = ", ".join(map(str, damaged[:10])) + (", …" if len(damaged) > 10 else "")
        summary += f"; {len(damaged)} damaged lines skipped (line {shown})"
    note(summary)
    if args.json:
        write_json(items)
        return Exit.OK
    channel_width = max(map(len, channels.CHANNELS))
    for e in decisions:
        state = e.get("state", "?")
        print(f"{e.get('time')}  {state:<11}  {e.get('channel', 'backend'):<{channel_width}}  {e.get('event')}  "
              f"{e.get('size')} bytes  sha256 {str(e.get('sha256'))[:12]}  {e.get('status') or '-'}  "
              f"{e.get('endpoint') or '-'}" + (f"  ({e['message']})" if state != "sent" and e.get("message") else ""))
    return Exit.OK


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
