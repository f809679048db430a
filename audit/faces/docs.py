"""Reference docs and example payloads, generated from the schemas, the event catalog, the opt-out rules and the
code tables, so what the docs say cannot drift from what the tool checks.

Pure: the same package gives the same bytes (sorted, no timestamps, nothing read from this machine).
`telemetry-audit docs` writes the result; tests/test_docs.py fails when docs/ or examples/ differ from it.
"""

import json
from collections.abc import Callable, Iterable, Mapping

from audit import channels
from audit.plumbing import codes
from audit.core import identify, optout
from audit.faces import docs_channels
from audit.faces.docs_shared import DOCS_COMMAND, FACTS_FILE, canonical_facts, canonical_facts_text, pretty_json
from audit.faces.docs_shared import cell as _cell, code as _code, generated_note as _generated_note, page as _page
from audit.faces.docs_shared import package_text, table as _table
from audit.channels.backend import assemble as payload
from audit.model.payload import Payload
from audit.plumbing import schemas, versions
from audit.channels.backend import catalog, fatal
from audit.plumbing.errors import AuditError
from audit.model.fact import Fact, Facts
from audit.model.verdict import ComponentVerdict, Verdict

EXAMPLES_COMMAND = "telemetry-audit docs --examples --out examples"
GUIDES = ("admin-audit", "support", "writer")

# Parameters of the example payloads; events without an entry use their catalog defaults.
EXAMPLE_PARAMS: dict[str, dict] = {
    "FATAL": {"process": "netdata", "thread": "WEB_SERVER[static4]", "function": "web_client_api_request_v1_data",
              "file": "web/api/web_api_v1.c", "line": 1234, "errno": 12},
    "EXIT": {"result": "ERROR"},
    "EXPORTING_START": {"result": "OK", "connector": "graphite"},
    "BACKEND_START": {"connector": "graphite"},
    "ACLK_CONN_FAIL": {"codes": "1,2,44"},
}

# The FATAL above as a NETDATA_INTERNAL_CHECKS build writes it to error.log (audit/facts/fatallog.py, classic shape:
# file 20 bytes, function 15); errno 12's strerror is spelled out so the sample does not depend on this libc.
FATAL_LOG = (
    "2024-11-04 03:12:09: netdata INFO  : MAIN : Netdata agent version \"v2.2.0\" is starting\n"
    "2024-11-04 03:17:42: netdata FATAL : WEB_SERVER[static4] : (1234@web/api/web_api_v1.c:web_client_api_): "
    "Cannot allocate memory for the response buffer # : Cannot allocate memory\n"
    "2024-11-04 03:17:42: netdata INFO  : MAIN : EXIT: netdata prepares to exit with code 1...\n"
)

# A META as the server received it from a machine like the canonical one, a few hours later.
RECEIVED_EVENT = "META"
RECEIVED_CHANGES = {"analytics.alarms_warning": "3", "analytics.alarms_critical": "1",
                    "analytics.host_dashboard_used": "9"}

SENSITIVITY_ORDER = ("identifier", "environment", "configuration", "usage")
SENSITIVITY_MEANING = {
    "identifier": "links events to one agent install or one machine; pseudonymous, not a name or an address",
    "environment": "describes the machine and OS (hardware, kernel, distribution, container)",
    "configuration": "how the agent is built and configured",
    "usage": "what the agent does (events, counters, collectors) and the masked PostHog constants",
}

# Fields whose text comes from names chosen by people or programs, so they can carry identifying text.
FREE_TEXT_FIELDS = {
    "action_result": "FATAL: '<program>:<thread tag>'; a thread tag can hold a plugin or job name "
                     "(streaming tags, which hold a host name, are masked to RCVR/SNDR)",
    "action_data": "FATAL: source file and C function of the crash; ACLK_CONN_FAIL / EXPORTING_START: codes or "
                   "a connector type",
    "netdata_fail_reason": "the text of a SQLite error, which can quote a statement",
    "netdata_buildinfo": "the build's feature list; a custom build can add its own words",
    "exporting_connectors": "connector types from exporting.conf section names",
    "host_collectors": "plugin and module names, including custom ones",
}

# Opt-out situations the rules are evaluated in: (label, opt-out file exists, environment).
OPT_OUT_SITUATIONS = (
    ("nothing set", False, {}),
    ("opt-out file exists", True, {}),
    ("DISABLE_TELEMETRY=1", False, {"DISABLE_TELEMETRY": "1"}),
    ("DISABLE_TELEMETRY=0", False, {"DISABLE_TELEMETRY": "0"}),
    ("DISABLE_TELEMETRY=yes", False, {"DISABLE_TELEMETRY": "yes"}),
    ("DO_NOT_TRACK=1", False, {"DO_NOT_TRACK": "1"}),
    ("DO_NOT_TRACK=0", False, {"DO_NOT_TRACK": "0"}),
    ("opt-out file + DISABLE_TELEMETRY=1", True, {"DISABLE_TELEMETRY": "1"}),
)
OPT_OUT_VERSIONS = (("v2.2.x and older", "v2.2.0"), ("v2.3 and later", "v2.5.4"))
OPT_OUT_CONFIG_DIR = "/etc/netdata"

MECHANISMS = (
    (f"the opt-out file `{OPT_OUT_CONFIG_DIR}/{optout.OPT_OUT_FILE}`",
     "create it with `telemetry-audit opt-out --apply` (remove with `--revert`); its contents do not matter"),
    ("the `DISABLE_TELEMETRY` environment variable",
     "in the daemon's environment (systemd unit, Docker `-e`) or when running kickstart.sh"),
    ("the `DO_NOT_TRACK` environment variable", "the cross-tool convention; read by the script, kickstart and Docker"),
    ("kickstart.sh `--disable-telemetry`",
     "creates the opt-out file at install time and sends no installer events; the static and source installers "
     "also record it in REINSTALL_OPTIONS in `.environment`, which `opt-out` reports"),
    ("`[web] respect do not track policy = yes` in netdata.conf",
     "the dashboard then honours the browser's Do Not Track setting (dashboard channel only)"),
)

FATAL_WORKED_EXAMPLES = (
    ("the example payload", EXAMPLE_PARAMS["FATAL"], "v2.2.0"),
    ("a streaming receiver thread (tag holds a host name)",
     {**EXAMPLE_PARAMS["FATAL"], "thread": "RCVR[child-42]", "line": 712, "file": "streaming/receiver.c",
      "function": "rrdpush_receive", "errno": 104}, "v2.2.0"),
    ("the same before v1.38", {**EXAMPLE_PARAMS["FATAL"], "thread": "STREAM_RECEIVER[child-42]"}, "v1.37.0"),
    ("short file and function, no errno",
     {"process": "netdata", "thread": "MAIN", "function": "main", "file": "main.c", "line": 7, "errno": 0}, "v2.2.0"),
    ("a long program name", {**EXAMPLE_PARAMS["FATAL"], "process": "netdata-" + "x" * 60}, "v2.2.0"),
)


# ---------------------------------------------------------------- canonical facts and payloads

def example_payload(event: str, facts: Facts | None = None) -> Payload:
    return payload.build(facts or canonical_facts(), event, EXAMPLE_PARAMS.get(event, {}))


def example_command(event: str) -> str:
    options = "".join(f" --{name} {_shell_word(value)}" for name, value in EXAMPLE_PARAMS.get(event, {}).items())
    return f"telemetry-audit payload {event}{options} --facts examples/{FACTS_FILE} --wire"


def _shell_word(value: object) -> str:
    text = str(value)
    return text if all(c.isalnum() or c in "-_./,:" for c in text) else f"'{text}'"


def schema_problems(document: object, event: str) -> list[str]:
    return [f"{p.pointer}: {p.message}" for p in schemas.problems(document, schemas.event_schema_id(event))]


def _event_schema(event: str) -> dict:
    return schemas.schema(schemas.event_schema_id(event))


def event_versions(event: str) -> tuple[str | None, str | None]:
    marked = _event_schema(event).get("x-versions", {})
    return marked.get("since"), marked.get("until")


def _backend_schema() -> dict:
    return schemas.schema(schemas.BACKEND_ID)


def _top_properties() -> dict[str, dict]:
    return _backend_schema()["properties"]


def _event_overrides(event: str) -> dict[str, dict]:
    return _event_schema(event).get("properties", {}).get("properties", {}).get("properties", {})


def type_text(prop: Mapping) -> str:
    if "const" in prop:
        return f"const {json.dumps(prop['const'])}"
    kind = prop.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    return " or ".join(kinds)


def _override_type(base: Mapping, override: Mapping) -> str:
    if "const" in override:
        return type_text(override)
    limits = [f"max {override['maxLength']} chars"] if "maxLength" in override else []
    limits += [f"pattern `{override['pattern']}`"] if "pattern" in override else []
    return ", ".join([type_text(base), *limits])


# ---------------------------------------------------------------- reference/index.md

def _summary(event: str) -> str:
    return catalog.EVENTS[event].meaning


def _index(events: list[str]) -> str:
    lines = ["# Netdata anonymous telemetry: reference", "", *_generated_note(),
             "Netdata's anonymous telemetry leaves a machine on several channels. Each has its own page: its "
             "sender, endpoint, versions, events, what stops it and every field of its body. `payload`, `check` "
             "and `send` take `--channel NAME`; `explain`, `diff` and `validate` tell the channel from the body.",
             "", "## Channels", ""]
    lines += _table(("channel", "--channel", "sender", "endpoint", "Netdata versions"), docs_channels.index_rows())
    lines += ["", "## Agent backend events", "",
              "Each event is one POST of a JSON body with the same "
              f"{len(schemas.backend_properties())} properties; only `action`, `action_result` and `action_data` "
              "differ by event, and the runtime values are `null` until the daemon has gathered them.", ""]
    lines += _table(("event", "Netdata versions", "summary"),
                    ((f"[{e}](events/{e}.md)", versions.span(*event_versions(e)), _summary(e)) for e in events))
    lines += ["", "## More", "",
              "- [Every field, grouped by sensitivity](fields.md), including "
              "[what identifies you](fields.md#identifiers-and-personal-data)",
              "- [Opt-out: every mechanism and which component obeys it](opt-out.md)",
              "- [FATAL: how the crash location is formatted and truncated](fatal.md)",
              "- [Cloud claim error codes and cloud-link failure reasons](cloud-codes.md)"]
    return _page(lines)


# ---------------------------------------------------------------- reference/events/<EVENT>.md

def _event_page(event: str) -> str:
    ev = catalog.EVENTS[event]
    since, until = event_versions(event)
    lines = [f"# {event}", "", *_generated_note(), ev.meaning, "",
             f"- **When Netdata sends it:** {ev.sent_when}.",
             f"- **Netdata versions:** {versions.span(since, until)}.",
             f"- **action_result / action_data:** {ev.results_meaning}.",
             f"- **Runtime values:** {_phase_text(ev.phase)}",
             f"- **Schema:** `schemas/events/{event}.schema.json` ({_event_schema(event)['$id']})", ""]
    lines += _params_section(ev)
    lines += _fields_section(event)
    lines += _example_section(event)
    return _page(lines)


def _phase_text(phase: str) -> str:
    if phase == "meta":
        return "sent after the analytics thread has gathered them, so every analytics field holds a value."
    return ("sent before the analytics thread has run: the collector, alert, chart, cloud and exporting counters "
            "are `null`; only the values set at start-up are filled.")


def _params_section(ev: catalog.Event) -> list[str]:
    if not ev.params:
        return []
    lines = ["## Parameters", "", f"`telemetry-audit payload {ev.name}` takes these options:", ""]
    lines += _table(("option", "default", "meaning"),
                    ((f"`--{p.name}`", "" if p.default in (None, "") else p.default, p.help) for p in ev.params))
    return lines + [""]


def _field_rows(event: str) -> list[tuple]:
    overrides = _event_overrides(event)
    event_top = _event_schema(event).get("properties", {}).get("event", {})
    top = _top_properties()["event"]
    rows = [("`event`", _override_type(top, event_top), top["description"], top["x-source"],
             top["x-sensitivity"], "")]
    for name, prop in schemas.backend_properties().items():
        override = overrides.get(name, {})
        rows.append((f"`{name}`", _override_type(prop, override) if override else type_text(prop),
                     override.get("description", prop["description"]), prop["x-source"], prop["x-sensitivity"],
                     prop["x-since"]))
    return rows


def _fields_section(event: str) -> list[str]:
    lines = ["## Fields", "", "From `schemas/backend-event.schema.json` and this event's schema; "
             "[all fields by sensitivity](../fields.md).", ""]
    lines += _table(("field", "type", "meaning", "source", "sensitivity", "since"), _field_rows(event))
    return lines + [""]


def _example_section(event: str) -> list[str]:
    built = example_payload(event)
    document = built.document()
    problems = schema_problems(document, event) if document is not None else ["not JSON"]
    lines = ["## Example payload", "",
             f"Built from the invented machine in {docs_channels.example_link(FACTS_FILE, 2)} with:",
             "", "```sh", example_command(event), "```", "",
             f"The exact bytes POSTed ({len(built.wire)} bytes; the body has no trailing newline):", "",
             "```json", built.wire.decode("utf-8", "replace"), "```", "",
             f"- Valid JSON: {'yes' if built.valid_json else 'no: ' + '; '.join(built.invalid)}",
             f"- Valid against `{event}.schema.json`: {'yes' if not problems else 'no: ' + '; '.join(problems)}",
             f"- sha256 of the bytes: `{built.sha256}`",
             f"- Files: {docs_channels.example_link(f'payloads/{event}.wire', 2)}, "
             f"{docs_channels.example_link(f'payloads/{event}.json', 2)}"]
    lines += [f"- Note: {warning}" for warning in built.warnings]
    return lines


# ---------------------------------------------------------------- reference/fields.md

def _by_sensitivity() -> dict[str, list[tuple[str, dict]]]:
    props = schemas.backend_properties()
    found = sorted({p["x-sensitivity"] for p in props.values()})
    order = [s for s in SENSITIVITY_ORDER if s in found] + [s for s in found if s not in SENSITIVITY_ORDER]
    return {s: [(n, p) for n, p in props.items() if p["x-sensitivity"] == s] for s in order}


def _personal_data_section() -> list[str]:
    props = schemas.backend_properties()
    host_like = sorted(n for n in props if "hostname" in n.lower() or n.lower() in ("host", "host_name"))
    identifiers = [(n, p) for n, p in props.items() if p["x-sensitivity"] == "identifier"]
    lines = ["## Identifiers and personal data", "",
             "### Does Netdata send my hostname?", "",
             ("No. None of the fields is this machine's host name"
              if not host_like else f"Only in: {', '.join(host_like)}")
             + f": `$host` is the constant {_code(props['$host']['const'])} "
             "(PostHog's host field, masked). FATAL thread tags of streaming threads, which contain the name of "
             "the other host, are masked to `RCVR` / `SNDR` (see [fatal.md](fatal.md)). A host name can still "
             "reach a free-text field (a FATAL source path, a SQLite error; see the table below): "
             "`telemetry-audit check EVENT` looks in every field for this machine's host names, addresses, "
             "MAC addresses, users and home directories before anything is sent, and `send --strict` refuses "
             "when it finds one.", "",
             "### Does Netdata send my IP address?", "",
             f"The body does not: `$ip` is the constant {_code(props['$ip']['const'])}. But the receiving server "
             "sees the connection's source address, as every server you connect to does; a proxy or NAT changes "
             "which address that is.", "",
             "### Does Netdata send my user names?", "",
             "No field is a user name, an e-mail address or a path in a home directory. Fields that carry free "
             "text can contain identifying words if someone put them into the names those fields report:", ""]
    lines += _table(("field", "what may end up in it", "schema meaning"),
                    ((f"`{n}`", why, props[n]["description"]) for n, why in FREE_TEXT_FIELDS.items()))
    lines += ["", "### Which fields identify the machine by design?", "",
              "These are pseudonymous identifiers: they link events to one agent install or one machine, they "
              "are not names or addresses.", ""]
    lines += _table(("field", "meaning", "source"),
                    ((f"`{n}`", p["description"], p["x-source"]) for n, p in identifiers))
    lines += ["", "What they link, and what they do not reveal:", ""]
    lines += [f"- **{kind}**: {identify.EXPLANATIONS[kind]}." for kind in ("machine-guid", "system-distinct-id")]
    lines += ["", *_installer_section(), ""]
    return lines


def _installer_section() -> list[str]:
    """The installer channel's secret and identifier (schemas/installer-event.schema.json)."""
    props = schemas.installer_properties()
    return ["### Does the installer send my claim token?", "",
            "Yes, if it was typed on kickstart's command line: `install_options` is "
            f"{props['install_options']['description']} "
            "`telemetry-audit check --channel installer INSTALL_SUCCESS --install-options=\"...\"` (or without "
            "the option, the REINSTALL_OPTIONS recorded in `.environment`) flags it as a SECRET, high severity, "
            "as it does any other `--claim-*` value and a user:password inside a URL.", "",
            *[f"- **{kind}**: {identify.EXPLANATIONS[kind]}." for kind in ("claim-token", "url-credentials")], "",
            f"The installer's `distinct_id` is {props['distinct_id']['description']} The v1.42+ value is the "
            "backend's `system_distinct_id`, so the two channels' events can be joined; "
            "`check` lists it as by design. "
            f"Kickstart's opt-out: {optout.RULE_TEXT['kickstart']}"]


def _fields_page() -> str:
    groups = _by_sensitivity()
    total = sum(len(v) for v in groups.values())
    lines = ["# Every field of the agent backend payload", "", *_generated_note(),
             f"The body has a top-level `event` (`'<action> <result>'`) and {total} properties, listed here by "
             "sensitivity in the order the script writes them. Meanings, sources and versions come from "
             "`schemas/backend-event.schema.json`.", ""]
    lines += _table(("sensitivity", "fields", "what it means"),
                    ((f"[{s}](#{s})", len(v), SENSITIVITY_MEANING.get(s, "")) for s, v in groups.items()))
    lines += [""] + _personal_data_section()
    for sensitivity, fields in groups.items():
        lines += [f"## {sensitivity}", "", f"{SENSITIVITY_MEANING.get(sensitivity, '')}.", ""]
        lines += _table(("field", "type", "meaning", "source", "since", "written as"),
                        ((f"`{n}`", type_text(p), p["description"], p["x-source"], p["x-since"], p["x-wire"])
                         for n, p in fields))
        lines += [""]
    return _page(lines)


# ---------------------------------------------------------------- reference/opt-out.md

class _ImaginedSystem:
    """Just enough of audit.plumbing.system.System for optout.mechanisms: one config dir, one environment, and a
    kickstart install inside Netdata's own image (its entrypoint), so that every component applies."""

    def __init__(self, opt_out_file: bool, env: Mapping[str, str]):
        self.env = dict(env)
        self._files = {f"{OPT_OUT_CONFIG_DIR}/.install-type": b"INSTALL_TYPE='kickstart-static'\n", "/.dockerenv": b"",
                       "/usr/sbin/run.sh": b""}
        if opt_out_file:
            self._files[f"{OPT_OUT_CONFIG_DIR}/{optout.OPT_OUT_FILE}"] = b""

    def exists(self, path: str) -> bool:
        return path in self._files

    def is_file(self, path: str) -> bool:
        return path in self._files

    def listdir(self, path: str) -> list[str]:
        return []

    def read_bytes(self, path: str) -> bytes | None:
        return self._files.get(path)

    def read_text(self, path: str) -> str | None:
        data = self._files.get(path)
        return None if data is None else data.decode()

    def display(self, path: str) -> str:
        return path

    def stat(self, path: str) -> None:  # no status file, claim or Sentry database in these situations
        return None

    def is_dir(self, path: str) -> bool:
        return False

    def readable(self, path: str) -> bool:
        return path in self._files


def _verdicts(version: str) -> list[tuple[str, Verdict]]:
    return [(label, optout.evaluate(_ImaginedSystem(has_file, env), OPT_OUT_CONFIG_DIR, version))
            for label, has_file, env in OPT_OUT_SITUATIONS]


def _component_state(component: ComponentVerdict) -> str:
    return "sends" if component.sends else "off (" + ", ".join(component.suppressed_by) + ")"


def _opt_out_table(version: str) -> list[str]:
    verdicts = _verdicts(version)
    components = [c for c in verdicts[0][1].components if c in optout.COMPONENTS]
    return _table(("situation", *components, "backend events"),
                  ((label, *(_component_state(v.components[c]) for c in components),
                    "sent" if v.backend_sends else "not sent") for label, v in verdicts))


def _disagreements() -> dict[str, list[str]]:
    """Each disagreement the rules report, with the situations (and versions) that produce it."""
    found: dict[str, dict[str, list[str]]] = {}
    for span, version in OPT_OUT_VERSIONS:
        for label, verdict in _verdicts(version):
            for text in verdict.disagreements:
                found.setdefault(text, {}).setdefault(label, []).append(span)
    every = len(OPT_OUT_VERSIONS)
    return {text: [label if len(spans) == every else f"{label} ({', '.join(spans)})"
                   for label, spans in where.items()] for text, where in found.items()}


def _opt_out_page() -> str:
    lines = ["# Opt-out", "", *_generated_note(),
             "Several mechanisms exist and each telemetry component checks its own subset. The tables below are "
             "computed by running the tool's rules (`audit/core/optout.py`) on each situation; `telemetry-audit "
             "opt-out` runs the same rules on your machine and shows the evidence.", "", "## Mechanisms", ""]
    lines += [f"- {what}: {how}." for what, how in MECHANISMS]
    lines += ["", "## Components and their rules", ""]
    lines += [f"- **{name}**: {optout.RULE_TEXT[name]}" for name in optout.COMPONENTS] + [""]
    for span, version in OPT_OUT_VERSIONS:
        lines += [f"## What each component does: Netdata {span} (modelled as {version})", ""]
        lines += _opt_out_table(version) + [""]
    lines += ["## Known disagreements and what to do", ""]
    for text, where in _disagreements().items():
        lines += [f"- {text}", f"  Happens with: {'; '.join(where)}."]
    lines += ["", "## Check and change it", "", "```sh",
              "telemetry-audit opt-out              # what stops what on this machine, with evidence",
              "telemetry-audit opt-out --apply --dry-run",
              "sudo telemetry-audit opt-out --apply # create the opt-out file",
              "sudo telemetry-audit opt-out --revert",
              "```"]
    return _page(lines)


# ---------------------------------------------------------------- reference/cloud-codes.md

def _event_link(event: str, selected: list[str], text: str | None = None, anchor: str = "") -> str:
    """A link to the event's page from reference/, or its name alone when --event left that page out."""
    return f"[{text or event}](events/{event}.md{anchor})" if event in selected else (text or f"`{event}`")


def _cloud_codes_page(selected: list[str]) -> str:
    lines = ["# Cloud claim error codes and cloud-link failure reasons", "", *_generated_note(),
             "No backend telemetry event carries a claim code: netdata-claim.sh exits with one and kickstart.sh "
             "explains it. `telemetry-audit codes` prints the same tables.", "", "## Claim exit codes", ""]
    lines += _table(("code", "cloud error key", "HTTP", "meaning", "what kickstart tells you"),
                    ((c.code, c.key, c.http or "-", c.message, c.kickstart) for c in codes.CLAIM_CODES))
    lines += ["", "## ACLK_CONN_FAIL: libwebsockets callback reasons", "",
              f"{_event_link('ACLK_CONN_FAIL', selected)} (legacy cloud link) sends the last callback reasons, "
              "newest first, as comma-separated numbers in `action_data`.", ""]
    lines += _table(("code", "reason"), ((code, f"`{codes.lws_reason(code)}`") for code in sorted(codes.LWS_REASONS)))
    return _page(lines)


# ---------------------------------------------------------------- reference/fatal.md

def _fatal_input(params: Mapping) -> fatal.FatalInput:
    return fatal.FatalInput(**{k: params[k] for k in ("process", "thread", "function", "file", "line", "errno")})


def _fatal_page(selected: list[str]) -> str:
    ev = catalog.EVENTS["FATAL"]
    overrides = _event_overrides("FATAL")
    lines = ["# FATAL: how the crash location is formatted", "", *_generated_note(),
             f"{ev.meaning} Sent {ev.sent_when} ({versions.span(*event_versions('FATAL'))}).", "",
             f"- `action_result` (at most {fatal.ACTION_RESULT_MAX} bytes): "
             f"{overrides['action_result']['description']}.",
             f"- `action_data` (at most {fatal.ACTION_DATA_MAX} bytes): {overrides['action_data']['description']}.",
             "- Widths and truncation count UTF-8 bytes, as C's printf does, so a multi-byte character can be cut.",
             "- The file and function are padded with spaces, so the spaces in `action_data` are real.", "",
             "## Inputs", ""]
    lines += _table(("option", "meaning"), ((f"`--{p.name}`", p.help) for p in ev.params))
    lines += ["", "## Worked examples", ""]
    lines += _table(("case", "version", "inputs", "action_result", "action_data"),
                    ((case, version, _fatal_inputs_text(params),
                      _code(fatal.action_result(_fatal_input(params), version)),
                      _code(fatal.action_data(_fatal_input(params))))
                     for case, params, version in FATAL_WORKED_EXAMPLES))
    lines += ["", "## From a log entry", "",
              "`telemetry-audit payload FATAL --from-log FILE` reads the last FATAL entry of an error.log, a "
              "logfmt daemon.log or `journalctl -o json` output and fills these inputs; only internal-checks "
              "builds and the journal record the source location. "
              f"{docs_channels.example_link('support/fatal-error.log', 1)} reproduces the "
              f"{_event_link('FATAL', selected, 'example payload', '#example-payload')}:", "", "```sh",
              f"telemetry-audit payload FATAL --from-log examples/support/fatal-error.log "
              f"--facts examples/{FACTS_FILE} --wire", "```"]
    return _page(lines)


def _fatal_inputs_text(params: Mapping) -> str:
    return (f"{params['process'][:20]}{'…' if len(params['process']) > 20 else ''} / {params['thread']} / "
            f"{params['file']}:{params['line']} {params['function']}() / errno {params['errno']}")


# ---------------------------------------------------------------- guides and README

def guide_text(name: str) -> str:
    return package_text("guides", f"{name}.md")


def _docs_readme(events: list[str]) -> str:
    lines = ["# telemetry-audit documentation", "", *_generated_note("directory's generated files"),
             "What Netdata's anonymous telemetry sends, when, and what stops it, generated from the schemas "
             "and tables `telemetry-audit` itself uses.", "", "## Guides", "",
             "- [Auditing a machine (administrators)](guides/admin-audit.md)",
             "- [Reproducing a report (support)](guides/support.md)",
             "- [Regenerating docs and examples (docs writers)](guides/writer.md)", "",
             "## Reference", "", "- [Channels and events](reference/index.md)"]
    lines += [f"  - [{e}](reference/events/{e}.md): {_summary(e)}" for e in events]
    lines += [f"  - [Channel: {ch.title}](reference/channels/{name}.md)" for name, ch in channels.CHANNELS.items()]
    lines += ["- [Every field, by sensitivity](reference/fields.md)",
              "- [Opt-out](reference/opt-out.md)",
              "- [FATAL formatting](reference/fatal.md)",
              "- [Cloud codes](reference/cloud-codes.md)", "",
              f"Example payloads and samples: [`{docs_channels.EXAMPLES_IN_DOCS}/`]({docs_channels.EXAMPLES_IN_DOCS}/"
              f"{EXAMPLES_INDEX}), the examples tree (`{EXAMPLES_COMMAND}`) copied here so that every link "
              "works wherever these pages are written.", "",
              f"Regenerate with `{DOCS_COMMAND}` and `{EXAMPLES_COMMAND}`."]
    return _page(lines)


# ---------------------------------------------------------------- entry points

def check_events(events: Iterable[str] | None) -> list[str]:
    """The selected events in catalog order (all when None); an unknown name is a usage error."""
    if events is None:
        return list(catalog.EVENTS)
    wanted = {e.upper() for e in events}
    unknown = sorted(wanted - set(catalog.EVENTS))
    if unknown:
        raise AuditError(f"unknown event {', '.join(unknown)}; valid events: {', '.join(catalog.EVENTS)}")
    return [e for e in catalog.EVENTS if e in wanted]


def generate(events: list[str] | None = None) -> dict[str, str]:
    """The docs tree: relative path -> Markdown text."""
    selected = check_events(events)
    pages: dict[str, Callable[[], str]] = {
        "README.md": lambda: _docs_readme(selected),
        "reference/index.md": lambda: _index(selected),
        "reference/fields.md": _fields_page,
        "reference/opt-out.md": _opt_out_page,
        "reference/cloud-codes.md": lambda: _cloud_codes_page(selected),
        "reference/fatal.md": lambda: _fatal_page(selected),
    }
    pages.update({f"reference/events/{e}.md": (lambda e=e: _event_page(e)) for e in selected})
    pages.update(docs_channels.pages())
    pages.update({f"guides/{g}.md": (lambda g=g: guide_text(g)) for g in GUIDES})
    return {path: pages[path]() for path in sorted(pages)}


def received_payload() -> bytes:
    changed = {name: Fact(value, "example") for name, value in RECEIVED_CHANGES.items()}
    return example_payload(RECEIVED_EVENT, {**canonical_facts(), **changed}).wire


def _support_readme() -> str:
    return _page([
        "# Support samples", "",
        f"Generated by `{EXAMPLES_COMMAND}`; see docs/guides/support.md.", "",
        "## fatal-error.log", "",
        "A FATAL entry as an internal-checks build writes it to error.log. Rebuild the FATAL payload it caused "
        "(this gives exactly `payloads/FATAL.wire`):", "", "```sh",
        f"telemetry-audit payload FATAL --from-log support/fatal-error.log --facts {FACTS_FILE} --wire", "```", "",
        "## received-payload.json", "",
        f"A {RECEIVED_EVENT} body as the telemetry server received it from a machine like the one in "
        f"`{FACTS_FILE}`, a few hours later. Decode it, then compare it with the reproduction:", "", "```sh",
        "telemetry-audit explain support/received-payload.json",
        f"telemetry-audit diff payloads/{RECEIVED_EVENT}.wire support/received-payload.json", "```",
    ])


def site(events: list[str] | None = None) -> dict[str, bytes]:
    """What `docs --out DIR` writes: the pages, and the examples tree they link to under examples/."""
    tree = {path: text.encode("utf-8") for path, text in generate(events).items()}
    tree.update({f"{docs_channels.EXAMPLES_IN_DOCS}/{path}": data for path, data in examples(events).items()})
    return {path: tree[path] for path in sorted(tree)}


def examples(events: list[str] | None = None) -> dict[str, bytes]:
    """The examples tree: relative path -> exact bytes, with an index page."""
    tree = {FACTS_FILE: canonical_facts_text().encode("utf-8")}
    for event in check_events(events):
        built = example_payload(event)
        tree[f"payloads/{event}.wire"] = built.wire
        tree[f"payloads/{event}.json"] = pretty_json(built.document()).encode("utf-8")
    tree["support/fatal-error.log"] = FATAL_LOG.encode("utf-8")
    tree["support/received-payload.json"] = received_payload()
    tree["support/README.md"] = _support_readme().encode("utf-8")
    tree.update(docs_channels.examples())
    tree[EXAMPLES_INDEX] = _examples_index(sorted(tree)).encode("utf-8")
    return {path: tree[path] for path in sorted(tree)}


EXAMPLES_INDEX = "README.md"
EXAMPLE_FOLDERS = {  # what each folder of the examples tree holds, in the order the index lists them
    "": f"The invented machine every example is built from, a facts snapshot (`--facts {FACTS_FILE}`):",
    "payloads": "The statistics script's events (backend channel), as built from it:",
    "agent-events": "An invented status file of a v2.4+ daemon, and the body its next start would post:",
    "agent-events/causes": "Every exit cause's prospective agent-events body:",
    "installer": "kickstart.sh's installer events (the claim token in them is fake):",
    "support": "Samples for support staff:",
}


def _examples_index(paths: list[str]) -> str:
    """The examples tree's own page: every file, by folder; stems with a .wire and a .json on one line."""
    lines = ["# Examples", "",
             f"<!-- Generated by `{EXAMPLES_COMMAND}`: do not edit this directory's generated files by hand. -->", "",
             "Every file here is generated from an invented machine, so nothing in it describes a real one. A "
             "`.wire` file holds the exact bytes a channel would POST; the `.json` beside it, the same body parsed "
             "and indented.", ""]
    folders: dict[str, dict[str, list[str]]] = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, {}).setdefault(name.rsplit(".", 1)[0], []).append(path)
    for folder in sorted(folders, key=lambda f: (list(EXAMPLE_FOLDERS).index(f) if f in EXAMPLE_FOLDERS else 99, f)):
        lines += [f"## {folder}/" if folder else "## The machine", "", EXAMPLE_FOLDERS.get(folder, ""), ""]
        for stem, files in folders[folder].items():
            links = ", ".join(f"[`{f.rpartition('/')[2]}`]({f})" for f in files)
            lines.append(f"- {links}")
        lines.append("")
    return _page(lines)
