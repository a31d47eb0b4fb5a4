"""The safety feature on Discord: the real discord.py client, every real feature and SQLite,
against the local fake. A crisis in a channel is answered as a reply to it; a crisis in a DM in
that DM; the moderators' alert carries a jump link and is taken with "I'm on it"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.discord.custom_ids import decode_custom_id
from tests.adapters.discord.test_discord_checkins import Live, buttons_of, real_warmline
from tests.helpers.discord import Harness

CRISIS = "I feel like ending it all tonight"


@asynccontextmanager
async def warmline_with_safety(harness: Harness) -> AsyncIterator[tuple[Live, str]]:
    """Every real feature as ``warmline run`` builds them, and a moderators' channel set up;
    yields the running Warmline and that channel's id."""
    fake = harness.fake
    mods = fake.payloads.text_channel("moderators")
    fake.world.channels[mods["id"]] = {**mods, "guild_id": fake.guild_id}
    async with real_warmline(harness, "safety.db") as live:
        community = await live.store.communities.ensure("discord", fake.guild_id)
        await live.store.channels.set_purpose(community.id, "moderators", mods["id"])
        yield live, mods["id"]


async def test_a_crisis_in_a_channel_is_answered_as_a_reply_and_the_alert_is_taken(
        harness: Harness) -> None:
    fake = harness.fake
    async with warmline_with_safety(harness) as (live, mods):
        assert live.adapter.message_content  # safety reads messages: the intent is asked for
        alice, bob = fake.user("alice"), fake.user("bob")
        said = await fake.user_message(CRISIS, author=alice)
        await fake.wait_until(lambda: len(fake.messages_sent) >= 2, what="the reply and alert")
        reply = next(m for m in fake.messages_sent if m.channel_id == fake.channel_id)
        assert str(reply.body["message_reference"]["message_id"]) == said["id"]
        assert "Are you somewhere safe?" in reply.body["content"]
        assert [str(u) for u in reply.body["allowed_mentions"]["users"]] == [alice["id"]]
        assert "This isn't what I meant" in buttons_of(reply)

        alert = next(m for m in fake.messages_sent if m.channel_id == mods)
        link = f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{said['id']}"
        assert link in alert.body["content"]
        assert "ending it all" not in alert.body["content"]
        take = buttons_of(alert)["I'm on it"]
        assert decode_custom_id(take)[0] == "safety.ack"

        press = await fake.press_button(take, message=alert.message, user=bob,
                                        channel_id=mods)
        await fake.wait_until(lambda: fake.reply_to(press["id"]), what="the answer to I'm on it")
        answer = fake.reply_to(press["id"])
        assert answer is not None and answer.ephemeral and answer.data is not None
        assert "Thank you for taking this" in answer.data["content"]
        await fake.wait_until(
            lambda: any("is on it" in m.body["content"] for m in fake.messages_sent),
            what="the note to the other moderators")
        assert await live.store.jobs.get("safety.escalate", "safety:1") is None


async def test_a_crisis_in_a_dm_is_answered_in_that_dm(harness: Harness) -> None:
    fake = harness.fake
    async with warmline_with_safety(harness):
        alice = fake.user("alice")  # her first message to Warmline: it has never met her
        await fake.user_dm(CRISIS, author=alice)
        await fake.wait_until(
            lambda: any(m.dm_user_id == alice["id"] for m in fake.messages_sent),
            what="the reply in her DM")
        reply = next(m for m in fake.messages_sent if m.dm_user_id == alice["id"])
        assert "Are you somewhere safe?" in reply.body["content"]
        await fake.wait_until(lambda: len(fake.messages_sent) >= 2, what="the alert")
        alert = next(m for m in fake.messages_sent if m.dm_user_id is None)
        assert "a private message to Warmline" in alert.body["content"]
        assert "discord.com/channels" not in alert.body["content"]
