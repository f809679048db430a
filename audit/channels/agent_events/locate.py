"""The agent-events channel's state on disk, found the way the daemon finds it: the saved status file
(src/daemon/status-file-io.c: the lib dir, then the cache dir, /tmp, /run, /var/run and `.`, newest mtime wins),
netdata.conf's settings, the Cloud claim files (src/claim/claim.c) and Sentry's pending reports. Every read goes
through audit.plumbing.system.System, so --root confines it and a symlink out of the root is refused.
"""

import re
from dataclasses import dataclass

from audit.channels.agent_events import gate
from audit.channels.agent_events.options import STATUS_FILE
from audit.plumbing import inputs
from audit.plumbing.errors import AuditError
from audit.plumbing.system import System

DEDUP_FILE = "dedup-netdata.dat"
DEFAULT_LIB_DIR = "/var/lib/netdata"
DEFAULT_CACHE_DIR = "/var/cache/netdata"
# "." in the daemon's list is its working directory when it loads the file, before it changes into the config
# dir: / under systemd (the unit sets no WorkingDirectory).
START_CWD = "/"
FALLBACK_DIRS = ("/tmp", "/run", "/var/run", ".")
MAX_STATUS_BYTES = 65536  # read_txt_file_to_buffer(filename, wb, 65536) in status_file_load_and_parse
ZERO_UUID = "0" * 32
IDENTIFIERS = ("the machine GUID, /etc/machine-id, the boot id, the Cloud claim and node ids and the DMI "
               "hardware UUID")


# ---------------------------------------------------------------- netdata.conf, as inicfg_load reads it

def read_ini(text: str) -> dict[str, dict[str, str]]:
    """inicfg_load's rules: lines trimmed; `#` starts a comment only at the line's start (`;` is text);
    `[name]` is a section, its name taken verbatim; `name = value` trimmed; a later value wins."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("[") and s.endswith("]"):
            current = sections.setdefault(s[1:-1], {})
        elif current is not None and "=" in s:
            name, _, value = s.partition("=")
            if name.strip() and not name.strip().startswith("#"):
                current[name.strip()] = value.strip()
    return sections


@dataclass(frozen=True)
class AgentDirs:
    config: str
    lib: str
    cache: str
    cloud: str
    lib_from: str  # "--lib-dir", "netdata.conf", "default"
    conf: dict  # netdata.conf parsed ({} when absent)
    conf_display: str  # where netdata.conf was looked for, as the user sees it
    conf_found: bool

    @property
    def crash_reports(self) -> str | None:
        """`[global] crash reports` as netdata.conf sets it; None when unset."""
        return self.conf.get("global", {}).get("crash reports")


def _dir_option(conf: dict, name: str, default: str) -> str:
    value = conf.get("directories", {}).get(name, "")
    return _clean_dir(value) if value else default


def _clean_dir(path: str) -> str:
    return path.rstrip("/") or "/"


def agent_dirs(system: System, config_dir: str, lib_dir: str | None = None) -> AgentDirs:
    conf_path = f"{_clean_dir(config_dir)}/netdata.conf"
    text = _read_text(system, conf_path)
    conf = read_ini(text) if text else {}
    lib = _clean_dir(lib_dir) if lib_dir else _dir_option(conf, "lib", DEFAULT_LIB_DIR)
    lib_from = "--lib-dir" if lib_dir else ("netdata.conf" if conf.get("directories", {}).get("lib") else "default")
    return AgentDirs(config=_clean_dir(config_dir), lib=lib, cache=_dir_option(conf, "cache", DEFAULT_CACHE_DIR),
                     cloud=_dir_option(conf, "cloud.d", f"{lib}/cloud.d"), lib_from=lib_from, conf=conf,
                     conf_display=system.display(conf_path), conf_found=text is not None)


def _read_text(system: System, path: str) -> str | None:
    """A file's text, None when absent or unreadable (the daemon then runs with its defaults too)."""
    try:
        return system.read_text(path)
    except (AuditError, OSError):
        return None


def _exists(system: System, path: str) -> bool:
    try:
        return system.exists(path)
    except (AuditError, OSError):
        return False


# ---------------------------------------------------------------- the saved status file

@dataclass(frozen=True)
class SavedCopy:
    path: str  # as the daemon sees it
    display: str  # as the user finds it (under --root)
    where: str  # "lib dir", "cache dir", "/tmp", ...
    mtime: int
    mode: int
    size: int

    @property
    def world_readable(self) -> bool:
        return bool(self.mode & 0o004)


@dataclass(frozen=True)
class StatusLocation:
    chosen: SavedCopy | None  # the copy the next start loads
    copies: tuple[SavedCopy, ...]  # every copy found, in the daemon's search order
    searched: tuple[str, ...]
    refused: tuple[str, ...] = ()  # paths not looked at: a symlink out of --root, or no permission

    @property
    def fallback(self) -> bool:
        return self.chosen is not None and self.chosen.where != "lib dir"

    def notes(self) -> list[str]:
        c = self.chosen
        if c is None:
            return []
        out = []
        if self.fallback:
            out.append(f"the saved status file is {c.display}, in {c.where}: a fallback the daemon writes to when "
                       f"its lib dir is not writable")
        if c.world_readable:
            out.append(f"the saved status file holds {IDENTIFIERS}, and is world-readable (mode {c.mode:04o})"
                       + (": in /tmp anyone on this machine can read it" if c.where == "/tmp" else ""))
        out += [f"{o.display} is an older copy; the next start ignores it (the newest wins)"
                for o in self.copies if o is not c]
        return out + list(self.refused)


def search_dirs(dirs: AgentDirs, start_cwd: str = START_CWD) -> list[tuple[str, str]]:
    """(directory, role) in the order status_file_io_load checks them."""
    fallbacks = [(d if d != "." else start_cwd, d) for d in FALLBACK_DIRS]
    return [(dirs.lib, "lib dir"), (dirs.cache, "cache dir"), *fallbacks]


def find_saved(system: System, dirs: AgentDirs, name: str = STATUS_FILE,
               start_cwd: str = START_CWD) -> StatusLocation:
    """The newest copy by whole-second mtime; on a tie the earlier directory wins (the daemon's `>`)."""
    copies: list[SavedCopy] = []
    chosen: SavedCopy | None = None
    seen, refused = set(), []
    for directory, role in search_dirs(dirs, start_cwd):
        path = f"{directory}/{name}" if not directory.endswith("/") else f"{directory}{name}"
        try:
            st = system.stat(path)
        except AuditError as e:
            refused.append(f"not read: {e}")
            continue
        if st is None or (st.st_dev, st.st_ino) in seen:  # /var/run is often a link to /run
            continue
        seen.add((st.st_dev, st.st_ino))
        copy = SavedCopy(path, system.display(path), role, int(st.st_mtime), st.st_mode & 0o7777, st.st_size)
        copies.append(copy)
        if chosen is None or copy.mtime > chosen.mtime:
            chosen = copy
    return StatusLocation(chosen, tuple(copies), tuple(d for d, _ in search_dirs(dirs, start_cwd)), tuple(refused))


# ---------------------------------------------------------------- what the gate needs from the saved status

@dataclass(frozen=True)
class SavedState:
    """The members of the saved status that decide the gate (the body helper parses the rest)."""
    loaded: bool  # false: the next start finds no previous status ("no last status")
    status: str = "none"
    restarts: int = 0
    claim_id: str | None = None
    node_id: str | None = None
    sentry_available: bool | None = None
    version: int | None = None
    problem: str | None = None  # why it could not be loaded

    @property
    def previous(self) -> bool:
        return self.loaded and self.status != "none"

    @property
    def claimed_by(self) -> list[str]:
        return [f"{name} {value} in the saved status" for name, value in
                (("claim_id", self.claim_id), ("node_id", self.node_id)) if value is not None]


def _uuid_or_none(value) -> str | None:
    if not isinstance(value, str):
        return None
    compact = value.replace("-", "").lower()
    return None if compact == ZERO_UUID else value


def saved_state(data: bytes | None) -> SavedState:
    if data is None:
        return SavedState(False)
    if len(data) > MAX_STATUS_BYTES:
        return SavedState(False, problem=f"larger than {MAX_STATUS_BYTES} bytes: the daemon does not load it")
    try:
        doc = inputs.load_json(data, "status file")
    except AuditError as e:
        return SavedState(False, problem=f"{e}: the daemon cannot load it")
    agent = doc.get("agent") if isinstance(doc, dict) else None
    if not isinstance(agent, dict):
        return SavedState(False, problem="no `agent` object: the daemon cannot load it")
    restarts = agent.get("restarts")
    version = doc.get("version")
    return SavedState(True, status=str(agent.get("status") or "none"),
                      restarts=restarts if isinstance(restarts, int) and restarts >= 0 else 0,
                      claim_id=_uuid_or_none(agent.get("claim_id")), node_id=_uuid_or_none(agent.get("node_id")),
                      sentry_available=agent.get("sentry_available") if isinstance(
                          agent.get("sentry_available"), bool) else None,
                      version=version if isinstance(version, int) else None)


def read_saved(system: System, location: StatusLocation) -> SavedState:
    if location.chosen is None:
        return SavedState(False)
    try:
        return saved_state(system.read_bytes(location.chosen.path))
    except (AuditError, OSError) as e:
        return SavedState(False, problem=str(e))


# ---------------------------------------------------------------- the Cloud claim

@dataclass(frozen=True)
class ClaimFiles:
    claimed_id: str | None  # what load_claiming_state would load
    source: str | None  # the file it comes from
    unreadable: tuple[str, ...] = ()
    auto_claim: str | None = None  # claim.conf or NETDATA_CLAIM_TOKEN: the agent claims itself when it starts

    @property
    def claimed_by(self) -> list[str]:
        return [f"claimed_id {self.claimed_id} in {self.source}"] if self.claimed_id else []


_UUID = re.compile(r"[0-9a-fA-F]{32}")


def _claim_uuid(text: str | None) -> str | None:
    """uuid_parse_flexi accepts the UUID with or without dashes; zero means not claimed."""
    if not text:
        return None
    value = text.strip()
    compact = value.replace("-", "")
    return value if _UUID.fullmatch(compact) and compact != ZERO_UUID else None


def claim_files(system: System, dirs: AgentDirs) -> ClaimFiles:
    """claimed_id_load(): cloud.d/cloud.conf's [global] claimed_id first, then the cloud.d/claimed_id file."""
    unreadable = []
    found, source = None, None
    for path, pick in ((f"{dirs.cloud}/cloud.conf", lambda t: read_ini(t).get("global", {}).get("claimed_id")),
                       (f"{dirs.cloud}/claimed_id", lambda t: t)):
        try:
            text = system.read_text(path)
        except (AuditError, OSError):
            unreadable.append(system.display(path))
            continue
        found = _claim_uuid(pick(text)) if text is not None else None
        if found:
            source = system.display(path)
            break
    auto = None
    if _exists(system, f"{dirs.config}/claim.conf"):
        auto = system.display(f"{dirs.config}/claim.conf")
    elif system.env.get("NETDATA_CLAIM_TOKEN"):
        auto = "NETDATA_CLAIM_TOKEN"
    return ClaimFiles(found, source, tuple(unreadable), auto)


# ---------------------------------------------------------------- Sentry's database

@dataclass(frozen=True)
class SentryDatabase:
    display: str
    exists: bool
    pending: tuple[str, ...] = ()  # envelopes and minidumps waiting in *.run dirs, sent at the next start
    last_crash: str | None = None
    unreadable: bool = False


def sentry_database(system: System, dirs: AgentDirs) -> SentryDatabase:
    """nd_sentry_init() keeps its database in <cache dir>/.sentry-native: one <uuid>.run dir per run, holding the
    envelopes (and with the breakpad backend the minidumps) it uploads when the next run starts."""
    path = f"{dirs.cache}/.sentry-native"
    try:
        if not system.is_dir(path):
            return SentryDatabase(system.display(path), False)
        pending = []
        for run in system.listdir(path):
            if run.endswith(".run") and system.is_dir(f"{path}/{run}"):
                pending += [system.display(f"{path}/{run}/{f}") for f in system.listdir(f"{path}/{run}")
                            if f.endswith((".envelope", ".dmp"))]
        last = _read_text(system, f"{path}/last_crash")
        return SentryDatabase(system.display(path), True, tuple(pending), last.strip() if last else None)
    except (AuditError, OSError):
        return SentryDatabase(system.display(path), True, unreadable=True)


# ---------------------------------------------------------------- everything the gate and opt-out read

@dataclass(frozen=True)
class AgentEventsState:
    dirs: AgentDirs
    status: StatusLocation
    saved: SavedState
    claim: ClaimFiles
    dedup: StatusLocation
    sentry: SentryDatabase


def collect(system: System, config_dir: str, lib_dir: str | None = None) -> AgentEventsState:
    dirs = agent_dirs(system, config_dir, lib_dir)
    status, dedup = find_saved(system, dirs), find_saved(system, dirs, DEDUP_FILE)
    return AgentEventsState(dirs, status, read_saved(system, status), claim_files(system, dirs), dedup,
                            sentry_database(system, dirs))


def gate_input(state: AgentEventsState, opted_out_by: list[str], env, version: str, **cause) -> gate.GateInput:
    """The gate's inputs from what is on disk; `cause`: cause, crash, priority when the caller worked them out."""
    claimed = state.saved.claimed_by
    notes = [f"status file: {state.status.chosen.display}" if state.status.chosen else
             f"no status file in {', '.join(state.status.searched)}"]
    if state.saved.problem:
        notes.append(f"status file not loadable: {state.saved.problem}")
    if state.claim.claimed_id and not claimed:
        claimed = state.claim.claimed_by
        notes.append("the claim counts once the agent has run claimed: it then saves claim_id in its status file, "
                     "which the next start reads (the gate runs before the claim files are loaded)")
    notes += [f"cannot read {p}: run as root to see the claim state" for p in state.claim.unreadable]
    if state.claim.auto_claim and not claimed:
        notes.append(f"{state.claim.auto_claim}: the agent claims itself when it starts; the start after that "
                     "defaults crash reports to all")
    notes += state.status.notes()
    return gate.GateInput(crash_reports=state.dirs.crash_reports, opted_out_by=tuple(opted_out_by),
                          claimed_by=tuple(claimed), env=env, previous=state.saved.previous,
                          restarts=state.saved.restarts, version=version, notes=tuple(notes), **cause)
