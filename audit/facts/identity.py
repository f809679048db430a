"""What identifies this machine and its people, read from local files only (the I/O edge of `check`).

Everything goes through the root-confined System: no DNS lookup, no network, no cloud metadata service, no
command. These values stay in memory: they are never added to the facts (a `facts --json` snapshot is shared
with support staff, so it must not carry host names, addresses or user names).
"""

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

from audit.plumbing.errors import AuditError
from audit.plumbing.system import System
from audit.channels.backend.wire import ALL_ZERO_GUID

# Names that point at nobody in particular: distribution defaults for host and user names. Matching them would
# flag host_os_id "debian" on every Debian machine that kept the installer's default host name.
GENERIC_NAMES = frozenset({
    "localhost", "localhost.localdomain", "localdomain", "ip6-localhost", "ip6-loopback", "debian", "ubuntu",
    "fedora", "centos", "rocky", "alma", "alpine", "archlinux", "arch", "kali", "raspberrypi", "pi", "admin",
    "user", "ec2-user", "vagrant", "docker", "netdata", "root",
})
NOT_HOMES = frozenset({"/", "/nonexistent", "/dev/null", "/var/empty"})
_INSTANCE_TAG = re.compile(r"^i-[0-9a-f]{8,17}$")
_SYSTEM_DISTINCT_ID = re.compile(r"^(?:machine|dbus)-[0-9a-f]{32}$")


@dataclass(frozen=True)
class IdentityValue:
    kind: str  # hostname, ip, mac, user, home-path, machine-id, machine-guid, claim-id, instance-id, system-distinct-id
    value: str
    source: str  # "file:/etc/hostname", "fact:machine_guid"


@dataclass(frozen=True)
class Identity:
    values: tuple[IdentityValue, ...] = ()
    notes: tuple[str, ...] = ()  # why a source gave nothing (unreadable, outside --root, ...)

    def of_kind(self, *kinds: str) -> tuple[IdentityValue, ...]:
        return tuple(v for v in self.values if v.kind in kinds)


class _Files:
    """Reads through System; a file that cannot be read (or lies outside --root) is skipped with a note."""

    def __init__(self, system: System):
        self.system = system
        self.notes: list[str] = []

    def text(self, path: str) -> str | None:
        try:
            return self.system.read_text(path)
        except AuditError as e:
            self.notes.append(str(e))
            return None

    def first_line(self, path: str) -> str | None:
        lines = (self.text(path) or "").strip().splitlines()
        return lines[0].strip() if lines else None

    def listdir(self, path: str) -> list[str]:
        try:
            return self.system.listdir(path)
        except AuditError as e:
            self.notes.append(str(e))
            return []


def collect_identity(system: System, config_dir: str, facts: Mapping | None = None) -> Identity:
    files = _Files(system)
    found = [*_host_names(files), *_addresses_v4(files), *_addresses_v6(files), *_macs(files), *_users(files),
             *_machine_ids(files), *_claim_ids(files, config_dir), *_instance_ids(files), *_from_facts(facts or {})]
    found += _hosts_file_names(files, [v.value for v in found if v.kind == "hostname"])
    return Identity(_dedupe(found), tuple(files.notes))


def _dedupe(values: list[IdentityValue]) -> tuple[IdentityValue, ...]:
    seen, out = set(), []
    for v in values:
        if v.value and (v.kind, v.value.lower()) not in seen:
            seen.add((v.kind, v.value.lower()))
            out.append(v)
    return tuple(out)


def _host_names(files: _Files) -> list[IdentityValue]:
    out = []
    for path in ("/proc/sys/kernel/hostname", "/etc/hostname"):
        name = files.first_line(path)
        if name and not name.startswith("#"):
            out += _host_name_values(name, f"file:{path}")
    return out


def _host_name_values(name: str, source: str) -> list[IdentityValue]:
    """The name and, for a dotted name, its first label (the short host name)."""
    names = [name.lower()]
    if "." in name and not _is_ip(name):
        names.append(name.split(".")[0].lower())
    return [IdentityValue("hostname", n, source) for n in names if n not in GENERIC_NAMES]


def _hosts_file_names(files: _Files, host_names: list[str]) -> list[IdentityValue]:
    """Names on the /etc/hosts lines that mention this host name (the FQDN usually sits there)."""
    if not host_names:
        return []
    text = files.text("/etc/hosts") or ""
    wanted = set(host_names)
    out = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        names = [w.lower() for w in words[1:]]
        if words and wanted & set(names):
            out += [v for n in names for v in _host_name_values(n, "file:/etc/hosts")]
    return out


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _identifying_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not (address.is_loopback or address.is_unspecified)


def _addresses_v4(files: _Files) -> list[IdentityValue]:
    """/proc/net/fib_trie: a `|-- ADDRESS` line followed by `/32 host LOCAL` is an address of this host."""
    text = files.text("/proc/net/fib_trie")
    if text is None:
        return []
    out, last = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|--"):
            last = stripped[3:].strip()
        elif last and stripped.startswith("/32") and stripped.endswith("LOCAL"):
            try:
                address = ipaddress.IPv4Address(last)
            except ValueError:
                continue
            if _identifying_ip(address):
                out.append(IdentityValue("ip", str(address), "file:/proc/net/fib_trie"))
    return out


def _addresses_v6(files: _Files) -> list[IdentityValue]:
    text = files.text("/proc/net/if_inet6")
    if text is None:
        return []
    out = []
    for line in text.splitlines():
        words = line.split()
        if not words or len(words[0]) != 32:
            continue
        try:
            address = ipaddress.IPv6Address(bytes.fromhex(words[0]))
        except ValueError:
            continue
        if _identifying_ip(address):
            out.append(IdentityValue("ip", address.compressed, "file:/proc/net/if_inet6"))
    return out


def _macs(files: _Files) -> list[IdentityValue]:
    out = []
    for interface in files.listdir("/sys/class/net"):
        path = f"/sys/class/net/{interface}/address"
        mac = (files.first_line(path) or "").lower()
        if re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac) and mac != "00:00:00:00:00:00":
            out.append(IdentityValue("mac", mac, f"file:{path}"))
    return out


def _users(files: _Files) -> list[IdentityValue]:
    """Human users (uid >= 1000 except nobody) and root, with their home directories."""
    text = files.text("/etc/passwd")
    if text is None:
        return []
    out = []
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) < 7 or not parts[2].isdigit():
            continue
        name, uid, home = parts[0], int(parts[2]), parts[5]
        if not (uid == 0 or (uid >= 1000 and name != "nobody" and uid != 65534)):
            continue
        if name and name not in GENERIC_NAMES:
            out.append(IdentityValue("user", name, "file:/etc/passwd"))
        if home.startswith("/") and home.rstrip("/") not in NOT_HOMES:
            out.append(IdentityValue("home-path", home.rstrip("/"), "file:/etc/passwd"))
    return out


def _machine_ids(files: _Files) -> list[IdentityValue]:
    out = []
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        value = (files.first_line(path) or "").lower()
        if re.fullmatch(r"[0-9a-f]{32}", value):
            out.append(IdentityValue("machine-id", value, f"file:{path}"))
    return out


def _claim_ids(files: _Files, config_dir: str) -> list[IdentityValue]:
    out = []
    for path in (f"{config_dir}/cloud.d/claimed_id", "/var/lib/netdata/cloud.d/claimed_id"):
        value = files.first_line(path)
        if value:
            out.append(IdentityValue("claim-id", value.lower(), f"file:{path}"))
    conf = files.text(f"{config_dir}/claim.conf") or ""
    for line in conf.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("claimed_id", "claim_id") and value.strip():
            out.append(IdentityValue("claim-id", value.strip().lower(), f"file:{config_dir}/claim.conf"))
    return out


def _instance_ids(files: _Files) -> list[IdentityValue]:
    out = []
    value = files.first_line("/var/lib/cloud/data/instance-id")
    if value and value not in ("iid-datasource-none", "nocloud"):
        out.append(IdentityValue("instance-id", value, "file:/var/lib/cloud/data/instance-id"))
    tag = (files.first_line("/sys/class/dmi/id/board_asset_tag") or "").lower()
    if _INSTANCE_TAG.match(tag):
        out.append(IdentityValue("instance-id", tag, "file:/sys/class/dmi/id/board_asset_tag"))
    product = (files.first_line("/sys/class/dmi/id/product_uuid") or "").lower()  # readable by root only
    if product and product != ALL_ZERO_GUID:
        out.append(IdentityValue("instance-id", product, "file:/sys/class/dmi/id/product_uuid"))
    return out


def identity_from_facts(facts: Mapping) -> Identity:
    """Only the identifiers a facts snapshot carries (its machine GUID and hashed machine-id): no file is read."""
    return Identity(_dedupe(_from_facts(facts)))


def _from_facts(facts: Mapping) -> list[IdentityValue]:
    out = []
    guid = _fact_value(facts, "machine_guid")
    if guid and guid.lower() != ALL_ZERO_GUID:
        out.append(IdentityValue("machine-guid", guid.lower(), "fact:machine_guid"))
    distinct = _fact_value(facts, "system_distinct_id")
    if distinct and _SYSTEM_DISTINCT_ID.match(distinct):
        out.append(IdentityValue("system-distinct-id", distinct, "fact:system_distinct_id"))
    return out


def _fact_value(facts: Mapping, name: str) -> str | None:
    fact = facts.get(name)
    value = getattr(fact, "value", fact)
    return value if isinstance(value, str) else None


def identity_for(request: "FactsRequest", facts: Mapping) -> Identity:
    """Whose identity to look for: --root's, else this machine's; a snapshot without --root usually comes from
    another machine, so then only the identifiers it carries."""
    if request.facts_file and request.root is None:
        return identity_from_facts(facts)
    return collect_identity(System(root=request.root), request.config_dir, facts)
