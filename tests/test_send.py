import json
import socket

import hidden_agent
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit.plumbing import journal
from audit.core import optout
from audit.channels.backend import assemble as payload
from audit.faces.cli import main
from audit.facts.snapshot import dumps
from tests.sample import sample_facts

VALUES = [None, "", "0", "1", " 1", "yes", "true", "2"]


@pytest.fixture
def snap(tmp_path):
    f = tmp_path / "facts.json"
    f.write_text(dumps(sample_facts()))
    return str(f)


def args(snap, tmp_path, url, *extra):
    cfg = tmp_path / "cfg"
    cfg.mkdir(exist_ok=True)
    (cfg / "netdata.conf").touch()
    return ["send", "START", "--facts", snap, "--config-dir", str(cfg), "--endpoint", url,
            "--journal", str(tmp_path / "j.jsonl"), *extra]


def decisions(tmp_path):
    """The last state of each journaled decision, and the damaged lines."""
    items, damaged = journal.entries(str(tmp_path / "j.jsonl"))
    return journal.latest(items), damaged


def test_sends_exact_wire(httpserver, snap, tmp_path):
    httpserver.expect_oneshot_request("/ingest", method="POST").respond_with_data("ok")
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes")) == 0
    (req, _), = httpserver.log
    expected = payload.build(sample_facts(), "START").wire
    assert req.get_data() == expected
    assert req.headers["Content-Type"] == "application/json"
    items, damaged = decisions(tmp_path)
    assert items[0]["state"] == "sent" and items[0]["status"] == 200 and not damaged


def test_disable_telemetry_refuses(httpserver, snap, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DISABLE_TELEMETRY", "1")
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes")) == 1
    assert "DISABLE_TELEMETRY=1" in capsys.readouterr().err
    assert httpserver.log == []
    items, _ = decisions(tmp_path)
    assert items[0]["state"] == "refused"


def test_no_yes_no_tty(httpserver, snap, tmp_path, capsys):
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"))) == 2
    assert "--yes" in capsys.readouterr().err
    assert httpserver.log == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(VALUES), st.sampled_from(VALUES), st.booleans(), st.sampled_from(["v2.2.0", "v2.5.4"]))
def test_no_request_when_suppressed(httpserver, snap, tmp_path, monkeypatch, d, n, file, version):
    httpserver.clear()
    httpserver.expect_request("/ingest").respond_with_data("ok")
    for name, value in (("DISABLE_TELEMETRY", d), ("DO_NOT_TRACK", n)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    a = args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes", "--netdata-version", version)
    f = tmp_path / "cfg" / optout.OPT_OUT_FILE
    code = main(a) if not file else (f.write_text(""), main(a))[1]
    f.unlink(missing_ok=True)
    suppressed = file or bool(d) or bool(n)
    if suppressed:
        assert code == 1 and httpserver.log == []
    else:
        assert code == 0 and len(httpserver.log) == 1


def test_refused_port(snap, tmp_path, capsys):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    assert main(args(snap, tmp_path, f"http://127.0.0.1:{port}/x", "--yes")) == 3
    err = capsys.readouterr().err
    assert "refused" in err and err.count("\n") == 1


def test_timeout(snap, tmp_path, capsys):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        port = s.getsockname()[1]
        assert main(args(snap, tmp_path, f"http://127.0.0.1:{port}/x", "--yes", "--timeout", "0.3")) == 3
        assert "no answer" in capsys.readouterr().err
    finally:
        s.close()


def test_http_500(httpserver, snap, tmp_path, capsys):
    httpserver.expect_request("/ingest").respond_with_data("no", status=500)
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes")) == 3
    assert "HTTP 500" in capsys.readouterr().err
    items, _ = decisions(tmp_path)
    assert items[0]["state"] == "failed" and items[0]["status"] == 500


def test_suppress_and_damaged_journal(snap, tmp_path, capsys):
    j = tmp_path / "j.jsonl"
    j.write_bytes(b'{"outcome": "sent"}\n{broken')
    assert main(["suppress", "START", "--facts", snap, "--journal", str(j)]) == 0
    capsys.readouterr()
    assert main(["journal", "--json", "--journal", str(j)]) == 0
    out = capsys.readouterr()
    items = json.loads(out.out)
    assert [e["state"] for e in items] == ["sent", "suppressed"]
    assert "line 2" in out.err


def test_default_journal_path_under_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with journal.Journal() as book:
        book.write({"schema": 1, "a": 1})
    assert book.path == str(tmp_path / "xdg" / "telemetry-audit" / "journal.jsonl")
    assert journal.entries(None) == ([{"schema": 1, "a": 1}], [])


def test_http_404(httpserver, snap, tmp_path, capsys):
    httpserver.expect_request("/ingest").respond_with_data("no", status=404)
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes")) == 3
    assert "HTTP 404" in capsys.readouterr().err


def test_dns_failure(snap, tmp_path, capsys, monkeypatch):
    def no_resolver(*a, **k):  # no test may ask a real resolver
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_resolver)
    assert main(args(snap, tmp_path, "http://telemetry.invalid/x", "--yes")) == 3
    err = capsys.readouterr().err
    assert "cannot resolve" in err and err.count("\n") == 1
    items, _ = decisions(tmp_path)
    assert items[0]["state"] == "failed"


def test_tls_failure(httpserver, snap, tmp_path, capsys):
    """https:// to a plain-HTTP loopback server: the handshake fails; nothing is sent in clear."""
    httpserver.expect_request("/ingest").respond_with_data("ok")
    url = httpserver.url_for("/ingest").replace("http://", "https://")
    assert main(args(snap, tmp_path, url, "--yes")) == 3
    assert "TLS" in capsys.readouterr().err
    assert httpserver.log == []


def test_root_does_not_hide_this_machines_opt_out(httpserver, snap, tmp_path, monkeypatch, capsys):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    root = tmp_path / "root"
    (root / "etc" / "netdata").mkdir(parents=True)
    (root / "etc" / "netdata" / "netdata.conf").touch()
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    a = ["send", "START", "--root", str(root), "--config-dir", "/etc/netdata", "--endpoint",
         httpserver.url_for("/ingest"), "--journal", str(tmp_path / "j.jsonl"), "--yes"]
    assert main(a) == 1 and httpserver.log == []
    assert "DO_NOT_TRACK=1" in capsys.readouterr().err


def test_opt_out_file_inside_root_refuses(httpserver, tmp_path, capsys):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    root = tmp_path / "root"
    (root / "etc" / "netdata").mkdir(parents=True)
    (root / "etc" / "netdata" / optout.OPT_OUT_FILE).write_text("")
    a = ["send", "START", "--root", str(root), "--endpoint", httpserver.url_for("/ingest"),
         "--journal", str(tmp_path / "j.jsonl"), "--yes"]
    assert main(a) == 1 and httpserver.log == []
    items, _ = decisions(tmp_path)
    assert items[0]["state"] == "refused" and items[0]["suppressed_by"] == ["opt-out file"]




def run_in_terminal(argv, answer: bytes, env) -> tuple[int, bytes]:
    """Run the CLI on a pseudo-terminal, answer its question, return (exit code, everything it printed)."""
    import os
    import pty
    import subprocess
    import sys
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, *hidden_agent.CLI, *argv], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 30
    while b"[y/N]" not in seen and time.monotonic() < deadline:
        seen += os.read(master, 65536)
    os.write(master, answer)
    code = proc.wait(timeout=30)
    try:
        while chunk := os.read(master, 65536):
            seen += chunk
    except OSError:  # the terminal closes when the child exits
        pass
    os.close(master)
    return code, seen


@pytest.mark.parametrize("answer,code,outcome", [(b"y\n", 0, "sent"), (b"\n", 1, "declined")])
def test_interactive_prompt_shows_payload_and_asks(httpserver, snap, tmp_path, answer, code, outcome):
    import os
    httpserver.expect_request("/ingest").respond_with_data("ok")
    env = {k: v for k, v in os.environ.items() if k not in ("DISABLE_TELEMETRY", "DO_NOT_TRACK")}
    got, printed = run_in_terminal(args(snap, tmp_path, httpserver.url_for("/ingest")), answer, env)
    p = payload.build(sample_facts(), "START")
    assert got == code
    assert p.sha256.encode() in printed and b'"action": "START"' in printed
    assert len(httpserver.log) == (1 if outcome == "sent" else 0)
    items, _ = decisions(tmp_path)
    assert [e["state"] for e in items] == [outcome]


def test_strict_refuses_unexpected_identifier(httpserver, snap, tmp_path, capsys):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    a = args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes")
    a[1] = "FATAL"
    planted = [*a, "--file", "/home/alice/src/netdata/web/api/x.c", "--netdata-version", "v2.2.0"]
    assert main([*planted, "--strict"]) == 1 and httpserver.log == []
    out = capsys.readouterr()
    assert out.out == "" and "--strict" in out.err and "/home/alic" in out.err
    assert main(planted) == 0 and len(httpserver.log) == 1  # without --strict: a warning, then sent
    assert "identifying data" in capsys.readouterr().err
    items, _ = decisions(tmp_path)
    assert [e["state"] for e in items] == ["refused", "sent"] and "home-directory" in items[0]["message"]


def test_strict_sends_a_clean_payload(httpserver, snap, tmp_path, capsys):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes", "--strict")) == 0
    assert len(httpserver.log) == 1 and capsys.readouterr().err == ""
