import json
import socket

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit import journal, optout, payload
from audit.cli import main
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
    return ["send", "START", "--facts", snap, "--config-dir", str(cfg), "--endpoint", url,
            "--journal", str(tmp_path / "j.jsonl"), *extra]


def test_sends_exact_wire(httpserver, snap, tmp_path):
    httpserver.expect_oneshot_request("/ingest", method="POST").respond_with_data("ok")
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes")) == 0
    (req, _), = httpserver.log
    expected = payload.build(sample_facts(), "START").wire
    assert req.get_data() == expected
    assert req.headers["Content-Type"] == "application/json"
    items, damaged = journal.entries(str(tmp_path / "j.jsonl"))
    assert items[0]["outcome"] == "sent" and items[0]["status"] == 200 and not damaged


def test_disable_telemetry_refuses(httpserver, snap, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DISABLE_TELEMETRY", "1")
    assert main(args(snap, tmp_path, httpserver.url_for("/ingest"), "--yes")) == 1
    assert "DISABLE_TELEMETRY=1" in capsys.readouterr().out
    assert httpserver.log == []
    items, _ = journal.entries(str(tmp_path / "j.jsonl"))
    assert items[0]["outcome"] == "refused"


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
    items, _ = journal.entries(str(tmp_path / "j.jsonl"))
    assert items[0]["outcome"] == "failed" and items[0]["status"] == 500


def test_suppress_and_damaged_journal(snap, tmp_path, capsys):
    j = tmp_path / "j.jsonl"
    j.write_bytes(b'{"outcome": "sent"}\n{broken')
    assert main(["suppress", "START", "--facts", snap, "--journal", str(j)]) == 0
    capsys.readouterr()
    assert main(["journal", "--json", "--journal", str(j)]) == 0
    out = capsys.readouterr()
    items = json.loads(out.out)
    assert [e["outcome"] for e in items] == ["sent", "suppressed"]
    assert "line 2" in out.err


def test_default_journal_path_under_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    path = journal.append(None, {"a": 1})
    assert path == str(tmp_path / "xdg" / "telemetry-audit" / "journal.jsonl")
    assert journal.entries(None) == ([{"a": 1}], [])
