"""docs/slack.md keeps its promises: every scope and event the manifest asks for is explained,
every ``[slack]`` key and secret is in its settings table, and ``api_base_url`` is marked
advanced."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from adapters.slack.manifest import BOT_EVENTS, BOT_SCOPES
from bot.config import SlackSettings

DOC = (Path(__file__).resolve().parents[3] / "docs" / "slack.md").read_text(encoding="utf-8")


def test_every_scope_and_event_the_manifest_asks_for_is_explained() -> None:
    for scope in BOT_SCOPES:
        assert f"`{scope}`" in DOC, scope
    for event in BOT_EVENTS:
        assert f"`{event}`" in DOC, event


def test_every_setting_is_in_the_settings_table_and_api_base_url_is_advanced() -> None:
    table = DOC.split("### Settings (`[slack]`)", 1)[1].split("\n## ", 1)[0]
    for f in dataclasses.fields(SlackSettings):
        needle = f.metadata.get("env") or f"`{f.name}`"
        assert needle in table, f.name
    (line,) = [row for row in table.splitlines() if row.startswith("| `api_base_url`")]
    assert "*Advanced.*" in line


def test_both_modes_are_walked_through() -> None:
    assert "warmline slack manifest" in DOC and "--url" in DOC
    assert "Socket Mode" in DOC and "connections:write" in DOC
    assert "/slack/events" in DOC and "/slack/install" in DOC
