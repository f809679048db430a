"""agent-events: the exact body the next start posts, from real captures and hand-written status files."""

import copy
import json
import re
from pathlib import Path

import pytest

from audit import channels
from audit.channels.agent_events import body as post
from audit.channels.agent_events import causes, emit, releases, status
from audit.plumbing.errors import AuditError
from tests import goldens

DATA = Path(__file__).parent / "data" / "agent-events-v2.11.0"
V2_10 = releases.release_for("v2.10.0")
V2_7 = releases.release_for("v2.7.0")


def _pid(body: bytes) -> int:
    return int(re.search(rb'"agent_pid_now":(\d+)', body).group(1))


def _saved(name: str) -> status.Status:
    raw = (DATA / name).read_bytes()
    return status.parse(status.read_document(raw, name), name)


def _doc(name: str = "status-before-killed-hard.json") -> dict:
    return json.loads((DATA / name).read_text())


def _post(document: dict, version: str = "v2.11.0", boot_id: bytes | None = None) -> bytes:
    ds = status.parse(copy.deepcopy(document))
    now = post.NextStart(ds.get("host.boot.id") if boot_id is None else boot_id, version, 77,
                         releases.release_for(version))
    return post.post_for_saved(ds, now).body


# ---------------------------------------------------------------------------------------------------------------
# real captures: byte for byte

@pytest.mark.parametrize("saved, posted", [("status-before-killed-hard.json", "post-killed-hard.json"),
                                           ("status-before-exit-instructed.json", "post-exit-instructed.json")])
def test_real_posts_rebuilt_byte_for_byte(saved, posted):
    want = (DATA / posted).read_bytes()
    ds = _saved(saved)
    now = post.NextStart(ds.get("host.boot.id"), "v2.11.0", _pid(want))  # the same boot: the capture's next start
    assert post.post_for_saved(ds, now).body == want


def test_real_no_last_status_post_rebuilt_from_the_current_session():
    """At a first start the daemon posts its current session with status none, exit_reason [] and fatal zeroed:
    so the inputs are the current session's members, whatever its status and fatal block were at that moment."""
    want = (DATA / "post-no-last-status.json").read_bytes()
    current = json.loads(want)
    for key in ("exit_cause", "message", "priority", "version_saved", "agent_version_now", "agent_pid_now",
                "host_memory_critical", "host_memory_free_percent", "agent_health"):
        del current[key]
    current["agent"]["status"] = "initializing"
    current["agent"]["exit_reason"] = ["signal-terminate"]
    current["fatal"].update(function="startup(crash reports check)", line=12, message="x")
    built = post.post_for_saved(None, post.NextStart(pid=_pid(want)), current=status.parse(current))
    assert built.body == want
    assert built.verdict.cause == "no last status"


@pytest.mark.parametrize("name", ["status-before-killed-hard.json", "status-before-exit-instructed.json"])
def test_real_status_files_rewritten_byte_for_byte_in_the_pretty_form(name):
    raw = (DATA / name).read_bytes()
    assert emit.pretty(status.parse(status.read_document(raw, name))) == raw


def test_killed_hard_on_another_boot_is_abnormal_power_off():
    ds = _saved("status-before-killed-hard.json")
    other = bytes.fromhex("00112233445566778899aabbccddeeff")
    built = post.post_for_saved(ds, post.NextStart(other, "v2.11.0"))
    assert built.verdict == causes.Verdict("abnormal power off", "The system was abnormally powered off while "
                                           "Netdata was running", 6, False, 0)
    assert built.body.startswith(b'{"exit_cause":"abnormal power off","message":"The system was abnormally powered '
                                 b'off while Netdata was running","priority":6,')


def test_exit_and_updated_adds_update_to_the_posted_exit_reason():
    body = _post(_doc("status-before-exit-instructed.json"), version="v2.12.0")
    assert b'"exit_cause":"exit and updated"' in body
    assert b'"agent_version_now":"v2.12.0"' in body
    assert b'"exit_reason":["signal-terminate","update"]' in body


# ---------------------------------------------------------------------------------------------------------------
# the daemon's formatting rules, from hand-written status files

def test_control_characters_and_quotes_in_fatal_message_and_stack_trace():
    doc = _doc()
    doc["fatal"]["message"] = 'say "hi"\\ \x1b[0m\x7f/\ttab\r\n\x01'
    doc["fatal"]["stack_trace"] = "#0 f(\"a\")\n#1 \x00cut here"
    body = _post(doc)
    assert b'"message":"say \\"hi\\"\\\\ \\u001B[0m\x7f/\\ttab\\r\\n\\u0001"' in body
    assert b'"stack_trace":"#0 f(\\"a\\")\\n#1 "' in body  # a NUL ends a C string
    json.loads(body)


def test_utf8_in_dmi_strings_is_copied_raw():
    doc = _doc()
    doc["hw"]["sys"]["vendor"] = "Zürich Systèmes ✓"
    body = _post(doc)
    assert '"vendor":"Zürich Systèmes ✓"'.encode() in body


def test_strings_are_cut_to_the_daemons_buffer_sizes_even_inside_a_character():
    doc = _doc()
    doc["host"]["timezone"] = "A" * 30 + "é"  # char[32]: 31 bytes kept, the é cut after its first byte
    doc["fatal"]["message"] = "m" * 600
    ds = status.parse(doc)
    assert ds.get("host.timezone") == b"A" * 30 + b"\xc3"
    assert ds.get("fatal.message") == b"m" * 511
    body = post.post_for_saved(ds, post.NextStart(ds.get("host.boot.id"))).body
    assert b'"timezone":"' + b"A" * 30 + b'\xc3"' in body


def test_all_zero_uuids_are_null_and_compact_ids_stay_compact():
    doc = _doc()
    doc["agent"]["id"] = "00000000-0000-0000-0000-000000000000"
    doc["agent"]["node_id"] = "0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0"
    doc["agent"]["claim_id"] = "not a uuid"
    doc["host"]["id"] = "00000000000000000000000000000000"
    body = _post(doc, boot_id=bytes(16))
    assert b'"agent":{"id":null,' in body
    assert b'"node_id":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","claim_id":null,' in body
    assert b'"host":{"id":null,' in body
    assert b'"ephemeral_id":"390106f3bfe046baba296bd0618a3f15"' in body


def test_empty_memory_and_disk_objects():
    doc = _doc()
    doc["host"]["memory"] = {}
    doc["host"]["disk"]["db"] = {"total": 0, "free": 5}
    body = _post(doc)
    assert b'"memory":{},"disk":{"db":{},"netdata":{' in body
    assert b'"host_memory_critical":false,"host_memory_free_percent":100,' in body
    pretty = emit.pretty(status.parse(doc)).decode()
    assert '        "memory":{\n        },\n' in pretty


def test_v28_file_posted_by_v2_10_and_by_v2_11():
    doc = _doc()
    doc["version"] = 28
    del doc["hw"]["product"]["id"], doc["product"]["id"]
    old = _post(doc, version="v2.10.0")
    new = _post(doc, version="v2.11.0")
    assert b'"version_saved":28,' in old and b'"version_saved":28,' in new
    assert b'"@timestamp":"2026-11-25T20:08:10.04Z","version":28,' in old
    assert b'"@timestamp":"2026-11-25T20:08:10.04Z","version":29,' in new
    assert b'"product":{"name":"","version":""' in old and b'"product":{"vendor":"unknown","name"' in old
    assert b'"product":{"id":"","name":"","version":""' in new and b'"product":{"vendor":"unknown","id":"",' in new


def test_v29_members_gated_by_the_saved_version():
    doc = _doc()
    doc["version"] = 21
    body = _post(doc)
    agent = re.search(rb'"agent":\{.*?"timings"', body).group(0)
    assert b'"since"' not in agent and b'"crashes"' not in agent and b'"pid"' not in agent
    assert b'"posts"' not in agent and b'"db_mode"' in agent and b'"reliability"' in agent
    assert b'"memory":{"total":25276510208,"free":24810262528,"netdata":31318016,"oom_protection":2523293286}' \
        in body
    doc["version"] = 20
    assert b'"memory":{"total":25276510208,"free":24810262528}' in _post(doc)


def test_timestamps_two_truncated_digits_and_empty_when_never_set():
    doc = _doc()
    doc["@timestamp"] = "2026-01-02T03:04:05.678901Z"
    doc["host"]["disk"]["netdata"]["last_updated"] = ""
    doc["agent"]["since"] = "2026-01-02T03:04:05Z"
    body = _post(doc)
    assert b'"@timestamp":"2026-01-02T03:04:05.67Z"' in body
    assert b'"since":"2026-01-02T03:04:05Z"' in body
    assert b'"last_updated":""' in body  # v2.8+: a never-computed string
    assert b'"last_updated":"1970-01-01T00:00:00Z"' in _post(doc, version="v2.7.0")  # formatted at emit time


def test_host_memory_free_percent_guard_is_v2_11():
    doc = _doc()
    doc["host"]["memory"] = {"total": 1, "free": 2 ** 63, "netdata": 0, "oom_protection": 0}
    ds = status.parse(doc)
    assert post.memory_free_percent(ds, releases.NEWEST) == 2 ** 64 - 1
    assert post.memory_free_percent(ds, V2_10) != 2 ** 64 - 1
    doc["host"]["memory"] = {"total": 200, "free": 1, "netdata": 0, "oom_protection": 0}
    assert post.memory_free_percent(status.parse(doc), releases.NEWEST) == 1  # 0.5 rounds away from zero


def test_sentry_flag_is_read_as_a_signal_name_so_a_boolean_posts_false():
    doc = _doc()
    doc["fatal"]["sentry"] = True
    ds = status.parse(doc)
    assert b'"sentry":false' in post.post_for_saved(ds, post.NextStart(ds.get("host.boot.id"))).body
    assert any("fatal.sentry" in n for n in ds.notes)


def test_signal_code_and_fault_address():
    doc = _doc()
    doc["agent"]["exit_reason"] = ["signal-segmentation-fault"]
    doc["fatal"].update(signal_code="SIGSEGV/SEGV_MAPERR", fault_address="0x7f00deadbeef", thread="ACLK_MAIN")
    body = _post(doc)
    assert b'"exit_cause":"deadly signal","message":"Netdata was last crashed after receiving a deadly signal",' \
           b'"priority":2,' in body
    assert b'"signal_code":"SIGSEGV/SEGV_MAPERR","sentry":false,"fault_address":"0x7F00DEADBEEF"' in body


def test_old_nd_prefixed_keys_before_v18():
    doc = _doc()
    doc["version"] = 17
    doc["agent"]["ND_status"] = doc["agent"].pop("status")
    doc["agent"]["ND_restarts"] = 5
    ds = status.parse(doc)
    assert ds.get("agent.status") == "running" and ds.get("agent.restarts") == 5


# ---------------------------------------------------------------------------------------------------------------
# every cause of the table, from a hand-made saved status

EXITED, INIT, RUNNING, EXITING = "exited", "initializing", "running", "exiting"
CASES = [
    ("exit no reason", EXITED, [], {}),
    ("deadly signal and exit", EXITED, ["signal-terminate", "signal-bus-error"], {}),
    ("fatal and exit", EXITED, ["fatal"], {}),
    ("exit on system shutdown", EXITED, ["system-shutdown"], {}),
    ("exit to update", EXITED, ["signal-terminate", "update"], {}),
    ("exit and updated", EXITED, ["signal-terminate"], {"version": "v2.10.0"}),
    ("exit instructed", EXITED, ["cmd-exit"], {}),
    ("abnormal power off", INIT, [], {"boot": "other"}),
    ("deadly signal on start", INIT, ["signal-illegal-instruction"], {}),
    ("out of memory", INIT, ["out-of-memory"], {}),
    ("already running", INIT, ["already-running"], {}),
    ("disk read-only", INIT, [], {"read_only": True}),
    ("disk full", INIT, [], {"free": 0}),
    ("disk almost full", INIT, [], {"free": 10 * 1024 * 1024 - 1}),
    ("fatal on start", INIT, ["fatal"], {}),
    ("killed hard on start", INIT, [], {}),
    ("deadly signal on exit", EXITING, ["signal-terminate", "signal-segmentation-fault"], {}),
    ("exit timeout", EXITING, ["signal-terminate", "shutdown-timeout"], {}),
    ("fatal on exit", EXITING, ["signal-abort"], {}),
    ("killed hard on shutdown", EXITING, ["system-shutdown"], {}),
    ("killed hard on update", EXITING, ["signal-terminate"], {"version": "v2.10.0"}),
    ("killed hard on exit", EXITING, ["signal-terminate"], {}),
    ("abnormal power off", RUNNING, [], {"boot": "other"}),
    ("out of memory", RUNNING, ["out-of-memory"], {}),
    ("deadly signal", RUNNING, ["signal-floating-point-exception"], {}),
    ("killed fatal", RUNNING, ["fatal"], {}),
    ("killed hard low ram", RUNNING, [], {"ram_free": 2523293286}),
    ("killed hard", RUNNING, [], {}),
]
PRIORITY = {"exit no reason": 7, "deadly signal and exit": 2, "fatal and exit": 3, "exit on system shutdown": 7,
            "exit to update": 7, "exit and updated": 7, "exit instructed": 7, "abnormal power off": 6,
            "deadly signal on start": 2, "out of memory": 6, "already running": 6, "disk read-only": 6,
            "disk full": 6, "disk almost full": 6, "fatal on start": 3, "killed hard on start": 4,
            "deadly signal on exit": 2, "exit timeout": 3, "fatal on exit": 3, "killed hard on shutdown": 4,
            "killed hard on update": 4, "killed hard on exit": 4, "deadly signal": 2, "killed fatal": 3,
            "killed hard low ram": 4, "killed hard": 4}


@pytest.mark.parametrize("cause, saved_status, reasons, extra", CASES, ids=[f"{c[1]}:{c[0]}" for c in CASES])
def test_each_cause_from_a_hand_made_status(cause, saved_status, reasons, extra):
    doc = _doc()
    doc["agent"]["status"] = saved_status
    doc["agent"]["exit_reason"] = reasons
    doc["agent"]["version"] = extra.get("version", "v2.11.0")
    if "read_only" in extra:
        doc["host"]["disk"]["db"]["read_only"] = True
    if "free" in extra:
        doc["host"]["disk"]["db"]["free"] = extra["free"]
    if "ram_free" in extra:
        doc["host"]["memory"]["free"] = extra["ram_free"]
    boot = bytes.fromhex("aa" * 16) if extra.get("boot") == "other" else None
    body = _post(doc, boot_id=boot)
    parsed = json.loads(body)
    assert (parsed["exit_cause"], parsed["priority"]) == (cause, PRIORITY[cause])
    assert parsed["message"] == (causes.ON_START.get(cause) if saved_status == INIT and cause in causes.ON_START
                                 else causes.BY_NAME[cause].message)


def test_the_table_has_every_cause_of_the_fact_sheet():
    assert len(causes.CAUSES) == 27 and len({c for c, *_ in CASES}) == 26  # + "no last status"


def test_agent_health():
    doc = _doc()
    for restarts, reliability, state, want in ((1, 1, "running", "crash-first"), (5, -2, "running", "crash-loop"),
                                               (5, -1, "running", "crash-repeated"),
                                               (5, 3, "running", "crash-entered"),
                                               (1, 1, "exited", "healthy-first"), (4, 2, "exited", "healthy-loop"),
                                               (4, 1, "exited", "healthy-repeated"),
                                               (4, -1, "exited", "healthy-recovered")):
        doc["agent"].update(restarts=restarts, reliability=reliability, status=state,
                            exit_reason=["signal-terminate"] if state == "exited" else [])
        assert causes.agent_health(status.parse(doc)) == want


# ---------------------------------------------------------------------------------------------------------------
# unusable files

@pytest.mark.parametrize("raw, message", [
    ((DATA / "status-before-killed-hard.json").read_bytes()[:700], "not valid JSON"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "binary content"),
    (b"{" + b" " * 70000 + b"}", "over 65536 bytes"),
    (b'{"version":999,"agent":{}}', "status-file version 999 is unknown"),
    (b'{"agent":{}}', "no `version` member"),
    (b"[1,2]", "not a JSON object"),
    (b'{"version":29,"agent":{"restarts":"many"}}', "'many' is not a number"),
], ids=["truncated", "binary", "huge", "version-999", "no-version", "array", "bad-number"])
def test_unusable_status_files(raw, message):
    with pytest.raises(AuditError, match=re.escape(message)):
        status.parse(status.read_document(raw, "f.json"), "f.json")


# ---------------------------------------------------------------------------------------------------------------
# property: any status document survives the daemon's pretty file form, and its body is JSON

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_UUIDS = st.one_of(st.none(), st.binary(min_size=16, max_size=16).map(lambda b: str(__import__("uuid").UUID(bytes=b))))


def _value(kind: str, size: int):
    if kind == "str":
        return st.text(max_size=(size - 1) // 4)
    if kind == "uuid":
        return _UUIDS
    if kind in ("u", "i"):
        return st.integers(-(2 ** (size - 1)) if kind == "i" else 0, 2 ** (size - (kind == "i")) - 1)
    if kind in ("bool", "sentry"):
        return st.booleans()
    if kind == "time":
        return st.integers(0, 2 ** 34).map(lambda s: emit.rfc3339(s * 10_000).decode())
    if kind == "signal":
        return st.sampled_from(["", "SIGSEGV/SEGV_MAPERR", "SIGBUS/BUS_ADRALN", "SIGFPE/3"])
    if kind == "address":
        return st.integers(0, 2 ** 64 - 1).map(lambda n: hex(n))
    if kind.startswith("enum:"):
        return st.sampled_from(status.ENUMS[kind[5:]] + ("bogus",))
    return st.lists(st.sampled_from(status.BITS[kind[5:]]), unique=True)


@st.composite
def status_documents(draw):
    doc: dict = {"version": 0}
    for path, (kind, size) in status.FIELDS.items():
        if draw(st.integers(0, 9)) == 0:
            continue  # a missing member
        parts = path.split(".") if path != "@timestamp" else [path]
        node = doc
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = draw(_value(kind, size))
    return doc


@settings(max_examples=150, deadline=None)
@given(status_documents(), st.sampled_from([r.tag for r in releases.RELEASES]))
def test_any_status_survives_its_pretty_form_and_posts_valid_json(doc, version):
    """The daemon writes its file at its own STATUS_FILE_VERSION, so a document of that version is what it reads."""
    release = releases.release_for(version)
    doc["version"] = release.status_file_version
    first = emit.pretty(status.parse(doc), release)
    written = json.loads(first)
    again = emit.pretty(status.parse(status.read_document(first, "pretty")), release)
    assert json.loads(again) == written
    for path, (kind, _) in status.FIELDS.items():
        omitted = any(path == o or path.startswith(o + ".") for o in release.omits)
        if kind == "str" and not omitted and (release.product_ids or not path.endswith("product.id")):
            parts = path.split(".")
            given, out = doc, written
            for part in parts:
                given, out = given.get(part, {}) if isinstance(given, dict) else {}, out[part]
            assert out == (given.split("\0")[0] if isinstance(given, str) else "")
    ds = status.parse(doc)
    if ds.get("agent.status") == "none":
        ds.set("agent.status", "running")
    body = post.post_for_saved(ds, post.NextStart(bytes(16), version, 1, release)).body
    parsed = json.loads(body)
    assert list(parsed)[:len(release.wrapper)] == list(release.wrapper)
    assert b"\n" not in body and not body.endswith(b" ")


def test_before_v2_11_the_product_name_is_cut_to_63_bytes():
    doc = _doc()
    doc["hw"]["product"]["name"] = "N" * 90
    assert status.parse(doc).get("hw.product.name") == b"N" * 90
    assert status.parse(doc, sizes=V2_10.sizes).get("hw.product.name") == b"N" * 63


# ---------------------------------------------------------------------------------------------------------------
# the schema

def test_every_member_of_a_body_is_annotated_and_real_bodies_validate():
    from audit.core import identify
    from audit.plumbing import schemas

    annotated = schemas.agent_events_properties()
    for name in ("post-killed-hard.json", "post-exit-instructed.json", "post-no-last-status.json"):
        document = json.loads((DATA / name).read_bytes())
        assert channels.schema_for(document) == schemas.AGENT_EVENTS_ID
        assert schemas.problems(document, channels.schema_for(document)) == []
    body = _post(_doc())
    leaves = post.post_for_saved(status.parse(_doc()), post.NextStart()).leaves
    assert [p for p, _ in leaves if p not in annotated] == []
    for path, meta in annotated.items():
        assert meta["description"] and meta["x-source"], path
        assert meta["x-sensitivity"] in ("identifier", "environment", "configuration", "usage"), path
        if "x-identifies" in meta:
            assert meta["x-identifies"] in identify.DESCRIPTIONS, path
    assert json.loads(body)


def test_a_body_that_breaks_the_schema_is_reported():
    from audit.plumbing import schemas

    document = json.loads((DATA / "post-killed-hard.json").read_bytes())
    document["priority"] = 5
    document["host"]["boot"]["id"] = "F221740B-250D"
    pointers = {p.pointer for p in schemas.problems(document, channels.schema_for(document))}
    assert pointers == {"/priority", "/host/boot/id"}


# ---------------------------------------------------------------------------------------------------------------
# the body's members, in order, are the tag's own emitter's (tests/golden/agent-events/members-*.json)


def _body_keys(body: bytes) -> list[str]:
    """Every member name, depth first, in the body's order."""
    keys: list[str] = []

    def is_object(value) -> bool:
        return isinstance(value, list) and all(isinstance(v, tuple) for v in value)

    def walk(pairs):
        for key, value in pairs:
            keys.append(key)
            if is_object(value):
                walk(value)
            elif isinstance(value, list) and value and all(is_object(v) and v for v in value):
                walk(value[0])  # an array of objects: the emitter names their members once

    walk(json.loads(body, object_pairs_hook=lambda pairs: [tuple(p) for p in pairs]))
    return keys


@pytest.mark.parametrize("tag", goldens.EMITTER_TAGS)
def test_every_member_of_the_tags_emitter_in_its_order(tag):
    release = releases.release_for(tag)
    doc = _doc()
    doc["version"] = release.status_file_version
    doc["dedup"] = [{"@timestamp": "2026-12-04T01:23:18.51Z", "hash": 10756449587342620163, "sentry": False}]
    doc["fatal"]["signal_code"] = "SIGSEGV/SEGV_MAPERR"
    ds = status.parse(doc)
    body = post.post_for_saved(ds, post.NextStart(ds.get("host.boot.id"), tag, 77, release)).body
    members = json.loads((goldens.GOLDEN / f"agent-events/members-{tag}.json").read_text())["members"]
    assert _body_keys(body) == members


def test_v23_bodies_byte_for_byte_as_their_tags_write_them():
    """Read from the tags' emitters (no real v2.3 capture exists): v2.3.0 posts 4 wrapper members, `version` 19,
    fault_address even without a signal, and the previous status's dedup slots as a last array
    (v2.3.0:src/daemon/daemon-status-file.c:954-961, :156-300); v2.3.1 adds agent_version_now and the memory
    members (:993-1003); v2.3.2 drops the dedup array and adds agent_health (v2.3.2:src/daemon/status-file.c:669-683)."""
    doc = _doc()
    doc["version"] = 19
    doc["dedup"] = [{"@timestamp": "2026-12-04T01:23:18.51Z", "hash": 10756449587342620163, "sentry": False},
                    {"@timestamp": "", "hash": 5, "sentry": False}]
    ds = status.parse(doc)
    v230 = post.post_for_saved(ds, post.NextStart(ds.get("host.boot.id"), "v2.3.0", 77,
                                                  releases.release_for("v2.3.0"))).body
    assert v230.startswith(b'{"exit_cause":"killed hard","message":"Netdata was last killed/crashed while operating '
                           b'normally","priority":4,"version_saved":19,"@timestamp":')
    assert b',"version":19,"agent":{' in v230 and b'"fault_address":"0x0"}' in v230
    assert v230.endswith(b'"dedup":[{"@timestamp":"2026-12-04T01:23:18.51Z","hash":10756449587342620163,'
                         b'"sentry":false}]}')
    pretty = emit.pretty(ds, releases.release_for("v2.3.0"))
    assert pretty.endswith(b'\n    "dedup":[{\n            "@timestamp":"2026-12-04T01:23:18.51Z",\n            '
                           b'"hash":10756449587342620163,\n            "sentry":false\n        }]\n}\n')
    assert json.loads(pretty)["dedup"][0]["hash"] == 10756449587342620163
