"""What the Discord fake saw: recorded requests, replies and gateway steps, and waiting on them.

Why a module of its own: tests assert on these records (and benchmarks summarise them), while
the REST and gateway parts only append to them; one owner keeps every list in arrival order
and wakes ``wait_until`` whenever something is added.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_protocol import MESSAGE_FLAG_EPHEMERAL


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
    shard_id: int = 0


@dataclass(frozen=True, slots=True)
class DroppedDispatch:
    event: str
    reason: str


@dataclass(frozen=True, slots=True)
class ShardSession:
    """A snapshot of one shard's gateway session, as ``fake.shard_sessions()`` reports it."""

    shard_id: int
    shard_count: int
    session_id: str
    seq: int  # the last sequence number sent on this session
    guild_ids: tuple[str, ...]  # the guilds its READY announced
    connected: bool


Predicate = Callable[[], object]


class Records:
    """Every recording list, in arrival order, plus ``wait_until`` over them."""

    def __init__(self) -> None:
        self.requests: list[RequestRecord] = []
        self.rate_limited: list[RateLimitRecord] = []
        self.unknown_requests: list[RequestRecord] = []
        self.internal_errors: list[str] = []  # handler crashes (answered 500): a bug in the fake
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
        self._waiters: list[tuple[Predicate, asyncio.Future[None]]] = []

    def reply_to(self, interaction_id: str) -> InteractionReply | None:
        """The callback the bot made for an interaction, if any."""
        for r in self.interaction_replies:
            if r.interaction_id == interaction_id:
                return r
        return None

    # ------------------------------------------------------------------ waiting
    def changed(self) -> None:
        """Something was recorded: re-check every waiting predicate now."""
        for pred, fut in list(self._waiters):
            if fut.done():
                continue
            try:
                if pred():
                    fut.set_result(None)
            except Exception as exc:  # surface a broken predicate to the waiting test
                fut.set_exception(exc)

    def cancel_waiters(self) -> None:
        for _, fut in self._waiters:
            if not fut.done():
                fut.cancel()

    async def wait_until(
        self, predicate: Predicate, *, within: float = 5.0, what: str = "", recheck: float = 0.05
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

    # ------------------------------------------------------------------ stats
    def stats(self, *, connected: bool) -> JSON:
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
            "internal_errors": len(self.internal_errors),
            "first_at": times[0] if times else None,
            "last_at": times[-1] if times else None,
            "requests_per_s": (len(times) - 1) / span if span > 0 else None,
            "messages_sent": len(self.messages_sent),
            "interaction_replies": len(self.interaction_replies),
            "identifies": len(self.identifies),
            "resumes": len(self.resumes),
            "heartbeats": self.heartbeats,
            "connected": connected,
        }
