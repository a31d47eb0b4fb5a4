"""Weekly recurrence rules in a person's own time zone: pure arithmetic, no I/O.

A rule is a set of weekdays and a local time of day (``"mon-fri 09:00"``). Its occurrences are the
instants at which a wall clock in ``zone`` shows that time on one of those days, so a 09:00 rule
stays 09:00 local across daylight-saving changes (the UTC instant moves instead).

Two local times need a policy, because the wall clock is not a bijection on the day of a change:

* **Gap** (spring forward: the clock jumps over, e.g. 02:00–03:00 in New York). A time inside the
  gap does not exist; it runs at the UTC offset in force *before* the gap, which is the same as
  shifting it forward by the size of the gap (02:30 → 03:30 in New York, 02:15 → 02:45 on Lord Howe
  Island). This is what ``datetime(..., tzinfo=zone, fold=0)`` gives.
* **Fold** (fall back: e.g. 01:00–02:00 happens twice). The rule runs once, at the *first*
  occurrence (``fold=0``), never twice.

With this policy every (rule, local date) gives exactly one instant, and the instants are unique
and strictly increasing, which is what the scheduler's idempotency key (job, occurrence) needs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config.timezones import valid_zone

__all__ = [
    "Recurrence",
    "RecurrenceError",
    "format",
    "format_days",
    "latest_at_or_before",
    "next_after",
    "parse",
    "parse_days",
    "parse_time",
    "zone_info",
]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ALL_DAYS = frozenset(range(7))
_WEEKDAYS = frozenset(range(5))
_WEEKEND = frozenset({5, 6})
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_SEARCH_DAYS = 8
"""Any rule with at least one day occurs within 7 local days; one more covers zone offsets."""


class RecurrenceError(ValueError):
    """A rule that cannot be understood; the message says what was wrong, for the person."""


@dataclass(frozen=True, slots=True)
class Recurrence:
    days: frozenset[int]
    """Weekdays, 0 = Monday … 6 = Sunday (``date.weekday()``)."""
    at: time
    """Local wall-clock time, minute precision, no tzinfo."""

    def __post_init__(self) -> None:
        if not self.days or not self.days <= _ALL_DAYS:
            raise RecurrenceError("a rule needs at least one day between mon and sun")
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise RecurrenceError("a rule's time is a local HH:MM without seconds or zone")


def _day(word: str) -> int:
    for index, (short, full) in enumerate(zip(DAY_NAMES, _FULL_NAMES, strict=True)):
        if word == short or (len(word) >= 3 and full.startswith(word)):
            return index
    raise RecurrenceError(
        f"{word!r} is not a day; use mon, tue, wed, thu, fri, sat or sun "
        "(or daily, weekdays, weekends)"
    )


def _days(spec: str) -> frozenset[int]:
    if spec in {"daily", "every day", "everyday"}:
        return _ALL_DAYS
    if spec in {"weekdays", "weekday"}:
        return _WEEKDAYS
    if spec in {"weekends", "weekend"}:
        return _WEEKEND
    days: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            raise RecurrenceError("there is an empty day in the list; separate days with commas")
        if "-" in part:
            start_word, _, end_word = part.partition("-")
            start, end = _day(start_word.strip()), _day(end_word.strip())
            # A range may wrap the week: "fri-mon" is fri, sat, sun, mon.
            length = (end - start) % 7
            days.update((start + step) % 7 for step in range(length + 1))
        else:
            days.add(_day(part))
    return frozenset(days)


def _time(text: str) -> time:
    match = _TIME.match(text)
    if match is None:
        raise RecurrenceError(f"{text!r} is not a time; use HH:MM on a 24-hour clock, e.g. 09:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise RecurrenceError(
            f"{text} is not a time of day; use HH:MM from 00:00 to 23:59"
        )
    return time(hour, minute)


def parse(text: str) -> Recurrence:
    """Read ``"mon-fri 09:00"``, ``"weekdays 09:00"``, ``"daily 21:30"``, ``"sat,sun 10:00"``,
    ``"weekly sun 18:00"`` (case and extra spaces do not matter)."""
    words = text.strip().lower().split()
    if not words:
        raise RecurrenceError("the rule is empty; write days and a time, e.g. mon-fri 09:00")
    if len(words) == 1:
        if _TIME.match(words[0]):
            raise RecurrenceError(
                f"which days? write e.g. daily {words[0]} or mon-fri {words[0]}"
            )
        raise RecurrenceError(f"what time? write the days and a time, e.g. {words[0]} 09:00")
    *day_words, time_word = words
    if day_words[0] == "weekly":
        day_words = day_words[1:]
        if not day_words:
            raise RecurrenceError("weekly on which day? e.g. weekly sun 18:00")
    spec = " ".join(day_words).replace(" ,", ",").replace(", ", ",").replace(" - ", "-")
    return Recurrence(days=_days(spec), at=_time(time_word))


def format(rule: Recurrence) -> str:
    """The canonical text of a rule; ``parse(format(rule)) == rule``."""
    at = f"{rule.at.hour:02d}:{rule.at.minute:02d}"
    return f"{format_days(rule.days)} {at}"


def format_days(days: frozenset[int]) -> str:
    """The canonical words for a set of weekdays: ``daily``, ``weekdays``, ``mon-wed,sat``."""
    if days == _ALL_DAYS:
        return "daily"
    if days == _WEEKDAYS:
        return "weekdays"
    if days == _WEEKEND:
        return "weekends"
    parts: list[str] = []
    ordered = sorted(days)
    run_start = previous = ordered[0]
    for day in [*ordered[1:], None]:
        if day is not None and day == previous + 1:
            previous = day
            continue
        if previous - run_start >= 2:
            parts.append(f"{DAY_NAMES[run_start]}-{DAY_NAMES[previous]}")
        else:
            parts.extend(DAY_NAMES[d] for d in range(run_start, previous + 1))
        if day is not None:
            run_start = previous = day
    return ",".join(parts)


def parse_days(spec: str) -> frozenset[int]:
    """``"mon-fri"``, ``"sat,sun"``, ``"weekends"``, ``"daily"`` → weekday numbers (Monday 0)."""
    return _days(" ".join(spec.strip().lower().split()).replace(", ", ",").replace(" - ", "-"))


def parse_time(text: str) -> time:
    """``"HH:MM"`` on a 24-hour clock."""
    return _time(text)


def zone_info(zone: str) -> ZoneInfo:
    """The zone for an IANA name, or a :class:`RecurrenceError` a person can act on."""
    if not valid_zone(zone):
        raise RecurrenceError(f"{zone!r} is not a time zone I know; use a name like Europe/London")
    return _zone(zone)


@functools.cache
def _zone(zone: str) -> ZoneInfo:
    """Zones, kept. Why: ``ZoneInfo`` keeps only the 8 zones used last strongly, so a fan-out
    over members in more zones than that read a zone's file again for most of them (measured:
    two file reads per prompt with 20 zones). Only valid names get here, so the cache is
    bounded by the IANA database."""
    return ZoneInfo(zone)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("recurrence needs a timezone-aware instant")
    return instant


def _occurrence(rule: Recurrence, tz: ZoneInfo, day: date) -> datetime:
    # fold=0 is the whole DST policy: first of a repeated time, pre-gap offset inside a gap.
    return datetime.combine(day, rule.at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def next_after(rule: Recurrence, zone: str, after: datetime) -> datetime:
    """The first occurrence strictly after ``after``, in UTC."""
    tz = zone_info(zone)
    after = _aware(after)
    # Start one local day early: a gap-shifted time can land on the day after its date.
    start = after.astimezone(tz).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS + 2):
        day = start + timedelta(days=offset)
        if day.weekday() in rule.days:
            when = _occurrence(rule, tz, day)
            if when > after:
                return when
    raise AssertionError("unreachable: every rule occurs within a week")  # pragma: no cover


def latest_at_or_before(rule: Recurrence, zone: str, instant: datetime) -> datetime | None:
    """The latest occurrence at or before ``instant`` (UTC), looking at most 8 days back.

    The scheduler uses this to coalesce missed occurrences after downtime into the latest one.
    """
    tz = zone_info(zone)
    instant = _aware(instant)
    start = instant.astimezone(tz).date() + timedelta(days=1)
    for offset in range(_SEARCH_DAYS + 2):
        day = start - timedelta(days=offset)
        if day.weekday() in rule.days:
            when = _occurrence(rule, tz, day)
            if when <= instant:
                return when if instant - when <= timedelta(days=_SEARCH_DAYS) else None
    return None
