"""`telemetry-audit fleet DIR|FILE...`: many hosts' reports (from `report --json`) as one table."""

import json
import sys

from audit.plumbing.errors import Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "fleet", help="read many hosts' `report --json` documents and show one table",
        description="Read host reports (files, or every *.json under a directory, one at a time) and show per "
                    "channel how many hosts still send, which and why, the hosts whose payloads carry identifying "
                    "data or whose recorded install options hold a claim token, and the version spread. Files "
                    "that are not host reports are listed as unreadable, never skipped silently. Exit 0: no host "
                    "sends; 1: a host sends; 2: no host sends but some documents could not be read.")
    parser.add_argument("targets", nargs="+", metavar="DIR|FILE", help="host reports, or directories of them")
    view = parser.add_mutually_exclusive_group()
    view.add_argument("--json", action="store_true", help="the tally as JSON")
    view.add_argument("--markdown", action="store_true", help="Markdown tables")
    view.add_argument("--html", action="store_true",
                      help="one self-contained HTML page with a sortable per-host table (no network assets)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit.core import fleet
    from audit.faces import fleetview

    tally = fleet.read(args.targets, keep_rows=args.html)
    if args.json:  # written as encoded: a large fleet's JSON is never held whole
        json.dump(tally.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.markdown:
        print(fleetview.markdown(tally))
    elif args.html:
        sys.stdout.writelines(fleetview.html_chunks(tally))
    else:
        print(fleetview.text(tally))
    return Exit.FINDING if tally.sends else Exit.USAGE if tally.errors else Exit.OK
