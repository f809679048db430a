"""Installer bodies against the real kickstart.sh `telemetry_event` for random os-release files (what fixed goldens
cannot cover). Every revision's fixed cases are goldens (tests/test_goldens.py, made by tests/goldens.py with the same
runner: the function copied from the mirror into tmp_path, machine paths under a fake root, stand-ins for curl, date,
uname and uuidgen; nothing contacted). Skipped without a mirror (tests/mirror.py says how to provide one)."""

import shlex
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests import goldens, mirror

_DQ = st.text(alphabet="abc 019._-'()\\$\"`", min_size=0, max_size=12).map(
    lambda t: '"' + "".join("\\" + ch if ch in '"`$\\' else ch for ch in t) + '"')
_SQ = st.text(alphabet="abc 019._-\"()\\$`", min_size=0, max_size=12).map(lambda t: f"'{t}'")
_BARE = st.text(alphabet="abcXYZ019._-/+", min_size=0, max_size=12)


@pytest.fixture(scope="module")
def kickstart_master() -> str:
    repo = mirror.require()
    from audit.channels.installer import kickstart

    return subprocess.run(["git", "-C", str(repo), "show", f"{kickstart.MASTER.commit}:{goldens.KICKSTART}"],
                          capture_output=True, text=True, check=True).stdout


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(_DQ, _SQ, _BARE), version=st.one_of(_DQ, _SQ, _BARE, st.just(None)),
       id_like=st.one_of(_DQ, _SQ, _BARE))
def test_os_release_quoting_matches_the_real_eval(tmp_path_factory, kickstart_master, name, version, id_like):
    tmp = tmp_path_factory.mktemp("osr")
    lines = [f"NAME={name}", f"ID_LIKE={id_like}", "ID=x"] + ([f"VERSION={version}"] if version is not None else [])
    root = goldens.write_root(tmp / "root", {**goldens.DEFAULT_ROOT, "/etc/os-release": "\n".join(lines) + "\n"})
    facts, params, channel = goldens.installer_resolved(root, "master", "INSTALL_SUCCESS", "", {})
    resolved = channel.resolve(facts, "INSTALL_SUCCESS", params)
    real = goldens.run_telemetry_event(tmp, kickstart_master, root, resolved, shlex.split(""))
    assert channel.build(facts, "INSTALL_SUCCESS", params).wire == real
