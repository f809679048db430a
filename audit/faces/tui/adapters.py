"""The TUI's only door into the core: field meanings, identifying data, opt-out verdicts, sending, the journal.

Everything here is plain Python (no Textual), so it can be tested and reused.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from audit.facts import configdir
from audit.plumbing import journal, transport, versions
from audit.core import optout
from audit.plumbing.errors import AuditError
from audit.facts.collect import FactsRequest
from audit.facts.identity import Identity
from audit.model.fact import Facts
from audit.core.identify import Finding
from audit.plumbing.system import System
from audit.model.verdict import ChannelVerdict, State
from audit.model.payload import Field, Payload

SEND_TIMEOUT = 2.0  # the script's curl --max-time 2


def default_endpoint(channel: str = "backend") -> str:
    from audit import channels

    return channels.channel(channel).endpoint


# ----------------------------------------------------------------------------------------------------------------
# Field meanings (schemas/backend-event.schema.json annotations)

@dataclass(frozen=True)
class Meaning:
    description: str = ""
    sensitivity: str = ""  # identifier | environment | configuration | usage, or "" when unknown
    since: str = ""


def field_meanings(channel: str = "backend") -> dict[str, Meaning]:
    """key -> Meaning, from the channel's schema annotations."""
    from audit.plumbing import schemas  # loads jsonschema; only the Fields tab needs it

    props = schemas.channel_properties(channel)
    return {key: Meaning(p["description"], p["x-sensitivity"], p.get("x-since", "")) for key, p in props.items()}


def field_source(f: Field, facts: Facts) -> str:
    if f.fact and f.fact in facts:
        fact = facts[f.fact]
        return fact.source + (" (assumed)" if not fact.observed else "")
    if f.form == "const":
        return "constant in the script"
    if f.key in ("action", "action_result", "action_data"):
        return "event request"
    return "daemon default (null)" if f.text == "null" else "script"


# ----------------------------------------------------------------------------------------------------------------
# Identifying data (audit.core.identify)

def identity(request: FactsRequest, facts: Facts) -> Identity:
    from audit.facts import identity as identity_facts

    return identity_facts.identity_for(request, facts)


def channel_inputs(request: FactsRequest, facts: Facts) -> dict[str, dict]:
    """Per built channel, what its builder reads of this machine (or of --root) besides the facts."""
    from audit import channels

    return {ch.name: ch.impl().collect_inputs(request, facts) for ch in channels.built()
            if hasattr(ch.impl(), "collect_inputs")}


def build(channel: str, facts: Facts, event: str, values: dict, inputs: dict) -> Payload:
    """The shown payload: the channel's own builder, from the form's text values and the collected inputs."""
    from audit import channels

    impl = channels.channel(channel).impl()
    given = impl.form_params(values) if hasattr(impl, "form_params") else values
    return impl.build(facts, event, {**given, **inputs})


def body_gate(built: Payload, facts: Facts, config_dir: str, lib_dir: str | None, env: dict[str, str]):
    """agent-events: the daemon's gate for the shown body's own exit cause, as `payload` and `send` ask it
    (audit.core.optout.body_verdict); None for the other channels."""
    if built.channel != "agent-events":
        return None
    fact = facts.get("netdata_version")
    return optout.body_verdict(System(env=env), config_dir, built, fact.value if fact else None, lib_dir)


def findings_by_field(built: Payload, found_in: Identity) -> dict[str, list[Finding]]:
    from audit.core import identify

    out: dict[str, list[Finding]] = {}
    for finding in identify.check(built, found_in):
        out.setdefault(finding.field, []).append(finding)
    return out


def wire_line(built: Payload, key: str) -> int | None:
    """1-based line of the wire text where `key` is written (the script puts one property per line)."""
    needle = f'"{key}":'.encode()
    for number, line in enumerate(built.wire.split(b"\n"), 1):
        if line.lstrip().startswith(needle):
            return number
    return None


# ----------------------------------------------------------------------------------------------------------------
# Opt-out

@dataclass(frozen=True)
class ComponentVerdict:
    component: str
    sends: bool
    mechanisms: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    not_applicable: str = ""  # why this component cannot send from here, when it cannot


@dataclass(frozen=True)
class OptOutView:
    components: tuple[ComponentVerdict, ...] = ()
    block_reason: str | None = None  # why sending the backend payload is refused; None: allowed
    disagreements: tuple[str, ...] = ()
    summary: str = ""  # a status line while checking, or why the check failed
    channel_blocks: tuple[tuple[str, str], ...] = ()  # (channel, why it is refused) for the other channels
    channel_summaries: tuple[tuple[str, str], ...] = ()  # (channel, its sender's own verdict in one line)
    channels: tuple[tuple[str, str, str], ...] = ()  # (channel, sends | off | not applicable | inactive, why)
    dashboard: tuple[tuple[str, bool, bool], ...] = ()  # (request title, sends, whether the opt-out stops it)
    not_silenced: str | None = None  # what the opt-out leaves sending at this version (the dashboard's push, ...)
    misplaced: str | None = None  # why the config dir is not an agent's: then no channel may send

    def summary_for(self, channel: str) -> str | None:
        """E.g. agent-events: "would send at next start: …" / "not sent: crash reports = off"."""
        return dict(self.channel_summaries).get(channel)

    def block_for(self, channel: str) -> str | None:
        """Why sending on `channel` is refused (each channel by its own sender's rule; every channel when the config
        dir is not an agent's); None: allowed."""
        own = self.block_reason if channel == "backend" else dict(self.channel_blocks).get(channel)
        return "; ".join(dict.fromkeys(why for why in (own, self.misplaced) if why)) or None


def optout_view(facts: Facts, config_dir: str, env: dict[str, str] | None = None,
                root: str | None = None) -> OptOutView:
    """The typed verdict as the tab shows it (under --root, the sysroot's opt-out, as `opt-out --root` reads it)."""
    fact = facts.get("netdata_version")
    version = fact.value if fact and fact.value else versions.LAST_SCRIPT_VERSION
    given = dict(env) if env is not None else {} if root else dict(os.environ)  # a sysroot's environment is not ours
    system = System(root=root, env=given)
    verdict = optout.evaluate(system, config_dir, version)
    components = tuple(ComponentVerdict(name, c.sends, c.suppressed_by, (c.rule, c.evidence), c.not_applicable or "")
                       for name, c in verdict.components.items())
    misplaced = configdir.problem(System(root=root), config_dir, option="the config dir")
    misplaced = misplaced and f"{misplaced}, so the opt-out cannot be checked"  # every channel's verdict reads it
    refused = {name: v.reason for name, v in verdict.channels.items() if not v.may_send}
    blocks = tuple((name, why) for name, why in refused.items() if name != "backend")
    summaries = tuple((name, v.summary) for name, v in verdict.channels.items() if v.summary)
    dashboard = tuple((r.title, r.sends, r.stopped_by_opt_out) for r in verdict.components["dashboard"].requests or ())
    return OptOutView(components, refused.get("backend"),
                      tuple(verdict.disagreements), channel_blocks=blocks, channel_summaries=summaries,
                      channels=tuple(_channel_line(n, v) for n, v in verdict.channels.items()),
                      dashboard=dashboard, not_silenced=_not_silenced(dashboard), misplaced=misplaced)


def _not_silenced(dashboard: tuple[tuple[str, bool, bool], ...]) -> str | None:
    """For the opt-out dialog: the dashboard requests no opt-out stops."""
    titles = [title for title, sends, opt_out_stops in dashboard if sends and not opt_out_stops]
    return f"the dashboard's {', '.join(titles)}: no opt-out stops them" if titles else None


def _channel_line(name: str, v: ChannelVerdict) -> tuple[str, str, str]:
    """The typed state in the tab's short words (not sent: "off"), and why."""
    return name, "off" if v.state is State.NOT_SENT else v.state.value, v.why


def apply_optout(config_dir: str) -> str:
    return optout.apply(config_dir)


def kept_on_revert(config_dir: str) -> str | None:
    return optout.kept_on_revert(config_dir)


def revert_optout(config_dir: str) -> str:
    return optout.revert(config_dir)


# ----------------------------------------------------------------------------------------------------------------
# Sending and the journal

@dataclass(frozen=True)
class Outcome:
    decision: str  # sent | refused | suppressed | failed
    detail: str
    status: int | None = None


def open_journal(path: Path) -> journal.Journal:
    return journal.Journal(str(path))


def transaction(book: journal.Journal, payload: Payload, params: dict, endpoint: str) -> journal.Transaction:
    """The CLI's transaction; the app calls its `interrupt` when it quits (or replaces the send) mid-send."""
    return journal.Transaction(book, payload, endpoint, params=params, source="tui")


def post(txn: journal.Transaction, timeout: float | None = None) -> Outcome:
    """Journal `sending`, POST, journal the outcome (blocking: run it in a worker thread)."""
    done = txn.run(SEND_TIMEOUT if timeout is None else timeout)
    if done is None:
        return Outcome("interrupted", "interrupted before anything was sent")
    return Outcome(done["state"], done.get("message") or done["state"], done.get("status"))


def send(path: Path, payload: Payload, params: dict, endpoint: str, timeout: float | None = None) -> Outcome:
    with open_journal(path) as book:
        return post(transaction(book, payload, params, endpoint), timeout)


def default_journal_path() -> Path:
    return Path(journal.default_path())


@dataclass(frozen=True)
class JournalEntry:
    time: str
    decision: str
    event: str
    sha256: str
    size: int
    endpoint: str = ""
    detail: str = ""
    extra: dict = field(default_factory=dict)


def record(path: Path, payload: Payload, outcome: Outcome, endpoint: str = "", params: dict | None = None) -> dict:
    with journal.Journal(str(path)) as book:
        return book.record(outcome.decision, payload, params=params, source="tui", endpoint=endpoint or None,
                           status=outcome.status, message=outcome.detail)


def entries(path: Path) -> list[JournalEntry]:
    good, _damaged = journal.entries(str(path))
    return [JournalEntry(str(e.get("time", "")), str(e.get("state", "")), str(e.get("event", "")),
                         str(e.get("sha256", "")), int(e.get("size") or 0), str(e.get("endpoint") or ""),
                         str(e.get("message") or ""))
            for e in journal.latest(good)]


@dataclass(frozen=True)
class HistoryRow:
    time: str
    channel: str
    what: str
    outcome: str
    sha256: str
    notes: tuple[str, ...]


def history(request: FactsRequest, journal_path: Path) -> tuple[list[HistoryRow], list[str]]:
    """What the agent already sent (audit.core.history), for the History dialog: rows newest first, and the notes."""
    from audit.core import history as core
    from audit.core import history_sources

    records = history_sources.collect(history_sources.HistoryRequest(
        root=request.root, config_dir=request.config_dir, lib_dir=request.lib_dir,
        journal=str(journal_path), netdata_version=request.netdata_version))
    rows = [HistoryRow(r.time, r.channel, r.what, r.outcome, r.to_json()["sha256"] or "", tuple(r.notes))
            for r in core.rows(records)]
    return rows, records.notes


def save_wire(path: str, wire: bytes) -> Path:
    target = Path(path).expanduser()
    try:
        target.write_bytes(wire)
    except OSError as e:
        raise AuditError(f"{target}: cannot write ({e.strerror})") from None
    return target


# The CLI names its options in errors; the TUI has no flags, so it names the things.
_TUI_WORDS = (("--facts ", "facts snapshot "), ("--root ", "sysroot "), ("--config-dir ", "config dir "),
              ("--netdata-version ", "Netdata version "), ("--machine-guid ", "machine GUID "),
              ("--journal ", "journal "), ("--endpoint ", "endpoint "))


def in_tui_words(message: str) -> str:
    for flag, words in _TUI_WORDS:
        message = message.replace(flag, words)
    return message
