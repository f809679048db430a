"""The TUI tests' wait_for: a real error is reported as itself, at once, never as a 30 s timeout."""

import time

import pytest

from .conftest import loaded, wait_for


async def test_an_error_in_the_condition_is_raised_at_once(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await loaded(pilot)
        start = time.monotonic()
        with pytest.raises(ZeroDivisionError):
            await wait_for(pilot, lambda: 1 / 0, timeout=10, what="a broken condition")
        assert time.monotonic() - start < 5


async def test_an_error_in_the_app_is_raised_at_once(make_app):
    app = make_app()
    start = time.monotonic()
    with pytest.raises(ZeroDivisionError):
        async with app.run_test() as pilot:
            await loaded(pilot)
            start = time.monotonic()
            app.call_later(lambda: 1 / 0)
            await wait_for(pilot, lambda: False, timeout=10, what="never")
    assert time.monotonic() - start < 5


async def test_a_widget_not_mounted_yet_means_not_yet(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        screen = await loaded(pilot)
        mounted = []
        app.call_later(lambda: mounted.append(True))
        await wait_for(pilot, lambda: mounted and screen.query_one("#wire-text") or screen.query_one("#nowhere"),
                       what="a widget")
