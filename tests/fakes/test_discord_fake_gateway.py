"""The Discord fake at login and on the gateway, as the REAL discord.py 2.7.1 sees it.

Login (``/users/@me``, the application), READY with the guild, MESSAGE_CREATE for guild
messages, DMs and the bot's own echoes, auto-sharding through ``/gateway/bot``, and pointing
discord.py at the fake (undone afterwards). Every test runs an unmodified client on loopback.
"""

from __future__ import annotations

import asyncio

import discord

from tests.fakes.discord_fake_helpers import (
    ClientFactory,
    FakeFactory,
    collect_messages,
    intents,
    next_item,
)
from tests.fakes.discord_payloads import DiscordPayloads
from tests.fakes.discord_server import (
    INTENT_MESSAGE_CONTENT,
    FakeDiscord,
    point_discord_at,
    running_client,
)


# ------------------------------------------------------------------------- login & gateway
async def test_login_and_on_ready_see_the_guild_and_its_members(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client(intents(members=True))  # members intent: chunked at startup
    async with running_client(client):
        guild = client.get_guild(int(fake_discord.guild_id))
        assert guild is not None and guild.name == "Test Guild"
        assert sorted(m.name for m in guild.members) == ["alice", "bob", "warmline"]
        assert client.user is not None and client.user.id == int(fake_discord.bot["id"])
        assert client.application_id == int(fake_discord.application_id)

    routes = [r.route for r in fake_discord.requests]
    assert routes[:2] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    assert fake_discord.identifies[0]["intents"] & INTENT_MESSAGE_CONTENT
    assert fake_discord.heartbeats >= 1
    assert fake_discord.unknown_requests == []


async def test_without_presences_guild_create_carries_only_the_bot_member(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    # As on Discord: an adapter that relies on the member cache without the intents breaks here.
    client = make_discord_client()
    async with running_client(client):
        guild = client.get_guild(int(fake_discord.guild_id))
        assert guild is not None
        assert [m.name for m in guild.members] == ["warmline"]
        assert guild.member_count == 3


async def test_message_create_reaches_on_message(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    received = collect_messages(client)
    async with running_client(client):
        sent = await fake_discord.user_message("good morning")
        message = await next_item(received)
    assert message.content == "good morning"
    assert message.id == int(sent["id"])
    assert message.author.name == "alice"
    assert isinstance(message.channel, discord.TextChannel)
    assert message.guild is not None and message.guild.id == int(fake_discord.guild_id)


async def test_inbound_dm_arrives_on_a_dm_channel(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    received = collect_messages(client)
    async with running_client(client):
        await fake_discord.user_dm("can we talk?", author=fake_discord.user("bob"))
        message = await next_item(received)
    assert isinstance(message.channel, discord.DMChannel)
    assert message.guild is None and message.content == "can we talk?"


async def test_replies_are_echoed_back_as_the_bots_own_message_create(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    own: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author == client.user:
            own.put_nowait(message)

    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("hello everyone")
        echoed = await next_item(own)
    assert echoed.id == sent.id and echoed.content == "hello everyone"


# ------------------------------------------------------------------------- sharding & payloads
async def test_auto_sharded_client_uses_gateway_bot_and_both_shards(
    fake_discord_factory: FakeFactory,
) -> None:
    p = DiscordPayloads()
    alice = p.user("alice")
    guilds = [
        p.guild(name=f"G{k}", owner=alice, members=[p.member(alice)], id=str(k << 22))
        for k in (1000, 1001)
    ]
    fake = await fake_discord_factory(payloads=p, guilds=guilds, shards=2)

    class NoIdentifyWait(discord.AutoShardedClient):
        async def before_identify_hook(
            self, shard_id: int | None, *, initial: bool = False
        ) -> None:
            return None  # discord.py waits 5 s between IDENTIFYs by default

    client = NoIdentifyWait(intents=intents(), guild_ready_timeout=0.1)
    received = collect_messages(client)
    async with running_client(client):
        await fake.wait_ready(2)
        await client.wait_until_ready()
        assert {g.name: g.shard_id for g in client.guilds} == {"G1000": 0, "G1001": 1}
        await fake.user_message("on shard one", channel_id=guilds[1]["channels"][0]["id"])
        assert (await next_item(received)).content == "on shard one"
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
    assert "GET /gateway/bot" in {r.route for r in fake.requests}


def test_point_discord_at_is_undone_by_its_restore_function() -> None:
    fake = FakeDiscord()
    fake.port = 1234
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    restore = point_discord_at(fake)
    assert discord.http.Route.BASE == "http://127.0.0.1:1234/api/v10"
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1234/gw"
    restore()
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
