"""Reading a file: found, readable, valid TOML, a supported version."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import (
    ConfigError,
    load_settings,
)
from tests.helpers.config import write


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
