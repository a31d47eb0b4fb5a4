"""Versions, the environment and what settings never show."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.config import (
    default_settings,
    load_settings,
    parse_settings,
)
from tests.helpers.config import DISCORD_TOKEN, SLACK_ENV, problems, write


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
