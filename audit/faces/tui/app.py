"""Thin wiring: the app, its stylesheet, its command palette. The logic lives in screens.py and widgets.py.

The main screen (and with it the audit's core) is imported after the first frame is drawn: a title and
"starting…" appear at once, and the import that follows is what "loading facts…" used to cover anyway."""

from __future__ import annotations

from functools import partial

from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Header, Static

from audit.faces.tui import actions
from audit.faces.tui.options import TuiOptions
from audit.faces.tui.wrap import wrap

TOAST_WIDTH, TOAST_FRAME = 60, 4  # Textual's Toast: width 60, at most half the screen; border and padding 4


class AuditCommands(Provider):
    """`payload: send`, `opt-out: apply`, … generated from the actions table."""

    def _commands(self):
        from audit.faces.tui.screens import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return
        for a in actions.ACTIONS:
            help_text = a.help
            if a.action == "send" and screen.send_block():
                help_text = f"disabled: {screen.send_block()}"
            yield a, help_text, partial(screen.run_action, a.action)

    async def discover(self) -> Hits:
        for a, help_text, run in self._commands():
            yield DiscoveryHit(a.command, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for a, help_text, run in self._commands():
            score = matcher.match(a.command)
            if score > 0:
                yield Hit(score, matcher.highlight(a.command), run, help=help_text)


class TelemetryAuditApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "telemetry-audit"
    COMMANDS = App.COMMANDS | {AuditCommands}

    def __init__(self, options: TuiOptions | None = None) -> None:
        super().__init__()
        self.options = options or TuiOptions()

    def compose(self) -> ComposeResult:
        yield Header()  # the first frame: drawn before the main screen's modules are imported
        yield Static("starting…", id="starting")

    def on_mount(self) -> None:
        self.call_after_refresh(self._open_main)

    def _open_main(self) -> None:
        from audit.faces.tui.screens import MainScreen

        self.push_screen(MainScreen(self.options))

    def notify(self, message: str, *, markup: bool = False, **kwargs) -> None:
        """Notifications broken to the toast's width here, so a path or URL in them breaks whole (never markup:
        they quote paths and errors)."""
        width = min(TOAST_WIDTH, self.size.width // 2) - TOAST_FRAME
        super().notify(wrap(message, width).plain, markup=False, **kwargs)

    def push_screen(self, screen, *args, **kwargs):
        """A dialog coming up: earlier notifications go, so none is drawn over it."""
        if isinstance(screen, ModalScreen):
            self.clear_notifications()
        return super().push_screen(screen, *args, **kwargs)
