"""Which dashboard an agent serves, per release, and every off-host request each generation makes: where it goes
(and which setting chooses that), what it carries field by field, when it fires and what really stops it.

Read from the compiled dashboards in Netdata's repository (`git show TAG:path` on netdata/netdata): the v1.37-era
UIs (web/gui/ at v1.37.1), the "v2" UI bundled at web/gui/v2/ (v1.41-v1.44) and src/web/gui/v2/ (v1.45-v1.47).
From v2.0 the dashboard is downloaded at build time and is not in the repository: what it sends is carried over
from v1.47's bundle and marked assumed. Pure data; no browser, no network.
"""

from dataclasses import dataclass

from audit.plumbing import versions

V147 = "v1.47.0:src/web/gui/v2/"
APP_147 = V147 + "app.08c9fe3ead1d43ff769b.js"
CHUNK_7471 = V147 + "7471.f96c4d04a73fb7551c03.chunk.js"
INDEX_147 = V147 + "index.html"
ROOT_147 = "v1.47.0:src/web/gui/index.html"
DOWNLOAD = "v2.0.0:packaging/cmake/Modules/NetdataDashboard.cmake (DASHBOARD_URL https://app.netdata.cloud/agent.tar.gz)"

DEFAULT_CLOUD = "https://app.netdata.cloud"  # the hello's cloud_base_url by default

# The levers, in the words every row uses. OPT_OUT is Netdata's own; the rest are not opt-outs.
OPT_OUT = "the opt-out (the agent's hello says anonymous_statistics=false: the opt-out file, from v2.3 also " \
          "DISABLE_TELEMETRY; a browser's DNT with [web] respect do not track policy = yes)"
DESTINATION = "the destination: [cloud] url in cloud.conf (the hello's cloud_base_url) pointed at a host you run"
NO_PERSON = "no person GUID: the push of an impression waits for one (the registry frame's answer); a registry " \
            "that cannot be reached gives none"
ONLY_V2 = "open the local copy at /v2/ only (the root page / loads its code from Netdata Cloud)"
BLOCK = "block the host in the browser (an extension, a policy) or at the network (DNS, a firewall)"
NO_V2 = "not serving the v2 dashboard (an agent built without it, or a web server in front that serves no /v2/)"
REGISTRY = "[registry] registry to announce pointed at a registry you run (e.g. this agent, [registry] enabled = yes)"
CLOUD_OFF = "the agent's cloud status disabled or unavailable ([cloud] enabled = no)"


@dataclass(frozen=True)
class Field:
    path: str  # dotted path in the body, or a query parameter
    source: str  # where the value comes from
    identifying: bool  # points back at the agent, its host or the person
    browser: bool = False  # depends on the browser (clock, session, location), not on the agent


@dataclass(frozen=True)
class Request:
    kind: str  # stable name: telemetry-push, privacy-check, ...
    title: str
    method: str
    url: str  # the default destination
    chosen_by: str  # the setting that chooses the destination
    fields: tuple[Field, ...]
    when: str
    gate: str  # what the dashboard's code checks before sending, in its own terms
    stopped_by_opt_out: bool
    levers: tuple[str, ...]  # what really stops it
    source: str  # tag:file where it was read
    since: str | None = None
    generations: tuple[str, ...] = ()
    verified: str = ""  # what a real browser showed (tests/test_observe_v2_browser.py); empty: read, not run


@dataclass(frozen=True)
class Generation:
    name: str
    title: str
    since: str | None
    until: str | None
    served_at: tuple[tuple[str, str], ...]  # (path, what is there)
    shipped: str  # how the dashboard reaches the agent
    source: str
    assumed_from: str | None = None  # a generation whose requests are carried over, unread

    def active_at(self, version: str) -> bool:
        return versions.within(version, self.since, self.until)

    @property
    def versions(self) -> str:
        return versions.span(self.since, self.until)


GENERATIONS = (
    Generation("v1.37-ui", "the v1.37-era dashboards (the React dashboard at /, dashboard.js at /old/)", None, "v1.40",
               (("/", "the React dashboard"), ("/old/", "the dashboard.js UI")),
               "in the package (web/gui/)", "v1.37.1:web/gui/ (observed with Debian's 1.37.1 package)"),
    Generation("v2-early", "the v2 dashboard, bundled, before the telemetry push", "v1.41", "v1.42",
               (("/", "a loader that fetches the v2 dashboard's code from Netdata Cloud"),
                ("/v2/", "the local copy of the v2 dashboard"), ("/v1/", "the v1.37-era React dashboard")),
               "in the package (web/gui/v2/)", "v1.41.0:web/gui/v2/ and v1.42.0:web/gui/v2/ (no telemetry/push)"),
    Generation("v2-bundled", "the v2 dashboard, bundled, with the telemetry push", "v1.43", "v1.47",
               (("/", "a loader that fetches the v2 dashboard's code from Netdata Cloud"),
                ("/v2/", "the local copy of the v2 dashboard"), ("/v1/", "the v1.37-era React dashboard")),
               "in the package (web/gui/v2/ to v1.44, src/web/gui/v2/ from v1.45)",
               "v1.43.2:web/gui/v2/, v1.45.0 and v1.47.0:src/web/gui/v2/ (v1.47.5's tree equals v1.47.0's)"),
    Generation("v2-downloaded", "the v2 dashboard, downloaded from Netdata Cloud at build time", "v2.0", None,
               (("/", "the dashboard (downloaded, not in Netdata's repository)"),
                ("/v3/", "the same dashboard's files (the tarball's v2/ renamed v3/)")),
               "downloaded at build time: " + DOWNLOAD, DOWNLOAD, assumed_from="v2-bundled"),
)

V2 = ("v2-early", "v2-bundled", "v2-downloaded")
WITH_PUSH = ("v2-bundled", "v2-downloaded")

PUSH_FIELDS = (
    Field("@timestamp", "the browser's clock (new Date().toISOString())", False, browser=True),
    Field("labels.<props>", "the caller's props: the view's impression props (mode, tab, ...) or the action's", False),
    Field("labels.machine", "the hello's agent.machine_guid (window.localNetdataRegistry.mg)", True),
    Field("labels.nodeId", "the hello's agent.node_id, when the agent has one (claimed)", True),
    Field("event.action", "element-viewed (an impression) or button-clicked; absent for error pushes", False),
    Field("event.sequence", "a counter in the browser's sessionStorage (telemetrySequence)", False, browser=True),
    Field("event.provider", '"agent" on an agent', False),
    Field("event.outcome / event.type / event.reason", "success|failure, [start]|[end], a reason: actions only",
          False),
    Field("user.id", "the registry's person GUID for this browser (the registry frame's person_guid); a "
                     "signed-in user's Cloud account id instead", True, browser=True),
    Field("user.email", "a signed-in user's Cloud e-mail address (anonymous users: absent)", True, browser=True),
    Field("user.domain", "the registry the agent announces (the hello's registry), else localhost", False),
    Field("url.full", "window.location.href: the agent's host name or address and port as the browser addressed "
                      "it, and the route (/spaces/<host name slug>/rooms/local/<tab>, or #hash)", True, browser=True),
    Field("Netdata.space.id", "the space id; on an agent the machine GUID (absent at v1.43.2)", True),
    Field("Netdata.statistics.nodes.total", "1 on an agent", False),
    Field("Netdata.telemetry.feature", "the caller's feature name (e.g. NodesView, url-hash-error)", False),
    Field("Netdata.telemetry.session.id", "a random id kept in sessionStorage (telemetrySessionId)", False,
          browser=True),
    Field("Netdata.telemetry.visitor.id", "window.envSettings.visitor = the registry's person GUID", True,
          browser=True),
)

PRIVACY_FIELDS = (
    Field("data", "hex(IV) + hex(AES-256-CBC ciphertext) + hex(HMAC-SHA256(IV + ciphertext)); key and HMAC key in "
                  "the bundle; anyone with the bundle decrypts it (telemetry-audit explain does)", True),
    Field("data → machine_guid", "window.localNetdataRegistry.mg (the hello's agent.machine_guid)", True),
    Field("data → url", "window.envSettings.agentApiUrl: the agent's URL as the browser addressed it", True,
          browser=True),
)

REQUESTS = (
    Request("telemetry-push", "telemetry push", "POST", "https://app.netdata.cloud/api/v1/telemetry/push",
            "window.envSettings.apiUrl, set from the hello's cloud_base_url ([cloud] url in cloud.conf)",
            PUSH_FIELDS,
            "every view wrapped in the impression logger (home, nodes, overview, single node, alerts, functions, "
            "dashboards, anomalies, settings, modals; 750 ms after mount), button clicks, the start and end of "
            "some actions, and URL-hash errors (#error_msg_key=...)",
            "sendLog checks only for a test runner; impressions wait for a person GUID and an anonymous or "
            "unknown user; url-hash-error, drag-in-dashboard and alert management skip even that. Nothing reads "
            "anonymous_statistics, tracking, Do-Not-Track, the sign-in state or the cloud status",
            False, (DESTINATION, NO_PERSON, NO_V2, BLOCK), APP_147 + " (module 50876, sendLog)",
            since="v1.43", generations=WITH_PUSH,
            verified="v1.47.0's bundle in Chromium, loopback only: the URL-hash error push was attempted with and "
                     "without the opt-out file; with the registry unreachable (no person GUID) the plain /v2/ view "
                     "pushed no impression; with the hello's cloud_base_url on a host of ours the push went there"),
    Request("privacy-check", "privacy check", "GET", "https://frankfurt.netdata.rocks/privacy?data=...",
            "fixed in the bundle", PRIVACY_FIELDS,
            "when the agent's bearer check mounts (the dashboard's start; module 78459 calls it with the "
            "machine GUID)", "none: it runs whenever it is given a machine GUID; no opt-out is read", False,
            (NO_V2, BLOCK),
            CHUNK_7471 + " (module 51641)", since="v1.45", generations=WITH_PUSH,
            verified="v1.47.0's bundle in Chromium, loopback only: attempted with and without the opt-out file in "
                     "some runs, not all (the component that calls it mounts around the Layout chunk public mirrors "
                     "lack); its data decrypts to {machine_guid, url} with the bundle's key"),
    Request("registry", "registry frame", "GET",
            "https://registry.my-netdata.io/registry-access.html?x=<base64 JSON>&originUrl=<agent URL>",
            "[registry] registry to announce (the hello's registry)",
            (Field("x → machine_guid", "the hello's machine_guid", True),
             Field("x → hostname", "the hello's hostname (the agent's real host name)", True),
             Field("x → agent", "the hello's agent object: machine GUID, node id, claim id", True),
             Field("originUrl", "window.envSettings.agentApiUrl: the agent's URL", True, browser=True),
             Field("cookie", "the browser's registry cookie (its person GUID)", True, browser=True)),
            "every page load of the v2 dashboard", "none but the announced registry's address", False,
            (REGISTRY, BLOCK), INDEX_147, since="v1.41", generations=V2),
    Request("account-check", "Cloud account check", "GET", "https://app.netdata.cloud/api/v2/accounts/me",
            "window.envSettings.apiUrl (the hello's cloud_base_url)",
            (Field("cookie / Authorization", "the browser's Netdata Cloud cookie or token, if it has one", True,
                   browser=True),),
            "at start, to learn whether the browser is signed in to Netdata Cloud",
            "skipped only when the agent's cloud status is disabled or unavailable", False,
            (CLOUD_OFF, DESTINATION, BLOCK), APP_147, since="v1.41", generations=V2),
    Request("cloud-bundles", "code from Cloud on /", "GET",
            "https://app.netdata.cloud/bundlesManifest.<major>.json and the files it lists",
            "webpackPublicPath in the root index.html (https://app.netdata.cloud)",
            (Field("Referer / IP", "the browser's address and the page it came from", True, browser=True),),
            "every load of the root page / (not /v2/)", "none: only the local copy at /v2/ avoids it", False,
            (ONLY_V2, BLOCK), ROOT_147, since="v1.41", generations=("v2-early", "v2-bundled"),
            verified="v1.47.0's root page in Chromium, loopback only: bundlesManifest.6.json asked of "
                     "app.netdata.cloud"),
    Request("posthog", "PostHog analytics", "POST", "https://app.posthog.com/decide/, /e/",
            "fixed in the bundle",
            (Field("distinct_id", "the registry's machine GUID", True),
             Field("$title / $current_url", "the page title (holds the host name) and URL", True, browser=True)),
            "every page view and click once PostHog is loaded", "envSettings.tracking = the hello's "
            "anonymous_statistics !== false", True, (OPT_OUT, BLOCK), INDEX_147, since="v1.41", generations=V2),
    Request("google-tag-manager", "Google Tag Manager", "GET", "https://www.googletagmanager.com/gtm.js?id=GTM-N6CBMJD",
            "fixed in the bundle", (Field("dataLayer", "page views; the page title holds the host name", True),),
            "at start", "envSettings.tracking (same as PostHog)", True, (OPT_OUT, BLOCK), INDEX_147, since="v1.41",
            generations=V2),
    Request("sentry", "Sentry", "POST", "https://o382276.ingest.sentry.io/...",
            "fixed in the bundle",
            (Field("exception", "the JavaScript error, its stack, the page URL", True, browser=True),),
            "on a JavaScript error", "envSettings.tracking; beforeSend drops events unless the referrer contains "
            "netdata.cloud", True, (OPT_OUT, BLOCK), APP_147, since="v1.41", generations=V2),
)


def generation_at(version: str) -> Generation:
    return next(g for g in GENERATIONS if g.active_at(version))


def requests_at(version: str) -> tuple[Request, ...]:
    """The off-host requests the v2 dashboard of `version` makes (empty before v1.41: the v1.37-era UIs are the
    observed purposes of audit.channels.dashboard.purposes)."""
    generation = generation_at(version)
    return tuple(r for r in REQUESTS if generation.name in r.generations and versions.within(version, r.since, None))


def assumed(version: str) -> bool:
    """True when `version`'s dashboard cannot be read here and its requests are carried over from v1.47."""
    return generation_at(version).assumed_from is not None


def request(kind: str) -> Request:
    return next(r for r in REQUESTS if r.kind == kind)
