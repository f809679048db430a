"""The screen as the user sees it, as plain lines: what a terminal at the app's size would show."""

import io

from rich.console import Console


def screen_lines(app) -> list[str]:
    """Every row of the terminal (dialogs over their screen, notifications included), without styles."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False, color_system="truecolor")
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()
