"""Run Netdata's real scripts of a release, copied from the mirror into a temp dir at test time.

Nothing here contacts any host: system-info.sh loses its cloud-metadata block before it runs, and a `curl`
stand-in first in PATH stores each `-d` body in a file and prints 200 without opening a socket.
"""

import os
import subprocess
from pathlib import Path

import pytest

from audit.channels.backend import wire
from tests import mirror
_METADATA_HOSTS = ("169.254.169.254", "metadata.google.internal")

CURL_STANDIN = """#!/bin/sh
# curl stand-in for tests: stores each -d body, contacts nothing, fails any cloud-metadata probe
for arg in "$@"; do
  case "$arg" in *169.254.*|*metadata.google.internal*) exit 7 ;; esac
done
while [ $# -gt 0 ]; do
  case "$1" in
    -d|--data|--data-raw|--data-binary)
      shift
      n=$(ls "$CAPTURE_DIR" | wc -l)
      printf '%s' "$1" > "$CAPTURE_DIR/.partial-$n"
      mv "$CAPTURE_DIR/.partial-$n" "$CAPTURE_DIR/body-$n"  # whole: a reader never sees half a body
      ;;
  esac
  shift
done
printf 200
"""


def show(tag: str, name: str) -> str:
    """The text of the file called `name` (e.g. system-info.sh) under daemon/ at `tag`."""
    repo = mirror.require()
    listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", tag],
                             capture_output=True, text=True, check=True).stdout.split()
    paths = [p for p in listing if p.endswith(f"daemon/{name}")]
    if not paths:
        pytest.skip(f"{name} not found at {tag} in the mirror at {repo}: fetch its tags (git -C {repo} fetch --tags)")
    return subprocess.run(["git", "-C", str(repo), "show", f"{tag}:{paths[0]}"], capture_output=True,
                          text=True, check=True).stdout


def without_cloud_block(text: str) -> str:
    """system-info.sh with its cloud-metadata probe deleted: from the top-level `if` that encloses the first line
    naming a metadata host, to the first output line after it."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if any(h in line for h in _METADATA_HOSTS)), None)
    if first is not None:
        start = max(i for i in range(first + 1) if lines[i].startswith("if "))
        end = next(i for i in range(first, len(lines)) if lines[i].startswith('echo "NETDATA_'))
        lines = lines[:start] + lines[end:]
    cleaned = "\n".join(lines)
    assert not any(h in cleaned for h in _METADATA_HOSTS)
    return cleaned


class Sandbox:
    """A temp dir holding a release's scripts, a private config dir and the curl stand-in."""

    def __init__(self, tmp: Path, tag: str):
        self.tag = tag
        self.bin = tmp / "bin"
        self.config = tmp / "etc-netdata"
        self.captures = tmp / "captures"
        for d in (self.bin, self.config, self.captures):
            d.mkdir()
        curl = self.bin / "curl"
        curl.write_text(CURL_STANDIN)
        curl.chmod(0o755)
        self.system_info = tmp / "system-info.sh"
        self.system_info.write_text(without_cloud_block(show(tag, "system-info.sh")))
        self.statistics = tmp / "anonymous-statistics.sh"
        self.statistics.write_text(show(tag, "anonymous-statistics.sh.in").replace("@configdir_POST@",
                                                                                    str(self.config)))

    def path(self) -> str:
        return f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"

    def run_system_info(self) -> dict[str, str]:
        """system-info.sh's NAME=value lines (the names the statistics script reads)."""
        env = {"PATH": self.path(), "LC_ALL": "C"}
        out = subprocess.run(["sh", str(self.system_info)], capture_output=True, env=env, timeout=60,
                             stdin=subprocess.DEVNULL).stdout.decode("utf-8", "surrogateescape")
        values = {}
        for line in out.splitlines():
            name, sep, value = line.partition("=")
            if sep and name in wire.SYSTEM_INFO_NAMES:
                values[name] = value
        return values

    def run_statistics(self, argv: list[str], env: dict[str, str]) -> bytes | None:
        """The body the real script POSTs for these arguments and environment, or None if it sent nothing."""
        for old in self.captures.iterdir():
            old.unlink()
        full_env = {**env, "PATH": self.path(), "CAPTURE_DIR": str(self.captures)}
        subprocess.run(["sh", str(self.statistics), *argv], capture_output=True, env=full_env, timeout=30,
                       stdin=subprocess.DEVNULL, check=True)
        bodies = sorted(self.captures.iterdir())
        assert len(bodies) <= 1
        return bodies[0].read_bytes() if bodies else None
