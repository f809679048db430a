"""Gather every fact the payload depends on, from this machine, a sysroot, or a snapshot."""

from dataclasses import dataclass

from audit.channels.backend.analytics import fact_name
from audit.facts import snapshot
from audit.facts.agent import agent_version, collect_agent_facts, machine_guid_option, netdata_version_option
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
        facts = snapshot.load(request.facts_file)
        _override(facts, request)
        if request.agent_url:
            facts.update(_runtime(request.agent_url, facts))
        return facts
    from audit.facts.installed import buildinfo_commands  # not needed when a snapshot is given
    from audit.facts.sysinfo import collect_system_info, commands_run

    system = System(root=request.root)
    if not system.confined:  # start the commands at once: their run times overlap
        system.prefetch(commands_run(system) + buildinfo_commands(system))
    version = agent_version(system, request.netdata_version)  # system-info.sh's behaviour depends on it
    facts = collect_system_info(system, version.value)
    facts.update(collect_agent_facts(system, request.config_dir, request.netdata_version, request.machine_guid,
                                     version=version))
    if request.agent_url:
        facts.update(_runtime(request.agent_url, facts))
    return facts


def _runtime(agent_url: str, facts: Facts) -> Facts:
    from audit.plumbing import transport
    from audit.plumbing.errors import AuditError, Exit
    from audit.facts.runtime import runtime_facts

    answer = transport.agent_info(agent_url)
    if answer["error"]:
        raise AuditError(f"--agent-url: {answer['error']}", Exit.NETWORK)
    parent = facts.get(fact_name("config_is_parent"))
    configured_parent = parent is not None and parent.value == "true" and parent.source.startswith("file:")
    return runtime_facts(answer["document"], answer["url"], configured_parent)


def _override(facts: Facts, request: FactsRequest) -> None:
    """Options given on the command line win over the snapshot's values."""
    if request.netdata_version:
        facts["netdata_version"] = netdata_version_option(request.netdata_version)
    if request.machine_guid:
        facts["machine_guid"] = machine_guid_option(request.machine_guid)
