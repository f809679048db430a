"""Checks that need the mirror's real code at test time, each beside a golden that covers it without one (skipped
without a mirror; tests/mirror.py says how to provide one):
- the committed goldens are current: regenerating them changes no byte;
- this machine, not only the goldens' fake ones, reads as the real v2.5.0 system-info.sh reads it, and its START body
  is the real statistics script's;
- random os-release files read as the real kickstart evals them (master's telemetry_event; the golden holds 40 drawn
  from a fixed seed);
- the v2.3 gate lines the tool's rules cite say what the rules say;
- the privacy check's key is found in v1.47.0's own dashboard bundle (which cannot be committed)."""

import shlex
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit.channels.backend import assemble as payload
from audit.channels.backend import wire
from audit.facts.collect import FactsRequest, gather
from tests import goldens, mirror


def test_regenerating_the_goldens_from_the_mirror_changes_nothing(tmp_path):
    goldens.generate(mirror.require(), tmp_path)
    diff = goldens.differences(goldens.files(goldens.GOLDEN), goldens.files(tmp_path))
    assert not diff, f"goldens are stale; run {goldens.REGENERATE}:\n" + "".join(diff[:80])


@pytest.fixture(scope="module")
def here(tmp_path_factory):
    from tests.realscripts import Sandbox

    box = Sandbox(tmp_path_factory.mktemp("v2.5.0"), "v2.5.0")
    return box, gather(FactsRequest(config_dir=str(box.config), netdata_version="v2.5.0"))


def test_this_machine_reads_as_the_real_system_info_reads_it(here):
    box, facts = here
    real = box.run_system_info()
    assert {k: wire.system_info_value(k, facts[k].value, "v2.5.0") for k in real} == real


def test_this_machines_start_body_is_the_real_scripts(here):
    box, facts = here
    argv, env = payload.daemon_call(facts, "START", {})
    env.update(box.run_system_info())  # what the daemon exported from its own system-info.sh
    assert payload.build(facts, "START", {}).wire == box.run_statistics(argv, env)


def _show(ref: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(mirror.require()), "show", f"{ref}:{path}"],
                          capture_output=True, text=True, check=True).stdout


def test_the_v23_gate_lines_cited_are_the_daemons():
    v230 = _show("v2.3.0", "src/daemon/daemon-status-file.c").splitlines()
    assert 'strcasecmp(ci, "true") == 0' in v230[1005 - 1]
    assert "restarts >= 10 || !is_ci()" in v230[1245 - 1]
    assert "!crash_report_ignore" in v230[1242 - 1]
    v231 = _show("v2.3.1", "src/daemon/daemon-status-file.c").splitlines()
    assert "(!no_previous_status || (daemon_status_file_saved && (last_session_status.restarts > 2 || " \
           "!is_ci())))" in v231[1320 - 1]


_DQ = st.text(alphabet="abc 019._-'()\\$\"`", min_size=0, max_size=12).map(
    lambda t: '"' + "".join("\\" + ch if ch in '"`$\\' else ch for ch in t) + '"')
_SQ = st.text(alphabet="abc 019._-\"()\\$`", min_size=0, max_size=12).map(lambda t: f"'{t}'")
_BARE = st.text(alphabet="abcXYZ019._-/+", min_size=0, max_size=12)


@pytest.fixture(scope="module")
def kickstart_master() -> str:
    from audit.channels.installer import kickstart

    return _show(kickstart.MASTER.commit, goldens.KICKSTART)


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


def test_the_privacy_keys_reader_finds_the_key_in_the_real_bundle():
    import v2_dashboard
    from audit.channels.dashboard import privacy

    if v2_dashboard.missing():
        pytest.skip(v2_dashboard.missing())
    raw = v2_dashboard.bundle_file("7471.*.chunk.js")
    chunk = raw.decode()
    key = privacy.key_in(raw)
    assert key is not None and key.hex() in chunk and privacy.URL in chunk
    assert "AES.encrypt" in chunk and "HmacSHA256" in chunk  # what privacy.decode undoes: AES-CBC, then an HMAC
