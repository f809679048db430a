"""The daemon's JSON writer and status emitter, byte for byte (pure).

BUFFER json (src/libnetdata/buffer/buffer.h, buffer.c): MINIFY has no whitespace and no trailing newline; DEFAULT
(the on-disk file) puts each member on its own line indented 4 spaces per level, arrays inline, and ends with a
newline. Strings are escaped by buffer_json_strcat: bytes below 0x20 as \\n \\r \\t \\b \\f or \\u00XX in uppercase
hex, `"` and `\\` with a backslash, everything else (UTF-8, invalid bytes, 0x7F) raw.
"""

import calendar
import time

from audit.channels.agent_events.releases import NEWEST, Release
from audit.channels.agent_events.status import BITS, Status

_SHORT = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x08: b"\\b", 0x0C: b"\\f"}
_ESCAPES = {c: _SHORT.get(c, b"\\u%04X" % c) for c in range(0x20)}
_ESCAPES[0x22] = b'\\"'
_ESCAPES[0x5C] = b"\\\\"


def escape(data: bytes) -> bytes:
    if not any(c < 0x20 or c in (0x22, 0x5C) for c in data):
        return data
    return b"".join(_ESCAPES.get(c, bytes((c,))) for c in data)


class Writer:
    """buffer_json_initialize(wb, "\\"", "\\"", 0, true, options) ... buffer_json_finalize(wb)."""

    def __init__(self, minify: bool):
        self.minify = minify
        self.out = bytearray(b"{")
        self.counts = [0]  # members written at each open level

    def _member(self, key: str) -> None:
        if self.counts[-1]:
            self.out += b","
        if not self.minify:
            self.out += b"\n" + b"    " * len(self.counts)
        self.out += b'"' + escape(key.encode()) + b'":'
        self.counts[-1] += 1

    def raw(self, key: str, text: bytes) -> None:
        self._member(key)
        self.out += text

    def string(self, key: str, value: bytes | None) -> None:
        self.raw(key, b"null" if value is None else b'"' + escape(value) + b'"')

    def uint(self, key: str, value: int) -> None:
        self.raw(key, str(value).encode())

    def boolean(self, key: str, value: bool) -> None:
        self.raw(key, b"true" if value else b"false")

    def uuid(self, key: str, value: bytes, compact: bool = False) -> None:
        self.string(key, format_uuid(value, compact))

    def array(self, key: str, items: list[bytes]) -> None:
        self.raw(key, b"[" + b",".join(b'"' + escape(i) + b'"' for i in items) + b"]")

    def open(self, key: str) -> None:
        self._member(key)
        self.out += b"{"
        self.counts.append(0)

    def close(self) -> None:
        self.counts.pop()
        if not self.minify:
            self.out += b"\n" + b"    " * len(self.counts)
        self.out += b"}"

    def finish(self) -> bytes:
        while len(self.counts) > 1:
            self.close()
        if not self.minify:
            self.out += b"\n}\n"
        else:
            self.out += b"}"
        return bytes(self.out)


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
# daemon_status_file_to_json (src/daemon/status-file.c:297-585 at v2.11.0): member order and version gates

def status_members(w: Writer, ds: Status, release: Release = NEWEST) -> None:
    g = ds.get
    w.string("@timestamp", _timestamp(g("@timestamp"), release))
    w.uint("version", release.status_file_version)
    _agent(w, ds, release)
    _metrics(w, ds)
    _host(w, ds, release)
    w.open("os")
    w.string("type", g("os.type").encode())
    for name in ("kernel", "name", "version", "family", "platform"):
        w.string(name, g(f"os.{name}"))
    w.close()
    _hw(w, ds, release)
    w.open("product")
    w.string("vendor", g("product.vendor"))
    if release.product_ids:
        w.string("id", g("product.id"))
    w.string("name", g("product.name"))
    w.string("type", g("product.type"))
    w.close()
    _fatal(w, ds)


def _agent(w: Writer, ds: Status, release: Release) -> None:
    g, v = ds.get, ds.v
    w.open("agent")
    w.uuid("id", g("agent.id"))
    if v >= 24 and g("agent.since"):
        w.string("since", rfc3339(g("agent.since")))
    w.uuid("ephemeral_id", g("agent.ephemeral_id"), compact=True)
    w.string("version", g("agent.version"))
    w.uint("uptime", g("agent.uptime"))
    w.uuid("node_id", g("agent.node_id"))
    w.uuid("claim_id", g("agent.claim_id"))
    w.uint("restarts", g("agent.restarts"))
    if v >= 24:
        w.uint("crashes", g("agent.crashes"))
    if v >= 27:
        w.uint("pid", g("agent.pid") % 2 ** 64)
    if v >= 22:
        w.uint("posts", g("agent.posts"))
        w.string("aclk", g("agent.aclk").encode())
    w.array("profile", bit_names(g("agent.profile"), "profile"))
    w.string("status", g("agent.status").encode())
    w.array("exit_reason", bit_names(g("agent.exit_reason"), "exit_reason"))
    w.string("install_type", g("agent.install_type"))
    if v >= 14:
        w.string("db_mode", g("agent.db_mode").encode())
        w.uint("db_tiers", g("agent.db_tiers"))
        w.boolean("kubernetes", g("agent.kubernetes"))
    if v >= 16:
        w.boolean("sentry_available", g("agent.sentry_available"))
    if v >= 18:
        w.uint("reliability", g("agent.reliability"))
        w.string("stack_traces", g("agent.stack_traces"))
    w.open("timings")
    w.uint("init", g("agent.timings.init"))
    w.uint("exit", g("agent.timings.exit"))
    w.close()
    w.close()


def _metrics(w: Writer, ds: Status) -> None:
    w.open("metrics")
    for group, names in (("nodes", ("total", "receiving", "sending", "archived")),
                         ("metrics", ("collected", "available")), ("instances", ("collected", "available")),
                         ("contexts", ("collected", "available"))):
        w.open(group)
        for name in names:
            w.uint(name, ds.get(f"metrics.{group}.{name}"))
        w.close()
    w.close()


def _host(w: Writer, ds: Status, release: Release) -> None:
    g, v = ds.get, ds.v
    w.open("host")
    w.uuid("id", g("host.id"), compact=True)
    for name in ("architecture", "virtualization", "container"):
        w.string(name, g(f"host.{name}"))
    w.uint("uptime", g("host.uptime"))
    if v >= 20:
        for name in ("timezone", "cloud_provider", "cloud_instance", "cloud_region"):
            w.string(name, g(f"host.{name}"))
    w.uint("system_cpus", g("host.system_cpus"))
    w.open("boot")
    w.uuid("id", g("host.boot.id"), compact=True)
    w.close()
    w.open("memory")
    if g("host.memory.total"):
        w.uint("total", g("host.memory.total"))
        w.uint("free", g("host.memory.free"))
        if v >= 21:
            w.uint("netdata", g("host.memory.netdata"))
            w.uint("oom_protection", g("host.memory.oom_protection"))
    w.close()
    w.open("disk")
    w.open("db")
    if g("host.disk.db.total"):
        for name in ("total", "free", "inodes_total", "inodes_free"):
            w.uint(name, g(f"host.disk.db.{name}"))
        w.boolean("read_only", g("host.disk.db.read_only"))
    w.close()
    w.open("netdata")
    for name in ("dbengine", "sqlite", "other"):
        w.uint(name, g(f"host.disk.netdata.{name}"))
    w.string("last_updated", _timestamp(g("host.disk.netdata.last_updated"), release))
    w.close()
    w.close()
    w.close()


_HW = (("sys", ("vendor", "uuid")), ("product", ("id", "name", "version", "sku", "family")),
       ("board", ("name", "version", "vendor")), ("chassis", ("type", "vendor", "version")),
       ("bios", ("date", "release", "version", "vendor")))


def _hw(w: Writer, ds: Status, release: Release) -> None:
    w.open("hw")
    for group, names in _HW:
        w.open(group)
        for name in names:
            if group == "product" and name == "id" and not release.product_ids:
                continue
            w.string(name, ds.get(f"hw.{group}.{name}"))
        w.close()
    w.close()


def _fatal(w: Writer, ds: Status) -> None:
    g, v = ds.get, ds.v
    w.open("fatal")
    w.uint("line", g("fatal.line") % 2 ** 64)
    for name in ("filename", "function", "message", "errno", "thread"):
        w.string(name, g(f"fatal.{name}"))
    w.uint("thread_id", g("fatal.thread_id") % 2 ** 64)
    w.string("stack_trace", g("fatal.stack_trace"))
    if v >= 16:
        w.string("signal_code", g("fatal.signal_code"))
    if v >= 17:
        w.boolean("sentry", g("fatal.sentry"))
    if v >= 18:
        w.string("fault_address", fault_address(g("fatal.fault_address")) if g("fatal.signal_code") else b"")
    if v >= 23:
        w.uint("worker_job_id", g("fatal.worker_job_id"))
    w.close()


def pretty(ds: Status, release: Release = NEWEST) -> bytes:
    """The on-disk status-netdata.json (BUFFER_JSON_OPTIONS_DEFAULT) the daemon writes for this status."""
    w = Writer(minify=False)
    status_members(w, ds, release)
    return w.finish()


def epoch_usec(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) * 1_000_000
