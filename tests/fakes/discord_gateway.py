"""The gateway of the Discord fake: the websocket, one session per shard, RESUME, intents.

Why a module of its own: discord.py's gateway client depends on details a REST fake never
sees: HELLO / heartbeat ACKs, ``s`` numbering per session, ``resume_gateway_url`` and a replay
of exactly the missed dispatches on RESUME, close 4014 for ungranted privileged intents,
events of unrequested intents never sent, content blanked without MESSAGE_CONTENT, and with
several shards, each shard its own session whose READY lists only the guilds where
``(guild_id >> 22) % shard_count == shard_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_protocol import (
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
    PRIVILEGED_INTENTS,
)
from tests.fakes.discord_records import DroppedDispatch, Records, ResumeRecord, ShardSession
from tests.fakes.discord_world import World, shard_of

# Gateway close codes the fake uses.
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_INVALID_SHARD = 4010
CLOSE_DISALLOWED_INTENTS = 4014


@dataclass(slots=True)
class Session:
    """One gateway session: its own ``s`` sequence and its own replay buffer."""

    session_id: str
    shard: tuple[int, int]
    intents: int
    history: deque[tuple[int, str]]  # (seq, frame text) for RESUME replay
    sent_shard: bool
    guild_ids: tuple[str, ...] = ()
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Gateway:
    """The websocket endpoint and every session on it, keyed by id and by shard."""

    def __init__(
        self,
        world: World,
        records: Records,
        *,
        url: Callable[[], str],
        heartbeat_interval_ms: int,
        resume_buffer: int,
    ) -> None:
        self.world = world
        self.records = records
        self.url = url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.resume_buffer = resume_buffer
        self.sessions: dict[str, Session] = {}
        self.by_shard: dict[int, Session] = {}
        self._session_ids = itertools.count(1)
        self._sockets: set[web.WebSocketResponse] = set()
        self.reconnect_gate = asyncio.Event()
        self.reconnect_gate.set()
        self.refuse_upgrades = 0
        """Answer the next N websocket connections 502 Bad Gateway (an outage at Discord's
        edge): discord.py's reconnect loop sees a handshake error, not a close code."""

    async def close_all(self) -> None:
        self.reconnect_gate.set()
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001)

    # ------------------------------------------------------------------ shards
    @property
    def shard_count(self) -> int | None:
        """The shard count of the latest IDENTIFY, None before the first one."""
        return next(iter(self.by_shard.values())).shard[1] if self.by_shard else None

    def shard_for(self, event: str, data: JSON) -> int:
        """Where Discord sends an event: the guild's shard; DMs and the rest go to shard 0."""
        gid = None
        if isinstance(data, dict):
            gid = data.get("guild_id")
            if gid is None and event.startswith("GUILD_"):
                gid = data.get("id")
        return shard_of(gid, self.shard_count or 1) if gid else 0

    def find_session(self, event: str, data: JSON, shard_id: int | None = None) -> Session | None:
        return self.by_shard.get(self.shard_for(event, data) if shard_id is None else shard_id)

    def session_for(self, event: str, data: JSON, shard_id: int | None) -> Session:
        if not self.by_shard:
            raise RuntimeError("no gateway session yet: await fake.wait_ready() first")
        session = self.find_session(event, data, shard_id)
        if session is None:
            wanted = self.shard_for(event, data) if shard_id is None else shard_id
            raise RuntimeError(f"no gateway session for shard {wanted}")
        return session

    def shard_sessions(self) -> dict[int, ShardSession]:
        return {
            sid: ShardSession(
                shard_id=sid,
                shard_count=s.shard[1],
                session_id=s.session_id,
                seq=s.seq,
                guild_ids=s.guild_ids,
                connected=s.ws is not None and not s.ws.closed,
            )
            for sid, s in sorted(self.by_shard.items())
        }

    @property
    def connected(self) -> bool:
        return any(s.ws is not None and not s.ws.closed for s in self.by_shard.values())

    # ------------------------------------------------------------------ dispatching
    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> int | None:
        """Send an op-0 dispatch with the session's next ``s``; None if intents drop it.

        While the client is disconnected the dispatch is only queued: RESUME replays it.
        """
        session = self.session_for(event, data, shard_id)
        self.world.observe(event, data)
        seq: int | None = None
        async with session.lock:
            frame = self._frame(session, event, data)
            if frame is not None:
                seq, text = frame
                if session.ws is not None and not session.ws.closed:
                    with contextlib.suppress(ConnectionError):
                        await session.ws.send_str(text)
        self.records.changed()
        return seq

    async def dispatch_many(
        self, events: Sequence[tuple[str, JSON]], *, shard_id: int | None = None
    ) -> int:
        """Build every frame first, then write them back to back, per shard (throughput runs)."""
        groups: dict[int, tuple[Session, list[tuple[str, JSON]]]] = {}
        for event, data in events:
            session = self.session_for(event, data, shard_id)
            groups.setdefault(session.shard[0], (session, []))[1].append((event, data))
        for event, data in events:
            self.world.observe(event, data)
        sent = 0
        for session, group in groups.values():
            async with session.lock:
                texts = [f[1] for e, d in group if (f := self._frame(session, e, d)) is not None]
                ws = session.ws
                if ws is not None:
                    with contextlib.suppress(ConnectionError):
                        for text in texts:
                            await ws.send_str(text)
            sent += len(texts)
        self.records.changed()
        return sent

    async def disconnect(self, code: int, *, shard_id: int, hold_reconnect: bool) -> None:
        session = self.by_shard.get(shard_id)
        if session is None or session.ws is None:
            raise RuntimeError("no connected gateway session")
        if hold_reconnect:
            self.reconnect_gate.clear()
        async with session.lock:
            ws, session.ws = session.ws, None
            self.records.close_codes.append(code)
            await ws.close(code=code)
        self.records.changed()

    def _drop_reason(self, session: Session, event: str, data: JSON) -> str | None:
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

    def _shape(self, session: Session, event: str, data: JSON) -> JSON:
        """Blank message content without MESSAGE_CONTENT, as Discord does for guild messages
        that neither come from the bot nor mention it."""
        bot_id = self.world.bot["id"]
        if (
            event in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            and "guild_id" in data
            and not session.intents & INTENT_MESSAGE_CONTENT
            and data.get("author", {}).get("id") != bot_id
            and not any(m.get("id") == bot_id for m in data.get("mentions", []))
        ):
            return {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        return data

    def _frame(self, session: Session, event: str, data: JSON) -> tuple[int, str] | None:
        reason = self._drop_reason(session, event, data)
        if reason is not None:
            self.records.dropped_dispatches.append(DroppedDispatch(event, reason))
            return None
        session.seq += 1
        text = json.dumps(
            {"op": 0, "t": event, "s": session.seq, "d": self._shape(session, event, data)},
            separators=(",", ":"),
        )
        session.history.append((session.seq, text))
        return session.seq, text

    # ------------------------------------------------------------------ the websocket
    @staticmethod
    async def _send_op(ws: web.WebSocketResponse, op: int, d: Any) -> None:
        await ws.send_str(
            json.dumps({"op": op, "d": d, "s": None, "t": None}, separators=(",", ":"))
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """``GET /gw``: one websocket connection, which IDENTIFYs or RESUMEs one session."""
        await self.reconnect_gate.wait()
        if self.refuse_upgrades > 0:
            self.refuse_upgrades -= 1
            return web.Response(status=502, text="502 Bad Gateway")
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        try:
            # Compression is ignored on purpose: discord.py parses TEXT frames as plain JSON.
            await self._send_op(ws, 10, {"heartbeat_interval": self.heartbeat_interval_ms})
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op, d = payload.get("op"), payload.get("d")
                if op == 1:
                    self.records.heartbeats += 1
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
                        await self._close(ws, CLOSE_NOT_AUTHENTICATED)
                        break
                    await self._request_members(session, d)
                elif op in (3, 4):
                    pass  # presence / voice state updates: accepted, nothing to do
                else:
                    await self._close(ws, CLOSE_UNKNOWN_OPCODE)
                    break
                self.records.changed()
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            self.records.changed()
        return ws

    async def _close(self, ws: web.WebSocketResponse, code: int) -> None:
        self.records.close_codes.append(code)
        await ws.close(code=code)

    async def _identify(self, ws: web.WebSocketResponse, d: JSON) -> Session | None:
        world = self.world
        self.records.identifies.append({k: v for k, v in d.items() if k != "token"})
        if world.token is not None and d.get("token") != world.token:
            await self._close(ws, CLOSE_AUTHENTICATION_FAILED)
            return None
        intents = int(d.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~world.privileged_intents:
            await self._close(ws, CLOSE_DISALLOWED_INTENTS)
            return None
        shard_raw = d.get("shard")
        shard = (int(shard_raw[0]), int(shard_raw[1])) if shard_raw else (0, 1)
        if not 0 <= shard[0] < shard[1]:
            await self._close(ws, CLOSE_INVALID_SHARD)
            return None
        guilds = world.guilds_on_shard(*shard)
        session = Session(
            session_id=f"fake-session-{next(self._session_ids)}",
            shard=shard,
            intents=intents,
            history=deque(maxlen=self.resume_buffer),
            sent_shard=shard_raw is not None,
            guild_ids=tuple(str(g["id"]) for g in guilds),
        )
        self.sessions[session.session_id] = session
        for sid, other in list(self.by_shard.items()):
            if other.shard[1] != shard[1]:  # re-sharded: route by the new count only
                del self.by_shard[sid]
        old = self.by_shard.get(shard[0])
        if old is not None and old.ws is not None and old.ws is not ws:
            await old.ws.close(code=4000)
        self.by_shard[shard[0]] = session
        ready = self._ready_payload(session, guilds)
        async with session.lock:
            session.ws = ws
            for event, data in [("READY", ready)] + [
                ("GUILD_CREATE", self._guild_create(g, intents)) for g in guilds
            ]:
                frame = self._frame(session, event, data)
                assert frame is not None
                await ws.send_str(frame[1])
        self.records.ready_count += 1
        return session

    def _ready_payload(self, session: Session, guilds: list[JSON]) -> JSON:
        world = self.world
        ready: JSON = {
            "v": 10,
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.url(),
            "user": {**world.bot, "verified": True, "mfa_enabled": False, "flags": 0},
            "application": {
                "id": world.application_id,
                "flags": world.privileged_intents_flags(),
            },
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
        }
        if session.sent_shard:
            ready["shard"] = list(session.shard)
        return ready

    def _guild_create(self, guild: JSON, intents: int) -> JSON:
        """Without GUILD_PRESENCES Discord sends only the bot (and voice users) in ``members``."""
        if intents & INTENT_GUILD_PRESENCES:
            return guild
        bot_id = self.world.bot["id"]
        return {**guild, "members": [m for m in guild["members"] if m["user"]["id"] == bot_id]}

    async def _resume(self, ws: web.WebSocketResponse, d: JSON) -> Session | None:
        session = self.sessions.get(d.get("session_id", ""))
        client_seq = d.get("seq")
        token = self.world.token
        if session is None or (token is not None and d.get("token") != token):
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
        self.records.resumes.append(
            ResumeRecord(session.session_id, client_seq, len(missed), session.shard[0])
        )
        return session

    async def _request_members(self, session: Session, d: JSON) -> None:
        guild = self.world.guilds.get(str(d.get("guild_id")))
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
