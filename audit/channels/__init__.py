"""The telemetry channels, as data: who sends, in which Netdata versions, to where, what stops it, and which module
builds its bodies. The CLI, TUI, docs, check, explain and validate iterate CHANNELS; each channel's code lives in its
own package under audit/channels/, imported through Channel.impl(). Adding a channel: its package and one entry
here (tests/test_tiny_channel.py; docs/architecture.md).

A channel module exposes:
  events() -> event specs (.name .meaning .since .until .versions .sent_when .results_meaning .params .channel)
  build(facts, event, params) -> audit.model.payload.Payload   (pure: facts + event in, exact bytes out)
  decode(reading) -> (dict, findings)   explain's hook: what its fields pack (audit.model.explanation types)
and, for the faces, optionally:
  build_request(facts, options)   the edge: read what build() needs as the option values say, then build (every
                                  channel but the default; `options` is a plain mapping, never argparse)
  collect_inputs(request, facts)  what build() reads of the machine besides the facts (the TUI collects it once)
  form_params(values)             a form's text values as build() takes them
  explain_reading(reading, sha256)  explains its bodies whole, instead of decode (agent-events)
  SECRETS_IN, IDENTIFIERS         identifying-data rules as data (audit.core.identify.field_notes applies them)
A channel with no module is documented (and observed), not built. Its CLI options are data (Channel.options, from
its light options.py), so a command line never loads a channel it does not build.
"""

import importlib
from dataclasses import dataclass
from types import ModuleType

from audit.plumbing import versions
from audit.plumbing.errors import AuditError


@dataclass(frozen=True)
class Channel:
    name: str  # the --channel value
    title: str
    sender: str  # the program that sends
    endpoint: str  # where the real sender POSTs (newest release)
    since: str | None  # first Netdata release that sends on this channel (None: as far back as modelled)
    until: str | None  # last release (None: still sends today)
    schema: str  # file name of its schema under schemas/ (a body's; the dashboard's: an observation's)
    components: tuple[str, ...]  # the opt-out components (audit.core.optout.RULES) that decide whether it sends
    module: str | None = None  # audit.channels.<x>, or None when only documented
    marks: tuple[tuple[str, str | None], ...] = ()  # (member path, value or None for "present") a body carries
    documented: tuple[tuple[str, str, str], ...] = ()  # (field, value, meaning) the docs describe, not built
    observer: str | None = None  # module whose last() returns the last saved observation of a real sender
    options: tuple[tuple[str, str, str], ...] = ()  # (name, metavar, help) of its own CLI options
    builder: str | None = None  # a documented channel's module that builds its bodies on request (not sent)
    sendable: bool = True  # False: its real sender is a browser, never this tool

    @property
    def versions(self) -> str:
        return versions.span(self.since, self.until)

    def active_at(self, version: str) -> bool:
        return versions.within(version, self.since, self.until)

    @property
    def built(self) -> bool:
        return self.module is not None

    def impl(self) -> ModuleType:
        if self.module is None and self.builder is not None:
            return importlib.import_module(self.builder)
        if self.module is None:
            raise AuditError(f"the {self.name} channel is documented and observed, not built: "
                             "there is no payload to build for it")
        return importlib.import_module(self.module)

    def last_observation(self) -> dict | None:
        """The last saved observation of this channel's real sender (None: never observed, or not observable)."""
        return importlib.import_module(self.observer).last() if self.observer else None


from audit.channels import dashboard  # noqa: E402 - the dashboard's documented properties are its own data
from audit.channels.agent_events import options as agent_events_options  # noqa: E402
from audit.channels.dashboard import options as dashboard_options  # noqa: E402
from audit.channels.installer import options as installer_options  # noqa: E402

CHANNELS: dict[str, Channel] = {c.name: c for c in (
    Channel("backend", "Agent backend", "anonymous-statistics.sh, run by the daemon",
            "https://us-east1-netdata-analytics-bi.cloudfunctions.net/ingest_agent_events",
            None, "v2.5", "backend-event.schema.json", ("daemon", "script"), "audit.channels.backend",
            (("properties/event_source", "agent backend"),)),
    Channel("agent-events", "Agent events", "the daemon, at each start, from its saved status file",
            "https://agent-events.netdata.cloud/agent-events",
            "v2.3", None, "agent-events.schema.json", ("agent-events",), "audit.channels.agent_events.channel",
            (("exit_cause", None), ("agent_health", None)), options=agent_events_options.OPTIONS),
    Channel("installer", "Installer", "kickstart.sh telemetry_event",
            "https://us-east1-netdata-analytics-bi.cloudfunctions.net/ingest_agent_events",
            None, None, "installer-event.schema.json", ("kickstart",), "audit.channels.installer.channel",
            (("properties/event_source", "agent installer"),), options=installer_options.OPTIONS),
    Channel("dashboard", "Dashboard", "the dashboard's JavaScript in the browser (PostHog, GTM, Sentry; from v1.43 "
            "the v2 dashboard's telemetry push, from v1.45 its privacy check)",
            "https://app.netdata.cloud/api/v1/telemetry/push", None, None, "dashboard-observation.schema.json",
            ("dashboard",), None, documented=dashboard.DOCUMENTED_PROPERTIES, observer="audit.faces.observe",
            options=dashboard_options.OPTIONS, builder="audit.channels.dashboard.channel", sendable=False),
)}

DEFAULT = "backend"


def channel(name: str) -> Channel:
    try:
        return CHANNELS[name]
    except KeyError:
        raise AuditError(f"unknown channel {name!r}: one of {', '.join(CHANNELS)}") from None


def built() -> list[Channel]:
    return [c for c in CHANNELS.values() if c.built]


def active_at(version: str) -> list[Channel]:
    return [c for c in CHANNELS.values() if c.active_at(version)]


def channel_of(document: object) -> Channel | None:
    """The channel whose body this parsed document is, by the members each channel's bodies carry."""
    for ch in CHANNELS.values():
        if ch.marks and all(_carries(document, path, value) for path, value in ch.marks):
            return ch
    return None


def schema_for(document: object) -> str:
    """The most specific schema id for a body: its channel's, or for a backend body its event's own."""
    from audit.plumbing import schemas

    ch = channel_of(document)
    if ch is not None and ch.name != DEFAULT and (schemas.schema_dir() / ch.schema).is_file():
        return schemas.BASE + ch.schema
    return schemas.backend_schema_for(document)


def _carries(document: object, path: str, value: str | None) -> bool:
    for key in path.split("/"):
        if not isinstance(document, dict) or key not in document:
            return False
        document = document[key]
    return value is None or document == value
