"""No module under audit/faces/commands/ imports another command module except the shared helpers (no cycles)."""

import ast
from pathlib import Path

import audit.faces.commands

SHARED = {"audit.faces.commands.output", "audit.faces.commands.eventargs"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("audit.faces.commands.") and n.count(".") == 2}


def test_command_modules_form_no_cycle():
    folder = Path(audit.faces.commands.__file__).parent
    graph = {f"audit.faces.commands.{p.stem}": imported(p) - SHARED for p in folder.glob("*.py")}
    for module, deps in graph.items():
        for dep in deps:
            assert module not in graph.get(dep, set()), f"{module} and {dep} import each other"


def test_a_payload_command_line_loads_only_what_it_uses():
    """`payload START` is run on every check of a host: it must not load the other channels' builders, the opt-out
    audit, the FATAL log reader, jsonschema or Textual (the benchmark's time is mostly imports)."""
    import subprocess
    import sys

    probe = ("import sys\nfrom audit.faces import cli\ncode = cli.main(['payload', 'START', '--wire'])\n"
             "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\nsys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(done.stderr.split())
    unneeded = {"audit.channels.agent_events.channel", "audit.channels.installer.channel", "audit.core.optout",
                "audit.facts.fatallog", "jsonschema", "textual", "urllib.request"}
    assert not unneeded & loaded, sorted(unneeded & loaded)
