"""Find what in a payload points back at this machine or its people (pure: fields and an Identity in, findings out).

Three ways a value is found: `exact`, one of this machine's own identity values; `truncated`, a value the daemon
cut short (FATAL's action_data keeps 10 bytes of the source path and 15 of the function name); `pattern`, a
generic shape (an IP or MAC address, an e-mail address, a home-directory path, a URL, a UUID) from any machine.
"""

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache

from audit.channels.backend import wire
from audit.facts.identity import Identity
from audit.plumbing import jsontext

# Identifiers the script sends on purpose, in the fields meant for them; anything else found is unexpected.
BY_DESIGN = frozenset({
    ("distinct_id", "machine-guid"), ("netdata_machine_guid", "machine-guid"),
    ("system_distinct_id", "system-distinct-id"), ("distinct_id", "system-distinct-id"),  # installer: the same id
})
# Secrets: whoever holds one can act as this machine's owner; always unexpected, high severity.
SECRET_KINDS = frozenset({"claim-token", "claim-option", "url-credentials"})
# In a field meant for an identifier, a generic shape is that identifier (on a payload from another machine).
FIELD_MEANS = {
    ("distinct_id", "uuid"): "machine-guid", ("netdata_machine_guid", "uuid"): "machine-guid",
    ("system_distinct_id", "uuid"): "system-distinct-id",
}

EXPLANATIONS = {
    "machine-guid": "the machine GUID links every event from this agent install across time (and to the agent's "
                    "registry and Cloud records); it is a random UUID made on first start, not derived from "
                    "hardware, names or addresses, and a reinstall that wipes /var/lib/netdata gets a new one",
    "system-distinct-id": "system_distinct_id (and the installer's distinct_id) is the md5 of /etc/machine-id (or "
                          "the D-Bus machine-id), the same value in both channels, so it links the install event "
                          "and its install_options to the agent's own events; it links "
                          "events from the same OS install even across agent reinstalls; md5 of a 128-bit random "
                          "id does not reveal the id, but anyone holding the machine-id (root here, or a support "
                          "bundle) can compute it and tie the events to this machine; a 'uuid-' value is new on "
                          "every event and links nothing",
    "claim-token": "a claim token lets whoever holds it connect agents to your Netdata Cloud space: kickstart "
                   "sends its whole command line as install_options, so a --claim-token typed there reached "
                   "Netdata's analytics; treat it as leaked and rotate it in the Space's settings",
    "claim-option": "claiming options (rooms, proxy, URL, node id, user, host name) typed on kickstart's command "
                    "line are sent in install_options with it: they name your Cloud rooms and network",
    "url-credentials": "a user:password inside a URL (a proxy given to kickstart, say) is sent as is: change that "
                       "password",
    "machine-id": "the raw machine-id identifies this OS install across agent reinstalls; the statistics script "
                  "only ever sent its md5, but agent-events sends it raw (host.id), and kickstart v1.33-v1.41 sent "
                  "it as is in the installer's distinct_id",
    "boot-id": "the kernel boot id links every agent-events report sent during one boot of the machine",
    "invocation-id": "the agent's invocation id links a report to the agent's own logs of the run it describes",
    "node-id": "the Netdata Cloud node id ties the agent to its node in a Cloud space",
    "person-guid": "the registry's person GUID is this browser's id at the registry (its cookie): it ties the "
                   "visits of one person to every agent they open",
    "hardware-uuid": "the DMI/SMBIOS product UUID names this exact board or VM at its vendor or cloud provider, "
                     "and survives OS reinstalls",
    "timezone": "the time zone is a rough location",
    "cloud-region": "the cloud region is where the machine runs",
    "claim-id": "the claim id ties this agent to a Netdata Cloud space and account, so to its owners",
    "instance-id": "a cloud instance id or hardware UUID names this exact VM or board at its provider",
}

DESCRIPTIONS = {
    "hostname": "this machine's host name", "ip": "an IP address", "mac": "a MAC address",
    "user": "a user name", "home-path": "a home-directory path", "machine-id": "the raw machine-id",
    "machine-guid": "the machine GUID", "claim-id": "the Cloud claim id", "instance-id": "a cloud instance id",
    "email": "an e-mail address", "url": "a URL with a host name", "uuid": "a UUID",
    "system-distinct-id": "the hashed machine-id",
    "claim-token": "a SECRET: a Cloud claim token", "claim-option": "a claiming option's value",
    "url-credentials": "a SECRET: credentials inside a URL",
    "boot-id": "the kernel boot id", "invocation-id": "the agent's invocation id", "node-id": "the Cloud node id",
    "person-guid": "the registry's person GUID (the browser's visitor)",
    "hardware-uuid": "the hardware UUID", "timezone": "the time zone", "cloud-region": "the cloud region",
}
# agent-events: the daemon sends these identifiers on purpose, each in the member meant for it (the schema's
# x-identifies); a generic or exact match found in such a member is that identifier.
AGENT_EVENTS_BY_DESIGN = frozenset({
    ("agent.id", "machine-guid"), ("agent.ephemeral_id", "invocation-id"), ("agent.node_id", "node-id"),
    ("agent.claim_id", "claim-id"), ("host.id", "machine-id"), ("host.boot.id", "boot-id"),
    ("hw.sys.uuid", "hardware-uuid"), ("host.timezone", "timezone"), ("host.cloud_region", "cloud-region"),
})
# The dashboard's push is not Netdata's anonymous statistics: nothing in it is "by design" anonymous, every id is
# reported as unexpected (it goes out whatever the opt-out says).
DASHBOARD_BY_DESIGN: frozenset = frozenset()
_ID_KINDS = frozenset({"uuid", "machine-id", "machine-guid", "claim-id", "instance-id", "system-distinct-id"})

_RANK = {"exact": 3, "truncated": 2, "pattern": 1, "field": 0}
# Identity kinds compared without regard to case (DNS names, hex ids); user names and paths are case-sensitive.
_ANY_CASE = frozenset({"hostname", "ip", "mac", "machine-id", "machine-guid", "claim-id", "instance-id",
                       "system-distinct-id"})
_MIN_EXACT = 3  # shorter host and user names (e.g. "vm") are matched as whole tokens only
_MIN_PREFIX = 4
IGNORED_TEXTS = frozenset({"null", "-", "none", "", wire.ALL_ZERO_GUID})
CONSTANTS = {key: source[len("const:"):] for key, form, source in wire.TEMPLATE if form == "const"}
_NOT_FIELDS = frozenset({"event"})  # the top-level event is action and action_result again

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_HEX = "[0-9A-Fa-f]"
PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("url", re.compile(r"(?<![\w.+-])https?://(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
                       r"(?::\d+)?(?:[/?#][^\s\"'<>]*)?")),
    ("email", re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]*[A-Za-z][A-Za-z0-9._%+-]*@"
                         r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")),
    ("home-path", re.compile(r"(?<![\w.~-])(?:/home/[^\s/\"',;:@]+|/root(?![\w.-]))(?:/[^\s\"',;:]*)?")),
    # four octets; not part of a longer dotted run (1.2.3.4.5), not a version (v1.2.3.4, 1.2.3.4-rc)
    ("ip", re.compile(rf"(?<![\w.-]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w-]|\.\d)")),
    ("uuid", re.compile(rf"(?<!{_HEX}){_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}(?!{_HEX})")),
    ("mac", re.compile(rf"(?<![\w:-]){_HEX}{{2}}([:-]){_HEX}{{2}}(?:\1{_HEX}{{2}}){{4}}(?![\w:-])")),
    ("ipv6", re.compile(r"(?<![\w:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?![\w:])")),
    ("system-distinct-id", re.compile(r"(?<![\w-])(?:machine|dbus)-[0-9a-f]{32}(?![\w-])")),
)


@dataclass(frozen=True)
class Finding:
    field: str
    kind: str  # see DESCRIPTIONS
    match: str  # exact (this machine's value), truncated (cut by the daemon), pattern (a generic shape)
    text: str  # what was found, as it appears in the field
    sensitivity: str  # the field's documented x-sensitivity: identifier, environment, configuration, usage
    expected: bool  # sent by design (the machine GUID and hashed machine-id, in their own fields)
    start: int = 0  # where in the field's text
    severity: str = "normal"  # "high" for a secret

    @property
    def secret(self) -> bool:
        return self.kind in SECRET_KINDS

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.kind, self.kind)

    def to_dict(self) -> dict:
        out = asdict(self)
        del out["start"]
        out["description"] = self.description
        return out


def check(source: object, identity: Identity | None = None, sensitivities: Mapping[str, str] | None = None
          ) -> list[Finding]:
    """Findings for a Payload (audit.channels.backend.assemble), a received payload's bytes, an explain.Reading, a document
    ({"properties": {...}}) or (key, text) pairs."""
    identity = identity or Identity()
    pairs = fields_of(source)
    channel = _channel_of(source, pairs)
    sensitivities = _sensitivities(channel) if sensitivities is None else sensitivities
    findings = []
    for key, text in pairs:
        if channel == "backend" and (key in _NOT_FIELDS or CONSTANTS.get(key) == text):
            continue
        if text.strip().lower() in IGNORED_TEXTS:
            continue
        findings += check_field(key, text, identity, sensitivities.get(key, ""))
    if channel == "agent-events":
        findings = _agent_events_identifiers(findings, pairs, sensitivities)
    elif channel == "dashboard":
        findings = _identifiers(findings, pairs, sensitivities, _dashboard_identifies(), DASHBOARD_BY_DESIGN)
        findings += _slugs(pairs, identity, sensitivities)
    return findings


def _slugs(pairs: list[tuple[str, str]], identity: Identity, sensitivities: Mapping[str, str]) -> list[Finding]:
    """The v2 dashboard's routes name the space after the host: /spaces/<host name slug>/ in url.full (and the
    labels.path newer dashboards send)."""
    from audit.channels.dashboard.push import slug

    out = []
    for name in {slug(v.value) for v in identity.of_kind("hostname")}:
        if len(name) < _MIN_EXACT:
            continue
        for key, text in pairs:
            at = text.lower().find(f"/spaces/{name}")
            if at >= 0:
                out.append(Finding(key, "hostname", "slug", name, sensitivities.get(key, ""), False, at + 8))
    return out


def _channel_of(source: object, pairs: list[tuple[str, str]]) -> str:
    channel = getattr(source, "channel", None)
    if isinstance(channel, str):
        return channel
    if any(key == "exit_cause" for key, _ in pairs):
        return "agent-events"
    if any(key == "Netdata.telemetry.feature" for key, _ in pairs):
        return "dashboard"
    return "installer" if ("event_source", "agent installer") in pairs else "backend"


def _agent_events_identifiers(findings: list[Finding], pairs: list[tuple[str, str]],
                              sensitivities: Mapping[str, str]) -> list[Finding]:
    from audit.plumbing import schemas

    identifies = {path: meta["x-identifies"] for path, meta in schemas.agent_events_properties().items()
                  if "x-identifies" in meta}
    return _identifiers(findings, pairs, sensitivities, identifies, AGENT_EVENTS_BY_DESIGN)


def _dashboard_identifies() -> dict[str, str]:
    from audit.plumbing import schemas

    return {path: meta["x-identifies"] for path, meta in schemas.dashboard_push_properties().items()
            if "x-identifies" in meta}


def _identifiers(findings: list[Finding], pairs: list[tuple[str, str]], sensitivities: Mapping[str, str],
                 identifies: Mapping[str, str], by_design: frozenset) -> list[Finding]:
    """Each identifier member holding a value is reported as that identifier (this machine's, when it matched
    exactly); what is found elsewhere (a path in the fatal message) stays unexpected."""
    out = []
    for f in findings:
        kind = identifies.get(f.field) if f.kind in _ID_KINDS else None
        if kind:
            f = Finding(f.field, kind, f.match, f.text, f.sensitivity, (f.field, kind) in by_design, f.start)
        out.append(f)
    found = {f.field for f in out}
    for key, text in pairs:
        kind = identifies.get(key)
        if kind and key not in found and text.strip().lower() not in IGNORED_TEXTS | {"unknown"}:
            out.append(Finding(key, kind, "field", text, sensitivities.get(key, ""), (key, kind) in by_design))
    return out


def fields_of(source: object) -> list[tuple[str, str]]:
    if isinstance(source, (bytes, bytearray)):
        from audit.core.read import read_payload  # the one decoder for received (possibly invalid) payloads

        source = read_payload(bytes(source))
    if hasattr(source, "fields") and not isinstance(source, Mapping):
        return [(f.key, f.text) for f in source.fields]
    if hasattr(source, "props"):
        return [(p.key, p.value if isinstance(p.value, str) else p.text) for p in (*source.top, *source.props)]
    if isinstance(source, Mapping) and "properties" not in source and (
            "exit_cause" in source or isinstance(source.get("Netdata"), Mapping)):
        return jsontext.flattened(source)  # an agent-events document or a dashboard push: members by dotted path
    if isinstance(source, Mapping):
        props = source.get("properties")
        items = props.items() if isinstance(props, Mapping) else source.items()
        return [(k, jsontext.as_text(v)) for k, v in items]
    return [(k, jsontext.as_text(v)) for k, v in source]


def _sensitivities(channel: str = "backend") -> dict[str, str]:
    from audit.plumbing import schemas  # jsonschema is slow to import

    return {key: str(meta.get("x-sensitivity", "")) for key, meta in schemas.channel_properties(channel).items()}


def check_field(key: str, text: str, identity: Identity, sensitivity: str = "") -> list[Finding]:
    exact = _exact(text, identity)
    if sensitivity == "environment":  # a classification value ("vm", "kvm"): a 1-2 character name equal to the
        exact = [h for h in exact if len(h[3]) >= _MIN_EXACT or h[3] != text.strip()]  # whole value is a word
    found = [*exact, *_truncated(key, text, identity), *_patterns(text), *_secrets(text)]
    kept = _strongest(found)
    return [_finding(key, kind, match, start, value, sensitivity) for kind, match, start, value in kept]


def _finding(key: str, kind: str, match: str, start: int, value: str, sensitivity: str) -> Finding:
    kind = FIELD_MEANS.get((key, kind), kind)
    return Finding(key, kind, match, value, sensitivity, (key, kind) in BY_DESIGN, start,
                   "high" if kind in SECRET_KINDS else "normal")


Hit = tuple[str, str, int, str]  # kind, match, start, text


def _strongest(hits: list[Hit]) -> list[Hit]:
    """One finding per stretch of text: the longest stretch wins, then exact beats truncated beats pattern. This
    machine's value inside a generic shape of another kind (its host name in a URL) is kept as well."""
    ordered = sorted([_upgraded(h, hits) for h in hits], key=lambda h: (-len(h[3]), -_RANK[h[1]], h[2]))
    kept: list[Hit] = []
    for hit in ordered:
        if not any(_covers(k, hit) for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h[2])


def _covers(outer: Hit, inner: Hit) -> bool:
    inside = outer[2] <= inner[2] and inner[2] + len(inner[3]) <= outer[2] + len(outer[3])
    return inside and (inner[1] == "pattern" or outer[1] != "pattern" or outer[0] == inner[0])


def _upgraded(hit: Hit, hits: list[Hit]) -> Hit:
    """A generic shape around this machine's value of the same kind (a path under its home) is that value's match."""
    kind, match, start, text = hit
    if match != "pattern" or any(h[:1] + h[2:] == (kind, start, text) and h[1] == "truncated" for h in hits):
        return hit  # the same text cut short by the daemon: "truncated" says more than the home it starts with
    inside = [h[1] for h in hits if h[0] == kind and h[1] != "pattern"
              and start <= h[2] and h[2] + len(h[3]) <= start + len(text)]
    return (kind, max(inside, key=_RANK.get), start, text) if inside else hit


def _exact(text: str, identity: Identity) -> list[Hit]:
    hits: list[Hit] = []
    for item in identity.values:
        if item.value.strip() and _may_hold(text, item):
            pattern = _exact_pattern(item.kind, item.value)
            hits += [(item.kind, "exact", m.start(), m.group(0)) for m in pattern.finditer(text)] if pattern else []
    return hits


def _may_hold(text: str, item) -> bool:
    """Whether the value can be in the text at all: a substring test first, so that a pattern is compiled only
    where it can match (most payloads hold none of this machine's values, and compiling every pattern costs more
    than the whole check). Only ASCII is folded here; re's case rules for other scripts differ from str's."""
    if item.kind not in _ANY_CASE:
        return item.value in text
    return not (text.isascii() and item.value.isascii()) or item.value.lower() in text.lower()


@lru_cache(maxsize=256)
def _exact_pattern(kind: str, value: str) -> re.Pattern | None:
    if len(value) < _MIN_EXACT:
        return _short_name(value) if kind in ("hostname", "user") else None
    flags = re.IGNORECASE if kind in _ANY_CASE else 0
    # not inside a longer word, number or address (user "ed" in "enabled", 10.0.0.1 in 10.0.0.12, fe80::1 in fe80::1:2)
    longer = r"(?![\w]|\.\d|:[0-9A-Fa-f])" if kind == "ip" else r"(?![\w]|\.\d)"
    return re.compile(rf"(?<![\w]){re.escape(value)}{longer}", flags)


def _short_name(value: str) -> re.Pattern:
    """A 1-2 character host or user name ("vm", "db") only as a whole token: not inside a word, a dotted or
    dashed name, or a path ("kvm", "db-backup", "/var/lib/db" do not match; "cannot reach vm: timeout" does)."""
    return re.compile(rf"(?<![\w.\-/]){re.escape(value)}(?![\w\-/]|\.\w)")


def _truncated(key: str, text: str, identity: Identity) -> list[Hit]:
    """Pieces of FATAL's action_data the daemon cut short: a home path, or the start of a known name."""
    if key != "action_data":
        return []
    from audit.channels.backend.decoding import decode_fatal  # the one reader of FATAL's LINE@FILE:FUNCTION/ERRNO

    decoded, _ = decode_fatal(None, text)
    hits = []
    at = text.find("@") + 1
    for part in ("file", "function"):
        item = decoded.get(part)
        if not item:
            return []
        at = text.find(item["value"], at)
        if not item["complete"]:  # complete values are seen whole by the exact and pattern checks
            hits += _truncated_piece(item["value"], at, identity)
        at += len(item["value"])
    return hits


def _truncated_piece(piece: str, start: int, identity: Identity) -> list[Hit]:
    if piece.startswith("/home/") or piece == "/root" or piece.startswith("/root/"):
        return [("home-path", "truncated", start, piece)]
    hits = []
    last = piece.rsplit("/", 1)[-1]
    candidates = [(piece, start), (last, start + len(piece) - len(last))]
    for item in identity.of_kind("hostname", "user", "home-path"):
        for candidate, at in candidates:
            if len(candidate) >= _MIN_PREFIX and len(candidate) < len(item.value) \
                    and _fold(item.value, item.kind).startswith(_fold(candidate, item.kind)):
                hits.append((item.kind, "truncated", at, candidate))
    return hits


def _fold(text: str, kind: str) -> str:
    return text.lower() if kind in _ANY_CASE else text


def _patterns(text: str) -> list[Hit]:
    hits = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            value = m.group(0)
            if kind == "ipv6":
                if not _is_ipv6(value):
                    continue
                kind_found = "ip"
            else:
                kind_found = kind
            if _ignored(kind_found, value):
                continue
            hits.append((kind_found, "pattern", m.start(), value))
    return hits


_CLAIM_OPTION = re.compile(r"(?<![\w-])--claim-(token|rooms|url|proxy|id|user|hostname)(?:=|\s+)([^\s\"']+)")
_URL_CREDENTIALS = re.compile(r"(?<![\w.+-])[A-Za-z][A-Za-z0-9+.-]*://([^\s/@:\"']+:[^\s/@\"']+)@")


def _secrets(text: str) -> list[Hit]:
    """A --claim-* option's value (kickstart's command line, as install_options carries it) and user:password in
    a URL."""
    hits = [("claim-token" if m.group(1) == "token" else "claim-option", "pattern", m.start(2), m.group(2))
            for m in _CLAIM_OPTION.finditer(text) if not m.group(2).startswith("--")]
    hits += [("url-credentials", "pattern", m.start(1), m.group(1)) for m in _URL_CREDENTIALS.finditer(text)]
    return hits


def _is_ipv6(text: str) -> bool:
    """An address with at least three colons; `::` alone, times (12:30:00) and MACs are not addresses."""
    if text.count(":") < 3:
        return False
    try:
        ipaddress.IPv6Address(text)
        return True
    except ValueError:
        return False


def _ignored(kind: str, value: str) -> bool:
    if value.lower() in IGNORED_TEXTS:
        return True
    if kind == "ip":
        address = ipaddress.ip_address(value)
        return address.is_loopback or address.is_unspecified
    if kind == "mac":
        return value.replace("-", ":").lower() in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff")
    return False


# -----------------------------------------------------------------------------------------------------------------
# summaries for people

def field_notes(properties: Mapping, secrets_in: Mapping[str, str],
                identifiers: Mapping[str, tuple[tuple[str, ...], str]]) -> dict:
    """A channel's identifying-data rules applied to a received body (explain's notes): the secrets found in each
    field of `secrets_in` (field -> why it may hold them), and each field of `identifiers` (field -> (prefixes,
    kind)) whose value starts with one of the prefixes."""
    out: dict = {}
    for key, why in secrets_in.items():
        text = properties.get(key)
        if not isinstance(text, str):
            continue
        for finding in check([(key, text)]):
            if finding.secret:
                out.setdefault(key, {"value": text, "meaning": ""})
                out[key]["meaning"] += f"{finding.description}: {finding.text}; "
        if key in out:
            out[key]["meaning"] += why
    for key, (prefixes, kind) in identifiers.items():
        value = properties.get(key)
        if isinstance(value, str) and value.startswith(prefixes):
            out[key] = {"value": value, "meaning": EXPLANATIONS[kind]}
    return out


def unexpected(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.expected]


def explanations(findings: Iterable[Finding]) -> dict[str, str]:
    """What each pseudonymous identifier kind found links together, by-design kinds first."""
    kinds = sorted({f.kind for f in findings if f.kind in EXPLANATIONS},
                   key=lambda k: (not any(f.kind == k and f.expected for f in findings), k))
    return {kind: EXPLANATIONS[kind] for kind in kinds}


def line(finding: Finding) -> str:
    verdict = "SECRET, high severity" if finding.secret else "by design" if finding.expected else "UNEXPECTED"
    return (f"{finding.field}: {finding.kind} ({finding.match}), sensitivity {finding.sensitivity or 'unknown'}, "
            f"{verdict}: {finding.text}")


def summary(findings: list[Finding]) -> str:
    """One line: the by-design identifiers by field, then each unexpected finding."""
    designed = list(dict.fromkeys(f.field for f in findings if f.expected))
    odd = unexpected(findings)
    parts = []
    if designed:
        parts.append(f"{len(designed)} identifier{'s' * (len(designed) != 1)} by design ({', '.join(designed)})")
    if odd:
        what = "; ".join(f"{f.field} holds {f.description} ({f.text}{', ' + f.match if f.match != 'pattern' else ''})"
                         for f in odd)
        parts.append(f"{len(odd)} UNEXPECTED: {what}")
    return "; ".join(parts) or "nothing identifying found"
