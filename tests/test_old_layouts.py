"""The backend schema describes the body of every release v1.33..v2.5: it agrees with releases.SCRIPT_LAYOUTS,
accepts what the real scripts of old tags POSTed (their goldens), and names a body that mixes layouts."""

import itertools
from pathlib import Path
import subprocess
import sys
import json

import pytest

from audit import channels
from audit.core import diff, explain, identify
from audit.channels.backend import assemble as payload
from audit.plumbing import schemas
from audit.channels.backend import catalog, releases, wire
from audit.faces.cli import main
from tests.sample import sample_facts

MINORS = [f"v1.{m}.0" for m in range(33, 48)] + [f"v2.{m}.0" for m in range(0, 6)]
REAL_TAGS = ("v1.33.0", "v1.37.0", "v1.39.0", "v1.42.0", "v1.43.0")  # the script is the same in every patch release
GOLDEN = Path(__file__).parent / "golden" / "statistics"
API_KEY = releases.POSTHOG_PROJECT_KEY


def _members(layout: releases.ScriptLayout) -> frozenset[str]:
    """What a release's body carries of the members that vary between releases."""
    top = {"api_key"} if layout.header else set()
    return frozenset(top | {key for key, _, _ in wire.template(layout)})


def _releases_by_body() -> list[tuple[str, str | None, frozenset[str]]]:
    """SCRIPT_LAYOUTS with neighbours that send the same members merged: (since, until, members)."""
    merged: list[tuple[str, str | None, frozenset[str]]] = []
    for layout in releases.SCRIPT_LAYOUTS:
        members = _members(layout) & set(schemas.layout_members())
        if merged and merged[-1][2] == members:
            merged[-1] = (merged[-1][0], layout.span.until, members)
        else:
            merged.append((layout.span.since, layout.span.until, members))
    return merged


# ---------------------------------------------------------------- drift: schema against releases

def test_members_that_vary_are_those_some_release_lacks():
    varying = {"api_key"} | set().union(*(layout.without for layout in releases.SCRIPT_LAYOUTS))
    assert set(schemas.layout_members()) == varying


def test_schema_layouts_are_the_releases_layouts():
    from_schema = [(lay.since, lay.until, lay.has) for lay in schemas.backend_layouts()]
    assert from_schema == _releases_by_body()
    for lay in schemas.backend_layouts():
        assert lay.has | lay.lacks == set(schemas.layout_members()) and not lay.has & lay.lacks


def test_every_member_some_release_sends_is_required_exactly_where_all_do():
    inner = schemas.schema(schemas.BACKEND_ID)["properties"]["properties"]
    always = set.intersection(*(set(_members(layout)) for layout in releases.SCRIPT_LAYOUTS))
    assert set(inner["required"]) == always - {"api_key"}
    assert set(schemas.backend_properties()) == {key for key, _, _ in wire.TEMPLATE}


def test_member_annotations_date_them_like_the_releases():
    props = schemas.channel_properties("backend")
    for member in schemas.layout_members():
        senders = [lay for lay in releases.SCRIPT_LAYOUTS if member in _members(lay)]
        if senders[0] is not releases.SCRIPT_LAYOUTS[0]:
            assert props[member]["x-since"] == senders[0].span.since, member
        if senders[-1] is not releases.SCRIPT_LAYOUTS[-1]:
            assert props[member]["x-until"] == senders[-1].span.until, member
    assert props["api_key"]["const"] == API_KEY


@pytest.mark.parametrize("carried", [frozenset(c) for n in range(4) for c in itertools.combinations(
    ("api_key", "system_distinct_id", "netdata_fail_reason"), n)], ids=lambda c: "+".join(sorted(c)) or "none")
def test_a_body_is_valid_exactly_when_some_release_sends_its_members(carried):
    document = payload.build(sample_facts(netdata_version="v2.5.0"), "START").document()
    if "api_key" in carried:
        document = {"api_key": API_KEY, **document}
    for member in ("system_distinct_id", "netdata_fail_reason"):
        if member not in carried:
            del document["properties"][member]
    sent = any(carried == members for _, _, members in _releases_by_body())
    assert (schemas.problems(document, channels.schema_for(document)) == []) == sent


# ---------------------------------------------------------------- what the tool builds, every release and event

@pytest.mark.parametrize("event", list(catalog.EVENTS))
def test_every_event_of_every_release_validates(event):
    for version in MINORS:
        document = payload.build(sample_facts(netdata_version=version), event).document()
        assert schemas.problems(document, channels.schema_for(document)) == [], version


def test_payload_wire_of_v1_37_1_validates_for_every_event(tmp_path, capsys):
    for event in catalog.EVENTS:
        assert main(["payload", event, "--netdata-version", "v1.37.1", "--wire"]) == 0
        path = tmp_path / f"{event}.wire"
        path.write_text(capsys.readouterr().out)
        assert main(["validate", str(path)]) == 0
        assert capsys.readouterr().out == f"{path}: valid\n"


# ---------------------------------------------------------------- real scripts of old tags

@pytest.fixture(scope="module", params=REAL_TAGS)
def real_bodies(request):
    """START, EXIT and FATAL as the real script of that release POSTed them (its golden, tests/golden/statistics)."""
    tag = request.param
    golden = json.loads((GOLDEN / f"{tag}.json").read_text())
    bodies = {}
    for case in golden["cases"]:
        bodies.setdefault(case["event"], case["body"].encode())
    return tag, {event: bodies[event] for event in ("START", "EXIT", "FATAL")}


def test_validate_accepts_what_the_real_script_of_an_old_release_posts(real_bodies, tmp_path, capsys):
    tag, bodies = real_bodies
    path = tmp_path / "real.jsonl"
    path.write_bytes(b"\n".join(body.replace(b"\n", b"") for body in bodies.values()) + b"\n")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().out
    assert ("api_key" in json.loads(bodies["START"])) == bool(releases.script_layout(tag).header)


def test_old_real_bodies_are_told_as_the_backend_channel(real_bodies):
    tag, bodies = real_bodies
    document = json.loads(bodies["START"])
    assert channels.channel_of(document) is channels.CHANNELS["backend"]
    result = explain.explain(bodies["START"])
    assert result.valid and result.missing == ()
    assert result.versions.since <= explain._bound(tag) <= result.versions.until
    assert diff.read_payload(bodies["EXIT"]).channel == "backend"


# ---------------------------------------------------------------- a mixed body

def test_a_body_mixing_layouts_is_named_with_the_members_that_clash(tmp_path, capsys):
    document = payload.build(sample_facts(netdata_version="v1.37.1"), "START").document()
    document["properties"]["system_distinct_id"] = "machine-0123"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(document, indent=2))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "mixes the body layouts" in out
    assert "has api_key (sent by v1.33 to v1.39.x)" in out and "has system_distinct_id (sent by v1.42" in out
    assert "{'api_key'" not in out  # not jsonschema's dump of the whole body


def test_a_new_member_without_the_one_before_it_is_a_mix():
    document = payload.build(sample_facts(netdata_version="v2.5.0"), "START").document()
    del document["properties"]["system_distinct_id"]
    [problem] = schemas.problems(document, channels.schema_for(document))
    assert problem.pointer == "/" and "lacks system_distinct_id" in problem.message
    assert "has netdata_fail_reason" in problem.message


def test_diff_of_an_old_and_a_new_body_shows_the_layout_members():
    old = payload.build(sample_facts(netdata_version="v1.37.1"), "START").wire
    new = payload.build(sample_facts(netdata_version="v1.43.0"), "START").wire
    found = {(d.kind, d.pointer) for d in diff.compare(old, new).differences}
    assert {("top", "/api_key"), ("added", "/properties/system_distinct_id"),
            ("added", "/properties/netdata_fail_reason")} <= found


def test_field_meanings_describe_the_api_key():
    meta = schemas.channel_properties("backend")["api_key"]
    assert "public" in meta["description"] and "not this machine" in meta["description"]
    note = next(n for n in explain.explain(payload.build(sample_facts(netdata_version="v1.37.1"), "START").wire)
                .fields if n.key == "api_key")
    assert note.known and note.description == meta["description"]


def test_an_independent_validator_agrees_on_old_and_mixed_bodies(tmp_path):
    old = payload.build(sample_facts(netdata_version="v1.37.1"), "START").document()
    mixed = {**old, "properties": {**old["properties"], "netdata_fail_reason": None}}
    verdicts = {}
    for name, document in (("old", old), ("mixed", mixed)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document))
        verdicts[name] = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile",
                                         str(schemas.schema_dir() / schemas.BACKEND_FILE), str(path)],
                                        capture_output=True).returncode
    assert verdicts == {"old": 0, "mixed": 1}


@pytest.mark.parametrize("version", ["v1.33.1", "v1.39.1", "v1.40.0", "v2.5.4"])
def test_fields_list_every_member_the_body_carries_api_key_included(version):
    built = payload.build(sample_facts(netdata_version=version), "START")
    document = built.document()
    members = [*(k for k in document if k not in ("event", "properties")), *document["properties"]]
    assert [f.key for f in built.fields] == members
    if "api_key" in document:  # explained from the schema, and not taken for a secret of this machine
        assert built.fields[0].text == document["api_key"] == schemas.channel_properties("backend")["api_key"]["const"]
        assert "api_key" not in {finding.field for finding in identify.check(built)}
