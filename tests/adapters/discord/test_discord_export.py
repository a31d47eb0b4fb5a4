"""A member's export on Discord: a short private summary, and everything as an attached file,
through the real discord.py against the fake."""

from __future__ import annotations

from tests.helpers.discord import Harness


async def test_privacy_export_is_a_summary_with_the_json_attached(harness: Harness) -> None:
    fake = harness.fake
    await harness.warmline()
    alice = fake.user("alice")
    asked = await fake.slash("privacy", subcommand="export", user=alice)
    await fake.wait_until(lambda: fake.reply_to(asked["id"]), what="the export")
    reply = fake.reply_to(asked["id"])
    assert reply is not None and reply.ephemeral and reply.data is not None
    assert reply.data["content"].startswith("Here is everything I keep about you")
    assert [a["filename"] for a in reply.data["attachments"]] == ["warmline-export.json"]
    assert len(reply.data["content"]) < 600  # not pages of raw rows
