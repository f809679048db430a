"""agent-events on the command line: payload, check and explain as a user runs them, under --root."""

import json
import shutil
from pathlib import Path

import pytest

from audit.channels.agent_events import channel as agent_events
from audit.channels.agent_events.machine import clean_dmi
from audit.faces.cli import main

DATA = Path(__file__).parent / "data" / "agent-events-v2.11.0"
MACHINE_ID = "0123456789abcdef0123456789abcdef"
PRODUCT_UUID = "4C4C4544-0042-3510-8052-B7C04F4E4C32"
SAME_BOOT = "f221740b-250d-4496-92b9-7207966b8167"


def _write(root: Path, path: str, text: str | bytes) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text if isinstance(text, bytes) else text.encode())


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    _write(r, "/etc/machine-id", MACHINE_ID + "\n")
    _write(r, "/proc/sys/kernel/random/boot_id", SAME_BOOT + "\n")
    _write(r, "/sys/class/dmi/id/product_uuid", PRODUCT_UUID + "\n")
    _write(r, "/sys/class/dmi/id/sys_vendor", "Dell Inc.\n")
    _write(r, "/sys/class/dmi/id/product_name", "PowerEdge  R740 \u2713\n")
    _write(r, "/sys/class/dmi/id/board_vendor", "To be filled by O.E.M.\n")
    _write(r, "/etc/localtime", b"")
    return r


def run(capfdbinary, *argv):
    code = main(list(argv))
    out = capfdbinary.readouterr()
    return code, out.out, out.err.decode()


def _saved(root: Path, name: str = "status-before-killed-hard.json") -> None:
    (root / "var/lib/netdata").mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / name, root / "var/lib/netdata/status-netdata.json")


def test_saved_status_under_root_is_the_daemons_exact_body(root, capfdbinary):
    _saved(root)
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root),
                         "--netdata-version", "v2.11.0", "--agent-pid", "14744")
    assert (code, out) == (0, (DATA / "post-killed-hard.json").read_bytes())
    assert "error" not in err


def test_saved_status_on_another_boot_reports_abnormal_power_off(root, capfdbinary):
    _saved(root)
    _write(root, "/proc/sys/kernel/random/boot_id", "00112233-4455-6677-8899-aabbccddeeff\n")
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root), "--json")
    assert code == 0 and json.loads(out)["exit_cause"] == "abnormal power off"
    assert "agent_pid_now is the next start's process id" in err


def test_status_file_and_lib_dir_options(root, tmp_path, capfdbinary):
    (tmp_path / "lib").mkdir()
    shutil.copy(DATA / "status-before-exit-instructed.json", tmp_path / "lib" / "status-netdata.json")
    code, out, _ = run(capfdbinary, "payload", "--channel", "agent-events", "--lib-dir", "/lib", "--root",
                       str(tmp_path), "--netdata-version", "v2.11.0", "--agent-pid", "15110")
    assert (code, out) == (0, (DATA / "post-exit-instructed.json").read_bytes())
    code, out, _ = run(capfdbinary, "payload", "--channel", "agent-events", "--status-file",
                       str(DATA / "status-before-exit-instructed.json"), "--netdata-version", "v2.12.1", "--json")
    assert json.loads(out)["exit_cause"] == "exit and updated"


@pytest.mark.parametrize("content, message", [
    (None, "no saved status file at"),
    ((DATA / "status-before-killed-hard.json").read_bytes()[:1000], "not valid JSON"),
    (b"\x00\x01\x02binary", "binary content"),
    (b"{" + b" " * 70000 + b"}", "over 65536 bytes"),
    (b'{"version":999}', "status-file version 999 is unknown"),
], ids=["missing", "truncated", "binary", "huge", "version-999"])
def test_unusable_saved_status_is_a_one_line_error(root, capfdbinary, content, message):
    if content is not None:
        _write(root, "/var/lib/netdata/status-netdata.json", content)
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root))
    assert (code, out) == (2, b"")
    lines = [line for line in err.splitlines() if line.startswith("telemetry-audit: error:")]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err


def test_killed_hard_carries_machine_id_and_dmi_uuid_and_check_lists_them(root, capfdbinary):
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "killed hard", "--root", str(root),
                         "--json")
    body = json.loads(out)
    assert code == 0 and body["exit_cause"] == "killed hard"
    assert body["host"]["id"] == MACHINE_ID
    assert body["host"]["boot"]["id"] == SAME_BOOT.replace("-", "")
    assert body["hw"]["sys"] == {"vendor": "Dell Inc.", "uuid": PRODUCT_UUID}
    assert body["hw"]["product"]["id"] == body["hw"]["product"]["name"] == "PowerEdge R740"
    assert body["hw"]["board"]["vendor"] == ""
    code, out, _ = run(capfdbinary, "check", "--channel", "agent-events", "killed hard", "--root", str(root),
                       "--json")
    findings = {f["field"]: f for f in json.loads(out)["findings"]}
    assert findings["host.id"]["kind"] == "machine-id" and findings["host.id"]["match"] == "exact"
    assert findings["hw.sys.uuid"]["kind"] == "hardware-uuid" and findings["hw.sys.uuid"]["match"] == "exact"
    assert findings["host.id"]["sensitivity"] == findings["hw.sys.uuid"]["sensitivity"] == "identifier"
    assert findings["host.boot.id"]["kind"] == "boot-id"
    assert code == 0


def test_check_flags_paths_and_host_names_in_the_fatal_message_and_stack_trace(root, tmp_path, capfdbinary):
    _write(root, "/etc/hostname", "build-box-7\n")
    trace = tmp_path / "trace.txt"
    trace.write_text("#0 0x55d1 in f() at /home/alice/netdata/src/x.c:12\n")
    code, out, _ = run(capfdbinary, "check", "--channel", "agent-events", "fatal on start", "--root", str(root),
                       "--message", "cannot connect to build-box-7:19999", "--stack-trace", str(trace),
                       "--file", "x.c", "--line", "12", "--json")
    odd = {(f["field"], f["kind"]) for f in json.loads(out)["findings"] if not f["expected"]}
    assert ("fatal.message", "hostname") in odd and ("fatal.stack_trace", "home-path") in odd
    assert code == 1


def test_every_cause_builds_and_classifies_as_asked(root, capfdbinary):
    for cause in agent_events.events():
        code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", cause.name, "--root", str(root),
                             "--json")
        assert code == 0 and json.loads(out)["exit_cause"] == cause.name
        assert "would report" not in err


def test_fatal_parameters_reach_the_body(root, tmp_path, capfdbinary):
    trace = tmp_path / "t"
    trace.write_bytes(b"#0 \x1b[1mf\"q\"\n" + b"x" * 5000)
    code, out, _ = run(capfdbinary, "payload", "--channel", "agent-events", "deadly signal", "--root", str(root),
                       "--signal", "SIGBUS/BUS_ADRERR", "--function", "rrdeng_load", "--thread", "DBENGINE",
                       "--errno", "5, Input/output error", "--stack-trace", str(trace), "--wire")
    assert code == 0
    assert b'"exit_reason":["signal-bus-error"]' in out
    assert b'"function":"rrdeng_load",' in out and b'"thread":"DBENGINE",' in out
    kept = 4095 - len(b"#0 \x1b[1mf\"q\"\n")  # --stack-trace keeps what fits char[4096]
    assert b'"stack_trace":"#0 \\u001B[1mf\\"q\\"\\n' + b"x" * kept + b'","signal_code":"SIGBUS/BUS_ADRERR"' in out


def test_assumed_values_are_marked_in_fields(root):
    from audit.facts.collect import FactsRequest, gather
    from audit.plumbing.system import System
    from audit.channels.agent_events.machine import collect

    built = agent_events.build(gather(FactsRequest(root=str(root))), "killed hard",
                               {"machine": collect(System(root=str(root)))})
    fields = {f.key: f for f in built.fields}
    assert fields["host.id"].text == MACHINE_ID and not fields["host.id"].assumed
    assert fields["host.id"].fact == "file:/etc/machine-id"
    assert fields["agent.restarts"].assumed and fields["agent_pid_now"].assumed
    assert fields["hw.sys.uuid"].fact == "file:/sys/class/dmi/id/product_uuid"
    assert built.channel == "agent-events" and built.event == "killed hard"


def test_explain_decodes_a_received_body(capfdbinary):
    code, out, _ = run(capfdbinary, "explain", str(DATA / "post-killed-hard.json"), "--json")
    result = json.loads(out)
    assert code == 0 and result["event"] == "killed hard" and result["valid"]
    assert result["schema_id"].endswith("agent-events.schema.json")
    assert result["decoded"]["health"]["value"] == "crash-first"
    assert result["decoded"]["host.boot.id"]["meaning"].startswith("boot-id: links every report")
    assert result["versions"]["text"] == "Netdata v2.11 to today"


@pytest.mark.parametrize("raw, want", [
    (b"  Dell\tInc.  ", b"Dell Inc."), (b"Caf\xc3\xa9 Box", b"Caf Box"),
    (b"To be filled by O.E.M.", b""), (b"---", b""), (b"default", b""), (b"OEMX", b"OEMX"),
])
def test_dmi_cleaning(raw, want):
    assert clean_dmi(raw) == want


def test_a_facts_snapshot_alone_brings_none_of_this_machines_ids(tmp_path, capfdbinary):
    from audit.facts import snapshot
    from tests.sample import sample_facts

    facts = tmp_path / "facts.json"
    facts.write_text(snapshot.dumps(sample_facts()))
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "killed hard", "--facts", str(facts),
                         "--netdata-version", "2.11.0", "--json")
    body = json.loads(out)
    assert code == 0 and body["host"]["id"] is None and body["host"]["boot"]["id"] is None
    assert body["agent_version_now"] == "v2.11.0"
    assert "no machine values were read" in err


def test_check_reads_an_agent_events_document_by_member_path():
    from audit.core import identify

    document = json.loads((DATA / "post-killed-hard.json").read_bytes())
    document["fatal"]["message"] = "open /home/bob/x failed"
    found = {(f.field, f.kind, f.expected) for f in identify.check(document)}
    assert ("host.boot.id", "boot-id", True) in found and ("agent.id", "machine-guid", True) in found
    assert ("fatal.message", "home-path", False) in found


def test_explain_reads_a_body_cut_inside_a_character(tmp_path, capfdbinary):
    raw = (DATA / "post-killed-hard.json").read_bytes().replace(b'"timezone":"Etc/UTC"', b'"timezone":"Etc/\xc3"')
    (tmp_path / "b.json").write_bytes(raw)
    code, out, _ = run(capfdbinary, "explain", str(tmp_path / "b.json"), "--json")
    result = json.loads(out)
    assert code == 1 and result["event"] == "killed hard" and "not UTF-8" in result["json_error"]


def test_the_newest_copy_in_a_fallback_dir_is_used_and_named(root, capfdbinary):
    import os

    _saved(root)
    stale = root / "var/lib/netdata/status-netdata.json"
    os.utime(stale, (1_700_000_000, 1_700_000_000))
    (root / "tmp").mkdir()
    shutil.copy(DATA / "status-before-exit-instructed.json", root / "tmp/status-netdata.json")
    (root / "tmp/status-netdata.json").chmod(0o664)
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root),
                         "--netdata-version", "v2.11.0", "--json")
    assert code == 0 and json.loads(out)["exit_cause"] == "exit instructed"
    assert f"the saved status file is {root}/tmp/status-netdata.json, in /tmp: a fallback" in err
    assert "world-readable (mode 0664): in /tmp anyone on this machine can read it" in err
    assert "the machine GUID, /etc/machine-id, the boot id" in err
    assert f"{root}/var/lib/netdata/status-netdata.json is an older copy" in err


def test_netdata_conf_lib_dir_is_where_the_status_file_is_looked_for(root, capfdbinary):
    _write(root, "/etc/netdata/netdata.conf", "[directories]\n    lib = /srv/netdata-lib\n")
    (root / "srv/netdata-lib").mkdir(parents=True)
    shutil.copy(DATA / "status-before-killed-hard.json", root / "srv/netdata-lib/status-netdata.json")
    (root / "srv/netdata-lib/status-netdata.json").chmod(0o600)
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root),
                         "--netdata-version", "v2.11.0", "--agent-pid", "14744")
    assert (code, out) == (0, (DATA / "post-killed-hard.json").read_bytes())
    assert "fallback" not in err and "world-readable" not in err


# ---------------------------------------------------------------------------------------------------------------
# payload keeps printing the body, and says on stderr when the daemon would not post it, and why

def _no_ci(monkeypatch):
    from audit.channels.agent_events import gate

    for name in gate.CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _dedup_file(slots: list[tuple[int, int]]) -> bytes:
    """A dedup-netdata.dat as the daemon saves it (v2.11.0:src/daemon/status-file-dedup.c:146-154)."""
    import struct

    from audit.channels.agent_events import dedup

    body = b"".join(struct.pack("<B7xQQ", 0, h, t) for h, t in slots).ljust(dedup.SLOTS * 24, b"\0")
    return struct.pack("<QQQ", dedup.MAGIC, 1, dedup.fnv1a64(body)) + body


def test_payload_says_when_crash_reports_stop_the_body(root, capfdbinary, monkeypatch):
    _no_ci(monkeypatch)
    _write(root, "/etc/netdata/netdata.conf", "[global]\n    crash reports = crashes\n")
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "exit instructed", "--root", str(root))
    assert code == 0 and out.startswith(b'{"exit_cause":"exit instructed"')
    assert "this body would not be sent: crash reports = crashes ('exit instructed' is not a crash)" in err
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "killed hard", "--root", str(root))
    assert code == 0 and "would not be sent" not in err


def test_payload_says_when_ci_stops_the_body(root, capfdbinary, monkeypatch):
    _no_ci(monkeypatch)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "killed hard", "--root", str(root))
    assert code == 0 and out
    assert "this body would not be sent: CI variable GITHUB_ACTIONS set (restarts 0 < 2)" in err


def test_payload_says_when_the_same_report_was_posted_within_23_hours(root, capfdbinary, monkeypatch):
    """The saved status's report was posted an hour ago (its hash is in dedup-netdata.dat): the daemon skips it."""
    import time

    from audit.channels.agent_events import causes, dedup, status

    _no_ci(monkeypatch)
    _saved(root)
    saved = status.parse(status.read_document((DATA / "status-before-killed-hard.json").read_bytes(), "saved"))
    verdict = causes.classify(saved, saved.get("host.boot.id"), "v2.11.0")
    hashed = dedup.report_hash(saved, verdict.message, verdict.cause, dedup.layout_for("v2.11.0"))
    an_hour_ago = int(time.time() * 1e6) - 3600 * 10**6
    _write(root, "/var/lib/netdata/dedup-netdata.dat", _dedup_file([(hashed, an_hour_ago)]))
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root),
                         "--netdata-version", "v2.11.0", "--agent-pid", "14744")
    assert (code, out) == (0, (DATA / "post-killed-hard.json").read_bytes())  # still printed, byte for byte
    assert "this body would not be sent: the same report was posted at " in err
    _write(root, "/var/lib/netdata/dedup-netdata.dat", _dedup_file([(hashed, an_hour_ago - 23 * 3600 * 10**6)]))
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root),
                         "--netdata-version", "v2.11.0")
    assert code == 0 and "would not be sent" not in err  # 24 h ago: outside the window


@pytest.mark.parametrize("how", ["--netdata-version", "installed"])
def test_an_agent_older_than_the_channel_is_why_no_status_file_is_found(root, tmp_path, capfdbinary, how):
    """1.37.1 (Debian 12's) writes no status file: say that, not that the agent has not run here."""
    from audit.channels.agent_events import releases
    from audit.facts.snapshot import dumps
    from tests.sample import sample_facts

    facts = tmp_path / "facts.json"
    facts.write_text(dumps(sample_facts(netdata_version="v1.37.1")))
    given = ["--netdata-version", "1.37.1"] if how == "--netdata-version" else ["--facts", str(facts)]
    code, out, err = run(capfdbinary, "payload", "--channel", "agent-events", "--root", str(root), *given)
    errors = [line for line in err.splitlines() if line.startswith("telemetry-audit: error:")]
    assert (code, out) == (2, b"") and len(errors) == 1
    assert f"Netdata v1.37.1 has no status file and no agent-events channel (both start at {releases.FIRST.tag})" \
        in err and "has not run here" not in err


@pytest.mark.parametrize("cause, posted", [("exit instructed", False), ("out of memory", False),
                                           ("killed hard", True), ("fatal and exit", True)])
def test_send_gates_the_body_by_its_own_cause(tmp_path, capfdbinary, monkeypatch, httpserver, cause, posted):
    """issue 21: `crash reports = crashes` posts only after a crash (the crash flag of the exit-cause table,
    v2.11.0:src/daemon/status-file.c); send once asked the gate about the machine's saved status, not the body's."""
    _no_ci(monkeypatch)
    config = tmp_path / "netdata"
    _write(config, "netdata.conf", "[global]\n    crash reports = crashes\n")
    (tmp_path / "lib").mkdir()
    journal = tmp_path / "journal.jsonl"
    httpserver.expect_request("/agent-events", method="POST").respond_with_data("ok")
    code, out, err = run(capfdbinary, "send", "--channel", "agent-events", cause, "--netdata-version", "v2.11.0",
                         "--config-dir", str(config), "--lib-dir", str(tmp_path / "lib"), "--yes",
                         "--endpoint", httpserver.url_for("/agent-events"), "--journal", str(journal))
    entry = json.loads(journal.read_text().splitlines()[-1])
    if posted:
        assert code == 0 and len(httpserver.log) == 1 and entry["state"] == "sent"
    else:
        assert code == 1 and httpserver.log == [] and entry["state"] == "refused"
        assert f"not sent: the daemon would not post this body: crash reports = crashes ('{cause}' is not a crash)" \
            in err
