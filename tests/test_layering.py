"""The core stays platform-free: bot/ never imports discord, slack_bolt or slack_sdk."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "adapters")


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_in_bot_imports_a_platform_library() -> None:
    offenders = {
        str(p.relative_to(BOT.parent)): sorted(imported_roots(p) & set(FORBIDDEN))
        for p in BOT.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v and not _allowed(k, v)}
    assert offenders == {}


def _allowed(path: str, roots: list[str]) -> bool:
    # The CLI and runner find adapters by name at run time (importlib / lazy import) and never a
    # platform library itself.
    return roots == ["adapters"] and path in {"bot/cli.py"}


def test_the_detector_notices_a_platform_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom discord.ext import commands\n", encoding="utf-8")
    assert "discord" in imported_roots(bad)


def test_importing_the_whole_core_loads_no_platform_library() -> None:
    code = (
        "import sys, pkgutil, importlib, bot\n"
        "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('discord','slack_bolt','slack_sdk')]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


# -- the redesign's rules: the store names no feature, nothing imports upward, no circles ----------

ROOT = BOT.parent
FEATURE_PACKAGES = ("bot.features",)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the modules of the same tree it imports, including imports under
    ``if TYPE_CHECKING:`` (a circle there is still a circle for a reader)."""
    modules: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module in modules:
                    found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names
                             if f"{node.module}.{a.name}" in modules)
        graph[name] = found - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_in_bot() -> None:
    assert circles(import_graph(BOT)) == []


def test_no_import_circle_in_adapters() -> None:
    assert circles(import_graph(ROOT / "adapters")) == []


def test_the_store_names_no_feature() -> None:
    graph = import_graph(BOT)
    upward = {m: sorted(t for t in targets if t.startswith(("bot.features", "bot.runtime", "bot.sim")))
              for m, targets in graph.items() if m.startswith("bot.store")}
    assert {m: t for m, t in upward.items() if t} == {}
    for path in (BOT / "store").rglob("*"):
        if path.suffix in {".py", ".sql"}:
            text = path.read_text(encoding="utf-8").lower()
            assert "checkin" not in text, f"{path.relative_to(ROOT)} names the check-ins feature"


def test_features_never_import_the_runtime_and_the_runtime_names_no_feature() -> None:
    graph = import_graph(BOT)
    for module, targets in graph.items():
        if module.startswith("bot.features"):
            assert not [t for t in targets if t.startswith(("bot.runtime", "bot.sim"))], module
        if module.startswith("bot.runtime"):
            assert not [t for t in targets if t.startswith("bot.features")], module


def test_the_circle_detector_finds_a_planted_circle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import other\n")
    (package / "c.py").write_text("import pkg.a\n")
    assert circles(import_graph(package)) == [["pkg.a", "pkg.b"]]
