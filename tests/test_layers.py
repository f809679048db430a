"""The layers of docs/architecture.md, read from the imports (ast; imports inside functions count too): no module
imports one of a higher layer, and the imports form no cycle."""

import ast
from pathlib import Path

import audit

PACKAGE = Path(audit.__file__).parent
# lowest first; a module's layer is the first folder under audit/ (the two top-level entry modules are faces)
LAYERS = ("plumbing", "model", "channels", "facts", "core", "faces")
ENTRY = {"audit": "plumbing", "audit.__main__": "faces"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The audit modules `name` imports: `from P import x` is P.x when that is a module, else P."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, set(known)) for name, path in known.items()}


def layer(name: str) -> int:
    return LAYERS.index(ENTRY.get(name) or name.split(".")[1])


def cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for dep in sorted(g[node]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [node, dep] if dep in path else [node, dep]
            if dep not in state and (found := visit(dep, path + [node])):
                return found
        state[node] = 2
        return None

    for start in sorted(g):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_every_module_is_in_a_layer():
    outside = [name for name in modules() if name not in ENTRY and name.split(".")[1] not in LAYERS]
    assert not outside, f"not in a layer folder ({', '.join(LAYERS)}): {outside}"


def test_no_module_imports_a_higher_layer():
    upward = sorted(f"{m} ({LAYERS[layer(m)]}) -> {d} ({LAYERS[layer(d)]})"
                    for m, deps in graph().items() for d in deps if layer(d) > layer(m))
    assert not upward, "\n".join(upward)


def test_the_imports_form_no_cycle():
    found = cycle(graph())
    assert found is None, " -> ".join(found or ())


def test_the_checks_catch_a_cycle_and_an_upward_import():
    """The checks above can fail: a made-up graph with a cycle is found, and a plumbing module importing a face is
    a higher layer."""
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert cycle({"a": {"b"}, "b": set()}) is None
    assert layer("audit.faces.cli") > layer("audit.plumbing.errors")


def test_only_the_faces_read_the_command_line():
    """No argparse below the faces: a channel's build_request gets plain option values."""
    readers = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        if "argparse" in names and layer(name) < LAYERS.index("faces"):
            readers.append(name)
    assert not readers
