"""The installer channel: kickstart.sh's `telemetry_event`, sent at the end of an install (or when it fails or
crashes) to Netdata's analytics, with the whole kickstart command line in install_options.

Pure core: build(facts, event, params) with params["machine"] (audit.channels.installer.machine.Machine) already
collected; build_request does the collecting (the files through the root-confined System)."""

import dataclasses
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from audit.model.payload import Field, Payload, invalid_reasons
from audit.plumbing import versions
from audit.channels.backend.catalog import Param
from audit.channels.installer import kickstart, machine
from audit.channels.installer.options import OPTIONS
from audit.plumbing.errors import AuditError
from audit.model.fact import Facts


_COMMON = (Param("install_options", "kickstart's command line, as typed"),
           Param("kickstart_version", f"which kickstart.sh, a tag or master (default master, read at "
                                 f"{kickstart.MASTER.commit})"),
           Param("install_method", "selected_install_method (native, static, build)"),
           Param("install_type", "netdata_install_type (e.g. binpkg-deb)"))


@dataclass(frozen=True)
class Event:
    name: str
    meaning: str
    sent_when: str
    params: tuple[Param, ...] = _COMMON
    results_meaning: str = "error_code and error_message are empty"
    since: str | None = kickstart.OLDEST
    until: str | None = None
    channel: str = "installer"

    @property
    def versions(self) -> str:
        return f"kickstart {versions.span(self.since, self.until)}"


EVENTS = {e.name: e for e in (
    Event("INSTALL_SUCCESS", "kickstart finished a new install.",
          "once, at the end of a successful new install (not after an update, --claim-only or a dry run)"),
    Event("INSTALL_FAILED", "kickstart stopped on an error: error_code is its code (F…, or the installer's I…/U…), "
          "error_message its text.", "from fatal(), once, just before kickstart exits"),
    Event("INSTALL_CRASH", "kickstart exited unexpectedly: error_code E<exit code>-<line> (line 0 for a signal).",
          "from the EXIT/HUP/INT/QUIT/PIPE/TERM trap",
          (*_COMMON, Param("exit_code", "exit code, or the signal number"), Param("line", "line (0 for a signal)")),
          "error_code is E<exit code>-<line>, error_message says the same in words"),
)}

_PARAM_NAMES = tuple(name.replace("-", "_") for name, _, _ in OPTIONS) + ("line",)
_METHOD_OF_TYPE = (("binpkg-", "native"), ("kickstart-static", "static"), ("kickstart-build", "build"))


# Identifying-data rules for a received body (audit.core.identify.field_notes applies them): fields whose text may
# hold secrets, with why; fields that are an identifier when their value starts so, with its kind.
SECRETS_IN = {"install_options": "kickstart sends its whole command line"}
IDENTIFIERS = {"distinct_id": (("machine-", "dbus-"), "system-distinct-id")}


def decode(reading) -> tuple[dict, list]:
    """explain's hook: the event and its error code (audit.channels.installer.explain)."""
    from audit.channels.installer import explain

    return explain.decode(reading.document()["properties"], reading.event, EVENTS), []


def dating(document: dict) -> tuple[str, tuple[str, ...], bool]:
    """explain's hook: which kickstart revisions send a body of this shape (audit.channels.installer.explain)."""
    from audit.channels.installer import explain

    return explain.dating(document)


def events() -> list[Event]:
    return list(EVENTS.values())


def event(name: str | None) -> Event:
    if name is None:
        raise AuditError(f"which event? one of {', '.join(EVENTS)}")
    try:
        return EVENTS[name.upper()]
    except KeyError:
        raise AuditError(f"unknown installer event {name!r}: one of {', '.join(EVENTS)}") from None


def collect_inputs(request, facts: Facts) -> dict:
    """What build() needs besides the facts and the form: the machine as kickstart reads it (the I/O edge)."""
    from audit.plumbing.system import System

    return {"machine": machine.collect(System(root=request.root), facts)}


def build_request(facts: Facts, options: Mapping[str, object]) -> Payload:
    """The edge: `options` are the command's option values by name (event, root, config_dir, install_options, …);
    collect the machine and the recorded options, then build."""
    from audit.plumbing.system import System

    system = System(root=options.get("root"))
    params = {name: options[name] for name in _PARAM_NAMES if options.get(name) is not None}
    snapshot_only = options.get("facts") and options.get("root") is None  # the snapshot's machine, not this one
    if "install_options" not in params:
        recorded = machine.snapshot_options(facts) if snapshot_only else \
            machine.recorded_install_options(system, options["config_dir"])["reinstall_options"]
        if recorded is not None:
            params["install_options"] = recorded
            params["options_from"] = "recorded"
    params["machine"] = machine.from_snapshot(facts) if snapshot_only else machine.collect(system, facts)
    built = build(facts, options.get("event"), params)
    notes = []
    if snapshot_only and machine.READINGS_FACT not in facts:
        notes.append("this snapshot holds no kickstart readings (os-release, /proc/meminfo; it comes from an older "
                     "telemetry-audit): they are shown unknown")
    if snapshot_only and machine.REDACTED in str(params.get("install_options", "")) and \
            params.get("options_from") == "recorded":
        notes.append("a facts snapshot keeps no claim token: the recorded options show it as <redacted>")
    return dataclasses.replace(built, warnings=built.warnings + tuple(notes)) if notes else built


def snapshot_readings(system, facts: Facts, config_dir: str) -> Facts:
    """What a facts snapshot keeps for this channel (audit.facts.collect asks every channel)."""
    recorded = machine.recorded_install_options(system, config_dir)["reinstall_options"]
    return {machine.READINGS_FACT: machine.readings_fact(machine.collect(system, facts), recorded)}


@dataclass(frozen=True)
class Resolved:
    """Everything the real function's body is made of: the release, its shell variables, the event's arguments."""
    event: str
    variant: kickstart.Variant
    values: dict
    message: str
    code: str
    assumed: frozenset
    state: kickstart.OptionState
    machine: machine.Machine


def resolve(facts: Facts, event_name: str | None, params: Mapping[str, object] | None = None) -> Resolved:
    ev = event(event_name)
    params = dict(params or {})
    var = kickstart.variant(str(params.get("kickstart_version") or kickstart.NEWEST))
    options = str(params.get("install_options") or "")
    state = kickstart.parse_options(_words(options), var)
    the_machine = params.get("machine") or _unknown_machine(facts)
    values, assumed = _values(var, state, options, the_machine, facts, params)
    message, code = _message_and_code(ev.name, params)
    return Resolved(ev.name, var, values, message, code, frozenset(assumed), state, the_machine)


def build(facts: Facts, event_name: str | None, params: Mapping[str, object] | None = None) -> Payload:
    r = resolve(facts, event_name, params)
    body = kickstart.render(r.variant, r.event, r.message, r.code, r.values, kickstart.POSTHOG_PROJECT_KEY)
    fields = tuple(_field(key, r.message, r.code, r.values, r.assumed) for key in r.variant.properties)
    if r.variant.api_key:
        fields = (Field("api_key", kickstart.POSTHOG_PROJECT_KEY, "const", None),) + fields
    warnings = _warnings(r.event, r.variant, r.state, r.values, r.machine, dict(params or {}))
    return Payload(r.event, body, fields, invalid_reasons(body, fields),
                           warnings, "installer")


def _words(options: str) -> list[str]:
    """`$@` as kickstart got it; the shell's own word splitting of what the user typed."""
    try:
        return shlex.split(options)
    except ValueError:
        return options.split()


def _values(var, state, options, the_machine, facts, params) -> tuple[dict[str, str], set[str]]:
    host = machine.host_os(the_machine.os_release, the_machine.lsb_release)
    install_type = _param(params, "install_type") or _install_type(facts)
    method = _param(params, "install_method") or _method_of(install_type)
    chosen = {"INTERACTIVE": _param(params, "interactivity") or state.interactive,
              "NETDATA_AUTO_UPDATES": _param(params, "auto_updates"),
              "RELEASE_CHANNEL": _param(params, "release_channel"),
              "NETDATA_COMMAND": _param(params, "install_command"),
              "SELECTED_INSTALL_METHOD": method, "INSTALL_TYPE": install_type,
              "total_duration": _param(params, "runtime")}
    derived = {"INTERACTIVE": "1", "NETDATA_AUTO_UPDATES": state.auto_updates, "RELEASE_CHANNEL": state.release_channel,
               "NETDATA_COMMAND": state.command, "SELECTED_INSTALL_METHOD": state.method, "INSTALL_TYPE": "unknown",
               "total_duration": "0"}
    values = {name: chosen[name] if chosen[name] is not None else derived[name] for name in chosen}
    values["RELEASE_CHANNEL"] = values["RELEASE_CHANNEL"] or "null"  # ${RELEASE_CHANNEL:-null}
    assumed = {name for name in ("INTERACTIVE", "SELECTED_INSTALL_METHOD", "INSTALL_TYPE", "total_duration")
               if chosen[name] is None}
    if params.get("options_from") == "recorded" or not options:
        assumed.add("KICKSTART_OPTIONS")
    values.update({
        "KICKSTART_OPTIONS": options, "DISTINCT_ID": machine.distinct_id(the_machine, var),
        "HOST_NAME": host["NAME"] or "unknown", "HOST_ID": host["ID"] or "unknown",
        "HOST_ID_LIKE": host["ID_LIKE"] or "unknown", "HOST_VERSION": host["VERSION"] or "unknown",
        "HOST_VERSION_ID": host["VERSION_ID"] or "unknown",
        "KERNEL_NAME": the_machine.kernel_name, "KERNEL_VERSION": the_machine.kernel_version,
        "ARCHITECTURE": the_machine.architecture, "TOTAL_RAM": machine.total_ram(the_machine.meminfo) or "unknown",
    })
    return values, assumed


def _param(params: Mapping[str, object], name: str) -> str | None:
    """A given value; an empty one (an empty form field) counts as not given."""
    value = params.get(name)
    return None if value is None or value == "" else str(value)


def _install_type(facts: Facts) -> str | None:
    fact = facts.get("netdata_install_type")  # the analytics value, quoted as the daemon passes it
    if fact is None or not fact.observed or fact.value is None:
        return None
    return fact.value.strip('"')


def _method_of(install_type: str | None) -> str | None:
    for prefix, method in _METHOD_OF_TYPE:
        if install_type and install_type.startswith(prefix):
            return method
    return None


def _unknown_machine(facts: Facts) -> machine.Machine:
    def fact(name: str) -> str:
        return (facts[name].value or "") if name in facts else ""

    return machine.Machine(None, None, None, tuple((p, path, None) for p, path in machine.ID_FILES),
                           fact("NETDATA_SYSTEM_KERNEL_NAME"), fact("NETDATA_SYSTEM_KERNEL_VERSION"),
                           fact("NETDATA_SYSTEM_ARCHITECTURE"), uuidgen=None)


def _message_and_code(name: str, params: Mapping[str, object]) -> tuple[str, str]:
    if name == "INSTALL_FAILED":
        return _param(params, "message") or "", _param(params, "error_code") or ""
    if name == "INSTALL_CRASH":
        code, line = _param(params, "exit_code") or "0", _param(params, "line") or "0"
        return f"Installer exited unexpectedly ({code}-{line})", f"E{code}-{line}"
    return "", ""


def _field(key: str, message: str, code: str, values: Mapping[str, str], assumed: set[str]) -> Field:
    source = kickstart.PROPERTY_SOURCE[key]
    form = "const" if source.startswith("const:") else "quoted"
    var_name = source[4:] if source.startswith("var:") else None
    return Field(key, kickstart.property_text(key, message, code, values), form, None, var_name in assumed)


def _warnings(name, var, state, values, the_machine, params) -> tuple[str, ...]:
    out = []
    if (note := kickstart.revision_note(str(params.get("kickstart_version") or kickstart.NEWEST))) is not None:
        out.append(note)
    if state.disable_telemetry:
        out.append("--disable-telemetry is in the options: kickstart would send no event at all")
    if state.dry_run and versions.parse(var.since) >= (1, 34, 0):
        out.append("--dry-run is in the options: kickstart would send no event at all")
    id_source = machine.distinct_id_and_source(the_machine, var)[1]
    if id_source == "not in the snapshot":
        out.append(f"kickstart {var.since} to {var.until or 'today'} sent the machine-id itself as distinct_id, "
                   "which a facts snapshot does not keep: shown as \"null\" (use --root for the real value)")
    elif id_source == "uuidgen":
        out.append("distinct_id comes from uuidgen: the real kickstart sends a new random value every time")
    elif id_source != "none" and var.distinct_id != "md5":
        out.append(f"kickstart {var.since} to {var.until or 'today'} sent {id_source} itself (not its md5) as "
                   "distinct_id")
    if the_machine.meminfo is not None and values["TOTAL_RAM"] == "unknown":
        out.append("no MemTotal number in /proc/meminfo: the real script's $((TOTAL_RAM * 1024)) would fail")
    if name == "INSTALL_FAILED" and not (params.get("error_code") and params.get("message")):
        out.append("INSTALL_FAILED without --error-code and --message: both sent empty")
    if params.get("options_from") == "recorded":
        out.append("install_options taken from REINSTALL_OPTIONS in .environment: the installer's recorded "
                   "options, which may differ from the kickstart command line that was typed")
    return tuple(out)

