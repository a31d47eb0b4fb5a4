"""The Discord adapter: a discord.py client that translates, and decides nothing.

Inbound: guild and DM messages become ``MessagePosted``; slash commands ``CommandInvoked``;
buttons (a :class:`~adapters.discord.views.WarmlineButton`, routed by its custom id pattern so old
buttons work after a restart) ``ButtonPressed``; modal submits ``FormSubmitted``. Timezone options
are autocompleted here, from :func:`bot.config.timezone_suggestions`.

Interactions must be acknowledged within Discord's 3 seconds. The event goes to the core at once
and a timer starts: if the core has not answered after ``ack_after`` seconds, the adapter defers
(a "thinking…" state for commands and forms, a silent update for buttons) and the core's answer
follows as a followup. A form (modal) can only be a first answer, so an ``OpenForm`` that comes
after a deferral is refused as :class:`~bot.adapter.Fatal`.

Outbound: every neutral action has its Discord form (see :meth:`DiscordAdapter.send`). Texts
longer than ``max_text`` are split at paragraph or sentence boundaries; mentions ping nobody
unless ``PostMessage.mention`` names one user.

Rate limits, in three layers:
1. discord.py's own per-route buckets (it reads Discord's headers and waits before a bucket runs
   dry; a wait longer than ``max_ratelimit_timeout`` surfaces as ``discord.RateLimited``);
2. a request pacer in this adapter under Discord's *global* 50 requests/s, which discord.py only
   reacts to after a global 429 (interaction answers are exempt on Discord and here);
3. a DM-open pacer against Discord's unpublished anti-spam limit for opening DMs (40003). DM
   channel ids are cached (LRU) so a daily check-in does not re-open the same DM.
Whatever still fails is translated into the outbox's error types so nothing is lost:
429 → ``RateLimited(retry_after)``, 40003 → ``RateLimited(dm_backoff)``, 5xx and connection
errors → ``Transient``, 50007 (DMs closed) → ``Unreachable(user, "dm_closed")``.

Intents: guilds, guild messages, DM messages and, when configured, message content (privileged).
Never members or presences, so there is no ``MemberJoined``/``MemberLeft`` from Discord. If
Discord refuses the message-content intent (close code 4014), the adapter logs how to enable it
and reconnects without it: commands, buttons, forms and DMs keep working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from adapters.discord.commands import autocomplete_kinds, build_commands
from adapters.discord.convert import (
    PLATFORM,
    button_event,
    command_event,
    command_path,
    form_event,
    message_event,
    split_text,
)
from adapters.discord.views import WarmlineButton, WarmlineModal, build_view
from bot.actions import (
    Action,
    AlertModerators,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
    StartThread,
)
from bot.adapter import (
    Capabilities,
    EventSink,
    Fatal,
    RateLimited,
    SendResult,
    Transient,
    Unreachable,
)
from bot.clock import Clock, SystemClock
from bot.config import DiscordSettings, timezone_suggestions
from bot.events import Event
from bot.feature import CommandSpec
from bot.outbox import Pacer

log = logging.getLogger(__name__)

DM_CLOSED_CODES = frozenset({50007, 50278})
"""Cannot send messages to this user / no mutual guilds: the person cannot be reached by DM."""
UNKNOWN_USER_CODES = frozenset({10013, 50033})
DM_TOO_FAST = 40003
UNKNOWN_INTERACTION = 10062
INTERACTION_TTL = 15 * 60.0
"""Discord keeps an interaction token valid for 15 minutes (followups)."""

PORTAL_HELP = (
    "Discord refused the Message Content intent (close code 4014). Warmline keeps running "
    "without it: slash commands, buttons, forms and DMs work, but messages in channels arrive "
    "without their text. To enable it: https://discord.com/developers/applications → your "
    "application → Bot → Privileged Gateway Intents → switch on 'MESSAGE CONTENT INTENT' → Save "
    "Changes, then restart Warmline. (Bots in 100 or more servers must be verified and approved "
    "for it.) To silence this warning instead, set [discord] message_content_intent = false."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscordOptions:
    """Everything the adapter needs, from ``[discord]`` plus a few tuning knobs."""

    token: str
    dev_guild_id: str = ""
    api_base_url: str = ""
    gateway_url: str = ""
    shard_count: int = 0
    shard_ids: tuple[int, ...] = ()
    sends_per_second: float = 40.0
    message_content_intent: bool = True
    delivery_window_seconds: int = 600
    sync_commands: bool = True
    guild_ready_timeout: float = 2.0
    ack_after: float = 2.0
    """Seconds to wait for the core before deferring an interaction (Discord's limit is 3)."""
    requests_per_second: float = 47.5
    """The adapter's own ceiling under Discord's global 50 requests/s."""
    request_burst: float = 1.0
    dm_opens_per_second: float = 5.0
    dm_open_burst: float = 5.0
    dm_backoff_seconds: float = 10.0
    """How long to back off after Discord says DMs are being opened too fast (40003)."""
    max_ratelimit_timeout: float = 30.0
    dm_cache_size: int = 100_000

    @classmethod
    def from_settings(cls, settings: DiscordSettings, **overrides: Any) -> DiscordOptions:
        if not settings.token:
            raise ValueError("the Discord token is missing; set WARMLINE_DISCORD_TOKEN")
        values: dict[str, Any] = {
            "token": settings.token,
            "dev_guild_id": settings.dev_guild_id,
            "api_base_url": settings.api_base_url,
            "gateway_url": settings.gateway_url,
            "shard_count": settings.shard_count,
            "shard_ids": tuple(settings.shard_ids),
            "sends_per_second": settings.sends_per_second,
            "message_content_intent": settings.message_content_intent,
            "delivery_window_seconds": settings.delivery_window_seconds,
        }
        values.update(overrides)
        return cls(**values)


def apply_url_overrides(api_base_url: str, gateway_url: str) -> None:
    """Point discord.py at an API proxy or a local fake. These are class attributes of
    discord.py (process-wide): every client in the process follows them."""
    if api_base_url:
        discord.http.Route.BASE = api_base_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def requested_intents(message_content: bool) -> discord.Intents:
    """Only what Warmline uses: no members, no presences, no typing, no reactions."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


@dataclass(slots=True, eq=False)
class _Pending:
    """An interaction waiting for the core's answer."""

    interaction: discord.Interaction[Any]
    kind: str  # "command" | "button" | "form"
    created: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    thinking: bool = False
    original_used: bool = False
    timer: asyncio.Task[None] | None = None


class _ClientMixin:
    """What both client classes share: route gateway events to the adapter."""

    warmline_inbound: DiscordAdapter

    async def setup_hook(self) -> None:
        self.add_dynamic_items(WarmlineButton)  # type: ignore[attr-defined]

    async def on_ready(self) -> None:
        self.warmline_inbound._ready.set()

    async def on_message(self, message: discord.Message) -> None:
        await self.warmline_inbound.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.warmline_inbound.on_interaction(interaction)


class WarmlineClient(_ClientMixin, discord.Client):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.warmline_inbound = adapter


class ShardedWarmlineClient(_ClientMixin, discord.AutoShardedClient):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.warmline_inbound = adapter


class DiscordAdapter:
    platform = PLATFORM

    def __init__(
        self,
        options: DiscordOptions,
        commands: Sequence[CommandSpec],
        *,
        clock: Clock | None = None,
    ) -> None:
        self.options = options
        self.commands = list(commands)
        self.command_payload = build_commands(self.commands)  # fail at construction, not at sync
        self._autocomplete = autocomplete_kinds(self.commands)
        self.capabilities = Capabilities(
            ephemeral=False,
            threads=True,
            forms=True,
            max_text=2000,
            dnd_signal=False,
            sends_per_second=options.sends_per_second,
            delivery_window_seconds=float(options.delivery_window_seconds),
        )
        self.delivery_window_seconds = options.delivery_window_seconds
        self.clock: Clock = clock or SystemClock()
        self.message_content = options.message_content_intent
        self.client: discord.Client | None = None
        self._sink: EventSink | None = None
        self._ready = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._pending: dict[str, _Pending] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dm_channels: OrderedDict[str, int] = OrderedDict()
        self._requests = Pacer(rate=options.requests_per_second, burst=options.request_burst)
        self._dm_opens = Pacer(rate=options.dm_opens_per_second, burst=options.dm_open_burst)
        self.intent_downgrades = 0
        self.events_in = 0

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def sharded(self) -> bool:
        return self.options.shard_count > 0 or bool(self.options.shard_ids)

    def _make_client(self) -> discord.Client:
        options: dict[str, Any] = {
            "intents": requested_intents(self.message_content),
            "allowed_mentions": discord.AllowedMentions.none(),
            "max_messages": None,  # Warmline never reads the message cache
            "chunk_guilds_at_startup": False,
            "member_cache_flags": discord.MemberCacheFlags.none(),
            "guild_ready_timeout": self.options.guild_ready_timeout,
            "max_ratelimit_timeout": self.options.max_ratelimit_timeout,
        }
        if self.sharded:
            if self.options.shard_count:
                options["shard_count"] = self.options.shard_count
            if self.options.shard_ids:
                options["shard_ids"] = list(self.options.shard_ids)
            return ShardedWarmlineClient(self, **options)
        return WarmlineClient(self, **options)

    async def start(self, sink: EventSink) -> None:
        """Log in, sync the slash commands, connect; return once the gateway is READY."""
        if self._runner is not None and not self._runner.done():
            self._sink = sink
            return
        self._stopping = False
        self._sink = sink
        apply_url_overrides(self.options.api_base_url, self.options.gateway_url)
        while True:
            self._ready.clear()
            downgrades = self.intent_downgrades
            client = self._make_client()
            self.client = client
            try:
                await client.login(self.options.token)
            except discord.LoginFailure:
                await client.close()
                self.client = None
                raise Fatal(
                    "Discord rejected the bot token; check WARMLINE_DISCORD_TOKEN "
                    "(Developer Portal → Bot → Reset Token)"
                ) from None
            except BaseException:
                await client.close()
                self.client = None
                raise
            if self.options.sync_commands and self.intent_downgrades == 0:
                await self._sync_commands(client)
            self._runner = asyncio.create_task(self._run(client), name="discord-gateway")
            ready = asyncio.create_task(self._ready.wait(), name="discord-ready")
            done, _ = await asyncio.wait({self._runner, ready}, return_when=asyncio.FIRST_COMPLETED)
            if ready in done:
                log.info(
                    "discord connected (%d guilds, message content %s)",
                    len(client.guilds),
                    "on" if self.message_content else "off",
                )
                return
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            exc = self._runner.exception()
            if (
                isinstance(exc, discord.PrivilegedIntentsRequired)
                and self.intent_downgrades > downgrades
            ):
                continue  # _run logged how to fix it and switched the intent off: reconnect
            self.client = None
            await client.close()
            if exc is not None:
                raise exc
            raise Transient("the Discord connection closed before READY")

    async def _run(self, client: discord.Client) -> None:
        """Keep the gateway connected; on 4014 reconnect without the message-content intent."""
        while True:
            try:
                await client.connect(reconnect=True)
                return
            except discord.PrivilegedIntentsRequired:
                if not self.message_content or self._stopping:
                    raise
                log.error(PORTAL_HELP)
                self.message_content = False
                self.intent_downgrades += 1
                await client.close()
                if self._ready.is_set():  # lost it later: reconnect here with a new client
                    self._ready.clear()
                    client = self._make_client()
                    self.client = client
                    await client.login(self.options.token)
                    continue
                raise

    async def _sync_commands(self, client: discord.Client) -> None:
        app_id = client.application_id
        if app_id is None:
            return
        try:
            if self.options.dev_guild_id:
                await client.http.bulk_upsert_guild_commands(
                    app_id, int(self.options.dev_guild_id), self.command_payload
                )
                log.info(
                    "synced %d slash commands to development guild %s",
                    len(self.command_payload),
                    self.options.dev_guild_id,
                )
            else:
                await client.http.bulk_upsert_global_commands(app_id, self.command_payload)
                log.info("synced %d global slash commands", len(self.command_payload))
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            # Commands synced by an earlier run keep working; do not refuse to start over it.
            log.warning(
                "could not sync slash commands (%s); using those already registered",
                type(exc).__name__,
            )

    async def stop(self) -> None:
        """Disconnect and cancel every task the adapter owns. Safe to call twice."""
        self._stopping = True
        tasks = list(self._tasks)
        for pending in self._pending.values():
            if pending.timer is not None:
                tasks.append(pending.timer)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._pending.clear()
        client, self.client = self.client, None
        if client is not None:
            await client.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(runner, 10)

    @property
    def owned_tasks(self) -> int:
        """How many tasks the adapter holds (0 after ``stop``)."""
        timers = sum(1 for p in self._pending.values() if p.timer and not p.timer.done())
        runner = 1 if self._runner is not None and not self._runner.done() else 0
        return len(self._tasks) + timers + runner

    # -- inbound ------------------------------------------------------------------------------

    async def _emit(self, event: Event) -> None:
        if self._sink is None:
            return
        self.events_in += 1
        await self._sink(event)

    async def on_message(self, message: discord.Message) -> None:
        client = self.client
        event = message_event(
            message, bot_user_id=client.user.id if client and client.user else None
        )
        if event is not None:
            await self._emit(event)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        kind = interaction.type
        if kind == discord.InteractionType.application_command:
            event = command_event(interaction)
            self._register(interaction, "command")
            await self._emit(event)
        elif kind == discord.InteractionType.autocomplete:
            await self._autocomplete_answer(interaction)
        elif kind == discord.InteractionType.modal_submit:
            form = form_event(interaction)
            if form is not None:
                self._register(interaction, "form")
                await self._emit(form)
        # Components are routed by WarmlineButton (a DynamicItem), which calls on_button.

    async def on_button(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        self._register(interaction, "button")
        await self._emit(button_event(interaction, action, value))

    async def _autocomplete_answer(self, interaction: discord.Interaction[Any]) -> None:
        path = command_path(interaction.data or {})
        kind = self._autocomplete.get((path.name, path.focused or ""))
        choices: list[discord.app_commands.Choice[str]] = []
        if kind == "timezone":
            typed = path.args.get(path.focused or "", "")
            choices = [
                discord.app_commands.Choice(name=z, value=z)
                for z in timezone_suggestions(typed, limit=10)
            ]
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.autocomplete(choices)

    def _register(self, interaction: discord.Interaction[Any], kind: str) -> None:
        now = time.monotonic()
        for key in [k for k, p in self._pending.items() if now - p.created > INTERACTION_TTL]:
            expired = self._pending.pop(key)
            if expired.timer is not None:
                expired.timer.cancel()
        pending = _Pending(interaction=interaction, kind=kind, created=now)
        pending.timer = asyncio.create_task(
            self._ack_later(pending), name=f"discord-ack-{interaction.id}"
        )
        self._pending[str(interaction.id)] = pending

    async def _ack_later(self, pending: _Pending) -> None:
        await asyncio.sleep(self.options.ack_after)
        async with pending.lock:
            response = pending.interaction.response
            if response.is_done():
                return
            try:
                if pending.kind == "button":
                    await response.defer()
                else:
                    await response.defer(ephemeral=True, thinking=True)
                    pending.thinking = True
                log.info(
                    "deferred interaction %s: the core is taking its time", pending.interaction.id
                )
            except discord.HTTPException as exc:
                log.warning(
                    "could not defer interaction %s (%s)", pending.interaction.id, exc.status
                )

    # -- outbound -----------------------------------------------------------------------------

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
        client = self.client
        if client is None or client.is_closed():
            raise Transient("the Discord client is not connected")
        return client

    async def _send(self, action: Action) -> SendResult:
        if isinstance(action, Respond):
            return await self._respond(action)
        if isinstance(action, OpenForm):
            return await self._open_form(action)
        if isinstance(action, SendDirect | SendPrivateNote):
            channel_id = await self._dm_channel(action.user)
            return await self._post(channel_id, action.text, action.buttons)
        if isinstance(action, PostMessage):
            return await self._post(
                int(action.thread or action.channel),
                action.text,
                action.buttons,
                mention=action.mention,
            )
        if isinstance(action, AlertModerators):
            if not action.channel:
                raise Fatal("AlertModerators without a channel: the core must name one on Discord")
            return await self._post(int(action.channel), action.text, action.buttons)
        if isinstance(action, StartThread):
            return await self._start_thread(action)
        raise Fatal(f"the Discord adapter does not know {type(action).__name__}")

    async def _request(self) -> None:
        await self._requests.take(self.clock)

    async def _dm_channel(self, user: str) -> int:
        cached = self._dm_channels.get(user)
        if cached is not None:
            self._dm_channels.move_to_end(user)
            return cached
        client = self._client()
        await self._dm_opens.take(self.clock)
        await self._request()
        channel = await client.create_dm(discord.Object(id=int(user)))
        self._dm_channels[user] = channel.id
        if len(self._dm_channels) > self.options.dm_cache_size:
            self._dm_channels.popitem(last=False)
        return channel.id

    async def _post(
        self,
        channel_id: int,
        text: str,
        buttons: Sequence[Any],
        *,
        mention: str | None = None,
    ) -> SendResult:
        client = self._client()
        allowed = discord.AllowedMentions.none()
        if mention:
            allowed = discord.AllowedMentions(
                everyone=False,
                roles=False,
                replied_user=False,
                users=[discord.Object(id=int(mention))],
            )
            tag = f"<@{mention}>"
            if tag not in text:
                text = f"{tag} {text}"
        view = build_view(buttons)
        channel = client.get_partial_messageable(channel_id)
        pieces = split_text(text, self.capabilities.max_text)
        last: discord.Message | None = None
        for i, piece in enumerate(pieces):
            await self._request()
            kwargs: dict[str, Any] = {"allowed_mentions": allowed}
            if view is not None and i == len(pieces) - 1:
                kwargs["view"] = view
            last = await channel.send(piece, **kwargs)
            allowed = discord.AllowedMentions.none()  # ping once, on the first piece
        assert last is not None
        return SendResult(message_id=str(last.id), channel=str(channel_id))

    async def _start_thread(self, action: StartThread) -> SendResult:
        client = self._client()
        pieces = split_text(action.text, self.capabilities.max_text)
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

    def _pending_for(self, token: str) -> _Pending:
        pending = self._pending.get(token)
        if pending is None or time.monotonic() - pending.created > INTERACTION_TTL:
            raise Fatal("the interaction is unknown or expired (Discord allows 15 minutes)")
        return pending

    async def _respond(self, action: Respond) -> SendResult:
        pending = self._pending_for(action.interaction)
        pieces = split_text(action.text, self.capabilities.max_text)
        view = build_view(action.buttons)
        none = discord.AllowedMentions.none()
        async with pending.lock:
            if pending.timer is not None:
                pending.timer.cancel()
            interaction = pending.interaction
            message_id: str | None = None
            for i, piece in enumerate(pieces):
                kwargs: dict[str, Any] = {"allowed_mentions": none}
                if view is not None and i == len(pieces) - 1:
                    kwargs["view"] = view
                if not interaction.response.is_done():
                    result = await interaction.response.send_message(
                        piece, ephemeral=action.private, **kwargs
                    )
                    if result is not None and result.message_id is not None:
                        message_id = str(result.message_id)
                elif pending.thinking and not pending.original_used:
                    pending.original_used = True
                    msg = await interaction.edit_original_response(content=piece, **kwargs)
                    message_id = str(msg.id)
                else:
                    sent = await interaction.followup.send(
                        piece, ephemeral=action.private, wait=True, **kwargs
                    )
                    message_id = str(sent.id)
        channel = str(interaction.channel_id) if interaction.channel_id is not None else None
        return SendResult(message_id=message_id, channel=channel)

    async def _open_form(self, action: OpenForm) -> SendResult:
        pending = self._pending_for(action.interaction)
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
