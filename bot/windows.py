"""Daily time windows in a person's own zone (quiet hours): pure arithmetic, no I/O.

A window is a local start and end time (``"22:00-07:00"``) on some weekdays: on each such day it
opens at ``start`` and closes at ``end``, on the next day when ``end`` is not after ``start`` (the
window spans midnight). The days name the day a window *opens*, so "fri,sat 23:00-09:00" keeps a
Saturday and a Sunday morning quiet.

Daylight-saving changes follow the same policy as ``bot.recurrence``: a wall time that does not
exist (spring forward) is read with the offset in force before the gap, so it lands just after the
gap; a wall time that happens twice (fall back) means its first occurrence. A window therefore
always has one opening and one closing instant; across a change it is an hour shorter or longer in
absolute time, and always the same on the wall clock.

What the quiet-hours gate needs from this module is one question: given an instant, is the person
inside a window, and if so, when does it close (:func:`quiet_until`)? Deferring to that closing
instant never lands inside the same window again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import recurrence
from bot.recurrence import RecurrenceError

__all__ = ["Window", "WindowError", "format", "format_spec", "next_opening", "parse",
           "parse_spec", "quiet_until", "with_window"]

_ALL_DAYS = frozenset(range(7))


class WindowError(ValueError):
    """Text that is not a window; the message says what would be."""


@dataclass(frozen=True, slots=True)
class Window:
    start: time
    end: time
    days: frozenset[int] = _ALL_DAYS
    """Weekdays (Monday 0) on which the window opens."""


def parse(hours: str, days: str | None = None) -> Window:
    """``"22:00-07:00"`` (and optionally ``"mon-fri"``, ``"sat,sun"``) → a :class:`Window`."""
    start_text, sep, end_text = hours.strip().partition("-")
    if not sep:
        raise WindowError(f"{hours!r} is not a window; write it as HH:MM-HH:MM, e.g. 22:00-07:00")
    try:
        start, end = recurrence.parse_time(start_text.strip()), recurrence.parse_time(end_text.strip())
        chosen = recurrence.parse_days(days) if days and days.strip() else _ALL_DAYS
    except RecurrenceError as exc:
        raise WindowError(str(exc)) from None
    if start == end:
        raise WindowError("a window needs an end that differs from its start, e.g. 22:00-07:00")
    return Window(start=start, end=end, days=chosen)


def format(window: Window) -> str:
    text = f"{window.start:%H:%M}-{window.end:%H:%M}"
    if window.days == _ALL_DAYS:
        return text
    return f"{recurrence.format_days(window.days)} {text}"


def _zone(zone: str) -> ZoneInfo:
    return recurrence.zone_info(zone)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    # fold=0 is the whole DST policy, as in bot.recurrence (``combine`` takes the time's fold).
    return datetime.combine(day, at.replace(fold=0) if at.fold else at, tzinfo=tz).astimezone(UTC)


def _opening(window: Window, tz: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    """The window that opens on local ``day``: (opening, closing) in UTC."""
    closes_on = day if window.end > window.start else day + timedelta(days=1)
    return _local(day, window.start, tz), _local(closes_on, window.end, tz)


def quiet_until(window: Window, zone: str, instant: datetime) -> datetime | None:
    """When the window ``instant`` falls in closes (UTC), or None when it is outside every one.

    Only a window that opened on the instant's local day or the day before can contain it (a
    window is shorter than a day)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("windows need a timezone-aware instant")
    tz = _zone(zone)
    today = instant.astimezone(tz).date()
    for day in (today - timedelta(days=1), today):
        if day.weekday() not in window.days:
            continue
        opens, closes = _opening(window, tz, day)
        if opens <= instant < closes:
            return closes
    return None


@functools.lru_cache(maxsize=4096)
def parse_spec(spec: str) -> tuple[Window, ...]:
    """A person's stored quiet hours → their windows. A spec is windows joined by ``";"``, each
    ``"[days ]HH:MM-HH:MM"``, as :func:`format_spec` writes it (``"22:00-07:00;sat,sun
    23:00-09:00"``). Kept per spec (a community's members share a few; windows are frozen):
    the gate reads it for every action."""
    windows = []
    for part in spec.split(";"):
        part = part.strip()
        if not part:
            continue
        days, _, hours = part.rpartition(" ")
        windows.append(parse(hours, days or None))
    return tuple(windows)


def format_spec(windows: tuple[Window, ...]) -> str:
    return ";".join(format(window) for window in windows)


def with_window(windows: tuple[Window, ...], new: Window) -> tuple[Window, ...]:
    """``windows`` with ``new`` in force on its days: a window for every day replaces them all;
    a window for some days (a different weekend) takes those days from the others."""
    kept = []
    for window in windows:
        days = window.days - new.days
        if days:
            kept.append(Window(start=window.start, end=window.end, days=frozenset(days)))
    return (*kept, new)


def next_opening(window: Window, zone: str, instant: datetime) -> datetime | None:
    """The first time ``window`` opens after ``instant`` (UTC), within a week; None for a window
    on no day."""
    tz = _zone(zone)
    today = instant.astimezone(tz).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() in window.days:
            opens, _ = _opening(window, tz, day)
            if opens > instant:
                return opens
    return None
