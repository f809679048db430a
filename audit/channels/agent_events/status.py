"""A saved status file (status-netdata.json) read the way the daemon reads it (pure).

The daemon parses the file into a C struct (daemon_status_file_from_json, src/daemon/status-file.c:592-866 at
v2.11.0) and re-emits that struct; what survives is what fits the struct. So a Status holds C-typed values by
member path: strings as bytes cut to their char-array size (strncpyz, at a NUL too), UUIDs as 16 bytes (all zero
when null or unparseable), integers wrapped to their C type, timestamps as microseconds, enums as their names and
bit sets as ints. Every member is optional (v2.11 parses with JSONC_OPTIONAL; only `version` is required), and a
missing one is zero.
"""

import json
import math
import re
from dataclasses import dataclass, field

from audit.plumbing import inputs
from audit.plumbing.errors import AuditError

MAX_FILE = 65536  # read_txt_file_to_buffer(filename, wb, 65536) (status-file.c, status_file_load_and_parse)
NEWEST_VERSION = 29

# member path -> (kind, size): str (char[size]), uuid, u<bits>/i<bits> (C integer), bool, time (RFC 3339 to usec),
# enum:<table>, bits:<table>
FIELDS: dict[str, tuple[str, int]] = {
    "@timestamp": ("time", 0),
    "agent.id": ("uuid", 0), "agent.since": ("time", 0), "agent.ephemeral_id": ("uuid", 0),
    "agent.version": ("str", 32), "agent.uptime": ("i", 64), "agent.node_id": ("uuid", 0),
    "agent.claim_id": ("uuid", 0), "agent.restarts": ("u", 64), "agent.crashes": ("u", 64), "agent.pid": ("i", 32),
    "agent.posts": ("u", 64), "agent.aclk": ("enum:aclk", 0), "agent.profile": ("bits:profile", 0),
    "agent.status": ("enum:status", 0), "agent.exit_reason": ("bits:exit_reason", 0),
    "agent.install_type": ("str", 32), "agent.db_mode": ("enum:db_mode", 0), "agent.db_tiers": ("u", 8),
    "agent.kubernetes": ("bool", 0), "agent.sentry_available": ("bool", 0), "agent.reliability": ("i", 64),
    "agent.stack_traces": ("str", 63), "agent.timings.init": ("i", 64), "agent.timings.exit": ("i", 64),
    "metrics.nodes.total": ("u", 64), "metrics.nodes.receiving": ("u", 64), "metrics.nodes.sending": ("u", 64),
    "metrics.nodes.archived": ("u", 64), "metrics.metrics.collected": ("u", 64),
    "metrics.metrics.available": ("u", 64), "metrics.instances.collected": ("u", 64),
    "metrics.instances.available": ("u", 64), "metrics.contexts.collected": ("u", 64),
    "metrics.contexts.available": ("u", 64),
    "host.id": ("uuid", 0), "host.architecture": ("str", 32), "host.virtualization": ("str", 32),
    "host.container": ("str", 32), "host.uptime": ("i", 64), "host.timezone": ("str", 32),
    "host.cloud_provider": ("str", 32), "host.cloud_instance": ("str", 32), "host.cloud_region": ("str", 32),
    "host.system_cpus": ("u", 64), "host.boot.id": ("uuid", 0),
    "host.memory.total": ("u", 64), "host.memory.free": ("u", 64), "host.memory.netdata": ("u", 64),
    "host.memory.oom_protection": ("u", 64),
    "host.disk.db.total": ("u", 64), "host.disk.db.free": ("u", 64), "host.disk.db.inodes_total": ("u", 64),
    "host.disk.db.inodes_free": ("u", 64), "host.disk.db.read_only": ("bool", 0),
    "host.disk.netdata.dbengine": ("u", 64), "host.disk.netdata.sqlite": ("u", 64),
    "host.disk.netdata.other": ("u", 64), "host.disk.netdata.last_updated": ("time", 0),
    "os.type": ("enum:os_type", 0), "os.kernel": ("str", 32), "os.name": ("str", 32), "os.version": ("str", 32),
    "os.family": ("str", 64), "os.platform": ("str", 64),
    "hw.sys.vendor": ("str", 64), "hw.sys.uuid": ("str", 64),
    "hw.product.id": ("str", 64), "hw.product.name": ("str", 96), "hw.product.version": ("str", 64),
    "hw.product.sku": ("str", 64), "hw.product.family": ("str", 64),
    "hw.board.name": ("str", 64), "hw.board.version": ("str", 64), "hw.board.vendor": ("str", 64),
    "hw.chassis.type": ("str", 16), "hw.chassis.vendor": ("str", 64), "hw.chassis.version": ("str", 64),
    "hw.bios.date": ("str", 16), "hw.bios.release": ("str", 64), "hw.bios.version": ("str", 64),
    "hw.bios.vendor": ("str", 64),
    "product.vendor": ("str", 64), "product.id": ("str", 64), "product.name": ("str", 96),
    "product.type": ("str", 16),
    "fatal.line": ("i", 64), "fatal.filename": ("str", 256), "fatal.function": ("str", 128),
    "fatal.message": ("str", 512), "fatal.errno": ("str", 64), "fatal.thread": ("str", 16),
    "fatal.thread_id": ("i", 32), "fatal.stack_trace": ("str", 4096), "fatal.signal_code": ("signal", 24),
    "fatal.sentry": ("sentry", 0), "fatal.fault_address": ("address", 24), "fatal.worker_job_id": ("u", 32),
}

# The parser reads these only from files at least this version (status-file.c:640-720, 782-796).
PARSED_SINCE = {
    "agent.since": 24, "agent.crashes": 24, "agent.pid": 27, "agent.posts": 22, "agent.aclk": 22,
    "agent.db_mode": 14, "agent.db_tiers": 14, "agent.kubernetes": 14, "agent.sentry_available": 16,
    "agent.reliability": 18, "agent.stack_traces": 18, "host.memory.netdata": 21,
    "host.memory.oom_protection": 21, "host.timezone": 20, "host.cloud_provider": 20, "host.cloud_instance": 20,
    "host.cloud_region": 20, "fatal.signal_code": 16, "fatal.sentry": 17, "fatal.thread_id": 18,
    "fatal.fault_address": 18, "fatal.worker_job_id": 23,
}
# Before v18 some agent members carried an ND_ prefix (status-file.c:624-635).
OLD_KEYS = {"agent.profile", "agent.status", "agent.exit_reason", "agent.node_id", "agent.claim_id",
            "agent.install_type", "agent.timings", "agent.restarts", "agent.db_mode", "agent.db_tiers",
            "agent.kubernetes", "agent.sentry_available"}

# Enum and bit-set names, in table order (bit sets are emitted in this order).
ENUMS = {
    "status": ("none", "initializing", "running", "exiting", "exited"),
    "os_type": ("unknown", "linux", "freebsd", "macos", "windows"),
    "aclk": ("online", "indirect", "available", "banned", "offline"),  # src/claim/cloud-status.c:5-15
    "db_mode": ("dbengine", "ram", "alloc", "none"),  # src/database/rrd-database-mode.h:15-18
}
ENUM_DEFAULTS = {"status": "none", "os_type": "unknown", "aclk": "available", "db_mode": "none"}  # a zero value
ENUM_UNKNOWN = {"status": "none", "os_type": "unknown", "aclk": "available", "db_mode": "ram"}  # an unknown name
EXIT_REASONS = (  # src/libnetdata/exit/exit_initiated.c:11-44, bit i = 1 << i
    "signal-bus-error", "signal-segmentation-fault", "signal-floating-point-exception",
    "signal-illegal-instruction", "signal-abort", "signal-bad-system-call", "signal-cpu-time-limit-exceeded",
    "signal-file-size-limit-exceeded", "out-of-memory", "already-running", "fatal", "api-quit", "cmd-exit",
    "signal-quit", "signal-terminate", "signal-interrupt", "service-stop", "system-shutdown", "update",
    "shutdown-timeout",
)
PROFILES = ("standalone", "parent", "child", "iot")  # src/daemon/config/netdata-conf-profile.c:7-17
BITS = {"exit_reason": EXIT_REASONS, "profile": PROFILES}


def bit(name: str) -> int:
    return 1 << EXIT_REASONS.index(name)


@dataclass
class Status:
    v: int  # the saved file's `version` (ds->v): gates what is emitted
    values: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # where the daemon's reading changes what the file says

    def get(self, path: str) -> object:
        if path in self.values:
            return self.values[path]
        return zero(path)

    def set(self, path: str, value: object) -> None:
        self.values[path] = value

    def copy(self) -> "Status":
        return Status(self.v, dict(self.values), list(self.notes))


def zero(path: str) -> object:
    kind, _ = FIELDS[path]
    if kind in ("str",):
        return b""
    if kind == "uuid":
        return bytes(16)
    if kind == "bool" or kind == "sentry":
        return False
    if kind == "signal":
        return b""
    if kind.startswith("enum:"):
        return ENUM_DEFAULTS[kind[5:]]
    return 0


# ---------------------------------------------------------------------------------------------------------------
# reading

def read_document(raw: bytes, label: str) -> dict:
    """The JSON object of a status file, or a one-line AuditError saying why the daemon could not read it."""
    if len(raw) > MAX_FILE:
        raise AuditError(f"{label}: over {MAX_FILE} bytes, more than the daemon reads: not a status file")
    if b"\0" in raw:
        raise AuditError(f"{label}: binary content, not a status file")
    try:
        document = inputs.load_json(raw, label)
    except inputs.NotJson as e:
        raise AuditError(f"{label}: not valid JSON ({e.reason}); the daemon would ignore it") from None
    if not isinstance(document, dict):
        raise AuditError(f"{label}: not a JSON object, not a status file")
    return document


def parse(document: dict, label: str = "status file", sizes: tuple[tuple[str, int], ...] = ()) -> Status:
    """`sizes`: the reading binary's char arrays where they differ from v2.11's (releases.Release.sizes)."""
    version = _version(document, label)
    status = Status(version)
    other = dict(sizes)
    for path, (kind, size) in FIELDS.items():
        size = other.get(path, size)
        if version < PARSED_SINCE.get(path, 0):
            continue
        found, value = _lookup(document, path, version)
        if found:
            converted = _convert(path, kind, size, value, status)
            if converted is not None:
                status.set(path, converted)
    if version < 14:  # the running agent's defaults (status-file.c:676-680); modelled as a default install
        status.set("agent.db_mode", "dbengine")
        status.set("agent.db_tiers", 3)
    _memory_disk_ok(status)
    return status


def _version(document: dict, label: str) -> int:
    if "version" not in document:
        raise AuditError(f"{label}: no `version` member: the daemon rejects it (not a status file)")
    value = document["version"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AuditError(f"{label}: `version` is {json.dumps(value)}, not a status-file version number")
    if value == 0 or value > NEWEST_VERSION:
        raise AuditError(f"{label}: status-file version {value} is unknown (the newest release modelled writes "
                         f"{NEWEST_VERSION})")
    return value


def _lookup(document: dict, path: str, version: int) -> tuple[bool, object]:
    parts = path.split(".") if path != "@timestamp" else [path]
    if version < 18:
        for i in range(1, len(parts)):
            if ".".join(parts[:i + 1]) in OLD_KEYS:
                parts[i] = "ND_" + parts[i]
        if path == "agent.sentry_available" and version == 16:
            parts[-1] = "ND_sentry"
    node: object = document
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def to_bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate written as \ud800 in the file
        return text.encode("utf-8", "surrogatepass")


def _convert(path: str, kind: str, size: int, value: object, status: Status) -> object:
    if kind == "str":
        return _char_array(path, value, size, status)
    if kind == "uuid":
        if value is None:
            return bytes(16)
        if isinstance(value, str):
            parsed = parse_uuid(value)
            if parsed is None:
                status.notes.append(f"{path}: {value!r} is not a UUID: the daemon reads it as null")
                return bytes(16)
            return parsed
        return None
    if kind == "time":
        if not isinstance(value, str):
            return 0
        parsed = parse_rfc3339(to_bytes(value)[:39].decode("utf-8", "replace"))
        if parsed is None:
            status.notes.append(f"{path}: {value!r} is not an RFC 3339 time: the daemon reads it as 0")
            return 0
        return parsed
    if kind in ("u", "i"):
        return _integer(path, kind, size, value)
    if kind == "bool":
        return _boolean(path, value)
    if kind == "sentry":  # parsed with the signal-code converter (status-file.c:786): only a string sets it
        if isinstance(value, str):
            return bool(value) and _looks_like_signal(value)
        if value is True:
            status.notes.append("fatal.sentry: true in the file, but the daemon reads this member as a signal "
                                "name, so the body says false")
        return None
    if kind == "signal":
        if not isinstance(value, str):
            return None
        return to_bytes(value).split(b"\0")[0][:size - 1] if _looks_like_signal(value) else b""
    if kind == "address":  # a string, read with str2ull_encoded (status-file.c:792-797)
        text = _char_array(path, value, size, status).decode("ascii", "replace")
        return _address(text)
    if kind.startswith("enum:"):
        table = kind[5:]
        if not isinstance(value, str):
            return None
        return value if value in ENUMS[table] else ENUM_UNKNOWN[table]
    if kind.startswith("bits:"):
        return _bits(path, BITS[kind[5:]], value)
    raise AssertionError(kind)


def _char_array(path: str, value: object, size: int, status: Status) -> bytes:
    if isinstance(value, str):
        data = to_bytes(value)
    elif isinstance(value, bool):
        data = b"true" if value else b"false"
    elif isinstance(value, int):
        data = str(value).encode()
    elif isinstance(value, float):
        data = _netdata_double(value).encode()
    else:
        return b""
    data = data.split(b"\0")[0]
    if len(data) > size - 1:
        status.notes.append(f"{path}: cut to {size - 1} bytes, the size the daemon keeps")
        data = data[:size - 1]
    return data


def _address(text: str) -> int:
    match = re.match(r"0[xX]([0-9a-fA-F]+)|(\d+)", text)
    if not match:
        return 0
    return int(match.group(1), 16) % 2 ** 64 if match.group(1) else int(match.group(2)) % 2 ** 64


def _netdata_double(value: float) -> str:
    text = f"{value:.7f}".rstrip("0").rstrip(".")  # print_netdata_double: up to 7 decimals, no trailing zeros
    return text or "0"


def _integer(path: str, kind: str, bits: int, value: object) -> int | None:
    if value is None:
        number = 0
    elif isinstance(value, bool):
        number = int(value)
    elif isinstance(value, int):
        number = value if kind == "i" or value >= 0 else 0
        if value >= 2 ** 64 or value < -2 ** 63:
            raise AuditError(f"{path}: {value} does not fit a 64-bit number: the daemon rejects this status file")
    elif isinstance(value, float):
        if not math.isfinite(value) or value >= 2 ** 64 or (kind == "u" and value < 0):
            raise AuditError(f"{path}: {value} cannot be read as a number: the daemon rejects this status file")
        number = int(value)
    elif isinstance(value, str):
        if not re.fullmatch(r"\s*[+-]?\d+", value) or (kind == "u" and value.lstrip().startswith("-")):
            raise AuditError(f"{path}: {value!r} is not a number: the daemon rejects this status file")
        number = int(value)
    else:
        return None
    return _wrap(number, kind, bits)


def _wrap(number: int, kind: str, bits: int) -> int:
    number &= (1 << bits) - 1
    if kind == "i" and number >= 1 << (bits - 1):
        number -= 1 << bits
    return number


def _boolean(path: str, value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        if value.lower() in ("true", "yes", "on"):
            return True
        if value.lower() in ("false", "no", "off"):
            return False
        raise AuditError(f"{path}: {value!r} is not a boolean: the daemon rejects this status file")
    return None


def _bits(path: str, names: tuple[str, ...], value: object) -> int | None:
    if not isinstance(value, list):
        return None
    out = 0
    for item in value:
        if not isinstance(item, str):
            raise AuditError(f"{path}: {json.dumps(item)} is not a name: the daemon rejects this status file")
        if item in names:
            out |= 1 << names.index(item)
    return out


def _looks_like_signal(text: str) -> bool:
    return bool(re.fullmatch(r"(SIG[A-Z0-9]+|\d+)/[A-Za-z0-9_-]+", text))


def _memory_disk_ok(status: Status) -> None:
    """A memory or disk block with a zero total is dropped whole (OS_SYSTEM_MEMORY_EMPTY, ..._DISK_SPACE_EMPTY)."""
    if not status.get("host.memory.total"):
        status.set("host.memory.free", 0)
    if not status.get("host.disk.db.total"):
        for name in ("free", "inodes_total", "inodes_free"):
            status.set(f"host.disk.db.{name}", 0)
        status.set("host.disk.db.read_only", False)


def parse_uuid(text: str) -> bytes | None:
    """uuid_parse_flexi (src/libnetdata/uuid/uuid.c): 32 hex digits, with 0 or 4 hyphens anywhere between pairs;
    anything after the 16th byte is ignored."""
    out = bytearray()
    hyphens = 0
    i = 0
    hexdigits = "0123456789abcdefABCDEF"
    while i < len(text) and len(out) < 16:
        if text[i] == "-":
            i += 1
            hyphens += 1
            if hyphens > 4:
                return None
        if i + 1 < len(text) and text[i] in hexdigits and text[i + 1] in hexdigits:
            out.append(int(text[i:i + 2], 16))
            i += 2
        else:
            return None
    if len(out) < 16 or hyphens not in (0, 4):
        return None
    return bytes(out)


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})$")


def parse_rfc3339(text: str) -> int | None:
    """Microseconds since the epoch; the fraction beyond microseconds is dropped."""
    import calendar

    match = _RFC3339.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7) or "", match.group(8)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    usec = int((fraction + "000000")[:6]) if fraction else 0
    return max(seconds, 0) * 1_000_000 + usec
