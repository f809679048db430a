"""What changed in the agent-events body per Netdata release, as data (v2.4.0 read at its tag; v2.5.0 onward from
the fact sheet, netdata-agent-events-facts.md section 5)."""

from dataclasses import dataclass
from functools import lru_cache

from audit.plumbing import versions


@dataclass(frozen=True)
class Release:
    tag: str
    status_file_version: int  # STATUS_FILE_VERSION (src/daemon/status-file.h:14): the body's `version`
    percent_guard: bool  # host_memory_free_percent: UINT64_MAX when the rounded value does not fit (v2.11+)
    precomputed_timestamps: bool  # v2.8+: a never-set timestamp is "" instead of 1970-01-01T00:00:00Z
    product_ids: bool  # v2.11+: hw.product.id and product.id are emitted
    sizes: tuple[tuple[str, int], ...] = ()  # char arrays of another size than v2.11's (status.FIELDS)


OLD_SIZES = (("hw.product.name", 64),)  # DMI_INFO product.name was char[64] before v2.11.0

RELEASES = (
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
FIRST = RELEASES[0]


@lru_cache(maxsize=64)
def release_for(version: str | None) -> Release:
    """The release whose body a Netdata version sends: the newest modelled release not after it."""
    if not version:
        return NEWEST
    wanted = versions.parse(version)[:3]
    found = [r for r in RELEASES if versions.parse(r.tag)[:3] <= wanted]
    if not found:
        from audit.plumbing.errors import AuditError

        raise AuditError(f"Netdata {version} does not send agent-events (the channel starts at {FIRST.tag})")
    return found[-1]
