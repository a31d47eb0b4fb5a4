"""Warmline on Discord: ``create_adapter`` is what ``warmline run`` calls (see bot.run)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.discord.adapter import DiscordAdapter, DiscordOptions
from bot.config import Settings
from bot.feature import CommandSpec

__all__ = ["DiscordAdapter", "DiscordOptions", "create_adapter"]


def create_adapter(settings: Settings, commands: Sequence[CommandSpec]) -> DiscordAdapter:
    """The adapter for the ``[discord]`` section (its token comes from WARMLINE_DISCORD_TOKEN)."""
    if settings.discord is None:
        raise ValueError("no [discord] section in the configuration")
    return DiscordAdapter(DiscordOptions.from_settings(settings.discord), commands)
