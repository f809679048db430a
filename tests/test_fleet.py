import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit.core import fleet
from audit.faces import fleetview
from audit.faces.cli import main
from fleet_hosts import CLAIM_ID, HOSTS, build, report_args


@pytest.fixture
def reports(tmp_path, capsys):
    """The five fixture hosts' documents, as `report --json` writes them, in one directory."""
    roots = build(tmp_path / "hosts")
    out = tmp_path / "reports"
    out.mkdir()
    for name, root in roots.items():
        main(report_args(name, root))
        (out / f"{name}.json").write_text(capsys.readouterr().out)
    return out


def run(capsys, argv):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_fleet_json_names_exactly_the_hosts_that_send_and_why(capsys, reports):
    code, out, err = run(capsys, ["fleet", str(reports), "--json"])
    tally = json.loads(out)
    assert (code, err) == (1, "")
    assert tally["documents"] == 5 and tally["errors"] == []
    sending = {name: set(c["sending_hosts"]) for name, c in tally["channels"].items()}
    expected = {c: {h for h, spec in HOSTS.items() if spec["expect"].get(c) == "sends"} for c in sending}
    assert sending == expected
    assert sending["backend"] == {"token-host"}
    assert tally["hosts_sending"] == len(set().union(*sending.values()))
    installer = tally["channels"]["installer"]
    assert {r["why"]: set(r["hosts"]) for r in installer["reasons"]} == {
        "nothing stops it: /etc/netdata/.opt-out-from-anonymous-statistics absent; DISABLE_TELEMETRY unset; "
        "DO_NOT_TRACK unset": {"token-host"}}
    assert [c["host"] for c in tally["claim_tokens"]] == ["token-host"]
    assert tally["identifying"] == [{"host": "token-host", "found": [
        {"channel": "backend", "sends": True, "event": "START", "kinds": ["email"]},
        {"channel": "agent-events", "sends": True, "event": "no last status", "kinds": ["email"]},
        # the recorded kickstart command line the installer body carries (issue 21: the report once built another)
        {"channel": "installer", "sends": True, "event": "INSTALL_SUCCESS",
         "kinds": ["claim-option", "claim-token", "email"]}]}]
    claimed = tally["channels"]["agent-events"]["reasons"]
    assert [r["why"] for r in claimed if r["hosts"] == ["cloud-claimed"]] == [
        f"sends by default: crash reports unset: default all; claim_id {CLAIM_ID} in the saved status"]
    assert list(tally["versions"]) == ["v1.37.1", "v1.43.0", "v2.5.4", "v2.11.0", "no agent"]


def test_fleet_text_and_markdown_tables(capsys, reports):
    code, out, _ = run(capsys, ["fleet", str(reports)])
    assert code == 1
    assert out.splitlines()[0] == "5 host reports: 3 hosts still send"
    assert "backend       1 of 5      token-host: nothing stops it" in out
    assert "  token-host: claim token recorded in /etc/netdata/.environment (REINSTALL_OPTIONS)" in out
    assert "  token-host: backend START carries email (sends)" in out
    code, out, _ = run(capsys, ["fleet", str(reports), "--markdown"])
    assert "| backend | 1 of 5 | token-host | nothing stops it:" in out


def test_html_is_self_contained_sortable_and_escaped(capsys, reports):
    doc = json.loads((reports / "bare.json").read_text())
    doc["host"] = "<script>alert(1)</script>"
    (reports / "bare.json").write_text(json.dumps(doc))
    code, page, _ = run(capsys, ["fleet", str(reports), "--html"])
    assert code == 1
    assert page.startswith("<!DOCTYPE html>") and '<table class="sortable">' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for remote in ("http://", "https://", "<link", "src=", "@import", "url("):
        assert remote not in page
    assert page.count("<script>") == 1  # the inline sorter only


def test_bad_documents_are_listed_never_dropped(capsys, reports, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.json").write_text('{"format": ')
    (bad / "foreign.json").write_text('{"format": "telemetry-audit-facts", "version": 1, "facts": {}}')
    (bad / "list.json").write_text("[1, 2]")
    (bad / "binary.json").write_bytes(b"\x80garbage")
    doc = json.loads((reports / "deb-pkg.json").read_text())
    (bad / "future.json").write_text(json.dumps({**doc, "version": 99}))
    doc["channels"]["backend"]["sends"] = "no"
    (bad / "invalid.json").write_text(json.dumps(doc))
    (bad / "notes.txt").write_text("not a report, not read")
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(capsys, ["fleet", str(bad), str(empty), str(tmp_path / "missing"), "--json"])
    assert (code, err) == (2, "")
    errors = {e["path"].rsplit("/", 1)[-1]: e["error"] for e in json.loads(out)["errors"]}
    assert errors == {
        "binary.json": "not valid JSON (not UTF-8 (byte 0x80 at offset 0))",
        "broken.json": "not valid JSON (Expecting value at line 1 column 12)",
        "foreign.json": 'foreign document ("format": "telemetry-audit-facts"): not a telemetry-audit host report',
        "future.json": "host report version 99 is not supported (expected 1; use the telemetry-audit that wrote it)",
        "invalid.json": "does not match host-report.schema.json: /channels/backend/sends: 'no' is not of type "
                        "'boolean'",
        "list.json": "foreign document (a JSON list): not a telemetry-audit host report",
        "empty": "no *.json host reports in this directory",
        "missing": "no such file or directory",
    }


def test_exit_0_when_no_host_sends(capsys, reports):
    code, out, _ = run(capsys, ["fleet", str(reports / "bare.json")])
    assert code == 0 and out.splitlines()[0] == "1 host report: no host sends"


def test_identifying_data_and_duplicate_names(reports):
    doc = json.loads((reports / "token-host.json").read_text())
    doc["channels"]["backend"]["check"].update(unexpected=1, identifying=["hostname"])
    doc["channels"]["agent-events"]["check"].update(unexpected=0, identifying=[])
    doc["channels"]["installer"]["check"].update(unexpected=0, identifying=[])
    tally = fleet.Fleet(rows=[])
    tally.add(doc, "a.json")
    tally.add(doc, "b.json")
    assert [i["host"] for i in tally.identifying] == ["token-host", "token-host (b.json)"]
    assert tally.identifying[0]["found"] == [{"channel": "backend", "sends": True, "event": "START",
                                              "kinds": ["hostname"]}]
    assert "token-host: backend START carries hostname (sends)" in fleetview.text(tally)
    assert [r.identifying for r in tally.rows] == ["backend: hostname"] * 2


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_json_is_a_report_or_a_reason(value):
    assert fleet.problem(value) is not None  # nothing this small is a report, and nothing raises


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())  # the fixture is only read: each example parses its own copy
def test_any_value_anywhere_is_tallied_or_listed_never_a_crash(reports, data):
    doc = json.loads((reports / "token-host.json").read_text())
    node = doc
    while True:
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        child = node[key]
        if not (isinstance(child, (dict, list)) and child) or data.draw(st.booleans()):
            node[key] = data.draw(JSON)
            break
        node = child
    if fleet.problem(doc) is None:
        tally = fleet.Fleet(rows=[])
        tally.add(doc, "x.json")
        fleetview.html(tally), fleetview.text(tally), fleetview.markdown(tally), json.dumps(tally.to_json())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())  # the fixture is only read: each example parses its own copy
def test_a_report_missing_any_field_is_a_reason_not_a_crash(reports, data):
    doc = json.loads((reports / "dnt-only.json").read_text())
    path = []
    node = doc
    while isinstance(node, dict) and node:
        key = data.draw(st.sampled_from(sorted(node)))
        path.append(key)
        if data.draw(st.booleans()) or not isinstance(node[key], dict):
            del node[key]
            break
        node = node[key]
    reason = fleet.problem(doc)
    if reason is None:  # an optional field: the tally must still take it
        fleet.Fleet().add(doc, "x.json")
    else:
        assert reason.startswith(("does not match", "foreign", "host report version"))


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None or shutil.which("unshare") is None or os.geteuid() != 0,
                    reason="needs root, chromium (apt-get install chromium) and `unshare -n` (util-linux): a "
                           "browser with no network at all")
def test_html_sorts_in_a_real_browser_without_network(capsys, reports, tmp_path):
    """Chromium in a network namespace of its own (so nothing can be fetched): click the version header twice."""
    _, page, _ = run(capsys, ["fleet", str(reports), "--html"])
    click = ("<script>var th = document.querySelectorAll('table.sortable')[0].querySelectorAll('th');"
             "th[1].click(); th[1].click();</script>")
    (tmp_path / "fleet.html").write_text(page.replace("</body>", click + "</body>"))
    done = subprocess.run(["unshare", "-n", CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--dump-dom", (tmp_path / "fleet.html").as_uri()], capture_output=True, text=True,
                          timeout=120)
    hosts_table = done.stdout.split("<h2>Hosts</h2>")[1].split("</table>")[0]
    versions = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", hosts_table)
    assert versions == ["v2.11.0", "v2.5.4", "v1.43.0", "v1.37.1", "no agent"]
    assert 'class="desc"' in hosts_table


def test_an_assumed_version_is_marked_and_explained(capsys, reports):
    doc = json.loads((reports / "token-host.json").read_text())
    doc["agent"]["version"] = {"value": "v2.5.4", "observed": False, "source": "default"}  # report under --root
    (reports / "token-host.json").write_text(json.dumps(doc))
    code, out, _ = run(capsys, ["fleet", str(reports), "--json"])
    assert list(json.loads(out)["versions"]) == ["v1.37.1", "v1.43.0", "v2.5.4 (assumed)", "v2.11.0", "no agent"]
    code, out, _ = run(capsys, ["fleet", str(reports)])
    assert "v2.5.4 (assumed): 1" in out and "did not observe the agent's version" in out
    code, page, _ = run(capsys, ["fleet", str(reports), "--html"])
    assert "<td>v2.5.4 (assumed)</td>" in page


def test_reports_with_the_same_host_name_are_flagged(capsys, reports, tmp_path):
    copies = tmp_path / "copies"
    copies.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(reports / "token-host.json", copies / f"{name}.json")
    code, out, _ = run(capsys, ["fleet", str(copies), "--json"])
    assert json.loads(out)["duplicates"] == [{"host": "token-host",
                                              "reports": [str(copies / f"{n}.json") for n in "abc"]}]
    code, out, _ = run(capsys, ["fleet", str(copies)])
    assert f"  token-host: {copies}/a.json, {copies}/b.json, {copies}/c.json" in out
    assert "host names in more than one report" in out
    code, out, _ = run(capsys, ["fleet", str(copies), "--markdown"])
    assert "## Host names in more than one report" in out and f"| token-host | {copies}/a.json, " in out
    code, out, _ = run(capsys, ["fleet", str(reports), "--json"])
    assert json.loads(out)["duplicates"] == []


def test_a_device_or_fifo_is_refused_as_such_not_read(capsys, tmp_path):
    code, out, _ = run(capsys, ["fleet", "/dev/zero", "--json"])
    assert code == 2 and json.loads(out)["errors"] == [
        {"path": "/dev/zero", "error": "cannot read (a character device; only regular files are read)"}]
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # nothing ever writes to it: reading it would wait forever
    done = subprocess.run([sys.executable, "-m", "audit", "fleet", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "fifo.json: cannot read (a FIFO; only regular files are read)" in done.stdout

