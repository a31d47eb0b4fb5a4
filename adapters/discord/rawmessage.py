"""MESSAGE_CREATE read straight from the gateway payload, without discord.py's ``Message``.

Why: on the Discord inbound hot path, discord.py spends about 40 µs of CPU per message building a
``Message`` (and its ``User``, ``Member``, attachments, embeds, mentions…) in
``ConnectionState.parse_message_create``, while Warmline reads a dozen fields of it to make a
:class:`~bot.events.MessagePosted` (:func:`~adapters.discord.convert.message_event`). For an
ordinary message this module reads those fields from the payload (a dict) instead, and produces
*the same* neutral event: same ids, channel/thread, reply, display name, roles, bot flag, instant.
``tests/adapters/discord/test_discord_raw_message.py`` feeds payload variants through both paths
and compares the events.

The hook. discord.py 2.x keeps one dict of parsers per connection state,
``client._connection.parsers`` (event name → bound ``parse_*`` method, built once in
``ConnectionState.__init__``); every gateway websocket reads events through that same dict
(``DiscordWebSocket.from_client``: ``ws._discord_parsers = client._connection.parsers``, then
``received_message``: ``self._discord_parsers[event](data)``), for the plain and the auto-sharded
client alike. :func:`install` replaces its ``MESSAGE_CREATE`` entry with a :class:`RawMessageHook`
that keeps the original parser and calls it for anything it is not sure about. Nothing of
discord.py is subclassed or patched at class level, and everything after the parser (the
gateway's ``wait_for`` listeners) runs as before.

When the fast path declines (the original parser runs, so the result is exactly today's):
anything but a default (0) or reply (19) message; no author, or an author without the fields
discord.py needs (it would silently keep a ``User``); a webhook; any message flag (ephemeral,
crossposted, suppressed embeds…); a thread started from the message, a poll, an interaction,
forwarded snapshots, an application, a role subscription or purchase notification; a guild or
channel not in discord.py's cache (a thread discord.py does not know about is only known as a
channel, so it declines rather than guess); a guild message without a complete ``member``; a DM
with one; an author discord.py holds a cached ``User`` or ``Member`` for (it would use the cached
names, and update the member: the bot itself is one); a reply to a message in another channel, a
forwarded reference, or a referenced message without an author; any exception while reading (the
reading has no side effects, so the original parser can always take over).

discord.py's state. Warmline runs without discord.py's message cache (``max_messages=None``)
and never reads it; :func:`install` leaves the hook off when a cache is configured. What
``parse_message_create`` changes besides building the message is kept: the channel's
``last_message_id``. Not kept, on purpose: discord.py's weak ``User`` cache for the author (with
no member intent and member cache, which is Warmline's configuration, discord.py does not cache
them either) and the ``message`` event itself (the client already hands messages only to the
adapter, see :meth:`~adapters.discord.client._ClientMixin.dispatch`; there is no other listener).

Checked against discord.py 2.7.1 (``state.py`` ``parse_message_create``/``_get_guild_channel``,
``message.py`` ``Message.__init__``/``_handle_author``/``_handle_member``/``MessageReference``,
``member.py``, ``user.py``, ``gateway.py``). Another minor version leaves the hook off (logged
once at INFO): read those again, run the equality test, then add the version to
:data:`CHECKED_VERSIONS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import discord
from discord.utils import snowflake_time

from adapters.discord.convert import PLATFORM, THREAD_TYPES
from bot.events import Actor, MessagePosted

log = logging.getLogger(__name__)

CHECKED_VERSIONS = frozenset({(2, 7)})
"""discord.py (major, minor) versions whose message parsing this module was checked against."""

_ORDINARY_TYPES = (0, 19)
"""``MessageType.default`` and ``MessageType.reply``: the only ones ``message_event`` keeps."""

_UNUSUAL_KEYS = frozenset(
    {
        "webhook_id", "thread", "poll", "interaction", "interaction_metadata",
        "message_snapshots", "call", "application", "role_subscription_data",
        "purchase_notification",
    }
)
"""Payload keys that make discord.py do more than the fast path knows (or mean a webhook)."""

_USER_KEYS = ("id", "username", "discriminator", "avatar")
"""What ``User._update`` reads with ``data[...]``: without one of them discord.py keeps no
author at all (the ``KeyError`` is swallowed by ``Message.__init__``)."""

_LAST_MESSAGE_CLASSES = (
    discord.TextChannel, discord.VoiceChannel, discord.Thread, discord.StageChannel
)
"""The channel classes whose ``last_message_id`` ``parse_message_create`` keeps."""

_logged_off = False


class MessageQueue(Protocol):
    """Where an event read by the fast path goes (the adapter's inbound queue)."""

    def message_posted(self, event: MessagePosted) -> None: ...


def _user_ok(author: Any) -> bool:
    return isinstance(author, dict) and all(k in author for k in _USER_KEYS)


def read_message(
    state: Any, data: Mapping[str, Any], *, bot_user_id: int | None
) -> tuple[MessagePosted, Any] | None:
    """The neutral event for an ordinary MESSAGE_CREATE and the cached channel it was posted in
    (None in a DM), or None when discord.py must parse it (see the module's docstring). Reads
    only: no side effects on ``state`` or ``data``."""
    if data.get("type") not in _ORDINARY_TYPES or data.get("flags"):
        return None
    if not _UNUSUAL_KEYS.isdisjoint(data.keys()):
        return None
    author: Any = data.get("author")
    content: Any = data.get("content")
    if not _user_ok(author) or not isinstance(content, str):
        return None
    author_id = int(author["id"])
    if author_id == bot_user_id or author_id in state._users:
        return None
    message_id = int(data["id"])
    channel_id = int(data["channel_id"])
    member: Any = data.get("member")
    guild: discord.Guild | None = None
    channel: Any = None
    thread: str | None = None
    channel_str = str(channel_id)
    display_name: str
    roles: tuple[str, ...] = ()
    if "guild_id" in data:
        guild_id = data["guild_id"]
        guild = state._get_guild(int(guild_id)) if guild_id is not None else None
        if guild is None or not isinstance(member, dict):
            return None
        if "flags" not in member or not isinstance(member.get("roles"), list):
            return None
        if guild.get_member(author_id) is not None:
            return None
        channel = guild.get_channel_or_thread(channel_id)
        if channel is None:
            return None
        if getattr(channel, "type", None) in THREAD_TYPES:
            thread = channel_str
            parent = getattr(channel, "parent_id", None)
            if parent is not None:
                channel_str = str(parent)
        display_name = member.get("nick") or author.get("global_name") or author["username"]
        if member["roles"]:  # Member.roles, then actor_for: sorted, @everyone left out
            found = [r for r in map(guild.get_role, sorted(map(int, member["roles"]))) if r]
            default = guild.default_role
            if default:
                found.append(default)
            found.sort()
            held = [r for r in found if not r.is_default()]
            roles = tuple(str(r.id) for r in held) + tuple(r.name for r in held)
    else:
        if member is not None:
            return None
        display_name = author.get("global_name") or author["username"]
    reply_to: str | None = None
    reply_to_user: str | None = None
    if "message_reference" in data:
        ref = data["message_reference"]
        if not isinstance(ref, dict) or ref.get("type", 0) != 0 or "channel_id" not in ref:
            return None
        ref_message = ref.get("message_id")
        if ref_message is not None:
            if not ref_message:
                return None  # discord.py would keep the falsy value itself
            reply_to = str(int(ref_message))
        resolved = data.get("referenced_message")
        if resolved is not None:
            ref_channel = int(ref["channel_id"])
            same = ref_channel == channel_id or (
                isinstance(channel, discord.Thread) and channel.parent_id == ref_channel
            )
            if (
                not same
                or not isinstance(resolved, dict)
                or not all(k in resolved for k in ("id", "type", "content"))
                or not _user_ok(resolved.get("author"))
            ):
                return None
            if reply_to is not None:
                reply_to_user = str(int(resolved["author"]["id"]))
    event = MessagePosted(
        platform=PLATFORM,
        event_id=f"m{message_id}",
        at=snowflake_time(message_id),
        community=str(guild.id) if guild is not None else None,
        user=str(author_id),
        channel=channel_str,
        message_id=str(message_id),
        text=content,
        thread=thread,
        reply_to=reply_to,
        reply_to_user=reply_to_user,
        is_dm=guild is None,
        actor=Actor(
            display_name=display_name, roles=roles, is_admin=False,
            is_bot=author.get("bot", False),
        ),
    )
    return event, channel


class RawMessageHook:
    """The ``MESSAGE_CREATE`` parser: the fast path for ordinary messages, discord.py's own
    parser (``original``) for everything else. ``fast``/``fallbacks`` count which one ran."""

    def __init__(self, state: Any, original: Callable[[Any], None], queue: MessageQueue) -> None:
        self.state = state
        self.original = original
        self.queue = queue
        self.fast = 0
        self.fallbacks = 0

    def __call__(self, data: Any) -> None:
        state = self.state
        user = state.user
        try:
            read = read_message(state, data, bot_user_id=user.id if user is not None else None)
        except Exception as exc:  # reading has no side effects: discord.py takes over
            log.debug("MESSAGE_CREATE left to discord.py (%s)", type(exc).__name__)
            read = None
        if read is None:
            self.fallbacks += 1
            self.original(data)
            return
        self.fast += 1
        event, channel = read
        if channel is not None and channel.__class__ in _LAST_MESSAGE_CLASSES:
            channel.last_message_id = int(event.message_id)
        self.queue.message_posted(event)


def install(client: discord.Client, queue: MessageQueue) -> RawMessageHook | None:
    """Put a :class:`RawMessageHook` in front of ``client``'s MESSAGE_CREATE parser; None (and
    one INFO line per process) when this discord.py is not one it was checked against, its
    internals are not where they were, or a message cache is configured."""
    current = getattr(getattr(client, "_connection", None), "parsers", {}).get("MESSAGE_CREATE")
    if isinstance(current, RawMessageHook):
        return current
    reason = _unsupported(client)
    if reason is not None:
        global _logged_off
        if not _logged_off:
            _logged_off = True
            log.info("Discord messages go through discord.py's Message objects: %s", reason)
        return None
    state = client._connection
    hook = RawMessageHook(state, state.parsers["MESSAGE_CREATE"], queue)
    state.parsers["MESSAGE_CREATE"] = hook
    return hook


def _unsupported(client: discord.Client) -> str | None:
    version = (discord.version_info.major, discord.version_info.minor)
    if version not in CHECKED_VERSIONS:
        return f"discord.py {discord.__version__} is not a version the raw path was checked on"
    state: Any = getattr(client, "_connection", None)
    parsers = getattr(state, "parsers", None)
    if not isinstance(parsers, dict) or not callable(parsers.get("MESSAGE_CREATE")):
        return "discord.py's parser table is not where it was"
    for name in ("_get_guild", "_users", "_messages", "user"):
        if not hasattr(state, name):
            return f"discord.py's connection state has no {name}"
    for name in ("get_channel_or_thread", "get_member", "get_role", "default_role"):
        if not hasattr(discord.Guild, name):
            return f"discord.Guild has no {name}"
    if state._messages is not None:
        return "discord.py's message cache is on"
    return None
