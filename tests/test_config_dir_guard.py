"""A config dir that is not an agent's must never let the opt-out check pass by looking in the wrong place."""

import json

import pytest

from audit import channels
from audit.core import optout
from audit.faces.cli import main
from audit.facts.snapshot import dumps
from tests.sample import sample_facts


@pytest.fixture
def snap(tmp_path):
    f = tmp_path / "facts.json"
    f.write_text(dumps(sample_facts()))
    return str(f)


def send(snap, tmp_path, url, config_dir):
    return main(["send", "START", "--facts", snap, "--config-dir", str(config_dir), "--endpoint", url,
                 "--journal", str(tmp_path / "j.jsonl"), "--yes"])


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_send_refuses_a_config_dir_that_is_not_an_agents(httpserver, snap, tmp_path, capsys, make):
    real = tmp_path / "netdata"
    real.mkdir()
    (real / optout.OPT_OUT_FILE).touch()  # the real dir holds the opt-out; the user mistyped its name
    mistyped = tmp_path / "netdta"
    if make == "empty":
        mistyped.mkdir()
    elif make == "file":
        mistyped.write_text("")
    httpserver.expect_request("/ingest").respond_with_data("ok")
    assert send(snap, tmp_path, httpserver.url_for("/ingest"), mistyped) == 2
    assert httpserver.log == []
    out = capsys.readouterr()
    assert out.out == "" and str(mistyped) in out.err and out.err.count("\n") == 1


def first_event(channel) -> str:
    return channel.impl().events()[-1].name


@pytest.mark.parametrize("channel", channels.built(), ids=lambda c: c.name)
def test_every_channel_refuses_a_config_dir_that_is_not_an_agents(httpserver, snap, tmp_path, capsys, channel):
    """Each channel's verdict reads the config dir (the installer's: .install-type, and .environment where the
    installers record --disable-telemetry), so none may send when it is not an agent's."""
    httpserver.expect_request("/ingest").respond_with_data("ok")
    journal = tmp_path / "j.jsonl"
    code = main(["send", "--channel", channel.name, first_event(channel), "--facts", snap, "--config-dir",
                 str(tmp_path / "netdta"), "--endpoint", httpserver.url_for("/ingest"), "--journal", str(journal),
                 "--yes"])
    assert code == 2 and httpserver.log == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err and "could be missed" in err
    entry = json.loads(journal.read_text().splitlines()[-1])
    assert entry["state"] == "refused" and "does not exist" in entry["message"]


def test_send_refuses_a_mistyped_config_dir_inside_root(httpserver, tmp_path, capsys):
    root = tmp_path / "root"
    (root / "etc" / "netdata").mkdir(parents=True)
    (root / "etc" / "netdata" / optout.OPT_OUT_FILE).touch()
    httpserver.expect_request("/ingest").respond_with_data("ok")
    code = main(["send", "START", "--root", str(root), "--config-dir", "/etc/netdta", "--endpoint",
                 httpserver.url_for("/ingest"), "--journal", str(tmp_path / "j.jsonl"), "--yes"])
    assert code == 2 and httpserver.log == []
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("marker", ["netdata.conf", optout.OPT_OUT_FILE, ".environment", ".install-type"])
def test_any_agent_file_makes_a_config_dir(tmp_path, marker):
    from audit.facts import configdir
    from audit.plumbing.system import System

    (tmp_path / marker).touch()
    assert configdir.problem(System(), str(tmp_path)) is None


def test_opt_out_warns_loudly_on_a_mistyped_config_dir(tmp_path, capsys):
    assert main(["opt-out", "--config-dir", str(tmp_path / "netdta")]) == 0
    err = capsys.readouterr().err
    assert "does not exist" in err and "could be missed" in err


def test_payload_warns_when_its_config_dir_is_empty(tmp_path, capsys):
    assert main(["payload", "START", "--config-dir", str(tmp_path), "--netdata-version", "v2.2.0"]) in (0, 1)
    assert "holds nothing an agent would" in capsys.readouterr().err


def test_no_command_with_options_opens_the_tui_with_them(monkeypatch):
    import audit.faces.commands.tui as tui_command

    seen = {}
    monkeypatch.setattr(tui_command, "run", lambda args: seen.setdefault("args", args) and 0)
    assert main(["--config-dir", "/somewhere", "--journal", "j.jsonl"]) == 0
    assert seen["args"].config_dir == "/somewhere" and seen["args"].journal == "j.jsonl"


def test_tui_refuses_a_bad_endpoint_or_journal_before_starting(tmp_path, capsys):
    assert main(["tui", "--endpoint", "notaurl"]) == 2
    assert main(["tui", "--journal", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "--endpoint" in err and "not a regular file" in err
