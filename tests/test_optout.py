import json
import os

import pytest
from hypothesis import given, strategies as st

from audit.core import optout
from audit.faces.cli import main
from audit.plumbing.errors import AuditError
from audit.plumbing.system import System
from tests.sample import STAND_IN_SCRIPT

VALUES = [None, "", "0", "1", " 1", "yes", "true", "2"]


def verdict(tmp_path, env, file=False, version="v2.5.4"):
    if file:
        (tmp_path / optout.OPT_OUT_FILE).write_text("")
    (tmp_path / ".install-type").write_text("INSTALL_TYPE='kickstart-static'\n")  # kickstart applies here
    return optout.evaluate(System(env=env), str(tmp_path), version)


def test_nothing_set_everything_sends(tmp_path):
    v = verdict(tmp_path, {})
    applying = [name for name in optout.COMPONENTS if v.components[name].applies]
    assert set(applying) >= {"script", "daemon", "kickstart", "dashboard"}
    assert all(v.components[name].sends for name in applying)
    assert v.backend_sends


def test_a_component_that_cannot_run_here_never_reads_sends(tmp_path):
    """issue 21: opt-out --json printed kickstart "sends": true beside "not applicable"."""
    v = optout.evaluate(System(root=str(tmp_path), env={}), "/etc/netdata", "v2.5.4")
    for name in ("kickstart", "docker"):
        c = v.components[name]
        assert not c.applies and not c.sends and c.to_json()["sends"] is False


def test_zero_disables_script_and_daemon_but_not_kickstart(tmp_path):
    (tmp_path / ".install-type").write_text("INSTALL_TYPE='kickstart-static'\n")  # kickstart applies here
    v = verdict(tmp_path, {"DISABLE_TELEMETRY": "0"})
    c = v.components
    assert not c["script"].sends and not c["daemon"].sends and c["kickstart"].sends
    assert not c["docker"].sends
    # v2.5.4's dashboard: its analytics follow the daemon, its telemetry push and privacy check do not
    assert c["dashboard"].sends and c["dashboard"].opted_out
    assert list(c["dashboard"].sends_despite_opt_out[:2]) == ["telemetry push", "privacy check"]
    assert not v.backend_sends
    assert v.disagreements


def test_old_daemon_ignores_env(tmp_path):
    v = verdict(tmp_path, {"DISABLE_TELEMETRY": "1"}, version="v2.2.0")
    assert v.components["daemon"].sends and not v.components["script"].sends
    assert not v.backend_sends
    assert v.components["dashboard"].sends


def test_do_not_track_ignored_by_daemon(tmp_path):
    v = verdict(tmp_path, {"DO_NOT_TRACK": "1"})
    assert v.components["daemon"].sends and not v.components["kickstart"].sends
    assert v.components["script"].suppressed_by == ("DO_NOT_TRACK=1",)


def test_kickstart_precedence_and_blanks(tmp_path):
    assert verdict(tmp_path, {"DISABLE_TELEMETRY": "0", "DO_NOT_TRACK": "1"}).components["kickstart"].sends
    assert not verdict(tmp_path, {"DISABLE_TELEMETRY": " 1"}).components["kickstart"].sends
    assert verdict(tmp_path, {"DISABLE_TELEMETRY": "2"}).components["kickstart"].sends


def test_file_no_effect_on_kickstart(tmp_path):
    v = verdict(tmp_path, {}, file=True)
    assert not v.components["daemon"].sends and not v.components["script"].sends
    assert v.components["kickstart"].sends


@given(st.sampled_from(VALUES), st.sampled_from(VALUES), st.booleans(), st.sampled_from(["v2.2.0", "v2.5.4"]))
def test_backend_rule(tmp_path_factory, d, n, file, version):
    tmp = tmp_path_factory.mktemp("c")
    env = {k: x for k, x in (("DISABLE_TELEMETRY", d), ("DO_NOT_TRACK", n)) if x is not None}
    v = verdict(tmp, env, file, version)
    script_off = file or bool(d) or bool(n)
    assert v.components["script"].sends is not script_off
    assert v.backend_sends is (not script_off)
    assert v.components["kickstart"].sends is not ((d or n or "0").strip() == "1")


def test_apply_revert_dry_run(tmp_path):
    f = tmp_path / optout.OPT_OUT_FILE
    assert "would create" in optout.apply(str(tmp_path), dry_run=True) and not f.exists()
    optout.apply(str(tmp_path))
    assert f.exists()
    assert "would remove" in optout.revert(str(tmp_path), dry_run=True) and f.exists()
    optout.revert(str(tmp_path))
    assert not f.exists()


def test_unwritable_config_dir(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    with pytest.raises(AuditError):
        optout.apply(str(plain / "sub"))
    assert main(["opt-out", "--apply", "--config-dir", str(plain / "sub")]) == 2


def test_cli_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISABLE_TELEMETRY", "1")
    assert main(["opt-out", "--json", "--config-dir", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["components"]) == {"daemon", "script", "kickstart", "docker", "dashboard", "agent-events", "sentry"}
    assert doc["components"]["kickstart"]["sends"] is False
    assert doc["backend_sends"] is False


def test_installer_option_recorded_without_file(tmp_path, capsys):
    (tmp_path / ".environment").write_text('# Created by installer\n'
                                           'REINSTALL_OPTIONS=" --disable-telemetry --stable-channel"\n')
    v = verdict(tmp_path, {})
    assert v.mechanisms["installer_option"]["recorded"] is True
    assert v.backend_sends  # the option alone stops nothing: only the file it should have created does
    assert any("--disable-telemetry" in d and "opt-out --apply" in d for d in v.disagreements)
    assert main(["opt-out", "--config-dir", str(tmp_path)]) == 0
    assert "(includes --disable-telemetry)" in capsys.readouterr().out


def test_installer_option_not_recorded(tmp_path):
    (tmp_path / ".environment").write_text('REINSTALL_OPTIONS="--stable-channel --disable-telemetry-later"\n')
    assert verdict(tmp_path, {}).mechanisms["installer_option"]["recorded"] is False


def agent_json(httpserver, answer, tmp_path, capsys, *env):
    httpserver.expect_oneshot_request("/api/v1/registry", query_string="action=hello").respond_with_json(answer)
    code = main(["opt-out", "--json", "--config-dir", str(tmp_path), "--agent-url", httpserver.url_for("/")])
    return code, json.loads(capsys.readouterr().out)


def test_agent_hello_false_turns_dashboard_off(httpserver, tmp_path, capsys):
    code, doc = agent_json(httpserver, {"anonymous_statistics": False, "registry": "x"}, tmp_path, capsys)
    assert code == 0 and len(httpserver.log) == 1
    dashboard = doc["components"]["dashboard"]
    assert dashboard["sends"] is False and dashboard["suppressed_by"] == ["agent hello anonymous_statistics=false"]
    assert any("reports anonymous_statistics=false" in d for d in doc["disagreements"])


def test_agent_hello_true_agrees_with_files(httpserver, tmp_path, capsys):
    code, doc = agent_json(httpserver, {"anonymous_statistics": True}, tmp_path, capsys)
    assert code == 0 and doc["components"]["dashboard"]["sends"] is True and doc["disagreements"] == []
    assert doc["mechanisms"]["agent_hello"]["anonymous_statistics"] is True


def test_agent_hello_unreachable_is_one_line_and_exit_3(tmp_path, capsys):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    (tmp_path / "netdata.conf").touch()
    assert main(["opt-out", "--config-dir", str(tmp_path), "--agent-url", f"http://127.0.0.1:{port}"]) == 3
    err = capsys.readouterr().err
    assert "connection refused" in err and err.count("\n") == 1


def test_agent_hello_not_json(httpserver, tmp_path, capsys):
    httpserver.expect_request("/api/v1/registry").respond_with_data("<html>")
    assert main(["opt-out", "--config-dir", str(tmp_path), "--agent-url", httpserver.url_for("/")]) == 3
    assert "not a JSON object" in capsys.readouterr().err


def test_no_network_without_agent_url(tmp_path, monkeypatch):
    import requests
    monkeypatch.setattr(requests, "get", lambda *a, **k: pytest.fail("opt-out made a request"))
    assert main(["opt-out", "--config-dir", str(tmp_path)]) == 0


def _installed_root(tmp_path, opt_out_in_etc: bool):
    root = tmp_path / "root"
    script = root / "usr/lib/netdata/plugins.d/anonymous-statistics.sh"
    script.parent.mkdir(parents=True)
    script.write_text(STAND_IN_SCRIPT)
    (root / "etc/netdata").mkdir(parents=True)
    (root / "srv/private").mkdir(parents=True)
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (info / "netdata-core.list").write_text("/usr/sbin/netdata\n/etc/netdata/.opt-out-from-anonymous-statistics\n")
    if opt_out_in_etc:
        (root / "etc/netdata/.opt-out-from-anonymous-statistics").write_text("")
    return System(root=str(root), env={})


@pytest.mark.installed_agent
def test_opt_out_names_the_package_that_shipped_the_file(tmp_path):
    verdict = optout.evaluate(_installed_root(tmp_path, True), "/etc/netdata", "v1.37.1")
    label = "opt-out file (opted out by the distribution's package: netdata-core ships this file)"
    assert verdict.components["daemon"].suppressed_by == (label,)
    assert verdict.components["script"].suppressed_by == (label,)
    assert not verdict.backend_sends


@pytest.mark.installed_agent
def test_a_private_config_dir_does_not_stop_the_packaged_script(tmp_path):
    verdict = optout.evaluate(_installed_root(tmp_path, True), "/srv/private", "v1.37.1")
    assert verdict.components["daemon"].sends
    assert not verdict.components["script"].sends
    assert any("built in, whatever -c" in d for d in verdict.disagreements)
    verdict = optout.evaluate(_installed_root(tmp_path / "b", False), "/srv/private", "v1.37.1")
    assert verdict.components["script"].sends and verdict.backend_sends


def test_from_v2_6_the_statistics_script_no_longer_runs(tmp_path):
    system = System(root=str(tmp_path), env={})
    for version, runs in (("v2.5.4", True), ("v2.6.0", False), ("v2.11.0", False)):
        verdict = optout.evaluate(system, "/etc/netdata", version)
        assert verdict.components["script"].sends is runs
        assert verdict.backend_sends is runs
    assert optout.evaluate(system, "/etc/netdata", "v2.6.0").components["script"].suppressed_by == \
        ("not run since v2.6.0",)


def test_v1_33_script_ignores_disable_telemetry(tmp_path):
    system = System(root=str(tmp_path), env={"DISABLE_TELEMETRY": "1"})
    assert optout.evaluate(system, "/etc/netdata", "v1.33.1").components["script"].sends
    assert not optout.evaluate(system, "/etc/netdata", "v1.34.0").components["script"].sends


def _sysroot(tmp_path, install_type=None, container=False):
    cfg = tmp_path / "root" / "etc" / "netdata"
    cfg.mkdir(parents=True)
    (cfg / "netdata.conf").touch()
    if install_type:
        (cfg / ".install-type").write_text(f"INSTALL_TYPE='{install_type}'\n")
    if container:
        (tmp_path / "root" / ".dockerenv").touch()
    if container == "netdata-image":
        (tmp_path / "root/usr/sbin").mkdir(parents=True)
        (tmp_path / "root/usr/sbin/run.sh").write_text("#!/bin/sh\n")  # the image's entrypoint
    return str(tmp_path / "root")


@pytest.mark.parametrize("install_type, container, kickstart, docker", [
    (None, False, False, False), ("kickstart-static", False, True, False), ("binpkg-deb", True, True, False),
    ("binpkg-deb", "netdata-image", True, True), ("custom", "netdata-image", False, True), ("oci", True, False, True),
])
def test_components_that_cannot_send_from_here_read_not_applicable(tmp_path, capsys, install_type, container,
                                                                    kickstart, docker):
    root = _sysroot(tmp_path, install_type, container)
    assert main(["opt-out", "--root", root, "--json"]) == 0
    comps = json.loads(capsys.readouterr().out)["components"]
    assert comps["kickstart"].get("applies", True) is kickstart and comps["docker"].get("applies", True) is docker
    assert main(["opt-out", "--root", root]) == 0
    out = capsys.readouterr().out
    assert out.count("not applicable here") == (not kickstart) + (not docker)


# ---------------------------------------------------------------- the daemon's own tests of the opt-out and script

def test_an_opt_out_path_that_is_a_directory_opts_the_daemon_out(tmp_path, capsys):
    """analytics_check_enabled() tests the path with access(R_OK), which a directory passes
    (v2.5.0:src/daemon/analytics.c:872-874); the script's `[ -f ]` does not (anonymous-statistics.sh.in:21).
    A state a real machine can be in: a verdict and exit 0, never 2."""
    (tmp_path / "etc/netdata" / optout.OPT_OUT_FILE).mkdir(parents=True)
    assert main(["opt-out", "--root", str(tmp_path), "--netdata-version", "v2.5.4", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    daemon = doc["components"]["daemon"]
    assert not daemon["sends"] and "a directory" in daemon["suppressed_by"][0]
    assert doc["components"]["script"]["sends"]  # `[ -f ]` is false for a directory
    assert not doc["channels"]["agent-events"]["sends"]


@pytest.mark.installed_agent  # the install's paths, inside --root
@pytest.mark.parametrize("script_there", [True, False])
def test_the_daemon_runs_the_statistics_script_only_from_its_plugins_dir(tmp_path, script_there):
    """v1.43.2:daemon/analytics.c:954-960 and v2.5.0:src/daemon/analytics.c:861-864, :886-888: no readable
    <plugins dir>/anonymous-statistics.sh, no backend event."""
    (tmp_path / "usr/sbin").mkdir(parents=True)
    (tmp_path / "usr/sbin/netdata").write_text("")
    (tmp_path / "etc/netdata").mkdir(parents=True)
    plugins = tmp_path / "usr/libexec/netdata/plugins.d"
    plugins.mkdir(parents=True)
    if script_there:
        (plugins / "anonymous-statistics.sh").write_text(STAND_IN_SCRIPT)
    for version in ("v1.43.2", "v2.5.4"):
        v = optout.evaluate(System(root=str(tmp_path), env={}), "/etc/netdata", version)
        assert v.channels["backend"].sends is script_there
        if not script_there:
            assert v.channels["backend"].by[0].startswith("no statistics script in the plugins dir")


@pytest.mark.installed_agent
def test_netdata_conf_names_the_plugins_dir(tmp_path):
    (tmp_path / "usr/sbin").mkdir(parents=True)
    (tmp_path / "usr/sbin/netdata").write_text("")
    (tmp_path / "etc/netdata").mkdir(parents=True)
    (tmp_path / "etc/netdata/netdata.conf").write_text("[directories]\n    plugins = /srv/p \"/usr/libexec\"\n")
    (tmp_path / "usr/libexec/netdata/plugins.d").mkdir(parents=True)
    (tmp_path / "usr/libexec/netdata/plugins.d/anonymous-statistics.sh").write_text(STAND_IN_SCRIPT)
    v = optout.evaluate(System(root=str(tmp_path), env={}), "/etc/netdata", "v2.5.4")
    assert not v.channels["backend"].sends  # the primary plugins dir is /srv/p
    (tmp_path / "srv/p").mkdir(parents=True)
    (tmp_path / "srv/p/anonymous-statistics.sh").write_text(STAND_IN_SCRIPT)
    assert optout.evaluate(System(root=str(tmp_path), env={}), "/etc/netdata", "v2.5.4").channels["backend"].sends


@pytest.mark.parametrize("name", ["netdata.conf", ".install-type", ".environment"])
def test_a_directory_where_a_config_file_goes_reads_as_absent(tmp_path, capsys, name):
    """Never exit 2 on a state a real machine can be in: the daemon's own reading fails and it uses its defaults."""
    (tmp_path / "etc/netdata" / name).mkdir(parents=True)
    assert main(["opt-out", "--root", str(tmp_path), "--netdata-version", "v2.11.0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["channels"]["agent-events"]["sends"] is True
