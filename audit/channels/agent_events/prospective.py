"""A status this machine's agent could have saved before ending with a chosen cause (pure: facts in, Status out).

Observed values come from the facts (system-info.sh's, as the backend channel reads them) and from the Machine
(machine-id, boot id, DMI, timezone, memory, disk). Everything else (counters, timings, metrics, the run's ids,
what the cause needs, e.g. a full disk) is an assumption, listed in `assumed` so the Payload's fields say so.
"""

from dataclasses import dataclass, field

from audit.channels.agent_events.machine import Machine
from audit.channels.agent_events.options import DEFAULT_SIGNAL
from audit.channels.agent_events.releases import Release
from audit.channels.agent_events.status import FIELDS, Status, bit, parse_uuid
from audit.model.fact import Facts

SIGNALS = {  # signal name -> the exit reason the deadly-signal handler records
    "SIGBUS": "signal-bus-error", "SIGSEGV": "signal-segmentation-fault", "SIGFPE": "signal-floating-point-exception",
    "SIGILL": "signal-illegal-instruction", "SIGSYS": "signal-bad-system-call",
    "SIGXCPU": "signal-cpu-time-limit-exceeded", "SIGXFSZ": "signal-file-size-limit-exceeded",
}
STOPPED = bit("signal-terminate")  # systemctl stop
# cause -> (saved status, exit reasons) that lead the next start to it; "signal" stands for the deadly signal
SETUP: dict[str, tuple[str, tuple[str, ...]]] = {
    "no last status": ("initializing", ()),
    "exit no reason": ("exited", ()),
    "deadly signal and exit": ("exited", ("signal",)),
    "fatal and exit": ("exited", ("fatal",)),
    "exit on system shutdown": ("exited", ("signal-terminate", "system-shutdown")),
    "exit to update": ("exited", ("signal-terminate", "update")),
    "exit and updated": ("exited", ("signal-terminate",)),
    "exit instructed": ("exited", ("signal-terminate",)),
    "abnormal power off": ("running", ()),
    "deadly signal on start": ("initializing", ("signal",)),
    "out of memory": ("running", ("out-of-memory",)),
    "already running": ("initializing", ("already-running",)),
    "disk read-only": ("initializing", ()),
    "disk full": ("initializing", ()),
    "disk almost full": ("initializing", ()),
    "fatal on start": ("initializing", ("fatal",)),
    "killed hard on start": ("initializing", ()),
    "deadly signal on exit": ("exiting", ("signal-terminate", "signal")),
    "exit timeout": ("exiting", ("signal-terminate", "shutdown-timeout")),
    "fatal on exit": ("exiting", ("signal-terminate", "fatal")),
    "killed hard on shutdown": ("exiting", ("signal-terminate", "system-shutdown")),
    "killed hard on update": ("exiting", ("signal-terminate", "update")),
    "killed hard on exit": ("exiting", ("signal-terminate",)),
    "deadly signal": ("running", ("signal",)),
    "killed fatal": ("running", ("fatal",)),
    "killed hard low ram": ("running", ()),
    "killed hard": ("running", ()),
}
FATAL_CAUSES = frozenset(c for c, (_, reasons) in SETUP.items() if "fatal" in reasons or "signal" in reasons)
SYSTEM_INFO = {  # body member -> system-info.sh fact (get_daemon_status_fields_from_system_info)
    "host.architecture": "NETDATA_SYSTEM_ARCHITECTURE", "host.virtualization": "NETDATA_SYSTEM_VIRTUALIZATION",
    "host.container": "NETDATA_SYSTEM_CONTAINER", "os.kernel": "NETDATA_SYSTEM_KERNEL_VERSION",
    "os.name": "NETDATA_HOST_OS_NAME", "os.version": "NETDATA_HOST_OS_VERSION", "os.family": "NETDATA_HOST_OS_ID",
    "os.platform": "NETDATA_HOST_OS_ID_LIKE",
}
# A first run that saved once and was then ended: restarts 1 (this was the first start), the first start's
# "no last status" post counted, an hour up.
ASSUMED_RUN = {
    "agent.restarts": 1, "agent.crashes": 0, "agent.posts": 1, "agent.reliability": 1, "agent.uptime": 3600,
    "agent.pid": 1234, "agent.aclk": "available", "agent.profile": 1, "agent.db_mode": "dbengine",
    "agent.db_tiers": 3, "agent.timings.init": 1, "agent.timings.exit": 0, "metrics.nodes.total": 1,
    "host.memory.netdata": 150 * 1024 * 1024, "host.disk.netdata.dbengine": 0, "host.disk.netdata.sqlite": 0,
    "host.disk.netdata.other": 0, "os.type": "linux", "product.vendor": b"unknown", "product.name": b"unknown",
    "fatal.thread_id": 0, "agent.ephemeral_id": bytes(16), "host.cloud_provider": b"",
    "host.cloud_instance": b"", "host.cloud_region": b"",
}


@dataclass
class Prospect:
    status: Status
    boot_id_now: bytes  # what the next start reads (another boot for "abnormal power off")
    version_saved_agent: str
    sources: dict[str, str] = field(default_factory=dict)  # member path -> where its value came from
    assumed: set[str] = field(default_factory=set)


def build_status(facts: Facts, machine: Machine, cause_name: str, params: dict, release: Release,
                 version_now: str) -> Prospect:
    status_name, reasons = SETUP[cause_name]
    ds = Status(release.status_file_version)
    p = Prospect(ds, machine.boot_id, version_now)
    ds.values.update(ASSUMED_RUN)
    p.sources.update(dict.fromkeys(ASSUMED_RUN, "assumed"))
    p.assumed.update(ASSUMED_RUN)
    ds.values.update(machine.values)
    p.sources.update(machine.sources)
    p.assumed.difference_update(machine.values)
    for path, name in SYSTEM_INFO.items():
        fact = facts.get(name)
        if fact is not None and fact.value is not None:
            ds.set(path, fact.value.encode()[:FIELDS[path][1] - 1])
            p.sources[path] = f"fact:{name}"
            if not fact.observed:
                p.assumed.add(path)
        else:
            _assume(p, path, b"")
    guid = facts.get("machine_guid")
    if "agent.id" not in machine.values and guid is not None and guid.value:
        parsed = parse_uuid(guid.value)
        if parsed is not None and any(parsed):
            ds.set("agent.id", parsed)
            p.sources["agent.id"] = "fact:machine_guid"
    if cause_name == "no last status":  # the current session, just started
        for path, value in (("agent.posts", 0), ("agent.uptime", 0), ("metrics.nodes.total", 0)):
            _assume(p, path, value)
    cpus = facts.get("NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT")
    if cpus and (cpus.value or "").isdigit():
        ds.set("host.system_cpus", int(cpus.value))
        p.sources["host.system_cpus"] = "fact:NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT"
    k8s = facts.get("NETDATA_HOST_IS_K8S_NODE")
    ds.set("agent.kubernetes", bool(k8s and k8s.value == "true"))
    _agent_version(p, facts, cause_name, version_now)
    _timestamps(p, machine)
    _memory(p)
    _product(p)
    _cause(p, cause_name, status_name, reasons, params)
    return p


def _assume(p: Prospect, path: str, value: object) -> None:
    p.status.set(path, value)
    p.sources[path] = "assumed"
    p.assumed.add(path)


def _agent_version(p: Prospect, facts: Facts, cause_name: str, version_now: str) -> None:
    saved = version_now
    if cause_name == "exit and updated":  # the saved status was written by another (older) version
        saved = "v2.10.0" if version_now != "v2.10.0" else "v2.9.0"
    _assume(p, "agent.version", saved.encode())
    p.version_saved_agent = saved


def _timestamps(p: Prospect, machine: Machine) -> None:
    now = machine.now_usec or 1
    _assume(p, "@timestamp", now)
    _assume(p, "host.disk.netdata.last_updated", now - 3_600_000_000)
    if "agent.since" not in machine.values:
        _assume(p, "agent.since", 0)


def _memory(p: Prospect) -> None:
    """dbengine's out-of-memory protection defaults to a tenth of RAM (an assumption: it is configurable)."""
    total = p.status.get("host.memory.total")
    if total:
        _assume(p, "host.memory.oom_protection", total // 10)


def _product(p: Prospect) -> None:
    virt = p.status.get("host.virtualization")
    kind = b"vm" if virt and virt not in (b"none", b"unknown") else b"unknown"
    _assume(p, "product.type", kind)
    for path in ("hw.sys.vendor", "hw.product.id"):
        if p.status.get(path):
            _assume(p, "product.vendor" if path == "hw.sys.vendor" else "product.name", p.status.get(path))


def _cause(p: Prospect, cause_name: str, status_name: str, reasons: tuple[str, ...], params: dict) -> None:
    ds = p.status
    _assume(p, "agent.status", status_name)
    signal = str(params.get("signal") or DEFAULT_SIGNAL)
    bits = 0
    for reason in reasons:
        bits |= bit(SIGNALS.get(signal.split("/")[0].upper(), "signal-segmentation-fault")) if reason == "signal" \
            else bit(reason)
    _assume(p, "agent.exit_reason", bits)
    if cause_name == "abnormal power off":  # the next start runs on another boot
        p.boot_id_now = bytes(reversed(p.boot_id_now)) if any(p.boot_id_now) else bytes(15) + b"\1"
        if not any(ds.get("host.boot.id")):
            _assume(p, "host.boot.id", bytes(8) + bytes(7) + b"\2")
    disk_needed = {"disk read-only": None, "disk full": 0, "disk almost full": 5 * 1024 * 1024}
    if cause_name in disk_needed:
        if not ds.get("host.disk.db.total"):
            _assume(p, "host.disk.db.total", 100 * 1024 ** 3)
        if cause_name == "disk read-only":
            _assume(p, "host.disk.db.read_only", True)
        else:
            _assume(p, "host.disk.db.free", disk_needed[cause_name])
    elif ds.get("host.disk.db.total") and ds.get("host.disk.db.free") < 10 * 1024 * 1024:
        _assume(p, "host.disk.db.free", 10 * 1024 * 1024)
    if cause_name == "killed hard low ram":
        if not ds.get("host.memory.total"):
            _assume(p, "host.memory.total", 8 * 1024 ** 3)
        _assume(p, "host.memory.oom_protection", ds.get("host.memory.total") // 10)
        _assume(p, "host.memory.free", ds.get("host.memory.oom_protection"))
    elif ds.get("host.memory.total") and ds.get("host.memory.free") <= ds.get("host.memory.oom_protection"):
        _assume(p, "host.memory.oom_protection", ds.get("host.memory.free") - 1 if ds.get("host.memory.free") else 0)
    if cause_name in FATAL_CAUSES or params:
        _fatal(p, cause_name, params, signal)


def _fatal(p: Prospect, cause_name: str, params: dict, signal: str) -> None:
    signalled = "signal" in SETUP[cause_name][1]
    given = {"filename": params.get("file"), "function": params.get("function"), "message": params.get("message"),
             "errno": params.get("errno"), "thread": params.get("thread"), "stack_trace": params.get("stack_trace")}
    for name, value in given.items():
        path = f"fatal.{name}"
        if value is not None:
            p.status.set(path, _text(value)[:FIELDS[path][1] - 1])
            p.sources[path] = f"option:--{ {'filename': 'file', 'stack_trace': 'stack-trace'}.get(name, name)}"
        else:
            _assume(p, path, b"")
    if params.get("line") is not None:
        p.status.set("fatal.line", int(params["line"]))
        p.sources["fatal.line"] = "option:--line"
    else:
        _assume(p, "fatal.line", 0)
    if signalled:
        code = signal if "/" in signal else f"{signal.upper()}/SI_KERNEL"
        p.status.set("fatal.signal_code", code.encode()[:23])
        p.sources["fatal.signal_code"] = "option:--signal" if params.get("signal") else "assumed"
        if not params.get("signal"):
            p.assumed.add("fatal.signal_code")
        _assume(p, "fatal.fault_address", 0)


def _text(value: object) -> bytes:
    if isinstance(value, bytes):
        return value.split(b"\0")[0]
    return str(value).encode("utf-8", "surrogateescape").split(b"\0")[0]
