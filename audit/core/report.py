"""One host, one document: everything the other commands know about this host's telemetry (pure: gathered
values in, a JSON-ready dict out). The command (audit/faces/commands/report.py) does the reading; `fleet` reads the
documents back (audit/core/fleet.py). Schema: schemas/host-report.schema.json.
"""

from collections.abc import Mapping

from audit.channels.installer.machine import REDACTED, redact

FORMAT = "telemetry-audit-host-report"
VERSION = 1

# The facts that describe the installed agent (today's names; any fact named agent_* or agent.* is added as it
# appears): the version, the package (install type, prebuilt distro) and the build.
VERSION_FACT = "netdata_version"
PACKAGE_FACTS = {"install_type": "analytics.netdata_install_type",
                 "prebuilt_distro": "analytics.netdata_prebuilt_distro",
                 "release_channel": "analytics.netdata_release_channel"}
BUILD_FACT = "analytics.netdata_buildinfo"
AGENT_FACTS = (VERSION_FACT, "config_dir", BUILD_FACT, *PACKAGE_FACTS.values(), "analytics.host_agent_claimed")

def document(*, host: str | None, agent: dict, verdict: Mapping, checks: Mapping[str, dict],
             facts_sha256: str, tool_version: str) -> dict:
    """`verdict`: audit.model.verdict.Verdict.to_json(); `checks`: per built channel, what `check` found in its
    default event (see check_result)."""
    channels = {name: channel(name, v, verdict["components"], agent["found"], checks.get(name))
                for name, v in verdict["channels"].items()}
    return {
        "format": FORMAT,
        "version": VERSION,
        "tool_version": tool_version,
        "host": host,
        "agent": agent,
        "channels": channels,
        "sends": sorted(name for name, c in channels.items() if c["sends"]),
        "install_options": install_options(verdict["mechanisms"]["installer_option"]),
        "notes": list(verdict["disagreements"]),
        "facts_sha256": facts_sha256,
    }


def agent_section(facts: Mapping, found: bool, found_by: list[str]) -> dict:
    """What is known of the installed agent, from whichever facts exist (each with its source and observed flag)."""
    picked = {name: fact.to_json() for name, fact in facts.items()
              if name in AGENT_FACTS or name.startswith(("agent_", "agent."))}
    return {
        "found": found,
        "found_by": found_by,
        "version": _fact(picked.get(VERSION_FACT)),
        "package": {key: _fact(picked.get(name)) for key, name in PACKAGE_FACTS.items()},
        "build": _fact(picked.get(BUILD_FACT)),
        "facts": picked,
    }


def _fact(fact: dict | None) -> dict:
    """A fact's value for people: analytics facts hold JSON literals ("\"stable\"", "null"), shown decoded."""
    if fact is None:
        return {"value": None, "observed": False, "source": None}
    value = fact["value"]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return {"value": None if value == "null" else value, "observed": fact["observed"], "source": fact["source"]}


def channel(name: str, verdict: Mapping, components: Mapping, agent_found: bool, check: dict | None) -> dict:
    comps = {c: {"sends": components[c]["sends"], "suppressed_by": components[c]["suppressed_by"]}
             for c in verdict["components"] if c in components}
    state = _REPORT_STATE[verdict["state"]] if agent_found else "no agent"
    sends = state == "sends"
    requests = components.get(name, {}).get("requests") if name == "dashboard" else None
    return {
        "sends": sends,
        "state": state,
        "active": verdict["active"],
        "by": list(verdict["by"]),
        "why": _despite(components[name]) if requests and state == "sends" and components[name]["opted_out"]
        else why(state, verdict),
        "evidence": verdict["evidence"],
        "components": comps,
        "disagreeing": [c for c, v in comps.items() if v["sends"]] if not verdict["sends"] else [],
        "check": check,
        **({"requests": [_request_row(r) for r in requests]} if requests else {}),
    }


# The typed verdict's state (audit.model.verdict.State) in the report's words: "uncertain" sends unless what could
# not be read stops it (its evidence says what); with no agent found, every channel reads "no agent".
_REPORT_STATE = {"sends": "sends", "uncertain": "sends", "not sent": "suppressed", "inactive": "inactive",
                 "not applicable": "not applicable"}


def _despite(dashboard: Mapping) -> str:
    return "sends despite the opt-out: " + ", ".join(dashboard["sends_despite_opt_out"])


def _request_row(row: Mapping) -> dict:
    keys = ("kind", "title", "sends", "stopped_by_opt_out", "carries", "stopped_by", "assumed")
    return {key: row[key] for key in keys}


def why(state: str, verdict: Mapping) -> str:
    if state == "sends":  # `by` names what decided it when something does (e.g. a claim overriding the opt-out)
        return ("sends by default: " + "; ".join(verdict["by"])) if verdict["by"] else \
            "nothing stops it: " + verdict["evidence"]
    if state == "no agent":
        would = _REPORT_STATE[verdict["state"]]
        return ("no Netdata agent found on this host (one installed as configured: "
                + ("sends" if would == "sends" else why(would, verdict)) + ")")
    if state in ("inactive", "not applicable"):
        return verdict["evidence"]
    return "suppressed by " + ", ".join(verdict["by"])


def check_result(event: str, sha256: str, findings: list[dict]) -> dict:
    """What `check` found; a secret's text (a claim token) is never copied into the document, which is handed
    around."""
    findings = [{**f, "text": REDACTED} if f["sensitivity"] == "secret" else f for f in findings]
    odd = [f for f in findings if not f["expected"]]
    return {"event": event, "sha256": sha256, "findings": findings, "unexpected": len(odd),
            "identifying": sorted({f["kind"] for f in odd})}


def install_options(installer: Mapping) -> dict:
    recorded = installer.get("reinstall_options")
    redacted, claim_token = redact(recorded) if recorded is not None else (None, False)
    return {"path": installer["path"], "recorded": redacted, "claim_token": claim_token,
            "disable_telemetry": bool(installer.get("recorded"))}


def exit_sends(doc: Mapping) -> bool:
    return bool(doc["sends"])


def summary_lines(doc: Mapping) -> list[str]:
    agent = doc["agent"]
    version = agent["version"]
    found = (f"Netdata {version['value']}" + ("" if version["observed"] else " (version assumed)")
             if agent["found"] else "no Netdata agent found")
    lines = [f"{doc['host'] or '(unknown host)'}: {found}"]
    for name, c in doc["channels"].items():
        lines.append(f"  {name:<13} {c['state']:<14} {c['why']}")
        if c["disagreeing"]:
            lines.append(f"  {'':<13} {'':<14} still on: {', '.join(c['disagreeing'])}")
        if c["check"] and c["check"].get("unexpected"):
            lines.append(f"  {'':<13} {'':<14} identifying data in {c['check']['event']}: "
                         + ", ".join(c["check"]["identifying"]))
        unstoppable = [r["title"] for r in c.get("requests", ()) if r["sends"] and not r["stopped_by_opt_out"]]
        if unstoppable:
            lines.append(f"  {'':<13} {'':<14} no opt-out stops: {', '.join(unstoppable)}")
    install = doc["install_options"]
    if install["claim_token"]:
        lines.append(f"  a claim token is recorded in {install['path']} (REINSTALL_OPTIONS)")
    lines += [f"  note: {n}" for n in doc["notes"]]
    lines.append("sends: " + (", ".join(doc["sends"]) if doc["sends"] else "nothing"))
    return lines
