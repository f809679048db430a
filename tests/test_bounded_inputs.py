"""Every file input is read through one bounded reader: devices, FIFOs and directories are refused with one line
and exit 2, oversized files fail fast. Each case runs in a child process with a timeout, so a hang fails the test."""

import os
import subprocess
import sys

import pytest

from audit import inputs
from audit.errors import AuditError

TIMEOUT = 30


def run_cli(*argv, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("DISABLE_TELEMETRY", "DO_NOT_TRACK")}
    return subprocess.run([sys.executable, "-m", "audit", *argv], capture_output=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL, cwd=cwd, env=env)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


def commands(bad: str) -> list[list[str]]:
    """Every command line that reads a file, with `bad` as that file."""
    v = ["--netdata-version", "v2.2.0"]
    return [
        ["validate", bad],
        ["payload", "START", "--facts", bad, *v],
        ["payload", "FATAL", "--from-log", bad, *v],
        ["send", "FATAL", "--from-log", bad, "--yes", "--endpoint", "http://127.0.0.1:9/x", *v],
        ["journal", "--journal", bad],
        ["explain", bad],
        ["check", bad],
        ["diff", bad, bad],
    ]


@pytest.mark.parametrize("which", ["/dev/zero", "fifo", "directory"])
@pytest.mark.parametrize("index", range(len(commands("x"))))
def test_non_regular_files_are_refused_in_one_line(tmp_path, fifo, which, index):
    bad = {"/dev/zero": "/dev/zero", "fifo": fifo, "directory": str(tmp_path)}[which]
    argv = commands(bad)[index]
    done = run_cli(*argv, cwd=tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 2, (argv, err)
    assert err.count("\n") == 1 and "Traceback" not in err and "regular file" in err, (argv, err)


def test_oversized_file_fails_fast(tmp_path, monkeypatch):
    monkeypatch.setitem(inputs.CAPS, "facts", 10)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 11)
    with pytest.raises(AuditError, match="too large"):
        inputs.read_input(str(big), "facts")
    big.write_bytes(b" " * 10)
    assert inputs.read_input(str(big), "facts") == b" " * 10


def test_a_fifo_in_a_sysroot_does_not_hang(tmp_path):
    root = tmp_path / "root"
    (root / "etc" / "netdata").mkdir(parents=True)
    os.mkfifo(root / "etc" / "netdata" / "netdata.conf")
    done = run_cli("payload", "START", "--root", str(root), cwd=tmp_path)
    assert done.returncode == 2 and b"regular file" in done.stderr and b"Traceback" not in done.stderr


def test_tui_loading_refuses_a_device_snapshot():
    from audit.facts import snapshot

    with pytest.raises(AuditError, match="regular file"):
        snapshot.load("/dev/zero")


@pytest.mark.skipif(not os.path.exists("/proc/sys/kernel/hostname"), reason="needs Linux procfs (run on Linux)")
def test_proc_sys_files_are_read_in_chunks():
    """A sysctl file fails with ENOMEM when asked for the whole cap in one read; the reader asks in chunks."""
    from audit.facts.system import System

    with open("/proc/sys/kernel/hostname", "rb") as f:
        assert System().read_bytes("/proc/sys/kernel/hostname") == f.read()
