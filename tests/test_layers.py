"""The house's contract: four layers whose imports point down, and no import cycles (function-level imports count).

model <- mock <- lab <- course; diagrams use lab and model; cli uses all. `labkit.errors` and `labkit.data` sit
under everything. The front doors (`labkit`, `labkit.pricing`, `labkit.fargate`, `labkit.deploy`,
`labkit.widgets`) are for notebooks and learners: they hand on names, and nothing inside the package imports them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "labkit"
FRONT_DOORS = {"labkit", "labkit.pricing", "labkit.fargate", "labkit.deploy", "labkit.widgets"}
BASE = {"labkit.errors", "labkit.data"}
#: layer -> the layers it may import (besides itself and the base)
MAY_IMPORT = {
    "model": set(),
    "mock": {"model"},
    "lab": {"model", "mock"},
    "course": {"model", "mock", "lab"},
    "diagrams": {"model", "lab"},
    "cli": {"model", "mock", "lab", "course", "diagrams"},
    "base": set(),
    "front": {"model", "mock", "lab", "course", "diagrams"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> str:
    if module in FRONT_DOORS:
        return "front"
    if module in BASE or any(module.startswith(b + ".") for b in BASE):
        return "base"
    return module.split(".")[1]


def imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported labkit module, line) for every import statement in `module`, at any depth."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]  # `import labkit.mock.ecs.tasks` names its deepest module
            if name and name != module:
                yield name, node.lineno


GRAPH = {m: sorted({name for name, _ in imports(m)}) for m in MODULES}


def test_every_module_belongs_to_a_layer():
    known = set(MAY_IMPORT)
    assert {layer(m) for m in MODULES} <= known, sorted(m for m in MODULES if layer(m) not in known)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = layer(module)
    allowed = MAY_IMPORT[mine] | {mine, "base"}
    wrong = [f"line {line}: {name} ({layer(name)})" for name, line in imports(module)
             if layer(name) not in allowed or (name in FRONT_DOORS and mine != "front")]
    assert not wrong, f"{module} ({mine}) may import {sorted(allowed)} only, and no front door; it imports " + \
        "; ".join(wrong)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_counting_function_level_imports():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


# --- rooms of a size a newcomer can read -------------------------------------------------------------------------
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 700, 120


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_small(module):
    text = MODULES[module].read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{module} has more than {MAX_MODULE_LINES} lines: split it"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{module}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"
