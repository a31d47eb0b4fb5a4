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
