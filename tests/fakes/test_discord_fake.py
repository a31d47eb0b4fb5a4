"""The Discord fake is faithful where the REAL discord.py 2.7.1 depends on it.

Every test runs an unmodified ``discord.Client`` against :class:`FakeDiscord` on loopback and
checks both sides: what the client saw (events, exceptions) and what the fake recorded.
Client-side waits go through asyncio queues with timeouts, never through sleeps.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fakes.discord_payloads import DiscordPayloads, SnowflakeFactory
from tests.fakes.discord_server import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
    FakeDiscord,
    RateLimitConfig,
    RouteLimit,
    point_discord_at,
    running_client,
)

FakeFactory = Callable[..., Awaitable[FakeDiscord]]
ClientFactory = Callable[..., discord.Client]
MESSAGES_ROUTE = "POST /channels/{channel_id}/messages"


async def next_item(queue: asyncio.Queue[Any], within: float = 5.0) -> Any:
    return await asyncio.wait_for(queue.get(), within)


def intents(
    *, message_content: bool = True, members: bool = False, presences: bool = False
) -> discord.Intents:
    i = discord.Intents.default()
    i.message_content = message_content
    i.members = members
    i.presences = presences
    return i


def collect_messages(client: discord.Client) -> asyncio.Queue[discord.Message]:
    queue: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if client.user is not None and message.author.id != client.user.id:
            queue.put_nowait(message)

    return queue


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


# ------------------------------------------------------------------------- rate limits
async def test_forced_429_is_retried_after_retry_after_and_sent_once(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    fake_discord.force_429(MESSAGES_ROUTE, retry_after=0.2)
    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        await channel.send("are you there?")

    assert [m.body["content"] for m in fake_discord.messages_sent] == ["are you there?"]
    attempts = [r for r in fake_discord.requests if r.route == MESSAGES_ROUTE]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.2 - 0.01  # waited retry_after, not a fixed backoff
    assert len(fake_discord.rate_limited) == 1 and fake_discord.rate_limited[0].forced


@pytest.mark.parametrize("emulated", [False, True])
async def test_every_429_carries_via_and_a_float_retry_after(
    fake_discord_factory: FakeFactory, emulated: bool
) -> None:
    # Without Via discord.py treats a 429 as a Cloudflare ban and raises instead of retrying.
    rl = RateLimitConfig(enabled=True, default_route=RouteLimit(1, 10.0)) if emulated else None
    fake = await fake_discord_factory(rate_limits=rl)
    if not emulated:
        fake.force_429("GET /users/@me", retry_after=0.75)
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(2):
            async with http.get(
                f"{fake.api_base}/users/@me", headers={"Authorization": "Bot x"}
            ) as resp:
                statuses.append(resp.status)
                if resp.status == 429:
                    assert resp.headers["Via"] == "1.1 google"
                    assert resp.headers["Content-Type"] == "application/json"
                    for h in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
                        assert f"X-RateLimit-{h}" in resp.headers
                    body = json.loads(await resp.text())
                    assert set(body) == {"message", "retry_after", "global"}
                    assert isinstance(body["retry_after"], float) and body["global"] is False
    assert 429 in statuses
    assert len(fake.rate_limited) == 1


async def test_emulated_route_bucket_is_respected_by_discord_py_without_any_429(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(
        rate_limits=RateLimitConfig(enabled=True, routes={MESSAGES_ROUTE: RouteLimit(2, 0.3)})
    )
    client = make_discord_client()
    async with running_client(client):
        channel = client.get_channel(int(fake.channel_id))
        assert isinstance(channel, discord.TextChannel)
        await asyncio.gather(*(channel.send(f"m{i}") for i in range(5)))
    assert sorted(m.body["content"] for m in fake.messages_sent) == [f"m{i}" for i in range(5)]
    assert fake.rate_limited == []  # the headers let discord.py wait before the bucket ran out
    posts = [r.at for r in fake.requests if r.route == MESSAGES_ROUTE]
    assert posts[2] - posts[0] >= 0.3 - 0.01


async def test_emulated_global_limit_yields_global_429s_that_discord_py_absorbs(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(
        rate_limits=RateLimitConfig(enabled=True, global_limit=3, global_period=0.3, routes={})
    )
    client = make_discord_client()
    async with running_client(client):
        channels = [client.get_channel(int(fake.channel_id))]
        channel = channels[0]
        assert isinstance(channel, discord.TextChannel)
        await asyncio.gather(*(channel.send(f"g{i}") for i in range(6)))
    assert sorted(m.body["content"] for m in fake.messages_sent) == [f"g{i}" for i in range(6)]
    assert fake.rate_limited and all(r.is_global for r in fake.rate_limited)


async def test_dm_open_budget_answers_403_40003(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(
        rate_limits=RateLimitConfig(enabled=True, dm_opens=RouteLimit(1, 60.0))
    )
    client = make_discord_client()
    async with running_client(client):
        alice = await client.fetch_user(int(fake.user("alice")["id"]))
        bob = await client.fetch_user(int(fake.user("bob")["id"]))
        await alice.send("hi")
        with pytest.raises(discord.Forbidden) as excinfo:
            await bob.send("hi")
    assert excinfo.value.code == 40003
    assert fake.dm_opens == [fake.user("alice")["id"]]


# ------------------------------------------------------------------------- interactions
async def test_slash_subcommand_gets_its_ephemeral_reply_recorded(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    tree = app_commands.CommandTree(client)
    checkin = app_commands.Group(name="checkin", description="Check-ins")
    moods: asyncio.Queue[str] = asyncio.Queue()

    @checkin.command(name="join", description="Join the check-in")
    async def join(interaction: discord.Interaction, mood: str) -> None:
        await interaction.response.send_message("You're in.", ephemeral=True)
        moods.put_nowait(mood)

    tree.add_command(checkin)
    async with running_client(client):
        payload = await fake_discord.slash(
            "checkin", subcommand="join", options=[fake_discord.payloads.option("mood", 3, "calm")]
        )
        assert await next_item(moods) == "calm"

    reply = fake_discord.reply_to(payload["id"])
    assert reply is not None and reply.type == 4
    assert reply.data is not None and reply.data["content"] == "You're in."
    assert reply.data["flags"] == 64 and reply.ephemeral
    callback = next(r for r in fake_discord.requests if r.route.endswith("/callback"))
    assert callback.query == {"with_response": "1"}


async def test_deferred_command_then_followup_and_edit_original(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    tree = app_commands.CommandTree(client)
    done: asyncio.Queue[discord.WebhookMessage] = asyncio.Queue()

    @tree.command(name="summary", description="Weekly summary")
    async def summary(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="ready")
        done.put_nowait(await interaction.followup.send("details", ephemeral=True, wait=True))

    async with running_client(client):
        payload = await fake_discord.slash("summary")
        followup = await next_item(done)

    reply = fake_discord.reply_to(payload["id"])
    assert reply is not None and reply.type == 5 and reply.ephemeral
    assert [(e.kind, e.body["content"]) for e in fake_discord.message_edits] == [
        ("original", "ready")
    ]
    assert [f.body["content"] for f in fake_discord.followups] == ["details"]
    assert followup.content == "details"


async def test_button_press_reaches_a_persistent_view(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    pressed: asyncio.Queue[int] = asyncio.Queue()

    class CheckinView(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="I'm here", custom_id="checkin:here")
        async def here(
            self, interaction: discord.Interaction, button: discord.ui.Button[Any]
        ) -> None:
            await interaction.response.defer()
            pressed.put_nowait(interaction.user.id)

    async with running_client(client):
        client.add_view(CheckinView())  # as after a restart: no message id known
        payload = await fake_discord.press_button("checkin:here")
        assert await next_item(pressed) == int(fake_discord.user("alice")["id"])

    reply = fake_discord.reply_to(payload["id"])
    assert reply is not None and reply.type == 6


async def test_button_on_a_sent_message_can_update_that_message(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    clicked: asyncio.Queue[str] = asyncio.Queue()

    class Ack(discord.ui.View):
        @discord.ui.button(label="Thanks", custom_id="ack")
        async def ack(
            self, interaction: discord.Interaction, button: discord.ui.Button[Any]
        ) -> None:
            await interaction.response.edit_message(content="acknowledged", view=None)
            clicked.put_nowait(button.custom_id or "")

    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        await channel.send("someone reached out", view=Ack(timeout=5))
        sent = fake_discord.messages_sent[-1]
        assert sent.body["components"][0]["components"][0]["custom_id"] == "ack"
        payload = await fake_discord.press_button("ack", message=sent.message)
        assert await next_item(clicked) == "ack"

    reply = fake_discord.reply_to(payload["id"])
    assert reply is not None and reply.type == 7
    assert fake_discord.messages[sent.message["id"]]["content"] == "acknowledged"


async def test_modal_from_a_command_and_its_submit_reach_the_bot(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    tree = app_commands.CommandTree(client)
    submitted: asyncio.Queue[str] = asyncio.Queue()
    seen: asyncio.Queue[discord.InteractionType] = asyncio.Queue()

    class Feeling(discord.ui.Modal, title="How are you?"):
        mood: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Mood", custom_id="mood")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Thank you.", ephemeral=True)
            submitted.put_nowait(self.mood.value)

    @tree.command(name="feel", description="Say how you feel")
    async def feel(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feeling(custom_id="feeling"))

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        seen.put_nowait(interaction.type)

    async with running_client(client):
        command = await fake_discord.slash("feel")
        assert await next_item(seen) is discord.InteractionType.application_command
        await fake_discord.wait_until(lambda: fake_discord.reply_to(command["id"]) is not None)
        submit = await fake_discord.submit_modal("feeling", {"mood": "tired"})
        assert await next_item(seen) is discord.InteractionType.modal_submit
        assert await next_item(submitted) == "tired"
        await fake_discord.wait_until(lambda: fake_discord.reply_to(submit["id"]) is not None)

    modal = fake_discord.reply_to(command["id"])
    assert modal is not None and modal.type == 9 and modal.data is not None
    assert modal.data["custom_id"] == "feeling"
    answer = fake_discord.reply_to(submit["id"])
    assert answer is not None and answer.type == 4


async def test_autocomplete_choices_are_recorded(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="zone", description="Set your time zone")
    async def zone(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    @zone.autocomplete("name")
    async def zone_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["Europe/Berlin", "Europe/Paris", "Asia/Tokyo"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    async with running_client(client):
        payload = await fake_discord.autocomplete("zone", focused="name", value="Europe/")
        await fake_discord.wait_until(lambda: fake_discord.reply_to(payload["id"]) is not None)

    reply = fake_discord.reply_to(payload["id"])
    assert reply is not None and reply.type == 8 and reply.data is not None
    assert [c["value"] for c in reply.data["choices"]] == ["Europe/Berlin", "Europe/Paris"]


async def test_a_callback_after_the_deadline_is_an_unknown_interaction(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(interaction_deadline=0.0)  # Discord: 3 s
    client = make_discord_client()
    tree = app_commands.CommandTree(client)
    errors: asyncio.Queue[discord.HTTPException] = asyncio.Queue()

    @tree.command(name="late", description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("sorry")
        except discord.HTTPException as exc:
            errors.put_nowait(exc)

    async with running_client(client):
        await fake.slash("late")
        error = await next_item(errors)
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert fake.interaction_replies == []


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


async def test_tree_sync_is_recorded_globally_and_per_guild(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    tree = app_commands.CommandTree(client)
    checkin = app_commands.Group(name="checkin", description="Check-ins")

    @checkin.command(name="join", description="Join")
    async def join(interaction: discord.Interaction) -> None:
        raise AssertionError("not invoked")

    tree.add_command(checkin)
    async with running_client(client):
        synced = await tree.sync()
        guild = discord.Object(int(fake_discord.guild_id))
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)

    assert [c.name for c in synced] == ["checkin"] and synced[0].id
    assert [s.guild_id for s in fake_discord.command_syncs] == [None, fake_discord.guild_id]
    cmd = fake_discord.command_syncs[0].commands[0]
    assert cmd["options"][0]["name"] == "join" and cmd["options"][0]["type"] == 1


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


def test_snowflakes_are_unique_and_increasing() -> None:
    factory = SnowflakeFactory(now_ms=lambda: 1_700_000_000_000)  # a frozen clock
    ids = [int(factory.next()) for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_slash_payload_nests_subcommand_groups() -> None:
    p = DiscordPayloads()
    alice = p.user("alice")
    payload = p.slash_command(
        "admin",
        subcommand_group="checkin",
        subcommand="close",
        options=[p.option("when", 3, "now")],
        user=alice,
        application_id="1",
        channel_id="2",
        guild_id="3",
    )
    assert payload["type"] == 2 and payload["data"]["name"] == "admin"
    group = payload["data"]["options"][0]
    assert (group["type"], group["name"]) == (2, "checkin")
    assert (group["options"][0]["type"], group["options"][0]["name"]) == (1, "close")
    assert group["options"][0]["options"] == [{"name": "when", "type": 3, "value": "now"}]


def test_point_discord_at_is_undone_by_its_restore_function() -> None:
    fake = FakeDiscord()
    fake.port = 1234
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    restore = point_discord_at(fake)
    assert discord.http.Route.BASE == "http://127.0.0.1:1234/api/v10"
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1234/gw"
    restore()
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


# ------------------------------------------------------------------------- separate process
async def test_runner_process_blasts_messages_into_a_bare_client(
    make_discord_client: ClientFactory,
) -> None:
    script = Path(__file__).with_name("run_discord_fake.py")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(script.parents[2]),
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        assert line.startswith("PORT "), line
        port = int(line.split()[1])
        proxy = FakeDiscord()
        proxy.port = port
        restore = point_discord_at(proxy)
        try:
            client = make_discord_client()
            count = 0
            all_in = asyncio.Event()

            @client.event
            async def on_message(message: discord.Message) -> None:
                nonlocal count
                count += 1
                if count == 200:
                    all_in.set()

            async with running_client(client), aiohttp.ClientSession() as http:
                async with http.post(
                    f"http://127.0.0.1:{port}/control/blast", json={"count": 200}
                ) as resp:
                    assert resp.status == 200
                    assert (await resp.json())["dispatched"] == 200
                await asyncio.wait_for(all_in.wait(), 10)
                async with http.get(f"http://127.0.0.1:{port}/control/stats") as resp:
                    stats = await resp.json()
        finally:
            restore()
        assert count == 200
        assert stats["rate_limited"] == 0 and stats["identifies"] == 1
        assert stats["per_route"]["GET /users/@me"] == 1
    finally:
        proc.terminate()
        await proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                await stream.read()


async def test_wait_until_names_what_it_waited_for_when_it_times_out(
    fake_discord: FakeDiscord,
) -> None:
    with pytest.raises(AssertionError, match="a reply that never comes"):
        await fake_discord.wait_until(
            lambda: fake_discord.messages_sent, within=0.05, what="a reply that never comes"
        )
