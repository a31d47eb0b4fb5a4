"""Every call that renders a catalogue text fills every placeholder the text needs.

The catalogue raises at run time when a placeholder is missing; this reads the code instead, so a
path no other test happens to walk cannot ship a text that would crash in front of a member.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.texts import TextCatalogue

BOT = Path(__file__).resolve().parents[2] / "bot"


def render_calls() -> list[tuple[str, int, str, set[str] | None]]:
    """(file, line, key, keyword names or None when ``**kwargs`` hides them) of every
    ``….t("key", …)`` / ``….render("key", …)`` call with a literal key."""
    found = []
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"t", "render"} and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            names: set[str] | None = {k.arg for k in node.keywords if k.arg is not None}
            if any(k.arg is None for k in node.keywords):
                names = None
            found.append((str(path.relative_to(BOT.parent)), node.lineno, node.args[0].value, names))
    return found


def test_the_scan_finds_the_callers() -> None:
    keys = {key for _, _, key, _ in render_calls()}
    assert "checkin.prompt.text" in keys and "basics.privacy.info" in keys


def test_every_literal_key_exists_and_gets_all_its_placeholders() -> None:
    catalogue = TextCatalogue.load()
    known = catalogue.keys()
    problems = []
    for where, line, key, given in render_calls():
        if key not in known:
            problems.append(f"{where}:{line}: no text {key!r}")
            continue
        missing = catalogue.placeholders(key) - (given or set()) if given is not None else set()
        if missing:
            problems.append(f"{where}:{line}: {key!r} needs {sorted(missing)}")
    assert problems == []
