"""FATAL log entries (error.log, logfmt, journal) parsed back into FATAL parameters, and payload --from-log."""

import json
from pathlib import Path

import pytest

from audit.plumbing import errnos
from audit.facts import fatallog
from audit.faces.cli import main
from audit.plumbing.errors import AuditError
from audit.facts import snapshot
from tests.sample import sample_facts

DATA = Path(__file__).parent / "data" / "support"


def read(name: str, match: str | None = None) -> fatallog.FatalEntry:
    return fatallog.read(name, (DATA / name).read_bytes(), match)


def test_classic_error_log_line_gives_process_thread_and_errno_from_the_perror_text():
    entry = read("error-classic.log")
    assert (entry.shape, entry.where) == ("error.log", "line 3")
    assert entry.params() == {"process": "netdata", "thread": "MAIN", "errno": 12}
    assert entry.message == "Cannot allocate memory for the dbengine page cache"
    assert entry.time == "2023-10-12 09:14:03"
    assert any("records no source location" in n for n in entry.notes)


def test_internal_checks_line_adds_line_file_and_function():
    entry = read("error-internal-checks.log", match="web_client")
    assert entry.params() == {"process": "netdata", "thread": "WEB_SERVER[static4]", "line": 1234,
                              "file": "web/api/web_api_v1.c", "function": "web_client_api_", "errno": 12}
    assert entry.notes == ()


def test_last_fatal_wins_without_match():
    entry = read("error-internal-checks.log")
    assert entry.params()["thread"] == "RCVR[child-42]" and entry.params()["file"] == "streaming/rrdpush.c"
    assert entry.errno == errnos.from_message("Connection reset by peer")


def test_logfmt_alert_line_with_the_fatal_message_id():
    entry = read("daemon-logfmt.log")
    assert entry.shape == "logfmt"
    assert entry.params() == {"process": "netdata", "thread": "DBENGINE", "errno": 12}
    assert entry.message == "DBENGINE: cannot allocate 1048576 bytes of memory."


def test_logfmt_values_are_json_unescaped():
    line = 'time=x comm=netdata source=daemon level=alert tid=1 thread=MAIN msg="say \\"hi\\" = ok"'
    entry = fatallog.parse_line(line)
    assert entry.message == 'say "hi" = ok' and entry.errno == 0


def test_journal_entry_has_the_full_location():
    entry = read("journal.json", match="DBENGINE")
    assert entry.params() == {"process": "netdata", "thread": "DBENGINE", "line": 712,
                              "file": "/usr/src/netdata/src/database/engine/pagecache.c",
                              "function": "pgc_page_add_and_acquire", "errno": 12}
    assert entry.notes == ()


def test_journal_binary_and_repeated_fields():
    record = {"PRIORITY": "1", "ND_LOG_SOURCE": "daemon", "SYSLOG_IDENTIFIER": "netdata",
              "THREAD_TAG": list(b"MAIN"), "CODE_FILE": ["a.c", "b.c"], "CODE_LINE": "7", "CODE_FUNC": "f"}
    entry = fatallog.from_record(record)
    assert entry.thread == "MAIN" and entry.file == "b.c" and entry.line == 7 and entry.errno == 0


def test_journal_message_holding_a_classic_line_before_v1_44():
    record = {"PRIORITY": "3", "SYSLOG_IDENTIFIER": "netdata", "MESSAGE":
              "2022-01-01 10:00:00: netdata FATAL : MAIN : Cannot create directory # : Permission denied"}
    entry = fatallog.from_record(record)
    assert entry.shape == "journal" and entry.params() == {"process": "netdata", "thread": "MAIN", "errno": 13}


def test_journal_info_entry_is_not_fatal():
    assert fatallog.from_record({"PRIORITY": "6", "THREAD_TAG": "MAIN", "MESSAGE": "hello",
                                 "ND_LOG_SOURCE": "daemon"}) is None


def test_journal_json_pretty_spread_over_lines():
    record = {"PRIORITY": "1", "ND_LOG_SOURCE": "daemon", "SYSLOG_IDENTIFIER": "netdata", "THREAD_TAG": "MAIN",
              "CODE_FILE": "x.c", "CODE_LINE": "3", "CODE_FUNC": "main", "MESSAGE": "boom"}
    text = json.dumps(record, indent=4)
    assert fatallog.read("p.json", text.encode()).params()["line"] == 3


def test_very_old_format_has_no_thread():
    entry = fatallog.parse_line("2017-03-28 18:54:58: netdata: FATAL: Cannot cd to directory '/var/log/netdata' "
                                "# : No such file or directory")
    assert entry.process == "netdata" and entry.thread is None and entry.errno == 2
    assert any("--thread" in n for n in entry.notes)


def test_success_errno_text_is_zero_and_unknown_text_asks_for_errno():
    assert fatallog.parse_line("2016-05-08 11:10:37: netdata FATAL : MAIN : Cannot demonize myself. # : Success"
                               ).errno == 0
    odd = fatallog.parse_line("2016-05-08 11:10:37: netdata FATAL : MAIN : x # : Frobnicated")
    assert odd.errno is None and any("--errno" in n for n in odd.notes)


def test_no_fatal_is_a_clear_error():
    with pytest.raises(AuditError, match=r"no-fatal.log: no FATAL entry in 3 non-empty lines"):
        read("no-fatal.log")


def test_match_that_finds_nothing_names_the_count():
    with pytest.raises(AuditError, match=r"none of the 2 FATAL entries contains 'nope'"):
        read("journal.json", match="nope")


def test_binary_and_empty_logs_are_refused():
    with pytest.raises(AuditError, match="binary data"):
        fatallog.read("x.log", b"\x00\x01\x02")
    with pytest.raises(AuditError, match="empty log"):
        fatallog.read("x.log", b"\n\n")


def test_errno_names_and_messages():
    assert errnos.name(12) == "ENOMEM" and errnos.message(12) == "Cannot allocate memory"
    assert errnos.from_message("Cannot allocate memory") == 12 and errnos.from_message("Unknown error 999") == 999
    assert errnos.describe(12) == "12 ENOMEM (Cannot allocate memory)"


# --- payload FATAL --from-log ---------------------------------------------------------------------------------

@pytest.fixture
def facts_file(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(snapshot.dumps(sample_facts(netdata_version="v2.2.0")))
    return str(path)


def payload_json(capsys, *argv):
    code = main(["payload", "FATAL", "--json", *argv])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out else None), out.err


def test_from_log_journal_builds_the_fatal_payload(capsys, facts_file):
    code, doc, err = payload_json(capsys, "--from-log", str(DATA / "journal.json"), "--match", "DBENGINE",
                                  "--facts", facts_file)
    assert code == 0
    assert doc["event"] == "FATAL netdata:DBENGINE"
    assert doc["properties"]["action_data"] == "0712@/usr/src/n:pgc_page_add_an/12"
    assert "FATAL from journal line 2" in err and "warning" not in err


def test_from_log_masks_the_streaming_thread_and_options_override(capsys, facts_file):
    code, doc, err = payload_json(capsys, "--from-log", str(DATA / "journal.json"), "--errno", "5",
                                  "--facts", facts_file)
    assert code == 0 and doc["properties"]["action_result"] == "netdata:SNDR"
    assert doc["properties"]["action_data"] == "0088@/usr/src/n:rrdpush_sender_/5"


def test_from_log_without_location_warns_on_stderr(capsys, facts_file):
    code, doc, err = payload_json(capsys, "--from-log", str(DATA / "error-classic.log"), "--facts", facts_file)
    assert code == 0 and doc["properties"]["action_data"] == "0000@          :               /12"
    assert "telemetry-audit: warning: this error.log line records no source location" in err


def test_from_log_location_warning_is_dropped_when_the_options_give_it(capsys, facts_file):
    code, doc, err = payload_json(capsys, "--from-log", str(DATA / "daemon-logfmt.log"), "--line", "77",
                                  "--file", "src/database/engine/cache.c", "--function", "pgc_add",
                                  "--facts", facts_file)
    assert code == 0 and doc["properties"]["action_data"] == "0077@src/databa:pgc_add        /12"
    assert "warning" not in err


def test_from_log_stdin(capsys, facts_file, monkeypatch):
    import io
    import sys
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((DATA / "daemon-logfmt.log").read_bytes())))
    code, doc, _ = payload_json(capsys, "--from-log", "-", "--facts", facts_file)
    assert code == 0 and doc["event"] == "FATAL netdata:DBENGINE"


def test_from_log_with_no_fatal_exits_2_with_one_line(capsys, facts_file):
    code, doc, err = payload_json(capsys, "--from-log", str(DATA / "no-fatal.log"), "--facts", facts_file)
    assert code == 2 and doc is None
    assert err.startswith("telemetry-audit: error: ") and "no FATAL entry" in err and err.count("\n") == 1


def test_from_log_is_for_fatal_only(capsys, facts_file):
    code = main(["payload", "START", "--from-log", str(DATA / "journal.json"), "--facts", facts_file])
    assert code == 2 and "--from-log applies to FATAL only" in capsys.readouterr().err


def test_match_needs_from_log(capsys, facts_file):
    code = main(["payload", "FATAL", "--match", "x", "--facts", facts_file])
    assert code == 2 and "--match needs --from-log" in capsys.readouterr().err
