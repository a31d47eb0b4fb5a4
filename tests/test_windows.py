"""Quiet-hours windows in a person's own zone: spanning midnight, weekdays, and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.windows import Window, WindowError, format, parse, quiet_until


def at(zone: str, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)  # type: ignore[misc]


def test_a_window_spanning_midnight_closes_the_next_morning() -> None:
    night = parse("22:00-07:00")
    closes = at("Europe/London", 2026, 1, 6, 7, 0)
    assert quiet_until(night, "Europe/London", at("Europe/London", 2026, 1, 5, 23, 30)) == closes
    assert quiet_until(night, "Europe/London", at("Europe/London", 2026, 1, 6, 6, 59)) == closes
    assert quiet_until(night, "Europe/London", at("Europe/London", 2026, 1, 6, 7, 0)) is None
    assert quiet_until(night, "Europe/London", at("Europe/London", 2026, 1, 5, 21, 59)) is None


def test_a_same_day_window() -> None:
    lunch = parse("12:00-13:30")
    assert quiet_until(lunch, "UTC", datetime(2026, 1, 5, 12, 45, tzinfo=UTC)) == datetime(
        2026, 1, 5, 13, 30, tzinfo=UTC)
    assert quiet_until(lunch, "UTC", datetime(2026, 1, 5, 13, 30, tzinfo=UTC)) is None


def test_days_name_the_night_a_window_opens() -> None:
    weekend_nights = parse("23:00-09:00", days="fri,sat")
    saturday_morning = at("Europe/Paris", 2026, 1, 10, 8, 0)
    sunday_morning = at("Europe/Paris", 2026, 1, 11, 8, 0)
    monday_morning = at("Europe/Paris", 2026, 1, 12, 8, 0)
    assert quiet_until(weekend_nights, "Europe/Paris", saturday_morning) is not None
    assert quiet_until(weekend_nights, "Europe/Paris", sunday_morning) is not None
    assert quiet_until(weekend_nights, "Europe/Paris", monday_morning) is None
    assert format(weekend_nights) == "fri,sat 23:00-09:00"


def test_spring_forward_in_new_york_keeps_seven_on_the_wall() -> None:
    night = parse("22:00-07:00")
    # 8 March 2026: clocks go from 02:00 to 03:00; the night is an hour shorter.
    closes = quiet_until(night, "America/New_York", at("America/New_York", 2026, 3, 8, 1, 30))
    assert closes == at("America/New_York", 2026, 3, 8, 7, 0)
    assert closes - at("America/New_York", 2026, 3, 7, 22, 0) == timedelta(hours=8)


def test_fall_back_in_london_keeps_seven_on_the_wall() -> None:
    night = parse("22:00-07:00")
    # 25 October 2026: 01:00-02:00 happens twice; both are inside the window.
    first = at("Europe/London", 2026, 10, 25, 1, 30, fold=0)
    second = at("Europe/London", 2026, 10, 25, 1, 30, fold=1)
    closes = at("Europe/London", 2026, 10, 25, 7, 0)
    assert quiet_until(night, "Europe/London", first) == closes
    assert quiet_until(night, "Europe/London", second) == closes


def test_a_window_opening_inside_the_gap_opens_shifted_by_the_gap() -> None:
    # Lord Howe Island moves 30 minutes at 02:00 on 4 October 2026: 02:15 does not exist, and
    # (as for check-ins) it is read with the offset before the gap: 02:45 on the new clock.
    zone = "Australia/Lord_Howe"
    window = parse("02:15-04:00")
    assert quiet_until(window, zone, at(zone, 2026, 10, 4, 2, 40)) is None
    assert quiet_until(window, zone, at(zone, 2026, 10, 4, 2, 50)) == at(zone, 2026, 10, 4, 4, 0)


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Pacific/Chatham"])
def test_half_and_three_quarter_hour_zones(zone: str) -> None:
    night = parse("22:00-07:00")
    assert quiet_until(night, zone, at(zone, 2026, 1, 5, 23, 0)) == at(zone, 2026, 1, 6, 7, 0)
    assert quiet_until(night, zone, at(zone, 2026, 1, 6, 12, 0)) is None


@pytest.mark.parametrize("text", ["22:00", "25:00-07:00", "22:00-07:61", "07:00-07:00", "-"])
def test_bad_windows_say_what_would_work(text: str) -> None:
    with pytest.raises(WindowError):
        parse(text)


ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "Pacific/Chatham", "America/Santiago", "Europe/Berlin"]
times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),  # noqa: DTZ001
                        timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(start=times, end=times, zone=st.sampled_from(ZONES), instant=instants,
       days=st.frozensets(st.integers(0, 6), min_size=1))
def test_deferring_to_the_close_never_lands_in_the_same_window(
    start: str, end: str, zone: str, instant: datetime, days: frozenset[int],
) -> None:
    if start == end:
        return
    window = Window(start=parse(f"{start}-{end}").start, end=parse(f"{start}-{end}").end, days=days)
    closes = quiet_until(window, zone, instant)
    if closes is None:
        return
    assert instant < closes <= instant + timedelta(hours=25)
    again = quiet_until(window, zone, closes)
    assert again is None or again > closes  # a later window, never this one
    midway = instant + (closes - instant) / 2
    assert quiet_until(window, zone, midway) == closes  # the whole stretch is one window
