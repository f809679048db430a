"""`telemetry-audit opt-out`: which opt-out mechanisms are active and what each component does about them."""

import json

from audit.facts import configdir
from audit.faces.commands import eventargs
from audit.core import optout
from audit.plumbing import transport, versions
from audit.faces.commands.output import note, warn, write_json, write_lines, write_text
from audit.plumbing.errors import AuditError, Exit
from audit.model.verdict import ComponentVerdict, Verdict
from audit.facts.agent import agent_version
from audit.facts.collect import DEFAULT_CONFIG_DIR
from audit.facts.installed import conffile_package
from audit.plumbing.system import System

DEFAULT_VERSION = versions.LAST_SCRIPT_VERSION


def register(subparsers) -> None:
    parser = subparsers.add_parser("opt-out", help="show (or set) the telemetry opt-out state per component")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--apply", action="store_true", help="create the opt-out file in the config dir and set "
                        "`[global] crash reports = off` in its netdata.conf (stops agent-events, even when claimed)")
    action.add_argument("--revert", action="store_true", help="remove the opt-out file and undo --apply's "
                        "netdata.conf change")
    parser.add_argument("--dry-run", action="store_true", help="with --apply/--revert: only say what would change")
    parser.add_argument("--root", metavar="DIR", help="read a sysroot instead of / (its environment: --env, "
                        "--env-file; this process's is not read)")
    eventargs.add_env_arguments(parser)
    parser.add_argument("--config-dir", metavar="DIR", default=DEFAULT_CONFIG_DIR,
                        help=f"the agent's config dir (default {DEFAULT_CONFIG_DIR})")
    parser.add_argument("--lib-dir", metavar="DIR", help="the agent's var-lib dir, where its status file lives "
                        "(default: netdata.conf's [directories] lib, else /var/lib/netdata)")
    parser.add_argument("--netdata-version", metavar="VERSION",
                        help=f"the agent version to model (default: the installed agent's, else {DEFAULT_VERSION})")
    parser.add_argument("--agent-url", metavar="URL",
                        help="also ask the agent at URL (e.g. http://localhost:19999) what it tells dashboards; "
                             "the only network request this command makes")
    parser.set_defaults(func=run)


def run(args) -> int:
    system = System(root=args.root, env=eventargs.environment(System(root=args.root), args.env_file, args.env))
    bad = configdir.problem(system, args.config_dir)
    if bad:
        warn(configdir.consequence(bad))
    version = args.netdata_version or agent_version(system, None).value
    if args.apply or args.revert:
        _change(system, args, version, note if args.json and not args.dry_run else write_text)
        if args.dry_run:
            return Exit.OK
    hello = transport.agent_hello(args.agent_url) if args.agent_url else None
    verdict = optout.evaluate(system, args.config_dir, version, hello, args.lib_dir)
    status = Exit.NETWORK if hello and hello["error"] else Exit.OK
    if args.json:
        write_json(verdict.to_json())
        return status
    write_lines(_verdict_lines(verdict, version))
    if bad:
        warn(f"the verdict above is for {args.config_dir}, which does not look like an agent's config dir")
    if status:
        warn(f"could not ask the agent at {args.agent_url}: {hello['error']}")
    return status


def _verdict_lines(verdict: Verdict, version: str) -> list[str]:
    lines = ["mechanisms", *(f"  {label:<18} {text}" for label, text in _mechanism_lines(verdict.mechanisms))]
    lines.append("components")
    for name, c in verdict.components.items():
        state = "sends" if c.sends else "off (" + ", ".join(c.suppressed_by) + ")"
        if not c.applies:
            state = f"not applicable here: {c.not_applicable}"
        lines += [f"  {name:<12} {state}", f"  {'':<12} {c.rule}"]
    lines += _dashboard_lines(verdict.components["dashboard"], version)
    lines.append("channels")
    for name, ch in verdict.channels.items():  # the typed verdict, as report, send and the TUI give it
        lines.append(f"  {name:<13} {ch.state.value}: {ch.why}")
        if name == "agent-events" and ch.active:
            lines += [f"  {'':<13} {text}" for text in verdict.components["agent-events"].details]
    return lines + [f"note: {d}" for d in verdict.disagreements]


def _dashboard_lines(dashboard: ComponentVerdict, version: str) -> list[str]:
    """One line per request kind of the dashboard this version serves, and what really stops it."""
    from audit.channels.dashboard import generations

    rows = dashboard.requests or ()
    if not rows:
        return []
    lines = [f"dashboard requests ({generations.generation_at(version).title}, {version})"]
    if rows[0].assumed:
        lines.append(f"  {rows[0].assumed}: assumed")
    for r in rows:
        state = "off (the opt-out)" if not r.sends and r.stopped_by_opt_out else \
            f"off ({r.why})" if not r.sends else \
            "sends; the opt-out would stop it" if r.stopped_by_opt_out else \
            "SENDS DESPITE THE OPT-OUT" if dashboard.opted_out else "sends; the opt-out does NOT stop it"
        lines += [f"  {r.title:<22} {state}", f"  {'':<22} {r.method} {r.url}"]
        if r.carries:
            lines.append(f"  {'':<22} carries: {', '.join(r.carries)}")
        if not r.stopped_by_opt_out:
            lines.append(f"  {'':<22} what stops it: {'; '.join(r.stopped_by)}")
    return lines


def _change(system: System, args, version: str, say) -> None:
    """--apply/--revert: the opt-out file, then netdata.conf's crash reports (inside --root when given)."""
    config_dir = system.host_path(args.config_dir)
    if config_dir is None:
        raise AuditError(f"{system.display(args.config_dir)}: no such directory", Exit.USAGE)
    say((optout.apply if args.apply else optout.revert)(config_dir, args.dry_run))
    conf = optout.netdata_conf_path(system, args.config_dir)
    say((optout.apply_crash_reports if args.apply else optout.revert_crash_reports)(conf, args.dry_run))
    inside = f"{args.config_dir.rstrip('/')}/netdata.conf"
    package = conffile_package(system, inside) if args.apply else None
    if package:
        say(f"note: {system.display(inside)} is a conffile of {package}: when an upgrade of {package} ships a new "
            "one, dpkg asks whether to keep the local change (N, the default, keeps it) or take the package's, "
            "which drops crash reports = off")
    left = optout.not_silenced(version) if args.apply else None
    if left:
        say(left)


def _mechanism_lines(m: dict) -> list[tuple[str, str]]:
    f, installer = m["opt_out_file"], m["installer_option"]
    lines = [("opt-out file", _file_line(f))]
    if m["script_opt_out_file"]["path"] != f["path"]:
        lines.append(("script opt-out", _file_line(m["script_opt_out_file"]) + " (the installed script's own)"))
    for name in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        lines.append((name, repr(m[name]["value"]) if m[name]["set"] else "unset"))
    options = installer["reinstall_options"]
    lines.append(("installer option", f"{installer['path']}: " + (
        "no REINSTALL_OPTIONS recorded" if options is None else
        f"REINSTALL_OPTIONS={options!r}" + (" (includes --disable-telemetry)" if installer["recorded"] else ""))))
    lines.append(("dashboard DNT", f"[web] respect do not track policy = {m['respect_do_not_track_policy'] or 'no'}"))
    lines += _agent_lines(m)
    hello = m.get("agent_hello")
    if hello:
        lines.append(("agent hello", hello["error"] or
                      f"{hello['url']}: anonymous_statistics={json.dumps(hello['anonymous_statistics'])}"))
    return lines


def _agent_lines(m: dict) -> list[tuple[str, str]]:
    conf, status, claim, sentry = m["crash_reports"], m["status_file"], m["claim"], m["sentry"]
    lines = [("crash reports", f"{conf['path']}: " + (f"[global] crash reports = {conf['value']}" if conf["value"]
                                                       else "unset" if conf["found"] else "absent"))]
    lines.append(("status file", f"{status['path']} ({status['where']}, mode {status['mode']})" if status["path"]
                  else f"none in {', '.join(status['searched'])}"))
    lines += [("", note) for note in status["notes"]]
    unreadable = f" (cannot read {', '.join(claim['unreadable'])})" if claim["unreadable"] else ""
    lines.append(("claim", "; ".join(claim["saved_status"] + claim["files"]) or f"not claimed{unreadable}"))
    pending = sentry["pending"]
    lines.append(("sentry database", f"{sentry['database']}: " + (
        "unreadable" if sentry["unreadable"] else f"{len(pending)} report(s) pending" if sentry["exists"]
        else "absent")))
    return lines


def _file_line(f: dict) -> str:
    state = "absent" if not f["exists"] else "present" if f["readable"] else "present, unreadable"
    shipped = f"; opted out by the distribution's package: {f['package']} ships this file" if f["package"] else ""
    return f"{f['path']}: {state}{shipped}"
