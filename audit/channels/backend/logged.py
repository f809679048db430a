"""What v1.33–v2.5 daemons log about running anonymous-statistics.sh (pure).

send_statistics() logs the run and its failures, never the body (the ~40 analytics values are passed as arguments,
but only action, result and data are logged):
- v1.33–v1.43 (daemon/analytics.c, e.g. v1.37.1:daemon/analytics.c:1018-1031), plain error.log lines
  "YYYY-MM-DD HH:MM:SS: netdata INFO  : TAG : <script> 'ACTION' 'result' 'data'" at info level (logged by default),
  then "Execution of anonymous statistics script returned N." / "... returned http code C." / "Failed to run
  anonymous statistics script <script>." at error level.
- v1.44–v2.5 (nd_log; v2.5.0:src/daemon/analytics.c:943-965): the run line is debug level, which the default
  `[logs] level = info` does not write; only "Statistics script returned error: N" / "Statistics script returned
  http code: C" at notice level. A successful run leaves no trace.
"""

import re
from dataclasses import dataclass

from audit.plumbing import versions

_PLAIN = re.compile(rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): \S+ (\w+)\s*: [^:]* : (.*)$")
_RUN = re.compile(r"anonymous-statistics\.sh '([^']*)' '([^']*)' '([^']*)'")
_FAILURES = (
    (re.compile(r"Execution of anonymous statistics script returned (-?\d+)\."), "failed: the script exited with {}"),
    (re.compile(r"Execution of anonymous statistics script returned http code (\S+)\."), "failed: HTTP {}"),
    (re.compile(r"Failed to run anonymous statistics script"), "failed: the script could not be started"),
    (re.compile(r"Statistics script returned error: (-?\d+)"), "failed: the script exited with {}"),
    (re.compile(r"Statistics script returned http code: (\S+)"), "failed: HTTP {}"),
)
NEEDLES = (b"anonymous-statistics.sh '", b"tatistics script")  # cheap filters before any parsing
RUN_LOGGED_UNTIL = "v1.43"  # the run line is info level up to here, debug from v1.44.0
SCRIPT_UNTIL = "v2.5"


@dataclass
class ScriptRun:
    time: str  # as logged (plain logs: the host's local time, no zone)
    local_time: bool
    action: str | None  # META_START, META, EXIT, FATAL, ... (None: only a failure line was logged)
    outcome: str  # "ran (the log does not say whether it was delivered)" or "failed: ..."
    where: str


def runs_from_lines(lines, source: str) -> list[ScriptRun]:
    """Runs and failures in plain (v1.x) or logfmt (nd_log) lines [(line number, bytes)]."""
    from audit.channels.agent_events.logged import logfmt

    runs: list[ScriptRun] = []
    for number, line in lines:
        if not any(n in line for n in NEEDLES):
            continue
        plain = _PLAIN.match(line)
        if plain:
            time, local, text = plain.group(1).decode(), True, plain.group(3).decode("utf-8", "replace")
        else:
            f = logfmt(line)
            time, local = f.get("time", b"").decode("ascii", "replace"), False
            text = f.get("msg", b"").decode("utf-8", "replace")
        where = f"{source}:{number}"
        run = _RUN.search(text)
        if run:
            runs.append(ScriptRun(time, local, run.group(1), "ran (the log does not say whether it was delivered)",
                                  where))
            continue
        for pattern, outcome in _FAILURES:
            m = pattern.search(text)
            if m:
                _failed(runs, ScriptRun(time, local, None, outcome.format(*m.groups()), where))
                break
    return runs


def _failed(runs: list[ScriptRun], failure: ScriptRun) -> None:
    """A failure line follows its run's line (v1.33–v1.43): it becomes that run's outcome."""
    if runs and runs[-1].action is not None and runs[-1].outcome.startswith("ran"):
        runs[-1].outcome = failure.outcome
    else:
        runs.append(failure)


def no_record_note(version: str | None, runs_found: int) -> str | None:
    """Where the logs cannot show the script's sends, for an agent of this version (None: no script, or unknown)."""
    try:
        if not version or not versions.within(version, "v1.33", SCRIPT_UNTIL):
            return None
        logs_runs = versions.within(version, "v1.33", RUN_LOGGED_UNTIL)
    except Exception:
        return None
    if logs_runs:
        return None if runs_found else (
            f"Netdata {version} logs each anonymous-statistics.sh run (its action only, never the body) to "
            "error.log at info level; none was found in the logs read: either it has not run with these logs, or "
            "they are gone (rotated or deleted). No rows here is not proof that nothing was sent.")
    return (f"Netdata {version} runs anonymous-statistics.sh (at start, every 2 h, at exit and on fatal errors) but "
            "logs a run only at debug level: a successful send leaves no record in daemon.log or journald; only "
            "failures are logged. No statistics-script rows does not mean nothing was sent.")
