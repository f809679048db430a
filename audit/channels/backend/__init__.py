"""The backend channel: anonymous-statistics.sh, run by the daemon up to v2.5. Its parts live here: the event
catalog (catalog), the daemon's analytics values (analytics), the script's body template and quirks (wire), FATAL's
formatting (fatal) and what changed per release (releases); audit.channels.backend.assemble assembles the bytes."""

from collections.abc import Mapping

from audit.channels.backend import catalog
from audit.model.fact import Facts


def events() -> list[catalog.Event]:
    return list(catalog.EVENTS.values())


def build(facts: Facts, event: str, params: Mapping[str, object] | None = None):
    from audit.channels.backend import assemble as payload  # payload imports this package's modules: imported on use, not at load

    return payload.build(facts, event, params)
