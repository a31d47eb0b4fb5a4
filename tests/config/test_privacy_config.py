"""[privacy] and [limits]: each wrong value names the key, what was found and the fix."""

from __future__ import annotations

from pathlib import Path

from bot.config import parse_settings
from bot.sealing import keyring_for, new_key
from tests.helpers.config import problems


def test_the_defaults_keep_ninety_days_without_a_key_and_a_gentle_rate() -> None:
    settings = parse_settings({}, {})
    assert settings.privacy.retention_days == 90 and settings.privacy.key_file == ""
    assert not keyring_for(settings.privacy).can_seal
    assert (settings.limits.per_minute, settings.limits.burst) == (30, 10)


def test_a_retention_period_out_of_range_or_of_the_wrong_type() -> None:
    assert problems({"privacy": {"retention_days": 0}}) == [
        "privacy.retention_days = 0: must be from 1 to 3650 days, e.g. 90"]
    assert problems({"privacy": {"retention_days": "90"}}) == [
        "privacy.retention_days = '90': expected a whole number of days, e.g. 90"]


def test_limits_out_of_range() -> None:
    assert problems({"limits": {"burst": 0, "per_minute": 1.5}}) == [
        "limits.burst = 0: must be from 1 to 1000 actions, e.g. 10",
        "limits.per_minute = 1.5: expected a whole number of actions per minute, e.g. 30",
    ]


def test_the_key_comes_from_the_environment_never_the_file() -> None:
    (line,) = problems({"privacy": {"data_key": "abc"}})
    assert line == ("privacy.data_key: tokens never go in the config file; set the environment "
                    "variable WARMLINE_DATA_KEY instead")
    key = new_key()
    settings = parse_settings({}, {"WARMLINE_DATA_KEY": key})
    assert keyring_for(settings.privacy).can_seal and key not in repr(settings)


def test_a_bad_key_in_the_environment_is_a_config_problem_that_hides_it() -> None:
    (line,) = problems({}, {"WARMLINE_DATA_KEY": "hunter2"})
    assert line.startswith("WARMLINE_DATA_KEY: not a Warmline data key") and "hunter2" not in line


def test_a_key_file_everyone_can_read_is_a_config_problem(tmp_path: Path) -> None:
    path = tmp_path / "data.key"
    path.write_text(new_key() + "\n", encoding="ascii")
    path.chmod(0o604)
    (line,) = problems({"privacy": {"key_file": str(path)}})
    assert line.startswith(f"privacy.key_file = '{path}': every user of this machine can read")
    assert line.endswith(f"chmod 600 {path}")
    path.chmod(0o600)
    assert keyring_for(parse_settings({"privacy": {"key_file": str(path)}}, {}).privacy).can_seal
