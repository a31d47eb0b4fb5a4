"""The Discord fake's REST side, as the REAL discord.py 2.7.1 uses it.

DMs opened once and posted into, closed DMs (50007), exactly ``application/json`` answers, 404
for unknown routes (recorded), threads, and snowflake ids that are unique and increasing.
"""

from __future__ import annotations

import aiohttp
import discord
import pytest

from tests.fakes.discord_fake_helpers import ClientFactory
from tests.fakes.discord_payloads import SnowflakeFactory
from tests.fakes.discord_server import FakeDiscord, running_client


async def test_user_send_opens_a_dm_once_and_posts_into_it(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    alice_id = fake_discord.user("alice")["id"]
    async with running_client(client):
        alice = await client.fetch_user(int(alice_id))
        await alice.send("first")
        await alice.send("second")

    assert fake_discord.dm_opens == [alice_id]  # discord.py caches the DM channel
    assert [m.body["content"] for m in fake_discord.messages_sent] == ["first", "second"]
    assert {m.dm_user_id for m in fake_discord.messages_sent} == {alice_id}
    assert fake_discord.messages_sent[0].channel_id == fake_discord.dm_channel_by_user[alice_id]


async def test_dm_to_a_user_with_closed_dms_is_forbidden_50007(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    bob_id = fake_discord.user("bob")["id"]
    fake_discord.close_dms(bob_id)
    async with running_client(client):
        bob = await client.fetch_user(int(bob_id))
        with pytest.raises(discord.Forbidden) as excinfo:
            await bob.send("hello")
    assert excinfo.value.code == 50007
    assert excinfo.value.text == "Cannot send messages to this user"
    assert fake_discord.messages_sent == []


async def test_the_fake_answers_exactly_application_json(fake_discord: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{fake_discord.api_base}/users/@me", headers={"Authorization": "Bot x"}
        ) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert resp.headers["X-RateLimit-Bucket"]
            assert (await resp.json())["id"] == fake_discord.bot["id"]
        async with http.get(f"{fake_discord.api_base}/users/@me") as resp:
            assert resp.status == 401  # no "Authorization: Bot ..." header


async def test_unknown_routes_answer_404_json_and_are_recorded(fake_discord: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.delete(
            f"{fake_discord.api_base}/guilds/1/bans/2", headers={"Authorization": "Bot x"}
        ) as resp,
    ):
        assert resp.status == 404
        assert resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["code"] == 0
    assert [(r.method, r.path) for r in fake_discord.unknown_requests] == [
        ("DELETE", "/guilds/1/bans/2")
    ]


async def test_threads_from_a_message_and_in_a_channel(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("new listening request")
        public = await message.create_thread(name="listening")
        private = await channel.create_thread(
            name="one-to-one", type=discord.ChannelType.private_thread
        )
        await public.send("in the thread")

    assert public.id == message.id and private.type is discord.ChannelType.private_thread
    assert [(t.message_id, t.body["name"]) for t in fake_discord.threads_created] == [
        (str(message.id), "listening"),
        (None, "one-to-one"),
    ]
    assert fake_discord.messages_sent[-1].channel_id == str(public.id)


def test_snowflakes_are_unique_and_increasing() -> None:
    factory = SnowflakeFactory(now_ms=lambda: 1_700_000_000_000)  # a frozen clock
    ids = [int(factory.next()) for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
