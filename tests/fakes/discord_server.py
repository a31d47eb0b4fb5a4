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
``fake.payloads`` to build more payloads with ids from the same snowflake factory.

Pushing events (each returns the payload it dispatched):
``user_message``, ``user_dm``, ``slash``, ``autocomplete``, ``press_button``, ``submit_modal``;
or ``dispatch(event_name, data)`` / ``dispatch_many`` for anything else.

What is recorded (lists, in arrival order; ``wait_until(predicate)`` waits on any of them):
``requests`` (every REST call: method, path, route key, body, time.monotonic(), status),
``rate_limited`` (every 429), ``unknown_requests`` (404 for an unknown route),
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

Faithful surprises: GUILD_CREATE lists only the bot as member unless the client asks for
GUILD_PRESENCES (members come via chunking with GUILD_MEMBERS); events of unrequested intents
are dropped; guild content is blanked without MESSAGE_CONTENT; what the bot posts comes back
as its own MESSAGE_CREATE (``echo_bot_messages``); an interaction answered after
``interaction_deadline`` (3 s) or twice is refused (10062 / 40060).

Rate limits: ``RateLimitConfig(enabled=True)`` emulates the global 50/s limit, per-route
buckets and the DM-open budget; ``force_429(route, count, retry_after)`` always works.
Route keys are discord.py's: ``"POST /channels/{channel_id}/messages"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import aiohttp
import yarl
from aiohttp import web

from tests.fakes.discord_payloads import (
    CHANNEL_DM,
    CHANNEL_GUILD_TEXT,
    CHANNEL_PRIVATE_THREAD,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    DiscordPayloads,
    SnowflakeFactory,
)

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"

# Gateway intents (Discord "Gateway Intents").
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_GUILD_MESSAGE_TYPING = 1 << 11
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_DIRECT_MESSAGE_TYPING = 1 << 14
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Interaction callback types.
CALLBACK_PONG = 1
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

_ALLOWED_CALLBACKS: Mapping[int, frozenset[int]] = MappingProxyType(
    {
        INTERACTION_APPLICATION_COMMAND: frozenset({4, 5, 9}),
        INTERACTION_MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9}),
        INTERACTION_AUTOCOMPLETE: frozenset({8}),
        INTERACTION_MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
    }
)


# ---------------------------------------------------------------------------- config & records
@dataclass(frozen=True, slots=True)
class RouteLimit:
    """``limit`` requests per fixed window of ``period`` seconds."""

    limit: int
    period: float


#: What the fake reports (and never enforces) while emulation is off: huge, so discord.py
#: sends concurrently instead of serialising each bucket (it assumes limit=1 without headers).
UNLIMITED = RouteLimit(10_000, 1.0)

DEFAULT_ROUTE_LIMITS: Mapping[str, RouteLimit] = MappingProxyType(
    {
        # The historical launch figure (platform-testing.md §5); real values are dynamic.
        "POST /channels/{channel_id}/messages": RouteLimit(5, 5.0),
        "PATCH /channels/{channel_id}/messages/{message_id}": RouteLimit(5, 5.0),
    }
)


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Rate-limit emulation. Off by default; headers are sent on every response either way.

    Global: ``global_limit`` per sliding ``global_period`` for authenticated routes (interaction
    callbacks and webhooks are exempt, as on Discord). Per route: ``routes[route key]`` or
    ``default_route``, counted per major parameter (channel / guild / webhook). DM opens:
    ``dm_opens`` per window, beyond it 403 code 40003.
    """

    enabled: bool = False
    global_limit: int = 50
    global_period: float = 1.0
    routes: Mapping[str, RouteLimit] = field(default_factory=lambda: DEFAULT_ROUTE_LIMITS)
    default_route: RouteLimit = RouteLimit(50, 1.0)
    dm_opens: RouteLimit | None = RouteLimit(10, 10.0)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    path: str  # without the /api/v10 prefix
    route: str  # discord.py route key, e.g. "POST /channels/{channel_id}/messages"; or "UNKNOWN"
    query: Mapping[str, str]
    body: Any  # parsed JSON (or payload_json of a multipart body), None when absent
    at: float  # time.monotonic() on arrival
    status: int
    error_code: int | None = None  # Discord JSON error code, when the answer was an error


@dataclass(frozen=True, slots=True)
class RateLimitRecord:
    route: str
    path: str
    at: float
    retry_after: float
    is_global: bool
    forced: bool


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot posted with ``POST /channels/{id}/messages``."""

    channel_id: str
    body: JSON  # what discord.py sent: content, components, allowed_mentions, embeds, flags ...
    message: JSON  # what the fake answered
    dm_user_id: str | None  # the recipient when the channel is a DM
    at: float


@dataclass(frozen=True, slots=True)
class MessageEdit:
    kind: str  # "channel" | "original" | "followup"
    message_id: str
    body: JSON
    at: float


@dataclass(frozen=True, slots=True)
class InteractionReply:
    """An interaction callback: ``type`` 4 message, 5 deferred, 6 deferred update,
    7 update message, 8 autocomplete result, 9 modal."""

    interaction_id: str
    interaction_type: int
    type: int
    data: JSON | None
    at: float
    elapsed: float  # seconds since the INTERACTION_CREATE dispatch

    @property
    def ephemeral(self) -> bool:
        return bool(((self.data or {}).get("flags") or 0) & MESSAGE_FLAG_EPHEMERAL)


@dataclass(frozen=True, slots=True)
class Followup:
    interaction_id: str
    body: JSON
    message: JSON
    at: float


@dataclass(frozen=True, slots=True)
class CommandSync:
    guild_id: str | None  # None: global commands
    commands: list[JSON]  # what the fake answered (with ids)
    at: float


@dataclass(frozen=True, slots=True)
class ThreadCreated:
    parent_id: str
    message_id: str | None  # the message the thread was started from, if any
    body: JSON
    thread: JSON
    at: float


@dataclass(frozen=True, slots=True)
class ResumeRecord:
    session_id: str
    client_seq: int | None
    replayed: int  # dispatches re-sent because the client had missed them


@dataclass(frozen=True, slots=True)
class DroppedDispatch:
    event: str
    reason: str


class DiscordError(Exception):
    """Raised inside a handler to answer with a Discord JSON error."""

    def __init__(self, status: int, message: str, code: int) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _json_response(
    status: int, payload: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    """discord.py compares ``Content-Type`` for *equality*; never use ``web.json_response``."""
    hdrs = {"Content-Type": "application/json"}
    if headers:
        hdrs.update(headers)
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=hdrs)


def _error(status: int, message: str, code: int) -> web.Response:
    return _json_response(status, {"message": message, "code": code})


# ---------------------------------------------------------------------------- rate limiting
@dataclass(slots=True)
class _Bucket:
    limit: int
    period: float
    count: int = 0
    window_start: float = 0.0

    def roll(self, now: float) -> None:
        if self.count and now >= self.window_start + self.period:
            self.count = 0
        if self.count == 0:
            self.window_start = now

    def reset_after(self, now: float) -> float:
        return max(0.0, self.window_start + self.period - now)


class RateLimiter:
    """Discord-like accounting: global sliding window, per-route fixed windows, forced 429s."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._buckets: dict[str, _Bucket] = {}
        self._global: deque[float] = deque()
        self._dm_opens: deque[float] = deque()
        self._forced: dict[str, deque[tuple[float, bool]]] = defaultdict(deque)

    def force(self, route: str, count: int, retry_after: float, is_global: bool) -> None:
        for _ in range(count):
            self._forced[route].append((retry_after, is_global))

    def take_forced(self, route: str) -> tuple[float, bool] | None:
        queue = self._forced.get(route)
        return queue.popleft() if queue else None

    def route_limit(self, route: str) -> RouteLimit:
        if not self.config.enabled:
            return UNLIMITED
        return self.config.routes.get(route, self.config.default_route)

    def bucket(self, route: str, major: str, now: float) -> _Bucket:
        key = f"{route}:{major}"
        b = self._buckets.get(key)
        if b is None:
            rl = self.route_limit(route)
            b = self._buckets[key] = _Bucket(rl.limit, rl.period)
        b.roll(now)
        return b

    def global_retry_after(self, now: float) -> float | None:
        """Seconds to wait when the global window is full, else None (and the slot is taken)."""
        cfg = self.config
        window = self._global
        while window and window[0] <= now - cfg.global_period:
            window.popleft()
        if len(window) >= cfg.global_limit:
            return window[0] + cfg.global_period - now
        window.append(now)
        return None

    def dm_open_allowed(self, now: float) -> bool:
        rl = self.config.dm_opens
        if not self.config.enabled or rl is None:
            return True
        while self._dm_opens and self._dm_opens[0] <= now - rl.period:
            self._dm_opens.popleft()
        if len(self._dm_opens) >= rl.limit:
            return False
        self._dm_opens.append(now)
        return True

    @staticmethod
    def bucket_hash(route: str) -> str:
        return hashlib.sha1(route.encode()).hexdigest()[:16]

    def headers(self, route: str, bucket: _Bucket, now: float) -> dict[str, str]:
        # Ceil to the millisecond: a Reset-After rounded down would let the client come back
        # a hair early and collect a 429 it did nothing to deserve.
        reset_after = -(-bucket.reset_after(now) * 1000 // 1) / 1000
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.limit - bucket.count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket_hash(route),
        }


# ---------------------------------------------------------------------------- gateway session
@dataclass(slots=True)
class _Session:
    session_id: str
    shard: tuple[int, int]
    intents: int
    history: deque[tuple[int, str]]  # (seq, frame text) for RESUME replay
    sent_shard: bool
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(slots=True)
class _Interaction:
    payload: JSON
    dispatched_at: float
    reply_type: int | None = None
    original_message_id: str | None = None


_MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_id", "webhook_token")
_EXEMPT_FROM_GLOBAL = ("/interactions/", "/webhooks/")


# ---------------------------------------------------------------------------- the fake
class FakeDiscord:
    """Discord REST + gateway on 127.0.0.1 (port 0). See the module docstring."""

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
        ``interaction_deadline``: seconds after dispatch within which the callback must come
        (Discord: 3 s), else 404 "Unknown interaction"; None disables the check.
        ``echo_bot_messages``: dispatch MESSAGE_CREATE / MESSAGE_UPDATE for what the bot posts,
        as Discord does (so the bot must ignore its own messages).
        """
        self.payloads = payloads or DiscordPayloads()
        p = self.payloads
        self.bot: JSON = bot or p.user("warmline", bot=True)
        self.application_id: str = self.bot["id"]
        self.token = token
        self.privileged_intents = privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.shards = shards
        self.limiter = RateLimiter(rate_limits or RateLimitConfig())
        self.interaction_deadline = interaction_deadline
        self.echo_bot_messages = echo_bot_messages
        self.resume_buffer = resume_buffer

        self.users: dict[str, JSON] = {self.bot["id"]: self.bot}
        if guilds is None:
            alice, bob = p.user("alice"), p.user("bob")
            guilds = [
                p.guild(
                    name="Test Guild",
                    owner=alice,
                    members=[p.member(alice), p.member(bob), p.member(self.bot)],
                )
            ]
        self.guilds: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}
        for g in guilds:
            self.add_guild(g)
        for u in users:
            self.add_user(u)
        self.dm_channel_by_user: dict[str, str] = {}
        self.closed_dms: set[str] = set()
        self.messages: dict[str, JSON] = {}
        self._interactions: dict[str, _Interaction] = {}
        self._interaction_by_token: dict[str, str] = {}
        self._command_ids: dict[tuple[str | None, str, int], str] = {}

        # recordings
        self.requests: list[RequestRecord] = []
        self.rate_limited: list[RateLimitRecord] = []
        self.unknown_requests: list[RequestRecord] = []
        self.messages_sent: list[SentMessage] = []
        self.message_edits: list[MessageEdit] = []
        self.interaction_replies: list[InteractionReply] = []
        self.followups: list[Followup] = []
        self.command_syncs: list[CommandSync] = []
        self.dm_opens: list[str] = []
        self.threads_created: list[ThreadCreated] = []
        self.identifies: list[JSON] = []
        self.resumes: list[ResumeRecord] = []
        self.heartbeats = 0
        self.dropped_dispatches: list[DroppedDispatch] = []
        self.close_codes: list[int] = []
        self.ready_count = 0

        self._sessions: dict[str, _Session] = {}
        self._by_shard: dict[int, _Session] = {}
        self._session_ids = iter(range(1, 1 << 30))
        self._sockets: set[web.WebSocketResponse] = set()
        self._reconnect_gate = asyncio.Event()
        self._reconnect_gate.set()
        self._waiters: list[tuple[Callable[[], object], asyncio.Future[None]]] = []
        self._runner: web.AppRunner | None = None
        self._extra_routes: list[
            tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]
        ] = []
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        self._reconnect_gate.set()
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for _, fut in self._waiters:
            if not fut.done():
                fut.cancel()

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

    # ------------------------------------------------------------------ world
    def add_user(self, user: JSON) -> JSON:
        self.users[user["id"]] = user
        return user

    def add_guild(self, guild: JSON) -> JSON:
        """Register a GUILD_CREATE payload; the bot is added as a member if missing."""
        if not any(m["user"]["id"] == self.bot["id"] for m in guild["members"]):
            guild["members"].append(self.payloads.member(self.bot))
            guild["member_count"] = len(guild["members"])
        self.guilds[guild["id"]] = guild
        for m in guild["members"]:
            self.add_user(m["user"])
        for c in guild["channels"]:
            self.channels[c["id"]] = {**c, "guild_id": guild["id"]}
        return guild

    @property
    def guild(self) -> JSON:
        return next(iter(self.guilds.values()))

    @property
    def guild_id(self) -> str:
        return str(self.guild["id"])

    @property
    def channel_id(self) -> str:
        """The first text channel of the first guild."""
        return str(next(c["id"] for c in self.guild["channels"] if c["type"] == CHANNEL_GUILD_TEXT))

    def user(self, username: str) -> JSON:
        for u in self.users.values():
            if u["username"] == username:
                return u
        raise KeyError(username)

    def _default_user(self) -> JSON:
        for m in self.guild["members"]:
            if not m["user"].get("bot"):
                return dict(m["user"])
        raise LookupError("the first guild has no human member")

    def close_dms(self, user_id: str) -> None:
        """The user refuses DMs: sending to their DM channel answers 403 / 50007."""
        self.closed_dms.add(user_id)

    def open_dms(self, user_id: str) -> None:
        self.closed_dms.discard(user_id)

    def _ensure_dm_channel(self, user: JSON) -> JSON:
        cid = self.dm_channel_by_user.get(user["id"])
        if cid is None:
            chan = self.payloads.dm_channel(user)
            cid = chan["id"]
            self.channels[cid] = chan
            self.dm_channel_by_user[user["id"]] = cid
        return self.channels[cid]

    def reply_to(self, interaction_id: str) -> InteractionReply | None:
        """The callback the bot made for an interaction, if any."""
        for r in self.interaction_replies:
            if r.interaction_id == interaction_id:
                return r
        return None

    def force_429(
        self, route: str, count: int = 1, *, retry_after: float = 0.2, is_global: bool = False
    ) -> None:
        """The next ``count`` requests to ``route`` (discord.py key) answer 429."""
        self.limiter.force(route, count, retry_after, is_global)

    # ------------------------------------------------------------------ waiting
    def _changed(self) -> None:
        for pred, fut in list(self._waiters):
            if fut.done():
                continue
            try:
                if pred():
                    fut.set_result(None)
            except Exception as exc:  # surface a broken predicate to the waiting test
                fut.set_exception(exc)

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
        if predicate():
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        fut: asyncio.Future[None] = loop.create_future()
        entry = (predicate, fut)
        self._waiters.append(entry)
        try:
            while True:
                left = deadline - loop.time()
                if left <= 0:
                    msg = f"timed out after {within}s waiting for {what or predicate}"
                    raise AssertionError(msg)
                done, _ = await asyncio.wait({fut}, timeout=min(left, recheck))
                if done:
                    fut.result()
                    return
                if predicate():
                    return
        finally:
            self._waiters.remove(entry)
            if not fut.done():
                fut.cancel()

    async def wait_ready(self, count: int = 1, *, within: float = 5.0) -> None:
        """Wait until READY (+ every GUILD_CREATE) has been sent ``count`` times in total."""
        await self.wait_until(lambda: self.ready_count >= count, within=within, what="READY")

    async def wait_resumed(self, count: int = 1, *, within: float = 5.0) -> None:
        await self.wait_until(lambda: len(self.resumes) >= count, within=within, what="RESUME")

    # ------------------------------------------------------------------ gateway: public API
    def _session_for(self, data: JSON, shard_id: int | None) -> _Session:
        if not self._by_shard:
            raise RuntimeError("no gateway session yet: await fake.wait_ready() first")
        if shard_id is None:
            count = next(iter(self._by_shard.values())).shard[1]
            gid = data.get("guild_id") if isinstance(data, dict) else None
            shard_id = (int(gid) >> 22) % count if gid else 0
        return self._by_shard[shard_id]

    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> int | None:
        """Send an op-0 dispatch with the next ``s``; returns it, or None if intents drop it.

        While the client is disconnected the dispatch is only queued: RESUME replays it.
        """
        session = self._session_for(data, shard_id)
        self._observe(event, data)
        async with session.lock:
            frame = self._frame(session, event, data)
            if frame is None:
                return None
            seq, text = frame
            if session.ws is not None and not session.ws.closed:
                with contextlib.suppress(ConnectionError):
                    await session.ws.send_str(text)
        self._changed()
        return seq

    async def dispatch_many(
        self, events: Sequence[tuple[str, JSON]], *, shard_id: int | None = None
    ) -> int:
        """Build every frame first, then write them back to back (for throughput runs)."""
        if not events:
            return 0
        session = self._session_for(events[0][1], shard_id)
        for event, data in events:
            self._observe(event, data)
        async with session.lock:
            texts = [f[1] for e, d in events if (f := self._frame(session, e, d)) is not None]
            ws = session.ws
            if ws is not None:
                with contextlib.suppress(ConnectionError):
                    for text in texts:
                        await ws.send_str(text)
        self._changed()
        return len(texts)

    async def disconnect(
        self, code: int = 4000, *, shard_id: int = 0, hold_reconnect: bool = False
    ) -> None:
        """Drop the gateway socket. 4000 is resumable; discord.py reconnects and RESUMEs."""
        session = self._by_shard.get(shard_id)
        if session is None or session.ws is None:
            raise RuntimeError("no connected gateway session")
        if hold_reconnect:
            self._reconnect_gate.clear()
        async with session.lock:
            ws, session.ws = session.ws, None
            self.close_codes.append(code)
            await ws.close(code=code)
        self._changed()

    def allow_reconnect(self) -> None:
        self._reconnect_gate.set()

    @property
    def connected(self) -> bool:
        return any(s.ws is not None and not s.ws.closed for s in self._by_shard.values())

    # ------------------------------------------------------------------ high-level helpers
    async def user_message(
        self,
        content: str,
        *,
        author: JSON | None = None,
        channel_id: str | None = None,
        mention_bot: bool = False,
        components: Sequence[JSON] = (),
    ) -> JSON:
        """A member posts in a guild channel (MESSAGE_CREATE)."""
        author = author or self._default_user()
        cid = channel_id or self.channel_id
        gid = self.channels[cid]["guild_id"]
        if mention_bot:
            content = f"<@{self.bot['id']}> {content}"
        msg = self.payloads.message(
            channel_id=cid,
            author=author,
            content=content,
            guild_id=gid,
            mentions=[self.bot] if mention_bot else (),
            components=components,
        )
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def user_dm(self, content: str, *, author: JSON | None = None) -> JSON:
        """A user writes to the bot in a DM (MESSAGE_CREATE without guild_id)."""
        author = author or self._default_user()
        chan = self._ensure_dm_channel(author)
        msg = self.payloads.message(channel_id=chan["id"], author=author, content=content)
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    def _where(
        self, user: JSON | None, channel_id: str | None, dm: bool
    ) -> tuple[JSON, str, str | None]:
        user = user or self._default_user()
        if dm:
            return user, self._ensure_dm_channel(user)["id"], None
        cid = channel_id or self.channel_id
        return user, cid, self.channels[cid].get("guild_id")

    async def slash(
        self,
        name: str,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        options: Sequence[JSON] = (),
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
        command_guild_id: str | None = None,
    ) -> JSON:
        """A user runs ``/name [group] [subcommand] options...`` (INTERACTION_CREATE type 2)."""
        u, cid, gid = self._where(user, channel_id, dm)
        payload = self.payloads.slash_command(
            name,
            user=u,
            application_id=self.application_id,
            channel_id=cid,
            guild_id=gid,
            options=options,
            subcommand=subcommand,
            subcommand_group=group,
            command_guild_id=command_guild_id,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def autocomplete(
        self,
        name: str,
        *,
        focused: str,
        value: str,
        subcommand: str | None = None,
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
    ) -> JSON:
        u, cid, gid = self._where(user, channel_id, dm)
        payload = self.payloads.autocomplete(
            name,
            user=u,
            application_id=self.application_id,
            channel_id=cid,
            guild_id=gid,
            focused=focused,
            value=value,
            subcommand=subcommand,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def press_button(
        self,
        custom_id: str,
        *,
        message: JSON | None = None,
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
    ) -> JSON:
        """A user presses a button (INTERACTION_CREATE type 3).

        ``message`` is the message carrying the button (e.g. ``fake.messages_sent[-1].message``);
        by default a bot message with just that button is made up in the channel.
        """
        u, cid, gid = self._where(user, channel_id, dm)
        if message is None:
            p = self.payloads
            message = p.message(
                channel_id=cid,
                author=self.bot,
                content="",
                guild_id=gid,
                components=[p.action_row(p.button(custom_id))],
                application_id=self.application_id,
            )
            self.messages[message["id"]] = message
        payload = self.payloads.component_interaction(
            custom_id, message=message, user=u, application_id=self.application_id
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
    ) -> JSON:
        """A user submits a modal (INTERACTION_CREATE type 5) with text inputs ``values``."""
        u, cid, gid = self._where(user, channel_id, dm)
        payload = self.payloads.modal_submit(
            custom_id,
            values,
            user=u,
            application_id=self.application_id,
            channel_id=cid,
            guild_id=gid,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    # ------------------------------------------------------------------ gateway internals
    def _observe(self, event: str, data: JSON) -> None:
        """Learn what an event implies about the world (users exist, messages exist ...)."""
        if event == "MESSAGE_CREATE":
            self.messages[data["id"]] = data
            self.users.setdefault(data["author"]["id"], data["author"])
        elif event == "INTERACTION_CREATE":
            self._interactions[data["id"]] = _Interaction(data, time.monotonic())
            self._interaction_by_token[data["token"]] = data["id"]
            who = data.get("member", {}).get("user") or data.get("user")
            if who:
                self.users.setdefault(who["id"], who)
            if "message" in data:
                self.messages.setdefault(data["message"]["id"], data["message"])

    def _drop_reason(self, session: _Session, event: str, data: JSON) -> str | None:
        in_guild = isinstance(data, dict) and "guild_id" in data
        need = 0
        if event.startswith("MESSAGE_REACTION"):
            need = INTENT_GUILD_MESSAGE_REACTIONS if in_guild else INTENT_DIRECT_MESSAGE_REACTIONS
        elif event.startswith("MESSAGE_") or event == "CHANNEL_PINS_UPDATE":
            need = INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES
        elif event == "TYPING_START":
            need = INTENT_GUILD_MESSAGE_TYPING if in_guild else INTENT_DIRECT_MESSAGE_TYPING
        elif event.startswith("GUILD_MEMBER_") and event != "GUILD_MEMBERS_CHUNK":
            need = INTENT_GUILD_MEMBERS
        elif event == "PRESENCE_UPDATE":
            need = INTENT_GUILD_PRESENCES
        elif event.startswith(("THREAD_", "CHANNEL_", "GUILD_ROLE_")):
            need = INTENT_GUILDS
        if need and not session.intents & need:
            return f"intent {need} not requested"
        return None

    def _shape(self, session: _Session, event: str, data: JSON) -> JSON:
        """Blank message content without MESSAGE_CONTENT, as Discord does for guild messages
        that neither come from the bot nor mention it."""
        if (
            event in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            and "guild_id" in data
            and not session.intents & INTENT_MESSAGE_CONTENT
            and data.get("author", {}).get("id") != self.bot["id"]
            and not any(m.get("id") == self.bot["id"] for m in data.get("mentions", []))
        ):
            return {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        return data

    def _frame(self, session: _Session, event: str, data: JSON) -> tuple[int, str] | None:
        reason = self._drop_reason(session, event, data)
        if reason is not None:
            self.dropped_dispatches.append(DroppedDispatch(event, reason))
            return None
        session.seq += 1
        text = json.dumps(
            {"op": 0, "t": event, "s": session.seq, "d": self._shape(session, event, data)},
            separators=(",", ":"),
        )
        session.history.append((session.seq, text))
        return session.seq, text

    async def _send_op(self, ws: web.WebSocketResponse, op: int, d: Any) -> None:
        await ws.send_str(
            json.dumps({"op": op, "d": d, "s": None, "t": None}, separators=(",", ":"))
        )

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        await self._reconnect_gate.wait()
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: _Session | None = None
        try:
            # Compression is ignored on purpose: discord.py parses TEXT frames as plain JSON.
            await self._send_op(ws, 10, {"heartbeat_interval": self.heartbeat_interval_ms})
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op, d = payload.get("op"), payload.get("d")
                if op == 1:
                    self.heartbeats += 1
                    await self._send_op(ws, 11, None)
                elif op == 2:
                    session = await self._identify(ws, d)
                    if session is None:
                        break
                elif op == 6:
                    session = await self._resume(ws, d)
                    if session is None:
                        break
                elif op == 8:
                    if session is None:
                        await self._close(ws, 4003)
                        break
                    await self._request_members(session, d)
                elif op in (3, 4):
                    pass  # presence / voice state updates: accepted, nothing to do
                else:
                    await self._close(ws, 4001)
                    break
                self._changed()
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            self._changed()
        return ws

    async def _close(self, ws: web.WebSocketResponse, code: int) -> None:
        self.close_codes.append(code)
        await ws.close(code=code)

    async def _identify(self, ws: web.WebSocketResponse, d: JSON) -> _Session | None:
        self.identifies.append({k: v for k, v in d.items() if k != "token"})
        if self.token is not None and d.get("token") != self.token:
            await self._close(ws, 4004)  # Authentication failed
            return None
        intents = int(d.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await self._close(ws, 4014)  # Disallowed intent(s)
            return None
        shard_raw = d.get("shard")
        shard = (int(shard_raw[0]), int(shard_raw[1])) if shard_raw else (0, 1)
        session = _Session(
            session_id=f"fake-session-{next(self._session_ids)}",
            shard=shard,
            intents=intents,
            history=deque(maxlen=self.resume_buffer),
            sent_shard=shard_raw is not None,
        )
        self._sessions[session.session_id] = session
        old = self._by_shard.get(shard[0])
        if old is not None and old.ws is not None and old.ws is not ws:
            await old.ws.close(code=4000)
        self._by_shard[shard[0]] = session
        guilds = [g for gid, g in self.guilds.items() if (int(gid) >> 22) % shard[1] == shard[0]]
        ready: JSON = {
            "v": 10,
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "user": {**self.bot, "verified": True, "mfa_enabled": False, "flags": 0},
            "application": {"id": self.application_id, "flags": self.privileged_intents_flags()},
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
        }
        if session.sent_shard:
            ready["shard"] = list(shard)
        async with session.lock:
            session.ws = ws
            for event, data in [("READY", ready)] + [
                ("GUILD_CREATE", self._guild_create(g, intents)) for g in guilds
            ]:
                frame = self._frame(session, event, data)
                assert frame is not None
                await ws.send_str(frame[1])
        self.ready_count += 1
        return session

    def privileged_intents_flags(self) -> int:
        """Application flags announcing the granted privileged intents (GATEWAY_*_LIMITED)."""
        flags = 0
        if self.privileged_intents & INTENT_GUILD_PRESENCES:
            flags |= 1 << 13
        if self.privileged_intents & INTENT_GUILD_MEMBERS:
            flags |= 1 << 15
        if self.privileged_intents & INTENT_MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags

    def _guild_create(self, guild: JSON, intents: int) -> JSON:
        """Without GUILD_PRESENCES Discord sends only the bot (and voice users) in ``members``."""
        if intents & INTENT_GUILD_PRESENCES:
            return guild
        return {
            **guild,
            "members": [m for m in guild["members"] if m["user"]["id"] == self.bot["id"]],
        }

    async def _resume(self, ws: web.WebSocketResponse, d: JSON) -> _Session | None:
        session = self._sessions.get(d.get("session_id", ""))
        client_seq = d.get("seq")
        if session is None or (self.token is not None and d.get("token") != self.token):
            await self._send_op(ws, 9, False)
            return None
        hist = session.history
        if client_seq is not None and hist and hist[0][0] > client_seq + 1:
            await self._send_op(ws, 9, False)  # too far behind: cannot resume
            return None
        async with session.lock:
            session.ws = ws
            missed = [text for seq, text in hist if client_seq is None or seq > client_seq]
            for text in missed:
                await ws.send_str(text)
            frame = self._frame(session, "RESUMED", {})
            assert frame is not None
            await ws.send_str(frame[1])
        self.resumes.append(ResumeRecord(session.session_id, client_seq, len(missed)))
        return session

    async def _request_members(self, session: _Session, d: JSON) -> None:
        guild = self.guilds.get(str(d.get("guild_id")))
        if guild is None:
            return
        wanted = {str(u) for u in d.get("user_ids") or []}
        query = (d.get("query") or "").lower()
        members = [
            m
            for m in guild["members"]
            if (not wanted or m["user"]["id"] in wanted)
            and m["user"]["username"].lower().startswith(query)
        ]
        if not wanted and not session.intents & INTENT_GUILD_MEMBERS:
            members = []
        chunk: JSON = {
            "guild_id": guild["id"],
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk, shard_id=session.shard[0])

    # ------------------------------------------------------------------ REST plumbing
    def _add_routes(self, app: web.Application) -> None:
        r = app.router
        a = API_PREFIX
        r.add_get("/gw", self._gateway)
        routes: list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_app),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/gateway", self._get_gateway),
            ("PUT", "/applications/{application_id}/commands", self._put_commands),
            ("GET", "/applications/{application_id}/commands", self._get_commands),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
            ),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
            ),
            ("POST", "/users/@me/channels", self._open_dm),
            ("POST", "/channels/{channel_id}/messages", self._post_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            (
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                self._thread_from_message,
            ),
            ("POST", "/channels/{channel_id}/threads", self._thread),
            ("POST", "/interactions/{webhook_id}/{webhook_token}/callback", self._callback),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self._followup),
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._get_original,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._edit_original,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._delete_original,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._edit_followup,
            ),
        ]
        for method, path, handler in routes:
            r.add_route(method, a + path, handler)
        for method, path, handler in self._extra_routes:
            r.add_route(method, path, handler)
        r.add_route("*", "/{tail:.*}", self._unknown)

    def add_control_route(
        self,
        method: str,
        path: str,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> None:
        """Serve an extra (non-Discord) route, e.g. benchmark control; path must start with
        ``/control/`` so it is neither rate limited nor recorded. Call before ``start()``."""
        if not path.startswith("/control/"):
            raise ValueError("control routes live under /control/")
        self._extra_routes.append((method, path, handler))

    @staticmethod
    def _route_key(request: web.Request) -> str:
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else ""
        if "{tail" in canonical or not canonical.startswith(API_PREFIX):
            return "UNKNOWN"
        return f"{request.method} {canonical[len(API_PREFIX) :]}"

    async def _read_body(self, request: web.Request) -> Any:
        if not request.body_exists:
            return None
        ctype = request.content_type
        if ctype == "multipart/form-data":
            form = await request.post()
            raw = form.get("payload_json")
            body: JSON = json.loads(str(raw)) if raw is not None else {}
            body["_files"] = [
                getattr(v, "filename", None) for k, v in form.items() if k.startswith("files[")
            ]
            return body
        text = await request.text()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/gw" or request.path.startswith("/control/"):
            return await handler(request)
        now = time.monotonic()
        route = self._route_key(request)
        path = (
            request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
        )
        body = await self._read_body(request)
        request["body"] = body
        major = "+".join(request.match_info[k] for k in _MAJOR_PARAMS if k in request.match_info)
        exempt = path.startswith(_EXEMPT_FROM_GLOBAL)
        headers: dict[str, str] = {}
        error_code: int | None = None

        response: web.StreamResponse
        if route == "UNKNOWN":
            response = await handler(request)
            error_code = 0
        elif not exempt and not self._authorised(request):
            response = _error(401, "401: Unauthorized", 0)
            error_code = 0
        else:
            bucket = self.limiter.bucket(route, major, now)
            forced = self.limiter.take_forced(route)
            retry: tuple[float, bool, bool] | None = None
            if forced is not None:
                retry = (forced[0], forced[1], True)
            elif self.limiter.config.enabled:
                g = None if exempt else self.limiter.global_retry_after(now)
                if g is not None:
                    retry = (g, True, False)
                elif bucket.count >= bucket.limit:
                    retry = (bucket.reset_after(now), False, False)
            if retry is not None:
                retry_after, is_global, was_forced = retry
                retry_after = round(max(retry_after, 0.001), 3)
                headers = self.limiter.headers(route, bucket, now)
                headers["X-RateLimit-Remaining"] = "0"
                headers["Via"] = "1.1 google"
                headers["Retry-After"] = str(max(1, int(-(-retry_after // 1))))
                headers["X-RateLimit-Scope"] = "global" if is_global else "user"
                if is_global:
                    headers["X-RateLimit-Global"] = "true"
                if was_forced:
                    headers["X-RateLimit-Reset-After"] = f"{retry_after:.3f}"
                response = _json_response(
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry_after,
                        "global": is_global,
                    },
                    headers,
                )
                self.rate_limited.append(
                    RateLimitRecord(route, path, now, retry_after, is_global, was_forced)
                )
            else:
                bucket.count += 1
                try:
                    response = await handler(request)
                except DiscordError as exc:
                    response = _error(exc.status, exc.message, exc.code)
                    error_code = exc.code
                for k, v in self.limiter.headers(route, bucket, now).items():
                    response.headers[k] = v
        record = RequestRecord(
            method=request.method,
            path=path,
            route=route,
            query=dict(request.query),
            body=body,
            at=now,
            status=response.status,
            error_code=error_code,
        )
        self.requests.append(record)
        if route == "UNKNOWN":
            self.unknown_requests.append(record)
        self._changed()
        return response

    def _authorised(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot "):
            return False
        return self.token is None or auth == f"Bot {self.token}"

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        return _error(404, "404: Not Found", 0)

    # ------------------------------------------------------------------ REST handlers
    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return _json_response(200, {**self.bot, "verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        user = self.users.get(request.match_info["user_id"])
        if user is None:
            raise DiscordError(404, "Unknown User", 10013)
        return _json_response(200, user)

    async def _get_app(self, request: web.Request) -> web.StreamResponse:
        owner = next((u for u in self.users.values() if not u.get("bot")), self.bot)
        return _json_response(
            200,
            {
                "id": self.application_id,
                "name": self.bot["username"],
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": self.privileged_intents_flags(),
                "bot": self.bot,
            },
        )

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        return _json_response(
            200,
            {
                "url": self.gateway_url,
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            },
        )

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return _json_response(200, {"url": self.gateway_url})

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        guild_id = request.match_info.get("guild_id")
        if request.match_info["application_id"] != self.application_id:
            raise DiscordError(403, "Missing Access", 50001)
        body = request["body"] or []
        out: list[JSON] = []
        for cmd in body:
            key = (guild_id, cmd["name"], int(cmd.get("type", 1)))
            cid = self._command_ids.get(key) or self.payloads.id()
            self._command_ids[key] = cid
            echoed: JSON = {
                "description": "",
                "type": 1,
                "default_member_permissions": None,
                "nsfw": False,
                **cmd,
                "id": cid,
                "application_id": self.application_id,
                "version": self.payloads.id(),
            }
            if guild_id is not None:
                echoed["guild_id"] = guild_id
            out.append(echoed)
        self.command_syncs.append(CommandSync(guild_id, out, time.monotonic()))
        return _json_response(200, out)

    async def _get_commands(self, request: web.Request) -> web.StreamResponse:
        guild_id = request.match_info.get("guild_id")
        for sync in reversed(self.command_syncs):
            if sync.guild_id == guild_id:
                return _json_response(200, sync.commands)
        return _json_response(200, [])

    async def _open_dm(self, request: web.Request) -> web.StreamResponse:
        body = request["body"] or {}
        uid = str(body.get("recipient_id", ""))
        user = self.users.get(uid)
        if user is None or uid == self.bot["id"]:
            raise DiscordError(400, "Invalid Recipient(s)", 50033)
        if not self.limiter.dm_open_allowed(time.monotonic()):
            raise DiscordError(403, "You are opening direct messages too fast", 40003)
        self.dm_opens.append(uid)
        return _json_response(200, self._ensure_dm_channel(user))

    def _channel(self, channel_id: str) -> JSON:
        chan = self.channels.get(channel_id)
        if chan is None:
            raise DiscordError(404, "Unknown Channel", 10003)
        return chan

    def _bot_message(self, channel: JSON, body: JSON, **extra: Any) -> JSON:
        """A message object as Discord answers it, authored by the bot, from a request body."""
        gid = channel.get("guild_id")
        msg = self.payloads.message(
            channel_id=channel["id"],
            author=self.bot,
            content=body.get("content") or "",
            guild_id=gid,
            member=self.payloads.member(self.bot, with_user=False) if gid else None,
            components=body.get("components") or (),
            embeds=body.get("embeds") or (),
            flags=int(body.get("flags") or 0),
            **extra,
        )
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if body.get("message_reference"):
            ref = dict(body["message_reference"])
            ref.setdefault("channel_id", channel["id"])
            if gid:
                ref.setdefault("guild_id", gid)
            msg["message_reference"] = ref
        if body.get("_files"):
            msg["attachments"] = [
                {
                    "id": self.payloads.id(),
                    "filename": name or "file",
                    "size": 0,
                    "url": f"{self.api_base}/attachments/{name}",
                    "proxy_url": f"{self.api_base}/attachments/{name}",
                }
                for name in body["_files"]
            ]
        return msg

    @staticmethod
    def _validate_message_body(body: JSON, *, edit: bool = False) -> None:
        content = body.get("content")
        if content is not None and len(content) > 2000:
            raise DiscordError(
                400, "Invalid Form Body (content: Must be 2000 or fewer in length.)", 50035
            )
        if not edit and not any(
            body.get(k)
            for k in ("content", "embeds", "components", "_files", "sticker_ids", "poll")
        ):
            raise DiscordError(400, "Cannot send an empty message", 50006)

    async def _echo(self, event: str, msg: JSON) -> None:
        if self.echo_bot_messages and self._by_shard:
            await self.dispatch(event, msg)

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        chan = self._channel(request.match_info["channel_id"])
        body: JSON = request["body"] or {}
        self._validate_message_body(body)
        dm_user: str | None = None
        if chan["type"] == CHANNEL_DM:
            dm_user = chan["recipients"][0]["id"]
            if dm_user in self.closed_dms:
                raise DiscordError(403, "Cannot send messages to this user", 50007)
        msg = self._bot_message(chan, body)
        self.messages[msg["id"]] = msg
        self.messages_sent.append(SentMessage(chan["id"], body, msg, dm_user, time.monotonic()))
        await self._echo("MESSAGE_CREATE", msg)
        return _json_response(200, msg)

    def _apply_edit(self, msg: JSON, body: JSON) -> JSON:
        for key in ("content", "embeds", "components", "flags", "attachments"):
            if key in body and body[key] is not None:
                msg[key] = body[key]
        msg["flags"] = int(msg.get("flags") or 0) & ~MESSAGE_FLAG_LOADING
        msg["edited_timestamp"] = SnowflakeFactory.timestamp(self.payloads.id())
        return msg

    async def _edit_message(self, request: web.Request) -> web.StreamResponse:
        self._channel(request.match_info["channel_id"])
        msg = self.messages.get(request.match_info["message_id"])
        if msg is None or msg["channel_id"] != request.match_info["channel_id"]:
            raise DiscordError(404, "Unknown Message", 10008)
        if msg["author"]["id"] != self.bot["id"]:
            raise DiscordError(403, "Cannot edit a message authored by another user", 50005)
        body: JSON = request["body"] or {}
        self._validate_message_body(body, edit=True)
        self._apply_edit(msg, body)
        self.message_edits.append(MessageEdit("channel", msg["id"], body, time.monotonic()))
        await self._echo("MESSAGE_UPDATE", msg)
        return _json_response(200, msg)

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        msg = self.messages.get(request.match_info["message_id"])
        if msg is None or msg["channel_id"] != request.match_info["channel_id"]:
            raise DiscordError(404, "Unknown Message", 10008)
        return _json_response(200, msg)

    async def _make_thread(self, parent: JSON, body: JSON, message_id: str | None) -> JSON:
        if parent.get("guild_id") is None or parent["type"] != CHANNEL_GUILD_TEXT:
            raise DiscordError(400, "Cannot execute action on this channel type", 50024)
        private = (
            message_id is None
            and int(body.get("type", CHANNEL_PRIVATE_THREAD)) == CHANNEL_PRIVATE_THREAD
        )
        thread = self.payloads.thread(
            guild_id=parent["guild_id"],
            parent_id=parent["id"],
            owner_id=self.bot["id"],
            name=str(body.get("name", "thread")),
            id=message_id,
            private=private,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        thread["member"] = {
            "id": thread["id"],
            "user_id": self.bot["id"],
            "join_timestamp": thread["thread_metadata"]["create_timestamp"],
            "flags": 1,
        }
        self.channels[thread["id"]] = thread
        self.threads_created.append(
            ThreadCreated(parent["id"], message_id, body, thread, time.monotonic())
        )
        if self._by_shard:
            await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    async def _thread_from_message(self, request: web.Request) -> web.StreamResponse:
        parent = self._channel(request.match_info["channel_id"])
        mid = request.match_info["message_id"]
        msg = self.messages.get(mid)
        if msg is None or msg["channel_id"] != parent["id"]:
            raise DiscordError(404, "Unknown Message", 10008)
        if mid in self.channels:
            raise DiscordError(400, "A thread has already been created for this message", 160004)
        thread = await self._make_thread(parent, request["body"] or {}, mid)
        return _json_response(201, thread)

    async def _thread(self, request: web.Request) -> web.StreamResponse:
        parent = self._channel(request.match_info["channel_id"])
        thread = await self._make_thread(parent, request["body"] or {}, None)
        return _json_response(201, thread)

    def _interaction(self, interaction_id: str, token: str) -> _Interaction:
        st = self._interactions.get(interaction_id)
        if st is None or st.payload["token"] != token:
            raise DiscordError(404, "Unknown interaction", 10062)
        return st

    def _interaction_channel(self, st: _Interaction) -> JSON:
        cid = st.payload["channel_id"]
        return self.channels.get(cid) or {**st.payload["channel"], "id": cid}

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        st = self._interaction(
            request.match_info["webhook_id"], request.match_info["webhook_token"]
        )
        if (
            self.interaction_deadline is not None
            and now - st.dispatched_at > self.interaction_deadline
        ):
            raise DiscordError(404, "Unknown interaction", 10062)
        if st.reply_type is not None:
            raise DiscordError(400, "Interaction has already been acknowledged.", 40060)
        body: JSON = request["body"] or {}
        rtype = int(body.get("type", 0))
        itype = int(st.payload["type"])
        if rtype not in _ALLOWED_CALLBACKS.get(itype, frozenset()):
            raise DiscordError(
                400, "Invalid Form Body (type: invalid interaction response type)", 50035
            )
        data: JSON | None = body.get("data")
        resource: JSON = {"type": rtype}
        flags = int((data or {}).get("flags") or 0)
        ephemeral = bool(flags & MESSAGE_FLAG_EPHEMERAL)
        chan = self._interaction_channel(st)
        if rtype == CALLBACK_MESSAGE:
            self._validate_message_body(data or {})
            msg = self._bot_message(
                chan, data or {}, application_id=self.application_id, webhook_id=self.application_id
            )
            st.original_message_id = msg["id"]
            self.messages[msg["id"]] = msg
            resource["message"] = msg
        elif rtype == CALLBACK_DEFERRED_MESSAGE:
            msg = self._bot_message(
                chan,
                {"content": "", "flags": MESSAGE_FLAG_LOADING | (flags & MESSAGE_FLAG_EPHEMERAL)},
                application_id=self.application_id,
                webhook_id=self.application_id,
            )
            st.original_message_id = msg["id"]
            self.messages[msg["id"]] = msg
            resource["message"] = msg
        elif rtype in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE):
            target = st.payload.get("message")
            if target is None:
                raise DiscordError(400, "Invalid Form Body (type: no message to update)", 50035)
            st.original_message_id = target["id"]
            msg = self.messages.setdefault(target["id"], target)
            if rtype == CALLBACK_UPDATE_MESSAGE:
                self._apply_edit(msg, data or {})
                resource["message"] = msg
        st.reply_type = rtype
        self.interaction_replies.append(
            InteractionReply(st.payload["id"], itype, rtype, data, now, now - st.dispatched_at)
        )
        answer: JSON = {
            "interaction": {
                "id": st.payload["id"],
                "type": itype,
                "response_message_id": st.original_message_id,
                "response_message_loading": rtype == CALLBACK_DEFERRED_MESSAGE,
                "response_message_ephemeral": ephemeral,
            },
            "resource": resource,
        }
        if rtype == CALLBACK_MESSAGE and not ephemeral and "message" in resource:
            await self._echo("MESSAGE_CREATE", resource["message"])
        return _json_response(200, answer)

    def _webhook_interaction(self, request: web.Request) -> _Interaction:
        if request.match_info["webhook_id"] != self.application_id:
            raise DiscordError(404, "Unknown Webhook", 10015)
        iid = self._interaction_by_token.get(request.match_info["webhook_token"])
        st = self._interactions.get(iid or "")
        if st is None or st.reply_type is None:
            raise DiscordError(404, "Unknown Webhook", 10015)
        if time.monotonic() - st.dispatched_at > 15 * 60:
            raise DiscordError(401, "Invalid Webhook Token", 50027)
        return st

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        st = self._webhook_interaction(request)
        body: JSON = request["body"] or {}
        self._validate_message_body(body)
        msg = self._bot_message(
            self._interaction_channel(st),
            body,
            application_id=self.application_id,
            webhook_id=self.application_id,
        )
        self.messages[msg["id"]] = msg
        self.followups.append(Followup(st.payload["id"], body, msg, time.monotonic()))
        if request.query.get("wait", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        return _json_response(200, msg)

    def _original(self, st: _Interaction) -> JSON:
        msg = self.messages.get(st.original_message_id or "")
        if msg is None:
            raise DiscordError(404, "Unknown Message", 10008)
        return msg

    async def _get_original(self, request: web.Request) -> web.StreamResponse:
        return _json_response(200, self._original(self._webhook_interaction(request)))

    async def _edit_original(self, request: web.Request) -> web.StreamResponse:
        msg = self._original(self._webhook_interaction(request))
        body: JSON = request["body"] or {}
        self._validate_message_body(body, edit=True)
        self._apply_edit(msg, body)
        self.message_edits.append(MessageEdit("original", msg["id"], body, time.monotonic()))
        return _json_response(200, msg)

    async def _delete_original(self, request: web.Request) -> web.StreamResponse:
        msg = self._original(self._webhook_interaction(request))
        self.messages.pop(msg["id"], None)
        return web.Response(status=204)

    async def _edit_followup(self, request: web.Request) -> web.StreamResponse:
        self._webhook_interaction(request)
        msg = self.messages.get(request.match_info["message_id"])
        if msg is None:
            raise DiscordError(404, "Unknown Message", 10008)
        body: JSON = request["body"] or {}
        self._apply_edit(msg, body)
        self.message_edits.append(MessageEdit("followup", msg["id"], body, time.monotonic()))
        return _json_response(200, msg)

    # ------------------------------------------------------------------ stats
    def stats(self) -> JSON:
        """Summary for benchmarks: counts per route and status, 429s, request rate."""
        per_route: dict[str, int] = defaultdict(int)
        per_status: dict[str, int] = defaultdict(int)
        for r in self.requests:
            per_route[r.route] += 1
            per_status[str(r.status)] += 1
        times = [r.at for r in self.requests]
        span = (times[-1] - times[0]) if len(times) > 1 else 0.0
        return {
            "requests": len(self.requests),
            "per_route": dict(per_route),
            "per_status": dict(per_status),
            "rate_limited": len(self.rate_limited),
            "rate_limited_forced": sum(1 for r in self.rate_limited if r.forced),
            "unknown": len(self.unknown_requests),
            "first_at": times[0] if times else None,
            "last_at": times[-1] if times else None,
            "requests_per_s": (len(times) - 1) / span if span > 0 else None,
            "messages_sent": len(self.messages_sent),
            "interaction_replies": len(self.interaction_replies),
            "identifies": len(self.identifies),
            "resumes": len(self.resumes),
            "heartbeats": self.heartbeats,
            "connected": self.connected,
        }


# ---------------------------------------------------------------------------- redirect discord.py
def point_discord_at(fake: FakeDiscord) -> Callable[[], None]:
    """Point every discord.py client in this process at ``fake``; returns the undo function.

    Both are class attributes (process-global), so tests must call the returned function.
    """
    import discord.gateway
    import discord.http

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    def restore() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


@contextlib.contextmanager
def discord_pointed_at(fake: FakeDiscord) -> Iterator[None]:
    restore = point_discord_at(fake)
    try:
        yield
    finally:
        restore()


@contextlib.asynccontextmanager
async def running_client(
    client: Any, *, token: str = "fake-token", within: float = 5.0
) -> AsyncIterator[asyncio.Task[None]]:
    """Log ``client`` in (discord.py must already point at a fake), connect it, wait until it
    is ready (``on_ready`` fired), and always close it afterwards. Yields the connect task;
    if the client dies before it is ready, its exception is raised here."""
    task: asyncio.Task[None] | None = None
    try:
        await asyncio.wait_for(client.login(token), within)
        task = asyncio.create_task(client.connect())
        waiter = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=within, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter
            if task.done():
                task.result()  # raises what the client raised
                raise AssertionError("client stopped before it was ready")
            raise AssertionError(f"client not ready after {within}s")
        yield task
    finally:
        await client.close()
        if task is not None:
            await asyncio.wait_for(task, within)
