"""The backend channel: anonymous-statistics.sh, run by the daemon up to v2.5. Its parts live here: the event
catalog (catalog), the daemon's analytics values (analytics), the script's body template and quirks (wire), FATAL's
formatting (fatal), what changed per release (releases), and the assembly of the bytes into a Payload (assemble)."""

from collections.abc import Mapping

from audit.channels.backend import catalog
from audit.model.fact import Facts
from audit.model.payload import Payload


def events() -> list[catalog.Event]:
    return list(catalog.EVENTS.values())


def decode(reading) -> tuple[dict, list]:
    """explain's hook: what the event packs into action_result / action_data (audit.channels.backend.decoding);
    `reading` is an audit.model.explanation.Reading, the result holds its Findings."""
    from audit.channels.backend import decoding

    properties = reading.document()["properties"]
    return decoding.decode(properties, properties.get("action"))


def build(facts: Facts, event: str, params: Mapping[str, object] | None = None) -> Payload:
    from audit.channels.backend import assemble  # on use: most importers of this package read only its catalog

    return assemble.build(facts, event, params)
