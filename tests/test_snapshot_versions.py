"""issue 21: for every release, a facts snapshot gives the bytes and verdicts a live run gives. `--netdata-version V`
models agent V on this machine (README, "Another version"): V's system-info.sh, V's compiled defaults, a typical
V build unless V is the installed version; `facts --json` saves what changes for each stretch of releases."""

import json

import pytest

from audit.channels.backend import releases
from audit.facts import snapshot
from audit.faces.cli import main
from fleet_hosts import CLAIM_TOKEN, HOSTS, build

# One release of every minor the tool models (the statistics script to v2.5, agent-events after), v2.3's patches,
# a candidate and a nightly build.
RELEASES = ("v1.33.1", "v1.34.1", "v1.35.1", "v1.36.1", "v1.37.0", "v1.37.1", "v1.38.1", "v1.39.1", "v1.40.1",
            "v1.41.0", "v1.42.4", "v1.43.2", "v1.44.3", "v1.45.6", "v1.46.3", "v1.47.5", "v2.0.3", "v2.1.2",
            "v2.2.6", "v2.3.0", "v2.3.1", "v2.3.2", "v2.4.0", "v2.5.4", "v2.6.3", "v2.7.2", "v2.8.5", "v2.9.0",
            "v2.10.3", "v2.11.0", "v2.12.0-rc1", "v2.5.0-12-gabcdef0")


def run(capsys, argv):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out


def snapshot_of(capsys, tmp_path, *where):
    code, out = run(capsys, ["facts", "--json", *where])
    assert code == 0
    path = tmp_path / "facts.json"
    path.write_text(out)
    return path


def bodies(capsys, version, *source):
    found = {}
    for channel, event in (("backend", "START"), ("backend", "EXIT"), ("installer", "INSTALL_SUCCESS")):
        code, out = run(capsys, ["payload", event, "--channel", channel, "--netdata-version", version, *source])
        found[channel, event] = (code, out)
    return found


def verdicts(capsys, version, *source):
    _, out = run(capsys, ["report", "--json", "--netdata-version", version, *source])
    doc = json.loads(out)
    return {name: {k: v for k, v in c.items() if k != "check"} for name, c in doc["channels"].items()}


@pytest.mark.parametrize("version", RELEASES)
def test_this_machine_live_and_from_its_snapshot_agree(capsys, tmp_path, version):
    snap = snapshot_of(capsys, tmp_path)
    assert bodies(capsys, version) == bodies(capsys, version, "--facts", str(snap))
    assert verdicts(capsys, version) == verdicts(capsys, version, "--facts", str(snap))


@pytest.mark.parametrize("version", RELEASES[::3])
def test_a_snapshot_saved_for_another_version_still_gives_every_version(capsys, tmp_path, version):
    snap = snapshot_of(capsys, tmp_path, "--netdata-version", "v2.5.4")
    again = tmp_path / "again.json"
    _, out = run(capsys, ["facts", "--json", "--facts", str(snap), "--netdata-version", "v1.33.1"])
    again.write_text(out)
    assert bodies(capsys, version) == bodies(capsys, version, "--facts", str(again))


@pytest.mark.parametrize("name", [n for n, h in HOSTS.items() if h["version"]])
def test_a_sysroot_live_and_from_its_snapshot_agree(capsys, tmp_path, name):
    root = build(tmp_path / "hosts")[name]
    (root / "proc").mkdir(exist_ok=True)
    (root / "etc/machine-id").write_text("0123456789abcdef0123456789abcdef\n")  # else kickstart's random uuidgen
    (root / "proc/cpuinfo").write_text("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu MHz\t\t: 2596.123\n"
                                       "flags\t\t: fpu hypervisor\nmodel name\t: Example CPU\n")
    snap = snapshot_of(capsys, tmp_path, "--root", str(root))
    for version in RELEASES:
        live = bodies(capsys, version, "--root", str(root))
        assert live == bodies(capsys, version, "--root", str(root), "--facts", str(snap)), version


def test_the_snapshot_carries_a_variant_per_stretch_of_releases(capsys, tmp_path):
    snap = json.loads(snapshot_of(capsys, tmp_path).read_text())
    others = [v["since"] for v in snap["variants"] if v["build"] == "other"]
    assert others == releases.boundaries()
    installed = snap["facts"].get("agent.version")
    assert [v["since"] for v in snap["variants"] if v["build"] == "installed"] == \
        ([installed["value"]] if installed else [])


def test_the_cpu_frequency_format_follows_the_version_in_a_snapshot():
    """v1.37's system-info.sh prints /proc/cpuinfo's MHz through awk (2.596e+09); v1.42 on, printf "%0.f"."""
    base = {"NETDATA_SYSTEM_CPU_FREQ": snapshot.Fact("2.596e+09", "command:awk")}
    later = {"NETDATA_SYSTEM_CPU_FREQ": snapshot.Fact("2596000000", "command:awk")}
    variants = [snapshot.variant("v1.33.0", "other", base, base), snapshot.variant("v1.42.0", "other", base, later)]
    facts = dict(base)
    snapshot.apply_variant(facts, variants, "v2.5.4")
    assert facts["NETDATA_SYSTEM_CPU_FREQ"].value == "2596000000"
    facts = dict(base)
    snapshot.apply_variant(facts, variants, "v1.37.1")
    assert facts["NETDATA_SYSTEM_CPU_FREQ"].value == "2.596e+09"


def test_an_old_snapshot_without_variants_keeps_its_facts(capsys, tmp_path):
    snap = json.loads(snapshot_of(capsys, tmp_path).read_text())
    del snap["variants"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(snap))
    code, out = run(capsys, ["payload", "START", "--facts", str(path), "--netdata-version", "v2.5.4"])
    assert code == 0 and '"netdata_version": "v2.5.4"' in out


@pytest.mark.parametrize("bad, message", [
    ({"variants": {}}, '"variants" must be a list'),
    ({"variants": [{"since": "v1.33.0", "build": "mine", "facts": {}}]}, "/variants/0: expected"),
    ({"variants": [{"since": "one", "build": "other", "facts": {}}]}, "/variants/0/since"),
])
def test_malformed_variants_are_one_line_errors(capsys, tmp_path, bad, message):
    snap = json.loads(snapshot_of(capsys, tmp_path).read_text())
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**snap, **bad}))
    code = main(["payload", "START", "--facts", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", [n for n, h in HOSTS.items() if h["version"]])
def test_a_snapshot_rebuilds_the_installer_body_on_another_machine(capsys, tmp_path, name, monkeypatch):
    """kickstart's own readings (os-release, MemTotal, the md5 chain of the machine-id, the recorded options) travel
    in the snapshot: without --root, its body is the sysroot's, not this machine's; a claim token stays out."""
    root = build(tmp_path / "hosts")[name]
    (root / "etc/machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    (root / "proc").mkdir(exist_ok=True)
    (root / "proc/meminfo").write_text("MemTotal:       16303740 kB\nMemFree:         1000 kB\n")
    snap = snapshot_of(capsys, tmp_path, "--root", str(root))
    assert CLAIM_TOKEN not in snap.read_text()
    monkeypatch.chdir(tmp_path)
    for kickstart in ("master", "v1.42.0"):
        code, live = run(capsys, ["payload", "INSTALL_SUCCESS", "--channel", "installer", "--root", str(root),
                                  "--kickstart-version", kickstart])
        code, rebuilt = run(capsys, ["payload", "INSTALL_SUCCESS", "--channel", "installer", "--facts", str(snap),
                                     "--kickstart-version", kickstart])
        assert rebuilt == live.replace(CLAIM_TOKEN, "<redacted>"), kickstart
    code, rebuilt = run(capsys, ["payload", "INSTALL_SUCCESS", "--channel", "installer", "--facts", str(snap),
                                 "--kickstart-version", "v1.33.0"])  # it sent the machine-id itself: not kept
    assert '"distinct_id": "null"' in rebuilt and "0123456789abcdef" not in rebuilt
