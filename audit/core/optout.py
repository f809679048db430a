"""Which opt-out mechanisms are active, and what each telemetry component does about them (fact sheet §6)."""

import difflib
import json
import os
import re
import dataclasses

from audit.plumbing import versions
from audit.channels.backend import releases
from audit.channels.agent_events import gate, locate
from audit.channels.dashboard import generations
from audit.channels.installer.machine import recorded_install_options
from audit.plumbing.errors import AuditError, Exit
from audit.plumbing.agentconf import parse_assignments
from audit.facts.installed import OPT_OUT_FILE, owning_package, script_opt_out
from audit.plumbing.system import System
from audit.model.verdict import ChannelVerdict, ComponentVerdict, RequestVerdict, Verdict

COMPONENTS = ("daemon", "script", "kickstart", "docker", "dashboard")
AGENT_COMPONENTS = ("agent-events", "sentry")  # decided by the daemon's status-file code (audit/channels/agent_events)


def shell_eq_one(value: str) -> bool:
    """`[ "$x" -eq 1 ]` as dash evaluates it: optional surrounding blanks, optional sign, decimal digits."""
    m = re.fullmatch(r"[ \t]*([+-]?[0-9]+)[ \t]*", value)
    return bool(m) and int(m.group(1)) == 1


def _daemon_reads_env(version: str) -> bool:
    try:
        return versions.parse(version) >= (2, 3, 0)
    except Exception:
        return True


def mechanisms(system: System, config_dir: str) -> dict:
    path = f"{config_dir.rstrip('/')}/{OPT_OUT_FILE}"
    env = {}
    for name in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        value = system.env.get(name)
        env[name] = {"set": value is not None, "value": value}
    conf = _config_text(system, f"{config_dir.rstrip('/')}/netdata.conf") or ""
    dnt = None
    section = None
    for line in conf.splitlines():
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip()
        elif section == "web" and "=" in s and not s.startswith("#"):
            key, _, val = s.partition("=")
            if key.strip() == "respect do not track policy":
                dnt = val.strip()
    return {"opt_out_file": _file_state(system, path), "script_opt_out_file": _script_file(system, path),
            **env, "respect_do_not_track_policy": dnt, "installer_option": recorded_install_options(system, config_dir),
            "in_container": _in_container(system), "netdata_image": _netdata_image(system, config_dir),
            "install_type": _install_type(system, config_dir),
            "statistics_script": _statistics_script(system, conf)}


def _statistics_script(system: System, conf: str) -> dict:
    """The daemon runs `<primary plugins dir>/anonymous-statistics.sh` only when access(R_OK) finds it
    (v1.43.2:daemon/analytics.c:954-960; v2.5.0:src/daemon/analytics.c:861-864, :886-888). The plugins dir is
    netdata.conf's `[directories] plugins` (its first path), else the install's own."""
    from audit.channels.agent_events.locate import read_ini
    from audit.facts.installed import BINARY_PATHS, SCRIPT_PATHS

    name = "anonymous-statistics.sh"
    configured = read_ini(conf).get("directories", {}).get("plugins", "").split()
    candidates = [f"{configured[0].rstrip('/')}/{name}"] if configured else list(SCRIPT_PATHS)
    installed = any(system.is_file(b) for b in BINARY_PATHS)
    found = next((c for c in candidates if system.is_file(c) and system.readable(c)), None)
    shown = found or (candidates[0] if candidates else None)
    return {"agent_installed": installed, "path": system.display(shown) if shown else None, "present": bool(found),
            "looked_in": [system.display(c) for c in candidates],
            "from": "netdata.conf [directories] plugins" if configured else "the install's default plugins dirs"}


def _config_text(system: System, path: str) -> str | None:
    """A config file's text; a directory in its place reads as absent, as the daemon and the scripts find it."""
    return None if system.is_dir(path) else system.read_text(path)


def _in_container(system: System) -> bool:
    """Docker and Podman mark their containers with a file; systemd-nspawn and others set $container."""
    return system.exists("/.dockerenv") or system.exists("/run/.containerenv") or bool(system.env.get("container"))


def _netdata_image(system: System, config_dir: str) -> bool:
    """Netdata's own image (whose entrypoint acts on the variables): its Dockerfile installs the entrypoint as
    /usr/sbin/run.sh, sets NETDATA_OFFICIAL_IMAGE and (v2) writes INSTALL_TYPE='oci' (packaging/docker/Dockerfile)."""
    return (system.exists("/usr/sbin/run.sh") or "NETDATA_OFFICIAL_IMAGE" in system.env
            or _install_type(system, config_dir) == "oci")


def _install_type(system: System, config_dir: str) -> str | None:
    text = _config_text(system, f"{config_dir.rstrip('/')}/.install-type")
    return parse_assignments(text).get("INSTALL_TYPE") if text is not None else None


def applicability(m: dict) -> dict[str, str]:
    """Components that cannot send from here, each with why (the others apply)."""
    out = {}
    if not m["in_container"]:
        out["docker"] = "not in a container (no /.dockerenv, /run/.containerenv or $container)"
    elif not m["netdata_image"]:
        out["docker"] = ("in a container, but not Netdata's image (no /usr/sbin/run.sh entrypoint, "
                         "$NETDATA_OFFICIAL_IMAGE or INSTALL_TYPE='oci'): its entrypoint does not run here")
    kind = m["install_type"]
    if not (kind or "").startswith(("kickstart-", "binpkg-")):
        out["kickstart"] = ("no .install-type in the config dir: nothing was installed with kickstart" if kind is None
                            else f"installed as {kind!r}, not with kickstart")
    return out


def _file_state(system: System, path: str) -> dict:
    """The opt-out file as each reader tests it: the daemon with access(R_OK), so a directory counts too
    (v2.5.0:src/daemon/analytics.c:864, :872-874); the script with `[ -f ]`, a regular file only
    (v2.5.0:src/daemon/anonymous-statistics.sh.in:21)."""
    exists = system.exists(path)
    directory = exists and system.is_dir(path)
    package = owning_package(system, path).value if exists and not directory else None
    return {"path": system.display(path), "exists": exists, "directory": directory,
            "readable": exists and system.readable(path), "regular": exists and system.is_file(path),
            "package": package}


def _script_file(system: System, daemon_path: str) -> dict:
    """The path the installed statistics script tests (built in); the daemon's config dir when none is installed."""
    found = script_opt_out(system)
    state = _file_state(system, found.value or daemon_path)
    return {**state, "source": found.source if found.value else "default: no installed script, the daemon's path"}


def _val(mech: dict, name: str) -> str:
    return mech[name]["value"] or ""


def _script(m, version):
    if _script_retired(version):
        return ["not run since v2.6.0"]
    by = [x for x in _script_env(version) if _val(m, x)]
    script = m["statistics_script"]
    if script["agent_installed"] and not script["present"]:
        by.insert(0, f"no statistics script in the plugins dir ({', '.join(script['looked_in'])})")
    if m["script_opt_out_file"]["regular"]:  # `[ -f ]`: a directory does not stop the script
        by.insert(0, "script opt-out file")
    return by


def _script_env(version: str) -> tuple[str, ...]:
    """The variables that release's script tests (v1.33 knew only DO_NOT_TRACK)."""
    try:
        return releases.script_layout(version).opt_out_env
    except AuditError:
        return releases.BOTH_ENV


def _script_retired(version: str) -> bool:
    """v2.6.0 stopped calling the statistics script (commit c546a70f07)."""
    try:
        return versions.parse(version)[:2] > versions.parse(versions.LAST_SCRIPT_VERSION)[:2]
    except AuditError:
        return False


def _daemon(m, version):
    by = ["opt-out file"] if m["opt_out_file"]["readable"] else []
    if _daemon_reads_env(version) and _val(m, "DISABLE_TELEMETRY"):
        by.append("DISABLE_TELEMETRY")
    return by


def _kickstart(m, version):
    d, n = _val(m, "DISABLE_TELEMETRY"), _val(m, "DO_NOT_TRACK")
    name, value = ("DISABLE_TELEMETRY", d) if d else (("DO_NOT_TRACK", n) if n else (None, "0"))
    return [name] if shell_eq_one(value) else []


def _docker(m, version):
    return [x for x in ("DISABLE_TELEMETRY", "DO_NOT_TRACK") if _val(m, x)]


# Each component's rule in words (fact sheet §6); shown beside its verdict and used by the docs.
RULE_TEXT = {
    "script": "anonymous-statistics.sh exits without sending when the opt-out file exists or DISABLE_TELEMETRY or "
              "DO_NOT_TRACK is non-empty (any value, even 0).",
    "daemon": "The daemon stops when the opt-out file is readable; from v2.3 also when DISABLE_TELEMETRY is "
              "non-empty. It never reads DO_NOT_TRACK.",
    "kickstart": "kickstart.sh uses DISABLE_TELEMETRY if non-empty, else DO_NOT_TRACK, and skips its events only "
                 "when that value is exactly 1 (or with --disable-telemetry). It ignores the opt-out file.",
    "docker": "The Docker entrypoint creates the opt-out file at start when DISABLE_TELEMETRY or DO_NOT_TRACK is "
              "non-empty, and never removes it.",
    "dashboard": "The dashboard loads PostHog, Google Tag Manager and (v2) Sentry unless the agent's registry hello "
                 "says anonymous_statistics=false; that flag follows the daemon's decision. From v1.43 the v2 "
                 "dashboard also POSTs a telemetry push to Netdata Cloud, and from v1.45 sends a privacy check, "
                 "whenever someone opens it: NO opt-out stops them.",
    "agent-events": "From v2.3 the daemon posts how its previous run ended at each start when `[global] crash "
                    "reports` (netdata.conf) is all, or crashes and that run crashed; any other value stops it. "
                    "Unset, it is all unless the agent is opted out (opt-out file, DISABLE_TELEMETRY) and was "
                    "never claimed: a claimed agent sends despite the opt-out. From v2.3.2 CI variables stop it while "
                    "restarts <= 1; a repeat within 23 h is not sent.",
    "sentry": "Builds with sentry-native (ENABLE_SENTRY: at v2.11.0 the amd64 native packages for Debian and "
              "Ubuntu) upload a report of each crash unless the daemon is opted out (opt-out file, "
              "DISABLE_TELEMETRY); the claim and crash reports do not matter. A report holds a minidump of the "
              "crashed process (thread stacks and registers, loaded modules), the fatal message, function, file, "
              "line, thread and stack trace, the machine GUID as user id, and tags: install type, OS, "
              "architecture, virtualization, container, cloud provider/type/region, timezone, hardware vendor "
              "and product, profile, db mode, restarts.",
}

RULES = {
    "script": _script,
    "daemon": _daemon,
    "kickstart": _kickstart,
    "docker": _docker,
}


def _label(m: dict, name: str) -> str:
    if name in ("opt-out file", "script opt-out file"):
        state = m["opt_out_file" if name == "opt-out file" else "script_opt_out_file"]
        paths = {m[key]["path"] for key in ("opt_out_file", "script_opt_out_file") if key in m}
        where = f" {state['path']}" if len(paths) > 1 else ""  # two files: say which
        shipped = f" (opted out by the distribution's package: {state['package']} ships this file)" \
            if state["package"] else ""
        if state.get("directory"):
            shipped += " (a directory: the daemon's access(R_OK) passes)"
        return f"opt-out file{where}{shipped}"
    if name not in m:
        return name
    value = m[name]["value"]
    return f"{name}={value}" if value == value.strip() else f"{name}={value!r}"


def evaluate(system: System, config_dir: str, version: str, hello: dict | None = None,
             lib_dir: str | None = None) -> Verdict:
    """`hello`: what a running agent answered to the registry hello (see transport.agent_hello), if asked;
    `lib_dir`: the agent's var-lib dir when not netdata.conf's (or /var/lib/netdata)."""
    m = mechanisms(system, config_dir)
    state = locate.collect(system, config_dir, lib_dir)
    m.update(_agent_mechanisms(state))
    if hello is not None:
        m["agent_hello"] = hello
    comps = {}
    for name, rule in RULES.items():
        by = rule(m, version)
        labels = tuple(_label(m, b) for b in by)
        comps[name] = ComponentVerdict(not by, labels, RULE_TEXT[name], _evidence(m, name))
    comps["docker"] = dataclasses.replace(
        comps["docker"], evidence="the entrypoint creates the opt-out file when either variable is non-empty")
    for name, why in applicability(m).items():
        comps[name] = dataclasses.replace(comps[name], sends=False, not_applicable=why)  # it cannot send: never
        # "sends" beside "not applicable" (what its rule would decide is still in suppressed_by)
    comps["dashboard"] = _dashboard(m, comps, version)
    comps["agent-events"] = _agent_events(system, state, comps, version)
    comps["sentry"] = _sentry(state, comps)
    backend = comps["daemon"].sends and comps["script"].sends
    return Verdict(m, comps, backend, _disagreements(m, comps, version), channel_verdicts(comps, version))


def channel_verdicts(comps: dict[str, ComponentVerdict], version: str) -> dict[str, ChannelVerdict]:
    """Per channel (audit.channels): whether it sends from this machine at `version`, and what decides it."""
    from audit.channels import CHANNELS

    out = {}
    for ch in CHANNELS.values():
        if not all(name in comps for name in ch.components):
            continue
        by = tuple(dict.fromkeys(b for name in ch.components for b in comps[name].suppressed_by))
        decided = by or tuple(dict.fromkeys(b for name in ch.components for b in comps[name].decided_by or ()))
        active = ch.active_at(version)
        moot = [comps[name].not_applicable for name in ch.components if not comps[name].applies]
        evidence = "; ".join(dict.fromkeys(comps[name].evidence for name in ch.components))
        if moot:
            evidence = "not applicable here: " + "; ".join(moot)
        unsure = tuple(u for name in ch.components for u in comps[name].uncertain)
        summaries = [comps[name].summary for name in ch.components if comps[name].summary is not None]
        if not active:
            evidence = f"Netdata {version} does not send on this channel ({ch.versions})"
        out[ch.name] = ChannelVerdict(active and not by and not moot, active, not moot, decided, ch.components,
                                      evidence, "; ".join(summaries) if summaries and active else None,
                                      unsure if active and not by and not moot else ())
    return out


def _dashboard(m: dict, comps: dict[str, ComponentVerdict], version: str) -> ComponentVerdict:
    """PostHog and the like follow the hello's anonymous_statistics; the v2 dashboard's own requests do not."""
    tracking_off, by, evidence = _dashboard_tracking(m, comps)
    rows = dashboard_requests(m, version, tracking_off)
    despite = tuple(r.title for r in rows if r.sends and not r.stopped_by_opt_out)
    sends = not tracking_off or bool(despite)
    if despite:
        evidence += (f"; despite any opt-out, {generations.generation_at(version).title} ({version}) sends: "
                     + ", ".join(despite))
    return ComponentVerdict(sends, () if sends else by, RULE_TEXT["dashboard"], evidence, requests=rows,
                            opted_out=tracking_off, sends_despite_opt_out=despite)


def _dashboard_tracking(m: dict, comps: dict[str, ComponentVerdict]) -> tuple[bool, tuple[str, ...], str]:
    """Whether the hello turns the dashboard's analytics off, by what, and the evidence."""
    dnt = (f"browser DNT matters only with [web] respect do not track policy = yes "
           f"(now: {m['respect_do_not_track_policy'] or 'no'})")
    hello = m.get("agent_hello")
    if hello and hello.get("error") is None:
        flag = hello.get("anonymous_statistics")
        return (flag is False, ("agent hello anonymous_statistics=false",),
                f"{hello['url']} answered anonymous_statistics={json.dumps(flag)}; {dnt}")
    asked = f"; could not ask the agent: {hello['error']}" if hello else ""
    return (not comps["daemon"].sends, ("daemon opt-out",),
            f"modelled from the daemon's rule (its hello flag){asked}; {dnt}")


def dashboard_requests(m: dict, version: str, tracking_off: bool) -> tuple[RequestVerdict, ...]:
    """One row per off-host request kind of the dashboard `version` serves: whether it leaves, and what stops it."""
    assumed = generations.assumed(version)
    hello = m.get("agent_hello") or {}
    rows = []
    for r in generations.requests_at(version):
        sends, why = _request_sends(r, tracking_off, hello)
        rows.append(RequestVerdict(
            r.kind, r.title, r.method, _destination(r, hello), sends, r.stopped_by_opt_out, why, r.when,
            tuple(f.path for f in r.fields if f.identifying), r.chosen_by, tuple(r.levers), r.source,
            r.verified or None,
            f"carried over from v1.47's bundle ({version}'s is not in Netdata's repository)" if assumed else None))
    return tuple(rows)


def _destination(r, hello: dict) -> str:
    """The hello's cloud_base_url replaces Netdata Cloud for the requests it chooses (v1.47 index.html: apiUrl)."""
    base = (hello.get("cloud_base_url") or "").rstrip("/")
    if base and "cloud_base_url" in r.chosen_by and r.url.startswith(generations.DEFAULT_CLOUD):
        return base + r.url[len(generations.DEFAULT_CLOUD):]
    return r.url


def _request_sends(r, tracking_off: bool, hello: dict) -> tuple[bool, str]:
    if r.stopped_by_opt_out:
        return (not tracking_off, "stopped by the opt-out" if tracking_off else "the opt-out would stop it")
    if r.kind == "account-check" and hello.get("cloud_status") in ("disabled", "unavailable"):
        return False, f"the agent's cloud status is {hello['cloud_status']}"
    return True, "NOT stopped by the opt-out: " + r.gate


def _agent_mechanisms(state: locate.AgentEventsState) -> dict:
    """What the agent-events gate and Sentry read: netdata.conf, the saved status, the claim, Sentry's database."""
    d, loc, saved, claim, db = state.dirs, state.status, state.saved, state.claim, state.sentry
    chosen = loc.chosen
    return {
        "crash_reports": {"path": d.conf_display, "found": d.conf_found, "value": d.crash_reports},
        "status_file": {"path": chosen.display if chosen else None, "where": chosen.where if chosen else None,
                        "mode": f"{chosen.mode:04o}" if chosen else None,
                        "world_readable": chosen.world_readable if chosen else None,
                        "loaded": saved.loaded, "problem": saved.problem, "status": saved.status,
                        "restarts": saved.restarts, "lib_dir": d.lib, "lib_dir_from": d.lib_from,
                        "searched": list(loc.searched), "copies": [c.display for c in loc.copies],
                        "notes": loc.notes(),
                        "dedup_file": state.dedup.chosen.display if state.dedup.chosen else None},
        "claim": {"saved_status": saved.claimed_by, "files": claim.claimed_by, "unreadable": list(claim.unreadable),
                  "auto_claim": claim.auto_claim},
        "sentry": {"sentry_available": saved.sentry_available, "database": db.display, "exists": db.exists,
                   "unreadable": db.unreadable, "pending": list(db.pending), "last_crash": db.last_crash},
    }


def agent_events_verdict(system: System, config_dir: str, version: str, lib_dir: str | None = None,
                         now_us: int | None = None, **cause) -> gate.GateVerdict:
    """The gate for one exit cause (cause=, crash=, priority=: what the body's cause table says), e.g. for a
    status line: "would send at next start: killed hard, priority 4"."""
    state = locate.collect(system, config_dir, lib_dir)
    m = mechanisms(system, config_dir)
    opted_out = [_label(m, b) for b in _daemon(m, version)]
    return gate.evaluate(locate.gate_input(state, opted_out, system.env, version, system, now_us, **cause))


def body_verdict(system: System, config_dir: str, built, agent_version: str | None, lib_dir: str | None = None,
                 saved_status: bool = False) -> gate.GateVerdict | None:
    """The daemon's gate for this agent-events body (payload's note, send's refusal, the TUI): its own exit
    cause, unless it is the machine's own saved status (`saved_status`), whose cause the gate reads from the
    machine anyway; at the agent's version (the installed or modelled one: an agent that predates the channel
    posts nothing, whatever release a body is built for), else the body's. None: not an agent-events body."""
    from audit.channels.agent_events import causes

    document = built.document() if built.channel == "agent-events" else None
    if not isinstance(document, dict):
        return None
    version = agent_version or document.get("agent_version_now")
    if not isinstance(version, str):
        return None
    given = {} if saved_status else causes.gate_cause(built.event, document)
    return agent_events_verdict(system, config_dir, version, lib_dir, **given)


def _agent_events(system: System, state: locate.AgentEventsState, comps: dict[str, ComponentVerdict],
                  version: str) -> ComponentVerdict:
    """The daemon's own gate; it reads the opt-out exactly as the daemon's analytics_check_enabled() does."""
    opted_out = list(comps["daemon"].suppressed_by)
    verdict = gate.evaluate(locate.gate_input(state, opted_out, system.env, version, system))
    return ComponentVerdict(verdict.sends, () if verdict.sends else tuple(verdict.by), RULE_TEXT["agent-events"],
                            "; ".join(verdict.evidence), decided_by=tuple(verdict.by),
                            details=tuple(verdict.evidence), summary=verdict.summary,
                            uncertain=tuple(verdict.uncertain or ()))


def _sentry(state: locate.AgentEventsState, comps: dict[str, ComponentVerdict]) -> ComponentVerdict:
    available, db = state.saved.sentry_available, state.sentry
    built = True if available or db.exists else (False if available is False else None)
    opted_out = comps["daemon"].suppressed_by
    if opted_out:
        by = list(opted_out)
    elif built is None:
        by = ["no sign of a Sentry build"]
    else:
        by = [] if built else ["built without Sentry"]
    facts = [f"saved status: sentry_available={json.dumps(available)}" if available is not None else
             "no saved status says whether this build has Sentry (netdata -W buildinfo does not list it)",
             f"{db.display} " + ("unreadable" if db.unreadable else "exists" if db.exists else "absent")]
    if db.pending:
        facts.append(f"{len(db.pending)} report(s) waiting to upload at the next start: {', '.join(db.pending)}")
    if db.last_crash:
        facts.append(f"last crash recorded by Sentry: {db.last_crash}")
    return ComponentVerdict(not by, tuple(by), RULE_TEXT["sentry"], "; ".join(facts))


def _evidence(m: dict, name: str) -> str:
    f = m["script_opt_out_file" if name == "script" else "opt_out_file"]
    parts = [f"{f['path']} {'exists' if f['exists'] else 'absent'}"]
    for v in ("DISABLE_TELEMETRY", "DO_NOT_TRACK"):
        parts.append(f"{v}={m[v]['value']!r}" if m[v]["set"] else f"{v} unset")
    return "; ".join(parts)


def _disagreements(m, comps, version) -> list:
    out = []
    kickstart_sends = comps["kickstart"].sends and comps["kickstart"].applies
    if not comps["script"].sends and kickstart_sends:
        out.append("The statistics script is off but kickstart would still send installer events: "
                   "set DISABLE_TELEMETRY=1 exactly (or pass --disable-telemetry) when installing.")
    if not comps["script"].sends and comps["daemon"].sends:
        out.append("The environment stops the statistics script but the daemon still counts telemetry as enabled "
                   "(dashboards get anonymous_statistics=true): create the opt-out file with `opt-out --apply`.")
    if m["opt_out_file"]["exists"] and kickstart_sends:
        out.append("The opt-out file does not affect kickstart: installer events are still sent unless "
                   "DISABLE_TELEMETRY=1 or --disable-telemetry is used.")
    daemon_file, script_file = m["opt_out_file"], m["script_opt_out_file"]
    if daemon_file["path"] != script_file["path"] and not _script_retired(version):
        out.append(f"The daemon reads {daemon_file['path']} (its config dir), but the installed statistics script "
                   f"reads {script_file['path']} (built in, whatever -c the daemon got): an opt-out file in one "
                   "does not stop the other.")
    installer = m["installer_option"]
    if installer["recorded"] and not m["opt_out_file"]["exists"]:
        out.append(f"The installer was given --disable-telemetry ({installer['path']}) but the opt-out file is "
                   "missing, so the agent sends: create it with `opt-out --apply`.")
    out += _agent_disagreements(m, comps)
    out += _dashboard_disagreements(comps["dashboard"], version)
    hello = m.get("agent_hello")
    agent_sends = hello and hello.get("error") is None and hello.get("anonymous_statistics") is not False
    if hello and hello.get("error") is None and agent_sends != comps["daemon"].sends:
        out.append(f"The running agent ({hello['url']}) reports anonymous_statistics="
                   f"{json.dumps(hello.get('anonymous_statistics'))}, but its files and environment here say the "
                   f"daemon {'sends' if comps['daemon'].sends else 'is opted out'}: it may read another config "
                   "dir or environment, or decided before the change; restart it.")
    return out


def _dashboard_disagreements(dashboard: ComponentVerdict, version: str) -> list:
    rows = [r for r in dashboard.requests or () if r.sends and not r.stopped_by_opt_out]
    if not (dashboard.opted_out and rows):
        return []
    levers = dict.fromkeys(lever for r in rows for lever in r.stopped_by)
    return [f"Opted out, but the dashboard of {version} still sends its " + ", ".join(r.title for r in rows)
            + " whenever someone opens it: the opt-out does not stop them. What does: " + "; ".join(levers) + "."]


def _agent_disagreements(m: dict, comps: dict) -> list:
    events = comps.get("agent-events")
    if comps["daemon"].sends or not events or not events.sends:
        return []
    if m["crash_reports"]["value"]:
        return [f"Opted out, but netdata.conf sets `crash reports = {m['crash_reports']['value']}`: agent-events "
                "still sends at each start; set `[global] crash reports = off` (`opt-out --apply` does)."]
    return ["Opted out, but this agent is claimed: agent-events still sends at each start (a claimed agent's "
            "crash reports default to all) — set `[global] crash reports = off` (`opt-out --apply` does)."]


def not_silenced(version: str) -> str | None:
    """What --apply leaves sending at `version`: the dashboard's requests no opt-out stops (None: nothing)."""
    rows = [r for r in generations.requests_at(version) if not r.stopped_by_opt_out]
    if not rows:
        return None
    return (f"not silenced: the opt-out does not stop the dashboard's {', '.join(r.title for r in rows)} "
            f"({generations.generation_at(version).title}, {version}); `telemetry-audit opt-out` lists what does")


def _path(config_dir: str) -> str:
    return os.path.join(config_dir, OPT_OUT_FILE)


# What --apply writes into the opt-out file it creates (Netdata only checks that the file exists), so --revert
# removes only a file this tool created and never one a package or an admin put there.
CREATED_MARK = "# created by telemetry-audit opt-out --apply; `telemetry-audit opt-out --revert` removes it\n"


def apply(config_dir: str, dry_run: bool = False) -> str:
    path = _path(config_dir)
    if os.path.exists(path):
        return f"{path} already exists"
    if dry_run:
        return f"would create {path}"
    try:
        with open(path, "x") as f:
            f.write(CREATED_MARK)
    except OSError as e:
        raise AuditError(f"cannot create {path}: {e.strerror}", Exit.USAGE) from None
    return f"created {path}"


def revert(config_dir: str, dry_run: bool = False) -> str:
    path = _path(config_dir)
    if not os.path.lexists(path):
        return f"{path} does not exist"
    kept = kept_on_revert(config_dir)
    if kept:
        return f"{path} {kept}"
    if dry_run:
        return f"would remove {path}"
    try:
        os.unlink(path)
    except OSError as e:
        raise AuditError(f"cannot remove {path}: {e.strerror}", Exit.USAGE) from None
    return f"removed {path}"


def kept_on_revert(config_dir: str) -> str | None:
    """Why --revert leaves the opt-out file in `config_dir` in place (None: it is absent, or --revert removes it)."""
    path = _path(config_dir)
    if not os.path.lexists(path) or _created_here(path):
        return None
    package = owning_package(System(), path).value
    shipped = f"{package} ships it; " if package else ""
    return f"left in place: telemetry-audit did not create it ({shipped}remove it by hand to opt back in)"


def _created_here(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(len(CREATED_MARK) + 1) == CREATED_MARK
    except OSError:
        return False


# ---------------------------------------------------------------- `[global] crash reports = off` in netdata.conf
# The edit leaves every other byte alone and marks itself with a comment line, so --revert restores exactly what was
# there even after other edits to the file.

_MARK = "# telemetry-audit opt-out --apply "
_REPLACED = _MARK + "replaced the next line; --revert restores it: "
_ADDED = _MARK + "added the next line; --revert removes it"
_SECTION = _MARK + "added this [global] section; --revert removes it"
_NEWLINE = _MARK + "ended the line above with a newline; --revert removes it"
_CREATED = _MARK + "created this file; --revert removes it"
_OFF = "crash reports = off"


def _conf_lines(text: str):
    """(index, section, name, value) of each effective `name = value` line, as inicfg_load reads them."""
    section = None
    for i, line in enumerate(text.splitlines()):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
        elif section is not None and "=" in s:
            name, _, value = s.partition("=")
            yield i, section, name.strip(), value.strip()


def _eol(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _ensure_eol(lines: list[str], at: int, eol: str) -> int:
    """Give lines[at] a line ending if it has none, marking it; the index where insertion continues."""
    if lines[at].endswith(("\n", "\r")):
        return at + 1
    lines[at] += eol
    lines.insert(at + 1, _NEWLINE + eol)
    return at + 2


def crash_reports_off(text: str | None) -> tuple[str, str]:
    """netdata.conf with `[global] crash reports = off` (text None: the file does not exist); and what changed."""
    if text is None:
        return (f"{_CREATED}\n{_SECTION}\n[global]\n    {_ADDED}\n    {_OFF}\n",
                "create it with [global] crash reports = off (the daemon reads it instead of a stock netdata.conf)")
    eol, lines = _eol(text), text.splitlines(keepends=True)
    found = [(i, v) for i, section, name, v in _conf_lines(text) if section == "global" and name == "crash reports"]
    if found:
        i, value = found[-1]
        if gate.crash_reports_mode(value, True) == "off":
            return text, f"crash reports = {value} already disables agent-events"
        body = lines[i].rstrip("\r\n")
        indent = body[:len(body) - len(body.lstrip())]
        lines[i:i + 1] = [f"{indent}{_REPLACED}{json.dumps(body)}{eol}", f"{indent}{_OFF}{lines[i][len(body):]}"]
        return "".join(lines), f"replace `{body.strip()}` with `{_OFF}` in [global]"
    headers = [i for i, line in enumerate(lines) if line.strip() == "[global]"]
    if headers:
        indent = _indent(lines, headers[0] + 1)
        at = _ensure_eol(lines, headers[0], eol)
        lines[at:at] = [f"{indent}{_ADDED}{eol}", f"{indent}{_OFF}{eol}"]
        return "".join(lines), f"add `{_OFF}` to [global]"
    indent = _indent(lines, 0)
    at = _ensure_eol(lines, len(lines) - 1, eol) if lines else 0
    lines[at:] = [f"{_SECTION}{eol}", f"[global]{eol}", f"{indent}{_ADDED}{eol}", f"{indent}{_OFF}{eol}"]
    return "".join(lines), f"add a [global] section with `{_OFF}`"


def _indent(lines: list[str], start: int) -> str:
    """The indentation the file uses (Debian's netdata.conf: a tab): of the first indented line from `start` (the
    section's first line), else of any indented line, else four spaces."""
    for line in lines[start:] + lines[:start]:
        body = line.rstrip("\r\n")
        text = body.lstrip(" \t")
        if text and text != body:
            return body[:len(body) - len(text)]
    return "    "


def _replaced_line(mark: str, index: int) -> str:
    """The line a crash_reports_off marker saved (a JSON string; the file may have been edited by hand since)."""
    from audit.plumbing import inputs

    line = inputs.load_json(mark[len(_REPLACED):], f"netdata.conf line {index + 1}")
    if not isinstance(line, str):
        raise AuditError(f"netdata.conf line {index + 1}: the saved line is not a JSON string; edit it by hand")
    return line


def crash_reports_restore(text: str) -> tuple[str | None, str]:
    """Undo crash_reports_off's marked edits (None: remove the file it created); and what changed."""
    lines = text.splitlines(keepends=True)
    done, kept = [], []
    for i in range(len(lines) - 1, -1, -1):
        mark, nxt = lines[i].strip(), lines[i + 1].strip() if i + 1 < len(lines) else None
        if mark.startswith(_REPLACED) and nxt == _OFF:
            lines[i:i + 2] = [_replaced_line(mark, i) + lines[i + 1][len(lines[i + 1].rstrip("\r\n")):]]
            done.append(f"restore `{lines[i].strip()}`")
        elif mark == _ADDED and nxt == _OFF:
            del lines[i:i + 2]
            done.append(f"remove `{_OFF}`")
        elif mark == _SECTION and nxt == "[global]" and _section_empty(lines, i + 2):
            del lines[i:i + 2]
        elif mark == _NEWLINE and i > 0:
            del lines[i]
            lines[i - 1] = lines[i - 1].rstrip("\r\n")
        elif mark.startswith(_REPLACED) or mark == _ADDED:
            kept.append(f"left alone, changed since --apply: {lines[i + 1].strip() if nxt is not None else mark}")
    new = "".join(lines)
    if new.strip() == _CREATED:
        return None, "remove the netdata.conf it created"
    if not done:
        return text, "; ".join(kept) or "no crash reports change by opt-out --apply to undo"
    return new, "; ".join(done + kept)


def _section_empty(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        s = line.strip()
        if s.startswith("["):
            return True
        if s and not s.startswith("#"):
            return False
    return True


def netdata_conf_path(system: System, config_dir: str) -> str:
    """Where to edit netdata.conf on this machine (inside --root when given)."""
    path = system.host_path(f"{config_dir.rstrip('/') or ''}/netdata.conf")
    if path is None:
        raise AuditError(f"{system.display(config_dir)}: no such directory", Exit.USAGE)
    return path


def apply_crash_reports(path: str, dry_run: bool = False) -> str:
    old = _read_conf(path)
    new, what = crash_reports_off(old)
    return _change(path, old, new, what, dry_run)


def revert_crash_reports(path: str, dry_run: bool = False) -> str:
    old = _read_conf(path)
    if old is None:
        return f"{path} does not exist"
    new, what = crash_reports_restore(old)
    return _change(path, old, new, what, dry_run)


def _read_conf(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise AuditError(f"cannot read {path}: {e.strerror}", Exit.USAGE) from None


def _change(path: str, old: str | None, new: str | None, what: str, dry_run: bool) -> str:
    if new == old:
        return f"{path}: {what}"
    if dry_run:
        diff = difflib.unified_diff((old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                                    path, f"{path} (after)")
        return f"would {what} in {path}:\n" + "".join(line if line.endswith("\n") else line + "\n\\ no newline\n"
                                                       for line in diff).rstrip("\n")
    try:
        if new is None:
            os.unlink(path)
        else:
            _write_keeping_owner(path, new)
    except OSError as e:
        raise AuditError(f"cannot change {path}: {e.strerror}", Exit.USAGE) from None
    return f"{path}: done: {what}"


def _write_keeping_owner(path: str, text: str) -> None:
    """Replace the file atomically, keeping its mode and (when allowed) its owner."""
    st = os.stat(path) if os.path.exists(path) else None
    tmp = f"{path}.telemetry-audit.tmp"
    with open(tmp, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if st is not None:
        os.chmod(tmp, st.st_mode & 0o7777)
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except PermissionError:
            pass
    os.replace(tmp, path)
