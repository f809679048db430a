"""The event catalog: every backend event of the script era, as data.

Each event says what it means, which Netdata versions send it, which of the daemon's analytics values are filled
when it is sent (its phase), which parameters it takes, and how its action_result and action_data are formed.
Sources: netdata-telemetry-facts-detail.md §2.5 and §3 (call sites per version are cited there).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from audit.plumbing import versions
from audit.channels.backend import fatal
from audit.plumbing.errors import AuditError


@dataclass(frozen=True)
class Param:
    name: str  # option name without dashes; also the key in the params mapping
    help: str
    kind: str = "str"  # "str", "int", "choice", "codes"
    default: str | int | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    name: str
    meaning: str
    sent_when: str
    since: str | None
    until: str | None
    phase: str  # which analytics values are filled: "start" or "meta" (see audit/channels/backend/analytics.py)
    result: Callable[[Mapping, str], str]  # (params, netdata version) -> action_result
    data: Callable[[Mapping, str], str]  # (params, netdata version) -> action_data
    params: tuple[Param, ...] = ()
    channel: str = "backend"
    results_meaning: str = "result and data are both '-'"

    def sent_by(self, version: str) -> bool:
        return versions.within(version, self.since, self.until)

    @property
    def versions(self) -> str:
        return versions.span(self.since, self.until)


def _dash(params: Mapping, version: str) -> str:
    return "-"


def _param(name: str) -> Callable[[Mapping, str], str]:
    return lambda params, version: str(params[name])


def _fatal_input(params: Mapping) -> fatal.FatalInput:
    return fatal.FatalInput(process=params["process"], thread=params["thread"], function=params["function"],
                            file=params["file"], line=params["line"], errno=params["errno"])


def _exporting_data(params: Mapping, version: str) -> str:
    return params["connector"] if params["result"] == "OK" else "-"


def _codes_data(params: Mapping, version: str) -> str:
    return ",".join(str(code) for code in params["codes"])


FATAL_PARAMS = (
    Param("process", "program name (program_name in the daemon)", default="netdata"),
    Param("thread", "thread tag of the thread that died (streaming tags RCVR*/SNDR* are masked)", default="MAIN"),
    Param("function", "C function that called fatal() (sent as its first 15 bytes, space padded)", default=""),
    Param("file", "source file as the compiler saw it (sent as its first 10 bytes, space padded)", default=""),
    Param("line", "source line (zero padded to 4 digits)", kind="int", default=0),
    Param("errno", "errno saved when fatal() was called", kind="int", default=0),
)

EVENTS: dict[str, Event] = {e.name: e for e in (
    Event("START", "The agent finished starting up.",
          "once per start, from the main thread, after start-up", None, "v2.5", "start", _dash, _dash),
    Event("EXIT", "The agent is shutting down; the result says whether cleanly (OK) or not (ERROR).",
          "at the start of shutdown (netdata_cleanup_and_exit); every FATAL is followed by EXIT ERROR",
          None, "v2.2", "meta", _param("result"), _dash,
          (Param("result", "how the agent exits", kind="choice", default="OK", choices=("OK", "ERROR")),),
          results_meaning="result OK (exit code 0) or ERROR; data '-'"),
    Event("FATAL", "The agent died on a fatal error; result and data locate where.",
          "from the daemon's fatal handler, just before EXIT ERROR", None, "v2.2", "start",
          lambda p, v: fatal.action_result(_fatal_input(p), v), lambda p, v: fatal.action_data(_fatal_input(p)),
          FATAL_PARAMS,
          results_meaning="result 'program:thread tag' (max 59 bytes); data 'line@file:function/errno' "
                          "(line zero padded to 4, file 10 bytes, function 15 bytes)"),
    Event("CRASH", "The previous run of the agent crashed.",
          "right after START when the last run crashed", "v1.31", "v2.5", "start", _dash, _dash),
    Event("INCOMPLETE_SHUTDOWN", "The previous run of the agent did not finish shutting down.",
          "right after START when the last shutdown did not complete", "v1.31", "v2.5", "start", _dash, _dash),
    Event("META_START", "First report of the gathered runtime values (collectors, alerts, charts, cloud state).",
          "once, about 2 minutes after start-up, from the ANALYTICS thread", "v1.32", "v2.5", "meta", _dash, _dash),
    Event("META", "Periodic report of the gathered runtime values.",
          "every analytics heartbeat (2 h up to v1.45, 6 h from v1.46)", "v1.31", "v2.5", "meta", _dash, _dash),
    Event("EXPORTING_START", "An exporting connector started (OK, with its type) or the exporting engine failed.",
          "once per initialised exporting instance, or once if initialisation fails", "v1.23", "v2.5", "start",
          _param("result"), _exporting_data,
          (Param("result", "OK when a connector started, FAIL when the engine could not start", kind="choice",
                 default="OK", choices=("OK", "FAIL")),
           Param("connector", "connector type of the [connector:instance] section, e.g. graphite, json:https",
                 default="graphite")),
          results_meaning="result OK with the connector type as data, or FAIL with data '-'"),
    Event("BACKEND_START", "A legacy backend (pre-exporting engine) started.",
          "once per backend at start-up", "v1.23", "v1.33", "start", lambda p, v: "OK", _param("connector"),
          (Param("connector", "backend type, e.g. graphite, opentsdb, json", default="graphite"),),
          results_meaning="result OK; data the backend type"),
    Event("ACLK_DISABLED", "This agent was built without Netdata Cloud support.",
          "once per install, after START, on builds without ACLK", "v1.21", "v1.47", "start", _dash, _dash),
    Event("ACLK_CONN_FAIL", "The legacy cloud link failed before the websocket was established.",
          "when libwebsockets destroys a connection that never reached ESTABLISHED", "v1.21", "v1.32", "start",
          lambda p, v: "FAIL", _codes_data,
          (Param("codes", "recent libwebsockets callback reasons, newest first (e.g. 1,2,44)", kind="codes",
                 default="1,2,44"),),
          results_meaning="result FAIL; data the last libwebsockets callback reasons, newest first"),
    Event("BUILD_FAIL_LWS", "Built without libwebsockets, so the cloud link is unavailable.",
          "after START on such builds", "v1.21", "v1.33", "start", _dash, _dash),
    Event("BUILD_FAIL_MOSQ", "Built without libmosquitto, so the cloud link is unavailable.",
          "after START on such builds", "v1.21", "v1.33", "start", _dash, _dash),
)}


def event(name: str) -> Event:
    try:
        return EVENTS[name.upper()]
    except KeyError:
        raise AuditError(f"unknown event {name!r}; known events: {', '.join(EVENTS)}") from None


def resolve_params(ev: Event, given: Mapping[str, object]) -> dict:
    """The event's parameters with defaults filled in and values checked; unknown names are an error."""
    known = {p.name: p for p in ev.params}
    for name, value in given.items():
        if value is not None and name not in known:
            raise AuditError(f"--{name} does not apply to {ev.name}")
    return {p.name: _coerce(p, given.get(p.name, None)) for p in ev.params}


def _coerce(param: Param, value: object) -> object:
    if value is None:
        value = param.default
    if param.kind == "int":
        try:
            return int(str(value).strip())
        except ValueError:
            raise AuditError(f"--{param.name} {value!r}: not an integer") from None
    if param.kind == "choice":
        text = str(value).upper()
        if text not in param.choices:
            raise AuditError(f"--{param.name} {value!r}: choose one of {', '.join(param.choices)}")
        return text
    if param.kind == "codes":
        return _codes(param, value)
    return str(value)


def _codes(param: Param, value: object) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        items = [str(v) for v in value]
    else:
        items = [v for v in str(value).split(",")]
    try:
        codes = tuple(int(item.strip()) for item in items)
    except ValueError:
        raise AuditError(f"--{param.name} {value!r}: expected comma-separated integers such as 1,2,44") from None
    if not codes or any(code < 0 for code in codes):
        raise AuditError(f"--{param.name} {value!r}: expected non-negative integers such as 1,2,44")
    return codes
