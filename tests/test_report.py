import hashlib
import json

import pytest
from hypothesis import given, strategies as st

from audit.core import report
from audit.plumbing import schemas
from audit.faces.cli import main
from fleet_hosts import CLAIM_TOKEN, HOSTS, build, report_args

HOST_REPORT = "https://telemetry-audit.dev/schemas/host-report.schema.json"


@pytest.fixture
def roots(tmp_path):
    return build(tmp_path / "hosts")


def run(capsys, argv):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def host_report(capsys, name, root, *extra):
    code, out, err = run(capsys, [*report_args(name, root), *extra])
    return code, json.loads(out), err


@pytest.mark.parametrize("name", list(HOSTS))
def test_each_fixture_host_gets_a_valid_document_with_the_expected_verdicts(capsys, roots, name):
    code, doc, err = host_report(capsys, name, roots[name])
    assert err == ""
    assert schemas.problems(doc, HOST_REPORT) == []
    assert doc["format"] == report.FORMAT and doc["version"] == report.VERSION
    assert doc["host"] == name  # the sysroot's /etc/hostname
    states = {c: v["state"] for c, v in doc["channels"].items()}
    assert {c: states[c] for c in HOSTS[name]["expect"]} == HOSTS[name]["expect"]
    assert doc["sends"] == sorted(c for c, s in states.items() if s == "sends")
    assert code == (1 if doc["sends"] else 0)
    assert doc["agent"]["found"] is (HOSTS[name]["version"] is not None)
    assert str(roots[name]) not in json.dumps(doc)  # paths as the host names them


def test_a_claim_token_is_flagged_and_never_copied(capsys, roots):
    _, doc, _ = host_report(capsys, "token-host", roots["token-host"])
    install = doc["install_options"]
    assert install["claim_token"] is True
    assert install["recorded"] == "--stable-channel --claim-token <redacted> --claim-rooms r1"
    assert CLAIM_TOKEN not in json.dumps(doc)


def test_environment_only_opt_out_leaves_the_daemon_disagreeing(capsys, roots):
    _, doc, _ = host_report(capsys, "dnt-only", roots["dnt-only"])
    backend = doc["channels"]["backend"]
    assert backend["by"] == ["DO_NOT_TRACK=1"] and backend["disagreeing"] == ["daemon"]
    assert backend["components"]["daemon"] == {"sends": True, "suppressed_by": []}
    assert any("daemon still counts telemetry as enabled" in n for n in doc["notes"])


def test_env_file_gives_defaults_and_env_overrides_them(capsys, roots):
    (roots["token-host"] / "etc/environment").write_text("# pam_env\nDISABLE_TELEMETRY=1\n")
    _, doc, _ = host_report(capsys, "token-host", roots["token-host"])
    assert doc["channels"]["installer"]["by"] == ["DISABLE_TELEMETRY=1"]
    _, doc, _ = host_report(capsys, "token-host", roots["token-host"], "--env", "DISABLE_TELEMETRY=0")
    assert doc["channels"]["installer"]["state"] == "sends"
    assert doc["channels"]["backend"]["by"] == ["DISABLE_TELEMETRY=0"]


def test_facts_sha256_is_the_hash_of_the_facts_snapshot(capsys, roots):
    root = str(roots["deb-pkg"])
    _, doc, _ = host_report(capsys, "deb-pkg", roots["deb-pkg"])
    code, snapshot, _ = run(capsys, ["facts", "--json", "--root", root, "--netdata-version", "v1.37.1"])
    assert code == 0 and doc["facts_sha256"] == hashlib.sha256(snapshot.encode()).hexdigest()


def test_backend_check_runs_on_start(capsys, roots):
    _, doc, _ = host_report(capsys, "token-host", roots["token-host"])
    check = doc["channels"]["backend"]["check"]
    assert check["event"] == "START" and len(check["sha256"]) == 64
    assert (check["unexpected"], check["identifying"]) == (1, ["email"])  # the builder named in os-release
    odd = [f for f in check["findings"] if not f["expected"]]
    assert [(f["field"], f["text"]) for f in odd] == [("host_os_version", "ops@example.com")]
    _, doc, _ = host_report(capsys, "deb-pkg", roots["deb-pkg"])
    assert doc["channels"]["backend"]["check"]["unexpected"] == 0
    assert doc["channels"]["installer"]["check"]["event"] == "INSTALL_SUCCESS"
    assert doc["channels"]["dashboard"]["check"] is None  # not built: nothing to check


@pytest.mark.parametrize("name", list(HOSTS))
def test_report_checks_exactly_the_bytes_payload_prints(capsys, roots, name):
    """issue 21: the report once checked other bodies than `payload` builds (the installer's distinct_id "null",
    an agent-events body without the host's ids), so a fleet's identifying-data column stayed empty."""
    (roots[name] / "etc/machine-id").write_text("0123456789abcdef0123456789abcdef\n")  # else kickstart's uuidgen
    _, doc, _ = host_report(capsys, name, roots[name])
    version = ["--netdata-version", HOSTS[name]["version"]] if HOSTS[name]["version"] else []
    for channel in ("backend", "installer"):  # agent-events' bodies carry the time they are built
        check = doc["channels"][channel]["check"]
        code, out, _ = run(capsys, ["payload", check["event"], "--channel", channel, "--root", str(roots[name]),
                                    *version])
        assert code == 0 and check["sha256"] == hashlib.sha256(out.encode()).hexdigest(), channel
    installer = doc["channels"]["installer"]["check"]
    assert [f["text"] for f in installer["findings"] if f["field"] == "distinct_id"] == \
        ["machine-" + hashlib.md5(b"0123456789abcdef0123456789abcdef\n").hexdigest()]


def test_summary_without_json(capsys, roots):
    code, out, _ = run(capsys, ["report", "--root", str(roots["token-host"]), "--netdata-version", "v2.5.4"])
    assert code == 1
    assert out.splitlines()[0] == "token-host: Netdata v2.5.4"
    assert "a claim token is recorded in /etc/netdata/.environment (REINSTALL_OPTIONS)" in out
    assert "identifying data in START: email" in out
    assert out.splitlines()[-1] == "sends: agent-events, backend, dashboard, installer"


def test_bad_env_is_a_one_line_usage_error(capsys, roots):
    code, out, err = run(capsys, ["report", "--root", str(roots["bare"]), "--env", "NOEQUALS"])
    assert (code, out) == (2, "")
    assert err == "telemetry-audit: error: --env 'NOEQUALS': expected NAME=VALUE\n"


@pytest.mark.parametrize("options, token", [
    ("--claim-token abc --claim-rooms x", True), ("--claim-token=abc", True), ("--claim-token 'a b'", True),
    ("NETDATA_CLAIM_TOKEN=abc --stable-channel", True), ("--stable-channel --disable-telemetry", False),
])
def test_redact(options, token):
    redacted, found = report.redact(options)
    assert found is token
    assert ("abc" not in redacted and "a b" not in redacted) if token else redacted == options


TOKEN_CHARS = st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters="'\"\x85")


@given(st.text(TOKEN_CHARS, min_size=8),
       st.sampled_from(["--claim-token {}", "--claim-token={}", "NETDATA_CLAIM_TOKEN={}"]),
       st.sampled_from(["", "--stable-channel ", "--nightly-channel --disable-telemetry "]))
def test_no_claim_token_survives_redaction(token, form, before):
    redacted, found = report.redact(before + form.format(token) + " --claim-rooms r1")
    assert found and token not in redacted and redacted.endswith("<redacted> --claim-rooms r1")
