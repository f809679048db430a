import os
import subprocess

import pytest

from audit.plumbing.errors import AuditError
from audit.plumbing.shellwords import eval_assignment
from audit.facts.sysinfo import collect_system_info
from audit.plumbing.system import System


def make_root(tmp_path, files):
    for path, content in files.items():
        target = tmp_path / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return System(root=str(tmp_path))


def values(system):
    return {k: f.value for k, f in collect_system_info(system).items()}


def test_sysroot_host_os_and_hardware(tmp_path):
    got = values(make_root(tmp_path, {
        "/etc/os-release": 'NAME="Debian GNU/Linux"\nID=debian\nVERSION="12 (bookworm)"\nVERSION_ID="12"\n',
        "/proc/meminfo": "MemTotal:       16384 kB\n",
        "/proc/devices": "Character devices:\n  1 mem\n\nBlock devices:\n  8 sd\n 11 sr\n",
        "/sys/block/sda/dev": "8:0\n", "/sys/block/sda/size": "1000\n", "/sys/block/sda/removable": "0\n",
        "/sys/block/sdb/dev": "8:16\n", "/sys/block/sdb/size": "500\n", "/sys/block/sdb/removable": "1\n",
        "/sys/block/sr0/dev": "11:0\n", "/sys/block/sr0/size": "700\n", "/sys/block/sr0/removable": "0\n",
        "/proc/sys/kernel/osrelease": "6.1.0-18-amd64\n",
    }))
    assert got["NETDATA_HOST_OS_NAME"] == "Debian GNU/Linux" and got["NETDATA_HOST_OS_ID_LIKE"] == "unknown"
    assert got["NETDATA_HOST_OS_DETECTION"] == "/etc/os-release" and got["NETDATA_CONTAINER_OS_NAME"] == "none"
    assert got["NETDATA_SYSTEM_TOTAL_RAM"] == str(16384 * 1024)
    assert got["NETDATA_SYSTEM_TOTAL_DISK_SIZE"] == str(1000 * 512)
    assert got["NETDATA_SYSTEM_KERNEL_VERSION"] == "6.1.0-18-amd64"
    assert got["NETDATA_SYSTEM_VIRTUALIZATION"] == "unknown" and got["NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT"] == "unknown"


def test_docker_container_reads_the_host_os_from_the_mount(tmp_path):
    got = values(make_root(tmp_path, {
        "/.dockerenv": "", "/etc/os-release": "NAME='Alpine Linux'\nID=alpine\nVERSION_ID=3.20.0\n",
        "/host/etc/os-release": 'NAME="Ubuntu"\nID=ubuntu\nVERSION="24.04 LTS"\nVERSION_ID="24.04"\n',
    }))
    assert got["NETDATA_SYSTEM_CONTAINER"] == "docker" and got["NETDATA_SYSTEM_CONTAINER_DETECTION"] == "dockerenv"
    assert got["NETDATA_CONTAINER_OS_NAME"] == "Alpine Linux" and got["NETDATA_CONTAINER_OS_VERSION"] == "unknown"
    assert got["NETDATA_HOST_OS_NAME"] == "Ubuntu" and got["NETDATA_HOST_OS_DETECTION"] == "/host/etc/os-release"


def test_lsb_release_fills_in_as_mixed(tmp_path):
    got = values(make_root(tmp_path, {
        "/etc/os-release": "ID=foo\n", "/etc/lsb-release": "DISTRIB_ID=Foo\nDISTRIB_RELEASE=1.0\nDISTRIB_CODENAME=x\n"}))
    assert (got["NETDATA_HOST_OS_NAME"], got["NETDATA_HOST_OS_VERSION"], got["NETDATA_HOST_OS_ID"]) == ("Foo", "1.0", "foo")
    assert got["NETDATA_HOST_OS_DETECTION"] == "Mixed"


@pytest.mark.parametrize("word, expected", [
    ('"A \\"B\\" C"', 'A "B" C'), ("'single $x'", "single $x"), ("plain", "plain"), ('"x"y', "xy"),
    ('"back\\\\slash"', "back\\slash"),
])
def test_os_release_values_are_shell_evaluated(word, expected):
    assert eval_assignment(word, {}) == expected


def test_quote_inside_os_release_reaches_the_value(tmp_path):
    got = values(make_root(tmp_path, {"/etc/os-release": 'NAME="My \\"OS\\""\n'}))
    assert got["NETDATA_HOST_OS_NAME"] == 'My "OS"'


def test_binary_os_release_is_a_clear_error(tmp_path):
    with pytest.raises(AuditError, match="binary content"):
        values(make_root(tmp_path, {"/etc/os-release": b"\x7fELF\x00\x01"}))


def test_unreadable_os_release_is_a_clear_error(tmp_path):
    (tmp_path / "etc" / "os-release").mkdir(parents=True)
    with pytest.raises(AuditError, match="cannot read"):
        values(System(root=str(tmp_path)))


def test_symlink_out_of_the_root_is_refused(tmp_path):
    (tmp_path / "etc").mkdir()
    os.symlink("../../../../../etc/passwd", tmp_path / "etc" / "os-release")
    with pytest.raises(AuditError, match="outside --root"):
        values(System(root=str(tmp_path)))


def test_absolute_symlink_stays_inside_the_root(tmp_path):
    make_root(tmp_path, {"/usr/lib/os-release": "NAME=Inside\n"})
    (tmp_path / "etc").mkdir()
    os.symlink("/usr/lib/os-release", tmp_path / "etc" / "os-release")
    assert values(System(root=str(tmp_path)))["NETDATA_HOST_OS_NAME"] == "Inside"


def test_root_mode_never_runs_a_command(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a command was run under --root")
    monkeypatch.setattr(subprocess, "run", forbidden)
    got = values(make_root(tmp_path, {"/etc/os-release": "NAME=x\n"}))
    assert got["NETDATA_SYSTEM_ARCHITECTURE"] == "unknown"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("VIRTUALIZATION", "KVM thing")
    monkeypatch.setenv("NETDATA_OFFICIAL_IMAGE", "true")
    got = values(System())
    assert got["NETDATA_SYSTEM_VIRTUALIZATION"] == "KVM thing" and got["NETDATA_SYSTEM_VIRT_DETECTION"] == "provided"
    assert got["NETDATA_CONTAINER_IS_OFFICIAL_IMAGE"] == "true"


def test_prefetched_commands_answer_as_commands_run_one_by_one(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("says", "echo \"$1 $EXTRA\""), ("fails", "echo partial; exit 3"), ("slow", "exec /bin/sleep 3")):
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    commands = [(["says", "hi"], {"EXTRA": "there"}), (["fails"], None), (["missing"], None)]
    one_by_one, at_once = System(env={"PATH": str(bin_dir)}), System(env={"PATH": str(bin_dir)})
    at_once.prefetch(commands)
    for argv, extra in commands:
        assert at_once.run(argv, extra) == one_by_one.run(argv, extra)
        assert at_once.run_ok(argv) == one_by_one.run_ok(argv)
    assert at_once.run(["says", "hi"], {"EXTRA": "there"}) == "hi there\n"
    assert at_once.run(["fails"]) == "partial\n" and not at_once.run_ok(["fails"])
    at_once.prefetch([(["slow"], None)])
    assert at_once.run(["slow"], timeout=0.2) is None  # a prefetched command that hangs is killed, not waited on
