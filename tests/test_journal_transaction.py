"""Send is a transaction: the journal is opened and written before any network I/O, every outcome (and Ctrl-C)
is recorded, and the CLI and the TUI write one format that one reader reads."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import jsonschema
import hidden_agent
import pytest

from audit.plumbing import journal, schemas
from audit.channels.backend import assemble as payload
from audit.faces.cli import main
from audit.facts.snapshot import dumps
from tests.sample import sample_facts

ENTRY_SCHEMA = schemas.schema_dir() / "journal-entry.schema.json"


@pytest.fixture
def snap(tmp_path):
    f = tmp_path / "facts.json"
    f.write_text(dumps(sample_facts()))
    return str(f)


@pytest.fixture
def cfg(tmp_path):
    d = tmp_path / "cfg"
    d.mkdir()
    (d / "netdata.conf").touch()
    return str(d)


def send_args(snap, cfg, url, journal_path, *extra):
    return ["send", "START", "--facts", snap, "--config-dir", cfg, "--endpoint", url, "--journal", str(journal_path),
            "--yes", *extra]


def validate_entries(items):
    schema = json.loads(ENTRY_SCHEMA.read_text())
    for item in items:
        jsonschema.validate(item, schema, format_checker=jsonschema.FormatChecker())


def test_unwritable_journal_sends_nothing(httpserver, snap, cfg, capsys):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    assert main(send_args(snap, cfg, httpserver.url_for("/ingest"), "/dev/full")) == 2
    assert httpserver.log == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/dev/full" in err


def test_full_disk_on_the_sending_entry_sends_nothing(httpserver, snap, cfg, tmp_path, monkeypatch, capsys):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    real_write = os.write

    def disk_full(fd, data):
        if b'"state": "sending"' in data:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", disk_full)
    assert main(send_args(snap, cfg, httpserver.url_for("/ingest"), tmp_path / "j.jsonl")) == 2
    assert httpserver.log == [] and "No space left" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["suppress", "START"], ["journal"]])
@pytest.mark.parametrize("where", ["/dev/full", "dir"])
def test_journal_commands_refuse_odd_files_in_one_line(snap, tmp_path, capsys, command, where):
    path = str(tmp_path) if where == "dir" else where
    assert main([*command, *(["--facts", snap] if command[0] == "suppress" else []), "--journal", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("telemetry-audit: error: ")


@pytest.mark.parametrize("option", [["--timeout", "0"], ["--timeout", "-1"], ["--timeout", "nan"],
                                    ["--endpoint", "notaurl"], ["--endpoint", "ftp://127.0.0.1/x"]])
def test_usage_errors_exit_2_in_one_line(httpserver, snap, cfg, tmp_path, capsys, option):
    a = send_args(snap, cfg, httpserver.url_for("/ingest"), tmp_path / "j.jsonl") + option
    assert main(a) == 2 and httpserver.log == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and option[0] in err


def test_invalid_json_needs_allow_invalid(httpserver, snap, cfg, tmp_path, capsys):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    j = tmp_path / "j.jsonl"
    a = send_args(snap, cfg, httpserver.url_for("/ingest"), j, "--netdata-version", "v2.2.0")
    a[1:2] = ["FATAL", "--process", 'net"data']
    assert main(a) == 1 and httpserver.log == []
    out = capsys.readouterr()
    assert out.out == "" and "--allow-invalid" in out.err
    assert main([*a, "--allow-invalid"]) == 0
    (request, _), = httpserver.log
    assert b'net"data' in request.get_data()
    items = journal.latest(journal.entries(str(j))[0])
    assert [e["state"] for e in items] == ["refused", "sent"] and items[1]["valid_json"] is False
    assert items[1]["params"]["process"] == 'net"data'


def test_cli_and_tui_write_one_format(httpserver, snap, cfg, tmp_path):
    from audit.faces.tui import adapters

    httpserver.expect_request("/ingest").respond_with_data("ok")
    j = tmp_path / "j.jsonl"
    assert main(send_args(snap, cfg, httpserver.url_for("/ingest"), j)) == 0
    built = payload.build(sample_facts(), "START")
    adapters.send(j, built, {}, httpserver.url_for("/ingest"))
    adapters.record(j, built, adapters.Outcome("suppressed", "by the user"), params={})
    items, damaged = journal.entries(str(j))
    assert not damaged
    validate_entries(items)
    assert [(e["source"], e["state"]) for e in items] == [
        ("cli", "sending"), ("cli", "sent"), ("tui", "sending"), ("tui", "sent"), ("tui", "suppressed")]
    assert {e["body"] for e in items} == {f"bodies/{built.sha256}"}
    assert journal.body(str(j), items[1]) == built.wire == httpserver.log[0][0].get_data()
    assert [e.decision for e in adapters.entries(j)] == ["sent", "sent", "suppressed"]


def test_old_entries_read_as_version_0(tmp_path):
    j = tmp_path / "j.jsonl"
    j.write_text('{"outcome": "sent", "bytes": 12, "event": "START"}\n')
    (e,), _ = journal.entries(str(j))
    assert e["schema"] == 0 and e["state"] == "sent" and e["size"] == 12


def test_journal_summary_line(snap, tmp_path, capsys):
    j = tmp_path / "j.jsonl"
    j.write_bytes(b"{broken\n\n[1]\n")
    assert main(["suppress", "START", "--facts", snap, "--journal", str(j)]) == 0
    capsys.readouterr()
    assert main(["journal", "--journal", str(j)]) == 0
    out = capsys.readouterr()
    assert out.err == f"telemetry-audit: journal {j}: 1 entry, 1 decision; 2 damaged lines skipped (line 1, 3)\n"
    assert "suppressed" in out.out


def test_ctrl_c_during_a_send_is_journaled_as_interrupted(snap, cfg, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    j = tmp_path / "j.jsonl"
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/ingest"
    env = {k: v for k, v in os.environ.items() if k not in ("DISABLE_TELEMETRY", "DO_NOT_TRACK")}
    proc = subprocess.Popen([sys.executable, *hidden_agent.CLI, *send_args(snap, cfg, url, j, "--timeout", "60")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # even in background
    try:
        listener.settimeout(30)
        conn, _ = listener.accept()  # the request is on its way; the server stays silent
        with conn:
            conn.settimeout(30)
            received = b""
            while b"\r\n\r\n" not in received:
                received += conn.recv(65536)
            time.sleep(0.2)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
        listener.close()
    assert proc.returncode == 130, err
    items, _ = journal.entries(str(j))
    validate_entries(items)
    assert [e["state"] for e in items] == ["sending", "interrupted"]
    assert items[1]["may_have_reached_server"] is True and items[0]["id"] == items[1]["id"]


def test_refused_port_says_the_request_never_left(snap, cfg, tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    j = tmp_path / "j.jsonl"
    assert main(send_args(snap, cfg, f"http://127.0.0.1:{port}/x", j)) == 3
    last = journal.entries(str(j))[0][-1]
    assert last["state"] == "failed" and last["may_have_reached_server"] is False and last["error_kind"] == "refused"


def test_a_transaction_ends_once(tmp_path):
    """`interrupted` only between `sending` and the outcome; before `sending` it stops the request instead."""
    from audit.plumbing.transport import SendResult

    built = payload.build(sample_facts(), "START")
    posted = []

    def post(wire, endpoint, timeout):
        posted.append(wire)
        return SendResult("sent", 200, None, "ok")

    with journal.Journal(str(tmp_path / "j.jsonl")) as book:
        early = journal.Transaction(book, built, "http://127.0.0.1:9/x")
        assert early.interrupt() is None and early.run(1.0, post) is None
        done = journal.Transaction(book, built, "http://127.0.0.1:9/x")
        assert done.run(1.0, post)["state"] == "sent" and done.interrupt() is None
    items, _ = journal.entries(str(tmp_path / "j.jsonl"))
    assert [e["state"] for e in items] == ["sending", "sent"] and posted == [built.wire]
