"""Warmline on Slack: ``create_adapter`` is what ``warmline run`` calls (see bot.run)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.slack.adapter import SlackAdapter, SlackOptions
from bot.config import Settings
from bot.feature import CommandSpec
from bot.store.base import Store

__all__ = ["SlackAdapter", "SlackOptions", "create_adapter"]


def create_adapter(settings: Settings, commands: Sequence[CommandSpec], *,
                   store: Store | None = None) -> SlackAdapter:
    """The adapter for the ``[slack]`` section (secrets from WARMLINE_SLACK_*). ``store`` keeps
    OAuth installations and lets an uninstall delete the workspace's data."""
    if settings.slack is None:
        raise ValueError("no [slack] section in the configuration")
    return SlackAdapter(SlackOptions.from_settings(settings.slack), commands, store=store)
