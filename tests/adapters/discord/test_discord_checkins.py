"""The real check-ins feature on Discord: the real discord.py client, the real runtime with every
feature, SQLite, and a virtual clock so 09:00 comes when the test says so."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.custom_ids import decode_custom_id
from bot.clock import VirtualClock
from bot.config import Settings
from bot.feature import all_commands, needs_message_text
from bot.features.registry import build_features
from bot.runtime.app import Warmline
from bot.store.base import Store
from bot.store.store import open_sqlite
from bot.texts import TextCatalogue
from tests.fakes.discord_server import CALLBACK_MODAL, CALLBACK_UPDATE_MESSAGE, SentMessage
from tests.helpers.checkins import make_settings
from tests.helpers.discord import Harness

MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def buttons_of(sent: SentMessage) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for row in sent.body.get("components", [])
            for c in row["components"]}


@dataclass
class Live:
    store: Store
    clock: VirtualClock
    adapter: DiscordAdapter


@asynccontextmanager
async def real_warmline(harness: Harness, db: str,
                        settings: Settings | None = None) -> AsyncIterator[Live]:
    """Every real feature, SQLite, the Discord adapter against the fake (asking for the Message
    Content intent as ``warmline run`` does), and a virtual clock starting Monday 08:00 UTC;
    yields once the adapter is READY and shuts down cleanly. ``settings``: the tests' own (a
    data key, so notes are kept) unless given."""
    settings = settings or make_settings()
    store = await open_sqlite(harness.tmp_path / db)
    features = await build_features(settings, store)
    clock = VirtualClock(MONDAY_8AM)
    adapter = harness.adapter(all_commands(features),
                              message_content_intent=needs_message_text(features))
    bot = Warmline(settings=settings, store=store, clock=clock, texts=TextCatalogue.load(),
                   features=features, adapters=[adapter])
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    try:
        await harness.fake.wait_until(lambda: adapter._ready.is_set(), what="adapter READY")
        yield Live(store=store, clock=clock, adapter=adapter)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await store.close()


async def test_join_then_the_nine_oclock_checkin_a_low_mood_and_a_note(harness: Harness) -> None:
    fake = harness.fake
    async with real_warmline(harness, "checkins.db") as live:
        clock = live.clock
        synced = {c["name"] for c in fake.command_syncs[-1].commands}
        assert {"checkin", "warmline", "privacy"} <= synced
        alice = fake.user("alice")

        join = await fake.slash("checkin", subcommand="join", user=alice)
        await fake.wait_until(lambda: fake.reply_to(join["id"]), what="the answer to /checkin join")
        joined = fake.reply_to(join["id"])
        assert joined is not None and joined.ephemeral and joined.data is not None
        assert "You're signed up for check-ins" in joined.data["content"]

        clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # 09:00 for a member on UTC
        await fake.wait_until(
            lambda: any(m.dm_user_id == alice["id"] for m in fake.messages_sent),
            what="the 09:00 check-in DM",
        )
        prompt = next(m for m in fake.messages_sent if m.dm_user_id == alice["id"])
        assert "How are you doing today?" in prompt.body["content"]
        buttons = buttons_of(prompt)
        action, value = decode_custom_id(buttons["Low"])
        assert action == "checkin.mood" and value.endswith(":2")

        low = await fake.press_button(buttons["Low"], message=prompt.message, user=alice, dm=True)
        await fake.wait_until(lambda: fake.reply_to(low["id"]), what="the answer to a low mood")
        answer = fake.reply_to(low["id"])
        # in her DM, the prompt itself becomes the answer: the mood and the reply
        assert answer is not None and answer.type == CALLBACK_UPDATE_MESSAGE
        assert answer.data is not None and "Today: 😕 Low" in answer.data["content"]
        # No supporters' or moderators' channel is set yet: nobody would hear a request, so
        # none is offered (never "I've let the supporters know" with nobody told).
        assert "reach out" not in answer.data["content"]
        labels = [c.get("label") for row in answer.data.get("components", ())
                  for c in row["components"]]
        assert "Yes, please" not in labels

        note = await fake.press_button(buttons["Add a note"], message=prompt.message, user=alice,
                                       dm=True)
        await fake.wait_until(lambda: fake.reply_to(note["id"]), what="the note form")
        modal = fake.reply_to(note["id"])
        assert modal is not None and modal.type == CALLBACK_MODAL and modal.data is not None
        field = modal.data["components"][0]["components"][0]["custom_id"]
        sent = await fake.submit_modal(modal.data["custom_id"], {field: "long week"}, user=alice,
                                       dm=True)
        await fake.wait_until(lambda: fake.reply_to(sent["id"]), what="the note saved")
        saved = fake.reply_to(sent["id"])
        assert saved is not None and saved.data is not None
        assert "Your note is saved" in saved.data["content"]
        assert all(r.elapsed < 3.0 for r in fake.interaction_replies)


async def test_thread_delivery_opens_one_thread_a_day_and_posts_each_prompt_in_it(
    harness: Harness,
) -> None:
    fake = harness.fake

    async def run(name: str, subcommand: str, *, group: str | None = None,
                  user: dict[str, object] | None = None, **options: str) -> str:
        asked = await fake.slash(name, group=group, subcommand=subcommand, user=user, options=[
            {"name": k, "type": 7 if k == "channel" else 3, "value": v} for k, v in options.items()
        ])
        await fake.wait_until(lambda: fake.reply_to(asked["id"]), what=f"/{name} {subcommand}")
        reply = fake.reply_to(asked["id"])
        assert reply is not None and reply.data is not None
        return str(reply.data["content"])

    async with real_warmline(harness, "threads.db") as live:
        store, clock = live.store, live.clock
        alice, bob = fake.user("alice"), fake.user("bob")
        # the default slash payload grants the caller every permission: a server admin
        assert "checkins" in await run("warmline-admin", "channel", group="setup", purpose="checkins",
                                       channel=fake.channel_id)
        assert "thread" in await run("checkin-admin", "setup", delivery="thread")
        for member in (alice, bob):
            assert "signed up" in await run("checkin", "join", user=member)

        clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        await fake.wait_until(lambda: len([m for m in fake.messages_sent
                                           if m.body.get("components")]) >= 2,
                              what="two prompts")
        assert len(fake.threads_created) == 1
        prompts = [m for m in fake.messages_sent if m.body.get("components")]
        assert {m.channel_id for m in prompts} == {fake.threads_created[0].thread["id"]}
        assert all(m.dm_user_id is None for m in prompts)  # in the thread, not in DMs
        mentioned = [m.body["allowed_mentions"]["users"] for m in prompts]
        assert sorted(str(u[0]) for u in mentioned) == sorted([alice["id"], bob["id"]])

        alices = next(m for m in prompts if str(m.body["allowed_mentions"]["users"][0]) == alice["id"])
        good = buttons_of(alices)["Good"]
        thread = fake.threads_created[0].thread["id"]
        by_bob = await fake.press_button(good, message=alices.message, user=bob, channel_id=thread)
        await fake.wait_until(lambda: fake.reply_to(by_bob["id"]), what="bob pressing alice's")
        refused = fake.reply_to(by_bob["id"])
        assert refused is not None and refused.ephemeral and refused.data is not None
        by_alice = await fake.press_button(good, message=alices.message, user=alice,
                                           channel_id=thread)
        await fake.wait_until(lambda: fake.reply_to(by_alice["id"]), what="alice's own answer")
        answered = fake.reply_to(by_alice["id"])
        assert answered is not None and answered.ephemeral and answered.data is not None
        assert answered.data["content"] != refused.data["content"]
        community = await store.communities.find("discord", fake.guild_id)
        assert community is not None
        member = await store.members.find(community.id, alice["id"])
        assert member is not None
        history = await store.export_member(member.id)
        moods = [p["mood"] for p in history["tables"]["checkin_prompts"]]
        assert moods == [4]  # bob's press changed nothing


async def test_a_request_to_reach_out_really_reaches_the_supporters_channel(
    harness: Harness,
) -> None:
    """"I've let the supporters know" is said only after the post went to a named channel; the
    post names the member by mention (their real name, no ping), never by display name."""
    fake = harness.fake
    async with real_warmline(harness, "reach.db") as live:
        alice = fake.user("alice")
        setup = await fake.slash("warmline", group="setup", subcommand="channel", options=[
            {"name": "purpose", "type": 3, "value": "supporters"},
            {"name": "channel", "type": 7, "value": fake.channel_id}])
        await fake.wait_until(lambda: fake.reply_to(setup["id"]), what="/warmline setup channel")
        join = await fake.slash("checkin", subcommand="join", user=alice)
        await fake.wait_until(lambda: fake.reply_to(join["id"]), what="the answer to join")

        live.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        await fake.wait_until(
            lambda: any(m.dm_user_id == alice["id"] for m in fake.messages_sent), what="the DM")
        prompt = next(m for m in fake.messages_sent if m.dm_user_id == alice["id"])
        low = await fake.press_button(buttons_of(prompt)["Low"], message=prompt.message,
                                      user=alice, dm=True)
        await fake.wait_until(lambda: fake.reply_to(low["id"]), what="the answer to a low mood")
        offered = fake.reply_to(low["id"])
        assert offered is not None and offered.data is not None
        assert "Would you like someone from the group to reach out?" in offered.data["content"]
        yes = next(c["custom_id"] for row in offered.data["components"]
                   for c in row["components"] if c.get("label") == "Yes, please")

        before = len(fake.messages_sent)
        pressed = await fake.press_button(yes, user=alice, dm=True)
        await fake.wait_until(lambda: fake.reply_to(pressed["id"]), what="the answer to yes")
        await fake.wait_until(lambda: len(fake.messages_sent) > before, what="the supporters' post")
        told = fake.reply_to(pressed["id"])
        assert told is not None and told.data is not None
        assert "I've let the supporters know" in told.data["content"]
        post = fake.messages_sent[-1]
        assert post.channel_id == fake.channel_id
        assert f"<@{alice['id']}>" in post.body["content"]
        assert post.body.get("allowed_mentions", {}).get("parse") == []

        for _ in range(200):  # the post's id comes back just after it was sent
            if await live.store.db.fetchall("SELECT 1 FROM checkin_reachout_posts"):
                break
            await asyncio.sleep(0.01)
        # Leaving withdraws the request: the post itself is edited, its button goes.
        leave = await fake.slash("checkin", subcommand="leave", user=alice)
        await fake.wait_until(lambda: fake.reply_to(leave["id"]), what="the answer to leave")
        # (a platform may pace edits to one channel: discord.py waits out its 429 itself)
        await fake.wait_until(lambda: fake.message_edits, what="the post edited", within=20)
        edited = fake.world.messages[fake.message_edits[-1].message_id]
        assert edited["id"] == post.message["id"]
        assert "no longer open" in edited["content"] and not edited.get("components")
