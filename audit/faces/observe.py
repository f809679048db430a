"""Open an agent's dashboards in a real headless Chromium and record every request the page attempts beyond the agent.

Nothing may leave the machine: the browser resolves no name but loopback, every request passes an interceptor that
aborts the non-loopback ones before they are sent, service workers are blocked (so no request bypasses the
interceptor), and the browser's own background traffic is switched off. The driver (Playwright's Python package)
is an optional extra; it drives the system's Chromium and downloads no browser.
"""

import json
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from audit.plumbing import transport
from audit.plumbing.errors import AuditError, Exit

CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "the dashboard driver is not installed: pip install 'telemetry-audit[dashboard]'"

# The views opened: Debian's 1.37.1 serves the React dashboard at / and dashboard.js at /old/ (always opened, as
# before); v1.41-v1.47 also the v1.37-era dashboard at /v1/ and the v2 dashboard at /v2/, opened when the agent serves
# them as pages of their own. The v2 dashboard's URL-hash error view pushes at once, without waiting for a person
# GUID (v1.47.0:src/web/gui/v2/3621.01ee70ee9c311ac163d9.chunk.js: feature "url-hash-error").
UIS = (("dashboard", "/"), ("old dashboard.js UI", "/old/"))
PROBED_UIS = (("v1 dashboard", "/v1/"), ("v2 dashboard", "/v2/"),
              ("v2 dashboard, URL-hash error", "/v2/#error_msg_key=ErrUnauthenticated&error_msg=observer"))

BROWSER_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost, EXCLUDE [::1]",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check", "--metrics-recording-only",
    "--no-pings", "--dns-prefetch-disable", "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
)

# A marker cookie planted for the registry the agent announces: if a request carries it, the person's registry
# cookie (their id at the registry) travels the same way.
REGISTRY_COOKIE = ("netdata_registry_id", "observer-marker-cookie")

POLICY = {
    "resolver": BROWSER_ARGS[0].split("=", 1)[1],
    "interceptor": "every request of the page; non-loopback ones aborted before they are sent",
    "service_workers": "blocked (their requests would bypass the interceptor)",
    "browser_flags": list(BROWSER_ARGS[1:]),
    "profile": "fresh, deleted afterwards",
}

SETTLE_SECONDS = 3.0
CODE = ("document", "script", "stylesheet")  # loopback requests that count as the page still starting
LIMIT_SECONDS = 30.0


def is_loopback(url: str) -> bool:
    from audit.faces.capture import is_loopback as loopback_host

    return loopback_host(urlsplit(url).hostname or "")


def is_network(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https", "ws", "wss", "ftp")


def require_loopback_agent(agent_url: str) -> str:
    if urlsplit(agent_url).scheme not in ("http", "https") or not is_loopback(agent_url):
        raise AuditError(f"--agent-url must be an http(s) URL on loopback (127.0.0.1, ::1, localhost), "
                         f"not {agent_url!r}: observation never leaves this machine")
    return agent_url.rstrip("/")


def observe(agent_url: str, settle: float = SETTLE_SECONDS, limit: float = LIMIT_SECONDS,
            chromium: str = CHROMIUM) -> dict:
    """Ask the agent its registry hello, then open each UI; return the observation as a JSON-able document."""
    agent_url = require_loopback_agent(agent_url)
    sync_playwright = _driver()
    if not Path(chromium).exists():
        raise AuditError(f"no Chromium at {chromium} (Debian: apt-get install chromium)")
    hello = transport.agent_hello(agent_url)
    if hello["error"]:
        raise AuditError(f"could not ask the agent: {hello['error']}", Exit.NETWORK)
    hello.update(_hello_identity(agent_url))
    pages = []
    with tempfile.TemporaryDirectory(prefix="telemetry-audit-chromium-") as profile, sync_playwright() as p:
        browser = _launch(p, profile, chromium)
        try:
            _plant_registry_cookie(browser, hello["registry"])
            version = browser.browser.version if browser.browser else "chromium"
            for ui, path in served_views(agent_url):
                pages.append(_observe_page(browser, ui, agent_url + path, settle, limit))
        finally:
            browser.close()
    aborted = sum(p["aborted"] for p in pages)
    return {"agent_url": agent_url, "browser": f"Chromium {version}", "hello": hello, "pages": pages,
            "aborted": aborted, "allowed_non_loopback": sum(p["allowed_non_loopback"] for p in pages),
            "left_machine": any(p["allowed_non_loopback"] for p in pages), "policy": POLICY,
            "observed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def served_views(agent_url: str) -> list[tuple[str, str]]:
    """UIS, and each of PROBED_UIS the agent serves as a page of its own (not its root page again): one loopback
    GET each."""
    import requests

    def page(path: str) -> bytes | None:
        try:
            r = requests.get(agent_url + path, timeout=2, allow_redirects=False)
        except requests.exceptions.RequestException:
            return None
        return r.content if r.status_code == 200 else None

    root = page("/")
    own = {path: body is not None and body != root for path, body in
           ((p, page(p)) for p in dict.fromkeys(path.split("#")[0] for _, path in PROBED_UIS))}
    return list(UIS) + [(ui, path) for ui, path in PROBED_UIS if own[path.split("#")[0]]]


def _launch(playwright, profile: str, chromium: str):
    from playwright.sync_api import Error

    try:
        return playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=list(BROWSER_ARGS) + _sandbox_args(),
            service_workers="block")
    except Error as e:
        raise AuditError(f"{chromium} did not start: {str(e).splitlines()[0]}") from None


def _plant_registry_cookie(context, registry_url: str | None) -> None:
    host = urlsplit(registry_url or "").hostname
    if host and not is_loopback(registry_url):
        context.add_cookies([{"name": REGISTRY_COOKIE[0], "value": REGISTRY_COOKIE[1], "domain": host, "path": "/",
                              "secure": True, "sameSite": "None"}])


def _driver():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise AuditError(INSTALL_HINT) from None
    return sync_playwright


def _sandbox_args() -> list[str]:
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def _hello_identity(agent_url: str) -> dict:
    """The agent's machine GUID and host name, to recognise them in what the page sends."""
    import requests

    try:
        document = requests.get(agent_url + "/api/v1/registry?action=hello", timeout=2, allow_redirects=False).json()
    except (requests.exceptions.RequestException, ValueError):
        document = None
    if not isinstance(document, dict):
        raise AuditError(f"{agent_url} did not answer its registry hello with a JSON object", Exit.NETWORK)
    return {"machine_guid": document.get("machine_guid"), "hostname": document.get("hostname"),
            "registry": document.get("registry")}


def _observe_page(context, ui: str, url: str, settle: float, limit: float) -> dict:
    page = context.new_page()
    record = {"ui": ui, "url": url, "loopback_requests": 0, "attempted": [], "aborted": 0, "allowed_non_loopback": 0,
              "other_failures": []}
    started = time.monotonic()
    last = [started]

    def intercept(route):
        request = route.request
        if not _beyond(request.url):
            record["loopback_requests"] += is_network(request.url)
            if request.resource_type in CODE:  # still loading its code: what it sends comes after
                last[0] = time.monotonic()
            route.continue_()
            return
        last[0] = time.monotonic()
        record["attempted"].append(_describe(request, last[0] - started))
        route.abort("blockedbyclient")

    def failed(request):  # the browser's own account, independent of our list
        if _beyond(request.url) and "ERR_BLOCKED_BY_CLIENT" in (request.failure or ""):
            record["aborted"] += 1
        elif _beyond(request.url):  # e.g. ERR_ABORTED: the page navigated while the request waited for us
            record["other_failures"].append(request.failure or "unknown")

    def answered(response):
        if _beyond(response.url):
            record["allowed_non_loopback"] += 1

    page.on("requestfailed", failed)
    page.on("response", answered)
    page.route("**/*", intercept)
    page.route_web_socket("**/*", lambda ws: _websocket(ws, record, started, last))
    try:
        page.goto(url, wait_until="load", timeout=limit * 1000)
    except Exception as e:  # the driver's own error types; a page that never loads is still reported
        record["load_error"] = str(e).splitlines()[0]
    last[0] = max(last[0], time.monotonic())  # settling counts from the load or the last attempt, whichever is later
    while time.monotonic() - last[0] < settle and time.monotonic() - started < limit:
        page.wait_for_timeout(250)
    record["seconds"] = round(time.monotonic() - started, 1)
    record["settled"] = time.monotonic() - last[0] >= settle
    page.close()
    return record


def _beyond(url: str) -> bool:
    return is_network(url) and not is_loopback(url)


def _websocket(ws, record: dict, started: float, last: list) -> None:
    if is_loopback(ws.url):
        ws.connect_to_server()
        return
    last[0] = time.monotonic()
    record["attempted"].append({"method": "WEBSOCKET", "url": ws.url, **_split(ws.url), "body": None,
                                "cookie": None, "resource_type": "websocket", "at": round(last[0] - started, 2)})
    record["aborted"] += 1
    ws.close()


def _describe(request, at: float) -> dict:
    headers = request.headers
    return {"method": request.method, "url": request.url, **_split(request.url), "body": request.post_data,
            "cookie": headers.get("cookie"), "resource_type": request.resource_type, "at": round(at, 2)}


def _split(url: str) -> dict:
    parts = urlsplit(url)
    return {"host": parts.hostname, "path": parts.path, "query": parse_qs(parts.query, keep_blank_values=True)}


def state_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "telemetry-audit" / "dashboard-observation.json"


def save(observation: dict) -> Path:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(observation, indent=2, ensure_ascii=False) + "\n")
    return path


OBSERVATION_SCHEMA = "https://telemetry-audit.dev/schemas/dashboard-observation.schema.json"


def last() -> dict | None:
    """The last saved observation, or None when there is none (or it is unreadable or not an observation)."""
    from audit.plumbing import schemas

    from audit.plumbing import inputs

    try:
        document = inputs.load_json(state_path().read_bytes(), "observation")
    except (OSError, AuditError):
        return None
    return document if schemas.validator(OBSERVATION_SCHEMA).is_valid(document) else None
