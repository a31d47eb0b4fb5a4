"""Inbound neutral events: what happened on a platform, in words the core understands.

Adapters build these with pure functions; the core never sees a platform payload. Every event names
its ``platform`` and a platform-unique ``event_id`` (used to drop redelivered events), the
``community`` (Discord guild, Slack team; ``None`` in a DM where the platform does not say) and the
``user`` who acted. ``at`` is when the platform says it happened. Identifiers are opaque strings.

The JSON form (``event_to_json`` / ``event_from_json``) is stable: the simulator and tests use it.
See docs/events.md for every type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.jsonform import Registry

EVENTS = Registry("event")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Fields every event has. ``event_id`` is unique per platform and drops redeliveries;
    ``community`` is the Discord guild or Slack team (null in a DM where the platform does not
    say); ``user`` is who acted; ``at`` is when the platform says it happened."""

    platform: str
    event_id: str
    at: datetime
    community: str | None
    user: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """What the platform tells us about the acting user, when it does."""

    display_name: str | None = None
    timezone: str | None = None
    roles: tuple[str, ...] = ()
    is_admin: bool = False
    """The platform's own admin flag (Discord: may manage the server). Set on commands, buttons
    and forms; adapters may leave it False on plain messages, where it is costly to work out."""
    is_bot: bool = False


@EVENTS.register("message")
@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    """A message in a channel, thread or DM. ``reply_to`` is the message it answers, if any,
    and ``reply_to_user`` its author.

    ``text`` is held in memory only for the time it takes to decide; the store never keeps it.
    """

    channel: str
    message_id: str
    text: str
    thread: str | None = None
    reply_to: str | None = None
    reply_to_user: str | None = None
    is_dm: bool = False
    actor: Actor = field(default_factory=Actor)


@EVENTS.register("command")
@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """A member ran a command, e.g. ``name="checkin timezone"``, ``args={"zone": "Europe/Paris"}``.

    ``interaction`` is an opaque token the adapter uses to answer privately (``Respond``).
    A command that is also an action on a message (``CommandSpec.message_action``: Discord's
    message menu, Slack's message shortcut) arrives the same way, with ``args`` ``channel`` and
    ``message``: the ids of the chosen message, never its text.
    """

    name: str
    args: dict[str, str] = field(default_factory=dict)
    channel: str | None = None
    interaction: str | None = None
    is_dm: bool = False
    actor: Actor = field(default_factory=Actor)


@EVENTS.register("button")
@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """A button the core sent was pressed; ``action`` and ``value`` are exactly what it sent."""

    action: str
    value: str = ""
    channel: str | None = None
    message_id: str | None = None
    interaction: str | None = None
    actor: Actor = field(default_factory=Actor)


@EVENTS.register("form")
@dataclass(frozen=True, slots=True, kw_only=True)
class FormSubmitted(Event):
    """A form the core opened was submitted; ``context`` is the form's own ``context`` back."""

    form: str
    context: str = ""
    values: dict[str, str] = field(default_factory=dict)
    channel: str | None = None
    interaction: str | None = None
    actor: Actor = field(default_factory=Actor)


@EVENTS.register("member_joined")
@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    """Someone joined the community."""

    actor: Actor = field(default_factory=Actor)


@EVENTS.register("member_left")
@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    """Someone left the community (or the app was removed for them)."""


@EVENTS.register("unreachable")
@dataclass(frozen=True, slots=True, kw_only=True)
class MemberUnreachable(Event):
    """The adapter could not reach ``user`` privately (e.g. Discord DMs closed: error 50007)."""

    reason: str


@EVENTS.register("do_not_disturb")
@dataclass(frozen=True, slots=True, kw_only=True)
class DoNotDisturbChanged(Event):
    """The platform says ``user`` turned do-not-disturb on (``active``) until ``until`` (None:
    until it is turned off), or off. The core treats it like quiet hours: what is not urgent
    waits until it ends. Slack reports it (``dnd_updated``); Discord's status would need the
    privileged presence intent, so the Discord adapter does not send it."""

    active: bool
    until: datetime | None = None


def event_to_json(event: Event) -> dict[str, Any]:
    return EVENTS.to_json(event)


def event_from_json(data: object) -> Event:
    event = EVENTS.from_json(data)
    assert isinstance(event, Event)
    return event
