"""Issue 12, points 7 and 8 through the real discord.py client against the fake Discord: a note
is not kept without a data key (and the member is told), and a burst of commands gets one polite
answer from the rate limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tests.adapters.discord.test_discord_checkins import buttons_of, real_warmline
from tests.helpers.checkins import make_settings
from tests.helpers.discord import Harness

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _reply(harness: Harness, interaction: dict[str, Any], what: str) -> str:
    fake = harness.fake
    await fake.wait_until(lambda: fake.reply_to(interaction["id"]), what=what)
    reply = fake.reply_to(interaction["id"])
    assert reply is not None and reply.data is not None and reply.ephemeral
    return str(reply.data["content"])


async def test_without_a_key_a_note_is_not_kept_and_the_member_is_told(harness: Harness) -> None:
    fake = harness.fake
    alice = fake.user("alice")
    async with real_warmline(harness, "notes.db") as live:  # a key: the prompt offers a note
        await _reply(harness, await fake.slash("checkin", subcommand="join", user=alice), "join")
        live.clock.set(NINE)
        await fake.wait_until(lambda: any(m.dm_user_id == alice["id"] for m in fake.messages_sent),
                              what="the 09:00 check-in")
        prompt = next(m for m in fake.messages_sent if m.dm_user_id == alice["id"])
        assert "Add a note" in buttons_of(prompt)
    # The operator restarts without a key: the button on yesterday's message still exists.
    async with real_warmline(harness, "notes.db", make_settings(data_key=None)) as live:
        live.clock.set(NINE)
        pressed = await fake.press_button(buttons_of(prompt)["Add a note"], message=prompt.message,
                                          user=alice, dm=True)
        told = await _reply(harness, pressed, "the answer to Add a note")
        assert "I'm not able to keep notes here right now" in told
        goal = await fake.slash("checkin", subcommand="goal", user=alice, options=[
            {"name": "text", "type": 3, "value": "walk twice"}])
        assert "not able to keep goals here" in await _reply(harness, goal, "/checkin goal")
        rows = await live.store.db.fetchall("SELECT note, goal FROM checkin_prompts")
        assert [tuple(r) for r in rows] == [(None, None)]


async def test_a_burst_of_commands_gets_one_polite_answer(harness: Harness) -> None:
    fake = harness.fake
    base = make_settings()
    settings = replace(base, limits=replace(base.limits, burst=2, per_minute=1))
    bob = fake.user("bob")
    async with real_warmline(harness, "limits.db", settings):
        texts = []
        for n in range(3):
            asked = await fake.slash("warmline", subcommand="help", user=bob)
            texts.append(await _reply(harness, asked, f"/warmline help #{n + 1}"))
        assert all("Here is what I can do" in t for t in texts[:2])
        assert "That's a lot at once" in texts[2] and "try again" in texts[2]
        dropped = await fake.slash("warmline", subcommand="help", user=bob)
        other = await fake.slash("warmline", subcommand="help", user=fake.user("alice"))
        assert "Here is what I can do" in await _reply(harness, other, "alice's /warmline help")
        reply = fake.reply_to(dropped["id"])  # at most the adapter's own "thinking…"
        assert reply is None or not (reply.data or {}).get("content")
        said = [r for r in fake.interaction_replies
                if "That's a lot at once" in str((r.data or {}).get("content"))]
        assert len(said) == 1
