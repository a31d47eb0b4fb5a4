"""The real check-ins feature on Discord: the real discord.py client, the real runtime with every
feature, SQLite, and a virtual clock so 09:00 comes when the test says so."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from adapters.discord.convert import decode_custom_id
from bot.app import Warmline
from bot.clock import VirtualClock
from bot.config import default_settings
from bot.feature import all_commands
from bot.features import build_features
from bot.store.sqlite import open_sqlite
from bot.texts import TextCatalogue
from tests.adapters.discord.conftest import Harness
from tests.fakes.discord_server import CALLBACK_MODAL, SentMessage

MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def buttons_of(sent: SentMessage) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for row in sent.body.get("components", [])
            for c in row["components"]}


async def test_join_then_the_nine_oclock_checkin_a_low_mood_and_a_note(harness: Harness) -> None:
    fake = harness.fake
    settings = default_settings()
    features = build_features(settings)
    store = await open_sqlite(harness.tmp_path / "checkins.db")
    clock = VirtualClock(MONDAY_8AM)
    adapter = harness.adapter(all_commands(features))
    bot = Warmline(settings=settings, store=store, clock=clock, texts=TextCatalogue.load(),
                   features=features, adapters=[adapter])
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    try:
        await fake.wait_until(lambda: adapter._ready.is_set(), what="adapter READY")
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
        assert answer is not None and answer.ephemeral and answer.data is not None
        assert "Would you like someone from the group to reach out?" in answer.data["content"]

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
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        await store.close()
