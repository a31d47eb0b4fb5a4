"""Adapter sections, text overrides and locales."""

from __future__ import annotations

from pathlib import Path

from bot.config import (
    load_settings,
    parse_settings,
)
from tests.helpers.config import DISCORD_TOKEN, problems, write


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
        "checkin.timezone.set": "Now {zone}.",
        "common.not_moderator": "Moderators only, {name}.",
    }}})
    assert lines[0] == ("texts.overrides.common.eror_generic: no such text. "
                        "Did you mean 'common.error_generic'?")
    assert lines[1].startswith("texts.overrides.checkin.timezone.set: it must include {local_time}")
    assert lines[2].startswith("texts.overrides.common.not_moderator: it cannot use {name}")


def test_valid_text_overrides_are_kept_flat_by_dotted_key(tmp_path: Path) -> None:
    path = write(tmp_path, """
[texts.overrides]
"common.error_generic" = "Something broke on our side."
"checkin.timezone.set" = "Set to {zone} ({local_time})."
""")
    settings = load_settings(path, env={})
    assert dict(settings.texts.overrides) == {
        "common.error_generic": "Something broke on our side.",
        "checkin.timezone.set": "Set to {zone} ({local_time}).",
    }


def test_a_locale_without_a_catalogue_is_refused() -> None:
    (line,) = problems({"texts": {"locale": "de"}})
    assert line.startswith("texts.locale = 'de': no texts for this language; available: 'en'")
    assert parse_settings({"community": {"locale": "en-GB"}}, {}).community.locale == "en-GB"


# -- timezone suggestions -------------------------------------------------------------------------
