"""The benchmarks' layers: the harness imports no case, a case no other case, nothing run.py;
and every import is at the top of its module (none inside a function, to dodge a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
# Imported inside a function on purpose: matplotlib is the optional `bench` extra.
OPTIONAL = {"matplotlib"}


def _modules() -> dict[str, ast.Module]:
    return {
        ".".join(path.relative_to(BENCHMARKS.parent).with_suffix("").parts): ast.parse(
            path.read_text(encoding="utf-8")
        )
        for path in sorted(BENCHMARKS.rglob("*.py"))
        if not any(part.startswith(".") for part in path.relative_to(BENCHMARKS).parts)
    }


def _rank(module: str) -> int:
    """0 the harness (and the baselines it starts), 1 a case, 2 the entry point."""
    if module.startswith(("benchmarks.harness", "benchmarks.baselines")):
        return 0
    return 2 if module == "benchmarks.run" else 1


def _imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def _top_name(node: ast.Import | ast.ImportFrom) -> str:
    name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
    return (name or "").split(".")[0]


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_only_the_layers_below(module: str) -> None:
    wrong = sorted(
        name
        for name in _imported(MODULES[module]) & set(MODULES) - {module}
        if _rank(name) > _rank(module) or (_rank(name) == _rank(module) and _rank(module) > 0)
    )
    assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_inside_a_function(module: str) -> None:
    inner = [
        ast.unparse(node)
        for function in ast.walk(MODULES[module])
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom) and _top_name(node) not in OPTIONAL
    ]
    assert not inner, f"{module} imports inside a function: {inner}"
