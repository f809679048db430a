"""Screens: the main audit screen and its dialogs. Network and disk work runs in workers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import (Button, DataTable, Footer, Header, Input, Label, Markdown, OptionList, Static,
                             TabbedContent, TabPane)
from textual.widgets.option_list import Option

from audit.plumbing import codes
from audit.model.payload import Payload
from audit.channels.backend import catalog
from audit.plumbing.errors import AuditError
from audit.facts.collect import gather
from audit.facts.identity import Identity
from audit.model.fact import Facts
from audit.core.identify import Finding
from audit.faces.tui import actions, adapters
from audit.faces.tui.options import TuiOptions
from audit.faces.tui.wrap import Wrapped
from audit.faces.tui.widgets import (EventList, FieldsTable, JsonView, OptOutPanel, ParamsForm, StatusLine, WireView,
                               all_events, cell, fit_columns)

DEBOUNCE = 0.015  # seconds: coalesce a burst of keystrokes, yet refresh well within 50 ms of the last one
WIDE = 120
XWIDE = 160
TALL = 32
FIELD_DETAIL_LINES = 4  # #field-detail's max-height less its top border


async def in_daemon_thread(fn, *args):
    """fn(*args) in a thread that never holds the app open: quitting while facts load (a slow disk, a stuck
    mount) or while a POST waits for its answer exits at once instead of waiting for it to finish."""
    import concurrent.futures
    import threading

    future: concurrent.futures.Future = concurrent.futures.Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():  # cancelled before it started
            return
        try:
            future.set_result(fn(*args))
        except BaseException as e:  # handed to the awaiting coroutine, which reports it
            future.set_exception(e)

    threading.Thread(target=run, daemon=True, name=fn.__name__).start()
    return await asyncio.wrap_future(future)


TABS = (("tab-wire", "Wire"), ("tab-json", "JSON"), ("tab-fields", "Fields"), ("tab-optout", "Opt-out"))
# Keys that are not in the actions table (the footer), listed in the help all the same.
OTHER_KEYS = (
    ("1 2 3 4", "tabs", "show Wire, JSON, Fields, Opt-out"),
    ("tab / shift+tab", "focus", "move between the event list, the parameters and the tabs"),
    ("up / down", "events", "choose an event (the payload follows)"),
    ("ctrl+l", "codes", "in the ACLK_CONN_FAIL codes field: list the libwebsockets reasons"),
    ("y / n, escape", "dialogs", "answer a confirmation; escape closes any dialog"),
    ("ctrl+p", "command palette", "every command above, by name"),
)


class MainScreen(Screen):
    BINDINGS = actions.bindings() + [Binding(str(n), f"show_tab('{tab}')", label, show=False, id=f"tab.{n}")
                                     for n, (tab, label) in enumerate(TABS, 1)]

    def __init__(self, options: TuiOptions) -> None:
        super().__init__()
        self.options = options
        self.given_endpoint = options.endpoint  # None: each channel's own
        self.journal_path = Path(options.journal) if options.journal else adapters.default_journal_path()
        self.facts: Facts | None = None
        self.event = next(iter(catalog.EVENTS))
        self.values: dict[str, str] = {}
        self.built: Payload | None = None
        self.identity = Identity()
        self.findings: dict[str, list[Finding]] = {}
        self.error = ""
        self.optout = adapters.OptOutView(summary="checking opt-outs…")
        self._optout_shown: tuple = (None, None, None)
        self._gate: tuple = (None, None)  # (the body it was asked for, the agent-events gate's verdict)
        self._pending: Timer | None = None
        self._built_at = 0.0  # time.monotonic() of the last rebuild
        self._dirty: set[str] = set()
        self.inputs: dict[str, dict] = {}  # per channel, what its builder reads of the machine (collected once)

    # ------------------------------------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield EventList(id="events")
                yield Static("", id="event-about")
            with Vertical(id="right"):
                yield ParamsForm(id="params")
                with TabbedContent(id="tabs", initial="tab-wire"):
                    with TabPane("Wire", id="tab-wire"):
                        yield WireView(id="wire")
                    with TabPane("JSON", id="tab-json"):
                        yield JsonView(id="json")
                    with TabPane("Fields", id="tab-fields"):
                        yield FieldsTable(id="fields")
                        yield Static("", id="field-detail")
                    with TabPane("Opt-out", id="tab-optout"):
                        yield OptOutPanel(id="optout")
        yield Static("", id="load-error", classes="error")
        yield StatusLine("", id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "telemetry-audit"
        self.sub_title = "loading facts…"
        self.query_one("#main").loading = True
        self.query_one("#load-error").display = False
        self._layout_classes(self.size.width, self.size.height)
        self.load_facts()

    def on_resize(self, event) -> None:
        self._layout_classes(event.size.width, event.size.height)
        self._show_status()

    def _layout_classes(self, width: int, height: int) -> None:
        self.set_class(width >= WIDE, "-wide")
        self.set_class(width >= XWIDE, "-xwide")
        self.set_class(height >= TALL, "-tall")

    # ------------------------------------------------------------------------------------------------ facts
    @work(exclusive=True, group="facts")
    async def load_facts(self) -> None:
        try:
            facts = await in_daemon_thread(gather, self.options.request)
            self.identity = await in_daemon_thread(adapters.identity, self.options.request, facts)
            self.inputs = await in_daemon_thread(adapters.channel_inputs, self.options.request, facts)
        except AuditError as e:
            self._load_failed(adapters.in_tui_words(str(e)))
            return
        except Exception as e:  # a bug or missing piece of the core: say so on screen, never a traceback
            self._load_failed(f"internal error while gathering facts ({type(e).__name__}: {e}); "
                              "a facts snapshot (--facts FILE) still works")
            return
        self.facts = facts
        self.query_one("#main").loading = False
        version = facts.get("netdata_version")
        self.sub_title = f"Netdata {version.value if version and version.value else '(version unknown)'}"
        self.query_one(EventList).select_event(self.event)
        await self._show_event(self.event)
        self.query_one(EventList).focus()
        self.evaluate_optout()

    def _load_failed(self, message: str) -> None:
        self.query_one("#main").loading = False
        self.query_one("#main").display = False
        error = self.query_one("#load-error", Static)
        error.update(Wrapped(Text.assemble(("Could not gather facts\n\n", "bold"), message,
                                           ("\n\nNothing was sent. Press q to quit.", "dim"))))
        error.display = True
        self.sub_title = "facts unavailable"
        self.error = message
        self._show_status()

    @work(exclusive=True, group="optout")
    async def evaluate_optout(self) -> None:
        config_dir = self.options.request.config_dir
        try:
            root = self.options.request.root
            view = await asyncio.to_thread(adapters.optout_view, self.facts or {}, config_dir,
                                           None if root else dict(os.environ), root)
        except AuditError as e:
            view = adapters.OptOutView(summary=f"opt-out evaluation failed: {e}")
        self.optout = view
        self._show_status()
        self.refresh_bindings()

    # ------------------------------------------------------------------------------------------------ events and params
    @on(EventList.Chosen)
    async def _event_chosen(self, message: EventList.Chosen) -> None:
        if self.facts is None or (message.name == self.event and self.built is not None):
            return
        await self._show_event(message.name)

    async def _show_event(self, name: str) -> None:
        self.event = name
        ev = all_events()[name]
        await self.query_one(ParamsForm).show(ev)
        self.values = {p.name: str(p.default if p.default is not None else "") for p in ev.params}
        self.query_one("#event-about", Static).update(Text.assemble(
            (ev.name, "bold"), f"  {ev.versions}\n", ev.meaning, ("\nSent: ", "bold"), ev.sent_when,
            ("\nResult/data: ", "bold"), ev.results_meaning))
        self.rebuild()

    @on(ParamsForm.Changed)
    def _params_changed(self, message: ParamsForm.Changed) -> None:
        if message.event != self.event:
            return
        self.values = message.values
        if self._pending is None and time.monotonic() - self._built_at >= DEBOUNCE:
            self.rebuild()  # a lone edit is shown at once; only a burst waits for its last keystroke
            return
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(DEBOUNCE, self.rebuild)

    @on(ParamsForm.Leave)
    def _leave_form(self) -> None:
        self.query_one(EventList).focus()

    @on(FieldsTable.FieldHighlighted)
    def _field_highlighted(self, message: FieldsTable.FieldHighlighted) -> None:
        detail = self.query_one(FieldsTable).detail(message.key)
        self.query_one("#field-detail", Static).update(Wrapped(detail, max_lines=FIELD_DETAIL_LINES))

    @on(ParamsForm.PickCodes)
    def _pick_codes(self, message: ParamsForm.PickCodes) -> None:
        def picked(text: str | None) -> None:
            if text is not None:
                self.query_one(ParamsForm).set_codes(text)

        self.app.push_screen(CodesPicker(message.current), picked)

    def rebuild(self) -> None:
        """Build the payload for the current event and values; show it, or say inline why not."""
        self._pending = None
        self._built_at = time.monotonic()
        if self.facts is None:
            return
        ev = all_events()[self.event]
        try:
            built = self._build(ev)
        except AuditError as e:
            self.error = str(e)
            self.query_one(ParamsForm).show_errors(self._field_errors(ev, str(e)))
            self._show_status()
            self.refresh_bindings()
            return
        self.error = ""
        self.query_one(ParamsForm).show_errors({})
        self.built = built
        self.findings = adapters.findings_by_field(built, self.identity)
        self._dirty = {"tab-wire", "tab-json", "tab-fields"}
        self._refresh_tab(self.query_one(TabbedContent).active)
        self._show_status()
        self.refresh_bindings()

    def _build(self, ev) -> Payload:
        return adapters.build(ev.channel, self.facts, ev.name, self.values, self.inputs.get(ev.channel, {}))

    def _field_errors(self, ev: catalog.Event, message: str) -> dict[str, str]:
        """Which fields are wrong: each checked alone, so every bad field is marked, not just the first."""
        if ev.channel != "backend":
            return {"": message}
        errors = {}
        for param in ev.params:
            try:
                catalog.resolve_params(ev, {param.name: self.values.get(param.name)})
            except AuditError as e:
                errors[param.name] = str(e)
        return errors or {"": message}

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._refresh_tab(event.pane.id)

    def _refresh_tab(self, tab: str | None) -> None:
        if self.built is None or tab not in self._dirty:
            return
        self._dirty.discard(tab)
        if tab == "tab-wire":
            self.query_one(WireView).show(self.built, self.findings)
        elif tab == "tab-json":
            self.query_one(JsonView).show(self.built)
        elif tab == "tab-fields":
            self.query_one(FieldsTable).show(self.built, self.facts or {}, self.findings)

    def _show_status(self) -> None:
        channel = self.built.channel if self.built is not None else None
        refused, gate = self._block_reason(), self._body_gate()
        shown = (self.optout, channel, refused)
        if shown != self._optout_shown:  # the opt-out tab is headed by the shown channel's verdict
            self._optout_shown = shown
            self.query_one(OptOutPanel).show(self.optout, channel or "backend", refused)
        self.query_one(StatusLine).show(self.built if self.facts else None, self.error, refused,
                                        wide=self.size.width >= WIDE, findings=self.findings,
                                        verdict=gate.summary if gate is not None else
                                        self.optout.summary_for(channel) if channel else None)

    # ------------------------------------------------------------------------------------------------ actions
    def endpoint_for(self, built: Payload) -> str:
        return self.given_endpoint or adapters.default_endpoint(built.channel)

    def send_block(self) -> str | None:
        if self.facts is None or self.built is None:
            return "no payload yet"
        if self.error:
            return f"fix the parameters first: {self.error}"
        if not self.optout.components:  # no verdict: still checking, or the check failed
            return self.optout.summary or "the opt-out state is unknown"
        return self._block_reason()

    def _block_reason(self) -> str | None:
        """What stops the shown payload: its channel's opt-out (each by its own sender's rule); for an agent-events
        body, the daemon's gate for that body's own exit cause, as `send` asks it."""
        gate = self._body_gate()
        if gate is not None and self.optout.components:
            return self.optout.misplaced or (None if gate.sends else gate.summary.removeprefix("not sent: "))
        return self.optout.block_for(self.built.channel if self.built is not None else "backend")

    def _body_gate(self):
        built = self.built
        if built is None or built.channel != "agent-events" or self.error:
            return None
        cached_for, gate = self._gate
        if cached_for is not built:
            request = self.options.request
            try:
                gate = adapters.body_gate(built, self.facts or {}, request.config_dir, request.lib_dir,
                                          dict(os.environ))
            except AuditError:
                gate = None  # unreadable state: the opt-out view's own verdict says so
            self._gate = (built, gate)
        return gate

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("suppress", "save"):
            return None if self.built is None or self.error else True
        return True

    def action_send(self) -> None:
        """Always answers (never a dimmed key that does nothing): a refusal is shown and journaled, as the CLI's."""
        reason = self.send_block()
        if reason:
            self.notify(f"Sending is off: {reason}", title="payload: send", severity="warning")
            refused = self.built is not None and self._block_reason()
            if refused:
                self.record(adapters.Outcome("refused", refused))  # what stops it, in the verdict's words
            return
        built, params = self.built, dict(self.values)

        def confirmed(yes: bool | None) -> None:
            if yes and built is not None:
                self.send(built, params)

        lines = [("Event", built.event), ("Endpoint", self.endpoint_for(built)), ("sha256", built.sha256),
                 ("Bytes", str(len(built.wire))), ("JSON", "valid" if built.valid_json else
                                                   "NOT valid (sent exactly as the script would)")]
        lines += [("Note", w) for w in built.warnings]
        title = "Send this payload?" if built.valid_json else "Send this payload although it is NOT valid JSON?"
        self.app.push_screen(ConfirmScreen(title, lines, "Send", id="confirm-send"), confirmed)

    @work(exclusive=True, group="send")
    async def send(self, built: Payload, params: dict) -> None:
        endpoint = self.endpoint_for(built)
        self.notify(f"Sending {built.event} to {endpoint}…", title="payload: send")
        try:
            outcome = await self._send(built, params, endpoint)
        except AuditError as e:
            outcome = adapters.Outcome("not sent", f"{e}")
        self.notify(f"{outcome.decision}: {outcome.detail}", title="payload: send",
                    severity="information" if outcome.decision == "sent" else "error")

    async def _send(self, built: Payload, params: dict, endpoint: str) -> adapters.Outcome:
        with await asyncio.to_thread(adapters.open_journal, self.journal_path) as book:
            txn = adapters.transaction(book, built, params, endpoint)
            try:  # a daemon thread: quitting mid-send exits at once instead of waiting for the answer
                return await in_daemon_thread(adapters.post, txn)
            except asyncio.CancelledError:  # the app quits, or a new send replaces this one
                with contextlib.suppress(AuditError):  # quitting: nowhere left to say the journal failed
                    txn.interrupt()
                raise

    def action_suppress(self) -> None:
        if self.built is None or self.error:
            self.notify("Nothing to suppress: fix the parameters first", severity="warning")
            return
        self.record(adapters.Outcome("suppressed", "suppressed by the user in the TUI"))
        self.notify(f"{self.built.event} suppressed and recorded", title="payload: suppress")

    @work(group="journal")
    async def record(self, outcome: adapters.Outcome) -> None:
        if self.built is not None:
            await self._record(self.built, outcome)

    async def _record(self, built: Payload, outcome: adapters.Outcome) -> None:
        try:
            await asyncio.to_thread(adapters.record, self.journal_path, built, outcome, self.endpoint_for(built),
                                    dict(self.values))
        except (AuditError, OSError) as e:
            self.notify(f"Could not record the decision: {e}", title="journal", severity="error")

    def action_save(self) -> None:
        if self.built is None or self.error:
            self.notify("Nothing to save: fix the parameters first", severity="warning")
            return
        built = self.built

        def chosen(path: str | None) -> None:
            if path:
                self.save(path, built.wire)

        self.app.push_screen(SaveScreen(f"{built.event.lower()}-{built.sha256[:12]}.json"), chosen)

    @work(group="save")
    async def save(self, path: str, wire: bytes) -> None:
        try:
            target = await asyncio.to_thread(adapters.save_wire, path, wire)
        except AuditError as e:
            self.notify(str(e), title="payload: save", severity="error")
            return
        self.notify(f"Saved {len(wire)} bytes to {target}", title="payload: save")

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_optout_apply(self) -> None:
        self._optout_change("apply")

    def action_optout_revert(self) -> None:
        self._optout_change("revert")

    def _optout_change(self, what: str) -> None:
        config_dir = self.options.request.config_dir
        path = Path(config_dir) / ".opt-out-from-anonymous-statistics"
        if path.exists() == (what == "apply"):
            state = "already present" if what == "apply" else "not present"
            self.notify(f"{path}: {state}: nothing to do", title=f"opt-out: {what}")
            return
        kept = adapters.kept_on_revert(config_dir) if what == "revert" else None
        if kept:  # said before any dialog: a revert would keep a file it did not create (e.g. a package's)
            self.notify(f"{path}: {kept}: nothing to do", title="opt-out: revert", severity="warning")
            return
        title = "Apply the opt-out?" if what == "apply" else "Revert the opt-out?"
        lines = [("File", str(path)), ("Effect", "creates it: the agent, script and dashboard analytics stop "
                                       "sending" if what == "apply" else "removes it: telemetry resumes unless "
                                       "another opt-out applies")]
        left = self.optout.not_silenced if what == "apply" else None
        if left:
            lines.append(("Remains", left))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.change_optout(what, config_dir)

        self.app.push_screen(ConfirmScreen(title, lines, "Apply" if what == "apply" else "Revert",
                                           id=f"confirm-{what}"), confirmed)

    @work(exclusive=True, group="optout-change")
    async def change_optout(self, what: str, config_dir: str) -> None:
        fn = adapters.apply_optout if what == "apply" else adapters.revert_optout
        try:
            done = await asyncio.to_thread(fn, config_dir)
        except (AuditError, OSError) as e:
            self.notify(str(e), title=f"opt-out: {what}", severity="error")
            return
        self.notify(done, title=f"opt-out: {what}")
        self.evaluate_optout()

    def action_journal(self) -> None:
        self.app.push_screen(JournalScreen(self.journal_path))

    def action_history(self) -> None:
        self.app.push_screen(HistoryScreen(self.options.request, self.journal_path))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())


# ---------------------------------------------------------------------------------------------------- dialogs

class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("y", "confirm", "Yes", id="dialog.confirm"),
                Binding("n,escape", "cancel", "No", id="dialog.cancel")]

    def __init__(self, title: str, lines: list[tuple[str, str]], confirm: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text, self.lines, self.confirm_label = title, lines, confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with Grid(classes="dialog-facts"):
                seen = set()
                for name, value in self.lines:
                    yield Label(name, classes="dialog-key")
                    wid = f"dialog-{name.lower()}" if name not in seen else None
                    seen.add(name)
                    yield Static(Wrapped(value), classes="dialog-value", id=wid)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm_label} (y)", variant="warning", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class SaveScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, default: str) -> None:
        super().__init__(id="save")
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Save the exact payload bytes to", classes="dialog-title")
            yield Input(self.default, id="save-path")
            yield Static("enter saves, escape cancels; an existing file is replaced", classes="dim")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CodesPicker(ModalScreen[str | None]):
    """libwebsockets callback reasons; enter puts the chosen one first (the data lists newest first)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, current: str) -> None:
        super().__init__(id="codes-picker")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label("libwebsockets callback reasons (enter adds as newest)", classes="dialog-title")
            yield OptionList(*(Option(f"{code:>3}  {name}", id=str(code)) for code, name in codes.LWS_REASONS.items()),
                             id="codes-list")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        rest = self.current.strip().strip(",")
        self.dismiss(f"{event.option.id},{rest}" if rest else str(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


JOURNAL_COLUMNS = ("time", "decision", "event", "sha256", "bytes", "endpoint", "detail")


class JournalScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,j,q", "close", "Close", id="journal.close")]

    def __init__(self, path: Path) -> None:
        super().__init__(id="journal")
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Wrapped(f"Journal: {self.path}"), classes="dialog-title")
            yield DataTable(id="journal-table", cursor_type="row", zebra_stripes=True)
            yield Static("escape closes", classes="dim")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        try:
            rows = await asyncio.to_thread(adapters.entries, self.path)
        except (AuditError, OSError) as e:
            self.notify(f"Could not read the journal: {e}", severity="error")
            return
        cells = [(e.time, e.decision, e.event, e.sha256[:16], str(e.size), e.endpoint, e.detail)
                 for e in reversed(rows)] or [("-", "no decisions recorded yet", "", "", "", "", "")]
        table = self.query_one(DataTable)
        natural = [max(map(len, column)) for column in zip(JOURNAL_COLUMNS, *cells)]
        room = table.scrollable_content_region.width
        for name, width in zip(JOURNAL_COLUMNS, fit_columns(natural, room, 2 * table.cell_padding)):
            table.add_column(name, key=name, width=width)
        for row in cells:
            table.add_row(*map(cell, row))

    def action_close(self) -> None:
        self.dismiss(None)


HISTORY_COLUMNS = ("time", "channel", "what", "outcome", "sha256")


class HistoryScreen(ModalScreen[None]):
    """`telemetry-audit history` as a dialog: the rows, and under them the selected row's notes."""
    BINDINGS = [Binding("escape,h,q", "close", "Close", id="history.close")]

    def __init__(self, request, journal_path: Path) -> None:
        super().__init__(id="history")
        self.request = request
        self.journal_path = journal_path
        self.rows: list = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("History: what this machine's agent already sent", classes="dialog-title")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static("reading the logs…", id="history-notes", classes="dim")
            yield Static("escape closes", classes="dim")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        try:
            self.rows, notes = await asyncio.to_thread(adapters.history, self.request, self.journal_path)
        except (AuditError, OSError) as e:
            self.notify(f"Could not read the history: {e}", severity="error")
            return
        cells = [(r.time, r.channel, r.what, r.outcome, r.sha256[:16]) for r in self.rows] or \
            [("-", "", "no events found in the records read", "", "")]
        table = self.query_one(DataTable)
        natural = [max(map(len, column)) for column in zip(HISTORY_COLUMNS, *cells)]
        room = table.scrollable_content_region.width
        for name, width in zip(HISTORY_COLUMNS, fit_columns(natural, room, 2 * table.cell_padding)):
            table.add_column(name, key=name, width=width)
        for row in cells:
            table.add_row(*map(cell, row))
        self.notes = notes
        self.show_notes(0)

    def show_notes(self, index: int) -> None:
        lines = list(self.rows[index].notes) if 0 <= index < len(self.rows) else []
        lines += [f"note: {n}" for n in getattr(self, "notes", [])]
        self.query_one("#history-notes", Static).update(Wrapped("\n".join(f"- {x}" for x in lines)))

    @on(DataTable.RowHighlighted, "#history-table")
    def on_row(self, event: DataTable.RowHighlighted) -> None:
        self.show_notes(event.cursor_row)

    def action_close(self) -> None:
        self.dismiss(None)


HELP = """\
# telemetry-audit

Builds the exact payload each Netdata telemetry event would send **from this machine**, explains every field,
shows which opt-outs stop it, and lets you send or suppress it. Every decision is written to the journal.

* **Left**: events by channel. Arrow keys choose; the payload follows.
* **Parameters**: tab into the form; the payload is rebuilt as you type. Bad input is shown in red and never sent.
  For ACLK_CONN_FAIL, `ctrl+l` in the codes field lists the libwebsockets reasons.
* **Wire**: the bytes exactly as POSTed (not always valid JSON: the script escapes nothing).
* **JSON**: the same, pretty printed, when it parses. **Fields**: every property with its meaning, where the
  value came from (*assumed* marks values not read from this machine) and its sensitivity; identifiers in red.
* **Opt-out**: each component's verdict and the evidence. Sending is disabled while an opt-out applies.

## Keys
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        rows = "\n".join(f"| `{a.keys.replace('question_mark', '?')}` | {a.command} | {a.help} |"
                         for a in actions.ACTIONS)
        rows += "".join(f"\n| `{keys}` | {what} | {text} |" for keys, what, text in OTHER_KEYS)
        text = HELP + "| key | command | what it does |\n|---|---|---|\n" + rows + "\n"
        with VerticalScroll(classes="dialog wide", id="help-scroll"):  # scrolls when the terminal is short
            yield Markdown(text, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
