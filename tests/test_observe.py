"""observe-dashboard without a browser: purposes, what a request carries, the report, the saved observation, and the
command's one-line errors."""

import json
import sys

import pytest
from hypothesis import given, strategies as st

from audit import channels
from audit.faces import observe
from audit.plumbing import schemas
from audit.channels import dashboard
from audit.faces.cli import main
from audit.faces.commands.observe import report_lines

GUID = "01239b5e-e90f-11f1-9982-3b0fa50ccf91"
HELLO = {"url": "http://127.0.0.1:19999/api/v1/registry?action=hello", "anonymous_statistics": True, "error": None,
         "machine_guid": GUID, "hostname": "audit-observed-host", "registry": "https://registry.my-netdata.io"}


def request(url: str, body=None, cookie=None) -> dict:
    return {"method": "GET", "url": url, **observe._split(url), "body": body, "cookie": cookie,
            "resource_type": "xhr", "at": 1.0}


def observation(*urls: str, cookie=None) -> dict:
    """Shaped like observe.observe()'s answer (its keys taken from a run against Debian's 1.37.1 dashboard)."""
    attempted = [request(u, cookie=cookie if "registry" in u else None) for u in urls]
    return {"agent_url": "http://127.0.0.1:19999", "browser": "Chromium 156", "hello": dict(HELLO),
            "pages": [{"ui": "dashboard", "url": "http://127.0.0.1:19999/", "loopback_requests": 25,
                       "attempted": attempted, "aborted": len(attempted), "allowed_non_loopback": 0, "seconds": 4.2, "settled": True}],
            "aborted": len(attempted), "allowed_non_loopback": 0, "left_machine": False, "policy": observe.POLICY,
            "observed_at": "2026-11-25T20:40:00Z"}


REGISTRY = f"https://registry.my-netdata.io/api/v1/registry?action=access&machine={GUID}&name=***&url=***"


@pytest.mark.parametrize("host, purpose", [
    ("app.posthog.com", "posthog"), ("posthog.netdata.cloud", "posthog"),
    ("www.googletagmanager.com", "google-tag-manager"), ("registry.my-netdata.io", "registry"),
    ("api.github.com", "version-check"), ("www.googleapis.com", "version-check"),
    ("netdata-news.cdn.prismic.io", "news"), ("app.netdata.cloud", "cloud-sso"),
    ("posthog.com.evil.example", "other"), ("example.org", "other"), ("", "other"),
])
def test_purpose_of_host(host, purpose):
    assert dashboard.purpose_of(host).name == purpose


def test_the_announced_registry_is_the_registry():
    assert dashboard.purpose_of("registry.example.org", "https://registry.example.org").name == "registry"
    assert dashboard.purpose_of("registry.example.org", "https://registry.my-netdata.io").name == "other"


def test_masked_registry_call_carries_the_guid_and_the_cookie():
    hello = dict(HELLO, agent_url="http://127.0.0.1:19999")
    found = dashboard.carries(request(REGISTRY, cookie="netdata_registry_id=x"), hello)
    assert found == ["machine GUID in machine=", "name=*** (masked)", "url=*** (masked)",
                     "the browser's cookie for registry.my-netdata.io (sent with credentials: the person's id)"]


def test_private_registry_call_carries_the_real_name_and_url():
    hello = dict(HELLO, agent_url="http://127.0.0.1:19999")
    url = (f"https://r.example.org/api/v1/registry?action=access&machine={GUID}&name=audit-observed-host"
           "&url=http%3A%2F%2F127.0.0.1%3A19999%2F")
    assert dashboard.carries(request(url), hello) == [
        "machine GUID in machine=", "the real host name in name=", "the real agent URL in url="]


def test_body_with_the_guid_is_flagged():
    hello = dict(HELLO, agent_url="http://127.0.0.1:19999")
    found = dashboard.carries(request("https://app.posthog.com/e/", body=f'{{"distinct_id": "{GUID}"}}'), hello)
    assert found == ["machine GUID in the body"]
    assert dashboard.carries(request("https://api.github.com/repos/netdata/netdata/releases/latest"), hello) == []


def test_report_groups_by_purpose_and_says_nothing_left():
    o = dashboard.annotate(observation("https://app.posthog.com/static/array.js", REGISTRY,
                                       "https://api.github.com/repos/netdata/netdata/releases/latest",
                                       cookie="netdata_registry_id=x"))
    lines = report_lines(o)
    assert lines[1].startswith(f"agent hello: anonymous_statistics=true (machine GUID {GUID}")
    titles = [line for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert [t.split(" (")[0].strip() for t in titles[1:]] == ["PostHog analytics", "registry", "version check"]
    assert f"    GET registry.my-netdata.io/api/v1/registry?action=access&machine={GUID}&name=***&url=***" in lines
    assert lines[-1] == ("nothing left this machine: 3 requests aborted before they were sent, "
                         "0 non-loopback requests allowed (names resolve only on loopback; service workers blocked)")


def test_summary_line():
    assert "not observed yet" in dashboard.summary(None)
    o = dashboard.annotate(observation("https://app.posthog.com/static/array.js", REGISTRY))
    assert dashboard.summary(o) == ("observed 2026-11-25T20:40:00Z (anonymous_statistics=true): 2 attempts beyond "
                                    "the agent (PostHog analytics, registry), none left this machine")


def test_saved_observation_is_the_channels_last_result(tmp_path):
    assert channels.channel("dashboard").last_observation() is None
    o = observation(REGISTRY)
    path = observe.save(o)
    assert path == tmp_path / "xdg-state" / "telemetry-audit" / "dashboard-observation.json"
    assert channels.channel("dashboard").last_observation() == o
    assert channels.channel("backend").last_observation() is None
    path.write_text("{not json")
    assert observe.last() is None
    path.write_text('{"agent_url": "http://127.0.0.1:19999"}')
    assert observe.last() is None


def test_dashboard_channel_documents_the_posthog_properties():
    ch = channels.channel("dashboard")
    assert not ch.built
    assert [name for name, _, _ in ch.documented] == ["distinct_id", "$ip", "$current_url", "$pathname", "$host"]


@given(st.ip_addresses())
def test_only_loopback_addresses_count_as_loopback(address):
    host = f"[{address}]" if address.version == 6 else str(address)
    assert observe.is_loopback(f"http://{host}:19999/") == address.is_loopback


@pytest.mark.parametrize("url", ["http://localhost:19999/", "http://127.0.0.2/", "http://[::1]:19999/old/"])
def test_loopback_names(url):
    assert observe.is_loopback(url)


@pytest.mark.parametrize("url", ["http://10.0.0.1:19999", "https://registry.my-netdata.io", "ftp://127.0.0.1/",
                                 "localhost:19999", "http://localhost.example.org/"])
def test_observe_refuses_agents_off_loopback(url, capsys):
    assert main(["observe-dashboard", "--agent-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("telemetry-audit: error: --agent-url must be an http(s) URL on loopback")
    assert err.count("\n") == 1


def test_missing_driver_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    assert main(["observe-dashboard", "--agent-url", "http://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err == (
        "telemetry-audit: error: the dashboard driver is not installed: pip install 'telemetry-audit[dashboard]'\n")


def test_annotated_observation_matches_its_schema():
    o = dashboard.annotate(observation(REGISTRY, "https://app.posthog.com/static/array.js"))
    assert schemas.validator(observe.OBSERVATION_SCHEMA).is_valid(json.loads(json.dumps(o)))
    o["pages"][0]["attempted"][0]["purpose"] = "tracking"
    assert not schemas.validator(observe.OBSERVATION_SCHEMA).is_valid(o)


def test_unreachable_agent_is_a_network_error(monkeypatch, capsys):
    monkeypatch.setattr(observe, "_driver", lambda: None)
    assert main(["observe-dashboard", "--agent-url", "http://127.0.0.1:9", "--chromium", sys.executable]) == 3
    assert capsys.readouterr().err == (
        "telemetry-audit: error: could not ask the agent: connection refused by "
        "http://127.0.0.1:9/api/v1/registry?action=hello\n")


def test_missing_chromium_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(observe, "_driver", lambda: None)
    assert main(["observe-dashboard", "--agent-url", "http://127.0.0.1:9", "--chromium", "/nonexistent"]) == 2
    assert capsys.readouterr().err == (
        "telemetry-audit: error: no Chromium at /nonexistent (Debian: apt-get install chromium)\n")


def test_agent_whose_hello_is_not_json(httpserver, monkeypatch, capsys):
    monkeypatch.setattr(observe, "_driver", lambda: None)
    monkeypatch.setattr(observe.transport, "agent_hello",
                        lambda url: {"url": url, "anonymous_statistics": None, "error": None})
    httpserver.expect_request("/api/v1/registry").respond_with_data("<html>")
    url = httpserver.url_for("/").rstrip("/")
    assert main(["observe-dashboard", "--agent-url", url, "--chromium", sys.executable]) == 3
    assert capsys.readouterr().err == (
        f"telemetry-audit: error: {url} did not answer its registry hello with a JSON object\n")


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon", "601"])
def test_settle_and_limit_must_be_a_sane_number_of_seconds(value, capsys):
    for option in ("--settle", "--limit"):
        with pytest.raises(SystemExit) as exit_:
            main(["observe-dashboard", "--agent-url", "http://127.0.0.1:9", option, value])
        assert exit_.value.code == 2
        assert "is not a number of seconds between 0 and 600" in capsys.readouterr().err


def test_report_shows_the_push_check_and_the_decrypted_privacy_check():
    from audit.channels.dashboard import privacy, push

    body = push.wire(push.Impression(GUID, "http://127.0.0.1:19999", "audit-observed-host")).decode()
    key = bytes(range(32))  # the bundle's, as observe-dashboard reads it from --dashboard-dir
    data = privacy.encode(GUID, "http://127.0.0.1:19999", key)
    o = observation(f"https://frankfurt.netdata.rocks/privacy?data={data}")
    o["pages"][0]["attempted"].insert(0, dict(request("https://app.netdata.cloud/api/v1/telemetry/push", body=body),
                                              method="POST"))
    from audit.core import dashboard as with_checks  # annotate plus what check finds inside each request

    lines = report_lines(with_checks.annotate(o, key))
    assert "  telemetry push (v2 dashboard) (POSTs the machine GUID, the agent's URL (host and port), the person " \
           "GUID and the view)" in lines
    assert f"      check: labels.machine: machine-guid (exact), sensitivity identifier, UNEXPECTED: {GUID}" in lines
    assert f'      decrypted: {{"machine_guid": "{GUID}", "url": "http://127.0.0.1:19999"}}' in lines
    assert schemas.validator(observe.OBSERVATION_SCHEMA).is_valid(o)
