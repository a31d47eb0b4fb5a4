"""A local fake Slack: the Web API, ``response_url`` endpoints and a Socket Mode websocket.

Why a fake and not mocks: the adapter is tested with the real slack-bolt ``AsyncApp`` and the
real ``AsyncWebClient`` (pointed here with ``base_url``), so what the tests check is what those
libraries really send. It listens on 127.0.0.1 only.

Faithful where the libraries and the adapter depend on it (``docs``:
../shared/design/platform-testing.md §3 and §5):

- ``auth.test`` answers (bolt calls it before the first listener runs);
- bodies are JSON or form fields, tokens in ``Authorization: Bearer``;
- ``chat.postMessage`` is limited per channel (about 1 message/s, a short burst allowed) and,
  when asked, workspace-wide; a 429 carries an **integer** ``Retry-After`` and
  ``{"ok": false, "error": "ratelimited"}``, and every 429 is recorded;
- a DM posted to a user id lands in that user's ``D…`` conversation;
- ``chat.getPermalink`` answers Slack's URL shape (a ``CGONE…`` channel is gone);
- Socket Mode: ``apps.connections.open`` (app-level token) returns a ``ws://127.0.0.1`` URL; the
  fake says hello, pushes envelopes and records acks, and can ask for a reconnect (``disconnect``).

Everything the bot did is recorded (``calls``, ``messages``, ``responses``, ``views``) for the
tests to assert on; ``force_429`` and ``force_error`` make the next call of a method fail.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

__all__ = ["ApiCall", "FakeSlack", "Posted", "ResponsePost", "SlackLimits"]

JSON_FIELDS = ("view", "blocks", "attachments", "users", "channel_ids")


@dataclass(frozen=True, slots=True)
class SlackLimits:
    """What the fake enforces. ``None`` switches a limit off."""

    per_channel_per_second: float | None = 1.0
    per_channel_burst: int = 3
    """Slack allows short bursts above 1/s in one channel."""
    workspace_per_second: float | None = None
    """chat.postMessage across the workspace, a second's worth at once (Slack publishes no
    figure; the bench sets one)."""


@dataclass(slots=True)
class ApiCall:
    method: str
    args: dict[str, Any]
    token: str
    at: float


@dataclass(slots=True)
class Posted:
    """A message the bot posted (or updated, or posted ephemerally)."""

    method: str
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    user: str | None = None
    """The one person who sees it (``chat.postEphemeral``)."""
    args: dict[str, Any] = field(default_factory=dict)

    def buttons(self) -> dict[str, dict[str, Any]]:
        """Button label (without its emoji) → the button element."""
        return {_label(e["text"]["text"]): e for b in self.blocks if b.get("type") == "actions"
                for e in b.get("elements", ())}


@dataclass(slots=True)
class ResponsePost:
    """A POST to a ``response_url`` the fake handed out."""

    token: str
    body: dict[str, Any]


def _label(text: str) -> str:
    head, _, rest = text.partition(" ")
    return rest if rest and not head.isascii() else text


def _now_ts(counter: Any) -> str:
    return f"{int(time.time())}.{next(counter):06d}"


class FakeSlack:
    """The fake; ``async with FakeSlack() as slack: slack.api_base``."""

    def __init__(self, *, limits: SlackLimits | None = None, team_id: str = "T111",
                 app_id: str = "A111", bot_user: str = "UBOT", bot_id: str = "BBOT") -> None:
        self.limits = limits or SlackLimits()
        self.team_id = team_id
        self.app_id = app_id
        self.bot_user = bot_user
        self.bot_id = bot_id
        self.port = 0
        self.calls: list[ApiCall] = []
        self.messages: list[Posted] = []
        self.responses: list[ResponsePost] = []
        self.views: list[ApiCall] = []
        self.rate_limited: list[tuple[str, str]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.dnd: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.tokens_revoked: list[str] = []
        self.app_token_revoked = False
        """Set: ``apps.connections.open`` refuses the app-level token (as after a revocation)."""
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self._forced: dict[str, deque[tuple[int, int]]] = defaultdict(deque)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._workspace: tuple[float, float] = (self.limits.workspace_per_second or 0.0,
                                                 time.monotonic())
        self._ts = itertools.count(100)
        self._runner: web.AppRunner | None = None
        # Socket Mode
        self.connections_opened = 0
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self._envelopes = itertools.count(1)
        self._socket_ready = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack-sdk GETs a few (users.info)
        app.router.add_post("/response/{token}", self._response_url)
        app.router.add_get("/link/", self._socket)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, token: str) -> str:
        return f"{self.base}/response/{token}"

    # -- test controls -----------------------------------------------------------------------

    def add_user(self, user_id: str, *, name: str | None = None, tz: str | None = "Europe/Paris",
                 is_admin: bool = False, deleted: bool = False) -> dict[str, Any]:
        user = {"id": user_id, "team_id": self.team_id, "name": name or user_id.lower(),
                "deleted": deleted, "is_admin": is_admin, "is_owner": False, "is_bot": False,
                "profile": {"display_name": name or user_id.lower()}}
        if tz is not None:
            user["tz"] = tz
        self.users[user_id] = user
        return user

    def add_usergroup(self, group_id: str, handle: str, users: list[str]) -> None:
        self.usergroups[group_id] = {"id": group_id, "team_id": self.team_id, "handle": handle,
                                     "name": handle, "date_delete": 0, "users": users}

    def set_dnd(self, user_id: str, *, enabled: bool, start: int = 0, end: int = 0) -> None:
        self.dnd[user_id] = {"dnd_enabled": enabled, "next_dnd_start_ts": start,
                             "next_dnd_end_ts": end, "snooze_enabled": False}

    def force_429(self, method: str, *, retry_after: int = 1, count: int = 1) -> None:
        for _ in range(count):
            self._forced[method].append((429, retry_after))

    def force_error(self, method: str, *, status: int = 503) -> None:
        self._forced[method].append((status, 0))

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def posts(self, channel: str | None = None) -> list[Posted]:
        return [m for m in self.messages if m.method == "chat.postMessage"
                and (channel is None or m.channel == channel)]

    async def wait_until(self, predicate: Callable[[], object], *, what: str,
                         within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    # -- the Web API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or str(args.pop("token", ""))
        self.calls.append(ApiCall(method, args, token, time.monotonic()))
        if self._forced.get(method):
            status, retry_after = self._forced[method].popleft()
            if status == 429:
                self.rate_limited.append((method, str(args.get("channel", ""))))
                return _rate_limited(retry_after)
            return web.json_response({"ok": False, "error": "fatal_error"}, status=status)
        if method != "oauth.v2.access" and not token:
            return _fail("not_authed")
        if token.startswith("xoxb-revoked"):
            return _fail("token_revoked")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return _fail("unknown_method")
        result: web.Response = await handler(args, token)
        return result

    async def _m_auth_test(self, args: dict[str, Any], token: str) -> web.Response:
        return _ok(url="https://fake.slack.com/", team="Fake", user="warmline", team_id=self.team_id,
                   user_id=self.bot_user, bot_id=self.bot_id, is_enterprise_install=False)

    def _limited(self, channel: str) -> web.Response | None:
        now = time.monotonic()
        if self.limits.workspace_per_second is not None:
            # A token bucket too: a second's worth at once, then the rate.
            rate = self.limits.workspace_per_second
            tokens, updated = self._workspace
            tokens = min(rate, tokens + (now - updated) * rate)
            if tokens < 1.0:
                self._workspace = (tokens, now)
                self.rate_limited.append(("chat.postMessage", channel))
                return _rate_limited(1)
            self._workspace = (tokens - 1.0, now)
        if self.limits.per_channel_per_second is not None:
            # A token bucket: ``per_channel_burst`` at once, then ``per_channel_per_second``.
            rate, burst = self.limits.per_channel_per_second, self.limits.per_channel_burst
            tokens, updated = self._buckets.get(channel, (float(burst), now))
            tokens = min(float(burst), tokens + (now - updated) * rate)
            if tokens < 1.0:
                self._buckets[channel] = (tokens, now)
                self.rate_limited.append(("chat.postMessage", channel))
                return _rate_limited(max(1, math.ceil((1.0 - tokens) / rate)))
            self._buckets[channel] = (tokens - 1.0, now)
        return None

    def _channel(self, channel: str) -> str:
        """A user id posted to directly is that user's DM conversation."""
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _unreachable(self, channel: str) -> str | None:
        if channel.startswith(("U", "W")):
            user = self.users.get(channel)
            if user is not None and user.get("deleted"):
                return "user_disabled"
        if channel.startswith("CGONE"):
            return "channel_not_found"
        return None

    async def _m_chat_postMessage(self, args: dict[str, Any], token: str) -> web.Response:
        target = str(args.get("channel", ""))
        if error := self._unreachable(target):
            return _fail(error)
        channel = self._channel(target)
        if (limited := self._limited(channel)) is not None:
            return limited
        ts = _now_ts(self._ts)
        posted = Posted("chat.postMessage", channel, ts, str(args.get("text", "")),
                        list(args.get("blocks") or []), args.get("thread_ts"), args=args)
        self.messages.append(posted)
        return _ok(channel=channel, ts=ts, message={"type": "message", "text": posted.text,
                                                     "user": self.bot_user, "bot_id": self.bot_id,
                                                     "ts": ts})

    async def _m_chat_postEphemeral(self, args: dict[str, Any], token: str) -> web.Response:
        if str(args.get("channel", "")).startswith("COUT"):
            return _fail("not_in_channel")  # a channel the bot is not a member of
        ts = _now_ts(self._ts)
        self.messages.append(Posted("chat.postEphemeral", str(args.get("channel", "")), ts,
                                    str(args.get("text", "")), list(args.get("blocks") or []),
                                    args.get("thread_ts"), user=str(args.get("user", "")),
                                    args=args))
        return _ok(message_ts=ts)

    async def _m_chat_getPermalink(self, args: dict[str, Any], token: str) -> web.Response:
        """``https://fake.slack.com/archives/<channel>/p<ts without the dot>``, as Slack writes
        it; a channel starting ``CGONE`` is gone (``channel_not_found``)."""
        channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
        if channel.startswith("CGONE") or not ts:
            return _fail("channel_not_found" if ts else "message_not_found")
        return _ok(channel=channel,
                   permalink=f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}")

    async def _m_chat_update(self, args: dict[str, Any], token: str) -> web.Response:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if not any(m.channel == channel and m.ts == ts for m in self.messages):
            return _fail("message_not_found")
        self.messages.append(Posted("chat.update", channel, ts, str(args.get("text", "")),
                                    list(args.get("blocks") or []), args=args))
        return _ok(channel=channel, ts=ts, text=args.get("text", ""))

    async def _m_views_open(self, args: dict[str, Any], token: str) -> web.Response:
        self.views.append(ApiCall("views.open", args, token, time.monotonic()))
        if not args.get("trigger_id"):
            return _fail("invalid_trigger_id")
        return _ok(view={"id": f"V{len(self.views)}", "type": "modal"})

    async def _m_views_publish(self, args: dict[str, Any], token: str) -> web.Response:
        self.views.append(ApiCall("views.publish", args, token, time.monotonic()))
        return _ok(view={"id": f"V{len(self.views)}", "type": "home"})

    async def _m_users_info(self, args: dict[str, Any], token: str) -> web.Response:
        user = self.users.get(str(args.get("user", "")))
        return _ok(user=user) if user is not None else _fail("user_not_found")

    async def _m_usergroups_list(self, args: dict[str, Any], token: str) -> web.Response:
        """The workspace's user groups; with ``include_users`` their members' ids."""
        include = str(args.get("include_users", "")).lower() in ("1", "true")
        return _ok(usergroups=[{**g, "users": list(g["users"]) if include else []}
                               for g in self.usergroups.values()])

    async def _m_dnd_info(self, args: dict[str, Any], token: str) -> web.Response:
        info = self.dnd.get(str(args.get("user", "")),
                            {"dnd_enabled": False, "next_dnd_start_ts": 0, "next_dnd_end_ts": 0,
                             "snooze_enabled": False})
        return _ok(**info)

    async def _m_conversations_open(self, args: dict[str, Any], token: str) -> web.Response:
        users = str(args.get("users", ""))
        return _ok(channel={"id": self._channel(users.split(",")[0])})

    async def _m_conversations_info(self, args: dict[str, Any], token: str) -> web.Response:
        channel = str(args.get("channel", ""))
        return _ok(channel={"id": channel, "is_im": channel.startswith("D"), "name": "general"})

    async def _m_apps_connections_open(self, args: dict[str, Any], token: str) -> web.Response:
        if not token.startswith("xapp-"):
            return _fail("not_allowed_token_type")
        if self.app_token_revoked:
            return _fail("invalid_auth")
        self.connections_opened += 1
        return _ok(url=f"ws://127.0.0.1:{self.port}/link/?ticket=t{self.connections_opened}"
                       f"&app_id={self.app_id}")

    async def _m_oauth_v2_access(self, args: dict[str, Any], token: str) -> web.Response:
        grant = self.oauth_codes.get(str(args.get("code", "")))
        if grant is None:
            return _fail("invalid_code")
        return _ok(**grant)

    async def _m_auth_revoke(self, args: dict[str, Any], token: str) -> web.Response:
        self.tokens_revoked.append(token)
        return _ok(revoked=True)

    # -- response_url ------------------------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(ResponsePost(request.match_info["token"], body))
        return web.json_response({"ok": True})

    def responses_to(self, token: str) -> list[dict[str, Any]]:
        return [r.body for r in self.responses if r.token == token]

    # -- Socket Mode -------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "debug_info": {"host": "fake"},
                            "connection_info": {"app_id": self.app_id}})
        self._socket_ready.set()
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks[str(data["envelope_id"])] = data
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
        return ws

    async def push(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0,
                   accepts_response_payload: bool = False) -> str:
        """Send one envelope (``events_api``, ``slash_commands``, ``interactive``) down the
        newest open socket; returns its envelope id (see :attr:`acks`)."""
        await self.wait_until(lambda: self.sockets, what="a Socket Mode connection")
        envelope_id = f"env{next(self._envelopes)}"
        await self.sockets[-1].send_json({
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else "",
        })
        return envelope_id

    async def ask_to_reconnect(self) -> None:
        """What Slack sends before it moves a connection: the client must open a new one."""
        for ws in list(self.sockets):
            await ws.send_json({"type": "disconnect", "reason": "refresh_requested",
                                "debug_info": {"host": "fake"}})


async def _read_args(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return dict(request.query)
    if request.content_type == "application/json":
        body = json.loads(raw)
        args: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    else:
        args = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            args[key] = json.loads(value)
    return args


def _ok(**fields: Any) -> web.Response:
    return web.json_response({"ok": True, **fields})


def _fail(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})


def _rate_limited(retry_after: int) -> web.Response:
    return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                             headers={"Retry-After": str(int(retry_after))})
