"""issue 21, "one answer from every face": for generated sysroots × environments × versions (v1.33 … v2.11, v2.3.x
included), `opt-out --json`, `report --json`, send's gate and the TUI's row give the same verdict on every channel.
Each face renders the one typed verdict (audit.model.verdict.ChannelVerdict); none re-derives it."""

import json
import shutil
import tempfile
from unittest import mock
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from audit.core import optout
from audit.faces.cli import main
from audit.faces.commands import send
from audit.faces.tui import adapters
from audit.model.fact import Fact
from audit.plumbing.system import System

DATA = Path(__file__).parent / "data" / "agent-events-v2.11.0"
VERSIONS = ("v1.33.1", "v1.37.1", "v1.43.2", "v1.45.6", "v2.2.6", "v2.3.0", "v2.3.1", "v2.3.2", "v2.4.0", "v2.5.4",
            "v2.7.2", "v2.11.0")
CLAIM = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
# each face's words for the typed states (report: "suppressed"; the TUI's short column: "off")
REPORT_WORDS = {"suppressed": "not sent"}
TUI_WORDS = {"off": "not sent"}

machines = st.fixed_dictionaries({
    "version": st.sampled_from(VERSIONS),
    "opt_out": st.sampled_from([None, "file", "directory"]),
    "crash_reports": st.sampled_from([None, "off", "crashes", "all", "no"]),
    "install_type": st.sampled_from([None, "kickstart-static", "binpkg-deb", "custom", "oci"]),
    "container": st.sampled_from([None, "docker", "netdata-image"]),
    "status": st.sampled_from([None, "claimed", "killed hard", "exit instructed"]),
    "script_installed": st.booleans(),
    "dedup": st.sampled_from([None, "unreadable"]),  # unreadable: uncertain where it would send
    "env": st.fixed_dictionaries({}, optional={"DISABLE_TELEMETRY": st.sampled_from(["", "0", "1", " 1"]),
                                               "DO_NOT_TRACK": st.sampled_from(["", "1"]),
                                               "CI": st.sampled_from(["true", "TRUE", "1"])}),
})


def _put(root: Path, path: str, data: str | bytes = "") -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode() if isinstance(data, str) else data)


def sysroot(root: Path, m: dict) -> None:
    _put(root, "/usr/sbin/netdata")  # an agent is installed: every face speaks of it
    conf = "[global]\n" + (f"    crash reports = {m['crash_reports']}\n" if m["crash_reports"] else "")
    _put(root, "/etc/netdata/netdata.conf", conf)
    if m["opt_out"] == "file":
        _put(root, "/etc/netdata/.opt-out-from-anonymous-statistics")
    elif m["opt_out"] == "directory":
        (root / "etc/netdata/.opt-out-from-anonymous-statistics").mkdir()
    if m["install_type"]:
        _put(root, "/etc/netdata/.install-type", f"INSTALL_TYPE='{m['install_type']}'\n")
    if m["container"]:
        _put(root, "/.dockerenv")
    if m["container"] == "netdata-image":
        _put(root, "/usr/sbin/run.sh", "#!/bin/sh\n")
    if m["script_installed"]:
        _put(root, "/usr/libexec/netdata/plugins.d/anonymous-statistics.sh", "#!/bin/sh\n")
    if m["status"] == "claimed":
        _put(root, "/var/lib/netdata/status-netdata.json", json.dumps(
            {"version": 29, "agent": {"claim_id": CLAIM, "node_id": None, "status": "running", "restarts": 3}}))
    elif m["status"]:
        _put(root, "/var/lib/netdata/status-netdata.json",
             (DATA / f"status-before-{m['status'].replace(' ', '-')}.json").read_bytes())


def cli_json(argv: list[str], capsys) -> dict:
    main(argv)
    return json.loads(capsys.readouterr().out)


def _unreadable_dedup_file(self, path):
    """System.read_bytes as it is when the dedup file cannot be read (root reads a mode-000 file: refuse it here)."""
    if path.endswith("dedup-netdata.dat"):
        raise PermissionError(13, "Permission denied")
    return _READ_BYTES(self, path)


_READ_BYTES = System.read_bytes


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=machines)
def test_every_face_gives_the_same_verdict(capsys, m):
    root = Path(tempfile.mkdtemp(prefix="one-answer-"))
    try:
        sysroot(root, m)
        if m["dedup"]:
            _put(root, "/var/lib/netdata/dedup-netdata.dat", b"\0" * 64)
        with mock.patch.object(System, "read_bytes", _unreadable_dedup_file if m["dedup"] else _READ_BYTES):
            _compare(capsys, root, m)
    finally:
        shutil.rmtree(root)


def _compare(capsys, root: Path, m: dict) -> None:
    env = [f"--env={k}={v}" for k, v in m["env"].items()]
    where = ["--root", str(root), "--netdata-version", m["version"], *env]
    opt_out = cli_json(["opt-out", "--json", *where], capsys)["channels"]
    report = cli_json(["report", "--json", *where], capsys)["channels"]
    verdict = optout.evaluate(System(root=str(root), env=m["env"]), "/etc/netdata", m["version"])
    view = adapters.optout_view({"netdata_version": Fact(m["version"], "option:--netdata-version")},
                                "/etc/netdata", m["env"], root=str(root))
    tui = {name: state for name, state, _ in view.channels}
    for name, typed in verdict.channels.items():
        state = typed.state.value
        assert opt_out[name]["state"] == state, (name, m)
        assert REPORT_WORDS.get(report[name]["state"], report[name]["state"]) == \
            ("sends" if state == "uncertain" else state), (name, m)
        assert TUI_WORDS.get(tui[name], tui[name]) == state, (name, m)
        sends = state in ("sends", "uncertain")
        assert report[name]["sends"] is sends and opt_out[name]["sends"] is typed.sends, (name, m)
        assert send._channel_sends(verdict, name) is sends, (name, m)  # send's gate
        assert (view.block_for(name) is None) is sends, (name, m)  # the TUI's Send
    gate = optout.body_verdict(System(root=str(root), env=m["env"]), "/etc/netdata",
                               _saved_body(), m["version"], saved_status=True)
    assert gate.sends is verdict.channels["agent-events"].sends, m  # payload's note asks the same gate


def _saved_body():
    """Any agent-events body: with saved_status the gate reads the machine's own saved status, not the body."""
    from audit.channels.agent_events import channel

    return channel.build({}, "killed hard", {"netdata_version": "v2.11.0"})
