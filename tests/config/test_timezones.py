"""Timezone suggestions for people who typed a zone not quite right."""

from __future__ import annotations

import zoneinfo

import pytest

from bot.config import (
    timezone_suggestions,
)


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
