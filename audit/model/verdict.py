"""Verdicts: whether telemetry is sent from this machine, and what decided it (shared types; docs/architecture.md).

A ComponentVerdict is one sender's rule applied here (audit.core.optout.RULES and the agent-events gate); a
ChannelVerdict folds the components of one channel (audit.channels.Channel.components); a Verdict holds them all
with the mechanisms read. to_json() gives the documents `opt-out --json` and `report` print.
"""

from dataclasses import dataclass, field
from enum import Enum


class State(Enum):
    SENDS = "sends"
    NOT_SENT = "not sent"  # an opt-out (or the sender's own rule) stops it
    NOT_APPLICABLE = "not applicable"  # the sender cannot run here (not a container, not installed with kickstart…)
    INACTIVE = "inactive"  # this Netdata release does not send on the channel
    UNCERTAIN = "uncertain"  # it would send unless what could not be read here stops it (agent-events)


@dataclass(frozen=True)
class RequestVerdict:
    """One off-host request kind of the dashboard a release serves: whether it leaves, and what stops it."""
    kind: str
    title: str
    method: str
    url: str
    sends: bool
    stopped_by_opt_out: bool
    why: str
    when: str
    carries: tuple[str, ...]  # the identifying members it carries
    chosen_by: str
    stopped_by: tuple[str, ...]  # the levers that do stop it
    source: str
    verified: str | None = None
    assumed: str | None = None  # why the request is carried over from another release's bundle

    def to_json(self) -> dict:
        return {"kind": self.kind, "title": self.title, "method": self.method, "url": self.url, "sends": self.sends,
                "stopped_by_opt_out": self.stopped_by_opt_out, "why": self.why, "when": self.when,
                "carries": list(self.carries), "chosen_by": self.chosen_by, "stopped_by": list(self.stopped_by),
                "source": self.source, "verified": self.verified, "assumed": self.assumed}


@dataclass(frozen=True)
class ComponentVerdict:
    sends: bool
    suppressed_by: tuple[str, ...]  # the mechanisms that stop it, as labels
    rule: str  # the sender's rule in words
    evidence: str
    decided_by: tuple[str, ...] | None = None  # what decided it either way, when the rule says (agent-events)
    details: tuple[str, ...] | None = None  # the evidence one item each (agent-events)
    summary: str | None = None  # one line for a status bar (agent-events)
    not_applicable: str | None = None  # why this sender cannot run here; None: it applies
    uncertain: tuple[str, ...] = ()  # what could not be read and might stop it (agent-events)
    requests: tuple[RequestVerdict, ...] | None = None  # per request kind (the dashboard)
    opted_out: bool | None = None  # the opt-out turns its analytics off (the dashboard)
    sends_despite_opt_out: tuple[str, ...] | None = None  # the requests no opt-out stops (the dashboard)

    @property
    def applies(self) -> bool:
        return self.not_applicable is None

    @property
    def state(self) -> State:
        if not self.applies:
            return State.NOT_APPLICABLE
        if self.sends and self.uncertain:
            return State.UNCERTAIN
        return State.SENDS if self.sends else State.NOT_SENT

    def to_json(self) -> dict:
        out: dict = {"sends": self.sends, "suppressed_by": list(self.suppressed_by)}
        if self.decided_by is not None:
            out["decided_by"] = list(self.decided_by)
        out |= {"rule": self.rule, "evidence": self.evidence}
        if self.details is not None:
            out["details"] = list(self.details)
        if self.summary is not None:
            out["summary"] = self.summary
        if self.uncertain:
            out["uncertain"] = list(self.uncertain)
        if self.requests is not None:
            out |= {"requests": [r.to_json() for r in self.requests], "opted_out": self.opted_out,
                    "sends_despite_opt_out": list(self.sends_despite_opt_out or ())}
        if not self.applies:
            out |= {"applies": False, "not_applicable": self.not_applicable}
        return out


@dataclass(frozen=True)
class ChannelVerdict:
    sends: bool
    active: bool  # the release sends on this channel at all
    applies: bool  # False: none of its senders can run here
    by: tuple[str, ...]  # the mechanisms that decided it (that stop it, or that make it send)
    components: tuple[str, ...]
    evidence: str
    summary: str | None = None
    uncertain: tuple[str, ...] = ()  # it sends unless what could not be read here stops it

    @property
    def may_send(self) -> bool:
        """What a sender of this tool may do: send when the channel sends (or would, unless something unreadable
        stops it); every face's gate asks this one question."""
        return self.state in (State.SENDS, State.UNCERTAIN)

    @property
    def reason(self) -> str:
        """Why it does not send, in words: what stops it, else the evidence (the version, not applicable here)."""
        return "; ".join(self.by) if self.state is State.NOT_SENT and self.by else self.evidence

    @property
    def why(self) -> str:
        """The verdict's reason for a line that already names the state: what decided it, else the evidence."""
        text = self.summary or ("; ".join(self.by) if self.may_send else self.reason)
        return text.removeprefix("not sent: ").removeprefix("not applicable here: ") or self.evidence

    @property
    def state(self) -> State:
        if not self.active:
            return State.INACTIVE
        if not self.applies:
            return State.NOT_APPLICABLE
        if self.sends and self.uncertain:
            return State.UNCERTAIN
        return State.SENDS if self.sends else State.NOT_SENT

    def to_json(self) -> dict:
        out = {"sends": self.sends, "state": self.state.value, "active": self.active, "applies": self.applies,
               "by": list(self.by), "components": list(self.components), "evidence": self.evidence}
        if self.uncertain:
            out["uncertain"] = list(self.uncertain)
        if self.summary is not None:
            out["summary"] = self.summary
        return out


@dataclass
class Verdict:
    mechanisms: dict  # what was read: the opt-out files, variables, netdata.conf, the saved status, the claim…
    components: dict[str, ComponentVerdict]
    backend_sends: bool
    disagreements: list[str] = field(default_factory=list)
    channels: dict[str, ChannelVerdict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"mechanisms": self.mechanisms,
                "components": {name: c.to_json() for name, c in self.components.items()},
                "channels": {name: c.to_json() for name, c in self.channels.items()},
                "backend_sends": self.backend_sends, "disagreements": self.disagreements}
