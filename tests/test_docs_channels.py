"""The generated docs iterate the channel registry: a page per channel, every schema field, and example bodies
from invented machines that reproduce with the tool and carry nothing of this machine."""

import json
import shlex
import socket
from pathlib import Path

import pytest

from audit import channels
from audit.faces import docs, docs_channels
from audit.core import identify
from audit.plumbing import schemas
from audit.channels.agent_events import causes
from audit.faces.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generated():
    return docs.generate()


@pytest.fixture(scope="module")
def examples():
    return docs.examples()


@pytest.mark.parametrize("name", list(channels.CHANNELS))
def test_each_channel_has_a_page_with_sender_endpoint_versions_and_opt_out(generated, name):
    ch = channels.CHANNELS[name]
    page = generated[f"reference/channels/{name}.md"]
    for text in (ch.sender, ch.endpoint, ch.versions, f"`{name}`"):
        assert text in page
    assert "## What stops it" in page
    assert f"(channels/{name}.md)" in generated["reference/index.md"]


@pytest.mark.parametrize("name, props", [
    ("agent-events", schemas.agent_events_properties), ("installer", schemas.installer_properties),
    ("backend", schemas.backend_properties)])
def test_channel_pages_list_every_schema_field_with_meaning_source_and_sensitivity(generated, name, props):
    page = generated[f"reference/channels/{name}.md"]
    for path, meta in props().items():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{path}` |"))
        assert docs._cell(meta["description"]) in row and docs._cell(meta["x-sensitivity"]) in row


def test_agent_events_page_lists_every_cause_and_dashboard_page_the_documented_properties(generated):
    page = generated["reference/channels/agent-events.md"]
    assert all(f"| `{c.name}` |" in page for c in causes.CAUSES)
    dashboard = generated["reference/channels/dashboard.md"]
    assert all(f"| `{field}` |" in dashboard for field, _, _ in channels.channel("dashboard").documented)
    assert "registry.my-netdata.io" in dashboard.replace("\\", "")


def test_every_cause_has_a_wire_and_json_example_valid_against_the_schema(examples):
    for cause in causes.CAUSES:
        stem = f"agent-events/causes/{docs_channels.slug(cause.name)}"
        document = json.loads(examples[f"{stem}.wire"])
        assert document == json.loads(examples[f"{stem}.json"])
        assert document["exit_cause"] == cause.name
        assert schemas.problems(document, schemas.AGENT_EVENTS_ID) == []


def test_installer_examples_are_valid_and_the_fake_claim_token_is_a_secret(examples):
    for event in docs_channels.INSTALLER_PARAMS:
        wire = examples[f"installer/{event}.wire"]
        assert json.loads(wire) == json.loads(examples[f"installer/{event}.json"])
        assert schemas.problems(json.loads(wire), channels.schema_for(json.loads(wire))) == []
        secrets = [f for f in identify.check(wire) if f.secret]
        assert [f.text for f in secrets] == ["FAKE-CLAIM-TOKEN-0123456789"]


def test_the_saved_example_reproduces_with_the_command_the_docs_give(capfdbinary, generated, monkeypatch):
    monkeypatch.chdir(REPO)
    command = docs_channels.saved_command()
    assert command in generated["reference/channels/agent-events.md"]
    assert main(shlex.split(command)[1:]) == 0
    assert capfdbinary.readouterr().out == (REPO / "examples/agent-events/saved-deadly-signal.wire").read_bytes()


def test_examples_carry_nothing_of_this_machine(examples):
    mine = [socket.gethostname()]
    for path in ("/etc/machine-id", "/proc/sys/kernel/random/boot_id", "/sys/class/dmi/id/product_uuid"):
        try:
            mine.append(Path(path).read_text().strip())
        except OSError:
            continue
    mine += [m.replace("-", "") for m in mine if "-" in m]
    blob = b"".join(examples.values()).decode("utf-8", "replace").lower()
    assert not [m for m in mine if len(m) >= 8 and m.lower() in blob]
