"""With several shards the fake behaves like Discord: one session per shard, each with its own
guilds, sequence numbers and RESUME buffer, and every event on the shard of its guild.

Run against the REAL ``discord.AutoShardedClient``; waits go through queues with timeouts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from tests.fakes.discord_payloads import DiscordPayloads, SnowflakeFactory
from tests.fakes.discord_server import FakeDiscord, running_client

FakeFactory = Callable[..., Awaitable[FakeDiscord]]


class NoIdentifyWait(discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s between IDENTIFYs by default


def sharded_client() -> tuple[discord.AutoShardedClient, asyncio.Queue[discord.Message]]:
    intents = discord.Intents.default()
    intents.message_content = True
    client = NoIdentifyWait(intents=intents, guild_ready_timeout=0.1)
    received: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        received.put_nowait(message)

    return client, received


async def two_shard_world(factory: FakeFactory) -> tuple[FakeDiscord, list[str]]:
    """A fake recommending 2 shards, with one guild on each; returns the channel ids."""
    p = DiscordPayloads()
    alice = p.user("alice")
    guilds = [
        p.guild(
            name=f"on shard {k}", owner=alice, members=[p.member(alice)], id=p.id_on_shard(k, 2)
        )
        for k in (0, 1)
    ]
    fake = await factory(payloads=p, guilds=guilds, shards=2)
    return fake, [g["channels"][0]["id"] for g in guilds]


async def next_content(queue: asyncio.Queue[discord.Message]) -> str:
    return (await asyncio.wait_for(queue.get(), 5.0)).content


def test_ids_on_a_shard_land_on_it_and_stay_unique_and_increasing() -> None:
    factory = SnowflakeFactory(now_ms=lambda: 1_700_000_000_000)  # a frozen clock
    ids = [factory.next_on_shard(k % 3, 3) if k % 2 else factory.next() for k in range(600)]
    on_shard = [int(i) for k, i in enumerate(ids) if k % 2]
    assert [(i >> 22) % 3 for i in on_shard] == [k % 3 for k in range(600) if k % 2]
    numbers = [int(i) for i in ids]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


async def test_each_shard_has_its_own_session_guilds_sequence_and_resume_buffer(
    fake_discord_factory: FakeFactory,
) -> None:
    fake, channels = await two_shard_world(fake_discord_factory)
    client, received = sharded_client()
    async with running_client(client):
        await fake.wait_ready(2)
        sessions = fake.shard_sessions()
        assert sorted(sessions) == [0, 1]
        assert sessions[0].session_id != sessions[1].session_id
        assert [fake.shard_of(g) for s in (0, 1) for g in sessions[s].guild_ids] == [0, 1]
        assert {g.shard_id for g in client.guilds} == {0, 1}

        for k in (0, 1):
            await fake.user_message(f"hello shard {k}", channel_id=channels[k])
            assert await next_content(received) == f"hello shard {k}"
        after = fake.shard_sessions()
        # READY, GUILD_CREATE, one message: each session counts its own frames only
        assert (after[0].seq, after[1].seq) == (3, 3)

        await fake.disconnect(4000, shard_id=1, hold_reconnect=True)
        for i in (1, 2):
            await fake.user_message(f"missed {i}", channel_id=channels[1])
        await fake.user_message("shard 0 is unaffected", channel_id=channels[0])
        assert await next_content(received) == "shard 0 is unaffected"
        fake.allow_reconnect()
        await fake.wait_resumed()
        assert [await next_content(received) for _ in range(2)] == ["missed 1", "missed 2"]

    resume = fake.resumes[0]
    assert (resume.shard_id, resume.session_id, resume.replayed) == (1, sessions[1].session_id, 2)
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
    assert received.empty()


async def test_dms_travel_on_shard_zero_and_guild_events_on_their_guilds_shard(
    fake_discord_factory: FakeFactory,
) -> None:
    fake, channels = await two_shard_world(fake_discord_factory)
    client, received = sharded_client()
    async with running_client(client):
        await fake.wait_ready(2)
        before = {k: s.seq for k, s in fake.shard_sessions().items()}
        await fake.user_dm("a private word", author=fake.user("alice"))
        assert await next_content(received) == "a private word"
        await fake.slash("ping", channel_id=channels[1], user=fake.user("alice"))
        seqs = {k: s.seq for k, s in fake.shard_sessions().items()}
    assert (seqs[0] - before[0], seqs[1] - before[1]) == (1, 1)


async def test_gateway_bot_recommends_the_shard_count_and_a_bad_shard_is_closed_4010(
    fake_discord_factory: FakeFactory,
) -> None:
    fake, _ = await two_shard_world(fake_discord_factory)
    auth = {"Authorization": "Bot fake-token"}
    identify: dict[str, Any] = {
        "token": "fake-token",
        "intents": 1,
        "properties": {},
        "shard": [2, 2],  # ids run 0 .. count - 1
    }
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fake.api_base}/gateway/bot", headers=auth) as resp:
            assert (await resp.json())["shards"] == 2
        async with http.ws_connect(fake.gateway_url) as ws:
            hello = await ws.receive_json(timeout=5)
            assert hello["op"] == 10
            await ws.send_json({"op": 2, "d": identify})
            closing = await ws.receive(timeout=5)
    assert closing.type is aiohttp.WSMsgType.CLOSE
    assert ws.close_code == 4010
    assert fake.close_codes == [4010] and fake.ready_count == 0
