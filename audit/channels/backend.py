"""The backend channel: anonymous-statistics.sh, run by the daemon up to v2.5 (events in audit.catalog, bodies by
audit.payload and audit.wire)."""

from collections.abc import Mapping

from audit import catalog, payload
from audit.facts.model import Facts


def events() -> list[catalog.Event]:
    return list(catalog.EVENTS.values())


def build(facts: Facts, event: str, params: Mapping[str, object] | None = None) -> payload.Payload:
    return payload.build(facts, event, params)
