"""capture: a loopback receiver that stores every POST verbatim, indexes it, answers 200 and loses nothing."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audit.faces import capture
from audit.channels.backend import assemble as payload
from audit.faces.commands.capture import summary
from audit.plumbing.errors import AuditError
from tests.sample import sample_facts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def body() -> bytes:
    return payload.build(sample_facts(), "START").wire


@pytest.fixture
def receiver(tmp_path):
    """A running capture server (no schema validation: that is tested on its own) and its records."""
    records = []
    server = capture.start(capture.CaptureConfig(out=tmp_path / "out", port=0, max_body=10_000, validate=False),
                           records.append)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield server, records
    server.stop()
    thread.join(5)


def post(port: int, body: bytes, path: str = "/ingest_agent_events", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def index(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]


def test_post_is_stored_verbatim_and_indexed(receiver, tmp_path, body):
    server, records = receiver
    status, answer = post(server.server_address[1], body, "/any/path?x=1")
    assert status == 200 and answer == b"ok\n"
    out = tmp_path / "out"
    assert (out / "1.body").read_bytes() == body
    [line] = index(out)
    assert line["n"] == 1 and line["path"] == "/any/path?x=1" and line["size"] == len(body)
    assert line["sha256"] == payload.build(sample_facts(), "START").sha256
    assert line["event"] == "START -" and line["status"] == 200 and line["body"] == "1.body"
    assert ["Content-Type", "application/json"] in line["headers"]
    assert records[0].n == 1


def test_keep_alive_connection_carries_many_posts(receiver, tmp_path, body):
    server, _ = receiver
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    for i in range(20):
        conn.request("POST", "/", body=body + str(i).encode())
        response = conn.getresponse()
        assert response.status == 200
        response.read()
    conn.close()
    assert sorted(int(p.stem) for p in (tmp_path / "out").glob("*.body")) == list(range(1, 21))
    assert (tmp_path / "out" / "20.body").read_bytes() == body + b"19"


def test_oversized_body_gets_413_and_a_record(receiver, tmp_path):
    server, records = receiver
    status, answer = post(server.server_address[1], b"x" * 20_000)
    assert status == 413 and b"over the 10000 byte limit" in answer
    [line] = index(tmp_path / "out")
    assert line["status"] == 413 and line["size"] == 20_000 and line["body"] is None
    assert summary(records[0]).startswith("#1 /ingest_agent_events REFUSED 413: body of 20000 bytes")


def test_oversized_body_with_expect_100_is_refused_before_it_is_sent(receiver, tmp_path):
    server, _ = receiver
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\nExpect: 100-continue\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert index(tmp_path / "out")[0]["status"] == 413


def test_chunked_body_is_reassembled(receiver, tmp_path, body):
    server, _ = receiver
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    conn.request("POST", "/", body=iter([body[:100], body[100:]]), encode_chunked=True)
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 200
    assert (tmp_path / "out" / "1.body").read_bytes() == body


def test_truncated_body_is_kept_as_evidence_with_400(receiver, tmp_path, body):
    server, _ = receiver
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + body[:100])
        sock.shutdown(socket.SHUT_WR)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
    [line] = index(tmp_path / "out")
    assert line["status"] == 400 and "after 100 of 5000 bytes" in line["note"]
    assert (tmp_path / "out" / line["body"]).read_bytes() == body[:100]


def test_get_is_not_captured(receiver, tmp_path):
    server, _ = receiver
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 405
    assert not (tmp_path / "out" / "index.jsonl").read_text()


def test_numbering_continues_after_a_restart(tmp_path, body):
    out = tmp_path / "out"
    out.mkdir()
    (out / "7.body").write_bytes(b"earlier")
    store = capture.Store(out)
    assert store.number() == 8
    store.close()


def test_invalid_json_is_recorded_as_invalid_without_validation(receiver, tmp_path):
    server, records = receiver
    post(server.server_address[1], b'{"event": "START -", "properties": {"x": }}')
    assert records[0].valid is False and "not valid JSON" in records[0].problems[0]
    assert "invalid: /: not valid JSON" in summary(records[0])


def test_schema_validation_marks_valid_and_invalid(tmp_path, body):
    records = []
    server = capture.start(capture.CaptureConfig(out=tmp_path / "out", port=0), records.append)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        post(port, body)
        doc = json.loads(body)
        doc["properties"]["action"] = 5
        post(port, json.dumps(doc).encode())
    finally:
        server.stop()
    assert records[0].valid is True and records[0].schema.endswith("START.schema.json")
    assert records[1].valid is False and any(p.startswith("/properties/action") for p in records[1].problems)


def test_listen_parsing_and_loopback():
    assert capture.parse_listen("127.0.0.1:9000") == ("127.0.0.1", 9000)
    assert capture.parse_listen(":9000") == ("127.0.0.1", 9000)
    assert capture.parse_listen("[::1]:9000") == ("::1", 9000)
    assert capture.is_loopback("::1") and capture.is_loopback("localhost") and not capture.is_loopback("0.0.0.0")
    with pytest.raises(AuditError, match="expected HOST:PORT"):
        capture.parse_listen("127.0.0.1:http")


def test_port_in_use_is_a_clear_error(receiver, tmp_path):
    server, _ = receiver
    with pytest.raises(AuditError, match=r"cannot listen on 127\.0\.0\.1:\d+"):
        capture.start(capture.CaptureConfig(out=tmp_path / "other", port=server.server_address[1]))


# --- the command, as a process: Ctrl-C loses nothing ----------------------------------------------------------

def interruptible() -> None:
    """In the child: Ctrl-C back to its default, even when pytest runs in the background (where it is ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_command(tmp_path, *extra):
    proc = subprocess.Popen([sys.executable, "-m", "audit", "capture", "--listen", "127.0.0.1:0",
                             "--out", str(tmp_path / "out"), *extra], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=interruptible)
    line = proc.stderr.readline()
    if "listening on http://127.0.0.1:" not in line:
        proc.kill()
        proc.communicate()
        pytest.fail(line)
    return proc, int(line.split("127.0.0.1:")[1].split("/")[0])


def test_command_prints_one_line_per_post_and_ctrl_c_keeps_everything(tmp_path, body):
    proc, port = start_command(tmp_path)
    try:
        for _ in range(5):
            assert post(port, body)[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    lines = out.splitlines()
    assert len(lines) == 5 and lines[0].startswith("#1 START - ") and lines[0].endswith(" valid")
    assert f" {len(body)} B sha256 " in lines[0]
    assert "stopped: 5 POSTs received (0 invalid, 0 refused)" in err
    assert len(index(tmp_path / "out")) == 5 and len(list((tmp_path / "out").glob("*.body"))) == 5


def test_command_exit_after(tmp_path, body):
    proc, port = start_command(tmp_path, "--exit-after", "2", "--no-validate")
    post(port, body)
    post(port, body)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and len(out.splitlines()) == 2
    assert all(line.endswith("not validated") for line in out.splitlines())


def test_command_warns_when_not_on_loopback(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "audit", "capture", "--listen", "0.0.0.0:0", "--out",
                             str(tmp_path / "out"), "--no-validate"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    first = proc.stderr.readline()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert first.startswith("telemetry-audit: warning: listening on 0.0.0.0, not loopback")


def test_idle_keep_alive_connection_does_not_block_the_stop(tmp_path, body):
    proc, port = start_command(tmp_path, "--no-validate")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("POST", "/", body=body)
    conn.getresponse().read()
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    conn.close()
    assert time.monotonic() - started < 5 and len(index(tmp_path / "out")) == 1
