"""The installer channel as a user meets it: payload, check and send --channel installer; its schema; the secrets
and identifiers check finds in install_options."""

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from jsonschema import Draft202012Validator

from audit import channels
from audit.core import identify
from audit.plumbing import schemas
from audit.channels.installer import channel as installer
from audit.channels.installer import kickstart, machine
from audit.faces.cli import main
from audit.plumbing.system import System

OPTIONS = "--claim-token abc123 --stable-channel"
MACHINE_ID = b"4c4c4544004d3510804bb4c04f465931\n"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "root"
    files = {"etc/os-release": 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n',
             "proc/meminfo": "MemTotal:       16303740 kB\n", "etc/machine-id": MACHINE_ID.decode()}
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (tmp_path / "cfg").mkdir()
    return root


def common(root: Path, *extra: str) -> list[str]:
    return ["--channel", "installer", "--root", str(root), "--config-dir", str(root.parent / "cfg"), *extra]


def test_payload_wire_is_the_built_body(capsys, root):
    code, out, _ = run(capsys, "payload", "INSTALL_SUCCESS", f"--install-options={OPTIONS}", "--wire", *common(root))
    assert code == 0
    props = json.loads(out)["properties"]
    assert props["install_options"] == OPTIONS
    assert props["netdata_release_channel"] == "stable"
    assert props["distinct_id"] == "machine-" + __import__("hashlib").md5(MACHINE_ID).hexdigest()
    assert props["system_total_ram"] == str(16303740 * 1024)
    assert out.endswith("}")  # command substitution strips the heredoc's last newline


def test_options_recorded_in_the_environment_file_are_used(capsys, root):
    (root / "etc/netdata").mkdir(parents=True)
    (root / "etc/netdata/.environment").write_text('REINSTALL_OPTIONS="--stable-channel --claim-token zz9"\n')
    code, out, err = run(capsys, "payload", "INSTALL_SUCCESS", *common(root)[:4], "--config-dir", "/etc/netdata")
    assert code == 0
    assert json.loads(out)["properties"]["install_options"] == "--stable-channel --claim-token zz9"
    assert "REINSTALL_OPTIONS" in err


def test_check_flags_the_claim_token_as_a_high_severity_secret(capsys, root):
    code, out, _ = run(capsys, "check", "INSTALL_SUCCESS", f"--install-options={OPTIONS}", "--json", *common(root))
    assert code == 1
    secrets = [f for f in json.loads(out)["findings"] if f["severity"] == "high"]
    assert [(f["field"], f["kind"], f["text"]) for f in secrets] == [("install_options", "claim-token", "abc123")]
    code, out, _ = run(capsys, "check", "INSTALL_SUCCESS", f"--install-options={OPTIONS}", *common(root))
    assert "SECRET" in out and "claim token" in out and "links the install event" in out


def test_check_finds_nothing_unexpected_without_secrets(capsys, root):
    code, out, _ = run(capsys, "check", "INSTALL_SUCCESS", "--install-options=--stable-channel", *common(root))
    assert code == 0, out
    assert "distinct_id: system-distinct-id (exact)" in out and "by design" in out


def test_a_double_quote_in_the_message_is_reported_as_invalid_json(capsys, root):
    code, out, err = run(capsys, "payload", "INSTALL_FAILED", "--message", 'no "curl"', "--error-code", "F0003",
                         *common(root))
    assert code == 1
    assert '"error_message": "no "curl""' in out
    assert "error_message" in err and "not valid JSON" in err


def test_crash_event_names_code_and_line(capsys, root):
    code, out, _ = run(capsys, "payload", "INSTALL_CRASH", "--exit-code", "15", "--line", "0", *common(root))
    assert json.loads(out)["properties"]["error_code"] == "E15-0"


def test_old_release_has_the_api_key_and_the_raw_machine_id(capsys, root):
    code, out, err = run(capsys, "payload", "INSTALL_SUCCESS", "--kickstart-version", "v1.36.0", *common(root))
    doc = json.loads(out)
    assert doc["api_key"] == kickstart.POSTHOG_PROJECT_KEY
    assert doc["properties"]["distinct_id"] == MACHINE_ID.decode().strip()
    assert "install_command" not in doc["properties"]
    assert "not its md5" in err


def test_unknown_installer_event_is_a_usage_error(capsys, root):
    code, _, err = run(capsys, "payload", "START", *common(root))
    assert code == 2 and "INSTALL_SUCCESS" in err


@pytest.mark.parametrize("env, refused", [({"DISABLE_TELEMETRY": "1"}, True), ({"DO_NOT_TRACK": "1"}, True),
                                          ({"DISABLE_TELEMETRY": "0", "DO_NOT_TRACK": "1"}, False)])
def test_send_follows_kickstarts_rule(capsys, root, monkeypatch, tmp_path, env, refused):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg = root.parent / "cfg"  # an agent's config dir (the file makes it one; kickstart ignores the file)
    (cfg / ".opt-out-from-anonymous-statistics").write_text("")
    (cfg / ".install-type").write_text("INSTALL_TYPE='kickstart-static'\n")  # kickstart installed this agent
    code, out, err = run(capsys, "send", "INSTALL_SUCCESS", "--yes", "--endpoint", "http://127.0.0.1:9/x",
                         "--timeout", "0.5", "--journal", str(tmp_path / "j.jsonl"), "--channel", "installer",
                         "--config-dir", str(cfg))
    if refused:
        assert code == 1 and "not sent" in err
    else:
        assert code == 3  # it tried: the closed loopback port refused the connection


def test_send_refuses_an_installer_event_where_kickstart_never_ran(capsys, root, tmp_path):
    """The verdict says "not applicable" (no .install-type): send agrees and sends nothing (issue 21)."""
    cfg = root.parent / "cfg"
    (cfg / "netdata.conf").write_text("")
    code, out, err = run(capsys, "send", "INSTALL_SUCCESS", "--yes", "--endpoint", "http://127.0.0.1:9/x",
                         "--timeout", "0.5", "--journal", str(tmp_path / "j.jsonl"), "--channel", "installer",
                         "--config-dir", str(cfg))
    assert code == 1 and "not sent: not applicable here: no .install-type" in err


def test_schema_names_every_property_of_every_release_in_order():
    props = list(schemas.installer_properties())
    for var in kickstart.VARIANTS:
        assert [p for p in props if p in var.properties] == list(var.properties), var.since
    for meta in schemas.installer_properties().values():
        assert meta["description"] and meta["x-source"]
        assert meta["x-sensitivity"] in {"identifier", "environment", "configuration", "usage", "secret"}


@pytest.mark.parametrize("version", [v.since for v in kickstart.VARIANTS])
def test_built_bodies_validate_against_the_schema(root, version):
    found = machine.collect(System(root=str(root)), {})
    built = installer.build({}, "INSTALL_FAILED", {"kickstart_version": version, "machine": found,
                                                   "message": "x", "error_code": "F0003"})
    Draft202012Validator(schemas.schema(schemas.INSTALLER_ID)).validate(built.document())
    assert channels.schema_for(built.document()) == schemas.INSTALLER_ID


_TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=-", min_size=1,
                 max_size=40).filter(lambda t: not t.startswith("-"))


@given(token=_TOKEN, before=st.sampled_from(["", "--stable-channel ", "--claim-rooms r1 "]),
       after=st.sampled_from(["", " --no-updates", " --claim-url https://app.netdata.cloud"]))
def test_any_claim_token_in_the_options_is_a_secret(token, before, after):
    options = f"{before}--claim-token {token}{after}"
    found = identify.check([("install_options", options)], sensitivities={})
    secrets = [f for f in found if f.kind == "claim-token"]
    assert [f.text for f in secrets] == [token]
    assert all(f.severity == "high" and not f.expected for f in secrets)


def test_credentials_in_a_url_are_a_secret():
    found = identify.check([("error_message", "proxy http://bob:s3cret@proxy.lan:3128 refused")], sensitivities={})
    assert [(f.kind, f.text, f.severity) for f in found if f.secret] == [("url-credentials", "bob:s3cret", "high")]


def test_os_release_eval_quirks():
    host = machine.host_os('NAME=Foo Bar\nID="x\\"y"\nVERSION=\'1 (a b)\'\nID=z\n', None)
    assert host["NAME"] == ""  # `HOST_NAME=Foo Bar` runs a command named Bar: the assignment does not stay
    assert (host["ID"], host["VERSION"]) == ("z", "1 (a b)")  # later lines win; single quotes honoured


def test_total_ram_and_distinct_id_fallbacks():
    assert machine.total_ram("MemTotal:\t 100 kB\n") == "102400"
    assert machine.total_ram("nothing\n") == ""
    empty = machine.Machine(None, None, None, (("machine", "/etc/machine-id", None),), "Linux", "6", "x86_64")
    assert machine.distinct_id(empty, kickstart.variant("v2.11.0")) == "null"


# ---------------------------------------------------------------- kickstart revisions: tags and master

_F0106_NEW = [text for code, text in kickstart.MESSAGES_MASTER if code == "F0106"][1]


def _failed(capsys, root, version: str, code: str, message: str) -> tuple[int, str, str]:
    return run(capsys, "payload", "INSTALL_FAILED", "--kickstart-version", version, "--error-code", code,
               "--message", message, "--wire", *common(root))


def test_kickstart_version_takes_master_and_defaults_to_it(capsys, root):
    assert kickstart.revision("master") is kickstart.MASTER and kickstart.revision("MASTER") is kickstart.MASTER
    assert kickstart.MASTER.commit == "e9506adc6a"
    code, by_default, err = run(capsys, "payload", "INSTALL_SUCCESS", "--wire", *common(root))
    assert code == 0 and "modelled" not in err
    assert run(capsys, "payload", "INSTALL_SUCCESS", "--kickstart-version", "master", "--wire",
               *common(root))[1] == by_default


def test_tags_map_to_the_revision_at_or_before_them():
    assert kickstart.revision("v2.10.3").name == "v2.9.0"
    assert kickstart.revision("v2.11.0").name == "v2.11.0" and kickstart.revision("v1.36.1").name == "v1.35.0"
    assert kickstart.revision("v2.12.0-rc1").name == "v2.11.0"  # an rc is before its release
    assert kickstart.revision_note("v2.11.0") is None and kickstart.revision_note("master") is None


def test_a_tag_newer_than_the_newest_read_is_warned_about_and_master_offered(capsys, root):
    code, _, err = run(capsys, "payload", "INSTALL_SUCCESS", "--kickstart-version", "v2.13.0", "--wire",
                       *common(root))
    assert code == 0
    assert "newer than anything modelled for kickstart (the newest modelled release is v2.11.0): built as v2.11.0"\
        in err and "--kickstart-version master (e9506adc6a" in err


def test_explain_dates_f0106s_new_text_to_master(capsys, root, tmp_path):
    body = tmp_path / "failed.json"
    body.write_text(_failed(capsys, root, "master", "F0106", _F0106_NEW)[1])
    code, out, _ = run(capsys, "explain", str(body))
    assert code == 0
    assert "sent by: kickstart master at e9506adc6a (2026-08-17) to today" in out
    assert "error F0106 with this message: master at e9506adc6a (2026-08-17) to today" in out


@pytest.mark.parametrize("version,code,message,dated", [
    ("v2.11.0", "F050C", "Cancelling update of unknown installation type at user request.",
     "kickstart v1.42.0 to before master at e9506adc6a (2026-08-17)"),
    ("v1.42.0", "F050C", "Cancelling update of unknown installation type at user request.",
     "kickstart v1.42.0 to before master at e9506adc6a (2026-08-17)"),
    ("v1.35.0", "F0106", kickstart.MESSAGES_V1_34[0][1], "kickstart v1.35.0 to before v1.37.0"),
    ("v1.34.0", "F0106", kickstart.MESSAGES_V1_34[0][1], "kickstart v1.34.0 to before v1.35.0"),
    ("master", "F0106", kickstart.MESSAGES_MASTER[0][1], "kickstart v1.42.0 to today"),  # the native text is unchanged
    ("master", "F0003", "Could not find a usable HTTP client", "kickstart v1.42.0 to today"),
])
def test_explain_dates_an_installer_body_by_shape_and_message(version, code, message, dated):
    from audit.channels.installer.explain import dating

    built = installer.build({}, "INSTALL_FAILED", {"kickstart_version": version, "error_code": code,
                                                   "message": message})
    assert dating(built.document())[0] == dated


def test_explain_dates_the_shape_alone_and_names_a_message_no_kickstart_sends():
    from audit.channels.installer.explain import dating

    old = installer.build({}, "INSTALL_SUCCESS", {"kickstart_version": "v1.37.0"}).document()
    assert dating(old)[0] == "kickstart v1.37.0 to before v1.40.0"
    gone = installer.build({}, "INSTALL_FAILED", {"kickstart_version": "master", "error_code": "F050C",
                                                  "message": "made up"}).document()
    label, reasons, possible = dating(gone)
    assert not possible and label == "no modelled kickstart sends this body"
    assert reasons[-1] == "error F050C with this message: no modelled kickstart"
