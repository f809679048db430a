"""Running the installed agent's own code sealed (the I/O edge of `verify`): private mount and network namespaces
(`unshare -m -n`, no interface but a down loopback: nothing can leave the machine), private copies of the agent's
dirs bind-mounted over the real ones (the real files are never written), stand-ins for curl and wget first in PATH
that store what would be sent and contact nothing, and a timeout. If the namespaces cannot be made, nothing runs.
"""

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from audit.plumbing.errors import AuditError

TIMEOUT = 60.0
MAX_COPY_FILE = 16 * 1024 * 1024  # a private copy skips larger files (databases): the scripts do not read them

# Stores each POSTed body (-d/--data.../--post-data) whole, fails any cloud-metadata probe, contacts nothing.
CURL = """#!/bin/sh
for arg in "$@"; do
  case "$arg" in *169.254.*|*metadata.google.internal*|*metadata.azure*) exit 7 ;; esac
done
while [ $# -gt 0 ]; do
  case "$1" in
    -d|--data|--data-raw|--data-binary|--data-ascii)
      shift
      n=$(ls "$CAPTURE_DIR" | wc -l)
      printf '%s' "$1" > "$CAPTURE_DIR/.partial-$n" && mv "$CAPTURE_DIR/.partial-$n" "$CAPTURE_DIR/body-$n" ;;
  esac
  shift
done
printf 200
"""
WGET = """#!/bin/sh
for arg in "$@"; do
  case "$arg" in
    --post-data=*) n=$(ls "$CAPTURE_DIR" | wc -l)
      printf '%s' "${arg#--post-data=}" > "$CAPTURE_DIR/.partial-$n" && mv "$CAPTURE_DIR/.partial-$n" "$CAPTURE_DIR/body-$n" ;;
  esac
done
exit 0
"""


def why_not() -> str | None:
    """Why nothing can be run sealed here, or None."""
    if os.geteuid() != 0:
        return "needs root: private mount and network namespaces (unshare -m -n)"
    if shutil.which("unshare") is None:
        return "unshare(1) is missing (util-linux)"
    probe = subprocess.run(["unshare", "-m", "-n", "--propagation", "private", "true"], capture_output=True,
                           timeout=10)
    if probe.returncode != 0:
        return "mount or network namespaces are unavailable here: " + \
            (probe.stderr.decode("utf-8", "replace").strip().splitlines() or ["unshare failed"])[0]
    return None


@dataclass
class Sandbox:
    """A temp dir: the stand-ins, where they store bodies, and the private copies of the agent's dirs."""
    base: Path
    binds: dict[str, Path]  # real dir as the agent sees it -> its private copy

    @property
    def bin(self) -> Path:
        return self.base / "bin"

    @property
    def captures(self) -> Path:
        return self.base / "captures"

    def bodies(self) -> list[bytes]:
        return [p.read_bytes() for p in sorted(self.captures.glob("body-*"), key=lambda p: int(p.name[5:]))]

    def clear(self) -> None:
        for p in self.captures.iterdir():
            p.unlink()


def sandbox(base: Path, dirs: list[str]) -> Sandbox:
    box = Sandbox(base, {})
    box.bin.mkdir()
    box.captures.mkdir()
    for name, text in (("curl", CURL), ("wget", WGET)):
        (box.bin / name).write_text(text)
        (box.bin / name).chmod(0o755)
    for n, real in enumerate(dict.fromkeys(d.rstrip("/") or "/" for d in dirs)):
        if os.path.isdir(real):
            copy = base / f"dir-{n}"
            shutil.copytree(real, copy, symlinks=True, ignore=_large_files)
            box.binds[real] = copy
    return box


def _large_files(folder: str, names: list[str]) -> list[str]:
    skipped = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            if not os.path.islink(path) and os.path.isfile(path) and os.path.getsize(path) > MAX_COPY_FILE:
                skipped.append(name)
        except OSError:
            skipped.append(name)
    return skipped


def run(box: Sandbox, argv: list[str], env: dict[str, str], timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """`argv` in fresh mount and network namespaces, the private copies mounted over the real dirs. The shell
    inside refuses to go on unless it really is in another network namespace."""
    host_netns = os.readlink("/proc/self/ns/net")
    binds = " && ".join(f"mount --bind {shlex.quote(str(copy))} {shlex.quote(real)}"
                        for real, copy in box.binds.items()) or "true"
    script = (f'[ "$(readlink /proc/self/ns/net)" != {shlex.quote(host_netns)} ] || exit 99; '
              f'{binds} && exec "$@"')
    full_env = {"LC_ALL": "C", "HOME": str(box.base), **env,
                "PATH": f"{box.bin}:/usr/bin:/bin:/usr/sbin:/sbin", "CAPTURE_DIR": str(box.captures)}
    command = ["unshare", "-m", "-n", "--propagation", "private", "--", "sh", "-c", script, "sh", *argv]
    with subprocess.Popen(command, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # its own session: the script and everything it started
            proc.communicate()
            name = Path(argv[1] if argv[0] == "sh" and len(argv) > 1 else argv[0]).name
            raise AuditError(f"{name} did not finish within {timeout:g} s (stopped)") from None
    done = subprocess.CompletedProcess(command, proc.returncode, out, err)
    if done.returncode == 99:
        raise AuditError("the sealed shell found itself in the host's network namespace: nothing was run")
    return done
