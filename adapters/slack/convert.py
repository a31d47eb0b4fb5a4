"""Pure translations between Slack payloads and Warmline's neutral events.

Why a module of pure functions: everything the adapter *decides* about an incoming payload
(which event it is, who acted, which command and arguments, what a form holds, whether a message
is a member's words at all) lives here, with no I/O, so it is tested directly and the networked
adapter stays a thin shell around it. Its job is payload → neutral event only: Block Kit and
escaping are :mod:`adapters.slack.blocks`, the id format :mod:`adapters.slack.custom_ids`.

Event ids. An Events API delivery carries Slack's ``event_id``, which Slack keeps when it retries
(``X-Slack-Retry-Num``), so the core's redelivery check drops the retry (durably for everything
but plain messages, see docs/architecture.md). Slash commands and interactions have no
``event_id``; their ``trigger_id`` is unique per action and the same in a Socket Mode redelivery,
so ``i<trigger_id>`` serves.

Messages: only a member's new words become ``MessagePosted``. Edits (``message_changed``),
deletions, joins and leaves in a channel, bot messages (ours or another app's) and hidden
messages return None, so nothing is analysed twice or out of place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.slack.commands import CommandTable
from adapters.slack.custom_ids import decode_action_id, decode_callback_id, decode_metadata
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    DoNotDisturbChanged,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
)

PLATFORM = "slack"

UNREADABLE = "slack.unreadable"
"""The action (or form) of a press whose id is not Warmline's format. No feature declares it, so
the core answers with its generic "that is no longer there"."""

WORDS_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
"""Message subtypes that carry a member's new words; every other subtype is not one."""


def _at(ts: object) -> datetime:
    try:
        return datetime.fromtimestamp(float(str(ts)), tz=UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def actor_from_profile(user: Mapping[str, Any] | None) -> Actor:
    """What ``users.info`` says about a person: display name, zone, the workspace admin flag."""
    if not user:
        return Actor()
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("name")
    return Actor(
        display_name=str(name) if name else None,
        timezone=str(user["tz"]) if user.get("tz") else None,
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        is_bot=bool(user.get("is_bot")),
    )


def message_event(body: Mapping[str, Any], *, bot_user_id: str | None = None) -> MessagePosted | None:
    """An Events API ``message`` as a neutral event; None for anything that is not a member's
    new words (see the module docstring)."""
    event: Mapping[str, Any] = body.get("event") or {}
    if event.get("type") != "message" or event.get("subtype") not in WORDS_SUBTYPES:
        return None
    user = event.get("user")
    if not user or event.get("bot_id") or event.get("hidden") or user == bot_user_id:
        return None
    ts = str(event.get("ts", ""))
    thread_ts = event.get("thread_ts")
    in_thread = bool(thread_ts) and thread_ts != ts
    is_dm = event.get("channel_type") == "im"
    return MessagePosted(
        platform=PLATFORM,
        event_id=str(body.get("event_id") or f"m{ts}"),
        at=_at(ts),
        community=_team(body, event),
        user=str(user),
        channel=str(event.get("channel", "")),
        message_id=ts,
        text=str(event.get("text") or ""),
        thread=str(thread_ts) if in_thread else None,
        reply_to=str(thread_ts) if in_thread else None,
        reply_to_user=str(event["parent_user_id"]) if in_thread and event.get("parent_user_id")
        else None,
        is_dm=is_dm,
    )


def _team(body: Mapping[str, Any], event: Mapping[str, Any] | None = None) -> str | None:
    team = body.get("team_id") or (event or {}).get("team")
    if not team and isinstance(body.get("team"), Mapping):
        team = body["team"].get("id")
    if not team and isinstance(body.get("user"), Mapping):
        team = body["user"].get("team_id")
    return str(team) if team else None


def membership_event(body: Mapping[str, Any]) -> MemberJoined | MemberLeft | None:
    """``team_join`` → joined the workspace; ``user_change`` of a deactivated person → left."""
    event: Mapping[str, Any] = body.get("event") or {}
    user = event.get("user")
    if not isinstance(user, Mapping) or not user.get("id"):
        return None
    common: dict[str, Any] = {
        "platform": PLATFORM, "event_id": str(body.get("event_id", "")),
        "at": _at(body.get("event_time")), "community": _team(body, event),
        "user": str(user["id"]),
    }
    if event.get("type") == "team_join":
        return MemberJoined(actor=actor_from_profile(user), **common)
    if event.get("type") == "user_change" and user.get("deleted"):
        return MemberLeft(**common)
    return None


def dnd_active(status: Mapping[str, Any], now: datetime) -> tuple[bool, datetime | None]:
    """``(active, until)`` from a ``dnd_status`` / ``dnd.info``: a scheduled window that has
    begun, or a snooze; ``until`` is when it ends."""
    at = now.timestamp()
    ends: list[float] = []
    if status.get("snooze_enabled") and float(status.get("snooze_endtime") or 0) > at:
        ends.append(float(status["snooze_endtime"]))
    if status.get("dnd_enabled"):
        start = float(status.get("next_dnd_start_ts") or 0)
        end = float(status.get("next_dnd_end_ts") or 0)
        if start <= at < end:
            ends.append(end)
    if not ends:
        return False, None
    return True, datetime.fromtimestamp(max(ends), tz=UTC)


def dnd_event(user: str, status: Mapping[str, Any], *, event_id: str, community: str | None,
              now: datetime) -> DoNotDisturbChanged:
    active, until = dnd_active(status, now)
    return DoNotDisturbChanged(platform=PLATFORM, event_id=event_id, at=now, community=community,
                               user=user, active=active, until=until)


def dnd_updated_event(body: Mapping[str, Any], now: datetime) -> DoNotDisturbChanged | None:
    """``dnd_updated_user`` (anyone in the workspace) or ``dnd_updated``."""
    event: Mapping[str, Any] = body.get("event") or {}
    user, status = event.get("user"), event.get("dnd_status")
    if not user or not isinstance(status, Mapping):
        return None
    return dnd_event(str(user), status, event_id=str(body.get("event_id", "")),
                     community=_team(body, event), now=now)


# -- commands and interactions ---------------------------------------------------------------------


def interaction_id(body: Mapping[str, Any]) -> str:
    """The opaque token the core answers with (``Respond.interaction``)."""
    return f"i{body.get('trigger_id', '')}"


def command_event(body: Mapping[str, Any], table: CommandTable, actor: Actor) -> CommandInvoked:
    parsed = table.parse(str(body.get("text") or ""))
    channel = str(body.get("channel_id") or "") or None
    return CommandInvoked(
        platform=PLATFORM,
        event_id=interaction_id(body),
        at=datetime.now(UTC),
        community=_team(body),
        user=str(body.get("user_id", "")),
        name=parsed.name,
        args=parsed.args,
        channel=channel,
        interaction=interaction_id(body),
        is_dm=bool(channel and channel.startswith("D")),
        actor=actor,
    )


def shortcut_event(body: Mapping[str, Any], table: CommandTable, actor: Actor) -> CommandInvoked:
    """A message shortcut as the core command it stands for, with the chosen message's
    ``channel`` and ``message`` (its ``ts``) as arguments; its text is not passed on. A
    ``callback_id`` that names no command goes to the core as it is (it answers that it does not
    know it)."""
    callback = str(body.get("callback_id") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    message: Mapping[str, Any] = body.get("message") or {}
    ts = str(body.get("message_ts") or message.get("ts") or "")
    return CommandInvoked(
        name=table.shortcuts.get(callback, callback),
        args={"channel": channel, "message": ts},
        channel=channel or None,
        is_dm=channel.startswith("D"),
        **_interaction_common(body, actor),
    )


def _interaction_common(body: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    return {
        "platform": PLATFORM,
        "event_id": interaction_id(body),
        "at": datetime.now(UTC),
        "community": _team(body),
        "user": str((body.get("user") or {}).get("id", "")),
        "interaction": interaction_id(body),
        "actor": actor,
    }


def button_event(body: Mapping[str, Any], actor: Actor) -> ButtonPressed:
    actions = body.get("actions") or [{}]
    pressed: Mapping[str, Any] = actions[0]
    container: Mapping[str, Any] = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    return ButtonPressed(
        action=decode_action_id(str(pressed.get("action_id", ""))) or UNREADABLE,
        value=str(pressed.get("value") or ""),
        channel=str(channel) if channel else None,
        message_id=str(container.get("message_ts")) if container.get("message_ts") else None,
        **_interaction_common(body, actor),
    )


def form_values(state: Mapping[str, Any]) -> dict[str, str]:
    """Input values of a view submission, by block id (each field is one input block)."""
    values: dict[str, str] = {}
    for block_id, elements in (state.get("values") or {}).items():
        for element in elements.values():
            value = element.get("value")
            values[str(block_id)] = "" if value is None else str(value)
    return values


def form_event(body: Mapping[str, Any], actor: Actor) -> FormSubmitted:
    view: Mapping[str, Any] = body.get("view") or {}
    context, channel = decode_metadata(str(view.get("private_metadata") or ""))
    return FormSubmitted(
        form=decode_callback_id(str(view.get("callback_id", ""))) or UNREADABLE,
        context=context,
        values=form_values(view.get("state") or {}),
        channel=channel,
        **_interaction_common(body, actor),
    )
