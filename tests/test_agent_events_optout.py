"""Where the agent-events state lives (locate.py) and what `opt-out` makes of it, on hand-made sysroots."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from audit.core import optout
from audit.channels.agent_events import locate
from audit.faces.cli import main
from audit.plumbing.system import System

CAPTURES = Path(__file__).parent / "data" / "agent-events-v2.11.0"  # the real captures, committed
CLAIM = "6b5a4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"


def status_doc(claim_id=None, node_id=None, restarts=1, sentry=False) -> str:
    """A saved status shaped like the daemon's (the members the gate reads, pretty-printed)."""
    agent = {"id": "33defcf5-b5f4-4e0c-b7cc-21518c866bc6", "node_id": node_id, "claim_id": claim_id,
             "restarts": restarts, "status": "running", "sentry_available": sentry}
    return json.dumps({"@timestamp": "2026-11-25T20:08:10.04Z", "version": 29, "agent": agent}, indent=4) + "\n"


def put(root: Path, path: str, text: str, mtime: int | None = None, mode: int = 0o664) -> Path:
    f = root / path.lstrip("/")
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text)
    f.chmod(mode)
    if mtime is not None:
        os.utime(f, (mtime, mtime))
    return f


@pytest.fixture
def claimed(tmp_path) -> Path:
    """A claimed agent (claim_id in its saved status) whose admin created the opt-out file."""
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc(claim_id=CLAIM))
    put(tmp_path, "/etc/netdata/.opt-out-from-anonymous-statistics", "")
    put(tmp_path, "/etc/netdata/netdata.conf", "[global]\n    run as user = netdata\n")
    return tmp_path


def opt_out_json(capsys, root: Path, *more) -> dict:
    assert main(["opt-out", "--json", "--root", str(root), *more]) == 0
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------- the done-when

def test_claimed_agent_with_opt_out_file_still_sends_until_crash_reports_off(claimed, capsys):
    doc = opt_out_json(capsys, claimed)
    events = doc["channels"]["agent-events"]
    assert events["sends"] is True
    assert events["by"] == ["crash reports unset: default all", f"claim_id {CLAIM} in the saved status"]
    assert doc["channels"]["backend"]["sends"] is False
    assert any("Opted out, but this agent is claimed" in d and "crash reports = off" in d
               for d in doc["disagreements"])

    put(claimed, "/etc/netdata/netdata.conf", "[global]\n    run as user = netdata\n    crash reports = off\n")
    events = opt_out_json(capsys, claimed)["channels"]["agent-events"]
    assert events["sends"] is False and events["by"] == ["crash reports = off"]


def test_apply_then_revert_through_the_cli(claimed, capsys):
    conf = claimed / "etc/netdata/netdata.conf"
    before = conf.read_bytes()
    assert main(["opt-out", "--apply", "--dry-run", "--root", str(claimed)]) == 0
    out = capsys.readouterr().out
    assert "+    crash reports = off" in out and conf.read_bytes() == before  # dry run: a diff, no change
    doc = opt_out_json(capsys, claimed, "--apply")
    assert doc["channels"]["agent-events"]["sends"] is False
    assert doc["mechanisms"]["crash_reports"]["value"] == "off"
    assert main(["opt-out", "--revert", "--root", str(claimed)]) == 0
    capsys.readouterr()
    assert conf.read_bytes() == before
    # the revert also removed the opt-out file: still claimed, so it sends
    assert opt_out_json(capsys, claimed)["channels"]["agent-events"]["sends"] is True


def test_apply_creates_netdata_conf_and_revert_removes_it(tmp_path, capsys):
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc(node_id=CLAIM))
    (tmp_path / "etc/netdata").mkdir(parents=True)
    assert opt_out_json(capsys, tmp_path, "--apply")["channels"]["agent-events"]["sends"] is False
    assert (tmp_path / "etc/netdata/netdata.conf").exists()
    assert main(["opt-out", "--revert", "--root", str(tmp_path)]) == 0
    assert not (tmp_path / "etc/netdata/netdata.conf").exists()


def test_human_output_shows_the_agent_events_row(claimed, capsys):
    assert main(["opt-out", "--root", str(claimed), "--netdata-version", "v2.11.0"]) == 0
    out = capsys.readouterr().out
    assert "  agent-events  sends: would send at next start" in out
    assert f"claim_id {CLAIM} in the saved status" in out
    assert "world-readable (mode 0664)" in out
    assert "only telemetry the daemon sends" in out


def test_unclaimed_opted_out_agent_does_not_send(tmp_path, capsys):
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc())
    put(tmp_path, "/etc/netdata/.opt-out-from-anonymous-statistics", "")
    doc = opt_out_json(capsys, tmp_path)
    assert doc["channels"]["agent-events"]["sends"] is False
    assert doc["channels"]["agent-events"]["by"] == ["crash reports unset: default off", "opt-out file",
                                                     "never claimed"]
    assert not any("claimed" in d for d in doc["disagreements"])


def test_old_versions_have_no_agent_events(claimed, capsys):
    events = opt_out_json(capsys, claimed, "--netdata-version", "v2.2.6")["channels"]["agent-events"]
    assert events["active"] is False and events["sends"] is False
    # v2.3.0 builds the status file and posts at startup (v2.3.0:src/daemon/daemon-status-file.c:954-987, main.c:830)
    v23 = opt_out_json(capsys, claimed, "--netdata-version", "v2.3.0")["channels"]["agent-events"]
    assert v23["active"] is True and v23["sends"] is True


def test_a_real_unclaimed_status_file_reads_as_unclaimed(tmp_path):
    real = (CAPTURES / "status-before-killed-hard.json").read_text()
    put(tmp_path, "/var/lib/netdata/status-netdata.json", real)
    state = locate.collect(System(root=str(tmp_path)), "/etc/netdata")
    assert state.saved.loaded and state.saved.previous and state.saved.claimed_by == []
    assert state.saved.restarts == 1 and state.saved.sentry_available is False


# ---------------------------------------------------------------- locate: the daemon's search

def test_newest_copy_wins_and_a_tmp_copy_is_reported(tmp_path):
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc(), mtime=1_000_000)
    put(tmp_path, "/tmp/status-netdata.json", status_doc(claim_id=CLAIM), mtime=2_000_000)
    state = locate.collect(System(root=str(tmp_path)), "/etc/netdata")
    assert state.status.chosen.where == "/tmp" and state.status.fallback
    assert state.saved.claim_id == CLAIM  # the gate reads the copy the daemon loads
    notes = " ".join(state.status.notes())
    assert "a fallback the daemon writes to" in notes and "in /tmp anyone on this machine can read it" in notes
    assert "older copy" in notes


def test_on_a_tie_the_lib_dir_wins_and_mode_is_reported(tmp_path):
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc(), mtime=1_000_000, mode=0o600)
    put(tmp_path, "/var/cache/netdata/status-netdata.json", status_doc(), mtime=1_000_000)
    loc = locate.collect(System(root=str(tmp_path)), "/etc/netdata").status
    assert loc.chosen.where == "lib dir" and not loc.chosen.world_readable
    assert not any("world-readable" in n for n in loc.notes())


def test_directories_from_netdata_conf_and_lib_dir_option(tmp_path):
    put(tmp_path, "/etc/netdata/netdata.conf", "[directories]\n    lib = /srv/nd/lib/\n    cache = /srv/nd/cache\n")
    put(tmp_path, "/srv/nd/cache/status-netdata.json", status_doc())
    system = System(root=str(tmp_path))
    state = locate.collect(system, "/etc/netdata")
    assert state.dirs.lib == "/srv/nd/lib" and state.dirs.cloud == "/srv/nd/lib/cloud.d"
    assert state.status.chosen.where == "cache dir"
    put(tmp_path, "/other/status-netdata.json", status_doc(), mtime=1)
    assert locate.collect(system, "/etc/netdata", lib_dir="/other").status.chosen.path == \
        "/srv/nd/cache/status-netdata.json"  # newer still wins over the lib dir
    assert locate.collect(system, "/etc/netdata", lib_dir="/other").dirs.lib_from == "--lib-dir"


def test_a_symlink_out_of_the_root_is_refused(tmp_path):
    root = tmp_path / "root"
    (root / "var/lib/netdata").mkdir(parents=True)
    outside = put(tmp_path, "/secret.json", status_doc(claim_id=CLAIM))
    (root / "var/lib/netdata/status-netdata.json").symlink_to("../../../../secret.json")
    state = locate.collect(System(root=str(root)), "/etc/netdata")
    assert state.status.chosen is None and not state.saved.loaded
    assert any("outside --root" in n for n in state.status.refused)
    assert outside.exists()


def test_unloadable_status_files_mean_no_previous_status():
    assert not locate.saved_state(b"{truncated").loaded
    assert not locate.saved_state(b"[]").loaded
    huge = locate.saved_state(b" " * (locate.MAX_STATUS_BYTES + 1))
    assert not huge.loaded and "65536" in huge.problem
    zero = locate.saved_state(status_doc(claim_id="00000000-0000-0000-0000-000000000000").encode())
    assert zero.loaded and zero.claimed_by == []


# ---------------------------------------------------------------- claim files, netdata.conf, Sentry

@pytest.mark.parametrize("path,text,claimed", [
    ("/var/lib/netdata/cloud.d/cloud.conf", f"[global]\n    claimed_id = {CLAIM}\n", True),
    ("/var/lib/netdata/cloud.d/claimed_id", CLAIM.replace("-", ""), True),
    ("/var/lib/netdata/cloud.d/claimed_id", "not-a-uuid", False),
    ("/var/lib/netdata/cloud.d/cloud.conf", "[global]\n    claimed_id = 00000000000000000000000000000000\n", False),
])
def test_claim_files(tmp_path, capsys, path, text, claimed):
    put(tmp_path, path, text)
    put(tmp_path, "/etc/netdata/.opt-out-from-anonymous-statistics", "")
    doc = opt_out_json(capsys, tmp_path)
    assert bool(doc["mechanisms"]["claim"]["files"]) is claimed
    # A claim file alone does not count at the next start: the check reads the claim_id/node_id saved in the
    # previous status (v2.11.0:src/daemon/main.c:1054, src/daemon/status-file.c:1287-1289); the claim files are
    # loaded later in main (main.c:1278). So opted out + a claim file only: not sent, and said so.
    assert doc["channels"]["agent-events"]["sends"] is False
    if claimed:
        assert "it counts from the start after" in doc["channels"]["agent-events"]["evidence"]


def test_claim_saved_in_the_previous_status_counts(tmp_path, capsys):
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc(claim_id=CLAIM))
    put(tmp_path, "/etc/netdata/.opt-out-from-anonymous-statistics", "")
    doc = opt_out_json(capsys, tmp_path)
    assert doc["channels"]["agent-events"]["sends"] is True
    assert f"claim_id {CLAIM} in the saved status" in doc["channels"]["agent-events"]["by"]


def test_read_ini_follows_inicfg():
    conf = locate.read_ini("[global]\n crash reports = all\n;x = 1\n  # crash reports = off\n[ global ]\n"
                           "a = 1\n[global]\ncrash reports = crashes\n")
    assert conf["global"] == {"crash reports": "crashes", ";x": "1"}  # later wins; `;` is not a comment
    assert conf[" global "] == {"a": "1"}


def test_sentry_row_and_pending_reports(tmp_path, capsys):
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc(sentry=True))
    put(tmp_path, "/var/cache/netdata/.sentry-native/0a1b.run/5e6f.envelope", "{}")
    put(tmp_path, "/var/cache/netdata/.sentry-native/0a1b.run/session.json", "{}")
    doc = opt_out_json(capsys, tmp_path)
    sentry = doc["components"]["sentry"]
    assert sentry["sends"] is True and "minidump" in sentry["rule"]
    assert doc["mechanisms"]["sentry"]["pending"] == [
        f"{tmp_path}/var/cache/netdata/.sentry-native/0a1b.run/5e6f.envelope"]
    put(tmp_path, "/etc/netdata/.opt-out-from-anonymous-statistics", "")
    assert opt_out_json(capsys, tmp_path)["components"]["sentry"]["suppressed_by"] == ["opt-out file"]


def test_sentry_without_a_sentry_build(tmp_path, capsys):
    put(tmp_path, "/var/lib/netdata/status-netdata.json", status_doc(sentry=False))
    assert opt_out_json(capsys, tmp_path)["components"]["sentry"]["suppressed_by"] == ["built without Sentry"]


# ---------------------------------------------------------------- the netdata.conf edit

LINE = st.sampled_from(["[global]", "[web]", "[ global ]", "    crash reports = all", "crash reports = crashes",
                        "\tcrash reports =", "  # crash reports = off", "run as user = netdata", "", ";x",
                        "crash reports = off", "crash reports = no"])


@given(st.lists(LINE, max_size=8), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_crash_reports_off_then_restore_is_exact(lines, eol, final):
    text = eol.join(lines) + (eol if final and lines else "")
    new, _ = optout.crash_reports_off(text)
    assert locate.read_ini(new).get("global", {}).get("crash reports") not in (None, "", "all", "crashes")
    again, _ = optout.crash_reports_off(new)
    assert again == new  # applying twice changes nothing more
    restored, _ = optout.crash_reports_restore(new)
    assert restored == text


def test_apply_keeps_the_mode_and_revert_leaves_later_edits(tmp_path):
    conf = put(tmp_path, "/netdata.conf", "[global]\n  crash reports = all\n[web]\n", mode=0o640)
    assert "would replace" in optout.apply_crash_reports(str(conf), dry_run=True)
    assert "done" in optout.apply_crash_reports(str(conf))
    assert conf.stat().st_mode & 0o777 == 0o640
    conf.write_text(conf.read_text() + "    bind to = *\n")
    optout.revert_crash_reports(str(conf))
    assert conf.read_text() == "[global]\n  crash reports = all\n[web]\n    bind to = *\n"


def test_lib_dir_reaches_the_facts_request():
    from audit.faces.cli import build_parser
    from audit.faces.commands.eventargs import facts_request

    args = build_parser().parse_args(["payload", "ANALYTICS_START", "--lib-dir", "/srv/nd/lib"])
    assert facts_request(args).lib_dir == "/srv/nd/lib"
    assert facts_request(build_parser().parse_args(["payload", "ANALYTICS_START"])).lib_dir is None


def test_apply_under_a_root_without_the_config_dir_writes_nothing_outside(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["opt-out", "--apply", "--root", str(tmp_path / "empty"), "--config-dir", "/etc/netdata"]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert list((tmp_path / "empty").iterdir()) == []


def test_verdict_for_a_cause(claimed):
    system = System(root=str(claimed))
    v = optout.agent_events_verdict(system, "/etc/netdata", "v2.11.0", cause="killed hard", crash=True, priority=4)
    assert v.sends and v.summary == "would send at next start: killed hard, priority 4"
    put(claimed, "/etc/netdata/netdata.conf", "[global]\n    crash reports = crashes\n")
    normal = optout.agent_events_verdict(system, "/etc/netdata", "v2.11.0", cause="exit instructed", crash=False)
    assert normal.summary == "not sent: crash reports = crashes ('exit instructed' is not a crash)"


def test_one_file_seen_through_two_fallback_dirs_is_one_copy(tmp_path):
    put(tmp_path, "/run/status-netdata.json", status_doc())
    (tmp_path / "var").mkdir()
    (tmp_path / "var/run").symlink_to("/run")  # absolute: stays inside the root
    loc = locate.collect(System(root=str(tmp_path)), "/etc/netdata").status
    assert [c.where for c in loc.copies] == ["/run"] and loc.fallback
    assert loc.notes() and not any("older copy" in n for n in loc.notes())


# Debian 12's netdata-core 1.37.1 ships /etc/netdata/netdata.conf tab-indented, as a dpkg conffile
# (/var/lib/dpkg/info/netdata-core.conffiles lists it).
DEBIAN_CONF = "# NetData Configuration\n\n[global]\n\trun as user = netdata\n\tweb files owner = root\n"


@pytest.mark.parametrize("text, added", [
    (DEBIAN_CONF, "[global]\n\t# telemetry-audit opt-out --apply added the next line; --revert removes it\n"
                  "\tcrash reports = off\n\trun as user = netdata\n"),
    ("[web]\n\tbind to = *\n", "[global]\n\t# telemetry-audit opt-out --apply added the next line; --revert "
                               "removes it\n\tcrash reports = off\n"),
    ("[global]\n  run as user = netdata\n", "[global]\n  # telemetry-audit"),
    ("[global]\nrun as user = netdata\n", "[global]\n    # telemetry-audit"),
])
def test_the_added_line_follows_the_files_indentation(text, added):
    new, _ = optout.crash_reports_off(text)
    assert added in new
    assert optout.crash_reports_restore(new)[0] == text


def test_apply_dry_run_says_dpkg_will_ask_about_a_packaged_netdata_conf(claimed, capsys, monkeypatch):
    monkeypatch.setattr("audit.facts.installed.DPKG_INFO", "/var/lib/dpkg/info")  # inside --root only
    put(claimed, "/etc/netdata/netdata.conf", DEBIAN_CONF)
    put(claimed, "/var/lib/dpkg/info/netdata-core.list", "/etc/netdata\n/etc/netdata/netdata.conf\n")
    put(claimed, "/var/lib/dpkg/info/netdata-core.conffiles", "/etc/init.d/netdata\n/etc/netdata/netdata.conf\n")
    assert main(["opt-out", "--apply", "--dry-run", "--root", str(claimed)]) == 0
    out = capsys.readouterr().out
    assert "+\tcrash reports = off" in out
    assert "netdata.conf is a conffile of netdata-core" in out and "dpkg asks whether to keep the local change" in out
    (claimed / "var/lib/dpkg/info/netdata-core.conffiles").write_text("/etc/init.d/netdata\n")
    assert main(["opt-out", "--apply", "--dry-run", "--root", str(claimed)]) == 0
    assert "conffile" not in capsys.readouterr().out
