"""Deployment settings: a TOML file validated into frozen dataclasses, secrets from the environment.

Why it is built this way:

- The person reading an error is usually a volunteer moderator setting the bot up alone. Every
  problem names the dotted key, the value found and the fix, one line each, and *all* problems are
  reported at once so a file can be fixed in one pass.
- Secrets never live in the file (files get pasted into chats and committed); they come only from
  ``WARMLINE_*`` environment variables and are hidden from ``repr``.
- The schema is the dataclasses themselves: each field carries its default and its checker in
  ``metadata``, so the defaults, the validation and the documentation test cannot drift apart.
- The file has a ``version``. A future schema change adds an entry to ``_UPGRADES`` that turns a
  version-N table into version N+1, so old files keep loading.

One job per module: ``names`` (the schema version and the environment variables), ``timezones``
(IANA names and suggestions), ``checks`` (one checker per kind of value), ``schema`` (the
dataclasses and the section table), ``rules`` (checks across the keys of a section), ``load``
(file → upgraded table → :class:`Settings`, every problem collected into one
:class:`ConfigError`) and ``support`` (what this release can serve: no PostgreSQL yet).
Import from ``bot.config``; underscore names are private to this package.
"""

from __future__ import annotations

from bot.config.load import ConfigError, load_settings, parse_settings
from bot.config.names import (
    CURRENT_VERSION,
    ENV_APP_TOKEN,
    ENV_BOT_TOKEN,
    ENV_CLIENT_SECRET,
    ENV_DATA_KEY,
    ENV_DATA_KEY_OLD,
    ENV_DATABASE_URL,
    ENV_DISCORD_TOKEN,
    ENV_SIGNING_SECRET,
)
from bot.config.schema import (
    CheckinSettings,
    CommunitySettings,
    DiscordSettings,
    DutySettings,
    FilesSettings,
    LimitSettings,
    ListeningSettings,
    LoggingSettings,
    OpsSettings,
    OutboxSettings,
    PrivacySettings,
    SafetySettings,
    SchedulerSettings,
    Settings,
    SlackSettings,
    StoreSettings,
    TextSettings,
    default_settings,
)
from bot.config.support import not_yet_supported
from bot.config.timezones import timezone_suggestions

__all__ = [
    "CURRENT_VERSION",
    "ENV_APP_TOKEN",
    "ENV_BOT_TOKEN",
    "ENV_CLIENT_SECRET",
    "ENV_DATABASE_URL",
    "ENV_DATA_KEY",
    "ENV_DATA_KEY_OLD",
    "ENV_DISCORD_TOKEN",
    "ENV_SIGNING_SECRET",
    "CheckinSettings",
    "CommunitySettings",
    "ConfigError",
    "DiscordSettings",
    "DutySettings",
    "FilesSettings",
    "LimitSettings",
    "ListeningSettings",
    "LoggingSettings",
    "OpsSettings",
    "OutboxSettings",
    "PrivacySettings",
    "SafetySettings",
    "SchedulerSettings",
    "Settings",
    "SlackSettings",
    "StoreSettings",
    "TextSettings",
    "default_settings",
    "load_settings",
    "not_yet_supported",
    "parse_settings",
    "timezone_suggestions",
]
