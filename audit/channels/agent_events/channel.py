"""The agent-events channel: at each start (v2.4 and later) the daemon POSTs how its previous run ended, built from
the status file it saved (status-netdata.json), to https://agent-events.netdata.cloud/agent-events.

Two ways to a body: from a saved status file (what the next start would post: `build_saved`), or prospective, from
this machine's facts for a chosen exit cause (`build`). The pure parts live in status, emit, causes, body and
prospective; machine reads the machine.
"""

import dataclasses
import os
from collections.abc import Mapping
from functools import lru_cache

from audit.plumbing import inputs, versions
from audit.channels.agent_events import body as post
from audit.channels.agent_events import causes, prospective, releases, status
from audit.channels.agent_events.options import DEFAULT_PID, STATUS_FILE
from audit.channels.agent_events.machine import Machine
from audit.plumbing.errors import AuditError
from audit.model.fact import Facts
from audit.model.payload import Field, Payload

CHANNEL = "agent-events"
PID_NOTE = (f"agent_pid_now is the next start's process id, unknowable beforehand: shown as {DEFAULT_PID} "
            "(--agent-pid to set it)")


def events() -> list[causes.Cause]:
    return list(causes.CAUSES)


def collect_inputs(request, facts: Facts) -> dict:
    """What build() needs besides the facts and the form: the machine as the next start would see it (I/O)."""
    from audit.channels.agent_events.machine import collect
    from audit.plumbing.system import System

    return {"machine": collect(System(root=request.root), request.config_dir),
            "netdata_version": request.netdata_version}


def form_params(values: Mapping[str, str]) -> dict:
    """A form's text values as build() takes them: an empty field is not given; --line is a whole number."""
    given = {name: value for name, value in values.items() if value not in (None, "")}
    if "line" in given:
        try:
            given["line"] = int(given["line"])
        except ValueError:
            raise AuditError(f"line {given['line']!r}: expected a whole number") from None
    return given


# ---------------------------------------------------------------------------------------------------------------
# pure builders

def build(facts: Facts, event: str, params: Mapping[str, object] | None = None) -> Payload:
    """A prospective body for exit cause `event`, from the facts and (params["machine"]) what machine.collect read."""
    params = dict(params or {})
    cause = causes.cause(event)
    machine = params.pop("machine", None) or Machine()
    given_pid = params.pop("agent_pid", None)
    pid = int(given_pid or DEFAULT_PID)
    version_now, warnings = _version_now(facts, params.pop("netdata_version", None), None)
    release = releases.release_for(version_now)
    fatal_params = {k: v for k, v in params.items() if v is not None}
    p = prospective.build_status(facts, machine, cause.name, fatal_params, release, version_now)
    now = post.NextStart(p.boot_id_now, version_now, pid, release)
    if cause.name == "no last status":
        built = post.post_for_saved(None, now, current=p.status)
    else:
        built = post.post_for_saved(p.status, now)
    if built.verdict.cause != cause.name:
        warnings.append(f"with this machine's values the next start would report {built.verdict.cause!r}, "
                        f"not {cause.name!r}")
    assumed = p.assumed | ({"agent_pid_now"} if given_pid is None else set())
    if not machine.values:
        warnings.append("no machine values were read (ids, DMI, memory, disk): they are shown empty")
    return _payload(built, p.sources, assumed, warnings + [PID_NOTE] * (given_pid is None))


def build_saved(raw: bytes, label: str, facts: Facts, boot_id_now: bytes = bytes(16),
                netdata_version: str | None = None, pid: int | None = None) -> Payload:
    """What the next start would post for a saved status file's bytes (the daemon's reading, then its rules)."""
    document = status.read_document(raw, label)
    saved = status.parse(document, label)
    version_now, warnings = _version_now(facts, netdata_version, saved.get("agent.version").decode("utf-8", "replace"))
    release = releases.release_for(version_now)
    if release.sizes:
        saved = status.parse(document, label, release.sizes)
    now = post.NextStart(boot_id_now, version_now, pid or DEFAULT_PID, release)
    if saved.get("agent.status") == "none":
        raise AuditError(f"{label}: the saved status is `none`: the next start would post its own current session "
                         "('no last status'); see `payload --channel agent-events \"no last status\"`")
    built = post.post_for_saved(saved, now)
    sources = {path: f"status-file:{path}" for path in status.FIELDS}
    assumed = {"agent_pid_now"} if pid is None else set()
    if not any(boot_id_now):
        warnings.append("the next start's boot id is unknown (no /proc/sys/kernel/random/boot_id): "
                        "'abnormal power off' cannot be told from 'killed hard'")
    notes = [f"{label}: {n}" for n in saved.notes]
    return _payload(built, sources, assumed, warnings + notes + [PID_NOTE] * (pid is None))


def _version_now(facts: Facts, given: str | None, saved_version: str | None) -> tuple[str, list[str]]:
    """The running binary's version: --netdata-version, else the installed agent's, else the saved file's, else
    the newest release modelled."""
    version, warnings = _version_read(facts, given, saved_version)
    note = versions.mapping_note(version, releases.release_for(version).tag, releases.NEWEST.tag, "agent-events")
    return version, warnings + [note] * (note is not None)


def _version_read(facts: Facts, given: str | None, saved_version: str | None) -> tuple[str, list[str]]:
    if given:
        return ("v" + given if given[:1].isdigit() else given), []
    fact = facts.get("netdata_version")
    if fact is not None and fact.observed and fact.value and _sends(fact.value):
        return fact.value, []
    warnings = []
    if fact is not None and fact.observed and fact.value:
        warnings.append(f"the installed Netdata {fact.value} does not send agent-events (since "
                        f"{releases.FIRST.tag}); built as the next start of {saved_version or releases.NEWEST.tag}")
    if saved_version and _sends(saved_version):
        return saved_version, warnings
    return releases.NEWEST.tag, warnings


@lru_cache(maxsize=64)
def _sends(version: str) -> bool:
    try:
        return versions.parse(version)[:2] >= versions.parse(releases.FIRST.tag)[:2]
    except AuditError:
        return False


_FIELDS: dict[tuple, Field] = {}  # Fields are immutable: most members are the same in every cause's body


def _field(path: str, text: bytes, source: str | None, assumed: bool) -> Field:
    key = (path, text, source, assumed)
    found = _FIELDS.get(key)
    if found is None:
        if len(_FIELDS) > 20000:
            _FIELDS.clear()
        found = _FIELDS[key] = Field(path, text.decode("utf-8", "surrogateescape"), "json", source, assumed)
    return found


def _payload(built: post.Post, sources: Mapping[str, str], assumed: set[str], warnings: list[str]) -> Payload:
    get = sources.get
    fields = tuple([_field(path, text, get(path), path in assumed) for path, text in built.leaves])
    invalid = ()
    try:
        built.body.decode("utf-8")
    except UnicodeDecodeError:
        invalid = ("a string holds bytes that are not UTF-8 (the daemon copies them raw, e.g. a message cut inside "
                   "a character)",)
    return Payload(built.verdict.cause, built.body, fields, invalid, tuple(warnings), CHANNEL)


def explain_reading(reading, sha256: str):
    """explain's hook: an agent-events body explained whole (audit.channels.agent_events.explain)."""
    from audit.channels.agent_events import explain

    return explain.explain_reading(reading, sha256)


# ---------------------------------------------------------------------------------------------------------------
# command line (the I/O edge)

def build_request(facts: Facts, options: Mapping[str, object]) -> Payload:
    """The edge: `options` are the command's option values by name (event, root, config_dir, status_file, …);
    read the status file or the machine as they say, then build."""
    from audit.plumbing.system import System

    system = System(root=options.get("root"))
    pid = _int_option(options, "agent_pid")
    if options.get("event") is None:
        raw, label, where = read_status_file(system, options, _older_than_channel(facts, options))
        from audit.channels.agent_events.machine import collect_boot_id

        built = build_saved(raw, label, facts, collect_boot_id(system), options.get("netdata_version"), pid)
        return dataclasses.replace(built, warnings=tuple(where) + built.warnings)
    from audit.channels.agent_events.machine import collect

    # a snapshot usually comes from another machine: then only its facts, none of this machine's ids
    snapshot_only = options.get("facts") and options.get("root") is None
    machine = Machine() if snapshot_only else collect(system, options.get("config_dir", "/etc/netdata"))
    params: dict[str, object] = {"machine": machine,
                                 "netdata_version": options.get("netdata_version"), "agent_pid": pid}
    for name in ("file", "function", "message", "errno", "thread", "signal"):
        params[name] = options.get(name)
    params["line"] = _int_option(options, "line")
    if options.get("stack_trace"):
        params["stack_trace"] = inputs.read_limited(options["stack_trace"], 4095)[:4095]
    return build(facts, options.get("event"), params)


def _int_option(options, name: str) -> int | None:
    value = options.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise AuditError(f"--{name.replace('_', '-')} {value!r}: expected a whole number") from None


def _older_than_channel(facts: Facts, options: Mapping[str, object]) -> str | None:
    """The agent's version (--netdata-version, else the installed one) when it predates the status file and the
    channel (releases.FIRST), else None."""
    fact = facts.get("netdata_version")
    version = options.get("netdata_version") or (fact.value if fact is not None and fact.observed else None)
    if not version:
        return None
    version = "v" + version if version[:1].isdigit() else version
    return None if _sends(version) else version


def read_status_file(system, options: Mapping[str, object], older: str | None = None
                     ) -> tuple[bytes, str, list[str]]:
    """--status-file as given, else the copy the next start loads (audit.channels.agent_events.locate: the lib
    dir, then the daemon's fallback dirs, newest first), inside --root; with what is worth knowing about where
    it was found. `older`: the agent's version when it predates the channel (then that is why none is found)."""
    from audit.channels.agent_events import locate

    given = options.get("status_file")
    if given:
        if not os.path.isfile(given):
            raise AuditError(f"{given}: no such status file")
        return _bounded(given, given), given, []
    dirs = locate.agent_dirs(system, options.get("config_dir") or "/etc/netdata",
                             options.get("lib_dir"))
    found = locate.find_saved(system, dirs)
    chosen = found.chosen
    real = system.real_path(chosen.path) if chosen is not None else None
    if real is None or not os.path.isfile(real):
        if older:
            raise AuditError(f"Netdata {older} has no status file and no agent-events channel (both start at "
                             f"{releases.FIRST.tag}): nothing saved to rebuild; give a CAUSE for the body a "
                             f"{releases.FIRST.tag} or later agent would post")
        others = ", ".join(system.display(d) for d in found.searched[1:])
        raise AuditError(f"no saved status file at {system.display(dirs.lib)}/{STATUS_FILE} nor in the "
                         f"daemon's fallback dirs ({others}): the agent has not run here (or --lib-dir/--status-file "
                         "point elsewhere); give a CAUSE for a prospective body")
    return _bounded(real, chosen.display), chosen.display, found.notes()


def _bounded(real: str, label: str) -> bytes:
    return inputs.read_limited(real, status.MAX_FILE, label)
