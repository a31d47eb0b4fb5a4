"""The reference docs are generated from the code and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from bot.docgen import render

ROOT = Path(__file__).resolve().parent.parent


def test_events_reference_is_current() -> None:
    current = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert current == render(), "docs/events.md is stale: run python -m bot.docgen > docs/events.md"


def test_every_event_and_action_type_is_documented() -> None:
    from bot.actions import ACTIONS
    from bot.events import EVENTS

    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    for name in EVENTS.names() + ACTIONS.names():
        assert f"### `{name}`" in text
