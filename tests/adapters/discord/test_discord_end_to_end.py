"""Warmline on Discord, end to end: real discord.py client, real runtime and SQLite, fake Discord.

Each test is a short story a member or moderator could tell.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest

from adapters.discord.adapter import ShardedWarmlineClient
from adapters.discord.custom_ids import decode_custom_id
from bot.events import MessagePosted
from bot.texts import TextCatalogue
from tests.fakes.discord_server import (
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_MESSAGE,
    CALLBACK_MODAL,
    INTENT_MESSAGE_CONTENT,
    FakeDiscord,
    SentMessage,
    shard_of,
)
from tests.helpers.discord import Harness, Running

MESSAGES = "POST /channels/{channel_id}/messages"


async def _prompt_for(harness: Harness, user_id: str, *, count: int = 1) -> SentMessage:
    fake = harness.fake
    await fake.wait_until(
        lambda: len([m for m in fake.messages_sent if m.dm_user_id == user_id]) >= count,
        what="the DM prompt",
    )
    return [m for m in fake.messages_sent if m.dm_user_id == user_id][count - 1]


def _button_ids(sent: SentMessage) -> dict[str, str]:
    """label → custom_id of the buttons on a sent message."""
    return {
        c["label"]: c["custom_id"]
        for row in sent.body.get("components", [])
        for c in row["components"]
    }


async def test_a_scheduled_dm_prompt_is_answered_with_a_mood_button_and_a_note_form(
    harness: Harness,
) -> None:
    fake = harness.fake
    await harness.warmline()
    alice = fake.user("alice")

    start = await fake.slash("probe", subcommand="start", user=alice)
    await fake.wait_until(lambda: fake.reply_to(start["id"]), what="answer to /probe start")
    prompt = await _prompt_for(harness, alice["id"])
    assert prompt.body["content"] == "How are you today?"
    buttons = _button_ids(prompt)
    assert decode_custom_id(buttons["Good"]) == ("probe.mood", "4")

    press = await fake.press_button(buttons["Good"], message=prompt.message, user=alice, dm=True)
    await fake.wait_until(lambda: fake.reply_to(press["id"]), what="answer to the mood button")
    reply = fake.reply_to(press["id"])
    assert reply is not None and reply.type == CALLBACK_MESSAGE and reply.ephemeral
    assert reply.data is not None and reply.data["content"] == "mood 4 noted"

    note = await fake.press_button(
        buttons["Add a note"], message=prompt.message, user=alice, dm=True
    )
    await fake.wait_until(lambda: fake.reply_to(note["id"]), what="the note form")
    modal = fake.reply_to(note["id"])
    assert modal is not None and modal.type == CALLBACK_MODAL and modal.data is not None
    assert decode_custom_id(modal.data["custom_id"]) == ("probe.note", "n1")

    submit = await fake.submit_modal(
        modal.data["custom_id"], {"note": "slept well"}, user=alice, dm=True
    )
    await fake.wait_until(lambda: fake.reply_to(submit["id"]), what="answer to the form")
    saved = fake.reply_to(submit["id"])
    assert saved is not None and saved.data is not None
    assert saved.data["content"] == "note n1 saved (10 chars)"
    assert all(r.elapsed < 3.0 for r in fake.interaction_replies)


async def test_a_slash_command_gets_a_private_answer_and_commands_are_synced(
    harness: Harness,
) -> None:
    fake = harness.fake
    await harness.warmline()
    synced = {c["name"]: c for c in fake.command_syncs[-1].commands}
    assert {"warmline", "probe"} <= set(synced)

    assert synced["warmline"]["options"][0]["name"] == "help"
    ask = await fake.slash("probe", subcommand="start")
    await fake.wait_until(lambda: fake.reply_to(ask["id"]), what="the answer")
    reply = fake.reply_to(ask["id"])
    assert reply is not None and reply.ephemeral and reply.type == CALLBACK_MESSAGE
    assert reply.data is not None and reply.data["content"] == "scheduled"
    assert reply.data["allowed_mentions"] == {"parse": []}


async def test_a_moderator_command_is_refused_politely_for_a_member(harness: Harness) -> None:
    fake = harness.fake
    await harness.warmline()
    bob = fake.user("bob")
    payload = fake.payloads.slash_command(
        "probe-admin",
        subcommand="admin",
        user=bob,
        application_id=fake.application_id,
        channel_id=fake.channel_id,
        guild_id=fake.guild_id,
    )
    payload["member"]["permissions"] = "0"  # no Manage Server, no moderator role
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_until(lambda: fake.reply_to(payload["id"]), what="the refusal")
    reply = fake.reply_to(payload["id"])
    assert reply is not None and reply.ephemeral and reply.data is not None
    assert reply.data["content"] == TextCatalogue.load().render("common.not_moderator")

    admin = await fake.slash("probe-admin", subcommand="admin", user=bob)  # Manage Server granted
    await fake.wait_until(lambda: fake.reply_to(admin["id"]), what="the admin answer")
    answer = fake.reply_to(admin["id"])
    assert answer is not None and answer.data is not None and answer.data["content"] == "admin ok"


async def test_a_guild_message_reaches_the_core_with_its_reply_context(harness: Harness) -> None:
    fake = harness.fake
    run = await harness.warmline(message_content_intent=True)  # a deployment that opted in
    alice, bob = fake.user("alice"), fake.user("bob")
    first = await fake.user_message("rough day", author=alice)
    reply = fake.payloads.message(
        channel_id=fake.channel_id, author=bob, content="here for you", guild_id=fake.guild_id
    )
    reply["type"] = 19  # a reply
    reply["message_reference"] = {
        "type": 0,
        "message_id": first["id"],
        "channel_id": fake.channel_id,
        "guild_id": fake.guild_id,
    }
    reply["referenced_message"] = first
    await fake.dispatch("MESSAGE_CREATE", reply)
    await fake.wait_until(lambda: len(run.probe.messages()) >= 2, what="two messages in the core")
    one, two = run.probe.messages()[:2]
    assert (one.text, one.user, one.community, one.channel) == (
        "rough day",
        alice["id"],
        fake.guild_id,
        fake.channel_id,
    )
    assert (two.reply_to, two.reply_to_user, two.is_dm) == (first["id"], alice["id"], False)


async def test_the_bots_own_messages_do_not_reach_the_core(harness: Harness) -> None:
    fake = harness.fake
    run = await harness.warmline()
    bot_msg = fake.payloads.message(
        channel_id=fake.channel_id, author=fake.bot, content="mine", guild_id=fake.guild_id
    )
    await fake.dispatch("MESSAGE_CREATE", bot_msg)
    marker = await fake.user_message("after")
    await fake.wait_until(lambda: run.probe.messages(), what="the member's message")
    assert [m.message_id for m in run.probe.messages()] == [marker["id"]]


async def test_buttons_sent_before_a_restart_still_work_after_it(harness: Harness) -> None:
    fake = harness.fake
    first = await harness.warmline(db="same.db")
    alice = fake.user("alice")
    await fake.slash("probe", subcommand="start", user=alice)
    prompt = await _prompt_for(harness, alice["id"])
    await harness.shutdown(first)

    await harness.warmline(db="same.db")  # a new client instance, the same database
    press = await fake.press_button(
        _button_ids(prompt)["Good"], message=prompt.message, user=alice, dm=True
    )
    await fake.wait_until(lambda: fake.reply_to(press["id"]), what="the answer after restart")
    reply = fake.reply_to(press["id"])
    assert reply is not None and reply.data is not None and reply.data["content"] == "mood 4 noted"


async def test_after_a_restart_a_dm_reuses_the_conversation_instead_of_opening_one(
    harness: Harness,
) -> None:
    fake = harness.fake
    first = await harness.warmline(db="same.db")
    alice = fake.user("alice")
    await fake.slash("probe", subcommand="start", user=alice)
    await _prompt_for(harness, alice["id"])
    assert len(fake.dm_opens) == 1
    await harness.shutdown(first)

    await harness.warmline(db="same.db")  # a new client: its own DM cache is empty
    await fake.slash("probe", subcommand="start", user=alice)
    await _prompt_for(harness, alice["id"], count=2)
    assert len(fake.dm_opens) == 1  # Discord's anti-spam counts openings; none was needed


async def test_closed_dms_mark_the_member_unreachable_without_stalling(harness: Harness) -> None:
    fake = harness.fake
    run = await harness.warmline()
    alice = fake.user("alice")
    fake.close_dms(alice["id"])
    await fake.slash("probe", subcommand="start", user=alice)
    await fake.wait_until(
        lambda: any(r.error_code == 50007 for r in fake.requests), what="the refused DM"
    )

    async def unreachable() -> bool:
        community = await run.store.communities.find("discord", fake.guild_id)
        assert community is not None
        member = await run.store.members.find(community.id, alice["id"])
        return member is not None and not member.reachable

    for _ in range(200):  # the outbox reports it right after the 403; poll the store briefly
        if await unreachable():
            break
        await asyncio.sleep(0.01)
    assert await unreachable()
    ask = await fake.slash("probe-admin", subcommand="admin", user=alice)  # still answering
    await fake.wait_until(lambda: fake.reply_to(ask["id"]), what="help after the refusal")
    told = fake.reply_to(ask["id"])
    assert told is not None and told.data is not None
    assert "direct messages are closed" in told.data["content"]  # told once, with the answer


async def test_a_429_is_waited_out_and_no_prompt_is_lost(harness: Harness) -> None:
    fake = harness.fake
    await harness.warmline()
    alice = fake.user("alice")
    fake.force_429(MESSAGES, count=1, retry_after=0.3)
    await fake.slash("probe", subcommand="start", user=alice)
    await _prompt_for(harness, alice["id"])
    posts = [r for r in fake.requests if r.route == MESSAGES]
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.3
    assert len(fake.rate_limited) == 1


async def test_a_gateway_disconnect_resumes_without_losing_or_repeating_events(
    harness: Harness,
) -> None:
    fake = harness.fake
    run = await harness.warmline()
    before = await fake.user_message("before")
    await fake.wait_until(lambda: len(run.probe.messages()) == 1, what="first message")
    await fake.disconnect(4000, hold_reconnect=True)
    during = [await fake.user_message(f"during {i}") for i in range(3)]
    fake.allow_reconnect()
    await fake.wait_resumed()
    assert fake.resumes[-1].replayed >= 3
    again = dict(during[0])  # Discord may deliver a dispatch twice around a resume
    await fake.dispatch("MESSAGE_CREATE", again)
    after = await fake.user_message("after")
    await fake.wait_until(
        lambda: any(m.message_id == after["id"] for m in run.probe.messages()), what="last one"
    )
    await asyncio.sleep(0)  # let the duplicate's task finish too (no time passes)
    await run.bot.dispatcher.drain(timeout=5)
    ids = [m.message_id for m in run.probe.messages()]
    assert ids == [before["id"], *(m["id"] for m in during), after["id"]]
    assert len(fake.identifies) == 1


async def test_without_the_message_content_intent_it_says_how_and_keeps_working(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness.fake.privileged_intents = 0  # the portal switch is off
    fake = harness.fake
    with caplog.at_level(logging.ERROR, logger="adapters.discord.adapter"):
        run = await harness.warmline(message_content_intent=True)
    assert [i["intents"] & INTENT_MESSAGE_CONTENT for i in fake.identifies] == [
        INTENT_MESSAGE_CONTENT,
        0,
    ]
    assert 4014 in fake.close_codes
    assert any("MESSAGE CONTENT INTENT" in r.getMessage() for r in caplog.records)
    assert run.adapter.intent_downgrades == 1

    ask = await fake.slash("probe-admin", subcommand="admin")
    await fake.wait_until(lambda: fake.reply_to(ask["id"]), what="a command still answered")
    msg = await fake.user_message("words we cannot read")
    await fake.wait_until(lambda: run.probe.messages(), what="the blank message")
    seen: MessagePosted = run.probe.messages()[0]
    assert (seen.message_id, seen.text) == (msg["id"], "")


async def test_a_slow_core_is_deferred_in_time_and_answered_by_followup(harness: Harness) -> None:
    fake = harness.fake
    run = await harness.warmline(ack_after=0.05)
    run.probe.gate = asyncio.Event()
    ask = await fake.slash("probe", subcommand="slow")
    await fake.wait_until(lambda: fake.reply_to(ask["id"]), what="the deferral")
    deferred = fake.reply_to(ask["id"])
    assert (
        deferred is not None and deferred.type == CALLBACK_DEFERRED_MESSAGE and deferred.ephemeral
    )
    run.probe.gate.set()
    await fake.wait_until(lambda: fake.message_edits, what="the late answer")
    assert fake.message_edits[-1].body["content"] == "slow answer"


async def test_timezones_are_autocompleted(harness: Harness) -> None:
    fake = harness.fake
    await harness.warmline()
    # /warmline-admin setup timezone is two levels deep (group + sub-command): nest the options
    # once more; the core knows it as "warmline setup timezone"
    payload = fake.payloads.autocomplete(
        "warmline-admin",
        user=fake.user("alice"),
        application_id=fake.application_id,
        channel_id=fake.channel_id,
        guild_id=fake.guild_id,
        focused="zone",
        value="paris",
        subcommand="timezone",
    )
    payload["data"]["options"] = [
        {"name": "setup", "type": 2, "options": payload["data"]["options"]}
    ]
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.wait_until(lambda: fake.reply_to(payload["id"]), what="timezone suggestions")
    reply = fake.reply_to(payload["id"])
    assert reply is not None and reply.data is not None
    assert {"name": "Europe/Paris", "value": "Europe/Paris"} in reply.data["choices"]


async def _identify_at_once(
    client: discord.AutoShardedClient, shard_id: int | None, *, initial: bool = False
) -> None:
    return None  # discord.py waits 5 s between two shards' IDENTIFYs; the fake needs no pause


async def _heard_and_answered(run: Running, fake: FakeDiscord, guild: dict[str, Any]) -> None:
    """A member posts in the guild and runs a command there; both go through its shard."""
    channel = guild["channels"][0]["id"]
    alice = fake.user("alice")
    text = f"hello from {guild['name']}"
    posted = await fake.user_message(text, author=alice, channel_id=channel)
    await fake.wait_until(
        lambda: any(m.message_id == posted["id"] for m in run.probe.messages()),
        what=f"the message from {guild['name']} in the core",
    )
    ask = await fake.slash("probe-admin", subcommand="admin", user=alice, channel_id=channel)
    await fake.wait_until(lambda: fake.reply_to(ask["id"]), what=f"the answer in {guild['name']}")
    reply = fake.reply_to(ask["id"])
    assert reply is not None and reply.data is not None and reply.data["content"] == "admin ok"


async def test_two_shards_each_carry_their_guilds_messages_to_the_core_and_replies_out(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake: FakeDiscord = harness.fake
    monkeypatch.setattr(ShardedWarmlineClient, "before_identify_hook", _identify_at_once)
    p = fake.payloads
    alice, bob = fake.user("alice"), fake.user("bob")
    other_shard = 1 - shard_of(fake.guild_id, 2)  # the default guild's shard depends on its id
    second = fake.add_guild(
        p.guild(
            name="Second Guild",
            owner=bob,
            members=[p.member(alice), p.member(bob)],
            id=p.id_on_shard(other_shard, 2),
        )
    )
    guilds = [fake.guild, second]

    run = await harness.warmline(shard_count=2, message_content_intent=True)
    assert run.adapter.sharded and isinstance(run.adapter.client, discord.AutoShardedClient)
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
    sessions = fake.shard_sessions()
    assert {s: v.guild_ids for s, v in sessions.items()} == {
        fake.shard_of(g["id"]): (g["id"],) for g in guilds
    }

    for guild in guilds:
        await _heard_and_answered(run, fake, guild)

    heard = {(m.community, m.channel, m.text) for m in run.probe.messages()}
    assert heard == {(g["id"], g["channels"][0]["id"], f"hello from {g['name']}") for g in guilds}
    after = fake.shard_sessions()
    assert all(after[s].seq >= sessions[s].seq + 2 for s in (0, 1))  # a message and a command each


async def test_by_default_no_privileged_intent_is_requested(harness: Harness) -> None:
    """No feature available today reads what members write, so Message Content is not asked
    for unless a deployment opts in."""
    await harness.warmline()
    assert [i["intents"] & INTENT_MESSAGE_CONTENT for i in harness.fake.identifies] == [0]
