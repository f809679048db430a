"""What the daemon would read about this machine for its status (the I/O edge; the builder is pure).

Everything is read through the root-confined audit.plumbing.system.System. These values include identifiers (the
machine-id, the boot id, the DMI hardware UUID), so they stay here, out of the shareable facts snapshot.
"""

import os
import re
import time
from dataclasses import dataclass, field

from audit.channels.agent_events import status as st
from audit.plumbing.errors import AuditError
from audit.plumbing.system import System

# os_dmi_info_get (src/daemon/status-file-dmi.c:144-177): body member -> /sys/class/dmi/id file
DMI_FIELDS = {
    "hw.sys.vendor": "sys_vendor", "hw.sys.uuid": "product_uuid", "hw.product.id": "product_name",
    "hw.product.version": "product_version", "hw.product.sku": "product_sku",
    "hw.product.family": "product_family", "hw.chassis.vendor": "chassis_vendor",
    "hw.chassis.version": "chassis_version", "hw.board.vendor": "board_vendor", "hw.board.name": "board_name",
    "hw.board.version": "board_version", "hw.bios.vendor": "bios_vendor", "hw.bios.version": "bios_version",
    "hw.bios.date": "bios_date", "hw.bios.release": "bios_release", "hw.chassis.type": "chassis_type",
}
PLACEHOLDERS = frozenset(s.lower() for s in (  # dmi_clean_field_placeholder (status-file-dmi.c:5-56)
    "$(DEFAULT_STRING)", "Chassis Manufacture", "Chassis Manufacturer", "Chassis Version", "Default string", "N/A",
    "NA", "NOT SPECIFIED", "No Enclosure", "None Provided", "None", "OEM Chassis Manufacturer",
    "OEM Default string000", "OEM", "OEM_MB", "SYSTEM_MANUFACTURER", "SmbiosType1_SystemManufacturer",
    "SmbiosType2_BoardManufacturer", "Standard", "System Product Name", "System UUID", "System Version",
    "System manufacturer", "TBD by OEM", "TBD", "To be filled by O.E.M.", "Type2 - Board Manufacturer",
    "Type2 - Board Vendor Name1", "Unknow", "Unknown", "XXXXX", "default", "empty", "unspecified", "x.x",
    "(null)", "0123456789", "SKU"))
CACHE_DIR = "/var/cache/netdata"
GUID_FILE = "/var/lib/netdata/registry/netdata.public.unique.id"


@dataclass
class Machine:
    """Observed values by body member path, each with where it came from; what is absent was not observable."""
    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    boot_id: bytes = bytes(16)
    now_usec: int = 0

    def put(self, path: str, value: object, source: str) -> None:
        self.values[path] = value
        self.sources[path] = source


def collect(system: System, config_dir: str = "/etc/netdata") -> Machine:
    m = Machine(now_usec=time.time_ns() // 1000)
    _machine_id(system, m)
    _boot(system, m)
    _dmi(system, m)
    _timezone(system, m)
    _memory(system, m)
    _disk(system, m)
    _guid(system, m)
    _claim(system, m, config_dir)
    _install_type(system, m, config_dir)
    return m


def _text(system: System, path: str) -> str | None:
    try:
        return system.read_text(path)
    except AuditError:  # unreadable (e.g. product_uuid for non-root): not observable
        return None


def _machine_id(system: System, m: Machine) -> None:
    """os_machine_id (src/libnetdata/os/machine_id.c:16-35): the first file holding a parseable UUID."""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id", "/sys/class/dmi/id/product_uuid"):
        parsed = st.parse_uuid((_text(system, path) or "").strip())
        if parsed is not None:
            m.put("host.id", parsed, f"file:{path}")
            return


def collect_boot_id(system: System) -> bytes:
    """The boot id the next start would read (zero when unreadable)."""
    m = Machine()
    _boot(system, m)
    return m.boot_id


def _boot(system: System, m: Machine) -> None:
    path = "/proc/sys/kernel/random/boot_id"
    parsed = st.parse_uuid((_text(system, path) or "").strip())
    if parsed is not None:
        m.boot_id = parsed
        m.put("host.boot.id", parsed, f"file:{path}")
    uptime = _text(system, "/proc/uptime")
    if uptime and uptime.split():
        m.put("host.uptime", int(float(uptime.split()[0])), "file:/proc/uptime")


def clean_dmi(raw: bytes) -> bytes:
    """dmi_clean_field: non-ASCII and control bytes become spaces; no letter or digit -> empty; spaces trimmed and
    collapsed; known placeholders ("To be filled by O.E.M.", "Default string", ...) -> empty."""
    text = bytes(b if 0x20 <= b < 0x7F else 0x20 for b in raw.split(b"\0")[0]).decode("ascii")
    if not any(c.isalnum() for c in text):
        return b""
    text = " ".join(text.split())
    return b"" if text.lower() in PLACEHOLDERS else text.encode()


def _dmi(system: System, m: Machine) -> None:
    for path, name in DMI_FIELDS.items():
        for folder in ("/sys/class/dmi/id", "/sys/devices/virtual/dmi/id"):
            data = _read_bytes(system, f"{folder}/{name}")
            if data is not None:
                break
        if data is None and name == "product_name":
            folder, data = "/proc/device-tree", _read_bytes(system, "/proc/device-tree/model")
            name = "model"
        if data is None:
            continue
        size = st.FIELDS[path][1]
        value = clean_dmi(data.rstrip(b"\n")[:255])[:size - 1]
        m.put(path, value, f"file:{folder}/{name}")
        if path == "hw.product.id" and value:
            m.put("hw.product.name", value, f"file:{folder}/{name}")


def _read_bytes(system: System, path: str) -> bytes | None:
    try:
        return system.read_bytes(path)
    except AuditError:
        return None


def _timezone(system: System, m: Machine) -> None:
    """TZ (an IANA name, not a :path), then the /etc/localtime link, then /etc/timezone (analytics.c:826-905)."""
    tz = system.env.get("TZ", "")
    found, source = None, ""
    if tz and not tz.startswith(":"):
        found, source = tz, "env:TZ"
    if found is None:
        target = system.link_target("/etc/localtime") or ""
        _, sep, rest = target.partition("/usr/share/zoneinfo/")
        if sep and rest:
            found, source = rest, "link:/etc/localtime"
    if found is None:
        text = _text(system, "/etc/timezone")
        if text:
            found, source = text, "file:/etc/timezone"
    if found is None:
        m.put("host.timezone", b"unknown", "default")
        return
    clean = re.sub(r"[^A-Za-z0-9_/+-]", "", found)
    m.put("host.timezone", clean.encode()[:31] or b"unknown", source)


def _memory(system: System, m: Machine) -> None:
    text = _text(system, "/proc/meminfo") or ""
    values = {k: int(v) * 1024 for k, v in re.findall(r"^(MemTotal|MemAvailable):\s+(\d+) kB", text, re.M)}
    if values.get("MemTotal"):
        m.put("host.memory.total", values["MemTotal"], "file:/proc/meminfo")
        if "MemAvailable" in values:
            m.put("host.memory.free", values["MemAvailable"], "file:/proc/meminfo")


def _disk(system: System, m: Machine) -> None:
    """os_disk_space(cache dir): statvfs of /var/cache/netdata (or the nearest existing parent)."""
    path = CACHE_DIR
    while path != "/" and not system.is_dir(path):
        path = os.path.dirname(path)
    real = system.real_path(path)
    if real is None:
        return
    try:
        vfs = os.statvfs(real)
    except OSError:
        return
    source = f"statvfs:{path}"
    m.put("host.disk.db.total", vfs.f_blocks * vfs.f_frsize, source)
    m.put("host.disk.db.free", vfs.f_bavail * vfs.f_frsize, source)
    m.put("host.disk.db.inodes_total", vfs.f_files, source)
    m.put("host.disk.db.inodes_free", vfs.f_favail, source)
    m.put("host.disk.db.read_only", bool(vfs.f_flag & os.ST_RDONLY), source)


def _guid(system: System, m: Machine) -> None:
    parsed = st.parse_uuid((_text(system, GUID_FILE) or "").strip())
    if parsed is None:
        return
    m.put("agent.id", parsed, f"file:{GUID_FILE}")
    real = system.real_path(GUID_FILE)
    if real is not None:
        m.put("agent.since", os.stat(real).st_mtime_ns // 1000, f"mtime:{GUID_FILE}")


def _claim(system: System, m: Machine, config_dir: str) -> None:
    for path in (f"{config_dir}/cloud.d/claimed_id", "/var/lib/netdata/cloud.d/claimed_id"):
        parsed = st.parse_uuid((_text(system, path) or "").strip())
        if parsed is not None:
            m.put("agent.claim_id", parsed, f"file:{path}")
            return


def _install_type(system: System, m: Machine, config_dir: str) -> None:
    path = f"{config_dir}/.install-type"
    for line in (_text(system, path) or "").splitlines():
        match = re.match(r"^INSTALL_TYPE='?([^'\n]*)'?", line)
        if match:
            m.put("agent.install_type", match.group(1).encode()[:31], f"file:{path}")
            return
