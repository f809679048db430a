"""The dashboard channel, as data: what Netdata's docs say PostHog registers (documented, not built), and what each
request a dashboard page attempts is for, what it carries and which setting stops it (read from an observation of
a real browser, audit.faces.observe). Pure: no browser, no network here.
"""

import re
from dataclasses import dataclass

from audit.channels.dashboard import generations

# Netdata's docs (docs/anonymous-statistics.md, v1.37.1): the properties the dashboard registers with PostHog for
# every event of the session (`window.posthog.register(...)`). Documented, not built.
DOCUMENTED_PROPERTIES = (
    ("distinct_id", "machineGuid", "the agent's machine GUID: the same id for every browser that opens this agent"),
    ("$ip", "127.0.0.1", "constant, replaces the browser's IP address in the event"),
    ("$current_url", "agent dashboard", "constant, replaces the page URL"),
    ("$pathname", "netdata-dashboard", "constant, replaces the URL path"),
    ("$host", "dashboard.netdata.io", "constant, replaces the agent's host name"),
)
DOCUMENTED_SOURCE = "docs/anonymous-statistics.md (v1.37.1), the window.posthog.register() call"


@dataclass(frozen=True)
class Purpose:
    name: str
    title: str
    hosts: str  # regular expression on the request's host name
    stopped_by: str
    note: str
    paths: str = ".*"  # regular expression on the request's path
    opt_out_stops: bool | None = None  # whether Netdata's opt-out stops it (None: not known)


def _not_the_opt_out(kind: str) -> str:
    return "NOT the opt-out (nothing in the dashboard checks it); what stops it: " + "; ".join(
        generations.request(kind).levers)


# First match wins; "other" matches everything left.
PURPOSES = (
    Purpose("telemetry-push", "telemetry push (v2 dashboard)", r"app\.netdata\.cloud",
            _not_the_opt_out("telemetry-push"),
            "POSTs the machine GUID, the agent's URL (host and port), the person GUID and the view",
            paths=r"/api/v1/telemetry/push", opt_out_stops=False),
    Purpose("privacy-check", "privacy check (v2 dashboard, v1.45+)", r"frankfurt\.netdata\.rocks",
            _not_the_opt_out("privacy-check"),
            "sends {machine_guid, url} AES-encrypted with a key in the bundle (explain decodes it)",
            paths=r"/privacy", opt_out_stops=False),
    Purpose("account-check", "Netdata Cloud account check (v2 dashboard)", r"app\.netdata\.cloud",
            "the agent's cloud status disabled or unavailable; the opt-out does not stop it",
            "asks Netdata Cloud who the browser is signed in as (its cookie, if any)",
            paths=r"/api/v2/accounts/me", opt_out_stops=False),
    Purpose("cloud-bundles", "dashboard code loaded from Netdata Cloud", r"app\.netdata\.cloud",
            "open /v2/ (the local copy) instead of /; the opt-out does not stop it",
            "the root page fetches the dashboard's code from Netdata Cloud (the browser's address, the referrer)",
            paths=r"/(bundlesManifest\.[^/]*\.json|.*\.(js|css|woff2?|svg|png|ico))", opt_out_stops=False),
    Purpose("sentry", "Sentry error reports (v2 dashboard)", r"(.+\.)?sentry\.io",
            "the opt-out (the hello's anonymous_statistics=false)", "JavaScript errors, with the page's URL",
            opt_out_stops=True),
    Purpose("posthog", "PostHog analytics", r"(.+\.)?posthog\.(com|netdata\.cloud)",
            "the opt-out: the agent's hello says anonymous_statistics=false (the opt-out file in its config dir; "
            "from v1.43 also for a browser sending DNT when [web] respect do not track policy = yes)",
            "loads PostHog's script; once loaded, every event carries distinct_id = the machine GUID and the "
            "documented masked properties"),
    Purpose("google-tag-manager", "Google Tag Manager analytics (old UI)",
            r"(.+\.)?(googletagmanager|google-analytics)\.com",
            "the opt-out (same hello flag as PostHog)",
            "loads Google Tag Manager; the page pushes the machine GUID into its dataLayer"),
    Purpose("registry", "registry (the public one unless the agent announces another)", r"registry\.my-netdata\.io",
            "[registry] registry to announce (point it at a registry you run, e.g. this agent with "
            "[registry] enabled = yes); the opt-out does not stop it",
            "tells the registry this browser opened this agent, so it can list the person's agents"),
    Purpose("version-check", "version check", r"api\.github\.com|www\.googleapis\.com",
            "none (the release channel only picks GitHub or Google storage)",
            "asks for the latest release to offer an update"),
    Purpose("news", "news feed", r"(.+\.)?prismic\.io", "none", "fetches Netdata's news for the news panel"),
    Purpose("cloud-sso", "Netdata Cloud sign-in frame (old UI)", r"app\.netdata\.cloud",
            "none known: the old UI skips it only when the hello's cloud_base_url is empty, and an empty "
            "[global] cloud ui url in cloud.d/cloud.conf did not make it so with 1.37.1",
            "loads Netdata Cloud's sign-in frame for this agent"),
    Purpose("other", "other", r".*", "unknown", "not classified"),
)


def purpose_of(host: str, registry_url: str | None = None, path: str = "/") -> Purpose:
    """The purpose of a request to `host` and `path`; the registry the agent announces counts as the registry."""
    from urllib.parse import urlsplit

    if registry_url and host and host == urlsplit(registry_url).hostname:
        return next(p for p in PURPOSES if p.name == "registry")
    return next(p for p in PURPOSES if re.fullmatch(p.hosts, host or "") and re.fullmatch(p.paths, path or "/"))


def carries(request: dict, hello: dict) -> list[str]:
    """What an attempted request carries that identifies the agent, the host or the person."""
    found = []
    guid, hostname, agent = hello.get("machine_guid"), hello.get("hostname"), hello.get("agent_url")
    for key, values in request.get("query", {}).items():
        for value in values:
            if guid and guid in value:
                found.append(f"machine GUID in {key}=")
            elif value == "***":
                found.append(f"{key}=*** (masked)")
            elif hostname and value == hostname:
                found.append(f"the real host name in {key}=")
            elif agent and value.rstrip("/").startswith(agent):
                found.append(f"the real agent URL in {key}=")
    body = request.get("body") or ""
    if guid and guid in body:
        found.append("machine GUID in the body")
    if hostname and hostname in body:
        found.append("the real host name in the body")
    if request.get("cookie"):
        found.append(f"the browser's cookie for {request['host']} (sent with credentials: the person's id)")
    return found


def annotate(observation: dict, inspect=None) -> dict:
    """The observation with each attempted request's purpose, what it carries and what stops it; `inspect(request,
    hello)` adds what is found inside a request (audit.core.dashboard.annotate passes check's findings)."""
    hello = dict(observation["hello"], agent_url=observation["agent_url"])
    for page in observation["pages"]:
        for request in page["attempted"]:
            purpose = purpose_of(request["host"], hello.get("registry"), request.get("path") or "/")
            request.update(purpose=purpose.name, carries=carries(request, hello), stopped_by=purpose.stopped_by)
            if inspect is not None:
                request.update(inspect(request, hello))
    return observation


def by_purpose(page: dict) -> list[tuple[Purpose, list[dict]]]:
    """The page's attempted requests grouped by purpose, in the order of PURPOSES."""
    groups = [(p, [r for r in page["attempted"] if r.get("purpose") == p.name]) for p in PURPOSES]
    return [(p, requests) for p, requests in groups if requests]


def summary(observation: dict | None) -> str:
    """One line for the TUI's dashboard row: when it was observed, what the pages attempted, whether it stayed local."""
    if observation is None:
        return "PostHog in the browser: not observed yet (telemetry-audit observe-dashboard --agent-url URL)"
    names = {p.name: p.title.split(" (")[0] for p in PURPOSES}
    seen = dict.fromkeys(r.get("purpose", "other") for page in observation["pages"] for r in page["attempted"])
    flag = observation["hello"]["anonymous_statistics"]
    return (f"observed {observation['observed_at']} (anonymous_statistics={str(flag).lower()}): "
            f"{observation['aborted']} attempts beyond the agent ({', '.join(names[n] for n in seen) or 'none'}), "
            + ("none left this machine" if not observation["left_machine"] else "SOME LEFT THIS MACHINE"))
