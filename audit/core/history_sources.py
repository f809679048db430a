"""Reading the records `history` is made of (the I/O edge): the log dir, journald, the dedup table, kickstart's
recorded install and the tool's own journal. Every read is bounded; a source that cannot be read becomes one note.

Under --root only files inside it are read (journald is not run; an exported `journalctl -o json` file can be given).
"""

import gzip
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from audit.core import history
from audit.plumbing import journal
from audit.channels.agent_events import dedup, logged
from audit.channels.agent_events.locate import agent_dirs
from audit.channels.backend import logged as script_log
from audit.plumbing.errors import AuditError
from audit.plumbing.agentconf import parse_assignments
from audit.plumbing.system import System

DEFAULT_LOG_DIR = "/var/log/netdata"
LOG_NAMES = re.compile(r"^(daemon|error)\.log(?:\.(\d+))?(\.gz)?$")  # logrotate's daemon.log.1, daemon.log.2.gz
MAX_LOG_BYTES = 1024 * 1024 * 1024  # per file: a larger one is read from its last GiB (the newest records)
CHUNK = 1024 * 1024
MAX_LINE = 4 * 1024 * 1024  # a logged status is ~10 KiB; a longer line is damage, skipped with a note
JOURNALCTL_TIMEOUT = 20.0
MAX_JOURNAL_OUTPUT = 256 * 1024 * 1024
NEEDLES = (logged.MESSAGE_ID_BYTES, *script_log.NEEDLES)


@dataclass(frozen=True)
class HistoryRequest:
    root: str | None = None
    config_dir: str = "/etc/netdata"
    lib_dir: str | None = None
    log_dir: str | None = None
    journal_json: str | None = None  # an exported `journalctl -o json` file (read instead of running journalctl)
    journal: str | None = None  # telemetry-audit's own journal
    read_journald: bool = True
    netdata_version: str | None = None


def collect(req: HistoryRequest) -> history.Records:
    system = System(root=req.root)
    dirs = agent_dirs(system, req.config_dir, req.lib_dir)
    records = history.Records()
    log_dir = (req.log_dir or dirs.conf.get("directories", {}).get("log") or DEFAULT_LOG_DIR).rstrip("/") or "/"
    _read_log_dir(system, log_dir, records)
    _read_journald(system, req, records)
    version = _agent_version(system, req.netdata_version)
    _read_dedup(system, f"{dirs.lib}/{dedup.DEDUP_FILE}", records, missing_matters=not _predates(version))
    records.install = _install(system, dirs.config)
    if req.journal or not system.confined:
        _read_own_journal(req.journal, records)
    records.starts = _unique(records.starts)
    if not records.starts:
        records.notes.append(_no_starts(version))
    if (gap := script_log.no_record_note(version, len(records.script_runs))) is not None:
        records.notes.append(gap)
    return records


def _predates(version: str | None) -> bool:
    """True when the agent's version is known and older than agent-events."""
    from audit.plumbing import versions

    try:
        return version is not None and not versions.within(version, "v2.3", None)
    except AuditError:
        return False


def _no_starts(version: str | None) -> str:
    if _predates(version):
        return f"Netdata {version} predates agent-events (v2.3.0): it sends none and logs nothing about it"
    return ("no agent-events start records were found: agents before v2.3 do not send agent-events (and do not log "
            "about it); from v2.3 every start logs one")


def _agent_version(system: System, given: str | None) -> str | None:
    """The installed agent's version when it can be read (not assumed), for where its logs keep no record."""
    from audit.facts.agent import agent_version

    fact = agent_version(system, given)
    return fact.value if fact.observed else None


def _read_log_dir(system: System, log_dir: str, records: history.Records) -> None:
    if not system.is_dir(log_dir):
        records.notes.append(f"{system.display(log_dir)}: no log dir (the daemon may log to journald only)")
        return
    names = [n for n in system.listdir(log_dir) if LOG_NAMES.match(n)]
    if not names:
        records.notes.append(f"{system.display(log_dir)}: no daemon.log or error.log")
    for name in sorted(names, key=_oldest_first):
        path = f"{log_dir}/{name}"
        shown = system.display(path)
        script_lines: list = []  # few; the start records are parsed as they are read

        def agent_lines():
            for number, line in matching_lines(system, path, records.notes):
                if logged.MESSAGE_ID_BYTES in line:
                    yield number, line
                else:
                    script_lines.append((number, line))
        try:
            records.starts += logged.starts_from_logfmt(agent_lines(), shown)
        except AuditError as e:
            records.notes.append(str(e))
            continue
        records.script_runs += script_log.runs_from_lines(script_lines, shown)


def _oldest_first(name: str):
    m = LOG_NAMES.match(name)
    return (m.group(1), -int(m.group(2) or 0))


def matching_lines(system: System, path: str, notes: list[str]):
    """(line number, line) for each line holding one of the needles, read in chunks: memory stays flat whatever the
    file's size. Only regular files; binary content, cut-short and over-long lines become notes."""
    real = system.real_path(path)
    shown = system.display(path)
    if real is None:
        return
    from audit.plumbing.inputs import open_input

    raw = stream = open_input(real, shown)
    try:
        if path.endswith(".gz"):
            stream = gzip.GzipFile(fileobj=raw)
        else:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_LOG_BYTES:
                stream.seek(size - MAX_LOG_BYTES)
                notes.append(f"{shown}: {size_text(size)}, only its last {size_text(MAX_LOG_BYTES)} were read")
                stream.readline()  # the first line read there is cut
        yield from _scan(stream, shown, notes)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise AuditError(f"{shown}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    finally:
        stream.close()
        raw.close()


def size_text(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def _scan(stream, shown: str, notes: list[str]):
    carry = b""
    line_no = 1  # the number of the first line in `carry + chunk`
    total = 0
    first = True
    while True:
        chunk = stream.read(CHUNK)
        total += len(chunk)
        if first and b"\0" in chunk[:65536]:
            notes.append(f"{shown}: binary content, not a text log: skipped")
            return
        first = False
        if total > MAX_LOG_BYTES:
            notes.append(f"{shown}: more than {size_text(MAX_LOG_BYTES)} uncompressed: the rest was not read")
            chunk = b""
        data = carry + chunk
        end = data.rfind(b"\n") + 1 if chunk else len(data)
        block, carry = data[:end], data[end:]
        if len(carry) > MAX_LINE:
            notes.append(f"{shown}: a line longer than {size_text(MAX_LINE)} after line {line_no}: skipped")
            line_no += block.count(b"\n")
            carry = _rest_after_newline(stream)
            line_no += 1
            continue
        yield from _hits(block, line_no)
        line_no += block.count(b"\n")
        if not chunk:
            if block and not block.endswith(b"\n"):
                notes.append(f"{shown}: the last line is cut short (the log was truncated or is being written)")
            return


def _rest_after_newline(stream) -> bytes:
    """Skips the rest of an over-long line; what follows its newline in the chunk read is kept."""
    while chunk := stream.read(CHUNK):
        at = chunk.find(b"\n")
        if at >= 0:
            return chunk[at + 1:]
    return b""


def _hits(block: bytes, first_line: int):
    starts = set()
    for needle in NEEDLES:
        at = block.find(needle)
        while at >= 0:
            begin = block.rfind(b"\n", 0, at) + 1
            starts.add(begin)
            nl = block.find(b"\n", at)
            at = block.find(needle, nl if nl >= 0 else len(block))
    counted, number = 0, first_line
    for begin in sorted(starts):
        number += block.count(b"\n", counted, begin)
        counted = begin
        end = block.find(b"\n", begin)
        yield number, block[begin:end if end >= 0 else len(block)]


def _read_journald(system: System, req: HistoryRequest, records: history.Records) -> None:
    if req.journal_json:
        from audit.plumbing.inputs import read_limited

        try:
            raw = read_limited(req.journal_json, MAX_JOURNAL_OUTPUT)
        except AuditError as e:
            records.notes.append(str(e))
            return
        records.starts += logged.starts_from_journal(journal_entries(raw, req.journal_json, records.notes))
        return
    if system.confined:
        records.notes.append("journald is not read under --root (give an export with --journal-json FILE)")
        return
    if not req.read_journald:
        return
    raw = run_journalctl(records.notes)
    if raw is not None:
        found = logged.starts_from_journal(journal_entries(raw, "journalctl", records.notes))
        if not found:
            records.notes.append(f"journald holds no entries with MESSAGE_ID={logged.MESSAGE_ID}")
        records.starts += found


def run_journalctl(notes: list[str]) -> bytes | None:
    """`journalctl -o json MESSAGE_ID=…` (read-only), bounded in time and output; None with a note on failure."""
    binary = shutil.which("journalctl")
    if binary is None:
        notes.append("journalctl not found: journald was not read")
        return None
    command = [binary, "--no-pager", "-q", "-o", "json", f"MESSAGE_ID={logged.MESSAGE_ID}"]
    try:
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "SYSTEMD_PAGER": "", "LC_ALL": "C"}) as proc:
            try:
                out, err = proc.communicate(timeout=JOURNALCTL_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                notes.append(f"journalctl did not finish within {JOURNALCTL_TIMEOUT:g} s: journald was not read")
                return None
    except OSError as e:
        notes.append(f"journalctl could not run ({e.strerror}): journald was not read")
        return None
    if proc.returncode != 0:
        first = (err.decode("utf-8", "replace").strip().splitlines() or [f"exit code {proc.returncode}"])[0]
        notes.append(f"journalctl failed ({first}): journald was not read")
        return None
    if len(out) > MAX_JOURNAL_OUTPUT:
        notes.append(f"journalctl printed more than {size_text(MAX_JOURNAL_OUTPUT)}: journald was not read")
        return None
    return out


def journal_entries(raw: bytes, label: str, notes: list[str]) -> list[dict]:
    entries, damaged = [], 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            damaged += 1
            continue
        if isinstance(entry, dict):
            entries.append(entry)
        else:
            damaged += 1
    if damaged:
        notes.append(f"{label}: {damaged} lines that are not journald JSON entries were skipped")
    return entries


def _read_dedup(system: System, path: str, records: history.Records, missing_matters: bool) -> None:
    shown = system.display(path)
    try:
        data = system.read_bytes(path)
    except AuditError as e:
        records.notes.append(str(e))
        return
    if data is None:
        if missing_matters:
            records.notes.append(f"{shown}: no dedup table (a v2.3.2+ daemon writes it at its first post; "
                                 "v2.3.0 and v2.3.1 keep the hashes in the status file)")
        return
    table = dedup.read_table(data)
    if table is None:
        records.notes.append(f"{shown}: {history.table_problem(data)}: the daemon ignores it (it starts with an "
                             "empty table)")
        return
    records.dedup, records.dedup_path = table, shown


def _install(system: System, config_dir: str) -> dict | None:
    from audit.core.report import redact

    path = f"{config_dir}/.install-type"
    text = system.read_text(path)
    if text is None:
        return None
    env_text = system.read_text(f"{config_dir}/.environment")
    options = parse_assignments(env_text).get("REINSTALL_OPTIONS") if env_text is not None else None
    redacted, token = redact(options) if options is not None else (None, False)
    st = system.stat(path)
    usec = int(st.st_mtime * 1_000_000) if st else None
    return {"path": system.display(path), "time": (logged.iso_usec(usec) + " (file time)") if usec else "",
            "usec": usec, "install_type": parse_assignments(text).get("INSTALL_TYPE"), "options": redacted,
            "claim_token": token, "disabled": options is not None and "--disable-telemetry" in options.split()}


def _read_own_journal(path: str | None, records: history.Records) -> None:
    try:
        items, damaged = journal.entries(path)
    except AuditError as e:
        records.notes.append(str(e))
        return
    if damaged:
        records.notes.append(f"telemetry-audit journal: {len(damaged)} damaged lines skipped")
    for entry in journal.latest(items):
        records.journal.append((entry, journal.body(path, entry)))


def _unique(starts: list[logged.Start]) -> list[logged.Start]:
    """The same start read from journald and from a log file (or two overlapping rotations) counts once."""
    seen, out = set(), []
    for s in starts:
        key = (s.version, s.cause, s.status_json, s.pid)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
