"""Each value is checked, and each problem names the key, the value and the fix."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.config import (
    parse_settings,
)
from tests.helpers.config import DISCORD_TOKEN, SLACK_ENV, problems


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
