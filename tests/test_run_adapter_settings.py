"""``warmline run`` asks Discord for the Message Content intent exactly when an enabled feature
reads what members write, unless the config says never."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.config import DiscordSettings, default_settings
from bot.features.basics import Basics
from bot.features.registry import FEATURES, build_features
from bot.run import adapter_settings
from bot.store.store import open_sqlite
from tests.helpers.safety import safety_settings


async def _asked(tmp_path: Path, *, safety: bool = True, allowed: bool = True,
                 only_basics: bool = False) -> bool:
    base = safety_settings(enabled=safety)
    settings = replace(base, discord=DiscordSettings(token="t", message_content_intent=allowed),
                       listening=replace(base.listening, enabled=safety))
    store = await open_sqlite(tmp_path / "w.db")
    try:
        features = await build_features(settings, store,
                                        (Basics,) if only_basics else FEATURES)
        built = adapter_settings(settings, features).discord
    finally:
        await store.close()
    assert built is not None
    return built.message_content_intent


async def test_safety_on_asks_for_the_intent(tmp_path: Path) -> None:
    assert await _asked(tmp_path)


async def test_no_feature_reading_messages_asks_for_nothing(tmp_path: Path) -> None:
    assert not await _asked(tmp_path, safety=False)
    assert not await _asked(tmp_path, only_basics=True)


async def test_message_content_intent_false_never_asks(tmp_path: Path) -> None:
    assert not await _asked(tmp_path, allowed=False)


def test_without_discord_the_settings_are_unchanged() -> None:
    settings = default_settings()
    assert adapter_settings(settings, []) is settings
