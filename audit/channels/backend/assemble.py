"""The backend channel's assembly (pure): facts + event request in, the exact bytes the statistics script would POST
out, as a Payload (audit.model.payload)."""

from collections.abc import Mapping

from audit.plumbing import versions
from audit.channels.backend import analytics, catalog, releases, wire
from audit.model.fact import Facts
from audit.model.payload import Field, Payload, invalid_reasons

# Where each non-analytics property's value comes from: a fact name, or a key of the event request.
_FROM_FACT = {"guid": "machine_guid", "version": "netdata_version", "distinct_id": "system_distinct_id"}


def build(facts: Facts, event_name: str, params: Mapping[str, object] | None = None) -> Payload:
    """The daemon's side (arguments and environment for this event), then the script's (the body)."""
    ev = catalog.event(event_name)
    version = _value(facts, "netdata_version") or versions.LAST_SCRIPT_VERSION
    argv, env = daemon_call(facts, event_name, params)
    layout = releases.script_layout(version)
    inputs = wire.script_inputs(argv, env, _value(facts, "system_distinct_id") or "null",
                                _value(facts, "shell") or "dash", layout)
    body = wire.render(inputs, argv[3:], layout)
    fields = _fields(facts, inputs, argv[3:], ev.phase, layout)
    return Payload(ev.name, body, fields, invalid_reasons(body, fields), _warnings(ev, version, inputs, argv[3:]))


def daemon_call(facts: Facts, event_name: str, params: Mapping[str, object] | None = None
                ) -> tuple[list[str], dict[str, str]]:
    """The daemon's side of an event: the script's 43 arguments and the environment it exports."""
    ev = catalog.event(event_name)
    version = _value(facts, "netdata_version") or versions.LAST_SCRIPT_VERSION
    resolved = catalog.resolve_params(ev, params or {})
    gathered = {key: _value(facts, analytics.fact_name(key)) for key in analytics.BY_KEY}
    argv = [ev.name, ev.result(resolved, version), ev.data(resolved, version),
            *analytics.values_for_phase(ev.phase, gathered)]
    return argv, daemon_environment(facts, version)


def daemon_environment(facts: Facts, version: str) -> dict[str, str]:
    """What the daemon exports before running the script: its GUID and version, and system-info.sh's values as
    it read them."""
    env = {name: wire.system_info_value(name, _value(facts, name), version) for name in wire.SYSTEM_INFO_NAMES}
    env["NETDATA_REGISTRY_UNIQUE_ID"] = _value(facts, "machine_guid") or ""
    env["NETDATA_VERSION"] = _value(facts, "netdata_version") or ""
    return env


def _value(facts: Facts, name: str) -> str | None:
    fact = facts.get(name)
    return fact.value if fact else None


def _fields(facts: Facts, inputs: Mapping[str, str], args: list[str], phase: str,
            layout: releases.ScriptLayout) -> tuple[Field, ...]:
    out = [Field("api_key", releases.POSTHOG_PROJECT_KEY, "const", None)] if layout.header else []
    groups = analytics.PHASE_GROUPS[phase]
    for key, form, source in wire.template(layout):
        fact_name = None
        if source.startswith("env:"):
            fact_name = source[4:]
        elif source in _FROM_FACT:
            fact_name = _FROM_FACT[source]
        elif source.startswith("arg:") and analytics.BY_KEY[key].group in groups:
            fact_name = analytics.fact_name(key)
        fact = facts.get(fact_name) if fact_name else None
        text = wire.input_text(source, inputs, args)
        out.append(Field(key, text, form, fact_name if fact else None, bool(fact and not fact.observed)))
    return tuple(out)


def _warnings(ev: catalog.Event, version: str, inputs: Mapping[str, str], args: list[str]) -> tuple[str, ...]:
    warnings = []
    if not ev.sent_by(version):
        warnings.append(f"Netdata {version} does not send {ev.name} (sent by {ev.versions}); built on request")
    if ev.sent_by(version) and (note := versions.mapping_note(version, versions.text(versions.parse(version)),
                                                              versions.LAST_SCRIPT_VERSION, "the statistics script")):
        warnings.append(note)
    if not releases.modelled(version):
        warnings.append(f"Netdata {version} predates {releases.FIRST_MODELLED}, the oldest release modelled; "
                        f"this is the {releases.FIRST_MODELLED} layout")
    if any("'" in inputs[k] for k in ("action", "result", "data")) or any("'" in a for a in args):
        warnings.append("a value holds a single quote: the daemon passes arguments in single quotes to /bin/sh, "
                        "so the real command line would break here and these bytes would not be sent as shown")
    if inputs["distinct_id"].startswith("uuid-"):
        warnings.append("system_distinct_id comes from uuidgen: the real script sends a new value every time")
    return tuple(warnings)

