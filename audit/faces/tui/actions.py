"""Every user action in one table: the key bindings, the footer and the command palette are generated from it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    id: str  # binding id, e.g. "payload.send"
    keys: str  # Textual key list, e.g. "s" or "question_mark,f1"
    action: str  # screen action name (action_<name>)
    label: str  # footer text
    command: str  # command palette title, namespaced like `payload: send`
    help: str  # command palette help and the help screen


# Quit and Help first: the footer shows bindings in this order, so a narrow terminal cuts the others, never these.
ACTIONS: tuple[Action, ...] = (
    Action("app.quit", "q", "app.quit", "Quit", "app: quit", "Leave telemetry-audit"),
    Action("app.help", "question_mark,f1", "help", "Help", "app: help", "Keys, tabs and what each view means"),
    Action("payload.send", "s", "send", "Send", "payload: send",
           "POST this exact payload to the endpoint, after a confirmation showing endpoint and sha256"),
    Action("payload.suppress", "x", "suppress", "Suppress", "payload: suppress",
           "Do not send this payload, and record that decision in the journal"),
    Action("payload.save", "w", "save", "Save", "payload: save", "Write the exact bytes to a file"),
    Action("optout.apply", "o", "optout_apply", "Opt out", "opt-out: apply",
           "Create the opt-out file in the config dir (asks first)"),
    Action("optout.revert", "i", "optout_revert", "Opt in", "opt-out: revert",
           "Remove the opt-out file from the config dir (asks first)"),
    Action("journal.show", "j", "journal", "Journal", "journal: show", "Every send/suppress decision recorded"),
)


def bindings() -> list[Binding]:
    return [Binding(a.keys, a.action, a.label, id=a.id, tooltip=a.help) for a in ACTIONS]
