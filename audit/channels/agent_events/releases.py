"""What changed in the agent-events body per Netdata release, as data (v2.4.0 read at its tag; v2.5.0 onward from
the fact sheet, netdata-agent-events-facts.md section 5)."""

from dataclasses import dataclass
from functools import lru_cache

from audit import versions


@dataclass(frozen=True)
class Release:
    tag: str
    status_file_version: int  # STATUS_FILE_VERSION (src/daemon/status-file.h:14): the body's `version`
    percent_guard: bool  # host_memory_free_percent: UINT64_MAX when the rounded value does not fit (v2.11+)
    precomputed_timestamps: bool  # v2.8+: a never-set timestamp is "" instead of 1970-01-01T00:00:00Z
    product_ids: bool  # v2.11+: hw.product.id and product.id are emitted
    sizes: tuple[tuple[str, int], ...] = ()  # char arrays of another size than v2.11's (status.FIELDS)
    omits: tuple[str, ...] = ("dedup",)  # members (and whole objects) of emit.LAYOUT this release does not emit
    wrapper: tuple[str, ...] = ("exit_cause", "message", "priority", "version_saved", "agent_version_now",
                                "agent_pid_now", "host_memory_critical", "host_memory_free_percent", "agent_health")
    forms: tuple[tuple[str, str], ...] = ()  # members emitted in another form than emit.LAYOUT's


OLD_SIZES = (("hw.product.name", 64),)  # DMI_INFO product.name was char[64] before v2.11.0

# v2.3.2 has no pid, metrics, system_cpus, disk footprint, hw or product members, and no agent_pid_now
# (v2.3.2:src/daemon/status-file.c:669-683 the post, the members at daemon_status_file_to_json)
V232_OMITS = ("agent.pid", "metrics", "host.system_cpus", "host.disk.netdata", "hw", "product", "dedup")
V232_WRAPPER = ("exit_cause", "message", "priority", "version_saved", "agent_version_now", "host_memory_critical",
                "host_memory_free_percent", "agent_health")
# v2.3.1 (status-file version 21): no since, crashes, posts, aclk or worker_job_id; fault_address printed even
# without a signal; the dedup slots as a last `dedup` array; no agent_health
# (v2.3.1:src/daemon/daemon-status-file.c:993-1003 the post, :156-315 the members)
V231_OMITS = ("agent.pid", "agent.since", "agent.crashes", "agent.posts", "agent.aclk", "metrics",
              "host.system_cpus", "host.disk.netdata", "hw", "product", "fatal.worker_job_id")
V231_WRAPPER = V232_WRAPPER[:-1]
# v2.3.0 (19): also no timezone, cloud or netdata memory members; only four wrapper members
# (v2.3.0:src/daemon/daemon-status-file.c:954-961 the post, :156-300 the members)
V230_OMITS = V231_OMITS + ("host.timezone", "host.cloud_provider", "host.cloud_instance", "host.cloud_region",
                           "host.memory.netdata", "host.memory.oom_protection")
V230_WRAPPER = V232_WRAPPER[:4]
V23_FORMS = (("fatal.fault_address", "hex"),)  # print_uint64_hex whatever the signal code
V23_SIZES = (("fatal.stack_trace", 2048),)  # char stack_trace[2048] (v2.3.0:src/daemon/daemon-status-file.h:87)

RELEASES = (
    Release("v2.3.0", 19, False, False, False, V23_SIZES + (("agent.stack_traces", 15),), V230_OMITS, V230_WRAPPER,
            V23_FORMS),
    Release("v2.3.1", 21, False, False, False, V23_SIZES, V231_OMITS, V231_WRAPPER, V23_FORMS),
    Release("v2.3.2", 24, False, False, False, OLD_SIZES, V232_OMITS, V232_WRAPPER),
    Release("v2.4.0", 27, False, False, False, OLD_SIZES),
    Release("v2.5.0", 28, False, False, False, OLD_SIZES),
    Release("v2.6.0", 28, False, False, False, OLD_SIZES),
    Release("v2.7.0", 28, False, False, False, OLD_SIZES),
    Release("v2.8.0", 28, False, True, False, OLD_SIZES),
    Release("v2.9.0", 28, False, True, False, OLD_SIZES),
    Release("v2.10.0", 28, False, True, False, OLD_SIZES),
    Release("v2.11.0", 29, True, True, True),
)
NEWEST = RELEASES[-1]
FIRST = RELEASES[0]  # the first release whose body is modelled
CHANNEL_SINCE = "v2.3.0"  # the first release that posts (gate.SINCE)


@lru_cache(maxsize=64)
def release_for(version: str | None) -> Release:
    """The release whose body a Netdata version sends: the newest modelled release not after it."""
    if not version:
        return NEWEST
    wanted = versions.parse(version)[:3]
    found = [r for r in RELEASES if versions.parse(r.tag)[:3] <= wanted]
    if not found:
        from audit.errors import AuditError

        if wanted >= versions.parse(CHANNEL_SINCE)[:3]:
            raise AuditError(f"Netdata {version} posts agent-events, but its body layout (status-file version 19 "
                             f"to 24, v2.3.0:src/daemon/daemon-status-file.c:156-300) is not modelled: bodies are "
                             f"built from {FIRST.tag} on")
        raise AuditError(f"Netdata {version} does not send agent-events (the channel starts at {CHANNEL_SINCE})")
    return found[-1]
