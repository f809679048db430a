"""A sixth channel touches only its own module and one registry entry: defined here, registered with one
setitem, it shows in the command line (--channel, its options, payload), the docs, explain and the TUI's events."""

import json
import sys
from dataclasses import dataclass
from types import ModuleType

import pytest

from audit import channels
from audit.core import explain
from audit.faces import docs
from audit.faces.cli import main
from audit.model.payload import Field, Payload


@dataclass(frozen=True)
class TinyEvent:
    name: str
    meaning: str = "the tiny sender says hello"
    since: str | None = None
    until: str | None = None
    versions: str = "all"
    sent_when: str = "at each start"
    results_meaning: str = ""
    params: tuple = ()
    channel: str = "tiny"


def _tiny_module() -> ModuleType:
    tiny = ModuleType("tiny_channel")
    tiny.events = lambda: [TinyEvent("HELLO")]

    def build(facts, event, params=None):
        greeting = (params or {}).get("greeting") or "hi"
        body = json.dumps({"tiny": event, "greeting": greeting}).encode()
        return Payload(event, body, (Field("greeting", greeting, "quoted", None),), channel="tiny")

    tiny.build = build
    tiny.build_request = lambda facts, options: build(facts, options.get("event"),
                                                      {"greeting": options.get("greeting")})
    tiny.decode = lambda reading: ({"greeting": {"value": reading.document()["properties"].get("greeting"),
                                                 "meaning": "what the tiny sender said"}}, [])
    return tiny


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(sys.modules, "tiny_channel", _tiny_module())
    channel = channels.Channel("tiny", "Tiny", "a test's sender", "https://tiny.invalid/", None, None,
                               "installer-event.schema.json", ("daemon",), "tiny_channel",
                               (("properties/tiny_marker", "tiny"),),
                               options=(("greeting", "TEXT", "tiny: what to say"),))
    monkeypatch.setitem(channels.CHANNELS, "tiny", channel)  # the one registry line
    return channel


def test_the_command_line_offers_and_builds_it(tiny, capsys):
    with pytest.raises(SystemExit):
        main(["payload", "--help"])
    help_text = capsys.readouterr().out
    assert "tiny" in help_text and "--greeting" in help_text
    assert main(["payload", "--channel", "tiny", "HELLO", "--greeting", "hello there", "--facts",
                 "examples/facts.json", "--wire"]) == 0
    assert json.loads(capsys.readouterr().out) == {"tiny": "HELLO", "greeting": "hello there"}


def test_the_docs_have_its_page_and_index_row(tiny):
    pages = docs.generate()
    assert pages["reference/channels/tiny.md"].startswith("# Channel: Tiny")
    assert "https://tiny.invalid/" in pages["reference/channels/tiny.md"]
    assert "[Tiny](channels/tiny.md)" in pages["reference/index.md"]


def test_explain_uses_its_decode(tiny):
    body = json.dumps({"event": "HELLO", "properties": {"tiny_marker": "tiny", "greeting": "hey"}}).encode()
    reading = explain.read_payload(body)
    assert reading.channel == "tiny"
    assert explain.explain(body).decoded == {"greeting": {"value": "hey", "meaning": "what the tiny sender said"}}


def test_the_tui_lists_its_events(tiny):
    from audit.faces.tui import widgets

    assert widgets.all_events()["HELLO"].channel == "tiny"
