"""observe-dashboard with a real headless Chromium: against a small page of our own, and against Debian's packaged
Netdata 1.37.1 daemon and dashboard (opted out and not). Every browser here runs in a network namespace that has only
loopback, so even a request that slipped past the interceptor could not leave the machine; the tests assert that
none slipped: every request beyond the agent was aborted by the browser before it was sent.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import netdata_daemon
from audit.faces import observe
from audit.plumbing import schemas

GUID = "11111111-2222-3333-4444-555555555555"


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the dashboard extra (playwright) is not installed: pip install -e '.[dashboard]'"
    if not Path(observe.CHROMIUM).exists():
        return f"no Chromium at {observe.CHROMIUM} (Debian: apt-get install chromium)"
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return ("the browser runs in a loopback-only network namespace: needs root, unshare (util-linux) and ip "
                "(iproute2)")
    return None


pytestmark = pytest.mark.skipif(_browser_missing() is not None, reason=str(_browser_missing()))

OBSERVE = [sys.executable, "-m", "audit", "observe-dashboard", "--json"]

PAGE = f"""<!doctype html><title>fixture</title><img src="/local.png">
<script>
fetch("https://analytics.example.test/capture?machine={GUID}", {{method: "POST", body: '{{"distinct_id": "{GUID}"}}'}});
fetch("https://registry.my-netdata.io/api/v1/registry?action=access&machine={GUID}&name=***&url=***",
      {{credentials: "include"}});
setTimeout(() => {{ new Image().src = "https://late.example.test/pixel.gif?after=1000ms"; }}, 1000);
</script>"""

SERVE_AND_OBSERVE = """
import http.server, json, subprocess, sys, threading
page, hello, observe_cmd, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
seen = []
class Agent(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        seen.append(self.path)
        body, kind = (hello, "application/json") if self.path.startswith("/api/v1/registry") else \\
                     (page, "text/html") if not self.path.endswith(".png") else ("", "image/png")
        self.send_response(200); self.send_header("Content-Type", kind); self.end_headers()
        self.wfile.write(body.encode())
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Agent)
threading.Thread(target=server.serve_forever, daemon=True).start()
agent = f"http://127.0.0.1:{server.server_port}"
r = subprocess.run(observe_cmd + ["--agent-url", agent], capture_output=True, text=True)
json.dump({"rc": r.returncode, "stdout": r.stdout, "stderr": r.stderr, "seen": seen}, open(out, "w"))
"""


def in_loopback_netns(command: list[str]) -> list[str]:
    return ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]


def test_fixture_page_every_request_beyond_the_agent_is_listed_and_aborted(tmp_path):
    hello = json.dumps({"machine_guid": GUID, "hostname": "fixture-host", "anonymous_statistics": True,
                        "registry": "https://registry.my-netdata.io"})
    script = tmp_path / "serve_and_observe.py"
    script.write_text(SERVE_AND_OBSERVE)
    out = tmp_path / "out.json"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]))
    subprocess.run(in_loopback_netns([sys.executable, str(script), PAGE, hello, json.dumps(OBSERVE + ["--settle", "3"]),
                                      str(out)]), check=True, timeout=60, env=env)
    result = json.loads(out.read_text())
    assert result["rc"] == 0, result["stderr"]
    o = json.loads(result["stdout"])
    page = o["pages"][0]
    by_url = {r["url"]: r for r in page["attempted"]}
    capture = by_url[f"https://analytics.example.test/capture?machine={GUID}"]
    assert (capture["method"], capture["body"], capture["purpose"]) == ("POST", f'{{"distinct_id": "{GUID}"}}', "other")
    assert capture["carries"] == ["machine GUID in machine=", "machine GUID in the body"]
    registry = by_url[f"https://registry.my-netdata.io/api/v1/registry?action=access&machine={GUID}&name=***&url=***"]
    assert registry["cookie"] == "netdata_registry_id=observer-marker-cookie"
    assert "https://late.example.test/pixel.gif?after=1000ms" in by_url  # the page was let settle
    assert page["settled"] and page["loopback_requests"] >= 2
    assert o["aborted"] == sum(len(p["attempted"]) for p in o["pages"]) == 6 and o["allowed_non_loopback"] == 0
    assert "/local.png" in result["seen"]
    saved = result["stderr"].split("saved the observation to ")[1].strip()
    assert json.loads(Path(saved).read_text()) == o


CASES = {
    "not opted out": dict(opted_out=False),
    "opted out": dict(opted_out=True),
    "private registry": dict(opted_out=False, extra_conf="[registry]\n    registry to announce = "
                                                         "https://registry.example.org\n"),
}


@pytest.fixture(scope="module", params=list(CASES))
def observed(request, tmp_path_factory):
    """(case, observation, what the daemon's statistics script tried to send, the namespace's interfaces)."""
    reason = netdata_daemon.missing()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("netdata")
    daemon = netdata_daemon.start(tmp, **CASES[request.param])
    try:
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]), XDG_STATE_HOME=str(tmp / "state"))
        r = subprocess.run(daemon.in_netns() + OBSERVE + ["--agent-url", daemon.url], capture_output=True, text=True,
                           timeout=80, env=env)
        links = subprocess.run(daemon.in_netns() + ["ip", "-o", "link"], capture_output=True, text=True).stdout
    finally:
        daemon.stop()
    assert r.returncode == 0, r.stderr
    return request.param, json.loads(r.stdout), daemon.script_sends(), links


def attempted(o: dict, ui: str) -> dict[str, list[dict]]:
    page = next(p for p in o["pages"] if p["ui"] == ui)
    groups: dict[str, list[dict]] = {}
    for r in page["attempted"]:
        groups.setdefault(r["purpose"], []).append(r)
    return groups


def test_nothing_left_the_machine(observed):
    _, o, sends, links = observed
    assert schemas.validator(observe.OBSERVATION_SCHEMA).is_valid(o)
    assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"]
    every = [r for p in o["pages"] for r in p["attempted"]]
    assert every and o["aborted"] == len(every) and o["allowed_non_loopback"] == 0 and not o["left_machine"]
    assert all(p["aborted"] == len(p["attempted"]) for p in o["pages"])  # the browser's count matches our list
    assert not any(observe.is_loopback(r["url"]) for r in every)
    # the daemon's own statistics script reached only the curl stand-in
    assert all(cmd[0].endswith("/stub/curl") and cmd[-1] == "https://posthog.netdata.cloud/capture/" for cmd in sends)


def test_the_new_dashboard(observed):
    case, o, _, _ = observed
    guid = o["hello"]["machine_guid"]
    groups = attempted(o, "dashboard")
    assert o["hello"]["anonymous_statistics"] is (case != "opted out")
    if case == "opted out":
        assert "posthog" not in groups
    else:
        assert [(r["host"], r["path"]) for r in groups["posthog"]] == [("app.posthog.com", "/static/array.js")]
    assert {(r["host"], r["path"]) for r in groups["version-check"]} == {
        ("api.github.com", "/repos/netdata/netdata/releases/latest")}
    assert {(r["host"], r["path"]) for r in groups["news"]} == {("netdata-news.cdn.prismic.io", "/api/v2")}
    [registry] = groups["registry"]
    assert registry["query"]["action"] == ["access"] and registry["query"]["machine"] == [guid]
    assert "machine GUID in machine=" in registry["carries"]
    assert registry["cookie"] == "netdata_registry_id=observer-marker-cookie"
    if case == "private registry":
        assert registry["host"] == "registry.example.org"
        assert (registry["query"]["name"], registry["query"]["url"]) == (
            [netdata_daemon.HOSTNAME], [f"{o['agent_url']}/"])
    else:
        assert registry["host"] == "registry.my-netdata.io"
        assert (registry["query"]["name"], registry["query"]["url"]) == (["***"], ["***"])
    assert set(groups) <= {"posthog", "registry", "version-check", "news"}


def test_the_old_dashboard_js_ui(observed):
    case, o, _, _ = observed
    guid = o["hello"]["machine_guid"]
    groups = attempted(o, "old dashboard.js UI")
    assert ("google-tag-manager" in groups) is (case != "opted out")
    assert "posthog" not in groups
    [registry] = groups["registry"]
    masked = case != "private registry"
    assert (registry["query"]["name"] == ["***"]) is masked and (registry["query"]["url"] == ["***"]) is masked
    assert [r["query"]["id"] for r in groups["cloud-sso"]] == [[guid]]
    assert {r["path"] for r in groups["version-check"]} == {"/repos/netdata/netdata/releases/latest"}


def test_the_statistics_script_follows_the_opt_out(observed):
    case, _, sends, _ = observed
    events = [json.loads(textwrap.dedent("\n".join(cmd[cmd.index("-d") + 1:-1])))["event"] for cmd in sends]
    assert ("START -" in events) is (case != "opted out")
