"""The house plan holds: folders are pipeline stages, arrows point down, no import circles,
no module past 400 lines, and no in-package import hidden inside a function without a reason."""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "src" / "positionkit"

LAYERS = [
    {"diagnostics", "languages", "labels", "markdown", "system", "style", "fonts", "version",
     "scripts", "dates", "statuses"},
    {"load"},
    {"resolve"},
    {"checks"},
    {"render"},
    {"pipeline"},
    {"translations", "libraries", "review", "preview"},
    {"cli", "__main__"},
]
"""Lower rows may not import higher rows (the package __init__ is the lazy public API: exempt)."""


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        yield path, ".".join(["positionkit", *parts])


def _layer(module: str) -> int | None:
    top = module.split(".")[1] if "." in module else None
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return None


def _imports(path: Path, module: str):
    """(imported module, line, inside a function, comment on that line or the one above)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").split("\n")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = {id(n) for f in funcs for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            targets = [name] + [f"{name}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        targets = [t for t in targets if t.startswith("positionkit.") and _is_module(t)]
        here = lines[node.lineno - 1] + " " + (lines[node.lineno - 2] if node.lineno > 1 else "")
        for t in targets:
            yield t, node.lineno, id(node) in inner, "#" in here


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (PKG / rel).with_suffix(".py").exists() or (PKG / rel / "__init__.py").exists()


def test_arrows_point_down_the_pipeline():
    wrong = []
    for path, module in _modules():
        if module == "positionkit":
            continue
        mine = _layer(module)
        assert mine is not None, f"{module} sits in no layer: add its folder to LAYERS"
        for target, line, _, _ in _imports(path, module):
            theirs = _layer(target)
            if theirs is not None and theirs > mine:
                wrong.append(f"{path.relative_to(PKG)}:{line}: {module} imports {target} (higher layer)")
    assert not wrong, "\n".join(wrong)


def test_no_import_circles():
    graph = {}
    for path, module in _modules():
        if module == "positionkit":
            continue
        graph[module] = {t for t, *_ in _imports(path, module) if t != module}
    # a package's __init__ importing its own submodules is how packages re-export: not a circle
    state, stack, circles = {}, [], []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                if not all(b.startswith(a + ".") or a.startswith(b + ".") for a, b in zip(cycle, cycle[1:])):
                    circles.append(" -> ".join(cycle))
            elif nxt in graph and not state.get(nxt):
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if not state.get(node):
            visit(node)
    assert not circles, "\n".join(circles)


def test_no_module_over_400_lines():
    long = [f"{p.relative_to(PKG)}: {n}" for p, _ in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert not long, long


def test_in_function_imports_say_why():
    silent = [f"{path.relative_to(PKG)}:{line}: {target}"
              for path, module in _modules() for target, line, inner, commented in _imports(path, module)
              if inner and not commented]
    assert not silent, "in-package imports inside functions need a comment saying why:\n" + "\n".join(silent)
