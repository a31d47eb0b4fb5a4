"""Recurrence rules: parsing, canonical text, and occurrences across real 2026 DST changes.

Transition instants are found with zoneinfo in the test (never typed in by hand), so the tests
follow whatever tz database is installed.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest

from bot import recurrence
from bot.recurrence import Recurrence, RecurrenceError, latest_at_or_before, next_after, parse

MINUTE = timedelta(minutes=1)


def transitions(zone: str, year: int = 2026) -> list[tuple[datetime, timedelta, timedelta]]:
    """(first UTC instant of the new offset, old offset, new offset) for each change in ``year``.

    Every real transition happens on a quarter hour of UTC, so a 15-minute scan finds it exactly.
    """
    tz = ZoneInfo(zone)
    found: list[tuple[datetime, timedelta, timedelta]] = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    previous = instant.astimezone(tz).utcoffset()
    while instant < end:
        instant += timedelta(minutes=15)
        offset = instant.astimezone(tz).utcoffset()
        if offset != previous:
            assert previous is not None and offset is not None
            found.append((instant, previous, offset))
        previous = offset
    return found


def spring_forward(zone: str) -> tuple[datetime, timedelta, timedelta]:
    (change,) = [t for t in transitions(zone) if t[2] > t[1]]
    return change


def fall_back(zone: str) -> tuple[datetime, timedelta, timedelta]:
    (change,) = [t for t in transitions(zone) if t[2] < t[1]]
    return change


def wall(instant: datetime, offset: timedelta) -> datetime:
    """The naive local wall-clock reading of ``instant`` at ``offset``."""
    return (instant + offset).replace(tzinfo=None)


def daily_at(local: datetime) -> Recurrence:
    return Recurrence(days=frozenset(range(7)), at=time(local.hour, local.minute))


DST_ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham"]


# --- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "days", "at"),
    [
        ("mon-fri 09:00", {0, 1, 2, 3, 4}, time(9, 0)),
        ("weekdays 09:00", {0, 1, 2, 3, 4}, time(9, 0)),
        ("daily 21:30", set(range(7)), time(21, 30)),
        ("sat,sun 10:00", {5, 6}, time(10, 0)),
        ("Sat, Sun 10:00", {5, 6}, time(10, 0)),
        ("weekly sun 18:00", {6}, time(18, 0)),
        ("weekends 7:05", {5, 6}, time(7, 5)),
        ("fri-mon 08:00", {4, 5, 6, 0}, time(8, 0)),
        ("monday,wednesday 00:00", {0, 2}, time(0, 0)),
        ("  TUE  23:59 ", {1}, time(23, 59)),
    ],
)
def test_parse_reads_the_rules_people_write(text: str, days: set[int], at: time) -> None:
    assert parse(text) == Recurrence(days=frozenset(days), at=at)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("daily 25:00", "25:00 is not a time of day; use HH:MM from 00:00 to 23:59"),
        ("daily 12:60", "12:60 is not a time of day"),
        ("mon-fri 9am", "'9am' is not a time; use HH:MM"),
        ("funday 09:00", "'funday' is not a day"),
        ("09:00", "which days?"),
        ("mon-fri", "what time?"),
        ("weekly 18:00", "weekly on which day?"),
        ("", "the rule is empty"),
        ("mon,,fri 09:00", "empty day"),
    ],
)
def test_parse_errors_name_what_was_wrong(text: str, says: str) -> None:
    with pytest.raises(RecurrenceError) as raised:
        parse(text)
    assert says in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_format_round_trips_every_day_set() -> None:
    for size in range(1, 8):
        for days in combinations(range(7), size):
            rule = Recurrence(days=frozenset(days), at=time(6, 45))
            text = recurrence.format(rule)
            assert parse(text) == rule, text


def test_format_is_readable() -> None:
    assert recurrence.format(parse("mon,tue,wed,thu,fri 09:00")) == "weekdays 09:00"
    assert recurrence.format(parse("mon-wed,fri 09:00")) == "mon-wed,fri 09:00"
    assert recurrence.format(parse("sun,sat 10:00")) == "weekends 10:00"
    assert recurrence.format(parse("mon-sun 21:30")) == "daily 21:30"


def test_an_unknown_zone_is_a_kind_error() -> None:
    with pytest.raises(RecurrenceError, match="not a time zone"):
        next_after(parse("daily 09:00"), "Mars/Olympus_Mons", datetime(2026, 1, 1, tzinfo=UTC))


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_after(parse("daily 09:00"), "UTC", datetime(2026, 1, 1))  # noqa: DTZ001


# --- occurrences --------------------------------------------------------------------------------

def test_next_after_is_strictly_after_and_respects_days() -> None:
    rule = parse("mon-fri 09:00")
    friday_nine = datetime(2026, 1, 9, 9, 0, tzinfo=UTC)  # 2026-01-09 is a Friday
    assert friday_nine.weekday() == 4
    assert next_after(rule, "UTC", friday_nine - MINUTE) == friday_nine
    assert next_after(rule, "UTC", friday_nine) == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def test_days_are_local_days_not_utc_days() -> None:
    # 09:00 on a Monday in Auckland is Sunday evening in UTC.
    when = next_after(parse("mon 09:00"), "Pacific/Auckland", datetime(2026, 1, 1, tzinfo=UTC))
    local = when.astimezone(ZoneInfo("Pacific/Auckland"))
    assert (local.weekday(), local.time()) == (0, time(9, 0))
    assert when.weekday() == 6


def test_latest_at_or_before_is_inclusive_and_looks_back_a_week() -> None:
    rule = parse("weekly wed 18:00")
    wednesday = datetime(2026, 1, 7, 18, 0, tzinfo=UTC)
    assert latest_at_or_before(rule, "UTC", wednesday) == wednesday
    assert latest_at_or_before(rule, "UTC", wednesday - MINUTE) == wednesday - timedelta(days=7)
    assert latest_at_or_before(rule, "UTC", wednesday + timedelta(days=6, hours=23)) == wednesday


@pytest.mark.parametrize("zone", DST_ZONES)
def test_a_nine_oclock_rule_stays_nine_local_across_both_changes(zone: str) -> None:
    tz = ZoneInfo(zone)
    rule = parse("daily 09:00")
    for change, _, _ in (spring_forward(zone), fall_back(zone)):
        instant = change - timedelta(days=3)
        seen = []
        for _ in range(7):
            following = next_after(rule, zone, instant)
            assert following > instant
            assert following.astimezone(tz).time() == time(9, 0)
            seen.append(following)
            instant = following
        offsets = {s.astimezone(tz).utcoffset() for s in seen}
        assert len(offsets) == 2, "the week should straddle the change"
        assert seen[0] < change < seen[-1]


@pytest.mark.parametrize("zone", DST_ZONES)
def test_a_time_in_the_spring_gap_runs_shifted_forward_by_the_gap(zone: str) -> None:
    change, before, after = spring_forward(zone)
    gap = after - before
    gap_time = wall(change, before) + gap / 2  # a local time that does not exist that day
    gap_time = gap_time.replace(second=0, microsecond=0)
    rule = daily_at(gap_time)

    when = next_after(rule, zone, change - timedelta(hours=12))

    assert when == gap_time.replace(tzinfo=UTC) - before  # the pre-gap offset
    assert wall(when, after) == gap_time + gap  # e.g. 02:30 → 03:30 in New York
    assert latest_at_or_before(rule, zone, when) == when
    # The next day's occurrence is the ordinary wall time again.
    following = next_after(rule, zone, when)
    assert wall(following, after) == gap_time + timedelta(days=1)


@pytest.mark.parametrize("zone", DST_ZONES)
def test_a_repeated_time_in_the_fall_runs_once_at_the_first_occurrence(zone: str) -> None:
    change, before, after = fall_back(zone)
    repeated = wall(change, after) + (before - after) / 2  # happens twice that night
    repeated = repeated.replace(second=0, microsecond=0)
    rule = daily_at(repeated)

    first = next_after(rule, zone, change - timedelta(hours=12))

    assert first == repeated.replace(tzinfo=UTC) - before  # the earlier (pre-change) offset
    assert first < change
    second_reading = repeated.replace(tzinfo=UTC) - after
    assert next_after(rule, zone, first) > second_reading  # the repeat is not an occurrence
    assert next_after(rule, zone, first) - first > timedelta(hours=23)
    assert latest_at_or_before(rule, zone, second_reading) == first


def test_lord_howe_moves_by_thirty_minutes() -> None:
    change, before, after = spring_forward("Australia/Lord_Howe")
    assert after - before == timedelta(minutes=30)
    assert wall(change, before).time() == time(2, 0)


def test_chatham_uses_quarter_hour_offsets() -> None:
    offsets = {o for _, old, new in transitions("Pacific/Chatham") for o in (old, new)}
    assert offsets == {timedelta(hours=12, minutes=45), timedelta(hours=13, minutes=45)}


def test_kolkata_has_no_changes_and_nine_is_three_thirty_utc() -> None:
    assert transitions("Asia/Kolkata") == []
    rule = parse("daily 09:00")
    instant = datetime(2026, 3, 1, tzinfo=UTC)
    for _ in range(400):
        instant = next_after(rule, "Asia/Kolkata", instant)
        assert instant.time() == time(3, 30)


@pytest.mark.parametrize("zone", [*DST_ZONES, "Asia/Kolkata"])
def test_occurrences_are_unique_and_strictly_increasing_all_year(zone: str) -> None:
    for text in ("daily 09:00", "daily 02:30", "daily 01:30", "mon,thu 03:15"):
        rule = parse(text)
        instant = next_after(rule, zone, datetime(2026, 1, 1, tzinfo=UTC))
        previous = instant
        while instant < datetime(2027, 1, 1, tzinfo=UTC):
            instant = next_after(rule, zone, instant)
            assert instant - previous > timedelta(hours=22)  # distinct, increasing, one per day
            assert latest_at_or_before(rule, zone, instant) == instant
            assert latest_at_or_before(rule, zone, instant - MINUTE) == previous
            previous = instant
