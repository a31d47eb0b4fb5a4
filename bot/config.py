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
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.texts import TextCatalogue

__all__ = [
    "CURRENT_VERSION",
    "ENV_APP_TOKEN",
    "ENV_BOT_TOKEN",
    "ENV_DATABASE_URL",
    "ENV_DISCORD_TOKEN",
    "ENV_SIGNING_SECRET",
    "CheckinSettings",
    "CommunitySettings",
    "ConfigError",
    "DiscordSettings",
    "LoggingSettings",
    "OutboxSettings",
    "SchedulerSettings",
    "Settings",
    "SlackSettings",
    "StoreSettings",
    "TextSettings",
    "default_settings",
    "load_settings",
    "parse_settings",
    "timezone_suggestions",
]

CURRENT_VERSION = 1

ENV_DISCORD_TOKEN = "WARMLINE_DISCORD_TOKEN"
ENV_BOT_TOKEN = "WARMLINE_SLACK_BOT_TOKEN"
ENV_APP_TOKEN = "WARMLINE_SLACK_APP_TOKEN"
ENV_SIGNING_SECRET = "WARMLINE_SLACK_SIGNING_SECRET"
ENV_DATABASE_URL = "WARMLINE_DATABASE_URL"

_Upgrade = Callable[[dict[str, Any]], dict[str, Any]]
_UPGRADES: Mapping[int, _Upgrade] = MappingProxyType({})
"""Version N → a function turning a version-N table into version N+1. Version 1 is the first
schema, so there is nothing to upgrade from yet; the loop in ``parse_settings`` is the seam."""


class ConfigError(Exception):
    """The configuration cannot be used. ``str()`` is one line per problem, each naming the
    dotted key, the value found and the fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


class _Bad(Exception):
    """A checker's complaint: ``message`` is said after ``key = value:``; ``lines`` are complete."""

    def __init__(self, message: str = "", lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.lines = tuple(lines)


class _Ctx:
    """Per-parse context for checkers: the text catalogue is loaded only if a check needs it."""

    def __init__(self) -> None:
        self._catalogue: TextCatalogue | None = None

    def catalogue(self) -> TextCatalogue:
        if self._catalogue is None:
            from bot.texts import TextCatalogue

            self._catalogue = TextCatalogue.load()
        return self._catalogue


_Check = Callable[[Any, "_Ctx", str], Any]


def _setting(default: Any, check: _Check) -> Any:
    """A file key: its default and the function that validates and converts it."""
    return field(default=default, metadata={"check": check})


def _setting_factory(factory: Callable[[], Any], check: _Check) -> Any:
    return field(default_factory=factory, metadata={"check": check})


def _secret(env: str) -> Any:
    """A value that only ever comes from the environment variable ``env`` and is never shown."""
    return field(default=None, repr=False, metadata={"env": env})


# -- showing values the way the person wrote them ------------------------------------------------


def _show(value: Any) -> str:
    """A value in TOML-ish spelling, shortened, so the error quotes what the person wrote."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = repr(value)
    elif isinstance(value, list):
        text = "[" + ", ".join(_show(item) for item in value) + "]"
    elif isinstance(value, Mapping):
        text = "{ " + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + " }"
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _closest(word: str, options: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not matches:
        lowered = {option.lower(): option for option in options}
        matches = [lowered[word.lower()]] if word.lower() in lowered else []
    return matches[0] if matches else None


# -- checkers: (value, ctx, dotted key) -> converted value, or raise _Bad --------------------------


def _int(lo: int, hi: int, unit: str, example: int, low: str | None = None) -> _Check:
    noun = f"a whole number of {unit}" if unit else "a whole number"
    suffix = f" {unit}" if unit else ""

    def check(value: Any, ctx: _Ctx, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"expected {noun}, e.g. {example}")
        if value < lo and low is not None:
            raise _Bad(low)
        if not lo <= value <= hi:
            raise _Bad(f"must be from {lo} to {hi}{suffix}, e.g. {example}")
        return value

    return check


def _float(lo: float, hi: float, unit: str, example: float, *, lo_open: bool = False) -> _Check:
    def check(value: Any, ctx: _Ctx, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad(f"expected a number of {unit}, e.g. {example}")
        number = float(value)
        too_low = number <= lo if lo_open else number < lo
        if too_low or number > hi:
            above = "more than" if lo_open else "at least"
            raise _Bad(f"must be {above} {lo:g} and at most {hi:g} {unit}, e.g. {example}")
        return number

    return check


def _bool(value: Any, ctx: _Ctx, key: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad("expected true or false (without quotes)")
    return value


def _choice(*options: str) -> _Check:
    def check(value: Any, ctx: _Ctx, key: str) -> str:
        if isinstance(value, str) and value.strip().lower() in options:
            return value.strip().lower()
        hint = ""
        if isinstance(value, str) and (close := _closest(value.lower(), options)):
            hint = f" Did you mean {close!r}?"
        raise _Bad("expected one of " + ", ".join(repr(o) for o in options) + "." + hint)

    return check


def _text(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected a text in quotes")
    return value


def _roles(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in value
    ):
        raise _Bad(
            'expected a list of role names or ids, e.g. ["Moderators", "123456789012345678"]'
        )
    return tuple(str(item).strip() for item in value if str(item).strip())


def _timezone(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected an IANA timezone name in quotes, e.g. 'Europe/London'")
    if value in _zones():
        return value
    suggestions = timezone_suggestions(value)
    if suggestions:
        raise _Bad(f"not an IANA timezone. Did you mean {suggestions[0]!r}?")
    raise _Bad("not an IANA timezone; write it as Region/City, e.g. 'Europe/London' or 'UTC'")


def _recurrence(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected a schedule in quotes, e.g. 'mon-fri 09:00'")
    # Imported here so that importing config never depends on the recurrence module (and so a
    # future import of config from recurrence cannot become a cycle).
    from bot.recurrence import RecurrenceError, parse

    try:
        parse(value)
    except RecurrenceError as exc:
        raise _Bad(str(exc)) from None
    return value


def _schedules(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Bad("expected a list of schedules, e.g. ['mon-fri 09:00']")
    lines: list[str] = []
    for index, item in enumerate(value):
        try:
            _recurrence(item, ctx, f"{key}[{index}]")
        except _Bad as bad:
            lines.append(f"{key}[{index}] = {_show(item)}: {bad.message}")
    if lines:
        raise _Bad(lines=lines)
    return tuple(value)


def _url(*schemes: str) -> _Check:
    example = f"{schemes[0]}://127.0.0.1:8080"

    def check(value: Any, ctx: _Ctx, key: str) -> str:
        if not isinstance(value, str):
            raise _Bad(f"expected a URL in quotes, e.g. '{example}', or '' for the default")
        if value == "":
            return value
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            allowed = " or ".join(f"{s}://" for s in schemes)
            raise _Bad(f"expected a URL starting with {allowed}, or '' for the default")
        return value

    return check


def _store_url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme == "sqlite":
        if not value.startswith("sqlite:///") or value == "sqlite:///":
            return "expected sqlite:///path/to/file.db (three slashes, then the file path)"
        return None
    if parts.scheme in ("postgresql", "postgres"):
        return None if parts.netloc else "expected postgresql://user@host:5432/dbname"
    return "expected sqlite:///path/to/file.db or postgresql://user@host:5432/dbname"


def _store_url(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected a URL in quotes, e.g. 'sqlite:///warmline.db'")
    if problem := _store_url_problem(value):
        raise _Bad(problem)
    if urlsplit(value).password:
        # Do not echo the value: it contains the password.
        raise _Bad(
            lines=[f"{key}: passwords never go in the config file; put the whole URL in the "
                   f"environment variable {ENV_DATABASE_URL} instead"]
        )
    return value


def _snowflake(value: Any, ctx: _Ctx, key: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and (value == "" or value.isdigit()):
        return value
    raise _Bad("expected a server id (the long number from 'Copy Server ID'), e.g. "
               "'123456789012345678', or '' for none")


def _shard_ids(value: Any, ctx: _Ctx, key: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value
    ):
        raise _Bad("expected a list of shard numbers from 0, e.g. [0, 1], or [] for all")
    if len(set(value)) != len(value):
        raise _Bad("lists a shard twice; give each shard number once")
    return tuple(value)


def _locale(value: Any, ctx: _Ctx, key: str) -> str:
    available = ctx.catalogue().locales()
    if isinstance(value, str):
        base = value.replace("_", "-").split("-", 1)[0]
        if value in available or base in available:
            return value
    raise _Bad("no texts for this language; available: " + ", ".join(repr(a) for a in available))


def _overrides(value: Any, ctx: _Ctx, key: str) -> Mapping[str, str]:
    from bot.texts import TextError, flatten_texts

    if not isinstance(value, Mapping):
        raise _Bad(
            'expected a table: [texts.overrides] then lines like "common.error_generic" = "…"'
        )
    try:
        flat = flatten_texts(value, key)
    except TextError as exc:
        raise _Bad(lines=[str(exc)]) from None
    catalogue = ctx.catalogue()
    lines = [
        f"{key}.{problem}"
        for name, text in flat.items()
        for problem in catalogue.check_override(name, text)
    ]
    if lines:
        raise _Bad(lines=lines)
    return MappingProxyType(flat)


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
    locale: str = _setting("en", _locale)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class SlackSettings:
    """Present means "run the Slack adapter"."""

    bot_token: str | None = _secret(ENV_BOT_TOKEN)
    app_token: str | None = _secret(ENV_APP_TOKEN)
    signing_secret: str | None = _secret(ENV_SIGNING_SECRET)
    mode: str = _setting("socket", _choice("socket", "http"))
    port: int = _setting(3000, _int(0, 65535, "", 3000))
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
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    discord: DiscordSettings | None = None
    slack: SlackSettings | None = None
    files: FilesSettings | None = None


_SECTIONS: Mapping[str, type] = MappingProxyType({
    "store": StoreSettings,
    "logging": LoggingSettings,
    "texts": TextSettings,
    "community": CommunitySettings,
    "checkins": CheckinSettings,
    "scheduler": SchedulerSettings,
    "outbox": OutboxSettings,
    "discord": DiscordSettings,
    "slack": SlackSettings,
    "files": FilesSettings,
})
_OPTIONAL_SECTIONS = frozenset({"discord", "slack", "files"})


def default_settings() -> Settings:
    """Every default, no adapters, no environment: what an empty config file means."""
    return Settings()


# -- parsing --------------------------------------------------------------------------------------


def load_settings(path: str | Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the TOML file at ``path`` (None: all defaults) with secrets from ``env``
    (None: ``os.environ``). Raises :class:`ConfigError` listing every problem."""
    if path is None:
        return parse_settings({}, env)
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file; copy config.example.toml there, "
                           "or give the right path"]) from None
    except OSError as exc:
        raise ConfigError(
            [f"{path}: cannot be read ({exc.strerror}); check its permissions"]
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text; save the file as UTF-8"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc}); fix the syntax at that line, "
                           "e.g. quote texts and close every bracket"]) from None
    return parse_settings(data, env)


def parse_settings(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Settings:
    """Validate an already-parsed TOML table. See :func:`load_settings`."""
    environ: Mapping[str, str] = os.environ if env is None else env
    table = dict(data)
    version = _upgrade(table)
    problems: list[str] = []
    ctx = _Ctx()

    known = ["version", *_SECTIONS]
    for name, value in table.items():
        if name == "version":
            continue
        if name not in _SECTIONS:
            problems.append(_unknown(name, name, known))
        elif not isinstance(value, Mapping):
            problems.append(f"{name} = {_show(value)}: expected a section; write [{name}] on its "
                            "own line, with its keys below it")

    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        raw = table.get(name)
        if not isinstance(raw, Mapping):
            if name in _OPTIONAL_SECTIONS:
                sections[name] = None
                continue
            raw = {}
        before = len(problems)
        sections[name] = _parse_section(name, cls, raw, environ, ctx, problems)
        rule = _SECTION_RULES.get(name)
        if rule is not None and len(problems) == before:
            # Rules across keys only make sense once each key is valid on its own.
            problems.extend(rule(sections[name]))

    store_url = _env(environ, ENV_DATABASE_URL)
    if store_url is not None:
        if problem := _store_url_problem(store_url):
            problems.append(f"{ENV_DATABASE_URL}: {problem}")
        else:
            sections["store"] = StoreSettings(url=store_url)

    if problems:
        raise ConfigError(problems)
    return Settings(version=version, **sections)


def _upgrade(table: dict[str, Any]) -> int:
    version = table.get("version", CURRENT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ConfigError([f"version = {_show(version)}: expected a whole number; "
                           f"write version = {CURRENT_VERSION}"])
    if version > CURRENT_VERSION:
        raise ConfigError([
            f"version = {version}: this Warmline reads config version {CURRENT_VERSION}; the file "
            "is for a newer Warmline. Upgrade Warmline (pip install -U warmline), or rewrite "
            "the file from this version's config.example.toml"
        ])
    if version < 1 or (version < CURRENT_VERSION and version not in _UPGRADES):
        raise ConfigError([f"version = {version}: no such config version; the first is 1. "
                           f"Start from config.example.toml and write version = {CURRENT_VERSION}"])
    while version < CURRENT_VERSION:
        table.update(_UPGRADES[version](table))
        version += 1
    table["version"] = version
    return version


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _unknown(dotted: str, name: str, valid: Sequence[str]) -> str:
    close = _closest(name, valid)
    if close:
        return f"{dotted}: unknown key. Did you mean {close!r}?"
    listing = ", ".join(valid) if valid else "none"
    return f"{dotted}: unknown key; remove it (valid keys here: {listing})"


def _parse_section(
    name: str, cls: type, raw: Mapping[str, Any], environ: Mapping[str, str], ctx: _Ctx,
    problems: list[str],
) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    file_keys = [n for n, f in fields.items() if "check" in f.metadata]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{name}.{key}"
        spec = fields.get(key)
        if spec is not None and "env" in spec.metadata:
            problems.append(f"{dotted}: tokens never go in the config file; set the environment "
                            f"variable {spec.metadata['env']} instead")
        elif spec is None or "check" not in spec.metadata:
            problems.append(_unknown(dotted, key, file_keys))
        else:
            try:
                values[key] = spec.metadata["check"](value, ctx, dotted)
            except _Bad as bad:
                problems.extend(bad.lines or [f"{dotted} = {_show(value)}: {bad.message}"])
    for key, spec in fields.items():
        if "env" in spec.metadata:
            values[key] = _env(environ, spec.metadata["env"])
    return cls(**values)


def _checkin_rules(checkins: CheckinSettings) -> list[str]:
    problems: list[str] = []
    if checkins.reminder and checkins.reminder_after_hours >= checkins.prompt_expiry_hours:
        problems.append(
            f"checkins.reminder_after_hours = {checkins.reminder_after_hours}: the prompt expires "
            f"after {checkins.prompt_expiry_hours} hours, so the reminder would never be sent; "
            "make it smaller than checkins.prompt_expiry_hours, or set checkins.reminder = false"
        )
    if checkins.enabled and not checkins.schedules:
        problems.append("checkins.schedules = []: check-ins are enabled but have no schedule; "
                        "add one, e.g. ['mon-fri 09:00'], or set checkins.enabled = false")
    return problems


def _outbox_rules(outbox: OutboxSettings) -> list[str]:
    if outbox.base_backoff_seconds > outbox.max_backoff_seconds:
        return [
            f"outbox.base_backoff_seconds = {outbox.base_backoff_seconds:g}: larger than "
            f"outbox.max_backoff_seconds ({outbox.max_backoff_seconds:g}); make it smaller"
        ]
    return []


def _discord_checks(discord: DiscordSettings) -> list[str]:
    problems: list[str] = []
    if discord.token is None:
        problems.append(
            f"discord: the [discord] section is present but {ENV_DISCORD_TOKEN} is not set; set it "
            "to your bot token (Developer Portal → Bot → Reset Token), or remove [discord] to run "
            "without Discord"
        )
    if discord.shard_ids and discord.shard_count == 0:
        problems.append(f"discord.shard_ids = {_show(list(discord.shard_ids))}: needs "
                        "discord.shard_count; set shard_count to the total number of shards")
    bad = [i for i in discord.shard_ids if i >= discord.shard_count > 0]
    if bad:
        problems.append(f"discord.shard_ids = {_show(list(discord.shard_ids))}: shard numbers "
                        f"go from 0 to {discord.shard_count - 1} "
                        f"(shard_count = {discord.shard_count}); remove "
                        + ", ".join(str(i) for i in bad))
    return problems


def _slack_checks(slack: SlackSettings) -> list[str]:
    problems: list[str] = []
    needed = [(ENV_BOT_TOKEN, slack.bot_token, "xoxb-",
               "the Bot User OAuth Token (OAuth & Permissions)")]
    if slack.mode == "socket":
        needed.append((ENV_APP_TOKEN, slack.app_token, "xapp-",
                       "an app-level token with connections:write (Basic Information)"))
    else:
        needed.append((ENV_SIGNING_SECRET, slack.signing_secret, "",
                       "the Signing Secret (Basic Information → App Credentials)"))
    for env_name, value, prefix, what in needed:
        if value is None:
            problems.append(f"slack: mode = {slack.mode!r} needs {env_name}; set it to {what}, "
                            "or remove [slack] to run without Slack")
        elif prefix and not value.startswith(prefix):
            # Never echo the value: it is a secret, possibly pasted into the wrong variable.
            problems.append(
                f"{env_name}: this token does not start with {prefix!r}; set it to {what}"
            )
    return problems


_SECTION_RULES: Mapping[str, Callable[[Any], list[str]]] = MappingProxyType({
    "checkins": _checkin_rules,
    "outbox": _outbox_rules,
    "discord": _discord_checks,
    "slack": _slack_checks,
})
"""Rules that involve more than one key of a section (or its environment variables)."""


# -- timezones ------------------------------------------------------------------------------------


@functools.cache
def _zones() -> frozenset[str]:
    """The IANA names this machine knows (from the tzdata package or the system). Cached: it
    scans the zone database, and the answer does not change while the process runs."""
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def _zone_index() -> tuple[dict[str, str], dict[str, list[str]]]:
    by_name: dict[str, str] = {}
    by_city: dict[str, list[str]] = {}
    for zone in sorted(_zones(), key=_zone_rank):
        by_name[zone.lower()] = zone
        city = zone.rsplit("/", 1)[-1].lower()
        by_city.setdefault(city, []).append(zone)
    return by_name, by_city


def _zone_rank(zone: str) -> tuple[int, str]:
    """Prefer the canonical Region/City names people should type over legacy aliases."""
    legacy = zone.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/"))
    return (1 if legacy or "/" not in zone else 0, zone)


def timezone_suggestions(value: str, limit: int = 3) -> list[str]:
    """The IANA names closest to what someone typed, best first (case-insensitive; matches the
    city part too, so ``"paris"`` → ``["Europe/Paris"]``). Empty when nothing is close."""
    typed = "_".join(value.strip().lower().replace("\\", "/").split())
    if not typed or limit <= 0:
        return []
    by_name, by_city = _zone_index()
    found: list[str] = []

    def add(zones: Sequence[str]) -> None:
        for zone in zones:
            if zone not in found:
                found.append(zone)

    exact = [by_name[typed]] if typed in by_name else []
    city = typed.rsplit("/", 1)[-1]
    add(by_city.get(city, []))
    add([by_name[m] for m in difflib.get_close_matches(typed, list(by_name), n=limit, cutoff=0.75)])
    add([z for m in difflib.get_close_matches(city, list(by_city), n=limit, cutoff=0.75)
         for z in by_city[m]])
    if not found and not exact:
        loose = difflib.get_close_matches(typed, list(by_name), n=limit, cutoff=0.6)
        add([by_name[m] for m in loose])
    # An exact (case-insensitive) name wins; then canonical Region/City names before legacy aliases.
    ranked = sorted(
        (z for z in found if z not in exact), key=lambda z: (_zone_rank(z)[0], found.index(z))
    )
    return [*exact, *ranked][:limit]
