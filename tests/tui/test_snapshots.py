"""SVG snapshots of the main screens at 80x24 and 120x40 (update with `pytest tests/tui --snapshot-update`)."""

import pytest

from .conftest import loaded, wait_for
from .test_flows import choose, set_param

ENDPOINT = "http://127.0.0.1:9/ingest"
SMALL, LARGE = (80, 24), (120, 40)


@pytest.fixture
def app(make_app, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # nothing machine- or run-specific on screen
    return make_app(endpoint=ENDPOINT)


async def ready(pilot):
    screen = await loaded(pilot)
    await wait_for(pilot, lambda: screen.optout.summary != "checking opt-outs…", what="opt-out verdict")
    await pilot.pause()
    return screen


def tab(name):
    async def run_before(pilot):
        screen = await ready(pilot)
        screen.query_one("#tabs").active = name
        await pilot.pause()
        if name == "tab-fields":
            await wait_for(pilot, lambda: screen.query_one("#fields").row_count > 0)
        await pilot.pause()
    return run_before


def steady_cursors(screen):
    """A blinking cursor is drawn or not depending on the moment of the snapshot: hold every cursor steady."""
    from textual.widgets import Input

    for field in screen.query(Input):
        field.cursor_blink = False


async def fatal_edited(pilot):
    screen = await ready(pilot)
    await choose(pilot, screen, "FATAL")
    steady_cursors(screen)
    for name, value in (("function", "rrdeng_load"), ("file", "rrdengine.c"), ("line", "1234"), ("errno", "-5")):
        await set_param(pilot, screen, name, value)
    await wait_for(pilot, lambda: b"1234@" in screen.built.wire and screen._pending is None
                   and screen.values.get("errno") == "-5", what="edited payload, every keystroke applied")
    await wait_for(pilot, lambda: screen.query_one("#wire-text").text == screen.built.wire.decode())
    await pilot.pause()


async def fatal_invalid(pilot):
    screen = await ready(pilot)
    await choose(pilot, screen, "FATAL")
    steady_cursors(screen)
    await set_param(pilot, screen, "errno", "EIO")
    await wait_for(pilot, lambda: screen.error != "", what="inline error")
    await pilot.pause()


async def aclk(pilot):
    screen = await ready(pilot)
    await choose(pilot, screen, "ACLK_CONN_FAIL")
    await pilot.pause()


async def confirm_send(pilot):
    await ready(pilot)
    await pilot.press("s")
    await wait_for(pilot, lambda: pilot.app.screen.id == "confirm-send")
    await pilot.pause()


async def help_screen(pilot):
    await ready(pilot)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: pilot.app.screen.query_one("#help-text") is not None)
    await pilot.pause()


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_main_screen(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_fatal_edited(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=fatal_edited)


def test_fatal_invalid_errno(snap_compare, app):
    assert snap_compare(app, terminal_size=SMALL, run_before=fatal_invalid)


def test_aclk_codes(snap_compare, app):
    assert snap_compare(app, terminal_size=SMALL, run_before=aclk)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_fields_tab(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=tab("tab-fields"))


def test_json_tab(snap_compare, app):
    assert snap_compare(app, terminal_size=SMALL, run_before=tab("tab-json"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_optout_tab_under_disable_telemetry(snap_compare, make_app, monkeypatch, tmp_path, size):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISABLE_TELEMETRY", "1")
    # nothing of the machine running the test: not in a container, no saved status file anywhere
    monkeypatch.setattr("audit.core.optout._in_container", lambda system: False)
    monkeypatch.setattr("audit.channels.agent_events.locate.DEFAULT_LIB_DIR", "/nonexistent/lib")
    monkeypatch.setattr("audit.channels.agent_events.locate.DEFAULT_CACHE_DIR", "/nonexistent/cache")
    monkeypatch.setattr("audit.channels.agent_events.locate.FALLBACK_DIRS", ())
    # a fixed (absent) config dir: the evidence names its path, which must not vary between runs
    app = make_app(endpoint=ENDPOINT, config_dir="/nonexistent/netdata")
    assert snap_compare(app, terminal_size=size, run_before=tab("tab-optout"))


def test_send_confirmation(snap_compare, app):
    assert snap_compare(app, terminal_size=SMALL, run_before=confirm_send)


def test_help(snap_compare, app):
    assert snap_compare(app, terminal_size=LARGE, run_before=help_screen)


async def fatal_home_path(pilot):
    screen = await ready(pilot)
    await choose(pilot, screen, "FATAL")
    steady_cursors(screen)
    await set_param(pilot, screen, "file", "/home/alice/src/netdata/web/api/x.c")
    await wait_for(pilot, lambda: screen.query_one("#wire-identifying").display, what="identifying banner")
    await pilot.pause()


def test_fatal_home_path_flagged(snap_compare, app):
    assert snap_compare(app, terminal_size=LARGE, run_before=fatal_home_path)
