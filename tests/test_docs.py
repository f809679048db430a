"""Generated docs and examples: the committed trees match the generator, the examples are valid, and
`telemetry-audit docs` writes safely."""

import copy
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from audit import channels
from audit.faces import docs
from audit.plumbing import schemas
from audit.faces.cli import main
from audit.faces.commands.docs import MANIFEST
from audit.facts import snapshot

REPO = Path(__file__).resolve().parent.parent
DOCS_DIR = REPO / "docs"
EXAMPLES_DIR = REPO / "examples"
HAND_WRITTEN = ("ansible/", "architecture.md")  # kept by hand, not by the generator (examples/ansible/, docs/architecture.md)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
            and not p.relative_to(folder).as_posix().startswith(HAND_WRITTEN)}


def _assert_tree(folder: Path, expected: dict[str, bytes], command: str) -> None:
    hint = f"{folder.name}/ is out of date: run `{command}` and commit the result"
    actual = _files(folder)
    assert sorted(actual) == sorted(expected), hint
    stale = [path for path in expected if actual[path] != expected[path]]
    assert not stale, f"{hint} (differs: {', '.join(stale)})"


# ---------------------------------------------------------------- drift

def test_docs_dir_matches_the_generator():
    _assert_tree(DOCS_DIR, {k: v.encode() for k, v in docs.generate().items()}, docs.DOCS_COMMAND)


def test_examples_dir_matches_the_generator():
    _assert_tree(EXAMPLES_DIR, docs.examples(), docs.EXAMPLES_COMMAND)


def test_generation_is_deterministic():
    assert docs.generate() == docs.generate()
    assert docs.examples() == docs.examples()


def test_committed_manifests_list_exactly_the_generated_files():
    for folder, tree in ((DOCS_DIR, docs.generate()), (EXAMPLES_DIR, docs.examples())):
        listed = [line for line in (folder / MANIFEST).read_text().splitlines() if not line.startswith("#")]
        assert listed == sorted(tree)


# ---------------------------------------------------------------- content

def test_every_event_has_a_page_with_its_example_bytes_and_hash():
    generated = docs.generate()
    for event in docs.check_events(None):
        page = generated[f"reference/events/{event}.md"]
        built = docs.example_payload(event)
        assert built.wire.decode() in page
        assert built.sha256 in page
        assert "Valid JSON: yes" in page and f"Valid against `{event}.schema.json`: yes" in page


def test_field_tables_come_from_the_schema():
    page = docs.generate()["reference/fields.md"]
    for name, prop in schemas.backend_properties().items():
        assert f"`{name}`" in page
        assert docs._cell(prop["description"]) in page


def test_fields_page_answers_the_hostname_question():
    text = (DOCS_DIR / "reference" / "fields.md").read_text()
    assert "## Identifiers and personal data" in text
    assert "Does Netdata send my hostname?" in text and "hostname" in text
    assert "127.0.0.1" in text and "source address" in text
    for field in ("distinct_id", "netdata_machine_guid", "system_distinct_id", "netdata_fail_reason",
                  "netdata_buildinfo", "exporting_connectors", "host_collectors"):
        assert f"`{field}`" in text


def test_guides_are_included_verbatim_and_shipped_in_the_package():
    generated = docs.generate()
    for name in docs.GUIDES:
        assert generated[f"guides/{name}.md"] == (REPO / "audit" / "guides" / f"{name}.md").read_text()


def test_event_selection_limits_the_event_pages():
    generated = docs.generate(["fatal"])
    assert [p for p in generated if p.startswith("reference/events/")] == ["reference/events/FATAL.md"]


# ---------------------------------------------------------------- examples are valid

def test_canonical_facts_are_a_complete_invented_snapshot():
    facts = snapshot.load(str(EXAMPLES_DIR / "facts.json"))
    assert facts["machine_guid"].value.startswith("5f1c6a1e-")
    assert facts["NETDATA_SYSTEM_KERNEL_VERSION"].value == "6.1.0-13-amd64"
    for event in docs.check_events(None):
        assert docs.example_payload(event, facts).assumed == ()


@pytest.mark.parametrize("event", docs.check_events(None))
def test_example_payloads_are_valid_json_and_valid_against_their_schema(event):
    wire = (EXAMPLES_DIR / "payloads" / f"{event}.wire").read_bytes()
    document = json.loads(wire)
    assert json.loads((EXAMPLES_DIR / "payloads" / f"{event}.json").read_bytes()) == document
    assert schemas.problems(document, schemas.event_schema_id(event)) == []


def test_received_payload_is_valid():
    document = json.loads((EXAMPLES_DIR / "support" / "received-payload.json").read_bytes())
    assert schemas.problems(document, channels.schema_for(document)) == []


def _self_contained_schema(event: str) -> dict:
    """The event schema with the backend schema inlined in place of its https $ref, so nothing is fetched."""
    backend = {k: v for k, v in schemas.schema(schemas.BACKEND_ID).items() if k not in ("$id", "$schema")}
    event_schema = copy.deepcopy(schemas.schema(schemas.event_schema_id(event)))
    event_schema.pop("$id")
    event_schema["allOf"] = [backend if part.get("$ref") == schemas.BACKEND_ID else part
                             for part in event_schema["allOf"]]
    assert "$ref" not in json.dumps(event_schema)
    return event_schema


def _check_jsonschema(schema: dict, instances: list[Path], tmp_path: Path) -> subprocess.CompletedProcess:
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) \
        or shutil.which("check-jsonschema")
    if executable is None:
        pytest.fail("check-jsonschema is not installed: pip install -e '.[test]'")
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema))
    offline = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
               "NO_PROXY": ""}  # any attempt to fetch something fails instead of reaching the network
    return subprocess.run([executable, "--no-cache", "--schemafile", str(schema_file), *map(str, instances)],
                          capture_output=True, text=True, env=offline, timeout=120)


@pytest.mark.parametrize("event", docs.check_events(None))
def test_example_payloads_pass_check_jsonschema(event, tmp_path):
    instances = [EXAMPLES_DIR / "payloads" / f"{event}.json"]
    if event == docs.RECEIVED_EVENT:
        instances.append(EXAMPLES_DIR / "support" / "received-payload.json")
    result = _check_jsonschema(_self_contained_schema(event), instances, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_rejects_a_wrong_event(tmp_path):
    """The inlined schema really checks: a START body fails FATAL's schema."""
    result = _check_jsonschema(_self_contained_schema("FATAL"), [EXAMPLES_DIR / "payloads" / "START.json"], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr


def test_fatal_log_sample_reproduces_the_fatal_example(capsysbinary):
    code = main(["payload", "FATAL", "--from-log", str(EXAMPLES_DIR / "support" / "fatal-error.log"),
                 "--facts", str(EXAMPLES_DIR / "facts.json"), "--wire"])
    assert code == 0
    assert capsysbinary.readouterr().out == (EXAMPLES_DIR / "payloads" / "FATAL.wire").read_bytes()


# ---------------------------------------------------------------- the command

def test_docs_command_writes_the_tree_and_a_manifest(tmp_path):
    out = tmp_path / "out"
    assert main(["docs", "--out", str(out)]) == 0
    assert _files(out) == {k: v.encode() for k, v in docs.generate().items()}
    assert (out / MANIFEST).is_file()


def test_examples_command_output_equals_examples(tmp_path):
    out = tmp_path / "ex"
    assert main(["docs", "--examples", "--out", str(out)]) == 0
    assert _files(out) == docs.examples()


def test_unknown_event_is_a_usage_error(tmp_path, capsys):
    assert main(["docs", "--out", str(tmp_path / "out"), "--event", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "NOPE" in err and "FATAL" in err
    assert not (tmp_path / "out").exists()


# Root ignores directory permissions; without capabilities (setpriv: empty bounding set) it meets them as anyone.
AS_ANYONE = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"] if os.geteuid() == 0 else []


def test_unwritable_out_dir_is_a_usage_error(tmp_path):
    """Run as root too (CI runs as root): the command then runs without capabilities."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        for out in (locked, locked / "sub"):
            done = subprocess.run([*AS_ANYONE, sys.executable, "-m", "audit", "docs", "--out", str(out)],
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
            assert str(out) in done.stderr and "Traceback" not in done.stderr
    finally:
        locked.chmod(0o700)
    assert list(locked.iterdir()) == []


def test_out_path_that_is_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["docs", "--out", str(target)]) == 2
    assert target.read_text() == "x"


def test_unrelated_files_are_refused_without_force_and_kept_with_it(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    assert main(["docs", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert main(["docs", "--out", str(out), "--force"]) == 0
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "reference" / "fields.md").is_file()


def test_regenerating_removes_only_stale_generated_files(tmp_path):
    out = tmp_path / "out"
    assert main(["docs", "--out", str(out)]) == 0
    (out / "reference" / "events" / "mine.md").write_text("hand written")
    (out / "reference" / "events" / "START.md").write_text("edited by hand")
    assert main(["docs", "--out", str(out), "--event", "FATAL"]) == 0
    events = sorted(p.name for p in (out / "reference" / "events").iterdir())
    assert events == ["FATAL.md", "mine.md"]
    assert _files(out) == {**{k: v.encode() for k, v in docs.generate(["FATAL"]).items()},
                           "reference/events/mine.md": b"hand written"}
    assert main(["docs", "--out", str(out)]) == 0
    assert (out / "reference" / "events" / "START.md").read_text() == docs.generate()["reference/events/START.md"]


def test_a_manifest_cannot_delete_files_outside_the_out_dir(tmp_path):
    out = tmp_path / "out"
    assert main(["docs", "--out", str(out)]) == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    with (out / MANIFEST).open("a") as manifest:
        manifest.write("../victim.txt\n")
    assert main(["docs", "--out", str(out)]) == 0
    assert victim.read_text() == "keep"


def test_no_temporary_files_are_left_behind(tmp_path):
    out = tmp_path / "out"
    assert main(["docs", "--examples", "--out", str(out)]) == 0
    assert not [p for p in out.rglob("*.tmp")]


def test_the_wheel_ships_the_guides_and_the_canonical_facts(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(next(tmp_path.glob("telemetry_audit-*.whl"))).namelist()
    assert {f"audit/guides/{g}.md" for g in docs.GUIDES} | {"audit/examples_data/facts.json"} <= set(names)


def test_uncreatable_out_dir_is_a_usage_error(tmp_path, capsys):
    """Works even as root: nothing can create a directory below a regular file."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["docs", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot create" in err
