"""opt-out and report on the dashboard: per request kind, whether Netdata's opt-out stops it. The v2 dashboard's
telemetry push (v1.43+, v1.47.0:src/web/gui/v2/app.08c9fe3ead1d43ff769b.js module 50876) and privacy check (v1.45+,
7471.f96c4d04a73fb7551c03.chunk.js module 51641) check no opt-out; PostHog, GTM and Sentry follow the hello's
anonymous_statistics (v1.47.0:src/web/gui/v2/index.html: envSettings.tracking)."""

import json

import pytest

from audit.core import optout
from audit.channels.dashboard import generations
from audit.faces.cli import main
from audit.plumbing.system import System


def opted_out(tmp_path, version):
    (tmp_path / optout.OPT_OUT_FILE).write_text("")
    (tmp_path / "netdata.conf").write_text("")
    return optout.evaluate(System(env={}), str(tmp_path), version)


@pytest.mark.parametrize("version, despite", [
    ("v1.43.0", ["telemetry push", "registry frame", "Cloud account check", "code from Cloud on /"]),
    ("v1.47.0", ["telemetry push", "privacy check", "registry frame", "Cloud account check", "code from Cloud on /"]),
    ("v2.5.4", ["telemetry push", "privacy check", "registry frame", "Cloud account check"]),
])
def test_opted_out_v2_dashboard_still_sends_its_push(tmp_path, version, despite):
    dashboard = opted_out(tmp_path, version).components["dashboard"]
    assert dashboard.sends and dashboard.suppressed_by == () and dashboard.opted_out
    assert list(dashboard.sends_despite_opt_out) == despite
    rows = {r.kind: r for r in dashboard.requests}
    assert {k for k, r in rows.items() if not r.sends} == {"posthog", "google-tag-manager", "sentry"}
    assert "labels.machine" in rows["telemetry-push"].carries and "url.full" in rows["telemetry-push"].carries
    assert (rows["telemetry-push"].assumed is not None) is (version == "v2.5.4")


@pytest.mark.parametrize("version", ["v1.37.1", "v1.40.0"])
def test_opted_out_v137_era_dashboard_is_silenced(tmp_path, version):
    v = opted_out(tmp_path, version)
    dashboard = v.components["dashboard"]
    assert not dashboard.sends and dashboard.requests == () and v.channels["dashboard"].sends is False


def test_v142_dashboard_has_no_push_but_loads_its_code_from_cloud(tmp_path):
    dashboard = opted_out(tmp_path, "v1.42.0").components["dashboard"]
    assert "telemetry push" not in dashboard.sends_despite_opt_out
    assert "code from Cloud on /" in dashboard.sends_despite_opt_out


def test_cli_says_plainly_that_the_push_sends_despite_the_opt_out(tmp_path, capsys):
    (tmp_path / optout.OPT_OUT_FILE).write_text("")
    assert main(["opt-out", "--config-dir", str(tmp_path), "--netdata-version", "v1.47.0"]) == 0
    out = capsys.readouterr().out
    assert "  telemetry push         SENDS DESPITE THE OPT-OUT\n" in out
    assert "  privacy check          SENDS DESPITE THE OPT-OUT\n" in out
    assert "  PostHog analytics      off (the opt-out)\n" in out
    assert "note: Opted out, but the dashboard of v1.47.0 still sends its telemetry push, privacy check" in out


def test_json_verdict_and_dashboard_channel(tmp_path, capsys):
    (tmp_path / optout.OPT_OUT_FILE).write_text("")
    main(["opt-out", "--json", "--config-dir", str(tmp_path), "--netdata-version", "v2.11.0"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["channels"]["dashboard"]["sends"] is True
    assert doc["components"]["dashboard"]["sends_despite_opt_out"][:2] == ["telemetry push", "privacy check"]


def test_apply_does_not_claim_to_silence_the_push(tmp_path, capsys):
    (tmp_path / "netdata.conf").write_text("")
    assert main(["opt-out", "--apply", "--config-dir", str(tmp_path), "--netdata-version", "v1.47.0"]) == 0
    out = capsys.readouterr().out
    assert "not silenced: the opt-out does not stop the dashboard's telemetry push, privacy check" in out
    assert (tmp_path / optout.OPT_OUT_FILE).exists()


def test_apply_on_a_v137_agent_has_nothing_left(tmp_path, capsys):
    (tmp_path / "netdata.conf").write_text("")
    main(["opt-out", "--apply", "--config-dir", str(tmp_path), "--netdata-version", "v1.37.1"])
    assert "not silenced" not in capsys.readouterr().out


def test_hello_with_cloud_disabled_skips_the_account_check(httpserver, tmp_path, capsys):
    httpserver.expect_oneshot_request("/api/v1/registry", query_string="action=hello").respond_with_json(
        {"anonymous_statistics": False, "cloud_status": "disabled", "registry": "https://registry.my-netdata.io"})
    main(["opt-out", "--json", "--config-dir", str(tmp_path), "--netdata-version", "v1.47.0",
          "--agent-url", httpserver.url_for("/")])
    rows = {r["kind"]: r for r in json.loads(capsys.readouterr().out)["components"]["dashboard"]["requests"]}
    assert not rows["account-check"]["sends"] and rows["telemetry-push"]["sends"] and not rows["posthog"]["sends"]


def test_every_generation_and_request_is_complete():
    assert [g.name for g in generations.GENERATIONS] == ["v1.37-ui", "v2-early", "v2-bundled", "v2-downloaded"]
    for version, name in (("v1.40.9", "v1.37-ui"), ("v1.41.0", "v2-early"), ("v1.47.5", "v2-bundled"),
                          ("v2.0.0", "v2-downloaded")):
        assert generations.generation_at(version).name == name
    for r in generations.REQUESTS:
        assert r.fields and r.levers and r.source.startswith("v1.47.0:") and r.generations
        assert all(g in {x.name for x in generations.GENERATIONS} for g in r.generations)
    assert [r.kind for r in generations.REQUESTS if not r.stopped_by_opt_out][:2] == ["telemetry-push", "privacy-check"]


def test_the_hello_cloud_base_url_is_the_push_destination(httpserver, tmp_path, capsys):
    httpserver.expect_oneshot_request("/api/v1/registry", query_string="action=hello").respond_with_json(
        {"anonymous_statistics": True, "cloud_base_url": "https://cloud.example.org", "cloud_status": "online"})
    main(["opt-out", "--json", "--config-dir", str(tmp_path), "--netdata-version", "v1.47.0",
          "--agent-url", httpserver.url_for("/")])
    rows = {r["kind"]: r for r in json.loads(capsys.readouterr().out)["components"]["dashboard"]["requests"]}
    assert rows["telemetry-push"]["url"] == "https://cloud.example.org/api/v1/telemetry/push"
    assert rows["privacy-check"]["url"].startswith("https://frankfurt.netdata.rocks/privacy")


def test_report_has_a_row_per_dashboard_request(tmp_path, capsys):
    (tmp_path / optout.OPT_OUT_FILE).write_text("")
    (tmp_path / "netdata.conf").write_text("")
    assert main(["report", "--json", "--config-dir", str(tmp_path), "--netdata-version", "v1.47.0"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    dashboard = doc["channels"]["dashboard"]
    rows = {r["kind"]: r for r in dashboard["requests"]}
    assert rows["telemetry-push"]["sends"] and rows["telemetry-push"]["stopped_by_opt_out"] is False
    assert rows["posthog"]["sends"] is False and rows["posthog"]["stopped_by_opt_out"] is True
    from audit.core import report

    text = "\n".join(report.summary_lines(doc))
    assert "no opt-out stops: telemetry push, privacy check" in text
    verdict = optout.evaluate(System(env={}), str(tmp_path), "v1.47.0").to_json()
    found = report.channel("dashboard", verdict["channels"]["dashboard"], verdict["components"], True, None)
    assert found["state"] == "sends" and found["why"].startswith("sends despite the opt-out: telemetry push, privacy")
