"""The fleet tally (audit/core/fleet.py) as text, Markdown or one self-contained HTML page (inline CSS and JS, no
network assets: it opens offline and can be mailed to a security team)."""

from collections.abc import Iterable, Iterator
from html import escape

from audit.core.fleet import ASSUMED, Fleet, version_order

ASSUMED_NOTE = ("(assumed): the report did not observe the agent's version (under --root it is not run): the "
                "verdicts are for the tool's default; rerun report with --netdata-version")
DUPLICATES = "host names in more than one report (one host reported twice, or cloned machines)"


def headline(fleet: Fleet) -> str:
    errors = f", {len(fleet.errors)} unreadable" if fleet.errors else ""
    n, docs = fleet.hosts_sending, fleet.documents
    return (f"{docs} host report{'s' * (docs != 1)}{errors}: "
            + (f"{n} host{'s' * (n != 1)} still send{'s' * (n == 1)}" if n else "no host sends"))


def channel_rows(fleet: Fleet) -> list[tuple[str, str, str, str]]:
    """(channel, sending, hosts, why): one row per reason a channel still sends, one row when nothing sends."""
    rows = []
    for name, t in fleet.channels.items():
        count = f"{len(t.sending)} of {t.hosts}"
        if not t.reasons:
            quiet = ", ".join(f"{n} {state}" for state, n in sorted(t.states.items()))
            rows.append((name, count, "", quiet))
        for i, (why, hosts) in enumerate(t.reasons.items()):
            rows.append((name if i == 0 else "", count if i == 0 else "", ", ".join(hosts), why))
    return rows


def attention_rows(fleet: Fleet) -> list[tuple[str, str]]:
    rows = [(i["host"], "; ".join(f"{o['channel']} {o['event']} carries {', '.join(o['kinds'])}"
                                  f" ({'sends' if o['sends'] else 'not sent now'})" for o in i["found"]))
            for i in fleet.identifying]
    rows += [(c["host"], f"claim token recorded in {c['path']} (REINSTALL_OPTIONS)") for c in fleet.claim_tokens]
    return rows


def version_text(fleet: Fleet) -> str:
    return ", ".join(f"{v}: {n}" for v, n in sorted(fleet.versions.items(), key=version_order))


def version_note(fleet: Fleet) -> str:
    return ASSUMED_NOTE if any(v.endswith(ASSUMED) for v in fleet.versions) else ""


def duplicate_rows(fleet: Fleet) -> list[tuple[str, str]]:
    return [(host, ", ".join(paths)) for host, paths in fleet.duplicates.items()]


def text(fleet: Fleet) -> str:
    out = [headline(fleet), ""]
    rows = channel_rows(fleet)
    width = max([len(r[0]) for r in rows] + [7])
    out.append(f"{'channel':<{width}}  {'sending':<10}  hosts / why")
    for name, count, hosts, why in rows:
        out.append(f"{name:<{width}}  {count:<10}  {hosts + ': ' if hosts else ''}{why}")
    attention = attention_rows(fleet)
    if attention:
        out += ["", "identifying data or claim tokens"] + [f"  {h}: {what}" for h, what in attention]
    out += ["", f"versions: {version_text(fleet)}"] + [f"  {n}" for n in [version_note(fleet)] if n]
    if fleet.duplicates:
        out += ["", DUPLICATES] + [f"  {h}: {paths}" for h, paths in duplicate_rows(fleet)]
    if fleet.errors:
        out += ["", "unreadable (not counted above)"] + [f"  {e['path']}: {e['error']}" for e in fleet.errors]
    return "\n".join(out)


def _md(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(fleet: Fleet) -> str:
    out = ["# Netdata telemetry across the fleet", "", f"{headline(fleet)}.", "",
           "| channel | sending | hosts | why |", "| --- | --- | --- | --- |"]
    out += [f"| {' | '.join(_md(c) for c in row)} |" for row in channel_rows(fleet)]
    attention = attention_rows(fleet)
    if attention:
        out += ["", "## Identifying data or claim tokens", "", "| host | what |", "| --- | --- |"]
        out += [f"| {_md(h)} | {_md(w)} |" for h, w in attention]
    out += ["", "## Versions", "", "| version | hosts |", "| --- | --- |"]
    out += [f"| {_md(v)} | {n} |" for v, n in sorted(fleet.versions.items(), key=version_order)]
    out += ["", _md(n)] if (n := version_note(fleet)) else []
    if fleet.duplicates:
        out += ["", f"## {DUPLICATES[0].upper()}{DUPLICATES[1:]}", "", "| host | reports |", "| --- | --- |"]
        out += [f"| {_md(h)} | {_md(paths)} |" for h, paths in duplicate_rows(fleet)]
    if fleet.errors:
        out += ["", "## Unreadable documents", "", "| file | error |", "| --- | --- |"]
        out += [f"| {_md(e['path'])} | {_md(e['error'])} |" for e in fleet.errors]
    return "\n".join(out)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#eee;cursor:pointer;user-select:none}th.asc::after{content:" \\25B2"}
th.desc::after{content:" \\25BC"}.sends{color:#a00;font-weight:bold}.quiet{color:#070}
"""
# Sort any table with class "sortable" by a clicked header; numeric collation puts v2.11.0 after v2.5.4.
_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var table = th.closest('table'), body = table.tBodies[0], asc = !th.classList.contains('asc');
    table.querySelectorAll('th').forEach(function(h){ h.classList.remove('asc', 'desc'); });
    th.classList.add(asc ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function(a, b){
      var c = a.cells[col].textContent.localeCompare(b.cells[col].textContent, undefined, {numeric: true});
      return asc ? c : -c;
    });
    rows.forEach(function(r){ body.appendChild(r); });
  });
});
"""


def _table(headers: list[str], rows: Iterable[Iterable[str]], sortable: bool = True) -> Iterator[str]:
    """A table, one row at a time (the host table of a large fleet is written as it is made, never held whole)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    kind = ' class="sortable"' if sortable else ""
    yield f"<table{kind}><thead><tr>{head}</tr></thead><tbody>"
    for row in rows:
        yield "<tr>" + "".join(_cell(c) for c in row) + "</tr>"
    yield "</tbody></table>"


def _cell(value: str) -> str:
    style = ' class="sends"' if value == "sends" else ' class="quiet"' if value in ("suppressed", "inactive", "not applicable") else ""
    return f"<td{style}>{escape(value)}</td>"


def html(fleet: Fleet) -> str:
    return "".join(html_chunks(fleet))


def html_chunks(fleet: Fleet) -> Iterator[str]:
    yield ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<title>Netdata telemetry across the fleet</title><style>{_CSS}</style></head><body>")
    yield f"<h1>Netdata telemetry across the fleet</h1><p>{escape(headline(fleet))}.</p><h2>Channels</h2>"
    yield from _table(["channel", "sending", "hosts", "why"], channel_rows(fleet), sortable=False)
    if fleet.rows is not None:
        names = list(fleet.channels)
        rows = ([r.host, r.version, *(r.states.get(n, "") for n in names), r.identifying,
                 "yes" if r.claim_token else "", r.path] for r in fleet.rows)
        yield "<h2>Hosts</h2><p>Click a column to sort.</p>"
        yield from _table(["host", "version", *names, "identifying data", "claim token", "report"], rows)
    attention = attention_rows(fleet)
    if attention:
        yield "<h2>Identifying data or claim tokens</h2>"
        yield from _table(["host", "what"], attention)
    yield "<h2>Versions</h2>"
    yield from _table(["version", "hosts"], ([v, str(n)] for v, n in sorted(fleet.versions.items(), key=version_order)))
    if version_note(fleet):
        yield f"<p>{escape(version_note(fleet))}</p>"
    if fleet.duplicates:
        yield f"<h2>{escape(DUPLICATES[0].upper() + DUPLICATES[1:])}</h2>"
        yield from _table(["host", "reports"], duplicate_rows(fleet))
    if fleet.errors:
        yield "<h2>Unreadable documents</h2>"
        yield from _table(["file", "error"], ([e["path"], e["error"]] for e in fleet.errors))
    yield f"<script>{_JS}</script></body></html>\n"
