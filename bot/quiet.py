"""The quiet-hours rule, in one place: who may be reached now, and what passes anyway.

Why a pure module: the gate in the delivery pipeline, the supporter router and the commands that
tell a person "your quiet hours end at 07:00" must all agree, to the minute, across timezones and
daylight-saving changes. Everything here is arithmetic on values; nothing reads the store.

A person is *held* while any of these holds: they are inside a quiet-hours window (their own, or
the community's default) in their own zone; they snoozed; their platform says do-not-disturb.
:func:`held_until` says until when, following one hold into the next (quiet hours that end
while a snooze goes on are still held), so deferring to that instant never lands inside a hold.

What passes anyway (:func:`passes_anyway`), and nothing else:

1. a direct answer to something the person has just done (their command, button or form: they
   are awake), and
2. ``urgent`` actions: crisis resources to a person in crisis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.actions import Action, OpenForm, PostMessage, Respond, SendDirect, SendPrivateNote
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted
from bot.windows import Window, quiet_until

__all__ = ["Hold", "held_until", "passes_anyway", "recipient_of", "trigger_of"]

_MAX_STEPS = 8
"""Holds chain (a window, then a snooze, then the next window); a few steps settle any real case,
and the bound keeps a pathological one (windows that cover every hour) from looping."""


@dataclass(frozen=True, slots=True)
class Hold:
    """What may hold one person back: their windows in their zone, snooze and do-not-disturb."""

    zone: str
    windows: tuple[Window, ...] = ()
    snoozed_until: datetime | None = None
    dnd_until: datetime | None = None


def held_until(hold: Hold, now: datetime) -> datetime | None:
    """When the person may be reached again, or None when they may be reached now."""
    at = now
    for _ in range(_MAX_STEPS):
        later = at
        if hold.snoozed_until is not None and hold.snoozed_until > later:
            later = hold.snoozed_until
        if hold.dnd_until is not None and hold.dnd_until > later:
            later = hold.dnd_until
        for window in hold.windows:
            closes = quiet_until(window, hold.zone, later)
            if closes is not None:
                later = closes
        if later == at:
            break
        at = later
    return at if at > now else None


def recipient_of(action: Action) -> str | None:
    """The person an action is addressed to (quiet hours apply to them), or None for a post to a
    channel that names nobody."""
    if action.recipient:
        return action.recipient
    if isinstance(action, SendDirect | SendPrivateNote):
        return action.user
    if isinstance(action, PostMessage):
        return action.mention
    return None


def trigger_of(event: Event | None) -> str | None:
    """The person who has just acted (a command, a button, a form): answers to them pass."""
    if isinstance(event, CommandInvoked | ButtonPressed | FormSubmitted):
        return event.user
    return None


def passes_anyway(action: Action, trigger: str | None) -> bool:
    """The two exceptions: urgent, or a direct answer to the person who has just acted."""
    if action.urgent or isinstance(action, Respond | OpenForm):
        return True
    return trigger is not None and recipient_of(action) == trigger
