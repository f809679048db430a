"""Netdata FATAL log entries, parsed back into the FATAL event's parameters (process, thread, line, file,
function, errno).

Three shapes are recognised, each as the daemon writes it:

- classic error.log (up to v1.43, libnetdata/log/log.c fatal_int, e.g. v1.43.0 log.c:1017-1026):
  ``%Y-%m-%d %H:%M:%S: <program> FATAL : <thread tag> : <message> # : <strerror(errno)>`` — perror(" # ") appends
  the errno text. Only NETDATA_INTERNAL_CHECKS builds add the location, as ``(%04lu@%-20.20s:%-15.15s): ``
  (line@file:function) right after the thread tag. Very old agents wrote ``<date>: <program>: FATAL: <message>``.
- logfmt daemon.log / error.log (v1.44 on, nd_log): ``time=... comm=<program> source=daemon level=alert
  errno="12, Cannot allocate memory" tid=... thread=<tag> msg_id=23e93dfc... msg="..."``. The fatal handler logs
  at ALERT priority (v1.44.0 log.c:2275; v2.2.0 nd_log.c:460) and, from v2.x, with the FATAL message id
  23e93dfccbf64e11aac858b9410d8a82. logfmt has no key for CODE_FILE/CODE_LINE/CODE_FUNC, so the location is not
  in these lines. nd_log's json format carries the same keys as a JSON object.
- ``journalctl -o json`` entries: SYSLOG_IDENTIFIER, THREAD_TAG, CODE_FILE, CODE_LINE, CODE_FUNC, ERRNO,
  PRIORITY (1 = alert), ND_LOG_SOURCE, MESSAGE_ID, MESSAGE; before v1.44 the journal only holds the classic line
  as MESSAGE, which is parsed as such.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from audit.plumbing import errnos, inputs
from audit.plumbing.errors import AuditError

FATAL_MESSAGE_ID = "23e93dfccbf64e11aac858b9410d8a82"  # v2.2.0 src/libnetdata/uuid/uuid.h:29
ALERT_PRIORITY = 1  # NDLP_ALERT = LOG_ALERT

_CLASSIC = re.compile(
    r"(?P<date>\d{2,4}-\d\d-\d\d \d\d:\d\d:\d\d): (?P<program>\S+) FATAL : (?P<thread>.*?) : "
    r"(?:\((?P<line>\d+)@(?P<file>.{20}):(?P<function>.{15})\): )?(?P<rest>.*)$")
_ANCIENT = re.compile(  # v1.4-v1.9: "DATE: netdata: FATAL: msg", and earlier "DATE: FATAL: netdata: msg"
    r"(?P<date>\d{2,4}-\d\d-\d\d \d\d:\d\d:\d\d): (?:(?P<program>[^\s:]+): FATAL ?: |FATAL ?: (?P<program2>[^\s:]+): )"
    r"(?P<rest>.*)$")
_PERROR = " # : "
_LOGFMT_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)')
_JSON_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_NO_LOCATION = ("this {shape} records no source location (line, file, function{why}); the payload gets line 0 "
                "and empty file and function unless you pass --line, --file and --function, so its action_data "
                "will differ from what the agent sent")


@dataclass(frozen=True)
class FatalEntry:
    shape: str  # "error.log", "logfmt", "json", "journal"
    where: str  # e.g. "line 12"
    text: str  # the entry as read, for --match and for showing it
    process: str | None = None
    thread: str | None = None
    line: int | None = None
    file: str | None = None
    function: str | None = None
    errno: int | None = None
    message: str | None = None
    time: str | None = None
    notes: tuple[str, ...] = field(default=())

    def params(self) -> dict:
        """The FATAL event parameters this entry determines (only those it records)."""
        values = {"process": self.process, "thread": self.thread, "line": self.line, "file": self.file,
                  "function": self.function, "errno": self.errno}
        return {k: v for k, v in values.items() if v is not None}

    def summary(self) -> str:
        where = f"{self.line}@{self.file}:{self.function}" if self.line is not None else "no location"
        errno = "" if self.errno is None else f", errno {errnos.describe(self.errno)}"
        return f"{self.shape} {self.where}: {self.process}:{self.thread} ({where}{errno}): {self.message or ''}"


def parse_line(text: str, where: str = "line 1") -> FatalEntry | None:
    """The FATAL entry this one log line holds, or None if it holds none."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            record = inputs.load_json(stripped, where)
        except inputs.NotJson:
            record = None
        if isinstance(record, dict):
            return from_record(record, text, where)
    return _classic(text, where) or _logfmt(text, where)


def from_record(record: dict, text: str = "", where: str = "entry 1") -> FatalEntry | None:
    """A journalctl -o json entry, or a line of nd_log's json format."""
    if "MESSAGE" in record or "PRIORITY" in record or "SYSLOG_IDENTIFIER" in record:
        return _journal(record, text or json.dumps(record), where)
    if "level" in record or "msg_id" in record:
        return _fields(record, "json", text or json.dumps(record), where)
    return None


def entries(lines: Iterable[str]) -> Iterator[FatalEntry]:
    """Every FATAL entry in a log, in order."""
    for number, text in enumerate(lines, 1):
        if "\0" in text:
            raise AuditError(f"line {number}: binary data, not a log")
        entry = parse_line(text.rstrip("\r\n"), f"line {number}")
        if entry is not None:
            yield entry


def pick(lines: list[str], match: str | None = None, label: str = "log") -> FatalEntry:
    """The last FATAL entry, or the last one whose text contains `match`; a clear error when there is none."""
    chosen = None
    count = 0
    try:
        for entry in entries(lines):
            count += 1
            if match is None or match in entry.text:
                chosen = entry
    except AuditError as e:
        raise AuditError(f"{label}: {e}") from None
    if count == 0:
        whole = _whole_json(lines, label)
        if whole:
            return pick_from_records(whole, match, label)
        read = sum(1 for text in lines if text.strip())
        raise AuditError(f"{label}: no FATAL entry in {read} non-empty line{'s' * (read != 1)} (expected an "
                         f"error.log line 'DATE: netdata FATAL : THREAD : ...', a logfmt line with level=alert, "
                         f"or a journalctl -o json entry with PRIORITY 1)")
    if chosen is None:
        raise AuditError(f"{label}: none of the {count} FATAL entr{'ies' if count != 1 else 'y'} contains "
                         f"{match!r}")
    return chosen


def read(name: str, data: bytes, match: str | None = None) -> FatalEntry:
    """The chosen FATAL entry of a log file's bytes (name is only for messages)."""
    label = "<stdin>" if name == "-" else name
    if b"\0" in data:
        raise AuditError(f"{label}: binary data, not a log")
    if not data.strip():
        raise AuditError(f"{label}: empty log")
    return pick(data.decode("utf-8", "surrogateescape").splitlines(), match, label)


def pick_from_records(records: list[dict], match: str | None, label: str) -> FatalEntry:
    chosen = None
    count = 0
    for number, record in enumerate(records, 1):
        entry = from_record(record, json.dumps(record, ensure_ascii=False), f"entry {number}") \
            if isinstance(record, dict) else None
        if entry is not None:
            count += 1
            if match is None or match in entry.text:
                chosen = entry
    if count == 0:
        raise AuditError(f"{label}: no FATAL entry in {len(records)} journal entries")
    if chosen is None:
        raise AuditError(f"{label}: none of the {count} FATAL entries contains {match!r}")
    return chosen


def _whole_json(lines: list[str], label: str) -> list[dict] | None:
    """`journalctl -o json-pretty` output or a JSON array: one document spread over many lines."""
    text = "".join(lines).strip()
    if not text or text[0] not in "[{":
        return None
    records, at = [], 0
    try:
        while at < len(text):
            value, at = inputs.load_json_prefix(text, at, label)
            records.extend(value if isinstance(value, list) else [value])
            while at < len(text) and text[at].isspace():
                at += 1
    except inputs.NotJson:
        return None
    return records


# ---------------------------------------------------------------------------------------------------------------
# the three shapes

def _classic(text: str, where: str) -> FatalEntry | None:
    m = _CLASSIC.search(text)
    if m:
        program, thread, date = m["program"], m["thread"], m["date"]
        line = int(m["line"]) if m["line"] else None
        file = m["file"].rstrip(" ") if m["file"] is not None else None
        function = m["function"].rstrip(" ") if m["function"] is not None else None
    else:
        m = _ANCIENT.search(text)
        if not m:
            return None
        program, thread, date = m["program"] or m["program2"], None, m["date"]
        line = file = function = None
    message, errno, notes = _perror(m["rest"])
    if line is None:  # the location (first 20 bytes of the path) is enough: the payload keeps only 10
        notes.append(_NO_LOCATION.format(shape="error.log line", why=": only NETDATA_INTERNAL_CHECKS builds log it"))
    if thread is None:
        notes.append("this old log format has no thread tag; pass --thread")
    return FatalEntry("error.log", where, text, program, thread, line, file, function, errno, message, date,
                      tuple(notes))


def _perror(rest: str) -> tuple[str, int | None, list[str]]:
    """perror(" # ") appended ' # : <strerror(errno)>'; 'Success' means errno 0."""
    if _PERROR not in rest:
        return rest, None, ["no errno text (' # : ...') in the line; the errno stays 0 unless you pass --errno"]
    message, _, errtext = rest.rpartition(_PERROR)
    code = errnos.from_message(errtext)
    if code is None:
        return message, None, [f"errno text {errtext.strip()!r} is not one this system knows; pass --errno"]
    return message, code, []


def parse_logfmt(text: str) -> dict[str, str]:
    """key=value pairs; quoted values are JSON-escaped strings (nd_log string_to_logfmt)."""
    return {k: _unquote(v) for k, v in _LOGFMT_PAIR.findall(text)}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return inputs.load_json(value, "logfmt value")
        except inputs.NotJson:
            return value[1:-1]
    return value


def _logfmt(text: str, where: str) -> FatalEntry | None:
    if "level=" not in text and "msg_id=" not in text:
        return None
    return _fields(parse_logfmt(text), "logfmt", text, where)


def _fields(pairs: dict, shape: str, text: str, where: str) -> FatalEntry | None:
    level = str(pairs.get("level", "")).lower()
    msg_id = str(pairs.get("msg_id", "")).replace("-", "").lower()
    if msg_id != FATAL_MESSAGE_ID and level not in ("alert", "1"):
        return None
    notes = [_NO_LOCATION.format(shape=f"{shape} line", why=": nd_log writes them only to the journal")]
    errno = _errno_field(pairs.get("errno"), notes)
    return FatalEntry(shape, where, text, _str(pairs.get("comm")), _str(pairs.get("thread")), None, None, None,
                      errno if errno is not None else 0, _str(pairs.get("msg")), _str(pairs.get("time")),
                      tuple(notes))


def _errno_field(value: object, notes: list[str]) -> int | None:
    """`12, Cannot allocate memory` (logfmt) or 12 (json); absent means 0: nd_log only sets it when non-zero."""
    if value is None or value == "":
        return 0
    head = str(value).split(",", 1)[0].strip()
    try:
        return int(head)
    except ValueError:
        notes.append(f"errno {value!r} is not a number; pass --errno")
        return None


def _journal_value(record: dict, key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, list):  # a repeated field is an array; a binary one an array of byte values
        if value and all(isinstance(v, int) for v in value):
            return bytes(value).decode("utf-8", "surrogateescape")
        value = value[-1] if value else None
    return None if value is None else str(value)


def _journal(record: dict, text: str, where: str) -> FatalEntry | None:
    message = _journal_value(record, "MESSAGE")
    msg_id = (_journal_value(record, "MESSAGE_ID") or "").replace("-", "").lower()
    priority = _journal_value(record, "PRIORITY")
    source = _journal_value(record, "ND_LOG_SOURCE")
    structured = any(k in record for k in ("THREAD_TAG", "CODE_FILE", "ND_LOG_SOURCE"))
    is_fatal = msg_id == FATAL_MESSAGE_ID or (
        structured and priority == str(ALERT_PRIORITY) and source in (None, "daemon"))
    if not is_fatal:
        if message and not structured:
            classic = _classic(message, where)  # before v1.44 the journal only has the stderr text
            if classic is not None:
                return FatalEntry(**{**classic.__dict__, "shape": "journal", "text": text,
                                     "process": classic.process or _journal_value(record, "SYSLOG_IDENTIFIER")})
        return None
    notes: list[str] = []
    line = _journal_value(record, "CODE_LINE")
    try:
        line_number = int(line) if line is not None else None
    except ValueError:
        notes.append(f"CODE_LINE {line!r} is not a number; pass --line")
        line_number = None
    if line_number is None or "CODE_FILE" not in record:
        notes.append("the entry has no CODE_LINE/CODE_FILE/CODE_FUNC; pass --line, --file and --function")
    errno = _errno_field(_journal_value(record, "ERRNO"), notes)
    time = _journal_value(record, "__REALTIME_TIMESTAMP")
    return FatalEntry("journal", where, text, _journal_value(record, "SYSLOG_IDENTIFIER"),
                      _journal_value(record, "THREAD_TAG"), line_number, _journal_value(record, "CODE_FILE"),
                      _journal_value(record, "CODE_FUNC"), errno, message, time, tuple(notes))


def _str(value: object) -> str | None:
    return None if value is None else str(value)
