"""Interactions on the Discord fake, answered by the REAL discord.py 2.7.1.

Slash (sub)commands with ephemeral replies, deferrals with followups and edits, buttons on
persistent views and on sent messages, modals, autocomplete, the answer deadline (10062),
command sync, and the slash payload builder.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands

from tests.fakes.discord_fake_helpers import ClientFactory, FakeFactory, next_item
from tests.fakes.discord_payloads import DiscordPayloads
from tests.fakes.discord_server import FakeDiscord, running_client


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
