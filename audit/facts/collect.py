"""Gather every fact the payload depends on, from this machine, a sysroot, or a snapshot."""

from dataclasses import dataclass

from audit.channels.backend.analytics import fact_name
from audit.facts import snapshot
from audit.channels.backend import releases
from audit.facts.agent import (agent_version, analytics_facts, collect_agent_facts, machine_guid_option,
                               netdata_version_option, release_channel_fact)
from audit.plumbing import versions
from audit.plumbing.errors import AuditError
from audit.model.fact import Facts
from audit.plumbing.system import System

DEFAULT_CONFIG_DIR = "/etc/netdata"


@dataclass(frozen=True)
class FactsRequest:
    facts_file: str | None = None
    root: str | None = None
    config_dir: str = DEFAULT_CONFIG_DIR
    netdata_version: str | None = None
    machine_guid: str | None = None
    lib_dir: str | None = None  # the agent's var-lib dir (status file); None: netdata.conf's, else the default
    agent_url: str | None = None  # read runtime values from this running agent (one GET)


def gather(request: FactsRequest) -> Facts:
    if request.facts_file:
        facts, variants = snapshot.load_with_variants(request.facts_file)
        _override(facts, variants, request)
        if request.agent_url:
            facts.update(_runtime(request.agent_url, facts))
        return facts
    system = _live_system(request)
    facts = _gather_live(system, request)
    if request.agent_url:
        facts.update(_runtime(request.agent_url, facts))
    return facts


def gather_with_variants(request: FactsRequest) -> tuple[Facts, list[snapshot.Variant]]:
    """The facts, and what changes in them for every other agent version a later `--facts FILE --netdata-version V`
    may ask for (so the snapshot rebuilds what the live machine would)."""
    if request.facts_file:
        old, variants = snapshot.load_with_variants(request.facts_file)
        facts = dict(old)
        _override(facts, variants, request)
        if request.agent_url:
            facts.update(_runtime(request.agent_url, facts))
        return facts, snapshot.rebase(variants, old, facts)
    system = _live_system(request)
    facts = _gather_live(system, request)
    variants = _variants(system, request, facts)  # before the running agent's values, which no version changes
    facts.update(_channel_readings(system, request, facts))
    if request.agent_url:
        facts.update(_runtime(request.agent_url, facts))
    return facts, variants


def _channel_readings(system: System, request: FactsRequest, facts: Facts) -> Facts:
    """What each channel reads of the machine besides the facts, kept so that a snapshot rebuilds its bodies on
    another machine (a channel's snapshot_readings; identifiers stay out)."""
    from audit import channels

    found: Facts = {}
    for ch in channels.built():
        impl = ch.impl()
        if hasattr(impl, "snapshot_readings"):
            found.update(impl.snapshot_readings(system, facts, request.config_dir))
    return found


def version_override_note(facts: Facts, request: FactsRequest) -> str | None:
    """What --netdata-version V means when V is not the installed agent's version (README: "Another version")."""
    installed = facts.get("agent.version")
    wanted = request.netdata_version
    if not wanted or installed is None or installed.value == netdata_version_option(wanted).value:
        return None
    return (f"modelling Netdata {wanted} on this machine, not the installed {installed.value}: the machine's facts "
            f"as {wanted}'s system-info.sh reads them, {wanted}'s compiled defaults and a typical build's features "
            f"(the installed binary's build info is {installed.value}'s); the config files are read as they are")


def _live_system(request: FactsRequest) -> System:
    from audit.facts.installed import buildinfo_commands
    from audit.facts.sysinfo import commands_run

    system = System(root=request.root).remembering()  # one gathering: each file question once
    if not system.confined:  # start the commands at once: their run times overlap
        system.prefetch(commands_run(system) + buildinfo_commands(system))
    return system


def _gather_live(system: System, request: FactsRequest) -> Facts:
    from audit.facts.sysinfo import collect_system_info

    version = agent_version(system, request.netdata_version)  # system-info.sh's behaviour depends on it
    facts = collect_system_info(system, version.value)
    facts.update(collect_agent_facts(system, request.config_dir, request.netdata_version, request.machine_guid,
                                     version=version))
    return facts


def _runtime(agent_url: str, facts: Facts) -> Facts:
    from audit.plumbing import transport
    from audit.plumbing.errors import Exit
    from audit.facts.runtime import runtime_facts

    answer = transport.agent_info(agent_url)
    if answer["error"]:
        raise AuditError(f"--agent-url: {answer['error']}", Exit.NETWORK)
    parent = facts.get(fact_name("config_is_parent"))
    configured_parent = parent is not None and parent.value == "true" and parent.source.startswith("file:")
    return runtime_facts(answer["document"], answer["url"], configured_parent)


class _VersionFacts:
    """The facts that depend on the agent's version: system-info.sh's release (SYSTEM_INFO's row) and the daemon's
    compiled defaults (DAEMON_DEFAULTS' row); the installed binary's build facts only for its own version. Each row
    is read once: versions of the same rows read the machine alike."""

    def __init__(self, system: System, request: FactsRequest):
        self.system = system.remembering()  # the same files, read for every version: once
        self.request = request
        self._seen: dict = {}

    def __call__(self, version: str, installed_build: bool) -> Facts:
        from audit.facts.installed import collect_installed
        from audit.facts.sysinfo import collect_system_info

        config_dir = self.request.config_dir
        system_info = self._once(releases.system_info_rules(version), lambda: collect_system_info(self.system, version))
        analytics = self._once((releases.daemon_defaults(version), installed_build), lambda: analytics_facts(
            self.system, config_dir, version, collect_installed(self.system, config_dir) if installed_build else None))
        return {**system_info, **analytics}

    def _once(self, key, read):
        if key not in self._seen:
            self._seen[key] = read()
        return self._seen[key]


def _variants(system: System, request: FactsRequest, base: Facts) -> list[snapshot.Variant]:
    """One per stretch of releases that reads this machine alike (every row boundary of the release tables), each
    as another build than the installed one; and the installed build at its own version."""
    facts_at = _VersionFacts(system, request)
    found = [snapshot.variant(since, "other", base, facts_at(since, False)) for since in releases.boundaries()]
    installed = base.get("agent.version")
    if installed is not None and isinstance(installed.value, str) and _is_version(installed.value):
        found.append(snapshot.variant(installed.value, "installed", base, facts_at(installed.value, True)))
    return found


def _is_version(text: str) -> bool:
    try:
        versions.parse(text)
    except AuditError:
        return False
    return True


def _override(facts: Facts, variants: list, request: FactsRequest) -> None:
    """Options given on the command line win over the snapshot's values. Another agent version takes the facts
    that version would read on the machine the snapshot was taken on (its variants), as a live run would."""
    if request.netdata_version:
        wanted = netdata_version_option(request.netdata_version)
        if wanted.value != getattr(facts.get("netdata_version"), "value", None):
            snapshot.apply_variant(facts, variants, wanted.value)
        facts["netdata_version"] = wanted
        facts.update(release_channel_fact(facts, wanted.value))
    if request.machine_guid:
        facts["machine_guid"] = machine_guid_option(request.machine_guid)
