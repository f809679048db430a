"""Reference pages and example bodies for each channel of audit.channels.CHANNELS (used by audit.faces.docs).

Pure and deterministic: the example bodies come from invented machines (below), never from this one.
"""

from collections.abc import Callable
from functools import cache

from audit import channels
from audit.core import identify, optout
from audit.plumbing import schemas, versions
from audit.channels.agent_events import emit, prospective, releases
from audit.channels.agent_events.machine import Machine as EventsMachine
from audit.channels.agent_events.status import parse_uuid
from audit.channels.installer import machine as installer_machine
from audit.model.payload import Payload
from audit.faces.docs_shared import canonical_facts, generated_note, page, pretty_json, table

EXAMPLE_VERSION = "v2.11.0"  # the agent-events examples are what this release's next start would post
STATUS_EXAMPLE = "agent-events/status-netdata.json"
EXAMPLES_IN_DOCS = "examples"  # the docs tree carries its own copy of the examples tree, so its links work anywhere
SAVED_CAUSE = "deadly signal"  # the invented status file: the run ended on a signal (the boot id does not matter)
NOW_USEC = 1_764_000_000_120_000  # 2025-11-24T16:00:00.12Z, the invented "now"
EXAMPLE_BOOT = parse_uuid("6b1f0c2e-9d4a-4e57-8a31-2c5e7f90ab14")

# An invented machine for the agent-events examples: the values machine.collect would read.
EXAMPLE_MACHINE_VALUES = {
    "host.id": parse_uuid("8d2a6e0f4b1c4e9a9f3b7c5d1e2f3a4b"),
    "host.boot.id": EXAMPLE_BOOT,
    "host.uptime": 864000,
    "hw.sys.vendor": b"Example Systems",
    "hw.sys.uuid": b"3E0A7E11-5A3B-4C6D-8E9F-0123456789AB",
    "hw.product.id": b"Example Server 1000",
    "hw.product.name": b"Example Server 1000",
    "hw.board.vendor": b"Example Systems",
    "hw.bios.vendor": b"Example BIOS",
    "hw.bios.version": b"1.2.3",
    "hw.bios.date": b"01/02/2025",
    "hw.chassis.type": b"17",
    "host.timezone": b"Europe/Athens",
    "host.memory.total": 8 * 1024 ** 3,
    "host.memory.free": 5 * 1024 ** 3,
    "host.disk.db.total": 100 * 1024 ** 3,
    "host.disk.db.free": 60 * 1024 ** 3,
    "host.disk.db.inodes_total": 6553600,
    "host.disk.db.inodes_free": 6000000,
    "host.disk.db.read_only": False,
    "agent.since": NOW_USEC - 90 * 86400 * 1_000_000,
    "agent.claim_id": parse_uuid("c1a1e0d5-7f3e-4a2b-9c8d-0e1f2a3b4c5d"),
    "agent.install_type": b"binpkg-deb",
}
# The crash the prospective examples describe (used by the causes that carry FATAL details).
FATAL_PARAMS = {"file": "src/database/rrdset.c", "function": "rrdset_done", "line": 1234,
                "message": "out of bounds access in chart 'system.cpu'", "errno": "0", "thread": "P[proc]",
                "signal": "SIGSEGV/SEGV_MAPERR",
                "stack_trace": b"#0 rrdset_done (src/database/rrdset.c:1234)\n#1 proc_main (src/collectors/proc.c:88)"}

# An invented install for the installer examples: a fake claim token on the command line (check flags it).
INSTALL_OPTIONS = "--stable-channel --claim-token FAKE-CLAIM-TOKEN-0123456789 --claim-url https://app.netdata.cloud"
INSTALLER_PARAMS = {
    "INSTALL_SUCCESS": {},
    "INSTALL_FAILED": {"error_code": "F0003", "message": "Could not find a usable HTTP client"},
    "INSTALL_CRASH": {"exit_code": "1", "line": "2280"},
}
EXAMPLE_OS_RELEASE = ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                      'VERSION="12 (bookworm)"\nID=debian\n')
EXAMPLE_MACHINE_ID = b"8d2a6e0f4b1c4e9a9f3b7c5d1e2f3a4b\n"


def slug(name: str) -> str:
    return name.replace(" ", "-")


# ---------------------------------------------------------------- example bodies

def _facts():
    return canonical_facts()


def events_machine() -> EventsMachine:
    m = EventsMachine(boot_id=EXAMPLE_BOOT, now_usec=NOW_USEC)
    for path, value in EXAMPLE_MACHINE_VALUES.items():
        m.put(path, value, "invented")
    return m


def cause_payload(cause: str) -> Payload:
    from audit.channels.agent_events import channel as agent_events

    params = {"machine": events_machine(), "netdata_version": EXAMPLE_VERSION, **FATAL_PARAMS}
    return agent_events.build(_facts(), cause, params)


@cache
def status_file() -> bytes:
    release = releases.release_for(EXAMPLE_VERSION)
    p = prospective.build_status(_facts(), events_machine(), SAVED_CAUSE, dict(FATAL_PARAMS), release,
                                 EXAMPLE_VERSION)
    return emit.pretty(p.status, release)


def saved_payload() -> Payload:
    from audit.channels.agent_events import channel as agent_events

    return agent_events.build_saved(status_file(), f"examples/{STATUS_EXAMPLE}", _facts(), EXAMPLE_BOOT,
                                    EXAMPLE_VERSION)


def saved_command() -> str:
    return (f"telemetry-audit payload --channel agent-events --status-file examples/{STATUS_EXAMPLE} "
            f"--netdata-version {EXAMPLE_VERSION} --facts examples/facts.json --wire")


def installer_machine_example() -> installer_machine.Machine:
    facts = _facts()
    ids = tuple((prefix, path, EXAMPLE_MACHINE_ID if path == "/etc/machine-id" else None)
                for prefix, path in installer_machine.ID_FILES)
    return installer_machine.Machine(EXAMPLE_OS_RELEASE, None, "MemTotal:        8151132 kB\n", ids,
                                     facts["NETDATA_SYSTEM_KERNEL_NAME"].value,
                                     facts["NETDATA_SYSTEM_KERNEL_VERSION"].value,
                                     facts["NETDATA_SYSTEM_ARCHITECTURE"].value)


def installer_payload(event: str) -> Payload:
    from audit.channels.installer import channel as installer

    params = {"machine": installer_machine_example(), "install_options": INSTALL_OPTIONS,
              "install_type": "binpkg-deb", "runtime": "42", **INSTALLER_PARAMS[event]}
    return installer.build(_facts(), event, params)


def example_bodies() -> dict[str, Payload]:
    """Relative path (without .wire/.json) -> the built body, for every built channel but the backend's."""
    from audit.channels.agent_events import channel as agent_events

    out = {f"agent-events/saved-{slug(SAVED_CAUSE)}": saved_payload()}
    out.update({f"agent-events/causes/{slug(c.name)}": cause_payload(c.name) for c in agent_events.events()})
    out.update({f"installer/{event}": installer_payload(event) for event in INSTALLER_PARAMS})
    return out


# ---------------------------------------------------------------- reference/channels/<name>.md

def _schema_rows(props: dict[str, dict], since_key: str) -> list[tuple]:
    return [(f"`{path}`", meta.get("description", ""), meta.get("x-source", ""), meta.get("x-sensitivity", ""),
             meta.get(since_key, "")) for path, meta in props.items()]


def _fields(ch: channels.Channel) -> list[str]:
    if ch.name == "agent-events":
        props, since = schemas.agent_events_properties(), "x-since-release"
        intro = "Every member, nested ones by dotted path, in body order"
    elif ch.name == "installer":
        props, since = schemas.installer_properties(), "x-since"
        intro = "Every member of `properties` (the body also has a top-level `event`), in body order"
    elif ch.name == "backend":
        props, since = schemas.backend_properties(), "x-since"
        intro = "Every member of `properties` (the body also has a top-level `event`), in body order"
    else:
        return []
    lines = ["## Fields", "", f"{intro}, from `schemas/{ch.schema}`.", ""]
    return lines + table(("field", "meaning", "source", "sensitivity", "since"), _schema_rows(props, since)) + [""]


def _events(ch: channels.Channel) -> list[str]:
    if not ch.built:
        return []
    rows = [(f"`{e.name}`", getattr(e, "meaning", ""), getattr(e, "since", None) or "", getattr(e, "until", None)
             or "") for e in ch.impl().events()]
    title = "Exit causes (the events of this channel)" if ch.name == "agent-events" else "Events"
    return [f"## {title}", ""] + table(("event", "meaning", "since", "until"), rows) + [""]


def _opt_out(ch: channels.Channel) -> list[str]:
    lines = ["## What stops it", ""]
    return lines + [f"- **{c}**: {optout.RULE_TEXT[c]}" for c in ch.components if c in optout.RULE_TEXT] + [""]


def _finding_lines(built: Payload) -> list[str]:
    return [f"- {identify.line(f)}" for f in identify.check(built)]


def example_link(path: str, up: int) -> str:
    """A link from a page `up` folders below the docs root to a file of the docs tree's own examples copy."""
    return f"[`examples/{path}`]({'../' * up}{EXAMPLES_IN_DOCS}/{path})"


def _example(path: str, built: Payload, command: str | None) -> list[str]:
    lines = [f"### {path.rsplit('/', 1)[-1]}", ""]
    if command:
        lines += ["```sh", command, "```", ""]
    lines += [f"{example_link(f'{path}.wire', 2)} ({len(built.wire)} bytes, sha256 `{built.sha256}`), "
              f"{example_link(f'{path}.json', 2)}.", ""]
    found = _finding_lines(built)
    return lines + (["What `check` finds in it:", "", *found, ""] if found else [])


def _agent_events_examples() -> list[str]:
    saved = saved_payload()
    lines = ["## Examples", "",
             f"{example_link(STATUS_EXAMPLE, 2)} is an invented status file (a "
             f"{EXAMPLE_VERSION} agent whose run ended with `{SAVED_CAUSE}`); the body its next start would post:",
             ""]
    lines += _example(f"agent-events/saved-{slug(SAVED_CAUSE)}", saved, saved_command())
    lines += ["Every cause's prospective body, built from the invented facts in `examples/facts.json` and an "
              "invented machine (ids, DMI, memory, disk: `audit/faces/docs_channels.py`), is in "
              f"{example_link('agent-events/causes/', 2)}, one `.wire` and one "
              "`.json` per cause.", ""]
    return lines


def _installer_examples() -> list[str]:
    lines = ["## Examples", "",
             f"An invented install on an invented Debian 12 machine, typed as `kickstart.sh {INSTALL_OPTIONS}` "
             "(a fake claim token):", ""]
    for event in INSTALLER_PARAMS:
        lines += _example(f"installer/{event}", installer_payload(event), None)
    return lines


def _dashboard(ch: channels.Channel) -> list[str]:
    from audit.channels import dashboard
    from audit.channels.dashboard import generations

    lines = ["## Documented properties", "", f"From Netdata's {dashboard.DOCUMENTED_SOURCE}: documented, not built "
             "by this tool.", ""]
    lines += table(("property", "value", "meaning"), ((f"`{f}`", f"`{v}`", m) for f, v, m in ch.documented))
    lines += ["", "## What `observe-dashboard` finds", "",
              "`telemetry-audit observe-dashboard --agent-url URL` opens the agent's dashboard in a headless "
              "browser that lets nothing leave loopback and lists every request the page attempted beyond the "
              "agent, grouped by purpose:", ""]
    lines += table(("purpose", "hosts", "what it is for", "what stops it"),
                    ((p.title, f"`{p.hosts}`", p.note, p.stopped_by) for p in dashboard.PURPOSES))
    lines += ["", "## Dashboard generations", "",
              "Which dashboard an agent serves, and every request each generation makes beyond the agent:", ""]
    lines += table(("generation", "Netdata versions", "served at", "requests no opt-out stops"),
                    ((f"[{g.title}](../dashboard/{g.name}.md)", g.versions, ", ".join(f"`{p}`" for p, _ in g.served_at),
                      ", ".join(r.title for r in _generation_requests(g) if not r.stopped_by_opt_out) or "none")
                     for g in generations.GENERATIONS))
    return lines + [""]


def _generation_requests(g) -> tuple:
    from audit.channels.dashboard import generations

    return tuple(r for r in generations.REQUESTS if g.name in r.generations)


def generation_page(g) -> str:
    """One dashboard generation: where it is served, and each off-host request field by field."""
    from audit.channels.dashboard import generations

    lines = [f"# Dashboard: {g.title}", "", *generated_note(),
             f"- **Netdata versions:** {g.versions}", f"- **Shipped:** {g.shipped}", f"- **Read from:** {g.source}", ""]
    lines += table(("path", "what is there"), ((f"`{p}`", what) for p, what in g.served_at))
    if g.assumed_from:
        base = next(x for x in generations.GENERATIONS if x.name == g.assumed_from)
        lines += ["", f"**Assumed.** This dashboard is downloaded at build time and is not in Netdata's repository, "
                  f"so it could not be read here: every request below is carried over from {base.title} "
                  f"({base.versions}, v1.47.0's bundle). Users report the same telemetry push from v2.x agents "
                  "(netdata/netdata#20969), with a `labels.path` member the v1.47 bundle does not send."]
    requests = _generation_requests(g)
    if not requests:
        lines += ["", "The requests these dashboards make are the observed purposes of the "
                  "[dashboard channel](../channels/dashboard.md#what-observe-dashboard-finds); none is outside the "
                  "opt-out's reach but the registry, the version check, the news feed and the Cloud sign-in frame.", ""]
        return page(lines)
    lines += ["", "## Requests beyond the agent", ""]
    lines += table(("request", "since", "stopped by the opt-out", "when"),
                    ((r.title, r.since or "", "yes" if r.stopped_by_opt_out else "**NO**", r.when) for r in requests))
    for r in requests:
        lines += ["", f"### {r.title}", "", f"- **Request:** `{r.method} {r.url}`",
                  f"- **Destination chosen by:** {r.chosen_by}", f"- **When:** {r.when}",
                  f"- **What the code checks first:** {r.gate}",
                  f"- **Stopped by the opt-out:** {'yes' if r.stopped_by_opt_out else 'NO'}",
                  f"- **What stops it:** {'; '.join(r.levers)}", f"- **Read from:** `{r.source}`"
                  + (f", from {r.since}" if r.since else ""),
                  f"- **Seen in a real browser:** {r.verified or 'not run here: read from the bundle'}", ""]
        lines += table(("field", "source", "identifying", "set by the browser"),
                        ((f"`{f.path}`", f.source, "yes" if f.identifying else "no", "yes" if f.browser else "no")
                         for f in r.fields))
    return page(lines + [""])


def _backend_layouts() -> list[str]:
    """Which members each range of releases sends, from the schema's layouts (the old bodies validate too)."""
    varying = schemas.layout_members()
    lines = ["## Body layouts by release", "",
             "The script's body changed three times before v1.43; `validate` accepts each release's layout and "
             "names the members that clash when a body mixes them.", ""]
    last = channels.CHANNELS["backend"].until  # the newest layout lasts as long as the script runs
    lines += table(("releases", *(f"`{m}`" for m in varying)),
                    ((versions.span(layout.since, layout.until or last), *("yes" if m in layout.has else "no"
                                                                            for m in varying))
                     for layout in schemas.backend_layouts()))
    api_key = schemas.backend_top_members()["api_key"]
    return lines + ["", f"`api_key` (top level, before `event`): {api_key['description']}", ""]


def channel_page(ch: channels.Channel) -> str:

    lines = [f"# Channel: {ch.title}", "", *generated_note(),
             f"- **`--channel`:** `{ch.name}`" + ("" if ch.built else " (documented and observed, not built)"),
             f"- **Sender:** {ch.sender}",
             f"- **Endpoint:** `{ch.endpoint}`",
             f"- **Netdata versions:** {ch.versions}",
             f"- **Schema:** `schemas/{ch.schema}`" if ch.built else "- **Schema:** none (not built)", ""]
    lines += _events(ch) + _opt_out(ch)
    if ch.name == "backend":
        lines += ["Each event has its own page: see [the index](../index.md#agent-backend-events).", ""]
    lines += _fields(ch)
    builders: dict[str, Callable[[], list[str]]] = {"backend": _backend_layouts,
                                                    "agent-events": _agent_events_examples,
                                                    "installer": _installer_examples,
                                                    "dashboard": lambda: _dashboard(ch)}
    lines += builders.get(ch.name, list)()
    return page(lines)


def pages() -> dict[str, Callable[[], str]]:
    from audit.channels.dashboard import generations

    out = {f"reference/channels/{name}.md": (lambda ch=ch: channel_page(ch)) for name, ch in channels.CHANNELS.items()}
    out.update({f"reference/dashboard/{g.name}.md": (lambda g=g: generation_page(g)) for g in generations.GENERATIONS})
    return out


def index_rows() -> list[tuple]:
    return [(f"[{ch.title}](channels/{name}.md)", f"`{name}`", ch.sender, f"`{ch.endpoint}`", ch.versions)
            for name, ch in channels.CHANNELS.items()]


def examples() -> dict[str, bytes]:

    tree = {STATUS_EXAMPLE: status_file()}
    for path, built in example_bodies().items():
        tree[f"{path}.wire"] = built.wire
        document = built.document()
        if document is not None:
            tree[f"{path}.json"] = pretty_json(document).encode("utf-8")
    return tree
