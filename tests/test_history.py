"""`history`: what a real v2.11.0 daemon already sent, rebuilt from its log, journald and dedup table.

The fixture (tests/data/history-v2.11.0, see its README) is a real daemon's log of six starts: four posted, two
skipped by dedup (src/daemon/status-file.c:1553-1566 and status-file-dedup.c:160-179 at v2.11.0).
"""

import gzip
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from audit.channels.agent_events import dedup, logged
from audit.faces.cli import main
from audit.core import history_sources
from audit.core.history import table_problem

DATA = Path(__file__).parent / "data" / "history-v2.11.0"
LOG = "srv/nd/log/daemon.log"
DEDUP = "srv/nd/lib/dedup-netdata.dat"
POSTS = {"2026-12-04T01:23:18.507Z": "post-2-deadly-signal-segv.json",
         "2026-12-04T01:23:27.855Z": "post-4-killed-fatal-abrt.json",
         "2026-12-04T01:23:32.142Z": "post-5-killed-hard.json"}
CAUSES_NEWEST_FIRST = ["killed hard", "killed hard", "killed fatal", "deadly signal", "deadly signal",
                       "no last status"]


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    shutil.copytree(DATA / "root", r)
    return r


def history(capsys, *argv):
    code = main(["history", "--config-dir", "/srv/nd/etc", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(capsys, *argv):
    code, out, err = history(capsys, "--json", *argv)
    assert code == 0, err
    return json.loads(out), err


def agent_rows(doc):
    return [r for r in doc["rows"] if r["channel"] == "agent-events" and "dedup-netdata" not in r["source"]]


def test_six_real_starts_four_posts_byte_identical_two_dedup(capsys, root):
    doc, _ = rows(capsys, "--root", str(root))
    starts = agent_rows(doc)
    assert [r["what"] for r in starts] == CAUSES_NEWEST_FIRST
    assert [r["outcome"].split(" (")[0] for r in starts] == [
        "not posted: dedup", "posted", "posted", "not posted: dedup", "posted", "posted"]
    assert [r["sent"] for r in starts] == [False, True, True, False, True, True]
    for r in starts:
        if r["time"] in POSTS:
            assert r["body"].encode() == (DATA / "posts" / POSTS[r["time"]]).read_bytes()  # the pid too: tid = pid
    # the dedup table's four slots are the four posts, matched by the hash the daemon computed
    posted = [r for r in starts if r["outcome"] == "posted"]
    assert [n for r in posted for n in r["notes"] if n.startswith("in the dedup table")] == [
        "in the dedup table: hash 0x7d6970be0ed98e27, recorded 2026-12-04T01:23:32.144Z",
        "in the dedup table: hash 0x8c21f9ce34219eb2, recorded 2026-12-04T01:23:27.858Z",
        "in the dedup table: hash 0x954890b0c7583603, recorded 2026-12-04T01:23:18.511Z",
        "in the dedup table: hash 0xf54d7e9f7433aae1, recorded 2026-12-04T01:23:13.827Z"]
    assert len(doc["rows"]) == 6  # no slot is left over, nothing else found


def test_no_last_status_body_is_said_to_be_missing_not_invented(capsys, root):
    doc, _ = rows(capsys, "--root", str(root))
    first = agent_rows(doc)[-1]
    assert first["body"] is None
    assert "it logs only the empty previous status, so the body is not in the log" in first["notes"][0]


def test_the_skipped_starts_name_the_post_they_repeat(capsys, root):
    doc, _ = rows(capsys, "--root", str(root))
    skipped = [r for r in agent_rows(doc) if r["outcome"].startswith("not posted")]
    assert [r["outcome"] for r in skipped] == [
        "not posted: dedup (the same report was posted at 2026-12-04T01:23:32.142Z, within 23 h)",
        "not posted: dedup (the same report was posted at 2026-12-04T01:23:18.507Z, within 23 h)"]
    assert all("the body it would have posted (nothing was sent)" in r["notes"] for r in skipped)


def test_dedup_file_decodes_and_the_hash_of_each_logged_report_matches_its_slot():
    table = dedup.read_table((DATA / "root" / DEDUP).read_bytes())
    assert [(s.sentry, s.timestamp_us) for s in table][:2] == [(False, 1796347393827311), (False, 1796347398511082)]
    starts = logged.starts_from_logfmt(enumerate((DATA / "root" / LOG).read_bytes().split(b"\n"), 1), "log")
    hashes = [logged.rebuild(s).hash for s in starts]
    assert hashes[1:] == [0x954890b0c7583603, 0x954890b0c7583603, 0x8c21f9ce34219eb2, 0x7d6970be0ed98e27,
                          0x7d6970be0ed98e27]


def test_a_dedup_file_of_the_wrong_size_is_one_note_and_the_log_still_tells_dedup(capsys, root):
    (root / DEDUP).write_bytes(b"\0" * 1000)
    doc, err = rows(capsys, "--root", str(root))
    assert f"note: {root}/{DEDUP}: 1000 bytes, not the 1224 of a v2.3.2+ dedup file: the daemon ignores it (it " \
           "starts with an empty table)" in err
    assert [r["outcome"].split(" (")[0] for r in agent_rows(doc)].count("not posted: dedup") == 2


def test_a_dedup_file_with_a_bad_checksum_is_named():
    data = bytearray((DATA / "root" / DEDUP).read_bytes())
    data[30] ^= 1
    assert dedup.read_table(bytes(data)) is None
    assert table_problem(bytes(data)) == "the checksum does not match the slots"
    data[0] ^= 1
    assert table_problem(bytes(data)) == "magic 0x1deda9f17eda7151, not 0x1deda9f17eda7150"


def test_text_view_lists_rows_newest_first_with_body_hashes(capsys, root):
    code, out, err = history(capsys, "--root", str(root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["TIME", "CHANNEL", "WHAT", "OUTCOME"]
    assert lines[1].startswith("2026-12-04T01:23:36.255Z  agent-events  killed hard     not posted: dedup")
    assert "journald is not read under --root" in err


def test_since_keeps_later_rows_only(capsys, root):
    doc, _ = rows(capsys, "--root", str(root), "--since", "2026-12-04T01:23:30Z")
    assert [r["what"] for r in doc["rows"]] == ["killed hard", "killed hard"]


def test_a_bad_since_is_a_one_line_usage_error(capsys, root):
    code, out, err = history(capsys, "--root", str(root), "--since", "last tuesday")
    assert (code, out) == (2, "")
    assert err == "telemetry-audit: error: --since 'last tuesday': expected a date such as 2026-12-01 or " \
                  "2026-12-01T10:00:00Z\n"


def test_rotated_logs_plain_and_gzipped_give_the_same_six_starts(capsys, root):
    log = (root / LOG).read_bytes().split(b"\n")
    (root / LOG).unlink()
    third = len(log) // 3
    (root / "srv/nd/log/daemon.log.2.gz").write_bytes(gzip.compress(b"\n".join(log[:third]) + b"\n"))
    (root / "srv/nd/log/daemon.log.1").write_bytes(b"\n".join(log[third:2 * third]) + b"\n")
    (root / LOG).write_bytes(b"\n".join(log[2 * third:]))
    doc, _ = rows(capsys, "--root", str(root))
    assert [r["what"] for r in agent_rows(doc)] == CAUSES_NEWEST_FIRST
    assert sum(r["outcome"] == "posted" for r in agent_rows(doc)) == 4


def test_a_log_cut_inside_the_last_status_says_so_and_keeps_the_start(capsys, root):
    data = (root / LOG).read_bytes()
    last = data.rfind(b"Last exit status")
    (root / LOG).write_bytes(data[:last + 2000])
    doc, err = rows(capsys, "--root", str(root))
    newest = agent_rows(doc)[0]
    assert newest["what"] == "killed hard" and newest["body"] is None
    assert newest["notes"][0].startswith("the logged status cannot be read (")
    assert "the last line is cut short (the log was truncated or is being written)" in err


def test_a_binary_log_is_skipped_with_one_note(capsys, root):
    (root / "srv/nd/log/error.log").write_bytes(b"\x7fELF\0\0\0" + os.urandom(4096))
    doc, err = rows(capsys, "--root", str(root))
    assert f"note: {root}/srv/nd/log/error.log: binary content, not a text log: skipped" in err
    assert len(agent_rows(doc)) == 6


def test_a_log_that_is_not_a_regular_file_is_one_note(capsys, root):
    os.mkfifo(root / "srv/nd/log/error.log")
    doc, err = rows(capsys, "--root", str(root))
    assert "error.log: cannot read (a FIFO; only regular files are read)" in err
    assert len(agent_rows(doc)) == 6


def test_an_over_long_line_is_skipped_and_the_rest_is_read(capsys, root, monkeypatch):
    monkeypatch.setattr(history_sources, "MAX_LINE", 64 * 1024)
    monkeypatch.setattr(history_sources, "CHUNK", 16 * 1024)
    data = (root / LOG).read_bytes()
    (root / LOG).write_bytes(b"x" * 200_000 + b"\n" + data)
    doc, err = rows(capsys, "--root", str(root))
    assert "a line longer than 0 MiB after line 1: skipped" not in err  # the size is named in whole MiB or KiB
    assert "daemon.log: a line longer than" in err
    assert [r["what"] for r in agent_rows(doc)] == CAUSES_NEWEST_FIRST


def test_a_log_larger_than_the_cap_is_read_from_its_end(capsys, root, monkeypatch):
    data = (root / LOG).read_bytes()
    monkeypatch.setattr(history_sources, "MAX_LOG_BYTES", len(data) // 2)
    doc, err = rows(capsys, "--root", str(root))
    assert "daemon.log: 0 MiB, only its last 0 MiB were read" not in err
    assert "only its last" in err
    got = agent_rows(doc)
    assert 0 < len(got) < 6 and got[0]["what"] == "killed hard"


def test_kickstart_install_row_flags_and_redacts_the_claim_token(capsys, root):
    etc = root / "srv/nd/etc"
    (etc / ".install-type").write_text("INSTALL_TYPE='kickstart-static'\nPREBUILT_ARCH='x86_64'\n")
    (etc / ".environment").write_text("REINSTALL_OPTIONS=\"--stable-channel --claim-token SECRETTOKEN123 "
                                      "--claim-rooms r1\"\n")
    code, out, err = history(capsys, "--root", str(root), "--json")
    assert code == 0 and "SECRETTOKEN123" not in out + err
    install = [r for r in json.loads(out)["rows"] if r["channel"] == "installer"]
    assert [r["what"] for r in install] == ["INSTALL_SUCCESS (kickstart-static)"]
    assert install[0]["notes"][0].startswith("a claim token is recorded in .environment (redacted here)")
    assert install[0]["outcome"].startswith("sent by kickstart unless DISABLE_TELEMETRY/DO_NOT_TRACK")


def test_kickstart_with_disable_telemetry_did_not_post(capsys, root):
    etc = root / "srv/nd/etc"
    (etc / ".install-type").write_text("INSTALL_TYPE='kickstart-build'\n")
    (etc / ".environment").write_text("REINSTALL_OPTIONS='--disable-telemetry'\n")
    doc, _ = rows(capsys, "--root", str(root))
    assert [r["outcome"] for r in doc["rows"] if r["channel"] == "installer"] == [
        "not posted: --disable-telemetry is recorded"]


# --- the statistics-script era -------------------------------------------------------------------------------------

V137_LOG = (b"2023-02-01 10:00:01: netdata INFO  : MAIN : /usr/libexec/netdata/plugins.d/anonymous-statistics.sh "
            b"'META_START' '-' '-'\n"
            b"2023-02-01 12:00:01: netdata INFO  : ANALYTICS : /usr/libexec/netdata/plugins.d/anonymous-statistics.sh"
            b" 'META' '-' '-'\n"
            b"2023-02-01 12:00:02: netdata ERROR : ANALYTICS : Execution of anonymous statistics script returned "
            b"http code 500. (errno 22, Invalid argument)\n")


def test_v1_37_plain_error_log_runs_are_rows_with_what_the_log_cannot_give(capsys, tmp_path):
    r = tmp_path / "root"
    (r / "var/log/netdata").mkdir(parents=True)
    (r / "var/log/netdata/error.log").write_bytes(V137_LOG)
    code, out, err = history(capsys, "--root", str(r), "--config-dir", "/etc/netdata", "--json")
    doc = json.loads(out)
    assert [(x["time"], x["channel"], x["what"], x["outcome"]) for x in doc["rows"]] == [
        ("2023-02-01 12:00:01", "backend", "META", "failed: HTTP 500"),
        ("2023-02-01 10:00:01", "backend", "META_START", "ran (the log does not say whether it was delivered)")]
    assert all(x["body"] is None for x in doc["rows"])
    assert "no agent-events start records were found" in err


def test_v2_5_keeps_no_record_of_a_successful_script_run_and_says_so(capsys, tmp_path):
    r = tmp_path / "root"
    (r / "var/log/netdata").mkdir(parents=True)
    (r / "var/log/netdata/daemon.log").write_bytes(
        b'time=2025-05-01T10:00:00.000Z comm=netdata source=daemon level=notice tid=1 '
        b'msg="Statistics script returned error: 7"\n')
    code, out, err = history(capsys, "--root", str(r), "--config-dir", "/etc/netdata", "--netdata-version", "v2.5.4",
                             "--json")
    assert [(x["what"], x["outcome"]) for x in json.loads(out)["rows"]] == [
        ("(a statistics-script run)", "failed: the script exited with 7")]
    assert "Netdata v2.5.4 runs anonymous-statistics.sh (at start, every 2 h, at exit and on fatal errors) but logs " \
           "a run only at debug level: a successful send leaves no record" in err


# --- journald ------------------------------------------------------------------------------------------------------

def journal_export(log: bytes, non_utf8: bool = False) -> bytes:
    """The real log's records in the shape `journalctl -o json` prints them (one JSON object a line)."""
    out = []
    for n, line in enumerate(log.split(b"\n"), 1):
        f = logged.logfmt(line)
        if f.get("msg_id") != logged.MESSAGE_ID_BYTES:
            continue
        message = f["msg"]
        entry = {"__CURSOR": f"s=abc;i={n}", "__REALTIME_TIMESTAMP": str(logged.parse_time(f["time"].decode())),
                 "_PID": f["tid"].decode(), "TID": f["tid"].decode(), "SYSLOG_IDENTIFIER": "netdata",
                 "MESSAGE_ID": logged.MESSAGE_ID,
                 "MESSAGE": list(message) if non_utf8 else message.decode()}
        out.append(json.dumps(entry).encode())
    return b"\n".join(out) + b"\n"


def fake_journalctl(tmp_path, monkeypatch, script: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "journalctl"
    exe.write_text("#!/bin/sh\n" + script)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return bin_dir


def test_journald_records_from_journalctl_give_the_same_posts(capsys, tmp_path, monkeypatch):
    export = tmp_path / "export.json"
    export.write_bytes(journal_export((DATA / "root" / LOG).read_bytes()))
    fake_journalctl(tmp_path, monkeypatch, f'echo "$@" > {tmp_path}/args\nexec cat {export}\n')
    empty = tmp_path / "etc"
    empty.mkdir()
    doc, err = rows(capsys, "--config-dir", str(empty), "--log-dir", str(tmp_path / "nolog"),
                    "--lib-dir", str(tmp_path), "--netdata-version", "v2.11.0")
    assert (tmp_path / "args").read_text() == f"--no-pager -q -o json MESSAGE_ID={logged.MESSAGE_ID}\n"
    got = [r for r in doc["rows"] if r["channel"] == "agent-events"]
    assert [r["what"] for r in got] == CAUSES_NEWEST_FIRST
    assert all(r["source"].startswith("journald entry") for r in got)
    for r in got:
        if r["time"] in POSTS:
            assert r["body"].encode() == (DATA / "posts" / POSTS[r["time"]]).read_bytes()  # _PID is the pid


def test_journald_messages_as_byte_arrays_are_read(capsys, tmp_path, root):
    export = tmp_path / "export.json"
    export.write_bytes(journal_export((root / LOG).read_bytes(), non_utf8=True))
    (root / LOG).unlink()
    doc, _ = rows(capsys, "--root", str(root), "--journal-json", str(export))
    assert [r["what"] for r in agent_rows_any(doc)] == CAUSES_NEWEST_FIRST


def agent_rows_any(doc):
    return agent_rows(doc)


def test_the_same_start_in_journald_and_the_log_counts_once(capsys, tmp_path, root):
    export = tmp_path / "export.json"
    export.write_bytes(journal_export((root / LOG).read_bytes()))
    doc, _ = rows(capsys, "--root", str(root), "--journal-json", str(export))
    assert len(agent_rows_any(doc)) == 6


def test_a_failing_journalctl_is_one_note(capsys, tmp_path, monkeypatch):
    fake_journalctl(tmp_path, monkeypatch, 'echo "No journal files were found." >&2\nexit 1\n')
    code, out, err = history(capsys, "--log-dir", str(tmp_path / "nolog"), "--lib-dir", str(tmp_path),
                             "--config-dir", str(tmp_path), "--netdata-version", "v2.11.0")
    assert code == 0
    assert "note: journalctl failed (No journal files were found.): journald was not read" in err


def test_a_journalctl_that_hangs_is_stopped_at_the_timeout(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(history_sources, "JOURNALCTL_TIMEOUT", 0.5)
    fake_journalctl(tmp_path, monkeypatch, "exec sleep 60\n")
    code, out, err = history(capsys, "--log-dir", str(tmp_path / "nolog"), "--lib-dir", str(tmp_path),
                             "--config-dir", str(tmp_path), "--netdata-version", "v2.11.0")
    assert code == 0 and "journalctl did not finish within 0 s: journald was not read" not in err
    assert "journalctl did not finish within" in err


def test_damaged_journald_lines_are_counted_not_fatal(capsys, tmp_path, root):
    export = tmp_path / "export.json"
    export.write_bytes(b"not json\n[1,2]\n" + journal_export((root / LOG).read_bytes()))
    (root / LOG).unlink()
    doc, err = rows(capsys, "--root", str(root), "--journal-json", str(export))
    assert "2 lines that are not journald JSON entries were skipped" in err
    assert len(agent_rows_any(doc)) == 6


def test_a_post_whose_log_lines_are_gone_is_known_from_the_dedup_table(capsys, root):
    lines = (root / LOG).read_bytes().split(b"\n")
    (root / LOG).write_bytes(b"\n".join(x for x in lines if not (b"tid=1377 " in x and logged.MESSAGE_ID_BYTES in x)))
    doc, _ = rows(capsys, "--root", str(root))
    assert [(r["what"], r["outcome"]) for r in doc["rows"][:2]] == [
        ("killed hard", "not posted: dedup (the dedup table holds this report, posted at 2026-12-04T01:23:32.144Z)"),
        ("a report (hash 0x7d6970be0ed98e27)", "posted")]
    assert doc["rows"][1]["notes"] == [
        "only the dedup table remembers it (the log lines are gone): what was posted is not known"]


def test_a_v1_37_agent_with_no_logs_is_said_to_keep_no_record_not_shown_as_nothing(capsys, tmp_path):
    r = tmp_path / "root"
    (r / "var/log/netdata").mkdir(parents=True)
    code, out, err = history(capsys, "--root", str(r), "--config-dir", "/etc/netdata", "--netdata-version", "v1.37.1")
    assert (code, out) == (0, "no events found in the records read (see the notes for what was read and where no "
                              "record is kept)\n")
    assert err.splitlines()[1:] == [
        "telemetry-audit: note: journald is not read under --root (give an export with --journal-json FILE)",
        "telemetry-audit: note: Netdata v1.37.1 predates agent-events (v2.3.0): it sends none and logs nothing "
        "about it",
        "telemetry-audit: note: Netdata v1.37.1 logs each anonymous-statistics.sh run (its action only, never the "
        "body) to error.log at info level; none was found in the logs read: either it has not run with these logs, "
        "or they are gone (rotated or deleted). No rows here is not proof that nothing was sent."]


def test_a_failed_post_is_a_failed_row_with_the_body_it_tried(capsys, root):
    data = (root / LOG).read_bytes()
    posted = b'tid=977  msg_id=1e6061a9fbd44501b3ccc368119f2b69 msg="Posted last status to agent-events successfully."'
    assert data.count(posted) == 1
    (root / LOG).write_bytes(data.replace(posted, posted.replace(
        b"Posted last status to agent-events successfully.", b"Failed to post last status to agent-events.")))
    (root / DEDUP).unlink()  # a failed post keeps no hash
    doc, _ = rows(capsys, "--root", str(root))
    fatal = [r for r in agent_rows(doc) if r["what"] == "killed fatal"]
    assert [r["outcome"] for r in fatal] == ["failed: the POST did not complete (the daemon does not retry)"]
    assert fatal[0]["body"].encode() == (DATA / "posts" / "post-4-killed-fatal-abrt.json").read_bytes()


def test_a_start_with_no_outcome_and_no_earlier_post_is_put_down_to_the_gate(capsys, root):
    lines = (root / LOG).read_bytes().split(b"\n")
    kept = [x for x in lines if not (b"tid=977 " in x and b"Posted last status" in x)]
    (root / LOG).write_bytes(b"\n".join(kept))
    (root / DEDUP).unlink()
    doc, _ = rows(capsys, "--root", str(root))
    assert [r["outcome"] for r in agent_rows(doc) if r["what"] == "killed fatal"] == [
        "not posted: the gate stopped it (crash reports setting, opt-out, CI) or dedup; the log does not say which"]


def test_history_and_verify_code_load_no_textual():
    import subprocess
    import sys

    code = ("import sys; from audit.core import history, verify, history_sources; from audit.plumbing import sealed; "
            "from audit.faces.commands import history as h, verify as v; assert 'textual' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_daemon_log_in_nd_logs_json_format_gives_the_same_starts(capsys, root):
    out = []
    for line in (root / LOG).read_bytes().split(b"\n"):
        f = logged.logfmt(line)
        if f:
            out.append(json.dumps({k: v.decode() for k, v in f.items()}).encode())
    (root / LOG).write_bytes(b"\n".join(out) + b"\n")
    doc, _ = rows(capsys, "--root", str(root))
    starts = agent_rows(doc)
    assert [r["what"] for r in starts] == CAUSES_NEWEST_FIRST
    assert [r["body"].encode() for r in starts if r["time"] in POSTS] == [
        (DATA / "posts" / POSTS[r["time"]]).read_bytes() for r in starts if r["time"] in POSTS]


def test_the_tools_own_refusal_is_not_called_sent():
    """A journal entry the tool refused (or suppressed) names the endpoint it was meant for, never 'sent by'."""
    from audit.core.history import journal_row

    refused = journal_row({"state": "refused", "endpoint": "http://127.0.0.1:9/x", "event": "START",
                           "time": "2026-12-04T05:33:54+00:00"}, None)
    sent = journal_row({"state": "sent", "endpoint": "http://127.0.0.1:9/x", "event": "START",
                        "time": "2026-12-04T05:33:54+00:00"}, None)
    assert refused.outcome == "not posted: refused"
    assert refused.notes[0] == "recorded by telemetry-audit (endpoint http://127.0.0.1:9/x)"
    assert sent.outcome == "posted" and sent.notes[0] == "sent by telemetry-audit to http://127.0.0.1:9/x"
