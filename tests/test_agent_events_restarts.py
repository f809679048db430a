"""Six real starts of a Netdata v2.11.0 daemon replayed (tests/data/agent-events-v2.11.0/restarts, README there):
before each start, with the lib dir's status and dedup files as they were, the verdict says "sends" exactly for
the four starts that posted, the two others say the same report was posted less than 23 h before (the daemon's
hash and window: v2.11.0:src/daemon/status-file-dedup.c:11, :38-103, :159-181; the check at
v2.11.0:src/daemon/status-file.c:1564), and the predicted bytes equal the posts (agent_pid_now aside)."""

import csv
import re
import shutil
from pathlib import Path

import pytest

from audit.core import optout
from audit.model.verdict import State
from audit.channels.agent_events import body as post
from audit.channels.agent_events import dedup, releases, status
from audit.plumbing.system import System

DATA = Path(__file__).parent / "data" / "agent-events-v2.11.0" / "restarts"
STARTS = list(csv.DictReader((DATA / "starts.tsv").read_text().splitlines(), delimiter="\t"))


def _start_us(row: dict) -> int:
    return status.parse_rfc3339(row["logged_at"])


def _machine(tmp_path: Path, n: int) -> System:
    """The lib dir just before start n; the same boot as the saved status (the six starts ran in one boot)."""
    lib = tmp_path / "var/lib/netdata"
    lib.mkdir(parents=True)
    (tmp_path / "etc/netdata").mkdir(parents=True)
    boot = tmp_path / "proc/sys/kernel/random"
    boot.mkdir(parents=True)
    if n > 1:
        shutil.copy(DATA / f"status-before-start-{n}.json", lib / "status-netdata.json")
        shutil.copy(DATA / f"dedup-before-start-{n}.dat", lib / "dedup-netdata.dat")
        saved = status.parse(status.read_document((lib / "status-netdata.json").read_bytes(), "saved"))
        (boot / "boot_id").write_text(emit_uuid(saved.get("host.boot.id")) + "\n")
    return System(root=str(tmp_path), env={})


def emit_uuid(raw: bytes) -> str:
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@pytest.mark.parametrize("row", STARTS, ids=lambda r: f"start-{r['start']}")
def test_verdict_before_each_start(tmp_path, row):
    n = int(row["start"])
    verdict = optout.agent_events_verdict(_machine(tmp_path, n), "/etc/netdata", "v2.11.0",
                                          now_us=_start_us(row))
    assert verdict.sends is (row["posted"] == "yes"), verdict.summary
    if row["posted"] == "yes":
        assert verdict.summary.startswith(f"would send at next start: {row['last_exit_cause']}")
    else:
        earlier = [r for r in STARTS if r["last_exit_cause"] == row["last_exit_cause"] and r["posted"] == "yes"]
        posted = re.search(r"posted at (\S+) ", verdict.summary).group(1)
        # the slot's time is when the earlier start kept the hash, just after its post
        assert abs(status.parse_rfc3339(posted) - _start_us(earlier[0])) < 1_000_000
        assert verdict.summary.startswith("not sent: the same report was posted at ")


def test_six_verdicts_match_the_log(tmp_path):
    said = [optout.agent_events_verdict(_machine(tmp_path / row["start"], int(row["start"])), "/etc/netdata",
                                        "v2.11.0", now_us=_start_us(row)).sends for row in STARTS]
    assert said == [True, True, False, True, True, False]


@pytest.mark.parametrize("n", [2, 4, 5])
def test_predicted_bytes_equal_the_posts(n):
    want = next(DATA.glob(f"post-{n}-*.json")).read_bytes()
    raw = (DATA / f"status-before-start-{n}.json").read_bytes()
    ds = status.parse(status.read_document(raw, "saved"))
    pid = int(re.search(rb'"agent_pid_now":(\d+)', want).group(1))
    now = post.NextStart(ds.get("host.boot.id"), "v2.11.0", pid, releases.release_for("v2.11.0"))
    assert post.post_for_saved(ds, now).body == want


def test_hashes_are_the_daemons():
    """Each posted report's hash is the one the daemon kept in the next dedup file."""
    kept = {s.hash for s in dedup.read_table((DATA / "dedup-before-start-6.dat").read_bytes())}
    for n, cause, message in ((2, "deadly signal", "Netdata was last crashed after receiving a deadly signal"),
                              (4, "killed fatal", "Netdata was last crashed due to a fatal error"),
                              (5, "killed hard", "Netdata was last killed/crashed while operating normally")):
        ds = status.parse(status.read_document((DATA / f"status-before-start-{n}.json").read_bytes(), "saved"))
        assert dedup.report_hash(ds, message, cause, dedup.layout_for("v2.11.0")) in kept


def test_the_window_is_23_hours():
    table = dedup.read_table((DATA / "dedup-before-start-3.dat").read_bytes())
    slot = table[1]
    assert dedup.posted_at(table, slot.hash, slot.timestamp_us + 23 * 3600 * 10**6 - 1) == slot.timestamp_us
    assert dedup.posted_at(table, slot.hash, slot.timestamp_us + 23 * 3600 * 10**6) is None
    assert dedup.posted_at(table, slot.hash, slot.timestamp_us - 1) is None  # a slot from the future (unsigned)


def test_a_damaged_dedup_file_is_an_empty_table():
    raw = bytearray((DATA / "dedup-before-start-3.dat").read_bytes())
    assert dedup.read_table(bytes(raw))
    raw[40] ^= 1  # a slot byte: the checksum no longer matches (status-file-dedup.c:129-131)
    assert dedup.read_table(bytes(raw)) is None
    assert dedup.read_table(bytes(raw[:100])) is None


def test_an_unreadable_dedup_file_makes_the_verdict_uncertain(tmp_path, monkeypatch):
    system = _machine(tmp_path, 3)
    real = System.read_bytes

    def refuse(self, path):
        if path.endswith("dedup-netdata.dat"):
            raise PermissionError(13, "Permission denied")
        return real(self, path)

    monkeypatch.setattr(System, "read_bytes", refuse)
    verdict = optout.agent_events_verdict(system, "/etc/netdata", "v2.11.0", now_us=_start_us(STARTS[2]))
    assert verdict.state == "uncertain"
    assert "dedup-netdata.dat cannot be read" in verdict.summary


def test_uncertain_reaches_the_opt_out_document(tmp_path, monkeypatch):
    system = _machine(tmp_path, 3)
    real = System.read_bytes

    def refuse(self, path):
        if path.endswith("dedup-netdata.dat"):
            raise PermissionError(13, "Permission denied")
        return real(self, path)

    monkeypatch.setattr(System, "read_bytes", refuse)
    verdict = optout.evaluate(system, "/etc/netdata", "v2.11.0")
    assert verdict.channels["agent-events"].state is State.UNCERTAIN
    assert verdict.components["agent-events"].state is State.UNCERTAIN
    events = verdict.to_json()["channels"]["agent-events"]
    assert events["sends"] is True and events["uncertain"]
    assert events["summary"].startswith("uncertain: would send at next start: deadly signal")


def test_an_unreadable_status_file_makes_the_verdict_uncertain(tmp_path, monkeypatch):
    system = _machine(tmp_path, 3)
    real = System.read_bytes

    def refuse(self, path):
        if path.endswith("status-netdata.json"):
            raise PermissionError(13, "Permission denied")
        return real(self, path)

    monkeypatch.setattr(System, "read_bytes", refuse)
    verdict = optout.agent_events_verdict(system, "/etc/netdata", "v2.11.0", now_us=_start_us(STARTS[2]))
    assert verdict.state == "uncertain" and "status-netdata.json cannot be read here" in verdict.summary
