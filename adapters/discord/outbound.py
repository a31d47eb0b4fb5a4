"""Outbound: every neutral action has its Discord form (see :meth:`Outbound.send`).

Texts longer than ``max_text`` are split at paragraph or sentence boundaries; mentions ping nobody
unless ``PostMessage.mention`` or ``pings`` name them. A ``Respond`` with ``replace`` answering a
button updates the message the button was on (UPDATE_MESSAGE, or an edit after a deferral). A form
(modal) can only be a first answer, so an ``OpenForm`` that comes after a deferral is refused as
:class:`~bot.adapter.Fatal`.

Rate limits, in three layers:
1. discord.py's own per-route buckets (it reads Discord's headers and waits before a bucket runs
   dry; a wait longer than ``max_ratelimit_timeout`` surfaces as ``discord.RateLimited``);
2. a request pacer here under Discord's *global* 50 requests/s, which discord.py only reacts to
   after a global 429 (interaction answers are exempt on Discord and here);
3. a DM-open pacer against Discord's unpublished anti-spam limit for opening DMs (40003). DM
   channel ids are cached (LRU) so a daily check-in does not re-open the same DM.
Whatever still fails is translated into the outbox's error types so nothing is lost:
429 → ``RateLimited(retry_after)``, 40003 → ``RateLimited(dm_backoff)``, 5xx and connection
errors → ``Transient``, 50007 (DMs closed) → ``Unreachable(user, "dm_closed")``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord.convert import with_link
from adapters.discord.inbound import Pending, PendingInteractions
from adapters.discord.options import DiscordOptions
from adapters.discord.views import WarmlineModal, build_view
from adapters.text import split_text
from bot.actions import (
    Action,
    AlertModerators,
    EditMessage,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
    StartThread,
)
from bot.adapter import Fatal, RateLimited, SendResult, Transient, Unreachable
from bot.clock import Clock
from bot.names import MESSAGE_LINK
from bot.pacing import Pacer

DM_CLOSED_CODES = frozenset({50007, 50278})
"""Cannot send messages to this user / no mutual guilds: the person cannot be reached by DM."""
UNKNOWN_USER_CODES = frozenset({10013, 50033})
DM_TOO_FAST = 40003
MESSAGE_URL = "https://discord.com/channels/{guild}/{channel}/{message}"


def render_links(text: str, guild: str | None) -> str:
    """The core's message links (``<message:CHANNEL/MESSAGE>``, see :func:`bot.names.message_link`)
    as Discord's own message URLs, which Discord shows as a link that opens the message."""
    if "<message:" not in text:
        return text
    return MESSAGE_LINK.sub(lambda m: MESSAGE_URL.format(
        guild=guild or "@me", channel=m.group(1), message=m.group(2)), text)


def with_links(action: Action) -> Action:
    text = getattr(action, "text", None)
    if not isinstance(text, str) or "<message:" not in text:
        return action
    return dataclasses.replace(action, text=render_links(text, action.community))  # type: ignore[call-arg]


class Outbound:
    """Performs actions on whichever client is connected now (``client`` is asked each time:
    the adapter replaces the client when it reconnects)."""

    def __init__(
        self,
        options: DiscordOptions,
        *,
        clock: Clock,
        max_text: int,
        interactions: PendingInteractions,
        client: Callable[[], discord.Client | None],
    ) -> None:
        self.options = options
        self.clock = clock
        self.max_text = max_text
        self._interactions = interactions
        self._current_client = client
        self._dm_channels: OrderedDict[str, int] = OrderedDict()
        self._requests = Pacer(rate=options.requests_per_second, burst=options.request_burst)
        self._dm_opens = Pacer(rate=options.dm_opens_per_second, burst=options.dm_open_burst)

    async def send(self, action: Action) -> SendResult:
        """Perform one action. Raises only ``bot.adapter`` errors."""
        try:
            return await self._send(action)
        except (Fatal, Transient, Unreachable):
            raise
        except discord.RateLimited as exc:
            raise RateLimited(exc.retry_after) from None
        except discord.HTTPException as exc:
            raise self._translate(exc, action) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise Transient(f"connection problem: {type(exc).__name__}") from None
        except ValueError as exc:  # a custom id too long, too many buttons ...
            raise Fatal(f"{type(action).__name__} cannot be shown on Discord: {exc}") from None

    def _translate(self, exc: discord.HTTPException, action: Action) -> Exception:
        user = getattr(action, "user", None) or action.recipient or "?"
        if exc.code in DM_CLOSED_CODES and isinstance(action, SendDirect | SendPrivateNote):
            return Unreachable(user, "dm_closed")
        if exc.code in UNKNOWN_USER_CODES and isinstance(action, SendDirect | SendPrivateNote):
            return Unreachable(user, "unknown_user")
        if exc.code == DM_TOO_FAST:
            self._dm_opens.pause(self.clock, self.options.dm_backoff_seconds)
            return RateLimited(self.options.dm_backoff_seconds)
        if exc.status == 429:
            retry = 1.0
            with contextlib.suppress(AttributeError, TypeError, ValueError):
                retry = float(exc.response.headers.get("Retry-After", retry))
            return RateLimited(retry)
        if exc.status >= 500:
            return Transient(f"Discord answered {exc.status}")
        return Fatal(f"Discord refused {type(action).__name__}: {exc.status} code {exc.code}")

    def _client(self) -> discord.Client:
        client = self._current_client()
        if client is None or client.is_closed():
            raise Transient("the Discord client is not connected")
        return client

    async def _send(self, action: Action) -> SendResult:
        action = with_links(action)
        if isinstance(action, Respond):
            return await self._respond(action)
        if isinstance(action, OpenForm):
            return await self._open_form(action)
        if isinstance(action, SendDirect | SendPrivateNote):
            known = action.channel if isinstance(action, SendDirect) else None
            channel_id = await self._dm_channel(action.user, known)
            try:
                return await self._post(channel_id, action.text, action.buttons)
            except discord.NotFound:
                if known is None:
                    raise
                # The conversation the core remembered is gone: open a new one, once.
                self._dm_channels.pop(action.user, None)
                channel_id = await self._dm_channel(action.user)
                return await self._post(channel_id, action.text, action.buttons)
        if isinstance(action, PostMessage):
            return await self._post(
                int(action.thread or action.channel),
                with_link(action.text, action.community, action.link),
                action.buttons,
                mention=action.mention,
                pings=action.pings,
                reply_to=action.reply_to,
            )
        if isinstance(action, AlertModerators):
            if not action.channel:
                raise Fatal("AlertModerators without a channel: the core must name one on Discord")
            return await self._post(int(action.channel),
                                    with_link(action.text, action.community, action.link),
                                    action.buttons)
        if isinstance(action, StartThread):
            return await self._start_thread(action)
        if isinstance(action, EditMessage):
            return await self._edit(action)
        raise Fatal(f"the Discord adapter does not know {type(action).__name__}")

    async def _request(self) -> None:
        await self._requests.take(self.clock)

    async def _dm_channel(self, user: str, known: str | None = None) -> int:
        """The DM channel id: from the cache, from the core (which remembers it across
        restarts), or a new one opened at the paced DM-open rate."""
        cached = self._dm_channels.get(user)
        if cached is not None:
            self._dm_channels.move_to_end(user)
            return cached
        if known is not None and known.isdigit():
            self._dm_channels[user] = int(known)
            return int(known)
        client = self._client()
        await self._dm_opens.take(self.clock)
        await self._request()
        channel = await client.create_dm(discord.Object(id=int(user)))
        self._dm_channels[user] = channel.id
        if len(self._dm_channels) > self.options.dm_cache_size:
            self._dm_channels.popitem(last=False)
        return channel.id

    async def _edit(self, action: EditMessage) -> SendResult:
        """Edit a message the bot posted: its text, and its buttons (removed when none)."""
        if not (action.channel.isdigit() and action.message_id.isdigit()):
            raise Fatal("EditMessage needs Discord ids")
        await self._request()
        channel = self._client().get_partial_messageable(int(action.channel))
        message = channel.get_partial_message(int(action.message_id))
        text = split_text(action.text, self.max_text)[0]
        await message.edit(content=text, view=build_view(action.buttons),
                           allowed_mentions=discord.AllowedMentions.none())
        return SendResult(message_id=action.message_id, channel=action.channel)

    async def _post(
        self,
        channel_id: int,
        text: str,
        buttons: Sequence[Any],
        *,
        mention: str | None = None,
        pings: Sequence[str] = (),
        reply_to: str | None = None,
    ) -> SendResult:
        """``reply_to``: the first piece is shown as a reply to that message (in this channel);
        if the message is gone, it is posted as an ordinary message."""
        client = self._client()
        allowed = discord.AllowedMentions.none()
        users = [user for user in (mention, *pings) if user and user.isdigit()]
        if users:
            allowed = discord.AllowedMentions(
                everyone=False,
                roles=False,
                replied_user=False,
                users=[discord.Object(id=int(user)) for user in users],
            )
            tags = [f"<@{user}>" for user in users if f"<@{user}>" not in text]
            if tags:
                text = " ".join([*tags, text])
        view = build_view(buttons)
        channel = client.get_partial_messageable(channel_id)
        pieces = split_text(text, self.max_text)
        last: discord.Message | None = None
        for i, piece in enumerate(pieces):
            await self._request()
            kwargs: dict[str, Any] = {"allowed_mentions": allowed}
            if i == 0 and reply_to is not None and reply_to.isdigit():
                kwargs["reference"] = discord.MessageReference(
                    message_id=int(reply_to), channel_id=channel_id, fail_if_not_exists=False)
            if view is not None and i == len(pieces) - 1:
                kwargs["view"] = view
            last = await channel.send(piece, **kwargs)
            allowed = discord.AllowedMentions.none()  # ping once, on the first piece
        assert last is not None
        return SendResult(message_id=str(last.id), channel=str(channel_id))

    async def _start_thread(self, action: StartThread) -> SendResult:
        client = self._client()
        pieces = split_text(action.text, self.max_text)
        channel = client.get_channel(int(action.channel))
        if channel is None:
            await self._request()
            channel = await client.fetch_channel(int(action.channel))
        if not isinstance(channel, discord.TextChannel):
            raise Fatal(f"channel {action.channel} cannot hold threads")
        await self._request()
        first = await channel.send(pieces[0], allowed_mentions=discord.AllowedMentions.none())
        await self._request()
        thread = await first.create_thread(name=action.title[:100] or "Warmline")
        for piece in pieces[1:]:
            await self._request()
            await thread.send(piece, allowed_mentions=discord.AllowedMentions.none())
        return SendResult(message_id=str(first.id), channel=str(thread.id))

    async def _respond(self, action: Respond) -> SendResult:
        pending = self._interactions.get(action.interaction)
        pieces = split_text(action.text, self.max_text)
        view = build_view(action.buttons)
        none = discord.AllowedMentions.none()
        async with pending.lock:
            if pending.timer is not None:
                pending.timer.cancel()
            interaction = pending.interaction
            message_id: str | None = None
            replace = action.replace and self._can_replace(pending)
            for i, piece in enumerate(pieces):
                kwargs: dict[str, Any] = {"allowed_mentions": none}
                if replace and i == 0:
                    # The message the button was on takes the text and the new buttons (none:
                    # the old ones are removed); a long text continues in followups below it.
                    message_id = await self._replace(pending, piece, view, none)
                    continue
                if view is not None and i == len(pieces) - 1 and not replace:
                    kwargs["view"] = view
                if action.attachment is not None and i == len(pieces) - 1:
                    kwargs["file"] = discord.File(
                        io.BytesIO(action.attachment.content.encode("utf-8")),
                        filename=action.attachment.filename)
                if not interaction.response.is_done():
                    result = await interaction.response.send_message(
                        piece, ephemeral=action.private, **kwargs
                    )
                    if result is not None and result.message_id is not None:
                        message_id = str(result.message_id)
                elif pending.thinking and not pending.original_used:
                    pending.original_used = True
                    if "file" in kwargs:
                        kwargs["attachments"] = [kwargs.pop("file")]
                    msg = await interaction.edit_original_response(content=piece, **kwargs)
                    message_id = str(msg.id)
                else:
                    sent = await interaction.followup.send(
                        piece, ephemeral=action.private, wait=True, **kwargs
                    )
                    message_id = str(sent.id)
        channel = str(interaction.channel_id) if interaction.channel_id is not None else None
        return SendResult(message_id=message_id, channel=channel)

    @staticmethod
    def _can_replace(pending: Pending) -> bool:
        """Only the first answer to a button can update the message it was on: before any
        answer, or after the silent deferral (DEFERRED_UPDATE_MESSAGE) of a slow core."""
        if pending.kind != "button" or pending.original_used:
            return False
        response = pending.interaction.response
        return not response.is_done() or (
            response.type == discord.InteractionResponseType.deferred_message_update
        )

    async def _replace(
        self,
        pending: Pending,
        text: str,
        view: discord.ui.View | None,
        allowed: discord.AllowedMentions,
    ) -> str | None:
        """Update the message a button was on: UPDATE_MESSAGE (interaction response type 7) as
        the first answer, or, after the silent deferral of a slow core, an edit of that message
        (the original response of a deferred button is the message itself)."""
        interaction = pending.interaction
        pending.original_used = True
        if not interaction.response.is_done():
            await interaction.response.edit_message(
                content=text, view=view, allowed_mentions=allowed
            )
            message = interaction.message
            return str(message.id) if message is not None else None
        edited = await interaction.edit_original_response(
            content=text, view=view, allowed_mentions=allowed
        )
        return str(edited.id)

    async def _open_form(self, action: OpenForm) -> SendResult:
        pending = self._interactions.get(action.interaction)
        async with pending.lock:
            if pending.timer is not None:
                pending.timer.cancel()
            if pending.interaction.response.is_done():
                raise Fatal(
                    "a Discord form must be the first answer to an interaction, and this "
                    "one was already answered or deferred (the core took too long)"
                )
            await pending.interaction.response.send_modal(WarmlineModal(action.form))
        return SendResult()
