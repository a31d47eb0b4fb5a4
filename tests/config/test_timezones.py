"""Timezone suggestions for people who typed a zone not quite right."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import timezone_suggestions
from bot.config.timezones import valid_zone


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
        assert all(valid_zone(zone) for zone in found)


# -- offsets and abbreviations: the city zones people mean ------------------------------------------

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def offset_at(zone: str, now: datetime) -> timedelta | None:
    return now.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()


@pytest.mark.parametrize("typed", ["GMT+1", "UTC+1", "utc +1", "+01:00", "+0100", "+1"])
def test_an_offset_suggests_cities_at_that_offset_now(typed: str) -> None:
    winter = timezone_suggestions(typed, now=WINTER)
    assert winter[:2] == ["Europe/Paris", "Europe/Berlin"]
    assert "Europe/London" not in winter  # +00:00 in January
    summer = timezone_suggestions(typed, now=SUMMER)
    assert summer[0] == "Europe/London"  # British Summer Time
    for found, now in ((winter, WINTER), (summer, SUMMER)):
        assert all(offset_at(zone, now) == timedelta(hours=1) for zone in found)


def test_gmt_plus_one_never_suggests_the_etc_zone_that_is_utc_minus_one() -> None:
    for limit in (3, 10, 50):
        for now in (WINTER, SUMMER):
            found = timezone_suggestions("GMT+1", limit=limit, now=now)
            assert "Etc/GMT+1" not in found
            assert not any(zone.startswith("Etc/") for zone in found)


def test_utc_plus_two_is_central_europe_in_summer_and_eastern_europe_or_egypt_in_winter() -> None:
    assert "Europe/Berlin" in timezone_suggestions("UTC+2", now=SUMMER)
    winter = timezone_suggestions("UTC+2", limit=10, now=WINTER)
    assert {"Europe/Athens", "Africa/Cairo"} <= set(winter)
    assert "UTC" not in winter


@pytest.mark.parametrize(
    ("typed", "first", "offset"),
    [
        ("UTC-05:00", "America/New_York", timedelta(hours=-5)),
        ("utc−5", "America/New_York", timedelta(hours=-5)),  # a real minus sign
        ("+0530", "Asia/Kolkata", timedelta(hours=5, minutes=30)),
        ("GMT+5:45", "Asia/Kathmandu", timedelta(hours=5, minutes=45)),
        ("UTC+9", "Asia/Tokyo", timedelta(hours=9)),
        ("UTC+11", "Australia/Sydney", timedelta(hours=11)),  # summer down under
    ],
)
def test_offsets_in_the_ways_people_write_them(typed: str, first: str, offset: timedelta) -> None:
    found = timezone_suggestions(typed, now=WINTER)
    assert found[0] == first
    assert all(offset_at(zone, WINTER) == offset for zone in found)


@pytest.mark.parametrize("typed", ["UTC-05:30", "UTC+15", "GMT-13", "+25", "UTC+2:75"])
def test_an_offset_no_city_keeps_suggests_nothing(typed: str) -> None:
    assert timezone_suggestions(typed, now=WINTER) == []


def test_an_offset_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        timezone_suggestions("UTC+1", now=datetime(2026, 1, 15, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("EST5EDT", "America/New_York"),
        ("CST", "America/Chicago"),
        ("MST", "America/Denver"),
        ("PST", "America/Los_Angeles"),
        ("PST8PDT", "America/Los_Angeles"),
        ("AKST", "America/Anchorage"),
        ("HST", "Pacific/Honolulu"),
        ("GMT", "Europe/London"),
        ("BST", "Europe/London"),
        ("CET", "Europe/Paris"),
        ("CEST", "Europe/Paris"),
        ("EET", "Europe/Athens"),
        ("IST", "Asia/Kolkata"),
        ("JST", "Asia/Tokyo"),
        ("AEST", "Australia/Sydney"),
        ("AEDT", "Australia/Sydney"),
        ("NZDT", "Pacific/Auckland"),
    ],
)
def test_an_abbreviation_suggests_the_city_zone_that_keeps_that_time(typed: str, first: str) -> None:
    found = timezone_suggestions(typed)
    assert found[0] == first
    assert all(valid_zone(zone) for zone in found)


def test_ambiguous_abbreviations_offer_each_reading() -> None:
    assert timezone_suggestions("IST")[:2] == ["Asia/Kolkata", "Europe/Dublin"]
    assert "America/Phoenix" in timezone_suggestions("MST")  # no daylight saving time there
    assert "America/Toronto" in timezone_suggestions("EST")


def test_pst_suggests_no_other_abbreviation() -> None:
    found = timezone_suggestions("PST", limit=10)
    assert not {"MST", "HST", "EST"} & set(found)


# -- what counts as a zone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    ["EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "EET", "MET", "WET",
     "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich",
     "localtime", "posixrules", "Factory", "posix/Europe/Paris", "right/Europe/Paris",
     "America", "Etc", "Europe/", "../etc/passwd", "", "x" * 300, "Europe/" + "Paris" * 60],
)
def test_misleading_names_and_non_zones_are_not_valid(zone: str) -> None:
    assert not valid_zone(zone)


@pytest.mark.parametrize(
    "zone", ["UTC", "Etc/UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "US/Eastern"]
)
def test_city_zones_and_utc_stay_valid(zone: str) -> None:
    assert valid_zone(zone)


@pytest.mark.parametrize("typed", ["x" * 300, "Europe/" + "Paris" * 60, "America", "Etc", "posix/"])
def test_odd_input_gets_valid_suggestions_or_none(typed: str) -> None:
    assert all(valid_zone(zone) for zone in timezone_suggestions(typed, limit=10))


def test_very_long_input_is_not_matched_at_all() -> None:
    assert timezone_suggestions("Europe/Paris" * 30) == []
    assert timezone_suggestions("EST" * 100) == []
    assert timezone_suggestions(" Europe/Paris " + " " * 300)[0] == "Europe/Paris"
