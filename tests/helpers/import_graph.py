"""An import graph read from source, and a cycle finder over it, for the layering tests.

Why from the source (AST) and not from ``sys.modules``: an import under ``if TYPE_CHECKING:``
never runs, yet it still ties two modules together (mypy follows it, and a refactor can make it
real), so a circle through it counts. Every ``import x`` and ``from x import y`` anywhere in a
module counts, inside functions too. Only the named module is an edge: importing
``pkg.sub`` does not count as importing ``pkg/__init__.py``, or every package that re-exports
its own submodules would be a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

Graph = dict[str, set[str]]


def module_name(path: Path, package_dir: Path) -> str:
    """``adapters/discord/client.py`` → ``adapters.discord.client``; ``__init__.py`` names its package."""
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package_dir: Path) -> Graph:
    """Module → the modules of the same package it imports (directly, at any depth in the file)."""
    paths = {module_name(p, package_dir): p for p in sorted(package_dir.rglob("*.py"))}
    graph: Graph = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    targets.add(_longest_known(alias.name, paths))
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, name, is_package=is_package)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in paths else _longest_known(base, paths))
        graph[name] = {t for t in targets if t and t != name}
    return graph


def _absolute(node: ast.ImportFrom, module: str, *, is_package: bool) -> str:
    """The absolute module a ``from`` import names (resolving ``from . import x``)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    anchor = package[: len(package) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def _longest_known(dotted: str, known: Mapping[str, Path]) -> str:
    """The module of the package that ``dotted`` lands in, or "" if it is outside the package."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return ""


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import circle as ``[a, b, …, a]``, or None. A depth-first search: meeting a module
    that is still on the current path (grey) closes a circle."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        path.append(node)
        for target in sorted(graph.get(node, ())):
            state = colour.get(target, white)
            if state == grey:
                return [*path[path.index(target):], target]
            if state == white:
                found = visit(target)
                if found is not None:
                    return found
        path.pop()
        colour[node] = black
        return None

    for start in sorted(graph):
        if colour[start] == white:
            found = visit(start)
            if found is not None:
                return found
    return None
