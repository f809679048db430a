"""Per-release data: every release v1.33..v2.5.x has exactly one row per table; the branches they select."""

import pytest

from audit.channels.backend import releases
from audit.facts.sysinfo import awk_number, collect_system_info
from audit.plumbing.system import System

MINORS = [f"v1.{m}.0" for m in range(33, 48)] + [f"v2.{m}.0" for m in range(0, 6)]


@pytest.mark.parametrize("table", [releases.SCRIPT_LAYOUTS, releases.SYSTEM_INFO, releases.DAEMON_DEFAULTS],
                         ids=["script", "system-info", "daemon"])
def test_every_release_has_exactly_one_row(table):
    for version in MINORS:
        assert sum(row.span.covers(version) for row in table) == 1, version


def test_layouts_follow_the_tags():
    assert releases.script_layout("v1.37.1").header == (releases.API_KEY_LINE,)
    assert releases.script_layout("v1.40.0").header == ()
    assert "system_distinct_id" in releases.script_layout("v1.41.0").without
    assert releases.script_layout("v1.42.0").without == frozenset({"netdata_fail_reason"})
    assert releases.script_layout("v2.5.4").without == frozenset()
    assert releases.script_layout("v1.33.1").opt_out_env == ("DO_NOT_TRACK",)
    assert releases.daemon_defaults("v1.37.1").multidb_disk_quota_mb == 256
    assert releases.daemon_defaults("v2.5.4").multidb_disk_quota_mb == 1024


@pytest.mark.parametrize("value,awk,text", [
    (2_445_000_000, "mawk", "2.445e+09"), (2_147_483_647, "mawk", "2147483647"),
    (2_147_483_648, "mawk", "2.14748e+09"), (2_445_000_000, "gawk", "2445000000"), (800_000_000, "mawk", "800000000"),
])
def test_awk_prints_large_integers_its_own_way(value, awk, text):
    assert awk_number(value, awk) == text


class FakeMachine(System):
    """A live System whose commands answer from a table (and whose files come from a dict)."""

    def __init__(self, commands: dict, files: dict):
        super().__init__(env={"PATH": "/nonexistent"})
        self.commands, self.files = commands, files

    def has_command(self, name):
        return any(argv[0] == name for argv in self.commands)

    def run(self, argv, extra_env=None, timeout=5):
        return self.commands.get(tuple(argv))

    def run_ok(self, argv):
        return False

    def read_text(self, path):
        return self.files.get(path)

    def read_bytes(self, path):
        text = self.files.get(path)
        return None if text is None else text.encode()

    def exists(self, path):
        return path in self.files

    def is_file(self, path):
        return path in self.files

    def is_dir(self, path):
        return False

    def listdir(self, path):
        return []

    def link_target(self, path):
        return "/usr/bin/mawk" if path == "/usr/bin/awk" else None


CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\ncpu MHz\t\t: 2445.000\n"


def test_without_lscpu_gnu_uname_gives_model_and_vendor():
    machine = FakeMachine({("nproc",): "4\n", ("uname", "--version"): "uname (GNU coreutils) 9.1\n",
                           ("uname", "-p"): "unknown\n", ("uname", "-i"): "unknown\n"}, {"/proc/cpuinfo": CPUINFO})
    facts = collect_system_info(machine, "v2.5.0")
    assert facts["NETDATA_SYSTEM_CPU_DETECTION"].value == "nproc uname procfs"
    assert (facts["NETDATA_SYSTEM_CPU_MODEL"].value, facts["NETDATA_SYSTEM_CPU_VENDOR"].value) == ("unknown",
                                                                                                   "unknown")
    assert facts["NETDATA_SYSTEM_CPU_FREQ"].value == "2445000000"


def test_without_gnu_uname_the_cpu_comes_from_cpuinfo_once():
    machine = FakeMachine({("nproc",): "4\n"}, {"/proc/cpuinfo": CPUINFO})
    facts = collect_system_info(machine, "v2.5.0")
    assert facts["NETDATA_SYSTEM_CPU_DETECTION"].value == "nproc procfs"
    assert facts["NETDATA_SYSTEM_CPU_MODEL"].value == "Xeon"


def test_v1_37_with_mawk_prints_the_cpuinfo_frequency_in_exponent_form():
    machine = FakeMachine({("nproc",): "4\n"}, {"/proc/cpuinfo": CPUINFO})
    assert collect_system_info(machine, "v1.37.1")["NETDATA_SYSTEM_CPU_FREQ"].value == "2.445e+09"
    assert collect_system_info(machine, "v1.33.1")["NETDATA_SYSTEM_CPU_FREQ"].value == "unknown"
