"""Version strings: releases, release candidates and nightly builds, read as the newest modelled behaviour at or
before them (audit/plumbing/versions.py), and said so wherever a version is read."""

import json

import pytest

from audit.plumbing import versions
from audit.channels.agent_events import releases as agent_releases
from audit.faces.cli import main
from audit.plumbing.errors import AuditError


@pytest.mark.parametrize("given,parsed,kind", [
    ("v2.5.4", (2, 5, 4), "release"), ("2.2.0", (2, 2, 0), "release"), ("v1.44", (1, 44, 0), "release"),
    ("v2.12.0-rc1", (2, 11, versions.ANY_PATCH), "rc"),  # not yet v2.12.0: every v2.11.x is before it
    ("v2.5.3-rc2", (2, 5, 2), "rc"), ("v2.0.0-rc1", (1, 47, versions.ANY_PATCH), "rc"),
    ("v2.11.0-123-gabcdef", (2, 11, 0), "nightly"), ("v1.44.0-123-nightly", (1, 44, 0), "nightly"),
])
def test_parse(given, parsed, kind):
    assert versions.parse(given) == parsed and versions.kind(given) == kind


def test_a_non_version_is_a_clear_error():
    with pytest.raises(AuditError, match=r"--netdata-version 'latest': expected a Netdata version such as v2.5.4, "
                                         r"v2.12.0-rc1 or v2.11.0-123-gabcdef"):
        versions.parse("latest")


def test_an_rc_of_a_minor_is_the_minor_before_in_the_version_tables():
    assert not versions.within("v2.6.0-rc1", "v2.6", None) and versions.within("v2.6.0-rc1", None, "v2.5")
    assert agent_releases.release_for("v2.11.0-rc3").tag == "v2.10.0"
    assert agent_releases.release_for("v2.11.0-5-g0123abc").tag == "v2.11.0"


def _payload(capsys, *argv):
    code = main(["payload", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_backend_rc_and_nightly_are_built_as_the_release_before_and_said_so(capsys):
    code, out, err = _payload(capsys, "START", "--netdata-version", "v1.40.0-rc1", "--json")
    assert code == 0 and "api_key" in json.loads(out)  # v1.39.x's layout: the api_key went in v1.40.0
    assert err == ("telemetry-audit: warning: v1.40.0-rc1 is a release candidate: built as the newest modelled "
                   "release before it, v1.39.x\n")
    code, out, err = _payload(capsys, "START", "--netdata-version", "v1.42.0-17-g1234abc", "--json")
    assert code == 0 and "system_distinct_id" in json.loads(out)["properties"]
    assert "v1.42.0-17-g1234abc is a build after v1.42.0: built as the newest modelled release at or before it, " \
           "v1.42.0" in err
    assert _payload(capsys, "START", "--netdata-version", "v2.5.4", "--json")[2] == ""  # a release: nothing said


def test_agent_events_newer_than_modelled_is_warned_with_the_newest_release(capsys):
    code, out, err = _payload(capsys, "--channel", "agent-events", "killed hard", "--netdata-version", "v2.14.0",
                              "--agent-pid", "7", "--json")
    assert code == 0 and json.loads(out)["agent_version_now"] == "v2.14.0"
    assert "Netdata v2.14.0 is newer than anything modelled for agent-events (the newest modelled release is " \
           "v2.11.0): built as v2.11.0" in err


def test_a_status_file_from_a_nightly_build_is_read(capsys, tmp_path):
    from pathlib import Path

    data = Path(__file__).parent / "data" / "agent-events-v2.11.0"
    saved = json.loads((data / "status-before-killed-hard.json").read_text())
    saved["agent"]["version"] = "v2.11.0-42-g0a1b2c3"
    path = tmp_path / "status.json"
    path.write_text(json.dumps(saved))
    code, out, err = _payload(capsys, "--channel", "agent-events", "--status-file", str(path), "--agent-pid", "7",
                              "--json")
    assert code == 0 and json.loads(out)["agent_version_now"] == "v2.11.0-42-g0a1b2c3"
    assert "v2.11.0-42-g0a1b2c3 is a build after v2.11.0" in err


def test_an_installed_binarys_rc_version_is_read(monkeypatch):
    from audit.facts.agent import agent_version
    from audit.plumbing.system import System

    class Binary(System):
        def run(self, argv, timeout=None):
            return "netdata v2.12.0-rc1\n" if argv == ["netdata", "-v"] else None

    fact = agent_version(Binary(), None)
    assert fact.value == "v2.12.0-rc1" and fact.source == "command:netdata -v"
    assert versions.mapping_note(fact.value, "v2.11.0", "v2.11.0", "agent-events").startswith(
        "v2.12.0-rc1 is a release candidate")
