"""The daemon's JSON writer and status emitter, byte for byte (pure).

BUFFER json (src/libnetdata/buffer/buffer.h, buffer.c): MINIFY has no whitespace and no trailing newline; DEFAULT
(the on-disk file) puts each member on its own line indented 4 spaces per level, arrays inline, and ends with a
newline. Strings are escaped by buffer_json_strcat: bytes below 0x20 as \\n \\r \\t \\b \\f or \\u00XX in uppercase
hex, `"` and `\\` with a backslash, everything else (UTF-8, invalid bytes, 0x7F) raw.
"""

import re
import time
from functools import lru_cache

from audit.channels.agent_events.releases import NEWEST, Release
from audit.channels.agent_events.status import BITS, FIELDS, Status, zero

_SHORT = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x08: b"\\b", 0x0C: b"\\f"}
_ESCAPES = {c: _SHORT.get(c, b"\\u%04X" % c) for c in range(0x20)}
_ESCAPES[0x22] = b'\\"'
_ESCAPES[0x5C] = b"\\\\"


_NEEDS_ESCAPE = re.compile(rb'[\x00-\x1f"\\]')


def _escape_match(match: re.Match) -> bytes:
    return _ESCAPES[match.group()[0]]


def escape(data: bytes) -> bytes:
    return _NEEDS_ESCAPE.sub(_escape_match, data)


@lru_cache(maxsize=512)
def _key(key: str) -> bytes:
    return b'"' + escape(key.encode()) + b'":'


class Writer:
    """buffer_json_initialize(wb, "\\"", "\\"", 0, true, options) ... buffer_json_finalize(wb), for top-level members
    (the post's wrapper); the status members are written by emit_members."""

    def __init__(self, minify: bool):
        self.minify = minify
        self.out = bytearray(b"{")
        self.count = 0  # members written so far
        self.leaves: list[tuple[str, bytes]] = []  # (member path, its text; strings without their quotes)

    def raw(self, key: str, text: bytes, shown: bytes | None = None) -> None:
        self.out += (b"," if self.count else b"") + (b"" if self.minify else b"\n    ") + _key(key) + text
        self.count += 1
        self.leaves.append((key, text if shown is None else shown))

    def string(self, key: str, value: bytes) -> None:
        escaped = escape(value)
        self.raw(key, b'"' + escaped + b'"', escaped)

    def uint(self, key: str, value: int) -> None:
        self.raw(key, str(value).encode())

    def boolean(self, key: str, value: bool) -> None:
        self.raw(key, b"true" if value else b"false")

    def finish(self) -> bytes:
        return bytes(self.out + (b"}" if self.minify else b"\n}\n"))


def format_uuid(value: bytes, compact: bool = False) -> bytes | None:
    """Lowercase, dashed or compact (32 hex digits); None (null) when all 16 bytes are zero."""
    if not any(value):
        return None
    text = value.hex()
    if compact:
        return text.encode()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}".encode()


def rfc3339(usec: int) -> bytes:
    """rfc3339_datetime_ut(..., 2, utc=true): centiseconds truncated, no fraction when the microseconds are 0."""
    seconds, micro = divmod(usec, 1_000_000)
    tm = time.gmtime(seconds)
    text = f"{min(tm.tm_year, 9999):04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T{tm.tm_hour:02d}:{tm.tm_min:02d}:" \
           f"{tm.tm_sec:02d}"
    if micro:
        text += f".{micro // 10000:02d}"
    return (text + "Z").encode()


def _timestamp(usec: int, release: Release) -> bytes:
    if usec == 0 and release.precomputed_timestamps:
        return b""
    return rfc3339(usec)


def bit_names(value: int, table: str) -> list[bytes]:
    return [name.encode() for i, name in enumerate(BITS[table]) if value & (1 << i)]


def fault_address(value: int) -> bytes:
    return b"0x" + f"{value:X}".encode()  # print_uint64_hex: uppercase, no leading zeros


# ---------------------------------------------------------------------------------------------------------------
# daemon_status_file_to_json (src/daemon/status-file.c:297-585 at v2.11.0) as data: every member in order, with its
# form and the saved status version it needs (ds->v >= N). "{" opens an object ("{?PATH": emitted empty unless PATH
# is non-zero), "}" closes it. Forms: str, name (enum or fixed text), int, u64 (a signed C value printed as uint64),
# bool, uuid, uuidc (compact), bits:<table>, stamp (a precomputed RFC 3339 string), since (only when set), version
# (the running binary's STATUS_FILE_VERSION), fault (only with a signal code), and "ids" (v2.11's product ids).

LAYOUT: tuple[tuple[str, str, int], ...] = (
    ("@timestamp", "stamp", 0), ("version", "version", 0),
    ("agent", "{", 0),
    ("agent.id", "uuid", 0), ("agent.since", "since", 24), ("agent.ephemeral_id", "uuidc", 0),
    ("agent.version", "str", 0), ("agent.uptime", "int", 0), ("agent.node_id", "uuid", 0),
    ("agent.claim_id", "uuid", 0), ("agent.restarts", "int", 0), ("agent.crashes", "int", 24),
    ("agent.pid", "u64", 27), ("agent.posts", "int", 22), ("agent.aclk", "name", 22),
    ("agent.profile", "bits:profile", 0), ("agent.status", "name", 0), ("agent.exit_reason", "bits:exit_reason", 0),
    ("agent.install_type", "str", 0), ("agent.db_mode", "name", 14), ("agent.db_tiers", "int", 14),
    ("agent.kubernetes", "bool", 14), ("agent.sentry_available", "bool", 16), ("agent.reliability", "int", 18),
    ("agent.stack_traces", "str", 18),
    ("agent.timings", "{", 0), ("agent.timings.init", "int", 0), ("agent.timings.exit", "int", 0), ("", "}", 0),
    ("", "}", 0),
    ("metrics", "{", 0),
    ("metrics.nodes", "{", 0), ("metrics.nodes.total", "int", 0), ("metrics.nodes.receiving", "int", 0),
    ("metrics.nodes.sending", "int", 0), ("metrics.nodes.archived", "int", 0), ("", "}", 0),
    *((f"metrics.{group}", "{", 0) if i == 0 else (f"metrics.{group}.{name}", "int", 0) if i < 3 else ("", "}", 0)
      for group in ("metrics", "instances", "contexts") for i, name in enumerate(("", "collected", "available", ""))),
    ("", "}", 0),
    ("host", "{", 0),
    ("host.id", "uuidc", 0), ("host.architecture", "str", 0), ("host.virtualization", "str", 0),
    ("host.container", "str", 0), ("host.uptime", "int", 0), ("host.timezone", "str", 20),
    ("host.cloud_provider", "str", 20), ("host.cloud_instance", "str", 20), ("host.cloud_region", "str", 20),
    ("host.system_cpus", "int", 0),
    ("host.boot", "{", 0), ("host.boot.id", "uuidc", 0), ("", "}", 0),
    ("host.memory", "{?host.memory.total", 0), ("host.memory.total", "int", 0), ("host.memory.free", "int", 0),
    ("host.memory.netdata", "int", 21), ("host.memory.oom_protection", "int", 21), ("", "}", 0),
    ("host.disk", "{", 0),
    ("host.disk.db", "{?host.disk.db.total", 0), ("host.disk.db.total", "int", 0), ("host.disk.db.free", "int", 0),
    ("host.disk.db.inodes_total", "int", 0), ("host.disk.db.inodes_free", "int", 0),
    ("host.disk.db.read_only", "bool", 0), ("", "}", 0),
    ("host.disk.netdata", "{", 0), ("host.disk.netdata.dbengine", "int", 0), ("host.disk.netdata.sqlite", "int", 0),
    ("host.disk.netdata.other", "int", 0), ("host.disk.netdata.last_updated", "stamp", 0), ("", "}", 0),
    ("", "}", 0),
    ("", "}", 0),
    ("os", "{", 0), ("os.type", "name", 0), ("os.kernel", "str", 0), ("os.name", "str", 0), ("os.version", "str", 0),
    ("os.family", "str", 0), ("os.platform", "str", 0), ("", "}", 0),
    ("hw", "{", 0),
    ("hw.sys", "{", 0), ("hw.sys.vendor", "str", 0), ("hw.sys.uuid", "str", 0), ("", "}", 0),
    ("hw.product", "{", 0), ("hw.product.id", "ids", 0), ("hw.product.name", "str", 0),
    ("hw.product.version", "str", 0), ("hw.product.sku", "str", 0), ("hw.product.family", "str", 0), ("", "}", 0),
    ("hw.board", "{", 0), ("hw.board.name", "str", 0), ("hw.board.version", "str", 0),
    ("hw.board.vendor", "str", 0), ("", "}", 0),
    ("hw.chassis", "{", 0), ("hw.chassis.type", "str", 0), ("hw.chassis.vendor", "str", 0),
    ("hw.chassis.version", "str", 0), ("", "}", 0),
    ("hw.bios", "{", 0), ("hw.bios.date", "str", 0), ("hw.bios.release", "str", 0), ("hw.bios.version", "str", 0),
    ("hw.bios.vendor", "str", 0), ("", "}", 0),
    ("", "}", 0),
    ("product", "{", 0), ("product.vendor", "str", 0), ("product.id", "ids", 0), ("product.name", "str", 0),
    ("product.type", "str", 0), ("", "}", 0),
    ("fatal", "{", 0), ("fatal.line", "u64", 0), ("fatal.filename", "str", 0), ("fatal.function", "str", 0),
    ("fatal.message", "str", 0), ("fatal.errno", "str", 0), ("fatal.thread", "str", 0),
    ("fatal.thread_id", "u64", 0), ("fatal.stack_trace", "str", 0), ("fatal.signal_code", "str", 16),
    ("fatal.sentry", "bool", 17), ("fatal.fault_address", "fault", 18), ("fatal.worker_job_id", "int", 23),
    ("", "}", 0),
    ("dedup", "slots", 0),  # v2.3.0 and v2.3.1 only (v2.3.0:src/daemon/daemon-status-file.c:282-297)
)


@lru_cache(maxsize=64)
def plan(version: int, product_ids: bool, minify: bool, first: bool, omits: tuple[str, ...] = (),
         forms: tuple[tuple[str, str], ...] = ()) -> tuple[tuple, ...]:
    """LAYOUT compiled for a saved version, a release and a format: each step's bytes up to its value, fixed.
    `first`: the status members open the object (the file) rather than follow the wrapper (the post)."""
    steps: list[tuple] = []
    counts = [0 if first else 1]
    opened: list[int] = []
    skipping = 0  # inside an omitted object: its depth
    for path, form, since in LAYOUT:
        if skipping:
            skipping += 1 if form.startswith("{") else -1 if form == "}" else 0
            continue
        if path in omits:
            skipping = 1 if form.startswith("{") else 0
            continue
        if version < since or (form == "ids" and not product_ids):
            continue
        form = dict(forms).get(path, form)
        depth = len(counts)
        if form == "}":
            counts.pop()
            close = b"}" if minify else b"\n" + b"    " * (depth - 1) + b"}"
            start = opened.pop()
            steps[start] = steps[start][:4] + (len(steps) + 1, close)
            steps.append(("}", "", "", close))
            continue
        head = (b"," if counts[-1] else b"") + (b"" if minify else b"\n" + b"    " * depth) + \
            _key(path.rsplit(".", 1)[-1] if path != "@timestamp" else path)
        counts[-1] += 1
        if form.startswith("{"):
            opened.append(len(steps))
            steps.append(("{", path, form[2:], head + b"{"))
            counts.append(0)
        else:
            default = zero(path) if path in FIELDS else None
            steps.append(("v", path, "str" if form == "ids" else form, head, default))
    return tuple(steps)


def emit_members(ds: Status, release: Release, minify: bool, first: bool, out: bytearray,
                 leaves: list[tuple[str, bytes]]) -> None:
    values, get = ds.values, ds.get
    steps = plan(ds.v, release.product_ids, minify, first, release.omits, release.forms)
    i, end = 0, len(steps)
    while i < end:
        step = steps[i]
        op, path, form, head = step[0], step[1], step[2], step[3]
        i += 1
        if op == "}":
            out += head
            continue
        if op == "{":
            if form and not get(form):  # an empty object: its members are skipped
                out += head + step[5]
                leaves.append((path, b"{}"))
                i = step[4]
            else:
                out += head
            continue
        if form == "version":
            out += head
            out += str(release.status_file_version).encode()
            leaves.append((path, str(release.status_file_version).encode()))
            continue
        value = values.get(path, step[4])
        if form == "str":
            shown = _NEEDS_ESCAPE.sub(_escape_match, value) if _NEEDS_ESCAPE.search(value) else value
            text = b'"' + shown + b'"'
        elif form == "int":
            text = shown = str(value).encode()
        elif form == "uuid" or form == "uuidc":
            shown = format_uuid(value, form == "uuidc")
            text = b"null" if shown is None else b'"' + shown + b'"'
            shown = text if shown is None else shown
        elif form == "name":
            text, shown = b'"' + value.encode() + b'"', value.encode()
        elif form == "bool":
            text = shown = b"true" if value else b"false"
        elif form == "stamp":
            shown = _timestamp(value, release)
            text = b'"' + shown + b'"'
        elif form == "since":
            if not value:
                continue
            shown = rfc3339(value)
            text = b'"' + shown + b'"'
        elif form == "u64":
            text = shown = str(value % 2 ** 64).encode()
        elif form == "fault" or form == "hex":  # "hex": printed even without a signal code (v2.3.0, v2.3.1)
            shown = fault_address(value) if form == "hex" or get("fatal.signal_code") else b""
            text = b'"' + shown + b'"'
        elif form == "slots":
            text = shown = dedup_array(ds.dedup, minify)
        else:  # bits:<table>
            text = shown = b"[" + b",".join(b'"' + n + b'"' for n in bit_names(value, form[5:])) + b"]"
        out += head
        out += text
        leaves.append((path, shown))


def dedup_array(slots: tuple[tuple[int, int, bool], ...], minify: bool) -> bytes:
    """The top-level `dedup` array of v2.3.0/v2.3.1: one object per slot with a timestamp (@timestamp formatted
    then, hash, sentry). Array items get no newline in either format; an item's members are indented at depth 3
    and its closing brace at depth 2 (v2.3.0:src/libnetdata/buffer/buffer.h:776-785, 825-836, 1040-1047)."""
    items = []
    for stamp, number, sentry in slots:
        if not stamp:
            continue
        members = (b'"@timestamp":"' + rfc3339(stamp) + b'"', b'"hash":' + str(number).encode(),
                   b'"sentry":' + (b"true" if sentry else b"false"))
        if minify:
            items.append(b"{" + b",".join(members) + b"}")
        else:
            items.append(b"{" + b",".join(b"\n" + b"    " * 3 + m for m in members) + b"\n" + b"    " * 2 + b"}")
    return b"[" + b",".join(items) + b"]"


def status_members(w: Writer, ds: Status, release: Release = NEWEST) -> None:
    emit_members(ds, release, w.minify, not w.count, w.out, w.leaves)
    w.count += 1


def pretty(ds: Status, release: Release = NEWEST) -> bytes:
    """The on-disk status-netdata.json (BUFFER_JSON_OPTIONS_DEFAULT) the daemon writes for this status."""
    w = Writer(minify=False)
    status_members(w, ds, release)
    return w.finish()
