"""Whether the next start of the daemon posts to agent-events, and what decides it: the gate of
daemon_status_file_check_crash() and check_crash_reports_config() (fact sheet §1.3-1.5). The rules that changed
between releases are data (GATE_RULES), each citing the tag's source; the rest is the same from v2.3.0 to v2.11.0.
Pure: the caller collects the inputs (locate.py, audit.optout), the exit cause and the dedup lookup.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from audit import versions

SINCE = "v2.3.0"  # the first release with the status file and its post (v2.3.0:src/daemon/main.c:830)
ONLY_TELEMETRY_SINCE = "v2.6.0"  # the daemon stopped running anonymous-statistics.sh
NEWEST = "v2.11.0"
NO_LAST_STATUS = "no last status"
DEDUP_HOURS = 23  # REPORT_EVENTS_EVERY in status-file-dedup.c

# nd_is_running_under_ci() (src/libnetdata/os/ci.c; a static is_ci() in status-file.c from v2.3.2 to v2.10.0, same
# list): a variable counts when present, even empty.
CI_VARIABLES = (
    "CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID", "TRAVIS", "GITHUB_ACTIONS", "GITHUB_TOKEN",
    "GITLAB_CI", "CIRCLECI", "APPVEYOR", "BITBUCKET_BUILD_NUMBER", "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "TF_BUILD",
    "BAMBOO_BUILDKEY", "GO_PIPELINE_NAME", "HUDSON_URL", "TEAMCITY_VERSION", "CI_NAME", "CI_WORKER", "CI_SERVER",
    "HEROKU_TEST_RUN_ID", "BUILDKITE", "DRONE", "SEMAPHORE", "NETLIFY", "NOW_BUILDER",
)


@dataclass(frozen=True)
class GateRules:
    """What one release's gate does where releases differ."""
    since: str
    previous_required: bool  # no post at all without a previous status file
    ci_variables: tuple[str, ...]
    ci_values: tuple[str, ...] | None  # None: present counts, even empty; else these values (any case)
    ci_lifted_at: int  # from this many saved restarts on, CI no longer stops the post
    ci_only_without_previous: bool  # CI matters only when there is no previous status
    dedup_in: str  # where the hashes of past posts are kept
    source: str
    dedup_file_version: int | None = None  # dedup in the status file: carried over only from this file version


GATE_RULES = (
    GateRules("v2.3.0", True, ("CI",), ("true",), 10, False, "the status file",
              "v2.3.0:src/daemon/daemon-status-file.c:1003-1006 (CI), :1051-1055 and :1241-1242 (no previous: "
              "no post), :1245 (restarts >= 10), :887-906 and :1248 (dedup slots in the status file, carried "
              "over only from a version-19 file: :557-560)", 19),
    GateRules("v2.3.1", False, ("CI", "TRAVIS", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "APPVEYOR"),
              ("true", "yes", "on", "1"), 3, True, "the status file",
              "v2.3.1:src/daemon/daemon-status-file.c:1046-1071 (CI), :1318-1323 (CI and the saved current "
              "status only without a previous one; restarts > 2), :584-586 (dedup slots carried over only "
              "from a version-21 file)", 21),
    GateRules("v2.3.2", False, CI_VARIABLES, None, 2, False, "dedup-netdata.dat",
              "v2.3.2:src/daemon/status-file.c:734-773 (CI), :1018-1029 (gate); "
              "v2.11.0:src/daemon/status-file.c:1553-1566 is the same"),
)


def rules_for(version: str) -> GateRules | None:
    """The gate rules of a Netdata version; None before agent-events existed."""
    wanted = versions.parse(version)[:3]
    found = [r for r in GATE_RULES if versions.parse(r.since)[:3] <= wanted]
    return found[-1] if found else None


@dataclass(frozen=True)
class Dedup:
    """What the dedup table says about the report the next start would post."""
    posted_at: str | None = None  # when the same report was posted less than 23 h ago (RFC 3339)
    unreadable: str | None = None  # the dedup store the daemon reads but this tool could not
    checked: str | None = None  # where it was looked up, for the evidence


def crash_reports_mode(value: str | None, default_enabled: bool) -> str:
    """"all", "crashes" or "off": empty or unset takes the default; any other word disables (exact match)."""
    if not value:
        return "all" if default_enabled else "off"
    return value if value in ("all", "crashes") else "off"


def ci_variables(env: Mapping[str, str], rules: GateRules = GATE_RULES[-1]) -> list[str]:
    if rules.ci_values is None:
        return [name for name in rules.ci_variables if name in env]
    return [name for name in rules.ci_variables if env.get(name, "").lower() in rules.ci_values]


@dataclass(frozen=True)
class GateInput:
    crash_reports: str | None = None  # `[global] crash reports` in netdata.conf; None when unset
    opted_out_by: tuple[str, ...] = ()  # what makes analytics_check_enabled() false (opt-out file, DISABLE_TELEMETRY)
    claimed_by: tuple[str, ...] = ()  # non-zero claim/node ids in the saved status (what the check reads)
    env: Mapping[str, str] = field(default_factory=dict)  # the daemon's environment
    previous: bool = True  # the next start finds a previous status
    restarts: int = 0  # the saved status's agent.restarts (0 without one)
    cause: str | None = None  # the exit_cause the next start derives; None when not worked out
    crash: bool | None = None  # that cause's crash flag; None when not worked out
    priority: int | None = None  # that cause's post priority, for the summary
    current_saved: bool = True  # the starting daemon could save its own status (matters without a previous one)
    version: str = NEWEST
    dedup: Dedup | None = None  # the dedup lookup for this report; None when not looked up
    unknown: tuple[str, ...] = ()  # what the caller could not read that could stop the post
    notes: tuple[str, ...] = ()  # more evidence from the caller (where the inputs came from)


@dataclass(frozen=True)
class GateVerdict:
    sends: bool
    by: tuple[str, ...]  # what decides it: the settings and facts that stop it, or that make it send
    mode: str  # what `crash reports` resolves to: all, crashes or off
    evidence: tuple[str, ...]
    summary: str
    uncertain: tuple[str, ...] = ()  # what this tool could not read that could still stop a post it predicts

    @property
    def state(self) -> str:
        return "uncertain" if self.sends and self.uncertain else "sends" if self.sends else "not sent"

    def to_json(self) -> dict:
        return {"sends": self.sends, "state": self.state, "by": list(self.by), "crash_reports": self.mode,
                "evidence": list(self.evidence), "summary": self.summary, "uncertain": list(self.uncertain)}


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
    return "v2.3 to v2.5 send this post besides the anonymous-statistics.sh events"


def evaluate(g: GateInput) -> GateVerdict:
    rules = rules_for(g.version)
    if rules is None:
        reason = f"Netdata {g.version} predates agent-events ({SINCE})"
        return GateVerdict(False, (reason,), "off", (reason,), f"not sent: {reason}")
    cause, crash = (g.cause, g.crash) if g.previous else (NO_LAST_STATUS, False)
    default_enabled = not g.opted_out_by or bool(g.claimed_by)
    mode = crash_reports_mode(g.crash_reports, default_enabled)
    setting, why = _setting(g, default_enabled)
    evidence = [setting + (f": {', '.join(why)}" if why else ""), _versions_note(g.version),
                f"Netdata {g.version}'s gate: {rules.source}", _dedup_note(g, rules)]
    evidence += g.notes
    if not g.previous and not rules.previous_required:
        evidence.append(f"no previous status: the next start posts its own, as {NO_LAST_STATUS!r}")
    ci = ci_variables(g.env, rules)
    if ci:
        evidence.append(f"CI variables set: {', '.join(ci)} (they stop the post only while restarts < "
                        f"{rules.ci_lifted_at}; restarts = {g.restarts})")
    stop = _stopped(g, rules, mode, setting, why, cause, crash, ci)
    if stop:
        more = f" ({', '.join(stop[1:])})" if len(stop) > 1 else ""
        return GateVerdict(False, tuple(stop), mode, tuple(evidence), f"not sent: {stop[0]}{more}")
    detail = f": {cause}" if cause else ""
    detail += f", priority {g.priority}" if g.priority is not None else ""
    if mode == "crashes" and crash is None:
        detail += " (only if the previous run crashed: crash reports = crashes)"
    unsure = _uncertain(g)
    summary = f"uncertain: would send at next start{detail}, unless {unsure[0]}" if unsure else \
        f"would send at next start{detail}"
    return GateVerdict(True, (setting, *why), mode, tuple(evidence), summary, unsure)


def _dedup_note(g: GateInput, rules: GateRules) -> str:
    where = g.dedup.checked if g.dedup and g.dedup.checked else rules.dedup_in
    return f"a repeat of the same report within {DEDUP_HOURS} h is not sent again (the hashes of past posts are " \
           f"kept in {where})"


def _uncertain(g: GateInput) -> tuple[str, ...]:
    out = list(g.unknown)
    if g.previous and g.dedup and g.dedup.unreadable:
        out.append(f"the same report was posted in the last {DEDUP_HOURS} h ({g.dedup.unreadable} cannot be read "
                   "here: run as root to know)")
    return tuple(out)


def _stopped(g: GateInput, rules: GateRules, mode, setting, why, cause, crash, ci) -> list[str]:
    if mode == "off":
        return [setting, *why] if not g.crash_reports else [setting]
    if mode == "crashes" and crash is False:
        return [setting, f"{cause!r} is not a crash"]
    if not g.previous and rules.previous_required:
        return [f"no previous status: Netdata {g.version} does not post without one"]
    if not g.previous and not g.current_saved:
        return ["no previous status, and the starting agent could not save its own"]
    ci_applies = not rules.ci_only_without_previous or not g.previous
    if ci and ci_applies and g.restarts < rules.ci_lifted_at:
        return [f"CI variable {ci[0]} set (restarts {g.restarts} < {rules.ci_lifted_at})"]
    if g.previous and g.dedup and g.dedup.posted_at:
        return [f"the same report was posted at {g.dedup.posted_at}",
                f"the daemon does not post it again within {DEDUP_HOURS} h"]
    return []
