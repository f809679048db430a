"""TUI test helpers: a machine-independent facts snapshot, an app factory, and wait_for instead of sleeps."""

import asyncio
import inspect
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/sample.py

from sample import sample_facts  # noqa: E402

from audit.facts import snapshot  # noqa: E402
from audit.facts.collect import FactsRequest  # noqa: E402


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests in a fresh event loop (no async plugin needed for Pilot tests)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None


@pytest.fixture
def facts_file(tmp_path) -> Path:
    path = tmp_path / "facts.json"
    path.write_text(snapshot.dumps(sample_facts()), encoding="utf-8")
    return path


@pytest.fixture
def config_dir(tmp_path) -> Path:
    path = tmp_path / "netdata"
    path.mkdir()
    (path / "netdata.conf").touch()  # an agent's config dir: an empty one blocks sending
    return path


@pytest.fixture
def journal_path(tmp_path) -> Path:
    return tmp_path / "journal.jsonl"


@pytest.fixture
def make_app(facts_file, config_dir, journal_path):
    def make(endpoint: str = "http://127.0.0.1:9/unused", **request):
        from audit.faces.tui import TuiOptions
        from audit.faces.tui.app import TelemetryAuditApp

        fields = {"facts_file": str(facts_file), "config_dir": str(config_dir), **request}
        return TelemetryAuditApp(TuiOptions(FactsRequest(**fields), endpoint, str(journal_path)))

    return make


async def wait_for(pilot, predicate, timeout: float = 30.0, what: str = "condition"):
    """Let the app run until predicate() is true (never a fixed sleep). Only a widget not mounted yet (NoMatches)
    means "not yet": any other error, in the predicate or in the app, is raised at once, never a timeout."""
    from textual.css.query import NoMatches

    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if pilot.app._exception is not None:  # the app died: its error, now (run_test raises it again at exit)
            raise pilot.app._exception
        try:
            if predicate():
                return
        except NoMatches:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def main_screen(app):
    from audit.faces.tui.screens import MainScreen

    return next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)


async def opened(pilot):
    """The main screen, once pushed (the app draws its first frame before importing it)."""
    await wait_for(pilot, lambda: main_screen(pilot.app) is not None, what="main screen")
    return main_screen(pilot.app)


async def loaded(pilot):
    """Wait until facts are in and the first payload is shown."""
    await wait_for(pilot, lambda: getattr(main_screen(pilot.app), "built", None) is not None, what="first payload")
    screen = main_screen(pilot.app)
    await wait_for(pilot, lambda: screen.query_one("#wire-text").text != "", what="wire view")
    return screen
