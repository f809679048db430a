"""A send cut short in the TUI (the user quits, or the send worker is cancelled) is journaled as `interrupted`,
by the same transaction and read by the same reader as the CLI's Ctrl-C."""

import asyncio
import json
import socket
import time

import jsonschema
import pytest

from audit.plumbing import journal, schemas

from .conftest import loaded, wait_for

SIZE = (80, 24)


@pytest.fixture
def silent_server():
    """A listener on loopback that accepts and never answers: the POST stays in flight until the test ends it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    accepted: list[socket.socket] = []
    yield listener, accepted
    for conn in accepted:
        conn.close()
    listener.close()


def request_arrived(listener, accepted, received: bytearray) -> bool:
    """Non-blocking: accept the connection, then read until the request's headers are in."""
    if not accepted:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return False
        conn.setblocking(False)
        accepted.append(conn)
    try:
        received += accepted[0].recv(65536)
    except BlockingIOError:
        pass
    return b"\r\n\r\n" in received


def decisions(path) -> list[dict]:
    """What `telemetry-audit journal` lists: each transaction's last entry."""
    items, damaged = journal.entries(str(path))
    assert not damaged
    schema = json.loads((schemas.schema_dir() / "journal-entry.schema.json").read_text())
    for item in items:
        jsonschema.validate(item, schema, format_checker=jsonschema.FormatChecker())
    return journal.latest(items)


async def until_decided(path, timeout: float = 30.0) -> list[dict]:
    """The journal once no transaction is left at `sending` (the cancelled worker records on its way out)."""
    deadline = time.monotonic() + timeout
    while any(e["state"] == "sending" for e in decisions(path)) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return decisions(path)


async def send_into_silence(pilot, listener, accepted):
    screen = await loaded(pilot)
    await wait_for(pilot, lambda: screen.optout.summary != "checking opt-outs…", what="opt-out verdict")
    await pilot.press("s")
    await wait_for(pilot, lambda: pilot.app.screen.id == "confirm-send", what="confirmation")
    await pilot.press("y")
    received = bytearray()
    await wait_for(pilot, lambda: request_arrived(listener, accepted, received), what="the request at the server")
    return screen


@pytest.fixture
def endpoint(silent_server, monkeypatch):
    monkeypatch.setattr("audit.faces.tui.adapters.SEND_TIMEOUT", 600.0)  # only the interruption ends this send
    return f"http://127.0.0.1:{silent_server[0].getsockname()[1]}/ingest"


async def test_quitting_mid_send_is_journaled_as_interrupted(make_app, silent_server, endpoint, journal_path):
    app = make_app(endpoint=endpoint)
    async with app.run_test(size=SIZE) as pilot:
        await send_into_silence(pilot, *silent_server)
        assert [e["state"] for e in decisions(journal_path)] == ["sending"]
        await pilot.press("q")
    (entry,) = await until_decided(journal_path)
    assert entry["state"] == "interrupted" and entry["may_have_reached_server"] is True
    assert entry["source"] == "tui" and entry["endpoint"] == endpoint


async def test_a_cancelled_send_worker_is_journaled_as_interrupted(make_app, silent_server, endpoint, journal_path):
    app = make_app(endpoint=endpoint)
    async with app.run_test(size=SIZE) as pilot:
        screen = await send_into_silence(pilot, *silent_server)
        app.workers.cancel_group(screen, "send")
        await wait_for(pilot, lambda: decisions(journal_path)[0]["state"] == "interrupted", what="interrupted")
        assert app.is_running
    (entry,) = decisions(journal_path)
    assert entry["may_have_reached_server"] is True
