"""At 80x24 no value or path is cut mid-word: it is shown whole (a path or URL may break after a separator) or
it ends with "…". Each test reads the screen's lines, as a terminal would show them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from audit import channels
from audit.faces.tui.wrap import SEPARATORS, wrap

from .conftest import loaded, wait_for
from .screen_text import screen_lines
from .test_flows import choose

SIZE = (80, 24)
LONG_DIRS = ("a-directory-with-a-rather-long-name", "and-another-one-below-it", "netdata")


def shown_whole(lines: list[str], value: str) -> bool:
    """value on one line, or in pieces on consecutive lines, each piece but the last ending the line's text with
    a separator, each continuation starting its line's text (after a space or a border)."""
    return any(_from(lines, row, col, value) for row, line in enumerate(lines)
               for col in range(len(line)) if line.startswith(value[0], col))


def _from(lines: list[str], row: int, col: int, rest: str) -> bool:
    shown = lines[row][col:]
    if shown.startswith(rest):
        return True
    same = next((i for i, (a, b) in enumerate(zip(shown, rest)) if a != b), min(len(shown), len(rest)))
    if not (same and rest[same - 1] in SEPARATORS and not shown[same:same + 1].strip()) or row + 1 >= len(lines):
        return False
    below = lines[row + 1]
    return any(_from(lines, row + 1, c, rest[same:]) for c in range(len(below))
               if below.startswith(rest[same], c) and (c == 0 or not below[c - 1].isalnum()))


def shown_or_ellipsized(lines: list[str], value: str) -> bool:
    return any(value in line for line in lines) or any(
        value[:n] + "…" in line for line in lines for n in range(1, len(value)))


def test_the_checks_catch_a_fold():
    assert shown_whole(["x /etc/net", "  data/x"], "/etc/netdata/x") is False
    assert shown_whole(["x /etc/", "  netdata/x"], "/etc/netdata/x") is True
    assert shown_or_ellipsized(["abc-de  "], "abc-def") is False
    assert shown_or_ellipsized(["abc-d…"], "abc-def") is True


@given(st.text(st.sampled_from("ab /-_.é字\n"), max_size=80), st.integers(1, 30))
def test_wrap_keeps_every_character_and_the_width(text, width):
    out = wrap(text, width).plain
    assert "".join(out.split()) == "".join(text.split())
    assert all(cell_len(line) <= max(width, 2) for line in out.split("\n"))  # a 2-cell glyph on a 1-cell line


@given(st.lists(st.text("abcdef", min_size=1, max_size=8), min_size=2, max_size=12), st.integers(10, 40))
def test_wrap_breaks_a_long_path_only_after_a_separator(parts, width):
    path = "/" + "/".join(parts)
    for line in wrap(f"file {path} here", width).plain.split("\n")[:-1]:
        assert line.endswith(("/", "file", "here", parts[-1])), line


def test_wrap_ends_cut_text_with_an_ellipsis():
    assert wrap("one two three four", 9, max_lines=1).plain == "one two…"


@pytest.fixture
def long_config_dir(tmp_path):
    path = tmp_path.joinpath(*LONG_DIRS)
    path.mkdir(parents=True)
    (path / "netdata.conf").touch()
    return path


@pytest.fixture
def journal_path(tmp_path):
    return tmp_path.joinpath(*LONG_DIRS, "journal.jsonl")


async def ready(pilot):
    screen = await loaded(pilot)
    await wait_for(pilot, lambda: screen.optout.summary != "checking opt-outs…", what="opt-out verdict")
    return screen


async def test_send_confirmation_shows_the_endpoint_and_sha256_whole(make_app):
    endpoint = channels.channel("backend").endpoint  # Netdata's real URL, 78 characters; nothing is sent here
    app = make_app(endpoint=endpoint)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "confirm-send", what="confirmation")
        await pilot.pause()
        lines = screen_lines(app)
        assert shown_whole(lines, endpoint), "\n".join(lines)
        assert shown_whole(lines, screen.built.sha256), "\n".join(lines)
        await pilot.press("n")


async def test_opt_out_dialog_tab_and_notification_show_the_path_whole(make_app, long_config_dir):
    path = str(long_config_dir / ".opt-out-from-anonymous-statistics")
    app = make_app(config_dir=str(long_config_dir))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: app.screen.id == "confirm-apply", what="opt-out dialog")
        await pilot.pause()
        assert shown_whole(screen_lines(app), path), "\n".join(screen_lines(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: app._notifications and screen.optout.block_reason, what="opted out")
        await pilot.pause()
        assert shown_whole(screen_lines(app), f"created {path}"), "\n".join(screen_lines(app))
        app.clear_notifications()
        await pilot.press("4")
        await wait_for(pilot, lambda: screen.query_one("#tabs").active == "tab-optout", what="opt-out tab")
        panel = screen.query_one("#optout")
        for y in range(panel.max_scroll_y + 1):  # the path is in the evidence, further down
            panel.scroll_to(y=y, animate=False)
            await pilot.pause()
            if shown_whole(screen_lines(app), path):
                return
        raise AssertionError(f"{path} never shown whole")


async def test_journal_dialog_shows_its_path_whole(make_app, journal_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j")
        await wait_for(pilot, lambda: app.screen.id == "journal", what="journal dialog")
        await pilot.pause()
        assert shown_whole(screen_lines(app), str(journal_path)), "\n".join(screen_lines(app))


async def test_installer_parameter_names_are_not_cut(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await choose(pilot, screen, "INSTALL_CRASH")
        await pilot.pause()
        lines = screen_lines(app)
        for param in screen.query_one("#params").event.params:
            assert any(f" {param.name} " in line for line in lines), (param.name, "\n".join(lines))


async def test_fields_values_and_detail_end_with_an_ellipsis_when_cut(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("3")
        table = screen.query_one("#fields")
        await wait_for(pilot, lambda: table.row_count == len(screen.built.fields), what="fields table")
        await wait_for(pilot, lambda: str(screen.query_one("#field-detail").render()), what="field detail")
        await pilot.pause()
        lines = screen_lines(app)
        for f in screen.built.fields[:3]:  # the rows on screen
            assert shown_or_ellipsized(lines, f.text), (f.key, "\n".join(lines))
        meaning = str(screen.query_one("#field-detail").render()).split("\n")[1]  # after "key = value"
        assert shown_or_ellipsized(lines, meaning), "\n".join(lines)


async def test_a_notification_shows_a_long_path_whole(make_app, tmp_path):
    target = tmp_path.joinpath(*LONG_DIRS, "saved-payload.json")
    target.parent.mkdir(parents=True)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: app.screen.id == "save", what="save dialog")
        app.screen.query_one("#save-path").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and app._notifications, what="saved")
        await pilot.pause()
        assert shown_whole(screen_lines(app), str(target)), "\n".join(screen_lines(app))


async def test_every_footer_key_keeps_its_label(make_app):
    from audit.faces.tui import actions

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        footer = screen_lines(app)[-1]
        for a in actions.ACTIONS:
            assert f"{a.keys.split(',')[0].replace('question_mark', '?')} {a.label}" in footer, footer


def cut_without_ellipsis(lines: list[str], value: str) -> bool:
    """Some prefix of value ends a cell (a space or a border follows) with no "…"."""
    return any(f"{value[:n]}{end}" in line for line in lines for n in range(2, len(value)) for end in " █▎▕")


async def test_journal_columns_end_at_the_dialogs_edge(make_app, journal_path):
    from sample import sample_facts

    from audit.channels.backend import assemble as payload
    from audit.faces.tui import adapters

    endpoint = channels.channel("backend").endpoint
    adapters.record(journal_path, payload.build(sample_facts(), "START"), adapters.Outcome("sent", "HTTP 200"),
                    endpoint=endpoint)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j")
        await wait_for(pilot, lambda: app.screen.id == "journal" and app.screen.query_one("#journal-table").row_count,
                       what="journal rows")
        await pilot.pause()
        lines = screen_lines(app)
        assert not cut_without_ellipsis(lines, endpoint), "\n".join(lines)
        assert any("76b28b809ed96b49" in line for line in lines), "\n".join(lines)
