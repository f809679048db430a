"""What this machine's agent sent or tried to send, one row per event, newest first (pure: records in, rows out).

The records come from audit/core/history_sources.py: the daemon's starts (agent-events, v2.3+), the statistics
script's logged runs (v1.33–v2.5), the dedup table, kickstart's recorded install and the tool's own journal.
"""

import hashlib
import struct
from dataclasses import dataclass, field

from audit.channels.agent_events import dedup, logged
from audit.channels.agent_events.logged import Start
from audit.channels.backend.logged import ScriptRun

SLOT_MATCH_USEC = 15 * 1_000_000  # a dedup slot is written within the 10 s POST timeout after the start's line


@dataclass
class Row:
    time: str
    usec: int | None
    channel: str
    what: str
    outcome: str
    source: str
    body: bytes | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        doc = {"time": self.time, "channel": self.channel, "what": self.what, "outcome": self.outcome,
               "sent": self.outcome == "posted", "source": self.source, "body": None, "sha256": None, "size": None,
               "notes": self.notes}
        if self.body is not None:
            doc.update(body=self.body.decode("utf-8", "surrogateescape"), sha256=hashlib.sha256(self.body).hexdigest(),
                       size=len(self.body))
        return doc


@dataclass
class Records:
    starts: list[Start] = field(default_factory=list)
    script_runs: list[ScriptRun] = field(default_factory=list)
    dedup: "tuple[dedup.Slot, ...] | None" = None  # the dedup table's used slots, in file order
    dedup_path: str | None = None
    install: dict | None = None  # {"path", "time", "usec", "install_type", "options", "claim_token", "disabled"}
    journal: list[tuple[dict, bytes | None]] = field(default_factory=list)  # (latest entry, its kept body)
    notes: list[str] = field(default_factory=list)  # where a source could not be read, or keeps no record


def rows(records: Records, since_usec: int | None = None) -> list[Row]:
    found = agent_event_rows(records) + [script_row(r) for r in records.script_runs]
    if records.install:
        found.append(install_row(records.install))
    found += [journal_row(e, b) for e, b in records.journal]
    if since_usec is not None:
        found = [r for r in found if r.usec is None or r.usec >= since_usec]
    return sorted(found, key=lambda r: (r.usec is not None, r.usec or 0), reverse=True)


def agent_event_rows(records: Records) -> list[Row]:
    table = records.dedup or ()
    used: set[int] = set()  # positions in `table` matched to a logged post
    posted_hashes: list[tuple[int, int]] = []  # (hash, usec) of earlier posts, oldest first
    out = []
    for start in sorted(records.starts, key=lambda s: s.usec or 0):
        rebuilt = logged.rebuild(start)
        row = Row(start.time, start.usec, "agent-events", start.cause, "", start.where, rebuilt.body,
                  list(rebuilt.notes))
        if start.outcome is None:
            row.outcome = _skipped(start, rebuilt.hash, posted_hashes, table)
            row.notes.append("the body it would have posted (nothing was sent)" if rebuilt.body else
                             "nothing was sent")
        else:
            row.outcome = "posted" if start.outcome == "posted" else \
                "failed: the POST did not complete (the daemon does not retry)"
            at = _slot_for(start, rebuilt.hash, table, used) if start.outcome == "posted" else None
            if at is not None:
                used.add(at)
                row.notes.append(f"in the dedup table: hash {table[at].hash:#018x}, recorded "
                                 f"{logged.iso_usec(table[at].timestamp_us)}")
            if start.outcome == "posted" and rebuilt.hash is not None and start.usec:
                posted_hashes.append((rebuilt.hash, start.usec))
        out.append(row)
    out += [_unlogged_slot(s, records.dedup_path) for i, s in enumerate(table) if i not in used]
    return out


def _skipped(start: Start, h: int | None, posted: list[tuple[int, int]], table) -> str:
    if h is not None and start.usec:
        for earlier_hash, usec in reversed(posted):
            if earlier_hash == h and 0 <= start.usec - usec < dedup.WINDOW_US:
                return f"not posted: dedup (the same report was posted at {logged.iso_usec(usec)}, within 23 h)"
        when = dedup.posted_at(table, h, start.usec)
        if when is not None:
            return f"not posted: dedup (the dedup table holds this report, posted at {logged.iso_usec(when)})"
    return ("not posted: the gate stopped it (crash reports setting, opt-out, CI) or dedup; the log does not say "
            "which")


def _slot_for(start: Start, h: int | None, table, used: set[int]) -> int | None:
    for i, slot in enumerate(table):
        if h is not None and slot.hash == h and not slot.sentry and i not in used:
            return i
    if h is None and start.usec:  # "no last status": the hash kept is of the session posted, not in the log
        for i, slot in enumerate(table):
            if i not in used and 0 <= slot.timestamp_us - start.usec <= SLOT_MATCH_USEC:
                return i
    return None


def _unlogged_slot(slot: "dedup.Slot", path: str | None) -> Row:
    what = "a Sentry crash report" if slot.sentry else f"a report (hash {slot.hash:#018x})"
    return Row(logged.iso_usec(slot.timestamp_us), slot.timestamp_us, "sentry" if slot.sentry else "agent-events",
               what, "posted", path or dedup.DEDUP_FILE, None,
               ["only the dedup table remembers it (the log lines are gone): what was posted is not known"])


def table_problem(raw: bytes) -> str:
    """Why the daemon discards a dedup file (dedup.read_table gave None): its size, magic, version or checksum."""
    if len(raw) != dedup.FILE_SIZE:
        return f"{len(raw)} bytes, not the {dedup.FILE_SIZE} of a v2.3.2+ dedup file"
    magic, version, checksum = struct.unpack_from("<QQQ", raw)
    if magic != dedup.MAGIC:
        return f"magic {magic:#018x}, not {dedup.MAGIC:#018x}"
    if version != dedup.FILE_VERSION:
        return f"version {version}, not {dedup.FILE_VERSION}"
    return "the checksum does not match the slots"


def script_row(run: ScriptRun) -> Row:
    usec = None if run.local_time else logged.parse_time(run.time)
    notes = ["the log keeps the action, not the body (the analytics values are not logged)"]
    if run.local_time:
        notes.append("time is the host's local time, as the log wrote it")
    return Row(run.time, usec if usec is not None else _local_usec(run.time), "backend",
               run.action or "(a statistics-script run)", run.outcome, run.where, None, notes)


def _local_usec(text: str) -> int | None:
    import calendar
    import time

    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S")) * 1_000_000
    except ValueError:
        return None


def install_row(install: dict) -> Row:
    notes = [f"recorded options: {install['options']}" if install.get("options") is not None else
             "no REINSTALL_OPTIONS recorded in .environment",
             "kickstart keeps no record of whether its event was delivered; "
             "`telemetry-audit payload --channel installer INSTALL_SUCCESS` rebuilds the body from the recorded "
             "options and this machine as it is now"]
    if install.get("claim_token"):
        notes.insert(0, "a claim token is recorded in .environment (redacted here); kickstart's event does not "
                        "carry it, but the file keeps it")
    outcome = ("not posted: --disable-telemetry is recorded" if install.get("disabled") else
               "sent by kickstart unless DISABLE_TELEMETRY/DO_NOT_TRACK was set when it ran (not recorded)")
    what = f"INSTALL_SUCCESS ({install.get('install_type') or 'install type not recorded'})"
    return Row(install["time"], install["usec"], "installer", what, outcome, install["path"], None, notes)


def journal_row(entry: dict, body: bytes | None) -> Row:
    state = str(entry.get("state", "?"))
    outcome = {"sent": "posted", "failed": "failed", "sending": "no outcome recorded"}.get(state, f"not posted: {state}")
    if entry.get("message") and state != "sent":
        outcome += f" ({entry['message']})"
    time = str(entry.get("time") or "")
    endpoint = entry.get("endpoint")
    notes = [("telemetry-audit" if not endpoint else f"sent by telemetry-audit to {endpoint}" if state == "sent" else
              f"recorded by telemetry-audit (endpoint {endpoint})")]
    if body is None and entry.get("sha256"):
        notes.append(f"body not kept (sha256 {entry['sha256']})")
    return Row(time, logged.parse_time(time), str(entry.get("channel") or "backend"), str(entry.get("event")),
               outcome, "telemetry-audit journal", body, notes)


def document(records: Records, found: list[Row]) -> dict:
    return {"rows": [r.to_json() for r in found], "notes": records.notes}
