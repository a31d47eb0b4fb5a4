"""Quiet-hours windows in a person's own zone: spanning midnight, weekdays, and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.windows import Window, WindowError, format, next_opening, parse, quiet_until


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


# -- explicit instants, worked out by hand (UTC), across the clock changes of 2026 ----------------

def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_new_york_spring_gap_and_fall_overlap_in_utc() -> None:
    ny = "America/New_York"
    night = parse("22:00-07:00")
    # Sat 7 March 22:00 EST (-5) = 03:00Z Sun; Sun 8 March 07:00 EDT (-4) = 11:00Z: 8 hours.
    assert quiet_until(night, ny, utc(2026, 3, 8, 3, 0)) == utc(2026, 3, 8, 11, 0)
    assert quiet_until(night, ny, utc(2026, 3, 8, 2, 59)) is None
    assert quiet_until(night, ny, utc(2026, 3, 8, 11, 0)) is None
    # 02:30 does not exist on 8 March: read at EST, 02:30-05:00 = 07:30Z (03:30 EDT); it closes
    # at 04:00 EDT = 08:00Z. 03:15 EDT (07:15Z) is on the wall inside 02:30-04:00, but before
    # the shifted opening.
    gap = parse("02:30-04:00")
    assert quiet_until(gap, ny, utc(2026, 3, 8, 7, 15)) is None
    assert quiet_until(gap, ny, utc(2026, 3, 8, 7, 30)) == utc(2026, 3, 8, 8, 0)
    # Sat 31 October 22:00 EDT = 02:00Z Sun 1 November; 07:00 EST = 12:00Z: 10 hours.
    assert quiet_until(night, ny, utc(2026, 11, 1, 2, 0)) == utc(2026, 11, 1, 12, 0)
    assert quiet_until(night, ny, utc(2026, 11, 1, 1, 59)) is None
    # 01:00-02:00 happens twice on 1 November. 01:30-06:00 opens at the first 01:30 (EDT,
    # 05:30Z) and closes at 06:00 EST = 11:00Z; the second 01:45 (EST, 06:45Z) is inside.
    overlap = parse("01:30-06:00")
    assert quiet_until(overlap, ny, utc(2026, 11, 1, 5, 29)) is None
    assert quiet_until(overlap, ny, utc(2026, 11, 1, 5, 30)) == utc(2026, 11, 1, 11, 0)
    assert quiet_until(overlap, ny, utc(2026, 11, 1, 6, 45)) == utc(2026, 11, 1, 11, 0)
    # A window that closes inside the overlap closes at its first occurrence: 23:00-01:30
    # closes at 01:30 EDT = 05:30Z, so the second 01:10 (EST, 06:10Z) is not quiet.
    late = parse("23:00-01:30")
    assert quiet_until(late, ny, utc(2026, 11, 1, 5, 0)) == utc(2026, 11, 1, 5, 30)
    assert quiet_until(late, ny, utc(2026, 11, 1, 6, 10)) is None


def test_london_spring_gap_and_fall_overlap_in_utc() -> None:
    london = "Europe/London"
    night = parse("22:00-07:00")
    # Sat 28 March 22:00 GMT = 22:00Z; Sun 29 March 07:00 BST (+1) = 06:00Z: 8 hours.
    assert quiet_until(night, london, utc(2026, 3, 28, 22, 0)) == utc(2026, 3, 29, 6, 0)
    assert quiet_until(night, london, utc(2026, 3, 29, 6, 0)) is None
    # 01:30 does not exist on 29 March (01:00 GMT -> 02:00 BST): read at GMT = 01:30Z (02:30
    # BST); 01:30-03:00 closes at 03:00 BST = 02:00Z. 01:00Z (02:00 BST) is not yet quiet.
    gap = parse("01:30-03:00")
    assert quiet_until(gap, london, utc(2026, 3, 29, 1, 0)) is None
    assert quiet_until(gap, london, utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 2, 0)
    # Sat 24 October 22:00 BST = 21:00Z; Sun 25 October 07:00 GMT = 07:00Z: 10 hours.
    assert quiet_until(night, london, utc(2026, 10, 24, 21, 0)) == utc(2026, 10, 25, 7, 0)
    assert quiet_until(night, london, utc(2026, 10, 24, 20, 59)) is None
    # 01:30-02:00 on 25 October opens at the first 01:30 (BST, 00:30Z) and closes at 02:00 GMT
    # = 02:00Z: an hour and a half; the second 01:30 (GMT, 01:30Z) is inside.
    overlap = parse("01:30-02:00")
    assert quiet_until(overlap, london, utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 25, 2, 0)
    assert quiet_until(overlap, london, utc(2026, 10, 25, 1, 30)) == utc(2026, 10, 25, 2, 0)
    assert quiet_until(overlap, london, utc(2026, 10, 25, 0, 29)) is None


def test_lord_howe_half_hour_shifts_in_utc() -> None:
    zone = "Australia/Lord_Howe"
    night = parse("22:00-07:00")
    # Spring: 4 October 02:00 (+10:30) -> 02:30 (+11). Sat 3 October 22:00 +10:30 = 11:30Z;
    # Sun 07:00 +11 = 20:00Z: 8.5 hours.
    assert quiet_until(night, zone, utc(2026, 10, 3, 11, 30)) == utc(2026, 10, 3, 20, 0)
    assert quiet_until(night, zone, utc(2026, 10, 3, 11, 29)) is None
    # 02:15 does not exist: read at +10:30 = 15:45Z (02:45 on the new clock); 02:15-04:00
    # closes at 04:00 +11 = 17:00Z.
    gap = parse("02:15-04:00")
    assert quiet_until(gap, zone, utc(2026, 10, 3, 15, 40)) is None
    assert quiet_until(gap, zone, utc(2026, 10, 3, 15, 45)) == utc(2026, 10, 3, 17, 0)
    # Autumn: 5 April 02:00 (+11) -> 01:30 (+10:30), so 01:30-02:00 happens twice. Sat 4 April
    # 22:00 +11 = 11:00Z; Sun 07:00 +10:30 = 20:30Z: 9.5 hours.
    assert quiet_until(night, zone, utc(2026, 4, 4, 11, 0)) == utc(2026, 4, 4, 20, 30)
    # 01:45-03:00 opens at the first 01:45 (+11) = 14:45Z, closes at 03:00 +10:30 = 16:30Z;
    # the second 01:50 (+10:30, 15:20Z) is inside.
    overlap = parse("01:45-03:00")
    assert quiet_until(overlap, zone, utc(2026, 4, 4, 14, 44)) is None
    assert quiet_until(overlap, zone, utc(2026, 4, 4, 14, 45)) == utc(2026, 4, 4, 16, 30)
    assert quiet_until(overlap, zone, utc(2026, 4, 4, 15, 20)) == utc(2026, 4, 4, 16, 30)


def test_kolkata_and_chatham_in_utc() -> None:
    night = parse("22:00-07:00")
    # Kolkata is +05:30 all year: Mon 5 January 22:00 = 16:30Z; Tue 07:00 = 01:30Z.
    assert quiet_until(night, "Asia/Kolkata", utc(2026, 1, 5, 16, 30)) == utc(2026, 1, 6, 1, 30)
    assert quiet_until(night, "Asia/Kolkata", utc(2026, 1, 5, 16, 29)) is None
    assert quiet_until(night, "Asia/Kolkata", utc(2026, 1, 6, 1, 30)) is None
    # Chatham is +13:45 in January (summer): Mon 5 January 22:00 = 08:15Z; Tue 07:00 = 17:15Z.
    chatham = "Pacific/Chatham"
    assert quiet_until(night, chatham, utc(2026, 1, 5, 8, 15)) == utc(2026, 1, 5, 17, 15)
    assert quiet_until(night, chatham, utc(2026, 1, 5, 8, 14)) is None
    # 27 September 02:45 (+12:45) -> 03:45 (+13:45): 03:00 does not exist, read at +12:45 =
    # 14:15Z on the 26th (04:00 on the new clock); 03:00-05:00 closes at 05:00 +13:45 = 15:15Z.
    gap = parse("03:00-05:00")
    assert quiet_until(gap, chatham, utc(2026, 9, 26, 14, 0)) is None
    assert quiet_until(gap, chatham, utc(2026, 9, 26, 14, 15)) == utc(2026, 9, 26, 15, 15)
    # 5 April 03:45 (+13:45) -> 02:45 (+12:45): the first 03:15 is 13:30Z, the second 14:30Z;
    # 03:00-05:00 runs from 13:15Z to 05:00 +12:45 = 16:15Z and holds both.
    assert quiet_until(gap, chatham, utc(2026, 4, 4, 13, 30)) == utc(2026, 4, 4, 16, 15)
    assert quiet_until(gap, chatham, utc(2026, 4, 4, 14, 30)) == utc(2026, 4, 4, 16, 15)
    assert quiet_until(gap, chatham, utc(2026, 4, 4, 13, 14)) is None


def test_next_opening_across_midnight_and_a_gap() -> None:
    night = parse("22:00-07:00")
    # Kolkata, Mon 5 January 12:00 (06:30Z): tonight's 22:00 = 16:30Z.
    assert next_opening(night, "Asia/Kolkata", utc(2026, 1, 5, 6, 30)) == utc(2026, 1, 5, 16, 30)
    # Inside the window the next opening is tomorrow night.
    assert next_opening(night, "Asia/Kolkata", utc(2026, 1, 5, 20, 0)) == utc(2026, 1, 6, 16, 30)
    # New York, 02:30 on 8 March opens at 07:30Z (see above).
    assert next_opening(parse("02:30-04:00"), "America/New_York",
                        utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 7, 30)
    assert next_opening(parse("22:00-07:00", days="sat"), "UTC",
                        utc(2026, 1, 5, 0, 0)) == utc(2026, 1, 10, 22, 0)
