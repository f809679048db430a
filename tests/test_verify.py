"""`verify`: the installed Debian 1.37.1 statistics script, run sealed, against `payload` byte for byte.

The real runs need root, unshare(1) and Debian's netdata-core/netdata-plugins-bash 1.37.1 (installed by
.ci/system-packages); they skip with the reason elsewhere. The real dirs are checksummed before and after.
"""

import hashlib
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from audit.core import verify
from audit.plumbing import sealed
from audit.faces.cli import main
from audit.plumbing.errors import AuditError

SCRIPT = Path("/usr/lib/netdata/plugins.d/anonymous-statistics.sh")
REAL_DIRS = ("/etc/netdata", "/var/lib/netdata", "/usr/lib/netdata/plugins.d")


def test_first_difference_names_the_byte_the_line_and_both_sides():
    assert verify.first_difference(b'{\n  "a": "1"\n}', b'{\n  "a": "2"\n}') == \
        "first difference at byte 10 (line 2): predicted '{\\n  \"a\": \"1\"\\n}', the agent's '{\\n  \"a\": \"2\"\\n}'"
    assert verify.first_difference(b"abc", b"abcd").startswith("first difference at byte 3 (line 1)")


def test_compare_states():
    assert verify.compare("backend", "START", b"x", b"x", "s").state == verify.IDENTICAL
    assert verify.compare("backend", "START", None, None, "s", " (opted out)").detail == \
        "s: nothing sent, as predicted (opted out)"
    assert verify.compare("backend", "START", b"x", None, "s").detail == "s sent nothing; the tool predicted a body"
    assert verify.compare("backend", "START", None, b"x", "s").state == verify.DIFFERS


def _tree_sums() -> dict[str, str]:
    sums = {}
    for top in REAL_DIRS:
        for folder, _, files in os.walk(top):
            for name in files:
                path = os.path.join(folder, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    sums[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return sums


@pytest.fixture
def installed():
    why = sealed.why_not()
    if why:
        pytest.skip(why)
    if not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} missing: install Debian's netdata-core and netdata-plugins-bash 1.37.1")
    before = _tree_sums()
    yield
    assert _tree_sums() == before  # nothing the agent had was touched


def run(capsys, *argv):
    code = main(["verify", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.installed_agent
def test_the_debian_1_37_1_script_sends_exactly_what_payload_predicts(capsys, installed):
    code, out, err = run(capsys, "--as-if-opted-in", "--json")
    outcomes = json.loads(out)
    assert code == 0, err
    assert [(o["event"], o["state"]) for o in outcomes] == [("START", "identical"), ("EXIT", "identical")]
    for o in outcomes:
        assert o["predicted"] == o["actual"] and o["actual"].startswith('{\n    "api_key"')  # v1.37.1's layout
        assert "(its opt-out file removed in the private copy)" in o["detail"]


@pytest.mark.installed_agent
def test_debians_own_opt_out_file_silences_its_script_as_predicted(capsys, installed):
    if not Path("/etc/netdata/.opt-out-from-anonymous-statistics").exists():
        pytest.skip("the packaged opt-out file is not installed here")
    code, out, err = run(capsys)
    assert code == 0
    assert out.splitlines()[0] == (
        f"backend START: identical: Netdata v1.37.1's {SCRIPT}: nothing sent, as predicted (opted out: "
        "/etc/netdata/.opt-out-from-anonymous-statistics exists)")


@pytest.mark.installed_agent
def test_a_difference_is_reported_at_its_first_byte(capsys, installed, monkeypatch):
    real_build = verify.payload.build

    def off_by_one(facts, event, params=None):  # a prediction one byte off
        return SimpleNamespace(wire=real_build(facts, event, params).wire.replace(b'"event": "', b'"event": "X', 1))
    monkeypatch.setattr(verify.payload, "build", off_by_one)
    code, out, err = run(capsys, "--as-if-opted-in", "--json")
    start = json.loads(out)[0]
    at = start["actual"].index('"event": "') + len('"event": "')
    assert (code, start["state"]) == (1, "differs")
    assert start["detail"].startswith(f"Netdata v1.37.1's {SCRIPT} (its opt-out file removed in the private copy): "
                                      f"first difference at byte {at} (line 3): predicted ")


def test_sealed_commands_have_no_network_and_are_in_another_namespace(tmp_path):
    if (why := sealed.why_not()) is not None:
        pytest.skip(why)
    box = sealed.sandbox(tmp_path, [])
    done = sealed.run(box, ["sh", "-c", "cat /proc/net/dev; readlink /proc/self/ns/net"], {})
    lines = done.stdout.decode().splitlines()
    interfaces = [line.split(":")[0].strip() for line in lines[2:-1]]
    assert interfaces == ["lo"]
    assert lines[-1] != os.readlink("/proc/self/ns/net")


def test_sealed_private_copies_hide_the_real_dir_from_writes(tmp_path):
    if (why := sealed.why_not()) is not None:
        pytest.skip(why)
    real = tmp_path / "real"
    real.mkdir()
    (real / "f").write_text("kept")
    (tmp_path / "box").mkdir()
    box = sealed.sandbox(tmp_path / "box", [str(real)])
    sealed.run(box, ["sh", "-c", f"echo changed > {real}/f; echo new > {real}/g"], {})
    assert (real / "f").read_text() == "kept" and not (real / "g").exists()
    assert (box.binds[str(real)] / "f").read_text() == "changed\n"


def test_a_hanging_command_is_stopped_at_the_timeout(tmp_path):
    if (why := sealed.why_not()) is not None:
        pytest.skip(why)
    box = sealed.sandbox(tmp_path, [])
    with pytest.raises(AuditError, match=r"^sleep did not finish within 0\.5 s \(stopped\)$"):
        sealed.run(box, ["sleep", "30"], {}, timeout=0.5)


def test_without_root_nothing_runs_and_it_says_why(capsys, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr("audit.facts.installed.SCRIPT_PATHS", (str(SCRIPT),))
    if not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} missing")
    code, out, err = run(capsys)
    assert code == 2
    assert out.splitlines()[0] == "backend START: could not run: needs root: private mount and network namespaces " \
                                  "(unshare -m -n)"
