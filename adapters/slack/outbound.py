"""Outbound: every neutral action has its Slack Web API form (see :meth:`Outbound.send`).

- ``SendDirect`` → ``chat.postMessage`` to the user id itself (Slack delivers it in the app's
  DM with them; no ``conversations.open``); the DM's ``D…`` id comes back for the core to keep.
- ``PostMessage`` → ``chat.postMessage`` (``thread`` is the parent's ``thread_ts``; ``mention``
  and each of ``pings`` start the text with ``<@U…>``, which Slack notifies; ``reply_to`` is a
  reply in the message's thread: ``thread_ts`` is that message's ``ts`` unless ``thread`` is
  given). ``StartThread`` posts the parent message: its ``ts`` is the thread's id.
  ``AlertModerators`` posts in the moderators' channel.
- A message to open (``PostMessage.link``, ``AlertModerators.link``, and the core's
  ``<message:CHANNEL/TS>`` token in any text) → the message's permalink (``chat.getPermalink``,
  cached), on its own line for ``link``; when Slack gives none, the channel's mention
  (``<#C…>``). A link to a private message to Warmline is not shown (nobody else could open it;
  the core's text says where it was).
- ``SendPrivateNote`` → ``chat.postEphemeral`` (in its ``thread`` when it has one).
- ``Respond`` → the interaction's ``response_url`` (``replace`` updates the message the button
  was on); where there is none (a form) or it is used up, an ephemeral in the channel or a DM
  (a DM too where Slack refuses the ephemeral: a channel Warmline is not in).
  An attachment goes as a text snippet in the person's DM.
- ``OpenForm`` → ``views.open`` with the interaction's ``trigger_id``.
- ``EditMessage`` → ``chat.update``.

Text is escaped and cut to Slack's limits in :mod:`adapters.slack.blocks`; a long text becomes
several messages with the buttons on the last.

Rate limits, in three layers:
1. a per-channel limiter here for ``chat.postMessage`` (about 1 message/s per channel, a short
   burst allowed): a post that would wait longer than ``max_channel_wait`` goes back to the
   outbox as ``RateLimited`` so one busy channel never holds up the others;
2. posts across one workspace paced evenly at ``sends_per_second`` (the outbox paces fan-outs
   at the same rate, with a burst; this keeps them from bunching), and per-method pacing by
   Slack's tiers for the other methods (:data:`METHOD_TIERS`);
3. slack-sdk's rate-limit retry handler as a safety net: a 429 whose ``Retry-After`` is short is
   retried once by the client; a longer one surfaces as ``RateLimited(retry_after)`` and the
   outbox retries (or parks a scheduled prompt), so a 429 never loses a prompt.
Other failures: 5xx and connection errors → ``Transient``; a person who cannot be written to
→ ``Unreachable``; anything else → ``Fatal``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import (
    SECTION_MAX,
    escape,
    fallback_text,
    message_blocks,
    modal_view,
    trusted,
    untrusted,
)
from adapters.slack.interactions import Pending, PendingInteractions
from adapters.slack.options import SlackOptions
from adapters.text import split_text
from bot.actions import (
    Action,
    AlertModerators,
    Attachment,
    Button,
    EditMessage,
    MessageLink,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
    StartThread,
)
from bot.adapter import Fatal, RateLimited, SendResult, Transient, Unreachable
from bot.names import MESSAGE_LINK, message_link

log = logging.getLogger(__name__)

UNREACHABLE_ERRORS = frozenset({
    "user_not_found", "user_disabled", "cannot_dm_bot", "messages_tab_disabled",
    "user_not_in_channel", "channel_not_found", "is_archived", "not_in_channel",
})
"""Slack's answers that mean this person cannot be written to (for a DM or a private note)."""

METHOD_TIERS: dict[str, int] = {
    "chat.postEphemeral": 100, "chat.update": 50, "views.open": 100, "views.publish": 100,
    "users.info": 100, "dnd.info": 50, "chat.getPermalink": 100,
}
"""Calls per minute per workspace (Slack's tiers 4 and 3) of the methods the adapter paces by
tier; chat.postMessage is paced per channel and at ``sends_per_second`` per workspace."""

CHANNEL_MARGIN = 0.005
"""Seconds added to a channel wait, so a post never reaches Slack a hair before its turn."""

ClientFor = Callable[[str | None], Awaitable[AsyncWebClient]]

SLACK_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,20}")
PERMALINK_CACHE = 5000


class ChannelLimiter:
    """One call every ``interval`` seconds per key, with a short ``burst`` (about one post per
    second per channel; also the workspace's and each method's pace): the time each key is next
    free, for the most recent keys (an LRU). A late timer is caught up within the burst."""

    def __init__(self, interval: float, burst: int, size: int = 20_000) -> None:
        self.interval = interval
        self.burst = burst
        self.size = size
        self._free: OrderedDict[str, float] = OrderedDict()

    def wait_for(self, channel: str) -> float:
        """Seconds until ``channel`` may take another post (0: now). Kept as each channel's
        theoretical arrival time (GCRA): a post may go once that time is within the burst."""
        now = time.monotonic()
        tat = self._free.get(channel, now)
        return max(0.0, tat - self.interval * (self.burst - 1) - now)

    async def turn(self, channel: str) -> None:
        """Wait until ``channel`` may take a post, and take it."""
        wait = self.wait_for(channel)
        if wait > 0:
            # A timer may fire a little early: the margin keeps a post from arriving before
            # its turn (Slack counts on its own clock).
            await asyncio.sleep(wait + CHANNEL_MARGIN)
        self.take(channel)

    def take(self, channel: str) -> None:
        now = time.monotonic()
        tat = max(self._free.get(channel, now), now)
        self._free[channel] = tat + self.interval
        self._free.move_to_end(channel)
        if len(self._free) > self.size:
            self._free.popitem(last=False)


class MethodPacer:
    """Per (workspace, method) pacing at the method's tier: a burst of a minute's worth, then
    the tier's rate."""

    def __init__(self) -> None:
        self._limiters: dict[tuple[str | None, str], ChannelLimiter] = {}

    async def take(self, team: str | None, method: str) -> None:
        per_minute = METHOD_TIERS.get(method)
        if per_minute is None:
            return
        limiter = self._limiters.get((team, method))
        if limiter is None:
            limiter = ChannelLimiter(60.0 / per_minute, per_minute)
            self._limiters[(team, method)] = limiter
        await limiter.turn(method)


def translate(exc: BaseException, action: Action, user: str | None = None) -> Exception:
    """A slack-sdk or network error as the outbox's error type."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or "")
        if status == 429 or error == "ratelimited":
            raw = exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after"))
            if isinstance(raw, list):
                raw = raw[0] if raw else None
            try:
                retry_after = float(raw) if raw is not None else 1.0
            except ValueError:
                retry_after = 1.0
            return RateLimited(retry_after)
        if status >= 500:
            return Transient(f"Slack answered {status}")
        if user is not None and error in UNREACHABLE_ERRORS:
            return Unreachable(user, error)
        return Fatal(f"Slack refused {type(action).__name__}: {error or status}")
    if isinstance(exc, aiohttp.ClientResponseError) and exc.status < 500 and exc.status != 429:
        return Fatal(f"Slack refused {type(action).__name__}: {exc.status}")
    return Transient(f"Slack could not be reached ({type(exc).__name__})")


NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError, SlackClientError)


class Outbound:
    def __init__(self, options: SlackOptions, *, client_for: ClientFor,
                 interactions: PendingInteractions, max_text: int,
                 publish_home: Callable[[Pending], Awaitable[None]]) -> None:
        self.options = options
        self.max_text = max_text
        self._client_for = client_for
        self._interactions = interactions
        self._publish_home = publish_home
        self._channels = ChannelLimiter(options.channel_interval, options.channel_burst)
        self._methods = MethodPacer()
        rate = options.sends_per_second
        self._workspace = ChannelLimiter(1.0 / rate, max(1, round(min(5.0, rate / 10))))
        self._webhooks: dict[str, AsyncWebhookClient] = {}
        self._permalinks: OrderedDict[tuple[str | None, str, str], str] = OrderedDict()
        self.stopped = False

    async def send(self, action: Action) -> SendResult:
        if self.stopped:
            raise Transient("the Slack adapter is stopped")
        user = action.user if isinstance(action, SendDirect | SendPrivateNote) else None
        try:
            return await self._send(action)
        except (Fatal, Transient, Unreachable):
            raise
        except (SlackApiError, *NETWORK_ERRORS) as exc:
            raise translate(exc, action, user) from None

    async def _send(self, action: Action) -> SendResult:
        action = await self._with_links(action)
        if isinstance(action, Respond):
            return await self._respond(action)
        if isinstance(action, OpenForm):
            return await self._open_form(action)
        if isinstance(action, SendDirect):
            return await self._post(action.community, action.user, action.text, action.buttons)
        if isinstance(action, SendPrivateNote):
            text = action.text
            if action.thread:  # on Slack a thread is named by its channel (it has no name)
                text = text.replace(f"<#{action.thread}>", f"<#{action.channel}>")
            return await self._ephemeral(action.community, action.channel, action.user,
                                         text, action.buttons, thread=action.thread)
        if isinstance(action, PostMessage):
            tags = [f"<@{user}>" for user in dict.fromkeys((action.mention, *action.pings))
                    if user and f"<@{user}>" not in action.text]
            text = " ".join([*tags, action.text])
            return await self._post(action.community, action.channel, text, action.buttons,
                                    thread=action.thread or action.reply_to)
        if isinstance(action, AlertModerators):
            if not action.channel:
                raise Fatal("AlertModerators without a channel: the core must name one on Slack")
            return await self._post(action.community, action.channel, action.text, action.buttons)
        if isinstance(action, StartThread):
            result = await self._post(action.community, action.channel,
                                      f"*{action.title}*\n{action.text}", ())
            return SendResult(message_id=result.message_id, channel=result.message_id)
        if isinstance(action, EditMessage):
            return await self._edit(action)
        raise Fatal(f"the Slack adapter does not know {type(action).__name__}")

    # -- links ---------------------------------------------------------------------------------

    async def _with_links(self, action: Action) -> Action:
        """The action's text with the trusted marks removed, its ``link`` on a line of its own,
        and every message link written as Slack's permalink (see the module docstring)."""
        original = getattr(action, "text", None)
        if not isinstance(original, str):
            return action
        text = untrusted(original)
        link = getattr(action, "link", None)
        if isinstance(link, MessageLink) and not link.is_dm:
            text = f"{text}\n{message_link(link.channel, link.message_id)}"
        if "<message:" in text:
            text = await self._render_links(action.community, text)
        if text == original:
            return action
        return dataclasses.replace(action, text=text)  # type: ignore[call-arg]

    async def _render_links(self, team: str | None, text: str) -> str:
        found: dict[str, str] = {}
        for match in MESSAGE_LINK.finditer(text):
            if match.group(0) not in found:
                found[match.group(0)] = await self._link(team, match.group(1), match.group(2))
        return MESSAGE_LINK.sub(lambda m: found[m.group(0)], text)

    async def _link(self, team: str | None, channel: str, ts: str) -> str:
        """The message's permalink as mrkdwn; the channel's mention when Slack gives none (the
        message is gone, Warmline left the channel); nothing for what is not a Slack channel."""
        key = (team, channel, ts)
        url = self._permalinks.get(key)
        if url is None and SLACK_CHANNEL.fullmatch(channel):
            try:
                client = await self._client_for(team)
                await self._methods.take(team, "chat.getPermalink")
                response = await client.chat_getPermalink(channel=channel, message_ts=ts)
                url = str(response.get("permalink") or "") or None
            except (SlackApiError, *NETWORK_ERRORS) as exc:
                log.info("slack: no permalink (%s); naming the channel instead",
                         type(exc).__name__)
            if url is not None:
                self._permalinks[key] = url
                if len(self._permalinks) > PERMALINK_CACHE:
                    self._permalinks.popitem(last=False)
        if url is not None:
            return trusted(f"<{url}>")
        return trusted(f"<#{channel}>") if SLACK_CHANNEL.fullmatch(channel) else ""

    # -- text ----------------------------------------------------------------------------------

    def pieces(self, text: str) -> list[str]:
        """``text`` cut so each piece, once escaped, fits one section."""
        out: list[str] = []
        for piece in split_text(text, self.max_text):
            limit = self.max_text
            while len(escape(piece)) > SECTION_MAX and limit > 200:
                limit = limit * 2 // 3
                head, *rest = split_text(piece, limit)
                out.append(head)
                piece = "\n\n".join(rest)
            out.append(piece)
        return out

    # -- posting -------------------------------------------------------------------------------

    async def _channel_turn(self, team: str | None, channel: str) -> None:
        """Wait for the channel's turn (or hand a long wait back as ``RateLimited``), then for
        the workspace's: posts across the workspace go out evenly at ``sends_per_second``, with
        a tenth of a second's worth of burst (so a timer that fires late is caught up), so a
        fan-out never crowds Slack's workspace-wide limit."""
        if self._channels.wait_for(channel) > self.options.max_channel_wait:
            raise RateLimited(self._channels.wait_for(channel))
        await self._channels.turn(channel)
        await self._workspace.turn(f"team:{team}")

    async def _post(self, team: str | None, channel: str, text: str, buttons: Sequence[Button],
                    *, thread: str | None = None) -> SendResult:
        client = await self._client_for(team)
        pieces = self.pieces(text)
        last: Any = None
        for i, piece in enumerate(pieces):
            await self._channel_turn(team, channel)
            kwargs: dict[str, Any] = {}
            if thread:
                kwargs["thread_ts"] = thread
            last = await client.chat_postMessage(
                channel=channel, text=fallback_text(piece), unfurl_links=False,
                unfurl_media=False, link_names=False,
                blocks=message_blocks(piece, buttons if i == len(pieces) - 1 else ()), **kwargs)
        return SendResult(message_id=str(last["ts"]), channel=str(last["channel"]))

    async def _ephemeral(self, team: str | None, channel: str, user: str, text: str,
                         buttons: Sequence[Button], *, thread: str | None = None) -> SendResult:
        client = await self._client_for(team)
        pieces = self.pieces(text)
        kwargs: dict[str, Any] = {"thread_ts": thread} if thread else {}
        for i, piece in enumerate(pieces):
            await self._methods.take(team, "chat.postEphemeral")
            await client.chat_postEphemeral(
                channel=channel, user=user, text=fallback_text(piece), link_names=False,
                blocks=message_blocks(piece, buttons if i == len(pieces) - 1 else ()), **kwargs)
        return SendResult(channel=channel)

    async def _edit(self, action: EditMessage) -> SendResult:
        client = await self._client_for(action.community)
        piece = self.pieces(action.text)[0]
        await self._methods.take(action.community, "chat.update")
        await client.chat_update(channel=action.channel, ts=action.message_id,
                                 text=fallback_text(piece), link_names=False,
                                 blocks=message_blocks(piece, action.buttons))
        return SendResult(message_id=action.message_id, channel=action.channel)

    # -- answers -------------------------------------------------------------------------------

    async def _respond(self, action: Respond) -> SendResult:
        pending = self._interactions.get(action.interaction)
        if pending.kind == "home":
            assert pending.home is not None
            slot = pending.home[pending.home_slot]
            pending.home[pending.home_slot] = f"{slot}\n\n{action.text}" if slot else action.text
            await self._publish_home(pending)
            return SendResult()
        pieces = self.pieces(action.text)
        for i, piece in enumerate(pieces):
            buttons = action.buttons if i == len(pieces) - 1 else ()
            replace = action.replace and i == 0 and pending.kind == "button"
            await self._answer(pending, piece, buttons, private=action.private, replace=replace)
        if action.attachment is not None:
            await self._snippet(pending, action.attachment)
        return SendResult(message_id=pending.message_ts if action.replace else None,
                          channel=pending.channel)

    async def _answer(self, pending: Pending, text: str, buttons: Sequence[Button], *,
                      private: bool, replace: bool) -> None:
        url = pending.take_response_url()
        if url is not None:
            body: dict[str, Any] = {"text": fallback_text(text),
                                    "blocks": message_blocks(text, buttons)}
            if replace:
                body["replace_original"] = True
            else:
                body["response_type"] = "ephemeral" if private else "in_channel"
                body["replace_original"] = False
            response = await self._webhook(url).send_dict(body)
            if response.status_code >= 500 or response.status_code == 429:
                raise Transient(f"the response_url answered {response.status_code}")
            if response.status_code >= 400:
                raise Fatal(f"the response_url refused the answer ({response.status_code})")
            return
        channel = pending.channel
        if private and channel and not channel.startswith("D"):
            try:
                await self._ephemeral(pending.team, channel, pending.user, text, buttons)
                return
            except SlackApiError as exc:
                # A form from a channel Warmline is not in (a message shortcut works in any
                # channel): Slack refuses the ephemeral there, so the answer goes to their DM.
                if str(exc.response.get("error") or "") not in UNREACHABLE_ERRORS:
                    raise
            await self._post(pending.team, pending.user, text, buttons)
        elif not private and channel:
            await self._post(pending.team, channel, text, buttons)
        else:
            await self._post(pending.team, pending.user, text, buttons)

    def _webhook(self, url: str) -> AsyncWebhookClient:
        hook = self._webhooks.get(url)
        if hook is None:
            hook = AsyncWebhookClient(url)
            if len(self._webhooks) > 1000:
                self._webhooks.clear()
            self._webhooks[url] = hook
        return hook

    async def _snippet(self, pending: Pending, attachment: Attachment) -> None:
        """A file for the person (their export), as text in their DM: one snippet per message."""
        pieces = split_text(attachment.content, self.max_text - 100)
        client = await self._client_for(pending.team)
        for i, piece in enumerate(pieces, 1):
            head = f"{attachment.filename} ({i}/{len(pieces)})"
            await self._channel_turn(pending.team, pending.user)
            await client.chat_postMessage(channel=pending.user, text=head, link_names=False,
                                          blocks=[{"type": "rich_text", "elements": [
                                              {"type": "rich_text_section", "elements": [
                                                  {"type": "text", "text": head}]},
                                              {"type": "rich_text_preformatted", "elements": [
                                                  {"type": "text", "text": piece}]}]}])

    async def _open_form(self, action: OpenForm) -> SendResult:
        pending = self._interactions.get(action.interaction)
        if not pending.trigger_id:
            raise Fatal("a Slack form needs the trigger of a command or a button")
        client = await self._client_for(pending.team)
        await self._methods.take(pending.team, "views.open")
        await client.views_open(trigger_id=pending.trigger_id,
                                view=modal_view(action.form, pending.channel))
        return SendResult()

    async def publish_home(self, team: str | None, user: str, view: dict[str, Any]) -> None:
        client = await self._client_for(team)
        await self._methods.take(team, "views.publish")
        await client.views_publish(user_id=user, view=view)

    async def close(self) -> None:
        self.stopped = True
        self._webhooks.clear()
