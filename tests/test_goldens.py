"""The tool against the goldens: bytes Netdata's real code produced (tests/golden, named in its manifest), so a fresh
clone checks every modelled release and kickstart revision with no mirror. `python -m tests.goldens regenerate`
remakes them; tests/test_goldens_current.py checks they are current when a mirror is there."""

import json
import re
from pathlib import Path

import pytest

from audit.channels.backend import assemble as payload
from audit.plumbing import versions
from audit.channels.agent_events import body as post
from audit.channels.agent_events import gate, status
from audit.channels.backend import releases, wire
from audit.channels.installer import kickstart
from tests import goldens

MANIFEST = json.loads(goldens.MANIFEST.read_text())
STATISTICS = sorted((goldens.GOLDEN / "statistics").glob("*.json"))
INSTALLER = sorted((goldens.GOLDEN / "installer").glob("*.json"))
RESTARTS = goldens.ROOT / goldens.CAPTURES / "restarts"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cases(paths: list[Path]) -> list:
    return [pytest.param(load(p), case, id=f"{p.stem}-{case.get('case') or case['event']}-{n}")
            for p in paths for n, case in enumerate(load(p)["cases"])]


# ------------------------------------------------------------------------------------------------------ manifest

def test_the_manifest_names_every_golden_and_each_names_its_source():
    listed = [entry["golden"] for entry in MANIFEST["goldens"]]
    on_disk = {str(p.relative_to(goldens.GOLDEN)) for folder in goldens.GENERATED
               for p in (goldens.GOLDEN / folder).rglob("*.json")}
    on_disk |= {e["golden"] for e in goldens.capture_entries()}
    assert len(listed) == len(set(listed)) and set(listed) == on_disk
    for entry in MANIFEST["goldens"]:
        assert (goldens.GOLDEN / entry["golden"]).is_file(), entry["golden"]
        source = entry["source"]
        assert source["repository"] == "netdata/netdata" and source["ref"] and source["file"] and source["run"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", source["date"]), entry
    assert MANIFEST["regenerate"] == goldens.REGENERATE


# ------------------------------------------------------------------- the statistics script, every minor release

def test_every_modelled_minor_release_has_a_golden_with_every_event_it_sends():
    first, last = versions.parse(releases.FIRST_MODELLED), versions.parse(versions.LAST_SCRIPT_VERSION)
    minors = {versions.parse(p.stem)[:2] for p in STATISTICS}
    expected = {(1, m) for m in range(first[1], versions.LAST_1X_MINOR + 1)} | {(2, m) for m in range(last[1] + 1)}
    assert minors == expected
    for path in STATISTICS:
        sent = [(case["event"], case["params"]) for case in load(path)["cases"]]
        assert sent == [(e, p) for e, p in goldens.statistics_cases(path.stem)], path.stem


@pytest.mark.parametrize("golden,case", cases(STATISTICS))
def test_the_script_emulation_equals_the_real_script_of_each_release(golden, case):
    layout = releases.script_layout(golden["tag"])
    built = wire.script_body(case["argv"], golden["env"], golden["system_distinct_id"], golden["shell"], layout)
    assert built.decode() == case["body"]


@pytest.mark.parametrize("golden,case", cases(STATISTICS))
def test_payload_from_facts_equals_the_real_script_of_each_release(golden, case):
    facts = goldens.statistics_facts(golden["tag"])
    assert payload.daemon_call(facts, case["event"], case["params"]) == (case["argv"], golden["env"]), \
        f"tests/sample.py or the daemon model changed: run {goldens.REGENERATE}"
    assert payload.build(facts, case["event"], case["params"]).wire.decode() == case["body"]


@pytest.mark.parametrize("path", STATISTICS, ids=lambda p: p.stem)
def test_what_stops_each_releases_script_is_what_the_tool_says(tmp_path, path):
    """The opt-out file stops the script (a directory there does not: `[ -f ]`); which variables it reads, and that
    any non-empty value stops it, is per release (v1.33 knew only DO_NOT_TRACK)."""
    from audit.core import optout
    from audit.plumbing.system import System

    golden = load(path)
    for n, stop in enumerate(golden["stops"]):
        files = {"/usr/sbin/netdata": "", "/etc/netdata/netdata.conf": "[global]\n",
                 "/usr/libexec/netdata/plugins.d/anonymous-statistics.sh": "#!/bin/sh\n"}
        if stop["optout"] == "file":
            files["/etc/netdata/.opt-out-from-anonymous-statistics"] = ""
        root = goldens.write_root(tmp_path / str(n), files)
        if stop["optout"] == "directory":
            (root / "etc/netdata/.opt-out-from-anonymous-statistics").mkdir()
        verdict = optout.evaluate(System(root=str(root), env=stop["env"]), "/etc/netdata", golden["tag"])
        assert verdict.components["script"].sends is stop["sent"], stop


def test_the_statistics_goldens_distinct_id_is_what_the_tool_reads_from_their_machine_id(tmp_path):
    from audit.facts.agent import _system_distinct_id
    from audit.plumbing.system import System

    golden = load(STATISTICS[-1])
    root = goldens.write_root(tmp_path, {"/etc/machine-id": golden["machine_id"]})
    assert _system_distinct_id(System(root=str(root))).value == golden["system_distinct_id"]


# ------------------------------------------------------- system-info.sh, every minor release, on fake machines

SYSTEM_INFO = sorted((goldens.GOLDEN / "system-info").glob("*.json"), key=lambda p: versions.parse(p.stem))


def _machines(paths: list[Path]) -> list:
    return [pytest.param(load(p)["tag"], name, values, id=f"{p.stem}-{name}")
            for p in paths for name, values in load(p)["machines"].items()]


@pytest.mark.parametrize("tag,machine,real", _machines(SYSTEM_INFO))
def test_system_info_values_equal_the_real_script_of_each_release_on_each_machine(tmp_path, tag, machine, real):
    from audit.facts.sysinfo import collect_system_info

    facts = collect_system_info(goldens.fake_machine(tmp_path / "root", goldens.SYSTEM_INFO_MACHINES[machine]), tag)
    assert {name: wire.system_info_value(name, facts[name].value, tag) for name in real} == real


def test_every_system_info_cut_shows_in_the_goldens():
    """Each release where the tool's system-info rules change prints something else on some fake machine than the
    release before it, so the goldens check every cut, and the machines are not all alike."""
    machines = {versions.parse(p.stem)[:2]: load(p)["machines"] for p in SYSTEM_INFO}
    assert set(machines) == {versions.parse(p.stem)[:2] for p in STATISTICS}
    for rules in releases.SYSTEM_INFO[1:]:
        since = versions.parse(rules.span.since)[:2]
        before = max(m for m in machines if m < since)
        assert machines[since] != machines[before], f"no fake machine tells {rules.span.since} from the release before"


# ---------------------------------------------------------------------- kickstart, every revision (tag or master)

def test_every_kickstart_revision_has_a_golden():
    assert [load(p)["revision"] for p in sorted(INSTALLER, key=lambda p: _order(p.stem))] == \
        [r.name for r in kickstart.REVISIONS]
    assert {load(p)["commit"] for p in INSTALLER} - {None} == {kickstart.MASTER.commit}


def _order(name: str) -> int:
    return [r.name for r in kickstart.REVISIONS].index(name)


@pytest.mark.parametrize("golden,case", cases(INSTALLER))
def test_installer_body_equals_the_real_telemetry_event(tmp_path, golden, case):
    root = goldens.write_root(tmp_path / "root", case["root"])
    facts, params, channel = goldens.installer_resolved(root, golden["revision"], case["event"], case["options"],
                                                        case["params"])
    resolved = channel.resolve(facts, case["event"], params)
    assert {k: resolved.values[k] for k in goldens.INSTALLER_PARAMS} == case["variables"]
    assert channel.build(facts, case["event"], params).wire.decode() == case["body"]


@pytest.mark.parametrize("path", INSTALLER, ids=lambda p: p.stem)
def test_the_fatal_messages_that_date_a_body_are_the_revisions(path):
    golden = load(path)
    assert [list(m) for m in kickstart.revision(golden["revision"]).messages] == golden["fatal_messages"]


def test_master_has_f0106s_new_texts_and_no_f050c():
    master = load(goldens.GOLDEN / "installer" / "master.json")
    codes = [code for code, _ in master["fatal_messages"]]
    assert codes == ["F0106", "F0106"] and "F050C" not in codes
    failed = [c for c in master["cases"] if c["case"].startswith("fatal-F0106")]
    assert len(failed) == 2 and all(json.loads(c["body"])["properties"]["error_code"] == "F0106" for c in failed)


@pytest.mark.parametrize("path", INSTALLER, ids=lambda p: p.stem)
def test_option_parsing_equals_the_real_parse_args(path):
    golden = load(path)
    var = kickstart.variant(golden["revision"])
    for parsed in golden["parse_args"]:
        state = kickstart.parse_options(parsed["options"].split(), var)
        real = parsed["variables"]
        ours = {"RELEASE_CHANNEL": state.release_channel, "NETDATA_AUTO_UPDATES": state.auto_updates,
                "NETDATA_COMMAND": state.command if var.action_names != "none" else real["NETDATA_COMMAND"],
                "INTERACTIVE": state.interactive or "0",  # stdout was a pipe: the real default is 0
                "SELECTED_INSTALL_METHOD": state.method}
        assert ours == real, parsed["options"]


def test_parse_args_goldens_exist_from_v1_35():
    with_parse = [load(p)["revision"] for p in INSTALLER if load(p)["parse_args"]]
    assert len(with_parse) == len([r for r in kickstart.REVISIONS if r.name not in ("v1.33.0", "v1.33.1", "v1.34.0")])


# --------------------------------------------------------------------- agent-events: a real v2.11.0 daemon's posts

@pytest.mark.parametrize("start", [2, 4, 5])
def test_a_real_daemons_post_after_each_restart_is_rebuilt_byte_for_byte(start):
    want = (RESTARTS / f"post-{start}-{_POSTS[start]}.json").read_bytes()
    raw = (RESTARTS / f"status-before-start-{start}.json").read_bytes()
    saved = status.parse(status.read_document(raw, "status"), "status")
    pid = int(re.search(rb'"agent_pid_now":(\d+)', want).group(1))
    assert post.post_for_saved(saved, post.NextStart(saved.get("host.boot.id"), "v2.11.0", pid)).body == want


_POSTS = {2: "deadly-signal-segv", 4: "killed-fatal-abrt", 5: "killed-hard"}


def test_ci_variables_are_the_v2_11_daemons():
    golden = load(goldens.GOLDEN / "agent-events" / "ci-variables.json")
    assert tuple(golden["variables"]) == gate.CI_VARIABLES


# --------------------------------------------------- agent-events: real daemons of every other modelled release

def _other_captures() -> list:
    """post-<n>-<cause>.json beside status-before-<cause>.json in each real daemon's folder but v2.11.0's restarts."""
    found = []
    for folder, ref, *_ in goldens.CAPTURE_SOURCES:
        for post_file in sorted((goldens.ROOT / folder).glob("post-*-*.json")):
            cause = post_file.stem.split("-", 2)[2]
            before = post_file.with_name(f"status-before-{cause}.json")
            if before.exists():
                found.append(pytest.param(ref, before, post_file, id=f"{ref}-{cause}"))
    return found


@pytest.mark.parametrize("ref, before, want", _other_captures())
def test_a_real_daemons_post_of_each_captured_release_is_rebuilt_byte_for_byte(ref, before, want):
    """The saved status as the next start of the same release on the same boot would post it; the v2.3.0 body has
    no agent_pid_now (v2.3.0:src/daemon/daemon-status-file.c:954-961), later ones carry the real post's pid."""
    from audit.channels.agent_events import channel

    raw, body = before.read_bytes(), want.read_bytes()
    saved = status.parse(status.read_document(raw, str(before)), str(before))
    pid = re.search(rb'"agent_pid_now":(\d+)', body)
    pid_now = int(pid.group(1)) if pid else None
    built = channel.build_saved(raw, str(before), {}, saved.get("host.boot.id"), ref, pid_now)
    assert built.wire == body


def test_every_modelled_agent_events_release_has_a_real_daemons_capture_that_is_checked():
    from audit.channels.agent_events import releases as agent_releases

    captured = {ref for _, ref, *_ in goldens.CAPTURE_SOURCES}
    assert captured == {release.tag for release in agent_releases.RELEASES}
    checked = {param.values[0] for param in _other_captures()} | {"v2.11.0"}  # v2.11.0: the restarts above
    assert checked == captured


@pytest.mark.parametrize("ref, before, want", _other_captures())
def test_each_posted_reports_hash_is_the_one_the_real_daemon_kept(ref, before, want):
    """The dedup hash of every posted report (v2.3.0/.1: slots in the status file; v2.3.2 on: dedup-netdata.dat) is
    among the slots the daemon kept after its last run: the tool's 23 h dedup rule hashes as that release does."""
    from audit.channels.agent_events import causes, dedup

    folder = before.parent
    after = sorted(folder.glob("dedup-after-*.dat"))
    if after:
        kept = dedup.read_table(after[0].read_bytes())
    else:
        raw_after = sorted(folder.glob("status-after-*.json"))[0].read_bytes()
        kept = dedup.table_from_status(raw_after, json.loads(raw_after)["version"])
    saved = status.parse(status.read_document(before.read_bytes(), str(before)), str(before))
    verdict = causes.classify(saved, saved.get("host.boot.id"), ref)
    assert dedup.report_hash(saved, verdict.message, verdict.cause, dedup.layout_for(ref)) in {s.hash for s in kept}
