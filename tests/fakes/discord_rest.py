"""The REST API of the Discord fake: the routes discord.py calls, answered as Discord does.

Why a module of its own: these handlers are where the fake is faithful to Discord's answers
(message objects, interaction callback bodies ``{"interaction": ..., "resource": ...}``,
JSON error codes such as 50007 for closed DMs or 10062 for a late interaction). Rate limits,
authentication and recording happen before them, in the HTTP front.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_messages import apply_edit, bot_message, validate_message_body
from tests.fakes.discord_payloads import (
    CHANNEL_DM,
    CHANNEL_GUILD_TEXT,
    CHANNEL_PRIVATE_THREAD,
    JSON,
)
from tests.fakes.discord_protocol import (
    ALLOWED_CALLBACKS,
    BODY,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    DiscordError,
    error_response,
    json_response,
)
from tests.fakes.discord_ratelimit import RateLimiter
from tests.fakes.discord_records import (
    CommandSync,
    Followup,
    InteractionReply,
    MessageEdit,
    Records,
    SentMessage,
    ThreadCreated,
)
from tests.fakes.discord_world import InteractionState, World

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RestApi:
    """The Discord REST routes (paths without the ``/api/v10`` prefix) and their handlers."""

    def __init__(
        self,
        world: World,
        records: Records,
        limiter: RateLimiter,
        gateway: Gateway,
        *,
        api_base: Callable[[], str],
        gateway_url: Callable[[], str],
        shards: int,
        interaction_deadline: float | None,
        echo_bot_messages: bool,
    ) -> None:
        self.world = world
        self.records = records
        self.limiter = limiter
        self.gateway = gateway
        self.api_base = api_base
        self.gateway_url = gateway_url
        self.shards = shards
        self.interaction_deadline = interaction_deadline
        self.echo_bot_messages = echo_bot_messages

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
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

    @staticmethod
    async def unknown(request: web.Request) -> web.StreamResponse:
        return error_response(404, "404: Not Found", 0)

    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            200, {**self.world.bot, "verified": True, "mfa_enabled": False, "flags": 0}
        )

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        user = self.world.users.get(request.match_info["user_id"])
        if user is None:
            raise DiscordError(404, "Unknown User", 10013)
        return json_response(200, user)

    async def _get_app(self, request: web.Request) -> web.StreamResponse:
        owner = next((u for u in self.world.users.values() if not u.get("bot")), self.world.bot)
        return json_response(
            200,
            {
                "id": self.world.application_id,
                "name": self.world.bot["username"],
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": self.world.privileged_intents_flags(),
                "bot": self.world.bot,
            },
        )

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            200,
            {
                "url": self.gateway_url(),
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
        return json_response(200, {"url": self.gateway_url()})

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        guild_id = request.match_info.get("guild_id")
        if request.match_info["application_id"] != self.world.application_id:
            raise DiscordError(403, "Missing Access", 50001)
        body = request[BODY] or []
        out: list[JSON] = []
        for cmd in body:
            key = (guild_id, cmd["name"], int(cmd.get("type", 1)))
            cid = self.world.command_ids.get(key) or self.world.payloads.id()
            self.world.command_ids[key] = cid
            echoed: JSON = {
                "description": "",
                "type": 1,
                "default_member_permissions": None,
                "nsfw": False,
                **cmd,
                "id": cid,
                "application_id": self.world.application_id,
                "version": self.world.payloads.id(),
            }
            if guild_id is not None:
                echoed["guild_id"] = guild_id
            out.append(echoed)
        self.records.command_syncs.append(CommandSync(guild_id, out, time.monotonic()))
        return json_response(200, out)

    async def _get_commands(self, request: web.Request) -> web.StreamResponse:
        guild_id = request.match_info.get("guild_id")
        for sync in reversed(self.records.command_syncs):
            if sync.guild_id == guild_id:
                return json_response(200, sync.commands)
        return json_response(200, [])

    async def _open_dm(self, request: web.Request) -> web.StreamResponse:
        body = request[BODY] or {}
        uid = str(body.get("recipient_id", ""))
        user = self.world.users.get(uid)
        if user is None or uid == self.world.bot["id"]:
            raise DiscordError(400, "Invalid Recipient(s)", 50033)
        if not self.limiter.dm_open_allowed(time.monotonic()):
            raise DiscordError(403, "You are opening direct messages too fast", 40003)
        self.records.dm_opens.append(uid)
        return json_response(200, self.world.ensure_dm_channel(user))

    def _channel(self, channel_id: str) -> JSON:
        chan = self.world.channels.get(channel_id)
        if chan is None:
            raise DiscordError(404, "Unknown Channel", 10003)
        return chan

    def _bot_message(self, channel: JSON, body: JSON, **extra: Any) -> JSON:
        return bot_message(self.world, channel, body, files_base=self.api_base(), **extra)

    async def _echo(self, event: str, msg: JSON) -> None:
        if self.echo_bot_messages and self.gateway.find_session(event, msg) is not None:
            await self.gateway.dispatch(event, msg)

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        chan = self._channel(request.match_info["channel_id"])
        body: JSON = request[BODY] or {}
        validate_message_body(body)
        dm_user: str | None = None
        if chan["type"] == CHANNEL_DM:
            dm_user = chan["recipients"][0]["id"]
            if dm_user in self.world.closed_dms:
                raise DiscordError(403, "Cannot send messages to this user", 50007)
        msg = self._bot_message(chan, body)
        self.world.messages[msg["id"]] = msg
        self.records.messages_sent.append(
            SentMessage(chan["id"], body, msg, dm_user, time.monotonic())
        )
        await self._echo("MESSAGE_CREATE", msg)
        return json_response(200, msg)

    async def _edit_message(self, request: web.Request) -> web.StreamResponse:
        self._channel(request.match_info["channel_id"])
        msg = self.world.messages.get(request.match_info["message_id"])
        if msg is None or msg["channel_id"] != request.match_info["channel_id"]:
            raise DiscordError(404, "Unknown Message", 10008)
        if msg["author"]["id"] != self.world.bot["id"]:
            raise DiscordError(403, "Cannot edit a message authored by another user", 50005)
        body: JSON = request[BODY] or {}
        validate_message_body(body, edit=True)
        apply_edit(self.world.payloads, msg, body)
        self.records.message_edits.append(MessageEdit("channel", msg["id"], body, time.monotonic()))
        await self._echo("MESSAGE_UPDATE", msg)
        return json_response(200, msg)

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        msg = self.world.messages.get(request.match_info["message_id"])
        if msg is None or msg["channel_id"] != request.match_info["channel_id"]:
            raise DiscordError(404, "Unknown Message", 10008)
        return json_response(200, msg)

    async def _make_thread(self, parent: JSON, body: JSON, message_id: str | None) -> JSON:
        if parent.get("guild_id") is None or parent["type"] != CHANNEL_GUILD_TEXT:
            raise DiscordError(400, "Cannot execute action on this channel type", 50024)
        private = (
            message_id is None
            and int(body.get("type", CHANNEL_PRIVATE_THREAD)) == CHANNEL_PRIVATE_THREAD
        )
        thread = self.world.payloads.thread(
            guild_id=parent["guild_id"],
            parent_id=parent["id"],
            owner_id=self.world.bot["id"],
            name=str(body.get("name", "thread")),
            id=message_id,
            private=private,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        thread["member"] = {
            "id": thread["id"],
            "user_id": self.world.bot["id"],
            "join_timestamp": thread["thread_metadata"]["create_timestamp"],
            "flags": 1,
        }
        self.world.channels[thread["id"]] = thread
        self.records.threads_created.append(
            ThreadCreated(parent["id"], message_id, body, thread, time.monotonic())
        )
        created = {**thread, "newly_created": True}
        if self.gateway.find_session("THREAD_CREATE", created) is not None:
            await self.gateway.dispatch("THREAD_CREATE", created)
        return thread

    async def _thread_from_message(self, request: web.Request) -> web.StreamResponse:
        parent = self._channel(request.match_info["channel_id"])
        mid = request.match_info["message_id"]
        msg = self.world.messages.get(mid)
        if msg is None or msg["channel_id"] != parent["id"]:
            raise DiscordError(404, "Unknown Message", 10008)
        if mid in self.world.channels:
            raise DiscordError(400, "A thread has already been created for this message", 160004)
        thread = await self._make_thread(parent, request[BODY] or {}, mid)
        return json_response(201, thread)

    async def _thread(self, request: web.Request) -> web.StreamResponse:
        parent = self._channel(request.match_info["channel_id"])
        thread = await self._make_thread(parent, request[BODY] or {}, None)
        return json_response(201, thread)

    def _interaction(self, interaction_id: str, token: str) -> InteractionState:
        st = self.world.interactions.get(interaction_id)
        if st is None or st.payload["token"] != token:
            raise DiscordError(404, "Unknown interaction", 10062)
        return st

    def _interaction_channel(self, st: InteractionState) -> JSON:
        cid = st.payload["channel_id"]
        return self.world.channels.get(cid) or {**st.payload["channel"], "id": cid}

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
        body: JSON = request[BODY] or {}
        rtype = int(body.get("type", 0))
        itype = int(st.payload["type"])
        if rtype not in ALLOWED_CALLBACKS.get(itype, frozenset()):
            raise DiscordError(
                400, "Invalid Form Body (type: invalid interaction response type)", 50035
            )
        data: JSON | None = body.get("data")
        resource: JSON = {"type": rtype}
        flags = int((data or {}).get("flags") or 0)
        ephemeral = bool(flags & MESSAGE_FLAG_EPHEMERAL)
        chan = self._interaction_channel(st)
        if rtype == CALLBACK_MESSAGE:
            validate_message_body(data or {})
            msg = self._bot_message(
                chan,
                data or {},
                application_id=self.world.application_id,
                webhook_id=self.world.application_id,
            )
            st.original_message_id = msg["id"]
            self.world.messages[msg["id"]] = msg
            resource["message"] = msg
        elif rtype == CALLBACK_DEFERRED_MESSAGE:
            msg = self._bot_message(
                chan,
                {"content": "", "flags": MESSAGE_FLAG_LOADING | (flags & MESSAGE_FLAG_EPHEMERAL)},
                application_id=self.world.application_id,
                webhook_id=self.world.application_id,
            )
            st.original_message_id = msg["id"]
            self.world.messages[msg["id"]] = msg
            resource["message"] = msg
        elif rtype in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE):
            target = st.payload.get("message")
            if target is None:
                raise DiscordError(400, "Invalid Form Body (type: no message to update)", 50035)
            st.original_message_id = target["id"]
            msg = self.world.messages.setdefault(target["id"], target)
            if rtype == CALLBACK_UPDATE_MESSAGE:
                apply_edit(self.world.payloads, msg, data or {})
                resource["message"] = msg
        st.reply_type = rtype
        self.records.interaction_replies.append(
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
        return json_response(200, answer)

    def _webhook_interaction(self, request: web.Request) -> InteractionState:
        if request.match_info["webhook_id"] != self.world.application_id:
            raise DiscordError(404, "Unknown Webhook", 10015)
        iid = self.world.interaction_by_token.get(request.match_info["webhook_token"])
        st = self.world.interactions.get(iid or "")
        if st is None or st.reply_type is None:
            raise DiscordError(404, "Unknown Webhook", 10015)
        if time.monotonic() - st.dispatched_at > 15 * 60:
            raise DiscordError(401, "Invalid Webhook Token", 50027)
        return st

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        st = self._webhook_interaction(request)
        body: JSON = request[BODY] or {}
        validate_message_body(body)
        msg = self._bot_message(
            self._interaction_channel(st),
            body,
            application_id=self.world.application_id,
            webhook_id=self.world.application_id,
        )
        self.world.messages[msg["id"]] = msg
        self.records.followups.append(Followup(st.payload["id"], body, msg, time.monotonic()))
        if request.query.get("wait", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        return json_response(200, msg)

    def _original(self, st: InteractionState) -> JSON:
        msg = self.world.messages.get(st.original_message_id or "")
        if msg is None:
            raise DiscordError(404, "Unknown Message", 10008)
        return msg

    async def _get_original(self, request: web.Request) -> web.StreamResponse:
        return json_response(200, self._original(self._webhook_interaction(request)))

    async def _edit_original(self, request: web.Request) -> web.StreamResponse:
        msg = self._original(self._webhook_interaction(request))
        body: JSON = request[BODY] or {}
        validate_message_body(body, edit=True)
        apply_edit(self.world.payloads, msg, body)
        self.records.message_edits.append(
            MessageEdit("original", msg["id"], body, time.monotonic())
        )
        return json_response(200, msg)

    async def _delete_original(self, request: web.Request) -> web.StreamResponse:
        msg = self._original(self._webhook_interaction(request))
        self.world.messages.pop(msg["id"], None)
        return web.Response(status=204)

    async def _edit_followup(self, request: web.Request) -> web.StreamResponse:
        self._webhook_interaction(request)
        msg = self.world.messages.get(request.match_info["message_id"])
        if msg is None:
            raise DiscordError(404, "Unknown Message", 10008)
        body: JSON = request[BODY] or {}
        apply_edit(self.world.payloads, msg, body)
        self.records.message_edits.append(
            MessageEdit("followup", msg["id"], body, time.monotonic())
        )
        return json_response(200, msg)
