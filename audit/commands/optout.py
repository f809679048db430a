"""`telemetry-audit opt-out`: which opt-out mechanisms are active and what each component does about them."""

from audit import optout
from audit.commands.output import write_json
from audit.errors import Exit
from audit.facts.collect import DEFAULT_CONFIG_DIR
from audit.facts.system import System

DEFAULT_VERSION = "v2.5.4"


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
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.apply or args.revert:
        print((optout.apply if args.apply else optout.revert)(args.config_dir, args.dry_run))
        if args.dry_run:
            return Exit.OK
    verdict = optout.evaluate(System(root=args.root), args.config_dir, args.netdata_version)
    if args.json:
        write_json(verdict.to_json())
        return Exit.OK
    for name, c in verdict.components.items():
        state = "sends" if c["sends"] else "off (" + ", ".join(c["suppressed_by"]) + ")"
        print(f"{name:<10} {state}")
    print(f"backend channel: {'sends' if verdict.backend_sends else 'suppressed'}")
    for d in verdict.disagreements:
        print(f"note: {d}")
    return Exit.OK
