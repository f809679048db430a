"""No module under audit/commands/ imports another command module except the shared helpers (no cycles)."""

import ast
from pathlib import Path

import audit.commands

SHARED = {"audit.commands.output", "audit.commands.eventargs"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("audit.commands.") and n.count(".") == 2}


def test_command_modules_form_no_cycle():
    folder = Path(audit.commands.__file__).parent
    graph = {f"audit.commands.{p.stem}": imported(p) - SHARED for p in folder.glob("*.py")}
    for module, deps in graph.items():
        for dep in deps:
            assert module not in graph.get(dep, set()), f"{module} and {dep} import each other"
