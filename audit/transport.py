"""One POST of the exact payload bytes: no redirects, no retries, TLS verified."""

from dataclasses import dataclass

DEFAULT_ENDPOINT = "https://us-east1-netdata-analytics-bi.cloudfunctions.net/ingest_agent_events"


@dataclass
class SendResult:
    outcome: str  # "sent" | "failed"
    status: int | None
    error_kind: str | None
    message: str


def post(wire: bytes, endpoint: str, timeout: float = 2.0) -> SendResult:
    import requests

    try:
        r = requests.post(endpoint, data=wire, headers={"Content-Type": "application/json"},
                          timeout=timeout, verify=True, allow_redirects=False)
    except requests.exceptions.SSLError as e:
        return SendResult("failed", None, "tls", f"TLS verification failed for {endpoint}: {e}")
    except requests.exceptions.Timeout:
        return SendResult("failed", None, "timeout", f"no answer from {endpoint} within {timeout}s")
    except requests.exceptions.ConnectionError as e:
        text = str(e)
        if "Name or service not known" in text or "NameResolution" in text or "getaddrinfo" in text:
            return SendResult("failed", None, "dns", f"cannot resolve the host of {endpoint}")
        if "refused" in text.lower():
            return SendResult("failed", None, "refused", f"connection refused by {endpoint}")
        return SendResult("failed", None, "connection", f"cannot connect to {endpoint}: {text}")
    except requests.exceptions.RequestException as e:
        return SendResult("failed", None, "request", f"request to {endpoint} failed: {e}")
    if r.status_code != 200:
        return SendResult("failed", r.status_code, "http", f"{endpoint} answered HTTP {r.status_code}")
    return SendResult("sent", 200, None, f"{endpoint} answered HTTP 200")
