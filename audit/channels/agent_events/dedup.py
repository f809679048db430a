"""The daemon's dedup of agent-events posts: the same report is not posted twice within 23 h (pure).

After a post the daemon keeps a 64-bit FNV-1a hash of the report with the time it was posted; the next start
hashes the report it is about to post and skips the post when a slot holds that hash from less than 23 h ago
(v2.11.0:src/daemon/status-file-dedup.c:11, :38-103, :159-181; the check at v2.11.0:src/daemon/status-file.c:1564).
From v2.3.2 the slots live in `dedup-netdata.dat`; v2.3.0 and v2.3.1 keep them in the status file itself
(v2.3.0:src/daemon/daemon-status-file.c:282-297, :887-906). The hashed struct changed between releases: the
layouts are data (HASH_LAYOUTS), keyed by the first release that built each.
"""

import struct
from dataclasses import dataclass

from audit import versions
from audit.channels.agent_events.status import PROFILES, Status

DEDUP_FILE = "dedup-netdata.dat"
WINDOW_US = (86400 - 3600) * 1_000_000  # REPORT_EVENTS_EVERY (v2.11.0:src/daemon/status-file-dedup.c:11)
MAGIC = 0x1DEDA9F17EDA7150  # status-file-dedup.c:9
FILE_VERSION = 1  # DEDUP_VERSION, status-file-dedup.c:8
SLOTS = 50
FILE_SIZE = 24 + SLOTS * 24  # magic, v, hash, then 50 x {bool sentry; uint64 hash; usec_t timestamp_ut}

# RRD_DB_MODE values (v2.11.0:src/database/rrd-database-mode.h:6-11, a packed 8-bit enum)
DB_MODES = {"none": 0, "ram": 1, "alloc": 4, "dbengine": 5}
# ND_PROFILE bits (v2.11.0:src/daemon/config/netdata-conf-profile.h:12-15), by status.PROFILES order
PROFILE_BITS = {"standalone": 1 << 29, "parent": 1 << 30, "child": 1 << 28, "iot": 1 << 27}
STATUSES = ("none", "initializing", "running", "exiting", "exited")


@dataclass(frozen=True)
class HashLayout:
    """The struct daemon_status_file_hash() fills and hashes, as it differs between releases."""
    since: str
    host_id: str  # "uuid": ND_UUID; "guid": ND_MACHINE_GUID {txt[37], uuid, since}; "guid+text": and since's text
    worker_job_id: bool  # a uint32 worker_job_id after db_mode
    stack_trace: int  # sizeof(fatal.stack_trace)
    function_over_filename: bool  # the function was copied over the filename (fixed in v2.11.0)
    anonymize: bool  # 0x... addresses in the stack trace are zeroed before hashing
    source: str


HASH_LAYOUTS = (
    HashLayout("v2.3.0", "uuid", False, 2048, True, False, "v2.3.0:src/daemon/daemon-status-file.c:93-154"),
    HashLayout("v2.3.2", "guid", True, 4096, True, True, "v2.3.2:src/daemon/status-file-dedup.c:37-103"),
    HashLayout("v2.8.0", "guid+text", True, 4096, True, True,
               "v2.8.0:src/daemon/machine-guid.h:8-13 (the since text joins ND_MACHINE_GUID)"),
    HashLayout("v2.11.0", "guid+text", True, 4096, False, True, "v2.11.0:src/daemon/status-file-dedup.c:38-103"),
)


def layout_for(version: str) -> HashLayout:
    wanted = versions.parse(version)[:3]
    return [h for h in HASH_LAYOUTS if versions.parse(h.since)[:3] <= wanted][-1]


def fnv1a64(data: bytes) -> int:
    """fnv1a_hash_bin64 (v2.11.0:src/libnetdata/inlined.h:87-95)."""
    h = 14695981039346656037
    for byte in data:
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def _chars(text: bytes, size: int) -> bytes:
    """strncpyz/safecpy into a zeroed char[size]: at most size-1 bytes, stopping at a NUL."""
    return text.split(b"\0")[0][:size - 1].ljust(size, b"\0")


def _anonymize(trace: bytes) -> bytes:
    """stack_trace_anonymize (status-file-dedup.c:26-36): "0x" and the hex digits after it become zeros."""
    out = bytearray(trace)
    end = out.find(b"\0") if b"\0" in out else len(out)
    i = 0
    while True:
        i = out.find(b"0x", i, end)
        if i < 0:
            return bytes(out)
        out[i + 1] = ord("0")
        i += 2
        while i < end and chr(out[i]) in "0123456789abcdefABCDEF":
            out[i] = ord("0")
            i += 1


def _host_id(ds: Status, kind: str) -> bytes:
    uuid = ds.get("agent.id")
    if kind == "uuid":
        return uuid
    since = ds.get("agent.since")
    # ND_MACHINE_GUID: txt[37] (not in the saved file: zero), pad to 8, uuid[16], usec_t last_modified_ut
    guid = bytes(40) + uuid + struct.pack("<Q", since)
    if kind == "guid+text":  # + char last_modified_ut_rfc3339[36], regenerated at load (status-file.c:1328-1331)
        from audit.channels.agent_events.emit import rfc3339

        guid += _chars(rfc3339(since) if since else b"", 36) + bytes(4)
    return guid


def signal_code(text: bytes) -> int:
    """SIGNAL_CODE_2id_h (v2.11.0:src/libnetdata/signals/signal-code.c:243-266): signo << 32 | si_code."""
    if not text:
        return 0
    name, _, code = text.decode("ascii", "replace").partition("/")
    if code in SI_CODES_BY_SIGNAL:
        return SI_CODES_BY_SIGNAL[code]
    signo = SIGNALS.get(name, _atoi(name))
    si_code = SI_CODES.get(code, _atoi(code)) if code else 0
    return (signo << 32 | (si_code & 0xFFFFFFFF)) & 0xFFFFFFFFFFFFFFFF


def _atoi(text: str) -> int:
    digits = ""
    for ch in text.strip():
        if ch.isdigit() or (not digits and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


# Linux numbers of the names the daemon writes (signal-code.c:12-234, glibc's signum.h and siginfo-consts.h)
SIGNALS = {"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGBUS": 7,
           "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14,
           "SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19, "SIGTSTP": 20,
           "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26,
           "SIGPROF": 27, "SIGWINCH": 28, "SIGPOLL": 29, "SIGPWR": 30, "SIGSYS": 31}
SI_CODES = {"SI_ASYNCNL": -60, "SI_DETHREAD": -7, "SI_TKILL": -6, "SI_SIGIO": -5, "SI_ASYNCIO": -4,
            "SI_MESGQ": -3, "SI_TIMER": -2, "SI_QUEUE": -1, "SI_USER": 0, "SI_KERNEL": 0x80}
_PER_SIGNAL = {
    "SIGILL": ("ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC",
               "ILL_BADSTK", "ILL_BADIADDR"),
    "SIGFPE": ("FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV",
               "FPE_FLTSUB"),
    "SIGSEGV": ("SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR", "SEGV_ACCADI", "SEGV_ADIDERR",
                "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR", "SEGV_CPERR"),
    "SIGBUS": ("BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"),
    "SIGTRAP": ("TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT", "TRAP_UNK"),
}
SI_CODES_BY_SIGNAL = {code: SIGNALS[sig] << 32 | i + 1 for sig, codes in _PER_SIGNAL.items()
                      for i, code in enumerate(codes)}
SI_CODES_BY_SIGNAL |= {"FPE_FLTUNK": SIGNALS["SIGFPE"] << 32 | 14, "FPE_CONDTRAP": SIGNALS["SIGFPE"] << 32 | 15}


def _bits_to_profile(bits: int) -> int:
    return sum(PROFILE_BITS[name] for i, name in enumerate(PROFILES) if bits & 1 << i)


def report_hash(ds: Status, message: str, cause: str, layout: HashLayout) -> int:
    """daemon_status_file_hash(last status, msg, cause): the struct's bytes, x86-64 layout, padding zeroed."""
    out = bytearray()

    def align(n: int) -> None:
        out.extend(bytes(-len(out) % n))

    out += struct.pack("<II", ds.v, STATUSES.index(ds.get("agent.status")))
    out += struct.pack("<Q", signal_code(ds.get("fatal.signal_code")))
    out += struct.pack("<II", _bits_to_profile(ds.get("agent.profile")), ds.get("agent.exit_reason"))
    out += struct.pack("<B", DB_MODES[ds.get("agent.db_mode")])
    if layout.worker_job_id:
        align(4)
        out += struct.pack("<I", ds.get("fatal.worker_job_id"))
    out += struct.pack("<B???", ds.get("agent.db_tiers"), ds.get("agent.kubernetes"),
                       ds.get("agent.sentry_available"), ds.get("fatal.sentry"))
    align(8)
    out += _host_id(ds, layout.host_id)
    out += ds.get("host.id")
    out += struct.pack("<q", ds.get("fatal.line"))
    out += _chars(ds.get("agent.version"), 32)
    filename = _chars(ds.get("fatal.filename"), 256)
    function = _chars(ds.get("fatal.function"), 128)
    if layout.function_over_filename:  # strncpyz(to_hash.filename, function, 127): the filename's tail stays
        copied = ds.get("fatal.function").split(b"\0")[0][:127] + b"\0"
        filename, function = copied + filename[len(copied):], bytes(128)
    trace = _chars(ds.get("fatal.stack_trace"), layout.stack_trace)
    out += filename + function + (_anonymize(trace) if layout.anonymize else trace)
    out += _chars(ds.get("fatal.thread"), 16) + _chars(message.encode(), 128) + _chars(cause.encode(), 32)
    align(8)
    return fnv1a64(bytes(out))


@dataclass(frozen=True)
class Slot:
    hash: int
    sentry: bool
    timestamp_us: int


def read_table(raw: bytes) -> tuple[Slot, ...] | None:
    """The slots of a dedup-netdata.dat as the daemon loads it (status-file-dedup.c:108-138); None when the
    daemon would discard it (wrong size, magic, version or checksum) and start with an empty table."""
    if len(raw) != FILE_SIZE:
        return None
    magic, version, checksum = struct.unpack_from("<QQQ", raw)
    if magic != MAGIC or version != FILE_VERSION or fnv1a64(raw[24:]) != checksum:
        return None
    return tuple(Slot(h, bool(s), t) for s, h, t in (struct.unpack_from("<B7xQQ", raw, 24 + 24 * i)
                                                      for i in range(SLOTS)) if t)


def posted_at(table: tuple[Slot, ...], report: int, now_us: int) -> int | None:
    """dedup_already_posted(hash, sentry=false): the time the same report was posted less than 23 h before
    `now_us` (unsigned arithmetic: a slot from the future never matches), else None."""
    for slot in table:
        if slot.hash == report and not slot.sentry and (now_us - slot.timestamp_us) % 2 ** 64 < WINDOW_US:
            return slot.timestamp_us
    return None


def table_from_status(raw: bytes, file_version: int | None) -> tuple[Slot, ...]:
    """v2.3.0 and v2.3.1 keep the slots in the status file's `dedup` array, and carry them over only from a file
    of their own version (v2.3.0:src/daemon/daemon-status-file.c:282-297, :467-479, :557-560)."""
    import json

    from audit.channels.agent_events.status import parse_rfc3339

    try:
        document = json.loads(raw)
    except ValueError:
        return ()
    if not isinstance(document, dict) or document.get("version") != file_version:
        return ()
    slots = []
    for item in document.get("dedup") or ():
        if isinstance(item, dict) and isinstance(item.get("hash"), int) and isinstance(item.get("@timestamp"), str):
            when = parse_rfc3339(item["@timestamp"]) or 0
            if when:
                slots.append(Slot(item["hash"], item.get("sentry") is True, when))
    return tuple(slots)
