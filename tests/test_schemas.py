"""The schemas are the source of field explanations: they must match the wire template and the catalog."""

import json
import subprocess
import sys

from jsonschema import Draft202012Validator

from audit import channels
from audit.channels.backend import assemble as payload
from audit.plumbing import schemas
from audit.channels.backend import catalog, wire
from tests.sample import sample_facts

SENSITIVITIES = {"identifier", "environment", "configuration", "usage"}


def test_every_schema_is_valid_and_has_its_file_name_as_id():
    for schema_id, schema in schemas.all_schemas().items():
        Draft202012Validator.check_schema(schema)
        assert schema_id.endswith(".schema.json")
    ids = list(schemas.all_schemas())
    assert len(ids) == len(set(ids))


def test_backend_properties_follow_the_wire_template_in_order():
    assert list(schemas.backend_properties()) == [key for key, _, _ in wire.TEMPLATE]


def test_every_property_is_annotated():
    for key, meta in schemas.backend_properties().items():
        assert meta["description"] and meta["x-source"] and meta["x-since"].startswith("v"), key
        assert meta["x-sensitivity"] in SENSITIVITIES, key
    forms = {key: form for key, form, _ in wire.TEMPLATE}
    assert all(meta["x-wire"] == forms[key] for key, meta in schemas.backend_properties().items())


def test_every_catalog_event_has_a_schema_with_its_version_range():
    for name, ev in catalog.EVENTS.items():
        schema = schemas.schema(schemas.event_schema_id(name))
        assert schema["x-versions"] == {"since": ev.since, "until": ev.until}


def test_everything_the_tool_builds_validates():
    facts = sample_facts(netdata_version="v2.2.0")
    for name in catalog.EVENTS:
        built = payload.build(facts, name)
        assert schemas.problems(built.document(), channels.schema_for(built.document())) == [], name


def test_violations_are_located_by_pointer():
    doc = payload.build(sample_facts(), "FATAL", {"line": 7}).document()
    doc["properties"]["action_data"] = "garbage"
    doc["properties"]["extra"] = 1
    pointers = {p.pointer for p in schemas.problems(doc, channels.schema_for(doc))}
    assert "/properties/action_data" in pointers and "/properties" in pointers


def test_examples_validate_with_an_independent_validator(tmp_path):
    path = tmp_path / "start.json"
    path.write_bytes(payload.build(sample_facts(), "START").wire)
    # the backend schema has no $ref, so check-jsonschema needs no network to resolve anything
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile",
                           str(schemas.schema_dir() / "backend-event.schema.json"), str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_fast_and_reference_validators_agree():
    good = payload.build(sample_facts(), "START").document()
    bad = dict(good, event=7)
    assert schemas.problems(good, channels.schema_for(good)) == []
    assert {p.pointer for p in schemas.problems(bad, channels.schema_for(bad))} == {"/event"}
