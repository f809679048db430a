"""`telemetry-audit opt-out`: which opt-out mechanisms are active and what each component does about them."""

import json

from audit import configdir, optout, transport, versions
from audit.commands.output import warn, write_json
from audit.errors import Exit
from audit.facts.collect import DEFAULT_CONFIG_DIR
from audit.facts.system import System

DEFAULT_VERSION = versions.LAST_SCRIPT_VERSION


def register(subparsers) -> None:
    parser = subparsers.add_parser("opt-out", help="show (or set) the telemetry opt-out state per component")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--apply", action="store_true", help="create the opt-out file in the config dir")
    action.add_argument("--revert", action="store_true", help="remove the opt-out file from the config dir")
    parser.add_argument("--dry-run", action="store_true", help="with --apply/--revert: only say what would change")
    parser.add_argument("--root", metavar="DIR", help="read a sysroot instead of / (environment is then empty)")
    parser.add_argument("--config-dir", metavar="DIR", default=DEFAULT_CONFIG_DIR,
                        help=f"the agent's config dir (default {DEFAULT_CONFIG_DIR})")
    parser.add_argument("--netdata-version", metavar="VERSION", default=DEFAULT_VERSION,
                        help=f"the agent version to model (default {DEFAULT_VERSION})")
    parser.add_argument("--agent-url", metavar="URL",
                        help="also ask the agent at URL (e.g. http://localhost:19999) what it tells dashboards; "
                             "the only network request this command makes")
    parser.set_defaults(func=run)


def run(args) -> int:
    system = System(root=args.root)
    bad = configdir.problem(system, args.config_dir)
    if bad:
        warn(configdir.consequence(bad))
    if args.apply or args.revert:
        print((optout.apply if args.apply else optout.revert)(args.config_dir, args.dry_run))
        if args.dry_run:
            return Exit.OK
    hello = transport.agent_hello(args.agent_url) if args.agent_url else None
    verdict = optout.evaluate(system, args.config_dir, args.netdata_version, hello)
    status = Exit.NETWORK if hello and hello["error"] else Exit.OK
    if args.json:
        write_json(verdict.to_json())
        return status
    print("mechanisms")
    for label, text in _mechanism_lines(verdict.mechanisms):
        print(f"  {label:<18} {text}")
    print("components")
    for name, c in verdict.components.items():
        state = "sends" if c["sends"] else "off (" + ", ".join(c["suppressed_by"]) + ")"
        if c.get("applies") is False:
            state = f"not applicable here: {c['not_applicable']}"
        print(f"  {name:<10} {state}")
        print(f"  {'':<10} {c['rule']}")
    print(f"backend channel: {'sends' if verdict.backend_sends else 'suppressed'}")
    for d in verdict.disagreements:
        print(f"note: {d}")
    if bad:
        warn(f"the verdict above is for {args.config_dir}, which does not look like an agent's config dir")
    if status:
        warn(f"could not ask the agent at {args.agent_url}: {hello['error']}")
    return status


def _mechanism_lines(m: dict) -> list[tuple[str, str]]:
    f, installer = m["opt_out_file"], m["installer_option"]
    lines = [("opt-out file", f"{f['path']}: " + ("absent" if not f["exists"] else
                                                   "present" if f["readable"] else "present, unreadable"))]
    for name in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        lines.append((name, repr(m[name]["value"]) if m[name]["set"] else "unset"))
    options = installer["reinstall_options"]
    lines.append(("installer option", f"{installer['path']}: " + (
        "no REINSTALL_OPTIONS recorded" if options is None else
        f"REINSTALL_OPTIONS={options!r}" + (" (includes --disable-telemetry)" if installer["recorded"] else ""))))
    lines.append(("dashboard DNT", f"[web] respect do not track policy = {m['respect_do_not_track_policy'] or 'no'}"))
    hello = m.get("agent_hello")
    if hello:
        lines.append(("agent hello", hello["error"] or
                      f"{hello['url']}: anonymous_statistics={json.dumps(hello['anonymous_statistics'])}"))
    return lines
