"""`telemetry-audit observe-dashboard`: open the agent's dashboards in a headless Chromium and list every request the
page attempted beyond the agent (all aborted before they were sent)."""

import argparse
import json
from urllib.parse import urlencode

from audit.faces.commands.explain import add_dashboard_dir, dashboard_key
from audit.faces.commands.output import note, write_json, write_lines
from audit.plumbing.errors import Exit

NO_IDENTIFIER = "no identifier (the request itself shows the browser's IP address)"


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 600")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "observe-dashboard", help="open the agent's dashboards in a headless Chromium; list what the page tries to "
                                  "send beyond the agent (nothing leaves this machine)")
    parser.add_argument("--agent-url", metavar="URL", required=True,
                        help="the agent on loopback, e.g. http://127.0.0.1:19999")
    parser.add_argument("--json", action="store_true", help="print the observation as JSON")
    parser.add_argument("--chromium", metavar="PATH", default="/usr/bin/chromium", help="the browser to drive")
    parser.add_argument("--settle", metavar="SECONDS", type=seconds, default=3.0,
                        help="a page is done when it attempts nothing new for this long (default 3)")
    parser.add_argument("--limit", metavar="SECONDS", type=seconds, default=30.0,
                        help="stop watching a page after this long (default 30)")
    add_dashboard_dir(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    from audit.faces import observe
    from audit.core import dashboard

    key, _ = dashboard_key(args)
    observation = dashboard.annotate(observe.observe(args.agent_url, args.settle, args.limit, args.chromium), key)
    note(f"saved the observation to {observe.save(observation)}")
    if args.json:
        write_json(observation)
    else:
        write_lines(report_lines(observation))
    return Exit.FINDING if observation["left_machine"] else Exit.OK


def report_lines(observation: dict) -> list[str]:
    from audit.channels import dashboard

    hello = observation["hello"]
    flag = {True: "true", False: "false", None: "unknown"}[hello["anonymous_statistics"]]
    lines = [f"observed {observation['agent_url']} with {observation['browser']}",
             f"agent hello: anonymous_statistics={flag} (machine GUID {hello['machine_guid']}, "
             f"host name {hello['hostname']}, registry {hello['registry']})"]
    for page in observation["pages"]:
        lines += ["", f"{page['ui']}: {page['url']}",
                  f"  {page['loopback_requests']} requests on loopback (the agent); {len(page['attempted'])} attempted beyond "
                  f"it, all aborted; " + (f"settled after {page['seconds']} s" if page["settled"]
                                          else f"still busy after {page['seconds']} s")]
        for purpose, requests in dashboard.by_purpose(page):
            lines.append(f"  {purpose.title} ({purpose.note})")
            lines.append(f"    stopped by: {purpose.stopped_by}")
            for r in requests:
                lines.append(f"    {r['method']} {r['host']}{r['path']}" +
                             (f"?{urlencode(r['query'], doseq=True, safe='*:/')}" if r["query"] else ""))
                if r["body"]:
                    lines.append(f"      body: {r['body']}")
                lines.append(f"      carries: {'; '.join(r['carries']) or NO_IDENTIFIER}")
                lines += [f"      check: {line}" for line in r.get("findings", ())]
                if "decoded" in r:
                    lines.append(f"      decrypted: {json.dumps(r['decoded'], ensure_ascii=False)}")
    lines += ["", "documented, not built: PostHog registers " + ", ".join(
        f"{name}={value}" for name, value, _ in dashboard.DOCUMENTED_PROPERTIES) + f" ({dashboard.DOCUMENTED_SOURCE})"]
    lines.append(("nothing left this machine" if not observation["left_machine"] else "REQUESTS LEFT THIS MACHINE") +
                 f": {observation['aborted']} requests aborted before they were sent, "
                 f"{observation['allowed_non_loopback']} non-loopback requests allowed "
                 f"(names resolve only on loopback; service workers blocked)")
    return lines
