"""The only network code: one POST of the exact payload bytes, and one GET of an agent's registry hello.

No redirects, no retries, TLS verified.
"""

from dataclasses import dataclass

from audit.plumbing import inputs
from audit.plumbing.errors import AuditError

DEFAULT_ENDPOINT = "https://us-east1-netdata-analytics-bi.cloudfunctions.net/ingest_agent_events"


@dataclass
class SendResult:
    outcome: str  # "sent" | "failed"
    status: int | None
    error_kind: str | None
    message: str
    may_have_reached: bool = True  # False only when the request certainly never left (no connection was made)


def check_endpoint(url: str) -> str:
    """A usage error unless url is an absolute http(s) URL with a host."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuditError(f"--endpoint {url!r}: expected an http:// or https:// URL with a host")
    return url


def check_timeout(seconds: float) -> float:
    if not seconds > 0 or seconds == float("inf"):
        raise AuditError(f"--timeout {seconds:g}: expected a positive number of seconds")
    return seconds


def post(wire: bytes, endpoint: str, timeout: float = 2.0) -> SendResult:
    import requests

    try:
        r = requests.post(endpoint, data=wire, headers={"Content-Type": "application/json"},
                          timeout=timeout, verify=True, allow_redirects=False)
    except requests.exceptions.RequestException as e:
        kind, message = _describe(e, endpoint, timeout)
        never_left = kind in ("dns", "refused", "tls") or isinstance(e, requests.exceptions.ConnectTimeout)
        return SendResult("failed", None, kind, message, not never_left)
    if r.status_code != 200:
        return SendResult("failed", r.status_code, "http", f"{endpoint} answered HTTP {r.status_code}")
    return SendResult("sent", 200, None, f"{endpoint} answered HTTP 200")


def _describe(error: Exception, url: str, timeout: float) -> tuple[str, str]:
    """(kind, one-line message) for a requests failure."""
    import requests

    if isinstance(error, requests.exceptions.SSLError):
        return "tls", f"TLS handshake or certificate verification failed for {url}"
    if isinstance(error, requests.exceptions.Timeout):
        return "timeout", f"no answer from {url} within {timeout}s"
    text = str(error)
    if isinstance(error, requests.exceptions.ConnectionError):
        if "Name or service not known" in text or "NameResolution" in text or "getaddrinfo" in text:
            return "dns", f"cannot resolve the host of {url}"
        if "refused" in text.lower():
            return "refused", f"connection refused by {url}"
        return "connection", f"cannot connect to {url}"
    return "request", f"request to {url} failed: {type(error).__name__}"


def agent_hello(agent_url: str, timeout: float = 2.0) -> dict:
    """Ask a running agent what it tells dashboards: GET <agent>/api/v1/registry?action=hello (one request)."""
    got = _agent_json(agent_url.rstrip("/") + "/api/v1/registry?action=hello", timeout)
    document = got["document"] or {}
    flag = document.get("anonymous_statistics")
    agent = document.get("agent") if isinstance(document.get("agent"), dict) else {}
    strings = {key: value if isinstance(value, str) else None  # what the v2 dashboard reads besides the flag
               for key, value in (("cloud_status", document.get("cloud_status")),
                                  ("cloud_base_url", document.get("cloud_base_url")),
                                  ("hostname", document.get("hostname")), ("registry", document.get("registry")),
                                  ("machine_guid", agent.get("machine_guid", document.get("machine_guid"))),
                                  ("node_id", agent.get("node_id")))}
    return {"url": got["url"], "anonymous_statistics": flag if isinstance(flag, bool) else None, **strings,
            "error": got["error"]}


def agent_info(agent_url: str, timeout: float = 5.0) -> dict:
    """The running agent's /api/v1/info (one GET, to that URL only): {"url", "document", "error"}."""
    return _agent_json(agent_url.rstrip("/") + "/api/v1/info", timeout)


def _agent_json(url: str, timeout: float) -> dict:
    """One GET of a JSON object from a running agent: {"url", "document", "error"} (document None on error)."""
    import requests

    answer = {"url": url, "document": None, "error": None}
    try:
        r = requests.get(url, timeout=timeout, allow_redirects=False)
    except requests.exceptions.RequestException as e:
        answer["error"] = _describe(e, url, timeout)[1]
        return answer
    if r.status_code != 200:
        answer["error"] = f"{url} answered HTTP {r.status_code}"
        return answer
    try:
        document = inputs.load_json(r.content, url)
    except AuditError:
        document = None
    if not isinstance(document, dict):
        answer["error"] = f"{url}: the answer is not a JSON object"
    else:
        answer["document"] = document
    return answer
