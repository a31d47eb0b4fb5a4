"""Listening on Discord, with the real discord.py client against the local fake and every real
feature: a reply with a roadblock in the support channel brings its writer a DM (Discord cannot
whisper outside an interaction), and "Reply with care" on a post opens the draft form."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from adapters.discord.custom_ids import decode_custom_id
from adapters.discord.outbound import render_links
from bot.actions import PostMessage
from bot.clock import SystemClock
from bot.config import DiscordSettings, default_settings
from bot.feature import all_commands
from bot.features.registry import build_features
from bot.names import message_link
from bot.run import adapter_settings
from bot.runtime.app import Warmline
from bot.store.base import Store
from bot.store.store import open_sqlite
from bot.texts import TextCatalogue
from tests.fakes.discord_payloads import INTERACTION_APPLICATION_COMMAND, JSON
from tests.fakes.discord_server import CALLBACK_MODAL, FakeDiscord
from tests.helpers.discord import Harness

ROADBLOCK = "you should just try melatonin"


@dataclass
class Live:
    store: Store
    fake: FakeDiscord
    channel: str


@asynccontextmanager
async def listening_on_discord(harness: Harness) -> AsyncIterator[Live]:
    """Every real feature and the adapter, asking for message content as ``warmline run`` would;
    the fake's first channel is the support channel."""
    settings = replace(default_settings(), discord=DiscordSettings(token="fake-token"))
    store = await open_sqlite(harness.tmp_path / "listening.db")
    features = await build_features(settings, store)
    wanted = adapter_settings(settings, features).discord
    assert wanted is not None and wanted.message_content_intent
    adapter = harness.adapter(all_commands(features), message_content_intent=True)
    bot = Warmline(settings=settings, store=store, clock=SystemClock(), texts=TextCatalogue.load(),
                   features=features, adapters=[adapter])
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    fake = harness.fake
    try:
        await fake.wait_until(lambda: adapter._ready.is_set(), what="adapter READY")
        community = await store.communities.ensure("discord", fake.guild_id)
        await store.channels.set_purpose(community.id, "support", fake.channel_id)
        yield Live(store=store, fake=fake, channel=fake.channel_id)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await store.close()


async def _reply(fake: FakeDiscord, author: JSON, to: JSON, content: str) -> JSON:
    msg = fake.payloads.message(channel_id=to["channel_id"], author=author, content=content,
                                guild_id=fake.guild_id)
    msg["type"] = 19  # a reply
    msg["message_reference"] = {"type": 0, "message_id": to["id"], "channel_id": to["channel_id"],
                                "guild_id": fake.guild_id}
    msg["referenced_message"] = to
    await fake.dispatch("MESSAGE_CREATE", msg)
    return msg


async def _answered(fake: FakeDiscord, interaction: JSON, what: str) -> Any:
    await fake.wait_until(lambda: fake.reply_to(interaction["id"]), what=what)
    return fake.reply_to(interaction["id"])


async def test_a_roadblock_reply_brings_its_writer_a_dm_note(harness: Harness) -> None:
    async with listening_on_discord(harness) as live:
        fake = live.fake
        alice, bob = fake.user("alice"), fake.user("bob")
        opted = await fake.slash("listening", subcommand="nudges", user=bob,
                                 options=[fake.payloads.option("state", 3, "on")])
        assert "private note" in (await _answered(fake, opted, "the opt-in")).data["content"]

        share = await fake.user_message("I can't sleep and work is falling apart", author=alice)
        await _reply(fake, bob, share, ROADBLOCK)
        await fake.wait_until(lambda: any(m.dm_user_id == bob["id"] for m in fake.messages_sent),
                              what="the note in bob's DMs")
        (note,) = [m for m in fake.messages_sent if m.dm_user_id == bob["id"]]
        assert "went to a suggestion" in note.body["content"]
        assert "melatonin" not in note.body["content"] and "sleep" not in note.body["content"]
        (button,) = [c for row in note.body["components"] for c in row["components"]]
        assert decode_custom_id(button["custom_id"]) == ("listening.notes", "off")
        assert not [m for m in fake.messages_sent if m.channel_id == live.channel]  # never public
        assert not [m for m in fake.messages_sent if m.dm_user_id == alice["id"]]


async def test_reply_with_care_opens_the_draft_form_and_answers_privately(
    harness: Harness,
) -> None:
    async with listening_on_discord(harness) as live:
        fake = live.fake
        menu = [c for c in fake.command_syncs[-1].commands if c.get("type") == 3]
        assert [c["name"] for c in menu] == ["Reply with care"]
        alice, bob = fake.user("alice"), fake.user("bob")
        share = await fake.user_message("my exam went badly and I feel awful", author=alice)
        payload = fake.payloads._interaction(
            INTERACTION_APPLICATION_COMMAND,
            data={"id": menu[0]["id"], "name": "Reply with care", "type": 3,
                  "target_id": share["id"], "resolved": {"messages": {share["id"]: share}}},
            user=bob, application_id=fake.world.application_id, guild_id=fake.guild_id,
            channel_id=live.channel,
        )
        await fake.dispatch("INTERACTION_CREATE", payload)
        modal = await _answered(fake, payload, "the draft form")
        assert modal.type == CALLBACK_MODAL and modal.data["title"] == "Reply with care"
        field = modal.data["components"][0]["components"][0]["custom_id"]
        sent = await fake.submit_modal(modal.data["custom_id"], {field: "at least you tried"},
                                       user=bob)
        feedback = await _answered(fake, sent, "the feedback")
        assert feedback.ephemeral and "sound smaller" in feedback.data["content"]
        assert not fake.messages_sent  # nothing posted anywhere


def test_message_links_become_discord_urls() -> None:
    text = render_links("See <message:22/33> and <message:44/55>.", "11")
    assert text == ("See https://discord.com/channels/11/22/33 and "
                    "https://discord.com/channels/11/44/55.")


async def test_a_post_with_a_message_link_reaches_discord_as_a_url(harness: Harness) -> None:
    adapter = harness.adapter(())

    async def sink(event: object, *, handled: object = None) -> None:
        return None

    await adapter.start(sink)
    try:
        fake = harness.fake
        await adapter.send(PostMessage(platform="discord", community=fake.guild_id,
                                       channel=fake.channel_id,
                                       text=f"Waiting: {message_link(fake.channel_id, '77')}"))
        (sent,) = fake.messages_sent
        assert sent.body["content"] == (
            f"Waiting: https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/77")
    finally:
        await adapter.stop()


async def test_message_content_is_asked_for_only_while_a_feature_reads_messages(
    harness: Harness,
) -> None:
    store = await open_sqlite(harness.tmp_path / "intent.db")
    try:
        for on in (True, False):
            base = default_settings()
            settings = replace(base, discord=DiscordSettings(token="t"),
                               listening=replace(base.listening, enabled=on),
                               safety=replace(base.safety, enabled=False))
            features = await build_features(settings, store)
            chosen = adapter_settings(settings, features).discord
            assert chosen is not None and chosen.message_content_intent is on
    finally:
        await store.close()
