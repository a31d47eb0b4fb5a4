"""The schema: the settings dataclasses, one per ``[section]``, and the table of sections.

Why it is declared this way: each field carries its default and its checker in ``metadata``
(secrets carry their environment variable instead), so the defaults, the validation and the
documentation test read one source and cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from bot.config.checks import (
    _bool,
    _Check,
    _choice,
    _float,
    _host,
    _int,
    _locale,
    _locale_or_unset,
    _overrides,
    _recurrence,
    _resources,
    _roles,
    _schedules,
    _shard_ids,
    _snowflake,
    _store_url,
    _text,
    _timezone,
    _url,
    _user_ids,
)
from bot.config.names import (
    CURRENT_VERSION,
    ENV_APP_TOKEN,
    ENV_BOT_TOKEN,
    ENV_CLIENT_SECRET,
    ENV_DATA_KEY,
    ENV_DATA_KEY_OLD,
    ENV_DISCORD_TOKEN,
    ENV_SIGNING_SECRET,
)


def _setting(default: Any, check: _Check) -> Any:
    """A file key: its default and the function that validates and converts it."""
    return field(default=default, metadata={"check": check})


def _setting_factory(factory: Callable[[], Any], check: _Check) -> Any:
    return field(default_factory=factory, metadata={"check": check})


def _secret(env: str) -> Any:
    """A value that only ever comes from the environment variable ``env`` and is never shown."""
    return field(default=None, repr=False, metadata={"env": env})


# -- the schema -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreSettings:
    """Where Warmline keeps its data. ``WARMLINE_DATABASE_URL`` overrides ``url``."""

    url: str = field(default="sqlite:///warmline.db", repr=False, metadata={"check": _store_url})
    """Hidden from repr: when it comes from the environment it may hold a password."""

    @property
    def redacted_url(self) -> str:
        """The URL with any password replaced, safe for logs and status pages."""
        parts = urlsplit(self.url)
        if not parts.password:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggingSettings:
    level: str = _setting("info", _choice("debug", "info", "warning", "error"))
    format: str = _setting("text", _choice("text", "json"))
    third_party_debug: bool = _setting(False, _bool)
    """Let libraries log at DEBUG too: their debug output includes what members wrote."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextSettings:
    locale: str = _setting("en", _locale)
    """Language for texts that belong to no community (and the default fallback)."""
    overrides: Mapping[str, str] = _setting_factory(lambda: MappingProxyType({}), _overrides)
    """Deployment-wide replacements for catalogue texts, by dotted key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommunitySettings:
    """Defaults for every community; moderators can change them per community with commands."""

    default_timezone: str = _setting("UTC", _timezone)
    moderator_roles: tuple[str, ...] = _setting((), _roles)
    supporter_roles: tuple[str, ...] = _setting((), _roles)
    locale: str = _setting("", _locale_or_unset)
    """Every community's language until its moderators choose one; "" means ``[texts] locale``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckinSettings:
    enabled: bool = _setting(True, _bool)
    delivery: str = _setting("dm", _choice("dm", "thread"))
    schedules: tuple[str, ...] = _setting(("mon-fri 09:00",), _schedules)
    prompt_expiry_hours: int = _setting(12, _int(1, 48, "hours", 12))
    reminder: bool = _setting(False, _bool)
    reminder_after_hours: int = _setting(3, _int(1, 47, "hours", 3))
    note_max_chars: int = _setting(500, _int(1, 4000, "characters", 500))
    reachout_reannounce_minutes: int = _setting(60, _int(5, 1440, "minutes", 60))
    insights_min_answers: int = _setting(
        5,
        _int(3, 10000, "answers", 5,
             low="must be at least 3, so that no one's answers can be picked out of a small group"),
    )
    group_thread: bool = _setting(False, _bool)
    group_thread_rule: str = _setting("mon 12:00", _recurrence)


DEFAULT_RESOURCES: Mapping[str, str] = MappingProxyType({
    "US": "In the US: call or text 988 (988 Suicide & Crisis Lifeline), any time, free.",
    "CA": "In Canada: call or text 988 (9-8-8 Suicide Crisis Helpline), any time, free.",
    "GB": "In the UK: call Samaritans on 116 123, any time, free.",
    "IE": "In Ireland: call Samaritans on 116 123, any time, free.",
    "AU": "In Australia: call Lifeline on 13 11 14, any time.",
    "international": "Anywhere in the world: findahelpline.com lists free, confidential "
                     "helplines near you.",
})
"""What ships: checked against each service's own site when written; moderators should check
them for their community (config.example.toml says so)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetySettings:
    """Crisis language gets resources at once and moderators hear about it (docs/safety.md)."""

    enabled: bool = _setting(True, _bool)
    reply: str = _setting("thread", _choice("thread", "dm"))
    reply_period_hours: int = _setting(24, _int(1, 168, "hours", 24))
    ack_minutes: int = _setting(10, _int(1, 240, "minutes", 10))
    on_call: tuple[str, ...] = _setting((), _user_ids)
    alert_includes_text: bool = _setting(False, _bool)
    default_region: str = _setting("international", _text)
    resources: Mapping[str, str] = _setting_factory(lambda: DEFAULT_RESOURCES, _resources)


@dataclass(frozen=True, slots=True, kw_only=True)
class DutySettings:
    """Supporters' boundaries: how requests reach them, and the limits that keep them well."""

    delivery: str = _setting("channel", _choice("channel", "dm"))
    """How a request reaches the supporters picked: a post in the supporters' channel that
    mentions them, or a direct message to each."""
    pick: int = _setting(2, _int(1, 10, "supporters", 2))
    max_stretch_minutes: int = _setting(120, _int(15, 1440, "minutes", 120))
    """Continuous time on duty before Warmline switches a supporter off, with a kind note."""
    open_cap: int = _setting(2, _int(1, 20, "requests", 2))
    """Requests a supporter may have taken on at once before they are not asked for more."""
    open_hours: int = _setting(24, _int(1, 168, "hours", 24))
    """A request a supporter took on counts toward the cap this long, unless it ends sooner."""
    weekly_hours: int = _setting(12, _int(1, 168, "hours", 12))
    """The soft cap on hours on duty in a week: a gentle reminder when it is reached."""
    care_after_minutes: int = _setting(180, _int(5, 10080, "minutes", 180))
    """How long after a heavy conversation the supporter gets a private "how are you?"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivacySettings:
    """How long sensitive records are kept, and the key that seals notes and goals at rest
    (docs/privacy.md)."""

    retention_days: int = _setting(90, _int(1, 3650, "days", 90))
    """Notes, goals and safety records older than this are purged by a daily job."""
    key_file: str = _setting("", _text)
    """A file holding the data key (first line) and old keys still read (next lines); "" means
    the environment variables below. It must not be readable by every user."""
    data_key: str | None = _secret(ENV_DATA_KEY)
    old_data_keys: str | None = _secret(ENV_DATA_KEY_OLD)


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitSettings:
    """Per-person limits on commands, button presses and forms (a token bucket per person and
    community): ``burst`` at once, then ``per_minute`` on average."""

    per_minute: int = _setting(30, _int(1, 6000, "actions per minute", 30))
    burst: int = _setting(10, _int(1, 1000, "actions", 10))


@dataclass(frozen=True, slots=True, kw_only=True)
class ListeningSettings:
    """Active-listening reminders for replies in the support channel (docs/listening.md)."""

    enabled: bool = _setting(True, _bool)
    """On, yet nothing is read until moderators mark a support channel: that is their choice."""
    reply_window_hours: int = _setting(24, _int(1, 168, "hours", 24))
    nudge_period_hours: int = _setting(2, _int(1, 168, "hours", 2))
    unanswered_minutes: int = _setting(30, _int(5, 1440, "minutes", 30))
    positive_feedback: bool = _setting(False, _bool)
    weekly_tips: bool = _setting(False, _bool)
    weekly_tips_rule: str = _setting("mon 10:00", _recurrence)


@dataclass(frozen=True, slots=True, kw_only=True)
class SchedulerSettings:
    batch_size: int = _setting(500, _int(1, 10000, "", 500))
    max_idle_seconds: int = _setting(60, _int(1, 3600, "seconds", 60))


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxSettings:
    max_attempts: int = _setting(5, _int(1, 100, "", 5))
    base_backoff_seconds: float = _setting(1.0, _float(0.0, 3600.0, "seconds", 1.0, lo_open=True))
    max_backoff_seconds: float = _setting(
        300.0, _float(0.0, 86400.0, "seconds", 300.0, lo_open=True)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class OpsSettings:
    """The health and metrics endpoints (``/healthz``, ``/metrics``; docs/operations.md)."""

    port: int = _setting(0, _int(0, 65535, "", 9100))
    """The local HTTP port for ``/healthz`` and ``/metrics``; 0 means off."""
    host: str = _setting("127.0.0.1", _host)
    """The address it listens on: this machine only by default."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscordSettings:
    """Present means "run the Discord adapter"."""

    token: str | None = _secret(ENV_DISCORD_TOKEN)
    dev_guild_id: str = _setting("", _snowflake)
    api_base_url: str = _setting("", _url("http", "https"))
    gateway_url: str = _setting("", _url("ws", "wss"))
    shard_count: int = _setting(0, _int(0, 10000, "", 0))
    shard_ids: tuple[int, ...] = _setting((), _shard_ids)
    delivery_window_seconds: int = _setting(600, _int(1, 86400, "seconds", 600))
    sends_per_second: float = _setting(
        40.0, _float(0.0, 50.0, "sends per second", 40.0, lo_open=True)
    )
    message_content_intent: bool = _setting(True, _bool)
    """May Warmline ask for the Message Content intent: it does when an enabled feature reads
    what members write (safety, listening); false never asks (``bot.run.adapter_settings``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlackSettings:
    """Present means "run the Slack adapter"."""

    bot_token: str | None = _secret(ENV_BOT_TOKEN)
    app_token: str | None = _secret(ENV_APP_TOKEN)
    signing_secret: str | None = _secret(ENV_SIGNING_SECRET)
    client_secret: str | None = _secret(ENV_CLIENT_SECRET)
    mode: str = _setting("socket", _choice("socket", "http"))
    port: int = _setting(3000, _int(0, 65535, "", 3000))
    client_id: str = _setting("", _text)
    """Set (with WARMLINE_SLACK_CLIENT_SECRET) to let many workspaces install Warmline through
    Slack's OAuth pages (HTTP mode); empty means one workspace, with the bot token."""
    public_url: str = _setting("", _url("https", "http"))
    """Where Slack reaches this server in HTTP mode (the manifest's request URLs)."""
    sends_per_second: float = _setting(
        10.0, _float(0.0, 100.0, "sends per second", 10.0, lo_open=True)
    )
    delivery_window_seconds: int = _setting(600, _int(1, 86400, "seconds", 600))
    api_base_url: str = _setting("", _url("http", "https"))


@dataclass(frozen=True, slots=True, kw_only=True)
class FilesSettings:
    """Present means "run the file adapter": events are read from one JSONL file as it grows and
    actions appended to another. For trying ``warmline run`` without a chat platform."""

    events: str = _setting("events.jsonl", _text)
    actions: str = _setting("actions.jsonl", _text)
    sends_per_second: float = _setting(
        1000.0, _float(0.0, 100000.0, "sends per second", 1000.0, lo_open=True)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    version: int = CURRENT_VERSION
    store: StoreSettings = field(default_factory=StoreSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    texts: TextSettings = field(default_factory=TextSettings)
    community: CommunitySettings = field(default_factory=CommunitySettings)
    checkins: CheckinSettings = field(default_factory=CheckinSettings)
    duty: DutySettings = field(default_factory=DutySettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    safety: SafetySettings = field(default_factory=SafetySettings)
    listening: ListeningSettings = field(default_factory=ListeningSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    ops: OpsSettings = field(default_factory=OpsSettings)
    discord: DiscordSettings | None = None
    slack: SlackSettings | None = None
    files: FilesSettings | None = None


_SECTIONS: Mapping[str, type] = MappingProxyType({
    "store": StoreSettings,
    "logging": LoggingSettings,
    "texts": TextSettings,
    "community": CommunitySettings,
    "checkins": CheckinSettings,
    "duty": DutySettings,
    "privacy": PrivacySettings,
    "limits": LimitSettings,
    "safety": SafetySettings,
    "listening": ListeningSettings,
    "scheduler": SchedulerSettings,
    "outbox": OutboxSettings,
    "ops": OpsSettings,
    "discord": DiscordSettings,
    "slack": SlackSettings,
    "files": FilesSettings,
})
_OPTIONAL_SECTIONS = frozenset({"discord", "slack", "files"})


def default_settings() -> Settings:
    """Every default, no adapters, no environment: what an empty config file means."""
    return Settings()
