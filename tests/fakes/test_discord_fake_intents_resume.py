"""Intents and RESUME on the Discord fake, against the REAL discord.py 2.7.1.

Events of intents not requested are not delivered, an ungranted privileged intent closes with
4014, without message content guild texts arrive blank (mentions and DMs still carry theirs),
and a RESUME replays exactly the dispatches the client missed.
"""

from __future__ import annotations

import asyncio

import discord
import pytest

from tests.fakes.discord_fake_helpers import (
    ClientFactory,
    FakeFactory,
    collect_messages,
    intents,
    next_item,
)
from tests.fakes.discord_server import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    FakeDiscord,
    running_client,
)


async def test_events_of_unrequested_intents_are_not_delivered(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    no_guild_messages = intents()
    no_guild_messages.guild_messages = False
    client = make_discord_client(no_guild_messages)
    received = collect_messages(client)
    async with running_client(client):
        await fake_discord.user_message("not for you")
        await fake_discord.user_dm("but this is")
        assert (await next_item(received)).content == "but this is"
    assert [d.event for d in fake_discord.dropped_dispatches] == ["MESSAGE_CREATE"]


# ------------------------------------------------------------------------- resume
async def test_resume_replays_exactly_the_missed_dispatches(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    received = collect_messages(client)
    resumed: asyncio.Queue[None] = asyncio.Queue()

    @client.event
    async def on_resumed() -> None:
        resumed.put_nowait(None)

    async with running_client(client):
        for i in (1, 2):
            await fake_discord.user_message(f"event {i}")
        assert [(await next_item(received)).content for _ in range(2)] == ["event 1", "event 2"]

        await fake_discord.disconnect(4000, hold_reconnect=True)
        for i in (3, 4, 5):  # the client is away: these are only queued
            await fake_discord.user_message(f"event {i}")
        fake_discord.allow_reconnect()
        await fake_discord.wait_resumed()
        await next_item(resumed)
        await fake_discord.user_message("event 6")
        contents = [(await next_item(received)).content for _ in range(4)]

        await fake_discord.user_message("sentinel")
        assert (await next_item(received)).content == "sentinel"
        assert received.empty()  # nothing was handled twice

    assert contents == ["event 3", "event 4", "event 5", "event 6"]
    assert len(fake_discord.identifies) == 1  # resumed, not re-identified
    assert fake_discord.resumes[0].replayed == 3


# ------------------------------------------------------------------------- intents
async def test_requesting_an_ungranted_privileged_intent_raises(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(
        privileged_intents=INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES
    )
    client = make_discord_client(intents(message_content=True))
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.start("fake-token"), 5)
    finally:
        await client.close()
    assert fake.close_codes == [4014]


async def test_without_message_content_guild_content_arrives_blank(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(privileged_intents=0)
    client = make_discord_client(intents(message_content=False))
    received = collect_messages(client)
    async with running_client(client):
        await fake.user_message("private thoughts")
        plain = await next_item(received)
        await fake.user_message("hey bot", mention_bot=True)
        mention = await next_item(received)
        await fake.user_dm("in a dm")
        dm = await next_item(received)
    assert plain.content == "" and plain.components == []
    assert mention.content.endswith("hey bot")
    assert dm.content == "in a dm"
