"""The daemon's dedup table (`dedup-netdata.dat`) and the hash it keeps per post (pure).

Layout and rules at v2.11.0 (the same 50 slots and 23 h since v2.6.0), src/daemon/status-file-dedup.c:
the file is the DAEMON_STATUS_DEDUP struct as it is in memory (:13-22): magic u64 0x1DEDA9F17EDA7150, version
size_t 1, a FNV-1a 64 checksum of the slots, then 50 slots {bool sentry; u64 hash; usec_t timestamp_ut} of 24 bytes
each (x86_64 / aarch64 LP64 alignment), 1224 bytes in all; the daemon rejects any other size (:118-129).
A post's hash is FNV-1a 64 over a zeroed C struct built from the *previous* status, the message and the cause
(:38-103); a start skips the post when a slot holds the same hash (sentry false) younger than 23 h (:160-179).
This is the one place the tool computes that hash.
"""

import struct
from dataclasses import dataclass

from audit.channels.agent_events.emit import rfc3339
from audit.channels.agent_events.status import BITS, ENUMS, Status

FILENAME = "dedup-netdata.dat"  # in the lib dir (:7)
MAGIC = 0x1DEDA9F17EDA7150
VERSION = 1
SLOTS = 50
SLOT = struct.Struct("<?7xQQ")  # sentry, pad, hash, timestamp_ut
HEADER = struct.Struct("<QQQ")  # magic, v, checksum of the slots
SIZE = HEADER.size + SLOTS * SLOT.size  # 1224
WINDOW_USEC = (86400 - 3600) * 1_000_000  # REPORT_EVENTS_EVERY (:11)

FNV_OFFSET, FNV_PRIME = 14695981039346656037, 1099511628211


def fnv1a64(data: bytes) -> int:
    """fnv1a_hash_bin64 (src/libnetdata/inlined.h:87-95)."""
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


@dataclass(frozen=True)
class Slot:
    index: int
    sentry: bool
    hash: int
    timestamp_usec: int


@dataclass(frozen=True)
class DedupTable:
    slots: tuple[Slot, ...]  # the used slots (a non-zero timestamp), in file order
    checksum_ok: bool
    problems: tuple[str, ...] = ()  # why the daemon would ignore this file (it then starts with an empty table)


class DedupFileError(ValueError):
    pass


def decode(data: bytes) -> DedupTable:
    """The table as the daemon loads it; a file of the wrong size is an error (the daemon reads none of it)."""
    if len(data) != SIZE:
        raise DedupFileError(f"{len(data)} bytes, not the {SIZE} of a v2.6+ dedup file")
    magic, version, checksum = HEADER.unpack_from(data)
    problems = []
    if magic != MAGIC:
        problems.append(f"magic {magic:#018x}, not {MAGIC:#018x}")
    if version != VERSION:
        problems.append(f"version {version}, not {VERSION}")
    ok = fnv1a64(data[HEADER.size:]) == checksum
    if not ok:
        problems.append("the checksum does not match the slots")
    slots = []
    for i in range(SLOTS):
        sentry, h, ts = SLOT.unpack_from(data, HEADER.size + i * SLOT.size)
        if ts:
            slots.append(Slot(i, sentry, h, ts))
    return DedupTable(tuple(slots), ok, tuple(problems))


# SIGNAL_CODE text -> (signo << 32) | (uint32) si_code (src/libnetdata/signals/signal-code.c:94, Linux numbers)
SIGNOS = {"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGBUS": 7,
          "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14,
          "SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19, "SIGTSTP": 20,
          "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26,
          "SIGPROF": 27, "SIGWINCH": 28, "SIGPOLL": 29, "SIGPWR": 30, "SIGSYS": 31}
SI_CODES = {"SI_USER": 0, "SI_KERNEL": 0x80, "SI_QUEUE": -1, "SI_TIMER": -2, "SI_MESGQ": -3, "SI_ASYNCIO": -4,
            "SI_SIGIO": -5, "SI_TKILL": -6, "SI_DETHREAD": -7, "SI_ASYNCNL": -60,
            "ILL_ILLOPC": 1, "ILL_ILLOPN": 2, "ILL_ILLADR": 3, "ILL_ILLTRP": 4, "ILL_PRVOPC": 5, "ILL_PRVREG": 6,
            "ILL_COPROC": 7, "ILL_BADSTK": 8, "ILL_BADIADDR": 9,
            "FPE_INTDIV": 1, "FPE_INTOVF": 2, "FPE_FLTDIV": 3, "FPE_FLTOVF": 4, "FPE_FLTUND": 5, "FPE_FLTRES": 6,
            "FPE_FLTINV": 7, "FPE_FLTSUB": 8, "FPE_FLTUNK": 14, "FPE_CONDTRAP": 15,
            "SEGV_MAPERR": 1, "SEGV_ACCERR": 2, "SEGV_BNDERR": 3, "SEGV_PKUERR": 4, "SEGV_ACCADI": 5,
            "SEGV_ADIDERR": 6, "SEGV_ADIPERR": 7, "SEGV_MTEAERR": 8, "SEGV_MTESERR": 9, "SEGV_CPERR": 10,
            "BUS_ADRALN": 1, "BUS_ADRERR": 2, "BUS_OBJERR": 3, "BUS_MCEERR_AR": 4, "BUS_MCEERR_AO": 5,
            "TRAP_BRKPT": 1, "TRAP_TRACE": 2, "TRAP_BRANCH": 3, "TRAP_HWBKPT": 4, "TRAP_UNK": 5}
STATUS_NUMBERS = {name: i for i, name in enumerate(ENUMS["status"])}
DB_MODES = {"none": 0, "ram": 1, "alloc": 4, "dbengine": 5}  # src/database/rrd-database-mode.h:6-11
PROFILE_BITS = {"standalone": 1 << 29, "parent": 1 << 30, "child": 1 << 28, "iot": 1 << 27}


def signal_code(text: bytes) -> int:
    signo_text, _, code_text = text.decode("ascii", "replace").partition("/")
    signo = SIGNOS.get(signo_text, _int(signo_text))
    si_code = SI_CODES.get(code_text, _int(code_text))
    return (signo << 32) | (si_code & 0xFFFFFFFF) if signo or si_code else 0


def _int(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        return 0


def _profile(ds: Status) -> int:
    bits = ds.get("agent.profile")
    return sum(PROFILE_BITS[name] for i, name in enumerate(BITS["profile"]) if bits & (1 << i))


def _anonymize(trace: bytes) -> bytes:
    """stack_trace_anonymize (:26-36): every 0x followed by hex digits becomes 0x then zeros ('0x' itself too)."""
    out, i = bytearray(trace), 0
    while (i := out.find(b"0x", i)) >= 0:
        out[i + 1] = ord("0")
        i += 2
        while i < len(out) and chr(out[i]) in "0123456789abcdefABCDEF":
            out[i] = ord("0")
            i += 1
    return bytes(out)


def _char(value: bytes, size: int) -> bytes:
    return value[:size - 1].ljust(size, b"\0")  # safecpy: cut to fit with the NUL


def post_hash(ds: Status, message: str, cause: str) -> int:
    """daemon_status_file_hash(&last_session_status, msg, cause) (:38-103), the struct laid out as gcc does on LP64."""
    since = ds.get("agent.since")
    # ND_MACHINE_GUID: txt[37] (not parsed: zero), uuid, last_modified_ut, its RFC 3339 text[36] (status-file.c:1328)
    text = rfc3339(since) if since else b""
    host_id = bytes(40) + ds.get("agent.id") + struct.pack("<Q", since) + text.ljust(36, b"\0") + bytes(4)
    head = struct.pack("<II Q II B3x I B???4x", ds.v, STATUS_NUMBERS[ds.get("agent.status")],
                       signal_code(ds.get("fatal.signal_code")), _profile(ds), ds.get("agent.exit_reason"),
                       DB_MODES[ds.get("agent.db_mode")], ds.get("fatal.worker_job_id"), ds.get("agent.db_tiers"),
                       ds.get("agent.kubernetes"), ds.get("agent.sentry_available"), ds.get("fatal.sentry"))
    body = (host_id + ds.get("host.id") + struct.pack("<q", ds.get("fatal.line"))
            + _char(ds.get("agent.version"), 32) + _char(ds.get("fatal.filename"), 256)
            + _char(ds.get("fatal.function"), 128) + _anonymize(_char(ds.get("fatal.stack_trace"), 4096))
            + _char(ds.get("fatal.thread"), 16) + _char(message.encode(), 128) + _char(cause.encode(), 32))
    return fnv1a64(head + body)


def posted_within(table: DedupTable, h: int, now_usec: int) -> Slot | None:
    """dedup_already_posted (:160-179): the slot that makes a start skip this post, if any."""
    for slot in table.slots:
        if slot.hash == h and not slot.sentry and now_usec - slot.timestamp_usec < WINDOW_USEC:
            return slot
    return None
