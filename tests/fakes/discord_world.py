"""The state of the fake Discord: the application, its users, guilds, channels and messages.

Why a module of its own: the gateway announces this world (READY, GUILD_CREATE) and the REST
handlers read and change it (messages, DM channels, interactions); both share one ``World``
instead of reaching into each other.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tests.fakes.discord_payloads import CHANNEL_GUILD_TEXT, JSON, DiscordPayloads
from tests.fakes.discord_protocol import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
)


@dataclass(slots=True)
class InteractionState:
    """An interaction the fake dispatched, and how (if at all) the bot has answered it."""

    payload: JSON
    dispatched_at: float
    reply_type: int | None = None
    original_message_id: str | None = None


def shard_of(guild_id: str | int, shard_count: int) -> int:
    """Discord's sharding formula: which shard receives a guild's events."""
    return (int(guild_id) >> 22) % max(1, shard_count)


class World:
    """Application settings (token, granted intents) and everything that exists on Discord."""

    def __init__(
        self,
        *,
        payloads: DiscordPayloads | None,
        bot: JSON | None,
        guilds: Sequence[JSON] | None,
        users: Iterable[JSON],
        token: str | None,
        privileged_intents: int,
    ) -> None:
        self.payloads = payloads or DiscordPayloads()
        p = self.payloads
        self.bot: JSON = bot or p.user("warmline", bot=True)
        self.application_id: str = self.bot["id"]
        self.token = token
        self.privileged_intents = privileged_intents
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
        self.interactions: dict[str, InteractionState] = {}
        self.interaction_by_token: dict[str, str] = {}
        self.command_ids: dict[tuple[str | None, str, int], str] = {}

    # ------------------------------------------------------------------ people and places
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

    def guilds_on_shard(self, shard_id: int, shard_count: int) -> list[JSON]:
        return [g for gid, g in self.guilds.items() if shard_of(gid, shard_count) == shard_id]

    def user(self, username: str) -> JSON:
        for u in self.users.values():
            if u["username"] == username:
                return u
        raise KeyError(username)

    def default_user(self) -> JSON:
        """The first human member of the first guild: who acts when a test names nobody."""
        for m in self.guild["members"]:
            if not m["user"].get("bot"):
                return dict(m["user"])
        raise LookupError("the first guild has no human member")

    def close_dms(self, user_id: str) -> None:
        self.closed_dms.add(user_id)

    def open_dms(self, user_id: str) -> None:
        self.closed_dms.discard(user_id)

    def ensure_dm_channel(self, user: JSON) -> JSON:
        cid = self.dm_channel_by_user.get(user["id"])
        if cid is None:
            chan = self.payloads.dm_channel(user)
            cid = chan["id"]
            self.channels[cid] = chan
            self.dm_channel_by_user[user["id"]] = cid
        return self.channels[cid]

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

    def observe(self, event: str, data: JSON) -> None:
        """Learn what a dispatched event implies about the world (users, messages exist ...)."""
        if event == "MESSAGE_CREATE":
            self.messages[data["id"]] = data
            self.users.setdefault(data["author"]["id"], data["author"])
        elif event == "INTERACTION_CREATE":
            self.interactions[data["id"]] = InteractionState(data, time.monotonic())
            self.interaction_by_token[data["token"]] = data["id"]
            who = data.get("member", {}).get("user") or data.get("user")
            if who:
                self.users.setdefault(who["id"], who)
            if "message" in data:
                self.messages.setdefault(data["message"]["id"], data["message"])
