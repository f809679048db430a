"""Netdata version strings as comparable tuples: releases ("v2.5.4", "2.2.0"), release candidates ("v2.12.0-rc1",
packaging/cmake/Modules/NetdataVersion.cmake at master) and nightly builds ("v2.11.0-123-gabcdef",
"v1.44.0-123-nightly": `git describe` of a commit after a tag)."""

import re
from functools import lru_cache

from audit.plumbing.errors import AuditError

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?P<rest>\S*)")
_RC = re.compile(r"^-rc\d+$", re.I)
_NIGHTLY = re.compile(r"^-\d+(-g[0-9a-f]+)?(-nightly)?$|^-nightly$", re.I)
ANY_PATCH = 999  # "every patch release of the minor before": what an rc of vX.Y.0 behaves like

# The newest release whose daemon still runs anonymous-statistics.sh (v2.6.0 stopped, commit c546a70f07).
LAST_SCRIPT_VERSION = "v2.5.4"
LAST_1X_MINOR = 47  # v1.47 was the last 1.x release


@lru_cache(maxsize=1024)  # pure, and asked hundreds of times per run (every release table lookup)
def parse(version: str, what: str = "--netdata-version") -> tuple[int, int, int]:
    """The release whose behaviour `version` has: itself for a release or a nightly build (a build after that tag),
    the release before it for a release candidate (v2.12.0-rc1 is not yet v2.12.0: v2.11.x; v2.5.3-rc1: v2.5.2)."""
    match = _VERSION.match(version.strip())
    if not match:
        raise AuditError(f"{what} {version!r}: expected a Netdata version such as v2.5.4, v2.12.0-rc1 or "
                         "v2.11.0-123-gabcdef")
    major, minor, patch = int(match[1]), int(match[2]), int(match[3] or 0)
    if not _RC.match(match["rest"]):
        return major, minor, patch
    if patch:
        return major, minor, patch - 1
    if minor:
        return major, minor - 1, ANY_PATCH
    return (major - 1, LAST_1X_MINOR if major == 2 else ANY_PATCH, ANY_PATCH) if major > 1 else (major, 0, 0)


def kind(version: str) -> str:
    """"release", "rc", "nightly" (a build after a tag), or "other" (anything after the numbers we do not know)."""
    match = _VERSION.match(version.strip())
    rest = match["rest"] if match else ""
    if not rest:
        return "release"
    return "rc" if _RC.match(rest) else "nightly" if _NIGHTLY.match(rest) else "other"


def text(parsed: tuple[int, int, int]) -> str:
    major, minor, patch = parsed
    return f"v{major}.{minor}.x" if patch == ANY_PATCH else f"v{major}.{minor}.{patch}"


def mapping_note(version: str, modelled_as: str, newest: str, channel: str, hint: str = "") -> str | None:
    """What to say on stderr when `version` is read as another modelled release (an rc, a nightly build, or newer
    than anything modelled); None when it is a release the tables cover as itself."""
    parsed = parse(version)
    if parsed[:2] > parse(newest)[:2]:
        return (f"Netdata {version} is newer than anything modelled for {channel} (the newest modelled release is "
                f"{newest}): built as {modelled_as}" + (f"; {hint}" if hint else ""))
    what = kind(version)
    if what == "rc":
        return f"{version} is a release candidate: built as the newest modelled release before it, {modelled_as}"
    if what in ("nightly", "other"):
        return f"{version} is a build after {text(parsed)}: built as the newest modelled release at or before it, " \
               f"{modelled_as}"
    return None


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
