"""Defaults, and the example file that documents every key."""

from __future__ import annotations

import dataclasses
import re
import tomllib

from bot.config import (
    DiscordSettings,
    FilesSettings,
    Settings,
    SlackSettings,
    default_settings,
    load_settings,
    parse_settings,
)
from tests.helpers.config import EXAMPLE


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
        "store", "logging", "texts", "community", "checkins", "listening", "duty", "privacy",
        "limits", "safety", "scheduler", "outbox", "ops", "discord", "files", "slack",
    }
    for section, cls in sections.items():
        assert re.search(rf"^#? ?\[{section}\]", text, re.MULTILINE), f"[{section}] missing"
        for f in dataclasses.fields(cls):
            env = f.metadata.get("env")
            needle = env if env else f"{f.name} ="
            if f.name == "overrides":
                needle = "[texts.overrides]"
            if f.name == "resources":
                needle = "[safety.resources]"
            assert needle in text, f"{section}.{f.name} is not mentioned in config.example.toml"


def test_the_example_file_is_mostly_comments_explaining_each_key() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.lstrip().startswith("#")]
    assert len(comments) > 2 * len([line for line in lines if "=" in line and "#" not in line])


# -- reading files --------------------------------------------------------------------------------
