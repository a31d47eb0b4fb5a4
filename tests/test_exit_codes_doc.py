"""docs/operations.md lists every exit code of bot/exit_codes.py, and only those, so what an
operator reads is what a supervisor sees."""

from __future__ import annotations

import re
from pathlib import Path

from bot.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parent.parent


def test_the_exit_code_table_is_the_enum() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("###", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}


def test_the_readme_links_the_operations_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    running = readme.split("## Running it for your community", 1)[1].split("\n## ", 1)[0]
    assert "docs/operations.md" in running
