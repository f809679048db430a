"""Where the Netdata source mirror is: one setting for every test and for `python -m tests.goldens`."""

import os
from pathlib import Path

DEFAULT = "/work/.mirror/netdata+netdata/repo"
MIRROR = Path(os.environ.get("NETDATA_MIRROR", DEFAULT))
HOW = ("set NETDATA_MIRROR to a git clone of https://github.com/netdata/netdata "
       "(`git clone --mirror https://github.com/netdata/netdata PATH`)")


def present(path: Path = MIRROR) -> bool:
    return (path / "HEAD").exists() or (path / ".git").exists()


def require() -> Path:
    """The mirror, or skip the calling test saying how to provide one."""
    import pytest

    if not present():
        pytest.skip(f"no Netdata mirror at {MIRROR}: {HOW}")
    return MIRROR
