"""The config file: defaults, errors that name key, value and fix, and secrets from env only."""

from __future__ import annotations

import dataclasses
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from bot.config import (
    ConfigError,
    DiscordSettings,
    FilesSettings,
    Settings,
    SlackSettings,
    default_settings,
    load_settings,
    parse_settings,
    timezone_suggestions,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"
SLACK_ENV = {
    "WARMLINE_SLACK_BOT_TOKEN": "xoxb-1-secret-bot",
    "WARMLINE_SLACK_APP_TOKEN": "xapp-1-secret-app",
    "WARMLINE_SLACK_SIGNING_SECRET": "signing-secret-value",
}


def problems(data: dict[str, Any], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, env or {})
    assert str(caught.value) == "\n".join(caught.value.problems)
    return list(caught.value.problems)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- defaults and the example file ----------------------------------------------------------------


def test_no_file_means_every_default() -> None:
    settings = load_settings(None, env={})
    assert settings == default_settings()
    assert settings.version == 1
    assert settings.store.url == "sqlite:///warmline.db"
    assert settings.checkins.schedules == ("mon-fri 09:00",)
    assert settings.checkins.prompt_expiry_hours == 12
    assert settings.discord is None and settings.slack is None


def test_an_empty_table_parses_to_the_defaults() -> None:
    assert parse_settings({}, {}) == default_settings()


def test_the_example_file_loads_without_environment_and_equals_the_defaults() -> None:
    assert load_settings(EXAMPLE, env={}) == default_settings()


def test_the_example_values_are_the_defaults_key_by_key() -> None:
    # Equality above could hide a key the example forgot; compare each uncommented key too.
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    defaults = default_settings()
    for section, table in data.items():
        if section == "version":
            assert table == defaults.version
            continue
        for key, value in table.items():
            expected = getattr(getattr(defaults, section), key)
            if isinstance(expected, tuple):
                expected = list(expected)
            elif key == "overrides":
                expected = dict(expected)
            assert value == expected, f"{section}.{key} in the example is not the default"


def _section_classes() -> dict[str, type]:
    optional = {"discord": DiscordSettings, "slack": SlackSettings, "files": FilesSettings}
    defaults = default_settings()
    return {
        f.name: optional.get(f.name) or type(getattr(defaults, f.name))
        for f in dataclasses.fields(Settings)
        if f.name != "version"
    }


def test_every_setting_is_explained_in_the_example_file() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    sections = _section_classes()
    assert set(sections) == {
        "store", "logging", "texts", "community", "checkins", "scheduler", "outbox", "discord", "files",
        "slack",
    }
    for section, cls in sections.items():
        assert re.search(rf"^#? ?\[{section}\]", text, re.MULTILINE), f"[{section}] missing"
        for f in dataclasses.fields(cls):
            env = f.metadata.get("env")
            needle = env if env else f"{f.name} ="
            if f.name == "overrides":
                needle = "[texts.overrides]"
            assert needle in text, f"{section}.{f.name} is not mentioned in config.example.toml"


def test_the_example_file_is_mostly_comments_explaining_each_key() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.lstrip().startswith("#")]
    assert len(comments) > 2 * len([line for line in lines if "=" in line and "#" not in line])


# -- reading files --------------------------------------------------------------------------------


def test_a_file_is_read_and_validated(tmp_path: Path) -> None:
    path = write(tmp_path, """
version = 1
[community]
default_timezone = "Europe/Paris"
moderator_roles = ["Mods", 123456789012345678]
[checkins]
schedules = ["mon-fri 09:00", "sat 10:30"]
prompt_expiry_hours = 6
delivery = "THREAD"
[logging]
format = "json"
""")
    settings = load_settings(path, env={})
    assert settings.community.default_timezone == "Europe/Paris"
    assert settings.community.moderator_roles == ("Mods", "123456789012345678")
    assert settings.checkins.schedules == ("mon-fri 09:00", "sat 10:30")
    assert settings.checkins.prompt_expiry_hours == 6
    assert settings.checkins.delivery == "thread"
    assert settings.logging.format == "json"
    assert settings.logging.level == "info"


def test_a_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no such file; copy config.example.toml"):
        load_settings(tmp_path / "nope.toml", env={})


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[checkins]\nprompt_expiry_hours = twelve\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert str(path) in message and "not valid TOML" in message and "line 2" in message


# -- one line per problem: key, value, fix --------------------------------------------------------


def test_an_unknown_key_suggests_the_closest_valid_one() -> None:
    assert problems({"checkins": {"prompt_expiry_hour": 3}}) == [
        "checkins.prompt_expiry_hour: unknown key. Did you mean 'prompt_expiry_hours'?"
    ]


def test_an_unknown_key_without_a_close_match_lists_the_valid_keys() -> None:
    (line,) = problems({"scheduler": {"zzz": 1}})
    assert line == ("scheduler.zzz: unknown key; remove it "
                    "(valid keys here: batch_size, max_idle_seconds)")


def test_an_unknown_section_suggests_the_closest_section() -> None:
    assert problems({"chekins": {}}) == ["chekins: unknown key. Did you mean 'checkins'?"]


def test_a_section_written_as_a_value_says_to_make_it_a_table() -> None:
    (line,) = problems({"store": "sqlite:///x.db"})
    assert line.startswith("store = 'sqlite:///x.db': expected a section; write [store]")


def test_a_wrong_type_names_key_value_and_an_example() -> None:
    assert problems({"checkins": {"prompt_expiry_hours": "twelve"}}) == [
        "checkins.prompt_expiry_hours = 'twelve': expected a whole number of hours, e.g. 12"
    ]


def test_true_is_not_a_number() -> None:
    (line,) = problems({"scheduler": {"batch_size": True}})
    assert line == "scheduler.batch_size = true: expected a whole number, e.g. 500"


@pytest.mark.parametrize(
    ("section", "key", "value", "says"),
    [
        ("checkins", "prompt_expiry_hours", 49, "must be from 1 to 48 hours"),
        ("checkins", "prompt_expiry_hours", 0, "must be from 1 to 48 hours"),
        ("scheduler", "batch_size", 10001, "must be from 1 to 10000"),
        ("scheduler", "batch_size", 0, "must be from 1 to 10000"),
        ("checkins", "insights_min_answers", 2, "must be at least 3, so that no one's answers"),
        ("discord", "sends_per_second", 51, "at most 50"),
        ("discord", "sends_per_second", 0, "more than 0"),
        ("slack", "port", 70000, "must be from 0 to 65535"),
    ],
)
def test_values_outside_their_range_are_refused(
    section: str, key: str, value: Any, says: str
) -> None:
    env = {"WARMLINE_DISCORD_TOKEN": DISCORD_TOKEN, **SLACK_ENV}
    lines = problems({section: {key: value}}, env)
    assert len(lines) == 1
    assert lines[0].startswith(f"{section}.{key} = {value!r}: ")
    assert says in lines[0]


def test_the_edges_of_a_range_are_allowed() -> None:
    settings = parse_settings(
        {"checkins": {"prompt_expiry_hours": 48, "insights_min_answers": 3},
         "scheduler": {"batch_size": 1}},
        {},
    )
    assert settings.checkins.prompt_expiry_hours == 48
    assert settings.checkins.insights_min_answers == 3
    assert settings.scheduler.batch_size == 1


def test_a_misspelt_timezone_suggests_the_right_one() -> None:
    assert problems({"community": {"default_timezone": "Europe/Pariss"}}) == [
        "community.default_timezone = 'Europe/Pariss': not an IANA timezone. "
        "Did you mean 'Europe/Paris'?"
    ]


def test_a_hopeless_timezone_explains_the_format() -> None:
    (line,) = problems({"community": {"default_timezone": "qqqqqqqq"}})
    assert "write it as Region/City, e.g. 'Europe/London'" in line


def test_an_impossible_time_in_a_schedule_is_named_with_its_position() -> None:
    (line,) = problems({"checkins": {"schedules": ["mon-fri 09:00", "mon-fri 25:00"]}})
    assert line.startswith("checkins.schedules[1] = 'mon-fri 25:00': ")
    assert "25:00 is not a time of day" in line and "00:00 to 23:59" in line


def test_an_unreadable_group_thread_rule_is_refused() -> None:
    (line,) = problems({"checkins": {"group_thread_rule": "tuesdy 12:00"}})
    assert line.startswith("checkins.group_thread_rule = 'tuesdy 12:00': ")
    assert "not a day" in line


def test_a_choice_suggests_the_close_option() -> None:
    (line,) = problems({"logging": {"level": "warn"}})
    assert line == ("logging.level = 'warn': expected one of 'debug', 'info', 'warning', 'error'."
                    " Did you mean 'warning'?")


def test_a_bad_store_url_shows_both_forms() -> None:
    (line,) = problems({"store": {"url": "mysql://x/y"}})
    assert "sqlite:///path/to/file.db or postgresql://" in line


def test_a_password_in_the_store_url_is_refused_without_echoing_it() -> None:
    (line,) = problems({"store": {"url": "postgresql://warm:hunter2@db/warmline"}})
    assert "hunter2" not in line
    assert "WARMLINE_DATABASE_URL" in line


def test_every_problem_is_reported_at_once() -> None:
    lines = problems({
        "checkins": {"prompt_expiry_hour": 3, "note_max_chars": "long"},
        "community": {"default_timezone": "Mars/Olympus", "locale": "xx"},
        "logging": {"format": "xml"},
    })
    # One line each, in the order of the sections in the schema.
    assert [re.split(r"[ :]", line)[0] for line in lines] == [
        "logging.format", "community.default_timezone", "community.locale",
        "checkins.prompt_expiry_hour", "checkins.note_max_chars",
    ]


def test_rules_across_keys_are_checked() -> None:
    (line,) = problems({"checkins": {"reminder": True, "reminder_after_hours": 12,
                                     "prompt_expiry_hours": 12}})
    assert line.startswith("checkins.reminder_after_hours = 12: ")
    assert "set checkins.reminder = false" in line
    (line,) = problems({"outbox": {"base_backoff_seconds": 10, "max_backoff_seconds": 5}})
    assert line.startswith("outbox.base_backoff_seconds = 10: larger than")
    (line,) = problems({"checkins": {"schedules": []}})
    assert "set checkins.enabled = false" in line


def test_a_reminder_after_expiry_is_fine_when_reminders_are_off() -> None:
    settings = parse_settings(
        {"checkins": {"reminder_after_hours": 20, "prompt_expiry_hours": 12}}, {}
    )
    assert settings.checkins.reminder is False


# -- versions -------------------------------------------------------------------------------------


def test_a_newer_version_says_how_to_upgrade() -> None:
    (line,) = problems({"version": 2, "nonsense": 1})
    assert line.startswith("version = 2: this Warmline reads config version 1")
    assert "pip install -U warmline" in line


@pytest.mark.parametrize("version", [0, -1, "one"])
def test_an_impossible_version_is_refused(version: Any) -> None:
    (line,) = problems({"version": version})
    assert line.startswith(f"version = {version!r}: ")
    assert "version = 1" in line


# -- secrets --------------------------------------------------------------------------------------


def test_a_token_in_the_file_is_refused_and_points_to_the_env_var() -> None:
    lines = problems({"discord": {"token": "abc"}}, {"WARMLINE_DISCORD_TOKEN": DISCORD_TOKEN})
    assert lines == [
        "discord.token: tokens never go in the config file; set the environment variable "
        "WARMLINE_DISCORD_TOKEN instead"
    ]


def test_slack_secrets_in_the_file_are_refused_without_echoing_them() -> None:
    lines = problems({"slack": {"bot_token": "xoxb-1-leak", "signing_secret": "leak"}}, SLACK_ENV)
    assert len(lines) == 2
    assert "WARMLINE_SLACK_BOT_TOKEN" in lines[0] and "WARMLINE_SLACK_SIGNING_SECRET" in lines[1]
    assert not any("leak" in line for line in lines)


def test_a_discord_section_needs_its_token_in_the_environment() -> None:
    (line,) = problems({"discord": {}}, {})
    assert "WARMLINE_DISCORD_TOKEN is not set" in line
    assert "remove [discord]" in line


def test_a_missing_token_is_reported_alongside_problems_elsewhere() -> None:
    lines = problems({"discord": {}, "logging": {"level": "loud"}}, {})
    assert len(lines) == 2
    assert lines[0].startswith("logging.level = 'loud'")
    assert "WARMLINE_DISCORD_TOKEN is not set" in lines[1]


def test_discord_settings_take_the_token_from_the_environment() -> None:
    env = {"WARMLINE_DISCORD_TOKEN": DISCORD_TOKEN}
    settings = parse_settings({"discord": {"dev_guild_id": 42}}, env)
    assert settings.discord is not None
    assert settings.discord.token == DISCORD_TOKEN
    assert settings.discord.dev_guild_id == "42"
    assert settings.discord.sends_per_second == 40.0


def test_slack_socket_mode_needs_the_bot_and_app_tokens() -> None:
    lines = problems({"slack": {}}, {})
    assert len(lines) == 2
    assert "WARMLINE_SLACK_BOT_TOKEN" in lines[0] and "WARMLINE_SLACK_APP_TOKEN" in lines[1]


def test_slack_http_mode_needs_the_signing_secret_not_the_app_token() -> None:
    env = {"WARMLINE_SLACK_BOT_TOKEN": "xoxb-1"}
    (line,) = problems({"slack": {"mode": "http"}}, env)
    assert "WARMLINE_SLACK_SIGNING_SECRET" in line
    settings = parse_settings({"slack": {"mode": "http", "port": 0}},
                              {**env, "WARMLINE_SLACK_SIGNING_SECRET": "s"})
    assert settings.slack is not None
    assert settings.slack.signing_secret == "s" and settings.slack.app_token is None


def test_swapped_slack_tokens_are_caught_without_echoing_them() -> None:
    env = {
        "WARMLINE_SLACK_BOT_TOKEN": "xapp-1-swapped",
        "WARMLINE_SLACK_APP_TOKEN": "xoxb-1-swapped",
    }
    lines = problems({"slack": {}}, env)
    assert len(lines) == 2
    assert "does not start with 'xoxb-'" in lines[0] and "does not start with 'xapp-'" in lines[1]
    assert not any("swapped" in line for line in lines)


def test_an_empty_env_var_counts_as_unset() -> None:
    (line,) = problems({"discord": {}}, {"WARMLINE_DISCORD_TOKEN": "  "})
    assert "WARMLINE_DISCORD_TOKEN" in line


def test_secrets_never_appear_in_repr() -> None:
    env = {"WARMLINE_DISCORD_TOKEN": DISCORD_TOKEN, **SLACK_ENV,
           "WARMLINE_DATABASE_URL": "postgresql://warm:hunter2@127.0.0.1/warmline"}
    settings = parse_settings({"discord": {}, "slack": {}}, env)
    shown = repr(settings) + str(settings)
    for secret in [DISCORD_TOKEN, "hunter2", *SLACK_ENV.values()]:
        assert secret not in shown
    assert settings.store.url.endswith("hunter2@127.0.0.1/warmline")
    assert settings.store.redacted_url == "postgresql://warm:***@127.0.0.1/warmline"


def test_the_database_url_from_the_environment_wins_over_the_file() -> None:
    settings = parse_settings({"store": {"url": "sqlite:///file.db"}},
                              {"WARMLINE_DATABASE_URL": "sqlite:///from-env.db"})
    assert settings.store.url == "sqlite:///from-env.db"
    (line,) = problems({}, {"WARMLINE_DATABASE_URL": "nonsense"})
    assert line.startswith("WARMLINE_DATABASE_URL: expected sqlite:///")


def test_load_settings_reads_os_environ_when_no_env_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARMLINE_DISCORD_TOKEN", DISCORD_TOKEN)
    settings = load_settings(write(tmp_path, "[discord]\n"))
    assert settings.discord is not None and settings.discord.token == DISCORD_TOKEN


def test_settings_are_frozen() -> None:
    settings = default_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.checkins.enabled = False  # type: ignore[misc]


# -- discord details ------------------------------------------------------------------------------


def test_shard_ids_must_fit_the_shard_count() -> None:
    env = {"WARMLINE_DISCORD_TOKEN": DISCORD_TOKEN}
    (line,) = problems({"discord": {"shard_count": 2, "shard_ids": [0, 2]}}, env)
    assert line.startswith("discord.shard_ids = [0, 2]: shard numbers go from 0 to 1")
    (line,) = problems({"discord": {"shard_ids": [0]}}, env)
    assert "needs discord.shard_count" in line
    settings = parse_settings({"discord": {"shard_count": 2, "shard_ids": [1]}}, env)
    assert settings.discord is not None and settings.discord.shard_ids == (1,)


def test_local_base_urls_are_accepted_for_testing_against_fakes() -> None:
    env = {"WARMLINE_DISCORD_TOKEN": DISCORD_TOKEN}
    settings = parse_settings({"discord": {"api_base_url": "http://127.0.0.1:5000/api/v10",
                                           "gateway_url": "ws://127.0.0.1:5000/gw"}}, env)
    assert settings.discord is not None
    assert settings.discord.gateway_url == "ws://127.0.0.1:5000/gw"
    (line,) = problems({"discord": {"gateway_url": "127.0.0.1:5000"}}, env)
    assert "ws:// or wss://" in line


# -- text overrides -------------------------------------------------------------------------------


def test_text_overrides_are_checked_against_the_catalogue() -> None:
    lines = problems({"texts": {"overrides": {
        "common.eror_generic": "Oops.",
        "timezone.set": "Now {zone}.",
        "common.not_moderator": "Moderators only, {name}.",
    }}})
    assert lines[0] == ("texts.overrides.common.eror_generic: no such text. "
                        "Did you mean 'common.error_generic'?")
    assert lines[1].startswith("texts.overrides.timezone.set: it must include {local_time}")
    assert lines[2].startswith("texts.overrides.common.not_moderator: it cannot use {name}")


def test_valid_text_overrides_are_kept_flat_by_dotted_key(tmp_path: Path) -> None:
    path = write(tmp_path, """
[texts.overrides]
"common.error_generic" = "Something broke on our side."
timezone.set = "Set to {zone} ({local_time})."
""")
    settings = load_settings(path, env={})
    assert dict(settings.texts.overrides) == {
        "common.error_generic": "Something broke on our side.",
        "timezone.set": "Set to {zone} ({local_time}).",
    }


def test_a_locale_without_a_catalogue_is_refused() -> None:
    (line,) = problems({"texts": {"locale": "de"}})
    assert line.startswith("texts.locale = 'de': no texts for this language; available: 'en'")
    assert parse_settings({"community": {"locale": "fr-CA"}}, {}).community.locale == "fr-CA"


# -- timezone suggestions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("paris", "Europe/Paris"),
        ("Europe/Pariss", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("new york", "America/New_York"),
        ("America/Los Angeles", "America/Los_Angeles"),
        ("Tokio", "Asia/Tokyo"),
        ("utc", "UTC"),
    ],
)
def test_timezone_suggestions_find_what_people_meant(typed: str, first: str) -> None:
    assert timezone_suggestions(typed)[0] == first


def test_timezone_suggestions_respect_the_limit_and_can_be_empty() -> None:
    assert len(timezone_suggestions("Europe/Pariss", limit=2)) <= 2
    assert timezone_suggestions("Europe/Pariss", limit=1) == ["Europe/Paris"]
    assert timezone_suggestions("qqqqqqqq") == []
    assert timezone_suggestions("") == []


def test_an_exact_name_comes_first_even_when_it_is_a_legacy_alias() -> None:
    assert timezone_suggestions("kiev")[:2] == ["Europe/Kiev", "Europe/Kyiv"]
    assert timezone_suggestions("kyiv")[:2] == ["Europe/Kyiv", "Europe/Kiev"]
    assert timezone_suggestions("US/Pacifc")[0] == "US/Pacific"


def test_every_suggestion_is_a_real_zone() -> None:
    for typed in ("pariss", "eastern", "Buenos Aires", "gmt", "Mexico City"):
        found = timezone_suggestions(typed)
        assert found
        assert set(found) <= zoneinfo.available_timezones()
