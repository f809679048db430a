"""The machine as kickstart's `telemetry_event` reads it: the files it reads (collected through the root-confined
System) and, pure, what its shell code makes of them (eval of os-release lines, the lsb-release fallback, MemTotal
x 1024, the distinct-id chain)."""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field

from audit.channels.installer.kickstart import Variant
from audit.model.fact import Fact, Facts
from audit.plumbing.agentconf import parse_assignments
from audit.plumbing.shellwords import eval_assignment
from audit.plumbing.system import System

OS_RELEASE, LSB_RELEASE, MEMINFO = "/etc/os-release", "/etc/lsb-release", "/proc/meminfo"
ID_FILES = (("machine", "/etc/machine-id"), ("dbus", "/var/db/dbus/machine-id"), ("dbus", "/var/lib/dbus/machine-id"))
_OS_KEYS = re.compile(r"^(NAME|ID|ID_LIKE|VERSION|VERSION_ID)=")
_LSB_KEYS = re.compile(r"^(DISTRIB_ID|DISTRIB_RELEASE|DISTRIB_CODENAME)=")


@dataclass(frozen=True)
class Machine:
    os_release: str | None  # None: absent (`[ -e ]` fails)
    lsb_release: str | None  # None: not a regular file
    meminfo: str | None
    id_files: tuple[tuple[str, str, bytes | None], ...]  # (prefix, path, bytes or None when not a regular file)
    kernel_name: str
    kernel_version: str
    architecture: str
    has_md5sum: bool = True
    uuidgen: str | None = None  # what uuidgen printed, or None when there is no uuidgen
    sources: dict = field(default_factory=dict, compare=False)  # value name -> where it was read
    hashed_id: tuple[str, str] | None = None  # from a snapshot: (machine-/dbus- + md5, path), the raw id unknown


def collect(system: System, facts: Facts) -> Machine:
    """I/O only: read the files the function reads; kernel and architecture as the facts collector saw them."""
    id_files = tuple((prefix, path, system.read_bytes(path) if system.is_file(path) else None)
                     for prefix, path in ID_FILES)
    has_uuidgen = system.confined or system.has_command("uuidgen")
    return Machine(
        os_release=system.read_text(OS_RELEASE) if system.exists(OS_RELEASE) else None,
        lsb_release=system.read_text(LSB_RELEASE) if system.is_file(LSB_RELEASE) else None,
        meminfo=system.read_text(MEMINFO),
        id_files=id_files,
        kernel_name=_fact(facts, "NETDATA_SYSTEM_KERNEL_NAME"),
        kernel_version=_fact(facts, "NETDATA_SYSTEM_KERNEL_VERSION"),
        architecture=_fact(facts, "NETDATA_SYSTEM_ARCHITECTURE"),
        has_md5sum=system.confined or system.has_command("md5sum"),
        uuidgen=str(uuid.uuid4()) if has_uuidgen else None,
        sources={"os": system.display(OS_RELEASE), "lsb": system.display(LSB_RELEASE),
                 "ram": system.display(MEMINFO)},
    )


READINGS_FACT = "installer.readings"


def readings_fact(m: Machine, recorded_options: str | None) -> Fact:
    """What a facts snapshot keeps of kickstart's readings: os-release and lsb-release as they are, /proc/meminfo's
    MemTotal line, which commands exist, the installer's recorded options with any claim token redacted; not the
    machine-id (the snapshot's system_distinct_id is its md5 chain)."""
    memtotal = [line for line in (m.meminfo or "").split("\n") if "MemTotal" in line][:1]
    kept = {"os_release": m.os_release, "lsb_release": m.lsb_release,
            "meminfo": None if m.meminfo is None else "\n".join(memtotal), "has_md5sum": m.has_md5sum,
            "has_uuidgen": m.uuidgen is not None,
            "reinstall_options": None if recorded_options is None else redact(recorded_options)[0]}
    return Fact(json.dumps(kept, ensure_ascii=False), f"file:{OS_RELEASE}, {LSB_RELEASE}, {MEMINFO}, .environment",
                "kickstart's own readings, kept so that a snapshot rebuilds its installer bodies")


def _kept(facts: Facts) -> dict:
    """The readings a snapshot kept ({} in a snapshot of an older telemetry-audit, or a damaged one)."""
    fact = facts.get(READINGS_FACT)
    try:
        kept = json.loads(fact.value) if fact is not None and fact.value else {}
    except ValueError:
        return {}
    return kept if isinstance(kept, dict) else {}


def snapshot_options(facts: Facts) -> str | None:
    """The recorded REINSTALL_OPTIONS a snapshot kept (a claim token redacted), or None."""
    value = _kept(facts).get("reinstall_options")
    return value if isinstance(value, str) else None


def from_snapshot(facts: Facts) -> Machine:
    """The machine as a snapshot kept it: its readings and the md5 chain of its machine-id (system_distinct_id)."""
    kept = _kept(facts)
    distinct = facts.get("system_distinct_id")
    hashed = (distinct.value, distinct.source.removeprefix("file:")) if distinct is not None and \
        isinstance(distinct.value, str) and distinct.value.startswith(("machine-", "dbus-")) else ("null", "none")
    text = lambda name: kept.get(name) if isinstance(kept.get(name), str) else None  # noqa: E731
    return Machine(text("os_release"), text("lsb_release"), text("meminfo"),
                   tuple((p, path, None) for p, path in ID_FILES), _fact(facts, "NETDATA_SYSTEM_KERNEL_NAME"),
                   _fact(facts, "NETDATA_SYSTEM_KERNEL_VERSION"), _fact(facts, "NETDATA_SYSTEM_ARCHITECTURE"),
                   kept.get("has_md5sum") is not False,
                   str(uuid.uuid4()) if kept.get("has_uuidgen") else None,
                   {"os": f"snapshot:{OS_RELEASE}", "lsb": f"snapshot:{LSB_RELEASE}", "ram": f"snapshot:{MEMINFO}"},
                   hashed if hashed[0] != "null" else None)


def _fact(facts: Facts, name: str) -> str:
    fact = facts.get(name)
    return fact.value if fact and fact.value is not None else ""


def host_os(os_release: str | None, lsb_release: str | None) -> dict[str, str]:
    """HOST_NAME, HOST_ID, HOST_ID_LIKE, HOST_VERSION, HOST_VERSION_ID as the eval'd grep leaves them (unset: "")."""
    host = {"NAME": "", "ID": "", "ID_LIKE": "", "VERSION": "", "VERSION_ID": ""}
    if os_release is not None:
        host.update(_eval_lines(os_release, _OS_KEYS))
    if (not host["NAME"] or not host["VERSION"] or not host["ID"]) and lsb_release is not None:
        distrib = {"DISTRIB_ID": "unknown", "DISTRIB_RELEASE": "unknown", "DISTRIB_CODENAME": "unknown"}
        distrib.update(_eval_lines(lsb_release, _LSB_KEYS))
        # the fallback fills the id from the *codename* (kickstart's own quirk)
        for key, lsb in (("NAME", "DISTRIB_ID"), ("VERSION", "DISTRIB_RELEASE"), ("ID", "DISTRIB_CODENAME")):
            host[key] = host[key] or distrib[lsb]
    return host


def _eval_lines(text: str, keys: re.Pattern) -> dict[str, str]:
    """`eval "$(grep -E '^(KEYS)=' < file)"`: each matching line is a shell assignment, later lines win. A value
    with an unquoted blank makes the rest a command, and an assignment before a command does not stay set."""
    out: dict[str, str] = {}
    for line in text.split("\n"):
        match = keys.match(line)
        if not match:
            continue
        word = line[match.end():]
        end = _word_end(word)
        rest = word[end:].lstrip(" \t")
        if rest and not rest.startswith(("#", ";", "&&")):
            continue
        out[match.group(1)] = eval_assignment(word[:end], {})
    return out


def _word_end(text: str) -> int:
    i = 0
    while i < len(text) and text[i] not in " \t;&|":
        if text[i] in "'\"":
            close = text.find(text[i], i + 1)
            while text[i] == '"' and close > 0 and text[close - 1] == "\\":
                close = text.find('"', close + 1)
            i = len(text) if close < 0 else close + 1
        elif text[i] == "\\":
            i += 2
        else:
            i += 1
    return min(i, len(text))


def total_ram(meminfo: str | None) -> str:
    """MemTotal's number (kB) x 1024; "" when /proc/meminfo is unreadable (then the body says unknown)."""
    if meminfo is None:
        return ""
    line = next((ln for ln in meminfo.split("\n") if "MemTotal" in ln), None)
    if line is None:
        return ""
    number = line.split(":", 1)[1].strip(" \t").split(" ")[0] if ":" in line else ""
    return str(int(number) * 1024) if number.isdigit() else ""


def distinct_id(machine: Machine, var: Variant) -> str:
    return distinct_id_and_source(machine, var)[0]


def distinct_id_and_source(machine: Machine, var: Variant) -> tuple[str, str]:
    """The first of machine-id, the D-Bus machine-ids and uuidgen that the release's chain accepts, and which one
    (a path, "uuidgen" or "none")."""
    if machine.hashed_id is not None:  # a snapshot: the md5 chain's answer, never the raw id
        if var.distinct_id == "md5":
            return machine.hashed_id
        return "null", "not in the snapshot"
    files = machine.id_files if var.distinct_id != "raw" else machine.id_files[:1]
    for prefix, path, content in files:
        if content is None or (var.distinct_id == "md5" and not machine.has_md5sum):
            continue
        if var.distinct_id == "md5":
            return f"{prefix}-{hashlib.md5(content).hexdigest()}", path
        raw = content.decode("utf-8", "surrogateescape").rstrip("\n")  # $(cat file) strips trailing newlines
        return (raw if var.distinct_id == "raw" else f"{prefix}-{raw}"), path
    if machine.uuidgen is not None:
        made = machine.uuidgen.lower() if var.uuid_lower else machine.uuidgen
        return (made if var.distinct_id == "raw" else f"uuid-{made}"), "uuidgen"
    return "null", "none"


# netdata-installer.sh records its own arguments verbatim as REINSTALL_OPTIONS in .environment
# (v2.5.0:netdata-installer.sh:143-148), and accepted --claim-token until commit 0bdc2893cb.
_CLAIM_TOKEN = re.compile(r"(--claim-token(?:=|\s+)|NETDATA_CLAIM_TOKEN=)(\"[^\"]*\"|'[^']*'|\S+)")
REDACTED = "<redacted>"


def redact(options: str) -> tuple[str, bool]:
    """The options with any claim token's value replaced (a report or snapshot is handed around), and whether one
    was."""
    replaced, count = _CLAIM_TOKEN.subn(lambda m: m.group(1) + REDACTED, options)
    return replaced, count > 0


def recorded_install_options(system: System, config_dir: str) -> dict:
    """netdata-installer.sh and the static installer record their options as REINSTALL_OPTIONS in .environment."""
    path = f"{config_dir.rstrip('/')}/.environment"
    text = None if system.is_dir(path) else system.read_text(path)  # a directory in its place reads as absent
    options = parse_assignments(text).get("REINSTALL_OPTIONS") if text is not None else None
    return {"path": system.display(path), "reinstall_options": options,
            "recorded": options is not None and "--disable-telemetry" in options.split()}
