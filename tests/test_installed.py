"""Reading the installed agent: build info, the script's own opt-out path, the owning package (files only)."""

import pytest

from audit.facts.installed import buildinfo_facts, collect_installed
from audit.plumbing.system import System
from tests.sample import STAND_IN_SCRIPT

# The shape of `netdata -W buildinfo` of Debian's netdata-core 1.37.1 (abridged).
DEBIAN_1_37_1 = """Version: netdata v1.37.1
Configure options:  '--prefix=/usr' '--sysconfdir=/etc' '--localstatedir=/var' '--disable-cloud'
Install type: unknown
Features:
    dbengine:                   YES
    Native HTTPS:               YES
    Netdata Cloud:              NO (by user request)
    ACLK:                       NO
    TLS Host Verification:      YES
    Machine Learning:           NO
    Stream Compression:         YES
Libraries:
    protobuf:                YES (system)
    jemalloc:                NO
    zlib:                    YES
Plugins:
    apps:                    YES
    EBPF:                    NO
Exporters:
    MongoDB:                 NO
Debug/Developer Features:
    Trace Allocations:       YES
"""


def test_buildinfo_gives_the_analytics_feature_list_and_cloud_state():
    facts = buildinfo_facts(DEBIAN_1_37_1, "command:netdata -W buildinfo")
    assert facts["agent.features"].value == ("dbengine|Native HTTPS|TLS Host Verification|Stream Compression|"
                                             "protobuf|zlib|apps|DebugTraceAlloc")
    assert facts["agent.cloud_built"].value == "false"
    assert facts["agent.cloud_disabled_at_build"].value == "true"
    assert facts["agent.aclk_built"].value == "false"
    assert facts["agent.version"].value == "v1.37.1"
    assert facts["agent.config_dir"].value == "/etc/netdata"
    assert facts["agent.lib_dir"].value == "/var/lib/netdata"
    assert all(f.source == "command:netdata -W buildinfo" for f in facts.values())


def _root(tmp_path, files):
    for path, text in files.items():
        target = tmp_path / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return System(root=str(tmp_path))


@pytest.mark.installed_agent
def test_under_root_the_owning_package_comes_from_dpkg_lists(tmp_path, monkeypatch):
    optout = "/etc/netdata/.opt-out-from-anonymous-statistics"
    system = _root(tmp_path, {
        "/usr/sbin/netdata": "binary",
        optout: "",
        "/usr/lib/netdata/plugins.d/anonymous-statistics.sh":
            STAND_IN_SCRIPT,
        "/var/lib/dpkg/info/netdata-core.list": f"/.\n/usr/sbin/netdata\n{optout}\n",
        "/var/lib/dpkg/info/netdata-web.list": "/usr/share/netdata/web/index.html\n",
    })
    monkeypatch.setattr("subprocess.run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("ran a command")))
    facts = collect_installed(system, "/etc/netdata")
    assert facts["agent.binary"].value == "/usr/sbin/netdata"
    assert facts["agent.binary_package"].value == "netdata-core"
    assert facts["agent.opt_out_file_package"].value == "netdata-core"
    assert facts["agent.opt_out_file_package"].source == "file:/var/lib/dpkg/info/netdata-core.list"
    assert facts["agent.script_opt_out_file"].value == optout
    assert "agent.features" not in facts  # no command under --root


@pytest.mark.installed_agent
def test_a_file_no_package_lists_has_no_owner(tmp_path):
    system = _root(tmp_path, {"/var/lib/dpkg/info/netdata-core.list": "/usr/sbin/netdata\n"})
    facts = collect_installed(system, "/srv/private-netdata")
    assert facts["agent.opt_out_file_package"].value is None
    assert facts["agent.binary"].value is None


@pytest.mark.installed_agent
def test_under_root_the_version_comes_from_the_owning_package(tmp_path):
    from audit.facts.agent import agent_version

    system = _root(tmp_path, {
        "/usr/sbin/netdata": "binary",
        "/var/lib/dpkg/info/netdata-core.list": "/usr/sbin/netdata\n",
        "/var/lib/dpkg/status": "Package: netdata-web\nVersion: 1.37.1-2\n\n"
                                "Package: netdata-core\nStatus: install ok installed\nVersion: 1.37.1-2\n",
    })
    fact = agent_version(system, None)
    assert (fact.value, fact.source) == ("v1.37.1", "file:/var/lib/dpkg/status (netdata-core)")


@pytest.mark.installed_agent
def test_a_refusal_names_each_opt_out_file_when_daemon_and_script_read_different_ones(tmp_path):
    from audit.core import optout as audit_optout
    from audit.faces.commands.send import _stopped_by

    packaged, private = "/etc/netdata/.opt-out-from-anonymous-statistics", "/srv/nd/.opt-out-from-anonymous-statistics"
    system = _root(tmp_path, {
        "/usr/lib/netdata/plugins.d/anonymous-statistics.sh": STAND_IN_SCRIPT, packaged: "", private: "",
        "/srv/nd/netdata.conf": "", "/var/lib/dpkg/info/netdata-core.list": f"{packaged}\n"})
    stopped = _stopped_by(audit_optout.evaluate(system, "/srv/nd", "v1.37.1"))
    assert stopped == [f"opt-out file {system.display(private)}",  # the daemon's, then the script's
                       f"opt-out file {system.display(packaged)} (opted out by the distribution's package: "
                       "netdata-core ships this file)"]
