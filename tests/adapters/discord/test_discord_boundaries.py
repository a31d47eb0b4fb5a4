"""Quiet hours, snooze and supporter duty on Discord: the real discord.py client against the local
fake, the real runtime with every feature, SQLite, and a virtual clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests.adapters.discord.test_discord_checkins import buttons_of, real_warmline
from tests.fakes.discord_server import FakeDiscord
from tests.helpers.discord import Harness


async def _ask(fake: FakeDiscord, name: str, subcommand: str | None = None, *,
               group: str | None = None, user: dict[str, Any] | None = None,
               **options: str) -> str:
    asked = await fake.slash(name, group=group, subcommand=subcommand, user=user, options=[
        {"name": k, "type": 7 if k == "channel" else 3, "value": v} for k, v in options.items()])
    await fake.wait_until(lambda: fake.reply_to(asked["id"]), what=f"/{name} {subcommand}")
    reply = fake.reply_to(asked["id"])
    assert reply is not None and reply.data is not None and reply.ephemeral
    return str(reply.data["content"])


async def _settled(count: Any) -> None:
    """Let the runtime act on a clock change (it runs in the same loop)."""
    for _ in range(100):
        if await count():
            return
        await asyncio.sleep(0.01)


async def test_a_check_in_due_in_quiet_hours_arrives_when_they_end(harness: Harness) -> None:
    fake = harness.fake
    async with real_warmline(harness, "quiet.db") as live:
        alice = fake.user("alice")
        told = await _ask(fake, "quiet", "set", user=alice, hours="22:00-10:00")
        assert "22:00-10:00 (UTC)" in told and "hold anything that can wait" in told
        await _ask(fake, "checkin", "join", user=alice)

        live.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

        async def held() -> bool:
            rows = await live.store.db.fetchall("SELECT 1 FROM deferred WHERE status='waiting'")
            return bool(rows)
        await _settled(held)
        assert await held()
        assert not any(m.dm_user_id == alice["id"] for m in fake.messages_sent)

        # her own command is answered at once, in her quiet hours, and says what waits
        shown = await _ask(fake, "quiet", "show", user=alice)
        assert "until 10:00" in shown and "Messages waiting for you: 1" in shown

        live.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        await fake.wait_until(lambda: any(m.dm_user_id == alice["id"]
                                          for m in fake.messages_sent), what="the held check-in")
        prompt = next(m for m in fake.messages_sent if m.dm_user_id == alice["id"])
        assert "How are you doing today?" in prompt.body["content"]
        assert "Low" in buttons_of(prompt)  # the buttons came with it


async def test_snooze_and_the_community_default_are_answered_in_the_members_words(
    harness: Harness,
) -> None:
    fake = harness.fake
    async with real_warmline(harness, "snooze.db"):
        alice = fake.user("alice")
        assert "until 10:00" in await _ask(fake, "snooze", user=alice, **{"for": "2h"})
        assert "up to 30 days" in await _ask(fake, "snooze", user=alice, **{"for": "31d"})
        assert "snooze is over" in await _ask(fake, "snooze", user=alice, **{"for": "off"})
        told = await _ask(fake, "quiet-admin", "setup", hours="22:00-07:00")
        assert "default quiet hours are now 22:00-07:00" in told
        assert "community's quiet hours: 22:00-07:00" in await _ask(fake, "quiet", "show",
                                                                    user=alice)


async def test_a_supporter_on_duty_is_pinged_takes_it_on_and_gets_a_care_check_in(
    harness: Harness,
) -> None:
    fake = harness.fake
    async with real_warmline(harness, "duty.db") as live:
        alice, bob = fake.user("alice"), fake.user("bob")
        await _ask(fake, "warmline", "channel", group="setup", purpose="supporters",
                   channel=fake.channel_id)
        assert "on duty now" in await _ask(fake, "duty", "on", user=bob)
        await _ask(fake, "checkin", "join", user=alice)
        live.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        await fake.wait_until(lambda: any(m.dm_user_id == alice["id"]
                                          for m in fake.messages_sent), what="the check-in")
        prompt = next(m for m in fake.messages_sent if m.dm_user_id == alice["id"])
        low = await fake.press_button(buttons_of(prompt)["Low"], message=prompt.message,
                                      user=alice, dm=True)
        await fake.wait_until(lambda: fake.reply_to(low["id"]), what="the offer")
        offered = fake.reply_to(low["id"])
        assert offered is not None and offered.data is not None
        yes = next(c["custom_id"] for row in offered.data["components"]
                   for c in row["components"] if c.get("label") == "Yes, please")
        before = len(fake.messages_sent)
        await fake.press_button(yes, user=alice, dm=True)
        await fake.wait_until(lambda: len(fake.messages_sent) > before, what="the request")
        post = fake.messages_sent[-1]
        assert post.channel_id == fake.channel_id
        assert post.body["content"].startswith(f"<@{bob['id']}>")
        assert [str(u) for u in post.body["allowed_mentions"]["users"]] == [bob["id"]]  # Bob alone

        claim = await fake.press_button(buttons_of(post)["I'll reach out"], message=post.message,
                                        user=bob)
        await fake.wait_until(lambda: fake.reply_to(claim["id"]), what="the claim")
        assert "still open: 1 of 2" in await _ask(fake, "duty", "status", user=bob)

        live.clock.set(datetime(2026, 3, 2, 12, 5, tzinfo=UTC))
        await fake.wait_until(lambda: any(
            m.dm_user_id == bob["id"] and "heavy one" in m.body["content"]
            for m in fake.messages_sent), what="the care check-in")
        care = next(m for m in fake.messages_sent
                    if m.dm_user_id == bob["id"] and "heavy one" in m.body["content"])
        assert list(buttons_of(care)) == ["Take a break", "Talk to someone", "I'm okay"]
        pressed = await fake.press_button(buttons_of(care)["Take a break"], message=care.message,
                                          user=bob, dm=True)
        await fake.wait_until(lambda: fake.reply_to(pressed["id"]), what="the break")
        rest = fake.reply_to(pressed["id"])
        assert rest is not None and rest.data is not None
        assert "off duty now" in rest.data["content"]
