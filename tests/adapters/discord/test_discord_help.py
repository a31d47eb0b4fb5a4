"""Help names each command the way people type it on Discord, moderator groups included."""

from __future__ import annotations

from tests.helpers.discord import Harness


async def test_help_shows_the_moderator_commands_under_their_discord_names(harness: Harness) -> None:
    fake = harness.fake
    await harness.warmline()
    asked = await fake.slash("warmline", subcommand="help")  # the default caller is an admin
    await fake.wait_until(lambda: fake.reply_to(asked["id"]), what="the help")
    reply = fake.reply_to(asked["id"])
    assert reply is not None and reply.data is not None
    text = reply.data["content"]
    assert "/warmline-admin setup channel" in text and "/probe-admin admin" in text
    assert "/warmline setup channel" not in text
    assert "/privacy export" in text  # a member command keeps its name
