"""Thin wiring: the app, its stylesheet, its command palette. The logic lives in screens.py and widgets.py."""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.screen import ModalScreen
from textual.command import DiscoveryHit, Hit, Hits, Provider

from audit.faces.tui import actions
from audit.faces.tui.options import TuiOptions
from audit.faces.tui.screens import MainScreen
from audit.faces.tui.wrap import wrap

TOAST_WIDTH, TOAST_FRAME = 60, 4  # Textual's Toast: width 60, at most half the screen; border and padding 4


class AuditCommands(Provider):
    """`payload: send`, `opt-out: apply`, … generated from the actions table."""

    def _commands(self):
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

    def on_mount(self) -> None:
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
