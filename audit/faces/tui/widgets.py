"""Widgets of the main screen. Each posts small dataclass messages upward; the screen decides what to do."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from audit import channels
from audit.plumbing import codes
from audit.channels.backend import catalog
from audit.model.fact import Facts
from audit.core.identify import Finding
from audit.model.payload import Payload
from audit.faces.tui import adapters
from audit.faces.tui.wrap import Wrapped

# ------------------------------------------------------------------------------------------------ event list

def short_versions(ev) -> str:
    """`v1.31–v2.5`, `to v2.2`: an event's range, short enough for a narrow list."""
    return short_span(ev.since, ev.until)


def all_events() -> dict:
    """Every built event by name, channel by channel (audit.channels; names do not repeat across channels)."""
    return {ev.name: ev for ch in channels.built() for ev in ch.impl().events()}


def channel_note(ch: channels.Channel) -> str:
    if not ch.built:
        observed = ch.last_observation()
        return f"{ch.sender}: documented; " + (_observed(observed) if observed else "observe-dashboard shows it")
    return f"{ch.sender}, {short_span(ch.since, ch.until)}"


def _observed(observation: dict) -> str:
    from audit.channels import dashboard

    return dashboard.summary(observation)


def short_span(since: str | None, until: str | None) -> str:
    return "all versions" if not since and not until else f"to {until}" if not since else \
        f"{since}–{until}" if until else f"from {since}"


class EventList(OptionList):
    """Events grouped by channel, each with its one-line meaning and the versions that send it."""

    @dataclass
    class Chosen(Message):
        name: str

    def __init__(self, **kwargs) -> None:
        super().__init__(*self._options(), **kwargs)

    @staticmethod
    def _options() -> list[Option]:
        by_channel: dict[str, list] = {}
        for ev in all_events().values():
            by_channel.setdefault(ev.channel, []).append(ev)
        options: list[Option] = []
        for ch in channels.CHANNELS.values():
            head = Text.assemble((ch.title, "bold"), ("  " + channel_note(ch), "dim italic"),
                                 no_wrap=True, overflow="ellipsis")
            options.append(Option(head, id=f"channel:{ch.name}", disabled=True))
            for ev in by_channel.get(ch.name, []):
                prompt = Text.assemble((ev.name, "bold"), "  ", (short_versions(ev), "dim"), "\n", (ev.meaning, ""),
                                       no_wrap=True, overflow="ellipsis")
                options.append(Option(prompt, id=f"event:{ev.name}"))
        return options

    def select_event(self, name: str) -> None:
        self.highlighted = self.get_option_index(f"event:{name}")

    @on(OptionList.OptionHighlighted)
    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("event:"):
            self.post_message(self.Chosen(option_id[6:]))


# ------------------------------------------------------------------------------------------------ parameters

MAX_LABEL = 18  # a parameter's name column: as wide as the longest name, up to this (then "…")


class ParamsForm(Widget):
    """One compact row per Param of the selected event, built from catalog data only."""

    BINDINGS = [Binding("escape", "leave", "Events", id="form.leave", tooltip="back to the event list"),
                Binding("ctrl+l", "pick_codes", "Reasons", id="form.codes",
                        tooltip="list the libwebsockets callback reasons")]

    @dataclass
    class Changed(Message):
        event: str
        values: dict

    @dataclass
    class PickCodes(Message):
        current: str

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.event: catalog.Event | None = None

    def compose(self) -> ComposeResult:
        yield Vertical(id="param-rows")
        yield Static("", id="param-error", classes="error")

    async def show(self, ev: catalog.Event) -> None:
        self.event = ev
        rows = self.query_one("#param-rows", Vertical)
        await rows.remove_children()
        widgets = []
        label_width = min(max((len(p.name) for p in ev.params), default=0) + 1, MAX_LABEL)
        for param in ev.params:
            label = Label(param.name, classes="param-label")
            label.styles.width = label_width
            widgets.append(Horizontal(label, self._editor(param),
                                      classes="param-row", id=f"row-{param.name}"))
            if param.kind == "codes":
                widgets.append(Static(self.decode(str(param.default)), id="codes-help", classes="param-help"))
        if not ev.params:
            widgets.append(Static(f"{ev.name} takes no parameters: {ev.results_meaning}.", classes="param-help"))
        await rows.mount_all(widgets)
        self.set_class(not ev.params, "-empty")
        self.show_errors({})

    def _editor(self, param: catalog.Param) -> Widget:
        wid = f"param-{param.name}"
        if param.kind == "choice":
            return Select([(c, c) for c in param.choices], value=param.default, allow_blank=False, compact=True,
                          id=wid, tooltip=param.help)
        placeholder = "1,2,44 (ctrl+l lists the reasons)" if param.kind == "codes" else "(empty)"
        return Input(str(param.default if param.default is not None else ""), placeholder=placeholder, compact=True,
                     id=wid, tooltip=param.help, select_on_focus=False)

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.event is None:
            return out
        for param in self.event.params:
            for widget in self.query(f"#param-{param.name}"):
                out[param.name] = str(widget.value)
        return out

    @staticmethod
    def decode(text: str) -> str:
        parts = []
        for item in text.split(","):
            item = item.strip()
            if item.isdigit():
                parts.append(f"{item} {codes.LWS_REASONS.get(int(item), 'unknown reason')}")
            elif item:
                parts.append(f"{item} ?")
        return "newest first: " + ", ".join(parts) if parts else "comma-separated libwebsockets callback reasons"

    def show_errors(self, errors: dict[str, str]) -> None:
        """errors: param name -> message ('' key for a message that names no single field)."""
        for widget in self.query(".param-row"):
            widget.set_class(widget.id[4:] in errors, "-invalid")
        self.query_one("#param-error", Static).update("\n".join(errors.values()))
        self.set_class(bool(errors), "-has-error")

    def set_codes(self, text: str) -> None:
        self.query_one("#param-codes", Input).value = text

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        event.stop()
        if self.event is None:
            return
        if isinstance(event, Input.Changed) and event.input.id == "param-codes":
            for help_ in self.query("#codes-help"):
                help_.update(self.decode(event.value))
        self.post_message(self.Changed(self.event.name, self.values()))

    def _has_codes(self) -> bool:
        return self.event is not None and any(p.kind == "codes" for p in self.event.params)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._has_codes() if action == "pick_codes" else True

    def action_pick_codes(self) -> None:
        if self._has_codes():
            self.post_message(self.PickCodes(self.values().get("codes", "")))

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    class Leave(Message):
        """The user is done with the form (escape)."""


# ------------------------------------------------------------------------------------------------ payload views

class WireView(Vertical):
    """The exact bytes, as they would be POSTed, with line numbers; why they are not JSON, when they are not."""

    def compose(self) -> ComposeResult:
        yield Static("", id="wire-invalid", classes="error")
        yield Static("", id="wire-identifying", classes="error")
        yield TextArea("", read_only=True, show_line_numbers=True, soft_wrap=True, id="wire-text")

    def show(self, built: Payload, findings: dict[str, list[Finding]] | None = None) -> None:
        problems = self.query_one("#wire-invalid", Static)
        problems.update("Not valid JSON (sent as is): " + "; ".join(built.invalid) if built.invalid else "")
        problems.display = bool(built.invalid)
        leaks, found = self.query_one("#wire-identifying", Static), _identifying_text(built, findings or {})
        leaks.update(found)
        leaks.display = bool(found)
        text = built.wire.decode("utf-8", "backslashreplace")
        area = self.query_one("#wire-text", TextArea)
        if area.text != text:
            area.load_text(text)


def _identifying_text(built: Payload, findings: dict[str, list[Finding]]) -> str:
    """One line per unexpected finding, with the wire line it sits on."""
    lines = []
    for key, found in findings.items():
        for f in found:
            if not f.expected:
                at = adapters.wire_line(built, key)
                lines.append(f"⚠ line {at}: {key} holds {f.description} ({f.text}, {f.match})" if at
                             else f"⚠ {key} holds {f.description} ({f.text}, {f.match})")
    return "\n".join(lines)


class JsonView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("", id="json-invalid", classes="error")
        yield TextArea("", read_only=True, soft_wrap=True, id="json-text")

    def show(self, built: Payload) -> None:
        document = built.document()
        note = self.query_one("#json-invalid", Static)
        area = self.query_one("#json-text", TextArea)
        if document is None:
            note.update("These bytes do not parse as JSON, so there is no pretty form: "
                        + "; ".join(built.invalid) + ". The Wire tab shows them exactly.")
            note.display = True
            area.load_text("")
            return
        note.display = False
        area.load_text(json.dumps(document, indent=2, ensure_ascii=False))


MIN_COLUMN = 8


def fit_columns(widths: list[int], room: int, padding: int) -> list[int]:
    """Column widths such that the right edge cuts no column: the first is at most 2/5 of the room; the column
    crossing the edge is narrowed to end there (its cells end with "…"), or, if too little of it would show,
    the one before is widened up to the edge. Columns beyond stay as they are (scroll right to see them)."""
    out = list(widths)
    if room <= 0:
        return out
    out[0] = min(out[0], max(MIN_COLUMN, room * 2 // 5))
    used = 0
    for i, width in enumerate(out):
        if used + width + padding <= room:
            used += width + padding
            continue
        left = room - used - padding
        if left >= MIN_COLUMN or i == 0:
            out[i] = max(left, 1)
        else:
            out[i - 1] += left + padding
        break
    return out


def cell(text: str, style: str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


class FieldsTable(DataTable):
    """name, value, meaning, source, sensitivity; identifiers highlighted, assumed values marked."""

    COLUMNS = (("name", None), ("value", 36), ("meaning", 48), ("source", 28), ("sensitivity", 11))

    @dataclass
    class FieldHighlighted(Message):
        key: str

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self._meanings = adapters.field_meanings()
        self._channel = "backend"
        self.built: Payload | None = None
        self.facts: Facts = {}
        self.findings: dict[str, list[Finding]] = {}

    def show(self, built: Payload, facts: Facts, findings: dict[str, list[Finding]] | None = None) -> None:
        self.built, self.facts, self.findings = built, facts, findings or {}
        if built.channel != self._channel:
            self._channel, self._meanings = built.channel, adapters.field_meanings(built.channel)
        meanings = self._meanings
        row = self.cursor_row
        self.clear(columns=True)
        self._room = self.scrollable_content_region.width
        natural = [width or max((len(f.key) for f in built.fields), default=4) for _, width in self.COLUMNS]
        for (column, _), width in zip(self.COLUMNS, fit_columns(natural, self._room, 2 * self.cell_padding)):
            self.add_column(column, key=column, width=width)
        for f in built.fields:
            meaning = meanings.get(f.key, adapters.Meaning())
            identifier = meaning.sensitivity == "identifier"
            leak = any(not x.expected for x in self.findings.get(f.key, ()))
            style = "bold white on red" if leak else "bold red" if identifier else ""
            value = Text(f.text, style=style, no_wrap=True, overflow="ellipsis")
            if leak:
                value = Text.assemble(("⚠", "bold red"), value)
            if f.assumed:
                value = Text.assemble(("*", "bold yellow"), value)
            self.add_row(cell(f.key, style), value, cell(meaning.description), cell(adapters.field_source(f, facts)),
                         cell(meaning.sensitivity or "-", style or "dim"), key=f.key)
        if built.fields:
            self.move_cursor(row=min(row, len(built.fields) - 1))

    def on_resize(self) -> None:
        if getattr(self, "built", None) is not None and self._room != self.scrollable_content_region.width:
            self.show(self.built, self.facts, self.findings)

    def detail(self, key: str) -> Text:
        if self.built is None:
            return Text()
        f = next((f for f in self.built.fields if f.key == key), None)
        if f is None:
            return Text()
        meaning = self._meanings.get(key, adapters.Meaning())
        text = Text.assemble((f.key, "bold red" if meaning.sensitivity == "identifier" else "bold"), " = ",
                             (f.text, ""), (f"   [{meaning.sensitivity}]" if meaning.sensitivity else "", "dim"))
        if meaning.description:
            text.append("\n" + meaning.description)
        text.append("\nsource: ", style="dim")
        text.append(adapters.field_source(f, self.facts))
        fact = self.facts.get(f.fact) if f.fact else None
        if fact is not None and fact.note:
            text.append("  " + fact.note, style="dim")
        if f.assumed:
            text.append("\n* assumed: not read from this machine, the daemon's or script's default", style="yellow")
        for finding in self.findings.get(key, ()):
            verdict = "by design" if finding.expected else "UNEXPECTED"
            text.append(f"\n{'' if finding.expected else '⚠ '}{verdict}: {finding.description} "
                        f"({finding.text}, {finding.match})", style="yellow" if finding.expected else "bold red")
        return text

    @on(DataTable.RowHighlighted)
    def _row(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self.post_message(self.FieldHighlighted(event.row_key.value))


_STATE_STYLE = {"sends": "green", "off": "bold red"}


def _dashboard_rows(text: Text, rows: tuple[tuple[str, bool, bool], ...]) -> None:
    """The dashboard's requests; in red those no opt-out stops."""
    if rows:
        text.append("\nDashboard requests\n", style="bold")
    for title, sends, opt_out_stops in rows:
        text.append(f"{title:<22}", style="bold")
        if opt_out_stops:
            text.append("sends (the opt-out stops it)\n" if sends else "off (the opt-out)\n",
                        style="green" if sends else "dim")
        else:
            text.append("sends: NO opt-out stops it\n" if sends else "off\n", style="bold red" if sends else "dim")


class OptOutPanel(VerticalScroll):
    """Each component's verdict, the mechanisms and evidence behind it, and where components disagree."""

    def compose(self) -> ComposeResult:
        yield Static("", id="optout-body")

    def show(self, view: adapters.OptOutView, channel: str = "backend", refused: str | None = None) -> None:
        """Headed by the verdict of the shown payload (`refused`: what stops it, as Send says; None: nothing)."""
        text = Text()
        title = channels.channel(channel).title
        if refused:
            text.append(f"{title} channel: NOT SENT. ", style="bold red")
            text.append(refused + "\n")
        elif view.components:
            text.append(f"{title} channel: sent (no opt-out applies)\n", style="bold green")
        if view.summary:
            text.append("\n" + view.summary + "\n", style="italic")
        if view.channels:
            text.append("\nChannels\n", style="bold")
        for name, state, why in view.channels:
            text.append(f"{name:<13}", style="bold")
            text.append(f"{state:<6} ", style=_STATE_STYLE.get(state, "dim"))
            text.append(f"{why}\n" if why else "\n")
        _dashboard_rows(text, view.dashboard)
        text.append("\nComponents", style="bold")
        for c in view.components:
            text.append("\n")
            text.append(f"{c.component:<13}", style="bold")
            if c.not_applicable:
                text.append("not applicable here: ", style="dim")
                text.append(c.not_applicable, style="dim")
                continue
            text.append("sends " if c.sends else "off   ", style="green" if c.sends else "bold red")
            if c.mechanisms:
                text.append("by " + ", ".join(c.mechanisms))
            for evidence in c.evidence:
                text.append(f"\n             {evidence}", style="dim")
        if view.disagreements:
            text.append("\n\nDisagreements\n", style="bold yellow")
            for d in view.disagreements:
                text.append(f"  - {d}\n")
        self.query_one("#optout-body", Static).update(Wrapped(text))


STATUS_LINES = 4  # #status's max-height


class StatusLine(Static):
    def show(self, built: Payload | None, error: str = "", send_block: str | None = None, wide: bool = False,
             findings: dict[str, list[Finding]] | None = None, verdict: str | None = None) -> None:
        text = Text(no_wrap=False)
        if built is None:
            text.append(error or "no payload", style="bold red" if error else "dim")
        else:
            text.append("sha256 ", style="dim")
            text.append(built.sha256 if wide else built.sha256[:16] + "…")
            text.append(f"  {len(built.wire)} bytes  ")
            text.append("valid JSON" if built.valid_json else "INVALID JSON",
                        style="bold green" if built.valid_json else "bold red")
            if error:
                text.append("  (last edit not applied: see the form)", style="bold red")
            if send_block:  # what stops it, in its first words: an opt-out, the version, the config dir…
                text.append(f"  send: off ({send_block.split(' (')[0].split(';')[0]})", style="bold yellow")
            if verdict:
                text.append(f"\n{built.channel}: {verdict}", style="bold")
            leaks = sum(not f.expected for found in (findings or {}).values() for f in found)
            if leaks:
                text.append(f"  ⚠ {leaks} identifying value{'s' * (leaks != 1)}", style="bold red")
            for warning in built.warnings:
                text.append("\n⚠ " + warning, style="yellow")
        self.update(Wrapped(text, max_lines=STATUS_LINES))
