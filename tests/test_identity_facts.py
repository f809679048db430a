"""collect_identity reads a sysroot's local files only; symlinks out of the root are not followed; identity
values never reach a facts snapshot."""

import json
import socket

import pytest

from audit.faces.cli import main
from audit.facts.identity import collect_identity, identity_from_facts
from audit.model.fact import Fact
from audit.plumbing.system import System
from tests.sample import GUID

FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 10.0.2.0/24 2 0 2
        |-- 10.0.2.0
           /24 link UNICAST
        |-- 10.0.2.15
           /32 host LOCAL
        |-- 10.0.2.255
           /32 link BROADCAST
"""
IF_INET6 = """00000000000000000000000000000001 01 80 10 80       lo
fe80000000000000505400fffe123456 02 40 20 80     eth0
"""
PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
netdata:x:999:999::/var/lib/netdata:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
"""
MACHINE_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def write(root, path, text):
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


@pytest.fixture
def sysroot(tmp_path):
    root = tmp_path / "root"
    write(root, "etc/hostname", "alice-laptop\n")
    write(root, "etc/hosts", "127.0.0.1 localhost\n127.0.1.1 alice-laptop.example.net alice-laptop\n")
    write(root, "etc/passwd", PASSWD)
    write(root, "etc/machine-id", MACHINE_ID + "\n")
    write(root, "proc/net/fib_trie", FIB_TRIE)
    write(root, "proc/net/if_inet6", IF_INET6)
    write(root, "sys/class/net/eth0/address", "52:54:00:12:34:56\n")
    write(root, "sys/class/net/lo/address", "00:00:00:00:00:00\n")
    write(root, "etc/netdata/cloud.d/claimed_id", "7D3C1B2A-1111-4222-8333-944455556666\n")
    write(root, "var/lib/cloud/data/instance-id", "i-0abc123def4567890\n")
    return root


def values(identity):
    return {(v.kind, v.value) for v in identity.values}


def test_every_kind_is_read_from_the_sysroot(sysroot):
    identity = collect_identity(System(root=str(sysroot)), "/etc/netdata", {"machine_guid": Fact(GUID, "test")})
    assert values(identity) == {
        ("hostname", "alice-laptop"), ("hostname", "alice-laptop.example.net"),
        ("ip", "10.0.2.15"), ("ip", "fe80::5054:ff:fe12:3456"), ("mac", "52:54:00:12:34:56"),
        ("user", "alice"), ("home-path", "/home/alice"), ("home-path", "/root"),
        ("machine-id", MACHINE_ID), ("machine-guid", GUID),
        ("claim-id", "7d3c1b2a-1111-4222-8333-944455556666"), ("instance-id", "i-0abc123def4567890")}
    assert identity.notes == ()
    assert {v.source for v in identity.values if v.kind == "mac"} == {"file:/sys/class/net/eth0/address"}


def test_the_all_zero_guid_and_generic_host_names_identify_nobody(tmp_path):
    write(tmp_path, "etc/hostname", "debian\n")
    identity = collect_identity(System(root=str(tmp_path)), "/etc/netdata",
                                {"machine_guid": Fact("00000000-0000-0000-0000-000000000000", "default")})
    assert values(identity) == set()


def test_a_symlink_out_of_the_root_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "hostname", "secret-host\n")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").symlink_to("../../outside/hostname")
    identity = collect_identity(System(root=str(root)), "/etc/netdata", {})
    assert "secret-host" not in {v.value for v in identity.values}
    assert any("outside --root" in note for note in identity.notes)


def test_an_absolute_symlink_stays_inside_the_root(tmp_path):
    root = tmp_path / "root"
    write(root, "data/hostname", "inside-host\n")
    (root / "etc").mkdir()
    (root / "etc" / "hostname").symlink_to("/data/hostname")
    write(tmp_path, "data/hostname", "wrong\n")
    assert ("hostname", "inside-host") in values(collect_identity(System(root=str(root)), "/etc/netdata", {}))


def test_unreadable_files_are_skipped_with_a_note(sysroot):
    (sysroot / "etc" / "passwd").unlink()
    (sysroot / "etc" / "passwd").mkdir()  # reading a directory fails like an unreadable file
    identity = collect_identity(System(root=str(sysroot)), "/etc/netdata", {})
    assert not any(v.kind == "user" for v in identity.values)
    assert any("/etc/passwd" in note for note in identity.notes)


def test_no_name_lookup_is_made(sysroot, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("identity must not resolve names")
    for name in ("getfqdn", "gethostbyname", "gethostbyaddr", "getaddrinfo", "gethostname"):
        monkeypatch.setattr(socket, name, refuse)
    assert values(collect_identity(System(root=str(sysroot)), "/etc/netdata", {}))


def test_a_snapshot_only_contributes_its_own_identifiers():
    facts = {"machine_guid": Fact(GUID, "test"), "system_distinct_id": Fact("machine-" + "a" * 32, "test")}
    assert values(identity_from_facts(facts)) == {("machine-guid", GUID), ("system-distinct-id", "machine-" + "a" * 32)}


def test_identity_values_never_reach_a_facts_snapshot(sysroot, capsys):
    assert main(["facts", "--json", "--root", str(sysroot)]) == 0
    snapshot = capsys.readouterr().out
    assert json.loads(snapshot)["format"] == "telemetry-audit-facts"
    for secret in ("alice", "10.0.2.15", "52:54:00:12:34:56", MACHINE_ID, "7d3c1b2a", "i-0abc123def4567890"):
        assert secret.lower() not in snapshot.lower()
