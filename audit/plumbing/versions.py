"""Netdata version strings ("v2.5.4", "2.2.0", "v1.44.0-123-nightly") as comparable tuples."""

import re

from audit.plumbing.errors import AuditError

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")

# The newest release whose daemon still runs anonymous-statistics.sh (v2.6.0 stopped, commit c546a70f07).
LAST_SCRIPT_VERSION = "v2.5.4"


def parse(version: str) -> tuple[int, int, int]:
    match = _VERSION.match(version.strip())
    if not match:
        raise AuditError(f"--netdata-version {version!r}: expected a Netdata version such as v2.5.4")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def within(version: str, since: str | None, until: str | None) -> bool:
    """True if `version` is in [since, until]; `until` like "v2.2" covers every v2.2.x."""
    major_minor = parse(version)[:2]
    if since and major_minor < parse(since)[:2]:
        return False
    if until and major_minor > parse(until)[:2]:
        return False
    return True


def span(since: str | None, until: str | None) -> str:
    return f"{since or 'early versions'} to {until + '.x' if until else 'today'}"
