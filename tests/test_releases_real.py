"""Our bytes against the real scripts of v1.33.1, v1.37.1 and v1.43.2 (system-info.sh and the statistics script)."""

from pathlib import Path

import pytest

from audit.channels.backend import assemble as payload
from audit.channels.backend import releases, wire
from audit.facts.collect import FactsRequest, gather
from audit.facts.sysinfo import collect_system_info
from audit.plumbing.system import System

from tests.realscripts import Sandbox

TAGS = ("v1.33.1", "v1.37.1", "v1.43.2")
EVENTS = (
    ("START", {}),
    ("EXIT", {"result": "OK"}),
    ("FATAL", {"thread": "WEB_SERVER[static1]", "function": "web_client_api_request", "file": "web/api/web_api_v1.c",
               "line": 42, "errno": 2}),
)


@pytest.fixture(scope="module", params=TAGS)
def release(request, tmp_path_factory):
    tag = request.param
    box = Sandbox(tmp_path_factory.mktemp(tag), tag)
    facts = gather(FactsRequest(config_dir=str(box.config), netdata_version=tag))
    return box, facts


def test_system_info_values_equal_the_real_script_of_that_release(release):
    box, facts = release
    real = box.run_system_info()
    version = facts["netdata_version"].value
    ours = {name: wire.system_info_value(name, facts[name].value, version) for name in wire.SYSTEM_INFO_NAMES}
    assert {k: ours[k] for k in real} == real


@pytest.mark.parametrize("event,params", EVENTS, ids=[e for e, _ in EVENTS])
def test_body_equals_the_real_statistics_script_of_that_release(release, event, params):
    box, facts = release
    argv, env = payload.daemon_call(facts, event, params)
    env.update(box.run_system_info())  # what that release's daemon exported from its own system-info.sh
    real = box.run_statistics(argv, env)
    assert real is not None, "the real script sent nothing"
    assert payload.build(facts, event, params).wire == real


def test_old_layouts_differ_where_the_releases_differ(release):
    box, facts = release
    document = payload.build(facts, "START").document()
    layout = releases.script_layout(box.tag)
    assert ("api_key" in document) == bool(layout.header)
    assert ("system_distinct_id" in document["properties"]) == ("system_distinct_id" not in layout.without)
    assert ("netdata_fail_reason" in document["properties"]) == (box.tag == "v1.43.2")


def test_the_optout_file_in_the_built_in_config_dir_silences_the_real_script(release):
    box, facts = release
    argv, env = payload.daemon_call(facts, "START")
    (box.config / ".opt-out-from-anonymous-statistics").touch()
    try:
        assert box.run_statistics(argv, env) is None
    finally:
        (box.config / ".opt-out-from-anonymous-statistics").unlink()


def test_without_lscpu_v2_5_takes_the_cpu_from_gnu_uname_like_the_real_script(tmp_path):
    (tmp_path / "box").mkdir()
    box = Sandbox(tmp_path / "box", "v2.5.0")
    hidden = tmp_path / "path-without-lscpu"
    hidden.mkdir()
    for folder in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        for entry in Path(folder).iterdir() if Path(folder).is_dir() else ():
            if entry.name not in ("lscpu", "dmidecode") and not (hidden / entry.name).exists():
                (hidden / entry.name).symlink_to(entry)
    path = f"{box.bin}:{hidden}"
    box.path = lambda: path
    real = box.run_system_info()
    ours = collect_system_info(System(env={"PATH": path}), "v2.5.0")
    names = [n for n in real if n.startswith("NETDATA_SYSTEM_CPU_")]
    assert {n: ours[n].value for n in names} == {n: real[n] for n in names}
    assert real["NETDATA_SYSTEM_CPU_DETECTION"].startswith("nproc uname")
