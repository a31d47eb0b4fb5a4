"""A faithful local fake of Discord (REST + gateway) for tests and benchmarks.

Why: we test the adapter with the REAL discord.py 2.7.1 end to end, offline. Everything the
library depends on is reproduced (see /work/shared/design/platform-testing.md §1 and §5):
exact ``Content-Type: application/json``, ``resume_gateway_url``, RESUME replay, intents
(close 4014, blanked content), rate-limit headers, 429s with ``Via`` and float ``retry_after``,
and interaction-callback bodies ``{"interaction": ..., "resource": ...}``.

Quick start (a pytest-asyncio test)::

    from tests.fakes.discord_server import FakeDiscord, point_discord_at, running_client

    async with FakeDiscord() as fake:              # 127.0.0.1, port 0
        restore = point_discord_at(fake)           # class attributes: process-global!
        try:
            client = discord.Client(intents=..., guild_ready_timeout=0.1)
            async with running_client(client):     # login, connect, wait for on_ready; close
                await fake.user_message("hello")   # MESSAGE_CREATE from a member
                await fake.wait_until(lambda: fake.messages_sent, what="bot reply")
            assert fake.messages_sent[0].body["content"] == "..."
        finally:
            restore()

The fixtures in ``tests/fakes/conftest.py`` (``fake_discord``, ``fake_discord_factory``,
``make_discord_client``) do exactly this; adapter tests may copy them.

World: by default one guild "Test Guild" (``fake.guild_id``) with one text channel
"general" (``fake.channel_id``) and members alice, bob and the bot (``fake.bot``). Pass
``guilds=`` (GUILD_CREATE payloads from :class:`DiscordPayloads`) for another world; use
``fake.payloads`` to build more payloads with ids from the same snowflake factory
(``fake.payloads.id_on_shard(shard_id, shard_count)`` for a guild on a given shard).

Pushing events (each returns the payload it dispatched):
``user_message``, ``user_dm``, ``slash``, ``autocomplete``, ``press_button``, ``submit_modal``;
or ``dispatch(event_name, data)`` / ``dispatch_many`` for anything else.

What is recorded (lists, in arrival order; ``wait_until(predicate)`` waits on any of them):
``requests`` (every REST call: method, path, route key, body, time.monotonic(), status),
``rate_limited`` (every 429), ``unknown_requests`` (404 for an unknown route),
``internal_errors`` (a handler of the fake crashed: answered 500; always a bug in the fake),
``messages_sent``, ``message_edits``, ``interaction_replies``, ``followups``,
``command_syncs``, ``dm_opens``, ``threads_created``; gateway: ``identifies``, ``resumes``,
``heartbeats``, ``dropped_dispatches``, ``close_codes``.

Waiting: ``wait_until(predicate, within=5.0, what=...)`` (raises AssertionError naming
``what``), ``wait_ready(count)``, ``wait_resumed(count)``. DMs: ``close_dms(user_id)`` makes
sends to that user's DM channel fail with 403 / 50007 (opening the channel still works, as on
Discord); only users the fake knows (members, ``add_user``, authors it has seen) can be DMed.

Gateway control: ``disconnect(code=4000, hold_reconnect=False)`` drops the socket (the client
RESUMEs); with ``hold_reconnect=True`` the client's reconnect waits until
``allow_reconnect()``, so dispatches made meanwhile are queued and replayed on RESUME.
``disconnect(4004)`` (or any code) closes with that code, as Discord does after a token reset;
``refuse_gateway(n)`` answers the next n gateway connections 502, as during an outage.
``start(port)`` listens on a given port (default: one the OS chooses).

Shards: ``GET /gateway/bot`` answers ``shards`` (constructor argument, default 1). Each
IDENTIFY with ``shard: [id, count]`` gets its own session (own ``s`` and RESUME buffer) whose
READY lists only the guilds where ``(guild_id >> 22) % count == id``; an invalid shard closes
4010. Dispatches go to the shard of their guild (DMs to shard 0) unless ``shard_id=`` says
otherwise; ``disconnect(shard_id=...)``; ``shard_sessions()`` and ``shard_of(guild_id)`` tell
which session serves what.

Faithful surprises: GUILD_CREATE lists only the bot as member unless the client asks for
GUILD_PRESENCES (members come via chunking with GUILD_MEMBERS); events of unrequested intents
are dropped; guild content is blanked without MESSAGE_CONTENT; what the bot posts comes back
as its own MESSAGE_CREATE (``echo_bot_messages``); an interaction answered after
``interaction_deadline`` (3 s) or twice is refused (10062 / 40060).

Rate limits: ``RateLimitConfig(enabled=True)`` emulates the global 50/s limit, per-route
buckets and the DM-open budget; ``force_429(route, count, retry_after)`` always works.
Outages: ``force_error(route, status=502, count=1)`` answers the next calls with that status
(a 5xx as Cloudflare's HTML page; discord.py retries 500/502/504/524 itself, after 1, 3, 5 ...
seconds, and raises ``DiscordServerError`` at once for other 5xx).
Route keys are discord.py's: ``"POST /channels/{channel_id}/messages"``.

Layout: ``discord_world`` (what exists), ``discord_records`` (what was seen, waiting),
``discord_ratelimit`` (buckets, 429s, forced errors), ``discord_gateway`` (websocket,
sessions, shards), ``discord_rest`` (REST handlers), ``discord_http`` (the app and the
per-request pipeline), ``discord_members`` (people's actions), ``discord_client`` (pointing
discord.py at the fake). This module composes them and re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar, overload

from aiohttp import web

from tests.fakes.discord_client import discord_pointed_at, point_discord_at, running_client
from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_http import HttpFront
from tests.fakes.discord_members import MemberActions
from tests.fakes.discord_payloads import JSON, DiscordPayloads, SnowflakeFactory
from tests.fakes.discord_protocol import (
    API_PREFIX,
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_PONG,
    CALLBACK_UPDATE_MESSAGE,
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGE_TYPING,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGE_TYPING,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    PRIVILEGED_INTENTS,
    DiscordError,
)
from tests.fakes.discord_ratelimit import (
    DEFAULT_ROUTE_LIMITS,
    UNLIMITED,
    RateLimitConfig,
    RateLimiter,
    RouteLimit,
)
from tests.fakes.discord_records import (
    CommandSync,
    DroppedDispatch,
    Followup,
    InteractionReply,
    MessageEdit,
    RateLimitRecord,
    Records,
    RequestRecord,
    ResumeRecord,
    SentMessage,
    ShardSession,
    ThreadCreated,
)
from tests.fakes.discord_rest import Handler, RestApi
from tests.fakes.discord_world import World, shard_of

__all__ = [
    "API_PREFIX",
    "CALLBACK_AUTOCOMPLETE_RESULT",
    "CALLBACK_DEFERRED_MESSAGE",
    "CALLBACK_DEFERRED_UPDATE",
    "CALLBACK_MESSAGE",
    "CALLBACK_MODAL",
    "CALLBACK_PONG",
    "CALLBACK_UPDATE_MESSAGE",
    "DEFAULT_ROUTE_LIMITS",
    "INTENT_DIRECT_MESSAGES",
    "INTENT_DIRECT_MESSAGE_REACTIONS",
    "INTENT_DIRECT_MESSAGE_TYPING",
    "INTENT_GUILDS",
    "INTENT_GUILD_MEMBERS",
    "INTENT_GUILD_MESSAGES",
    "INTENT_GUILD_MESSAGE_REACTIONS",
    "INTENT_GUILD_MESSAGE_TYPING",
    "INTENT_GUILD_PRESENCES",
    "INTENT_MESSAGE_CONTENT",
    "JSON",
    "MESSAGE_FLAG_EPHEMERAL",
    "MESSAGE_FLAG_LOADING",
    "PRIVILEGED_INTENTS",
    "UNLIMITED",
    "CommandSync",
    "DiscordError",
    "DiscordPayloads",
    "DroppedDispatch",
    "FakeDiscord",
    "Followup",
    "InteractionReply",
    "MessageEdit",
    "RateLimitConfig",
    "RateLimitRecord",
    "RateLimiter",
    "RequestRecord",
    "ResumeRecord",
    "RouteLimit",
    "SentMessage",
    "ShardSession",
    "SnowflakeFactory",
    "ThreadCreated",
    "discord_pointed_at",
    "point_discord_at",
    "running_client",
    "shard_of",
]

T = TypeVar("T")


class _Exposed(Generic[T]):
    """An attribute of one of the fake's parts, read and written as the fake's own.

    Why: the public API (``fake.requests``, ``fake.privileged_intents = 0`` ...) predates the
    split into parts; this keeps every name working, assignment included.
    """

    def __init__(self, part: str) -> None:
        self.part = part
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Exposed[T]: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...
    def __get__(self, obj: object | None, objtype: type | None = None) -> T | _Exposed[T]:
        if obj is None:
            return self
        value: T = getattr(getattr(obj, self.part), self.name)
        return value

    def __set__(self, obj: object, value: T) -> None:
        setattr(getattr(obj, self.part), self.name, value)


class FakeDiscord(MemberActions):
    """Discord REST + gateway on 127.0.0.1 (port 0). See the module docstring."""

    # the world and the application
    payloads: _Exposed[DiscordPayloads] = _Exposed("world")
    bot: _Exposed[JSON] = _Exposed("world")
    application_id: _Exposed[str] = _Exposed("world")
    token: _Exposed[str | None] = _Exposed("world")
    privileged_intents: _Exposed[int] = _Exposed("world")
    users: _Exposed[dict[str, JSON]] = _Exposed("world")
    guilds: _Exposed[dict[str, JSON]] = _Exposed("world")
    channels: _Exposed[dict[str, JSON]] = _Exposed("world")
    dm_channel_by_user: _Exposed[dict[str, str]] = _Exposed("world")
    closed_dms: _Exposed[set[str]] = _Exposed("world")
    messages: _Exposed[dict[str, JSON]] = _Exposed("world")
    # recordings
    requests: _Exposed[list[RequestRecord]] = _Exposed("records")
    rate_limited: _Exposed[list[RateLimitRecord]] = _Exposed("records")
    unknown_requests: _Exposed[list[RequestRecord]] = _Exposed("records")
    internal_errors: _Exposed[list[str]] = _Exposed("records")
    messages_sent: _Exposed[list[SentMessage]] = _Exposed("records")
    message_edits: _Exposed[list[MessageEdit]] = _Exposed("records")
    interaction_replies: _Exposed[list[InteractionReply]] = _Exposed("records")
    followups: _Exposed[list[Followup]] = _Exposed("records")
    command_syncs: _Exposed[list[CommandSync]] = _Exposed("records")
    dm_opens: _Exposed[list[str]] = _Exposed("records")
    threads_created: _Exposed[list[ThreadCreated]] = _Exposed("records")
    identifies: _Exposed[list[JSON]] = _Exposed("records")
    resumes: _Exposed[list[ResumeRecord]] = _Exposed("records")
    heartbeats: _Exposed[int] = _Exposed("records")
    dropped_dispatches: _Exposed[list[DroppedDispatch]] = _Exposed("records")
    close_codes: _Exposed[list[int]] = _Exposed("records")
    ready_count: _Exposed[int] = _Exposed("records")
    # tuning of the parts
    heartbeat_interval_ms: _Exposed[int] = _Exposed("gateway")
    resume_buffer: _Exposed[int] = _Exposed("gateway")
    shards: _Exposed[int] = _Exposed("rest")
    interaction_deadline: _Exposed[float | None] = _Exposed("rest")
    echo_bot_messages: _Exposed[bool] = _Exposed("rest")

    def __init__(
        self,
        *,
        payloads: DiscordPayloads | None = None,
        bot: JSON | None = None,
        guilds: Sequence[JSON] | None = None,
        users: Iterable[JSON] = (),
        token: str | None = None,
        privileged_intents: int = PRIVILEGED_INTENTS,
        heartbeat_interval_ms: int = 1000,
        shards: int = 1,
        rate_limits: RateLimitConfig | None = None,
        interaction_deadline: float | None = 3.0,
        echo_bot_messages: bool = True,
        resume_buffer: int = 100_000,
    ) -> None:
        """
        ``token``: when set, REST calls must carry ``Bot <token>`` (else 401) and IDENTIFY must
        carry it (else close 4004); None accepts any token.
        ``privileged_intents``: what the application is granted in the developer portal.
        ``shards``: what ``GET /gateway/bot`` recommends.
        ``interaction_deadline``: seconds after dispatch within which the callback must come
        (Discord: 3 s), else 404 "Unknown interaction"; None disables the check.
        ``echo_bot_messages``: dispatch MESSAGE_CREATE / MESSAGE_UPDATE for what the bot posts,
        as Discord does (so the bot must ignore its own messages).
        """
        self.world = World(
            payloads=payloads,
            bot=bot,
            guilds=guilds,
            users=users,
            token=token,
            privileged_intents=privileged_intents,
        )
        self.records = Records()
        self.limiter = RateLimiter(rate_limits or RateLimitConfig())
        self.gateway = Gateway(
            self.world,
            self.records,
            url=lambda: self.gateway_url,
            heartbeat_interval_ms=heartbeat_interval_ms,
            resume_buffer=resume_buffer,
        )
        self.rest = RestApi(
            self.world,
            self.records,
            self.limiter,
            self.gateway,
            api_base=lambda: self.api_base,
            gateway_url=lambda: self.gateway_url,
            shards=shards,
            interaction_deadline=interaction_deadline,
            echo_bot_messages=echo_bot_messages,
        )
        self.front = HttpFront(self.world, self.records, self.limiter, self.rest, self.gateway)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1: ``port`` 0 lets the OS choose; a given port lets a test start
        the bot first, pointed at a Discord that is not listening yet."""
        self._runner = web.AppRunner(self.front.build_app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.records.cancel_waiters()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gw"

    def add_control_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve an extra (non-Discord) route, e.g. benchmark control; path must start with
        ``/control/`` so it is neither rate limited nor recorded. Call before ``start()``."""
        self.front.add_control_route(method, path, handler)

    # ------------------------------------------------------------------ world
    def add_user(self, user: JSON) -> JSON:
        return self.world.add_user(user)

    def add_guild(self, guild: JSON) -> JSON:
        """Register a GUILD_CREATE payload; the bot is added as a member if missing.
        Guilds added after a shard's IDENTIFY are not in that shard's READY."""
        return self.world.add_guild(guild)

    @property
    def guild(self) -> JSON:
        return self.world.guild

    @property
    def guild_id(self) -> str:
        return self.world.guild_id

    @property
    def channel_id(self) -> str:
        """The first text channel of the first guild."""
        return self.world.channel_id

    def user(self, username: str) -> JSON:
        return self.world.user(username)

    def close_dms(self, user_id: str) -> None:
        """The user refuses DMs: sending to their DM channel answers 403 / 50007."""
        self.world.close_dms(user_id)

    def open_dms(self, user_id: str) -> None:
        self.world.open_dms(user_id)

    def privileged_intents_flags(self) -> int:
        """Application flags announcing the granted privileged intents (GATEWAY_*_LIMITED)."""
        return self.world.privileged_intents_flags()

    def reply_to(self, interaction_id: str) -> InteractionReply | None:
        """The callback the bot made for an interaction, if any."""
        return self.records.reply_to(interaction_id)

    # ------------------------------------------------------------------ failures on demand
    def force_429(
        self, route: str, count: int = 1, *, retry_after: float = 0.2, is_global: bool = False
    ) -> None:
        """The next ``count`` requests to ``route`` (discord.py key) answer 429."""
        self.limiter.force(route, count, retry_after, is_global)

    def force_error(
        self,
        route: str,
        status: int = 502,
        count: int = 1,
        *,
        code: int = 0,
        message: str | None = None,
    ) -> None:
        """The next ``count`` requests to ``route`` answer ``status`` instead of being handled
        (after auth and 429s; no bucket is used). A 5xx without ``message`` is Cloudflare's
        HTML page, as on a real outage; otherwise a Discord JSON error with ``code``."""
        self.front.errors.add(route, status, count, code, message)

    # ------------------------------------------------------------------ waiting
    async def wait_until(
        self,
        predicate: Callable[[], object],
        *,
        within: float = 5.0,
        what: str = "",
        recheck: float = 0.05,
    ) -> None:
        """Wait until ``predicate()`` is truthy, at most ``within`` seconds.

        Re-checked at once on every request or gateway step, and every ``recheck`` seconds
        besides, so a predicate may also look at client-side state (``client.is_ready()``).
        """
        await self.records.wait_until(predicate, within=within, what=what, recheck=recheck)

    async def wait_ready(self, count: int = 1, *, within: float = 5.0) -> None:
        """Wait until READY (+ every GUILD_CREATE) has been sent ``count`` times in total."""
        await self.records.wait_ready(count, within=within)

    async def wait_resumed(self, count: int = 1, *, within: float = 5.0) -> None:
        await self.records.wait_resumed(count, within=within)

    # ------------------------------------------------------------------ gateway
    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> int | None:
        """Send an op-0 dispatch with the next ``s`` of the guild's shard (or ``shard_id``);
        returns it, or None if intents drop it.

        While the client is disconnected the dispatch is only queued: RESUME replays it.
        """
        return await self.gateway.dispatch(event, data, shard_id=shard_id)

    async def dispatch_many(
        self, events: Sequence[tuple[str, JSON]], *, shard_id: int | None = None
    ) -> int:
        """Build every frame first, then write them back to back (for throughput runs)."""
        return await self.gateway.dispatch_many(events, shard_id=shard_id)

    async def disconnect(
        self, code: int = 4000, *, shard_id: int = 0, hold_reconnect: bool = False
    ) -> None:
        """Drop the gateway socket. 4000 is resumable; discord.py reconnects and RESUMEs."""
        await self.gateway.disconnect(code, shard_id=shard_id, hold_reconnect=hold_reconnect)

    def refuse_gateway(self, count: int = 1) -> None:
        """The next ``count`` gateway connections answer 502 (an outage at Discord's edge)."""
        self.gateway.refuse_upgrades = count

    def allow_reconnect(self) -> None:
        self.gateway.reconnect_gate.set()

    @property
    def connected(self) -> bool:
        return self.gateway.connected

    def shard_sessions(self) -> dict[int, ShardSession]:
        """The current session of every shard that has IDENTIFYed, by shard id."""
        return self.gateway.shard_sessions()

    def shard_of(self, guild_id: str | int) -> int:
        """The shard that receives a guild's events (by the latest IDENTIFY's shard count,
        before any IDENTIFY by ``shards``)."""
        return shard_of(guild_id, self.gateway.shard_count or self.shards)

    # ------------------------------------------------------------------ stats
    def stats(self) -> JSON:
        """Summary for benchmarks: counts per route and status, 429s, request rate."""
        return self.records.stats(connected=self.connected)
