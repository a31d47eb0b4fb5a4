"""The quiet-hours rule (``bot.quiet``): who is held back, until when, and what passes anyway.

Properties over random IANA zones, windows (spanning midnight, some weekdays only, a different
weekend as ``quiet set ... days`` makes it), instants (many near a daylight-saving change) and
snooze/do-not-disturb ends:

* ``held_until`` is None exactly when the person is held by nothing (outside every window, past
  the snooze and do-not-disturb);
* otherwise it is later than now, not itself held, every instant before it is held, and it is
  the same answer from any of those instants (deferring there never lands inside a hold);
* away from a clock change, "inside a window" is plain wall-clock arithmetic (an oracle that does
  not share code with ``bot.windows``).

``passes_anyway`` is exactly: urgent, a Respond/OpenForm, or addressed to the person who acted.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.actions import (
    Action,
    Form,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
)
from bot.config.timezones import valid_zone
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted
from bot.features.quiet.feature import DND_FOREVER
from bot.quiet import Hold, held_until, passes_anyway, recipient_of, trigger_of
from bot.windows import Window, quiet_until, with_window

NAMED = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata",
         "Pacific/Chatham"]
ALL_ZONES = sorted(z for z in available_timezones() if valid_zone(z))
zones = st.one_of(st.sampled_from(NAMED), st.sampled_from(ALL_ZONES))

FROM, TO = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC)


# -- a reference for "held", and the daylight-saving changes of a zone ----------------------------

def is_held(hold: Hold, at: datetime) -> bool:
    """Held by anything at ``at``: the definition ``held_until`` must agree with."""
    return ((hold.snoozed_until is not None and hold.snoozed_until > at)
            or (hold.dnd_until is not None and hold.dnd_until > at)
            or any(quiet_until(w, hold.zone, at) is not None for w in hold.windows))


@functools.cache
def transitions(zone: str) -> tuple[datetime, ...]:
    """The instants (to the minute) where ``zone``'s UTC offset changes in 2026-2027."""
    tz = ZoneInfo(zone)

    def offset(at: datetime) -> timedelta | None:
        return at.astimezone(tz).utcoffset()

    found = []
    day = FROM
    while day < TO:
        after = day + timedelta(days=1)
        if offset(day) != offset(after):
            lo, hi = day, after  # offset(lo) differs from offset(hi): bisect to the minute
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            found.append(hi)
        day = after
    return tuple(found)


def steady(zone: str, at: datetime, margin: timedelta = timedelta(hours=50)) -> bool:
    """No offset change within ``margin`` of ``at``."""
    return all(abs(t - at) > margin for t in transitions(zone))


# -- strategies ------------------------------------------------------------------------------------

wall_times = st.one_of(
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
day_sets = st.frozensets(st.integers(0, 6), min_size=1, max_size=6)


@st.composite
def window_sets(draw: st.DrawFn) -> tuple[Window, ...]:
    """Windows as people can have them: an everyday window and/or windows for some days, each
    put in force with ``with_window`` (``quiet set`` / ``quiet setup``), so each weekday has at
    most one window opening on it."""
    windows: tuple[Window, ...] = ()
    for _ in range(draw(st.integers(0, 3))):
        start, end = draw(wall_times), draw(wall_times)
        assume(start != end)
        days = draw(st.one_of(st.just(frozenset(range(7))), day_sets))
        windows = with_window(windows, Window(start=start, end=end, days=days))
    return windows


@st.composite
def instants(draw: st.DrawFn, zone: str) -> datetime:
    """Any instant in 2026-2027, or one within three hours of a clock change of ``zone``."""
    changes = transitions(zone)
    if changes and draw(st.booleans()):
        near = draw(st.sampled_from(changes))
        return near + timedelta(minutes=draw(st.integers(-180, 180)),
                                seconds=draw(st.sampled_from([0, 0, 1, 59])))
    return draw(st.datetimes(min_value=FROM.replace(tzinfo=None),
                             max_value=TO.replace(tzinfo=None), timezones=st.just(UTC)))


def ends(now: datetime) -> st.SearchStrategy[datetime | None]:
    """A snooze or do-not-disturb end: none, past, soon, days away, or "until turned off"."""
    return st.one_of(
        st.none(),
        st.builds(lambda m: now + timedelta(minutes=m), st.integers(-600, 60 * 24 * 31)),
        st.just(DND_FOREVER),
    )


@st.composite
def holds(draw: st.DrawFn) -> tuple[Hold, datetime]:
    zone = draw(zones)
    now = draw(instants(zone))
    return Hold(zone=zone, windows=draw(window_sets()), snoozed_until=draw(ends(now)),
                dnd_until=draw(ends(now))), now


# -- held_until --------------------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(case=holds(), fractions=st.lists(st.floats(0, 1, exclude_max=True), max_size=6))
def test_held_until_is_the_first_instant_nothing_holds(case: tuple[Hold, datetime],
                                                       fractions: list[float]) -> None:
    hold, now = case
    until = held_until(hold, now)
    assert (until is None) == (not is_held(hold, now))
    if until is None:
        return
    assert until > now  # never a time before now (nor now itself)
    assert not is_held(hold, until)
    assert held_until(hold, until) is None
    gap = until - now
    inside = [now + timedelta(microseconds=1), until - timedelta(microseconds=1),
              until - timedelta(seconds=1), *(now + gap * f for f in fractions)]
    for at in inside:
        if now <= at < until:
            assert is_held(hold, at), at
            assert held_until(hold, at) == until, at  # the same end from anywhere inside


@settings(max_examples=300, deadline=None)
@given(zone=zones, data=st.data())
def test_nothing_holds_a_person_with_no_windows_and_no_snooze(zone: str, data: st.DataObject) -> None:
    now = data.draw(instants(zone))
    assert held_until(Hold(zone=zone), now) is None
    past = now - timedelta(seconds=data.draw(st.integers(0, 10**6)))
    assert held_until(Hold(zone=zone, snoozed_until=past, dnd_until=past), now) is None


@settings(max_examples=300, deadline=None)
@given(zone=zones, start=wall_times, end=wall_times, days=day_sets, data=st.data())
def test_away_from_clock_changes_a_window_is_wall_clock_arithmetic(
    zone: str, start: time, end: time, days: frozenset[int], data: st.DataObject,
) -> None:
    """An oracle that shares nothing with ``bot.windows``: the local wall time and weekday say
    whether the instant is inside, and the close is today's or tomorrow's ``end`` on the wall."""
    assume(start != end)
    now = data.draw(instants(zone))
    assume(steady(zone, now))
    local = now.astimezone(ZoneInfo(zone))
    wall = local.time().replace(tzinfo=None)
    weekday, yesterday = local.weekday(), (local.weekday() - 1) % 7
    if start < end:
        inside = weekday in days and start <= wall < end
        close_day = local.date()
    elif weekday in days and wall >= start:
        inside, close_day = True, local.date() + timedelta(days=1)
    else:
        inside, close_day = yesterday in days and wall < end, local.date()
    expected = (datetime.combine(close_day, end, tzinfo=ZoneInfo(zone)).astimezone(UTC)
                if inside else None)
    assert quiet_until(Window(start=start, end=end, days=days), zone, now) == expected


def test_snooze_then_quiet_hours_are_followed_to_the_end_of_both() -> None:
    # 21:00 London in January; snoozed until 23:00, quiet 22:00-07:00: held until 07:00.
    hold = Hold(zone="Europe/London", windows=(Window(time(22), time(7)),),
                snoozed_until=datetime(2026, 1, 5, 23, tzinfo=UTC))
    assert held_until(hold, datetime(2026, 1, 5, 21, tzinfo=UTC)) == datetime(2026, 1, 6, 7,
                                                                              tzinfo=UTC)
    # Do-not-disturb to 08:30 outlasts the window: held until 08:30.
    dnd = Hold(zone="Europe/London", windows=hold.windows,
               dnd_until=datetime(2026, 1, 6, 8, 30, tzinfo=UTC))
    assert held_until(dnd, datetime(2026, 1, 5, 23, tzinfo=UTC)) == datetime(2026, 1, 6, 8, 30,
                                                                             tzinfo=UTC)


def test_a_chain_of_weekday_windows_is_followed_to_its_end() -> None:
    """Seven windows each opening before the previous one closes (23 h long, an hour earlier each
    day), listed in the worst order for the rule: held from Monday 14:00 until Sunday 01:00."""
    windows: tuple[Window, ...] = ()
    for day in range(7):  # Monday 14:00-13:00, Tuesday 12:00-11:00, ..., Sunday 02:00-01:00
        windows = (Window(time(14 - 2 * day), time(13 - 2 * day), frozenset({day})), *windows)
    hold = Hold(zone="UTC", windows=windows)
    monday = datetime(2026, 1, 5, 15, tzinfo=UTC)
    assert held_until(hold, monday) == datetime(2026, 1, 12, 1, tzinfo=UTC)


# -- passes_anyway ------------------------------------------------------------------------------------

USERS = ["ana", "ben", "cy"]
people = st.sampled_from(USERS)
FORM = Form(id="f", title="t", fields=())


@st.composite
def actions(draw: st.DrawFn) -> Action:
    kind = draw(st.sampled_from(["direct", "note", "post", "respond", "form"]))
    urgent = draw(st.booleans())
    base = {"platform": "sim", "community": "c", "urgent": urgent,
            "recipient": draw(st.one_of(st.none(), people))}
    if kind == "direct":
        return SendDirect(**base, user=draw(people), text="x")
    if kind == "note":
        return SendPrivateNote(**base, user=draw(people), channel="ch", text="x")
    if kind == "post":
        return PostMessage(**base, channel="ch", text="x", mention=draw(st.one_of(st.none(), people)))
    if kind == "respond":
        return Respond(**base, interaction="i", text="x")
    return OpenForm(**base, interaction="i", form=FORM)


@settings(max_examples=400, deadline=None)
@given(action=actions(), trigger=st.one_of(st.none(), people))
def test_only_the_two_exceptions_pass_anyway(action: Action, trigger: str | None) -> None:
    answers_the_actor = isinstance(action, Respond | OpenForm) or (
        trigger is not None and recipient_of(action) == trigger)
    assert passes_anyway(action, trigger) == (action.urgent or answers_the_actor)


def test_who_an_action_is_for_and_who_has_just_acted() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    assert recipient_of(SendDirect(platform="sim", user="ana", text="x")) == "ana"
    assert recipient_of(SendPrivateNote(platform="sim", user="ana", channel="c", text="x")) == "ana"
    assert recipient_of(PostMessage(platform="sim", channel="c", text="x", mention="ben")) == "ben"
    assert recipient_of(PostMessage(platform="sim", channel="c", text="x")) is None
    assert recipient_of(SendDirect(platform="sim", user="ana", recipient="cy", text="x")) == "cy"
    common = {"platform": "sim", "event_id": "e", "at": at, "community": "c", "user": "ana"}
    assert trigger_of(CommandInvoked(**common, name="quiet show")) == "ana"
    assert trigger_of(ButtonPressed(**common, action="a", value="v")) == "ana"
    assert trigger_of(FormSubmitted(**common, form="f", values={})) == "ana"
    # A plain message is not an answer to something the bot asked: it does not open the gate.
    assert trigger_of(MessagePosted(**common, channel="c", message_id="m", text="hi")) is None
    assert trigger_of(None) is None
    direct = SendDirect(platform="sim", user="ana", text="x")
    assert passes_anyway(direct, "ana") and not passes_anyway(direct, "ben")
    assert not passes_anyway(direct, None)
    assert passes_anyway(SendDirect(platform="sim", user="ana", text="x", urgent=True), None)
