"""Whether the next start of the daemon posts to agent-events, and what decides it: the gate of
daemon_status_file_check_crash() and check_crash_reports_config() (src/daemon/status-file.c, the same from v2.4.0 to
v2.11.0; fact sheet §1.3-1.5). Pure: the caller collects the inputs (locate.py, audit.core.optout) and the exit cause.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from audit.plumbing import versions

SINCE = "v2.4.0"  # the first release with the status file and its post
ONLY_TELEMETRY_SINCE = "v2.6.0"  # the daemon stopped running anonymous-statistics.sh
NEWEST = "v2.11.0"
NO_LAST_STATUS = "no last status"
DEDUP_HOURS = 23  # REPORT_EVENTS_EVERY in status-file-dedup.c

# nd_is_running_under_ci() (src/libnetdata/os/ci.c; a static is_ci() in status-file.c before v2.11.0, same list):
# a variable counts when present, even empty.
CI_VARIABLES = (
    "CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID", "TRAVIS", "GITHUB_ACTIONS", "GITHUB_TOKEN",
    "GITLAB_CI", "CIRCLECI", "APPVEYOR", "BITBUCKET_BUILD_NUMBER", "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "TF_BUILD",
    "BAMBOO_BUILDKEY", "GO_PIPELINE_NAME", "HUDSON_URL", "TEAMCITY_VERSION", "CI_NAME", "CI_WORKER", "CI_SERVER",
    "HEROKU_TEST_RUN_ID", "BUILDKITE", "DRONE", "SEMAPHORE", "NETLIFY", "NOW_BUILDER",
)


def crash_reports_mode(value: str | None, default_enabled: bool) -> str:
    """"all", "crashes" or "off": empty or unset takes the default; any other word disables (exact match)."""
    if not value:
        return "all" if default_enabled else "off"
    return value if value in ("all", "crashes") else "off"


def ci_variables(env: Mapping[str, str]) -> list[str]:
    return [name for name in CI_VARIABLES if name in env]


@dataclass(frozen=True)
class GateInput:
    crash_reports: str | None = None  # `[global] crash reports` in netdata.conf; None when unset
    opted_out_by: tuple[str, ...] = ()  # what makes analytics_check_enabled() false (opt-out file, DISABLE_TELEMETRY)
    claimed_by: tuple[str, ...] = ()  # non-zero claim/node ids in the saved status, the claim files
    env: Mapping[str, str] = field(default_factory=dict)  # the daemon's environment
    previous: bool = True  # the next start finds a previous status
    restarts: int = 0  # the saved status's agent.restarts (0 without one)
    cause: str | None = None  # the exit_cause the next start derives; None when not worked out
    crash: bool | None = None  # that cause's crash flag; None when not worked out
    priority: int | None = None  # that cause's post priority, for the summary
    current_saved: bool = True  # the starting daemon could save its own status (matters without a previous one)
    version: str = NEWEST
    notes: tuple[str, ...] = ()  # more evidence from the caller (where the inputs came from)


@dataclass(frozen=True)
class GateVerdict:
    sends: bool
    by: tuple[str, ...]  # what decides it: the settings and facts that stop it, or that make it send
    mode: str  # what `crash reports` resolves to: all, crashes or off
    evidence: tuple[str, ...]
    summary: str

    def to_json(self) -> dict:
        return {"sends": self.sends, "by": list(self.by), "crash_reports": self.mode,
                "evidence": list(self.evidence), "summary": self.summary}


def _setting(g: GateInput, default_enabled: bool) -> tuple[str, list[str]]:
    """How `crash reports` was decided, in words, and the facts behind a default."""
    if g.crash_reports:
        return f"crash reports = {g.crash_reports}", []
    setting = f"crash reports unset: default {'all' if default_enabled else 'off'}"
    if not g.opted_out_by:
        return setting, ["telemetry not opted out"]
    if g.claimed_by:
        return setting, list(g.claimed_by)
    return setting, [*g.opted_out_by, "never claimed"]


def _versions_note(version: str) -> str:
    if versions.parse(version) >= versions.parse(ONLY_TELEMETRY_SINCE):
        return f"from {ONLY_TELEMETRY_SINCE} this post is the only telemetry the daemon sends"
    return "v2.4 and v2.5 send this post besides the anonymous-statistics.sh events"


def evaluate(g: GateInput) -> GateVerdict:
    if versions.parse(g.version) < versions.parse(SINCE):
        reason = f"Netdata {g.version} predates agent-events ({SINCE})"
        return GateVerdict(False, (reason,), "off", (reason,), f"not sent: {reason}")
    cause, crash = (g.cause, g.crash) if g.previous else (NO_LAST_STATUS, False)
    default_enabled = not g.opted_out_by or bool(g.claimed_by)
    mode = crash_reports_mode(g.crash_reports, default_enabled)
    setting, why = _setting(g, default_enabled)
    evidence = [setting + (f": {', '.join(why)}" if why else ""), _versions_note(g.version),
                f"a repeat of the same report within {DEDUP_HOURS} h is not sent again (the daemon keeps the "
                "hashes of its posts in dedup-netdata.dat, which this tool does not reproduce)"]
    evidence += g.notes
    if not g.previous:
        evidence.append(f"no previous status: the next start posts its own, as {NO_LAST_STATUS!r}")
    ci = ci_variables(g.env)
    if ci:
        evidence.append(f"CI variables set: {', '.join(ci)} (they stop the post only while restarts <= 1; "
                        f"restarts = {g.restarts})")
    stop = _stopped(g, mode, setting, why, cause, crash, ci)
    if stop:
        more = f" ({', '.join(stop[1:])})" if len(stop) > 1 else ""
        return GateVerdict(False, tuple(stop), mode, tuple(evidence), f"not sent: {stop[0]}{more}")
    summary = "would send at next start" + (f": {cause}" if cause else "")
    summary += f", priority {g.priority}" if g.priority is not None else ""
    if mode == "crashes" and crash is None:
        summary += " (only if the previous run crashed: crash reports = crashes)"
    return GateVerdict(True, (setting, *why), mode, tuple(evidence), summary)


def _stopped(g: GateInput, mode, setting, why, cause, crash, ci) -> list[str]:
    if mode == "off":
        return [setting, *why] if not g.crash_reports else [setting]
    if mode == "crashes" and crash is False:
        return [setting, f"{cause!r} is not a crash"]
    if not g.previous and not g.current_saved:
        return ["no previous status, and the starting agent could not save its own"]
    if ci and g.restarts <= 1:
        return [f"CI variable {ci[0]} set (restarts {g.restarts} <= 1)"]
    return []
