"""Discord fit ("Keep every promise"): what members see in the command picker, what a
moderator's confirmation reads like, how a prompt looks once answered, and that no press goes
unanswered. Each story runs the real discord.py client, the real runtime and every real feature
against the local fake Discord."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord

from bot.texts import TextCatalogue
from tests.adapters.discord.test_discord_checkins import buttons_of, real_warmline
from tests.fakes.discord_server import CALLBACK_UPDATE_MESSAGE, FakeDiscord
from tests.helpers.discord import Harness

MANAGE_SERVER = str(discord.Permissions(manage_guild=True).value)


def _synced(fake: FakeDiscord) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in fake.command_syncs[-1].commands}


def _leaves(command: dict[str, Any], prefix: str = "") -> list[str]:
    """Every invocable path under a synced top-level command, e.g. ``checkin-admin setup``."""
    name = f"{prefix} {command['name']}".strip()
    subs = [o for o in command.get("options") or () if o.get("type") in (1, 2)]
    if not subs:
        return [name]
    return [leaf for sub in subs for leaf in _leaves(sub, name)]


async def _answer(fake: FakeDiscord, payload: dict[str, Any], what: str) -> dict[str, Any]:
    await fake.wait_until(lambda: fake.reply_to(payload["id"]), what=what)
    reply = fake.reply_to(payload["id"])
    assert reply is not None and reply.data is not None
    return reply.data


async def test_moderator_commands_live_in_groups_only_manage_server_sees_by_default(
    harness: Harness,
) -> None:
    fake = harness.fake
    async with real_warmline(harness, "fit-perms.db"):
        synced = _synced(fake)
        restricted = {n for n, c in synced.items() if c["default_member_permissions"] is not None}
        assert restricted == {"checkin-admin", "listening-admin", "quiet-admin", "safety-admin",
                              "warmline-admin"}
        assert all(synced[n]["default_member_permissions"] == MANAGE_SERVER for n in restricted)
        paths = {leaf for c in synced.values() for leaf in _leaves(c)}
        assert {"checkin-admin setup", "checkin-admin insights", "checkin-admin invite",
                "warmline-admin setup channel", "warmline-admin setup role",
                "warmline-admin setup timezone", "warmline-admin audit"} <= paths
        assert {"checkin join", "warmline help", "privacy delete"} <= paths
        assert not {"checkin setup", "warmline audit", "warmline setup channel"} & paths

        # still the core's "warmline audit": a moderator gets the audit log ...
        audit = await fake.slash("warmline-admin", subcommand="audit")
        said = await _answer(fake, audit, "/warmline-admin audit")
        assert said["content"] == TextCatalogue.load().render("basics.audit.empty")
        # ... and the core still refuses a member, whatever Discord's settings show
        bob = fake.user("bob")
        payload = fake.payloads.slash_command(
            "checkin-admin", subcommand="insights", user=bob,
            application_id=fake.application_id, channel_id=fake.channel_id,
            guild_id=fake.guild_id,
        )
        payload["member"]["permissions"] = "0"
        await fake.dispatch("INTERACTION_CREATE", payload)
        refused = await _answer(fake, payload, "the refusal")
        assert refused["content"] == TextCatalogue.load().render("common.not_moderator")


async def test_the_time_option_lets_a_member_type_default(harness: Harness) -> None:
    fake = harness.fake
    async with real_warmline(harness, "fit-time.db"):
        checkin = _synced(fake)["checkin"]
        time_cmd = next(o for o in checkin["options"] if o["name"] == "time")
        option = next(o for o in time_cmd["options"] if o["name"] == "time")
        assert "default" in option["description"]
        assert option["max_length"] >= len("default")


async def test_setup_confirmations_show_mentions_that_ping_nobody(harness: Harness) -> None:
    fake = harness.fake
    async with real_warmline(harness, "fit-mentions.db"):
        channel = await fake.slash("warmline-admin", group="setup", subcommand="channel", options=[
            {"name": "purpose", "type": 3, "value": "support"},
            {"name": "channel", "type": 7, "value": fake.channel_id},
        ])
        said = await _answer(fake, channel, "/warmline-admin setup channel")
        assert f"<#{fake.channel_id}>" in said["content"]
        assert said["allowed_mentions"] == {"parse": []}

        role = await fake.slash("warmline-admin", group="setup", subcommand="role", options=[
            {"name": "kind", "type": 3, "value": "supporters"},
            {"name": "role", "type": 8, "value": fake.guild_id},
        ])
        said = await _answer(fake, role, "/warmline-admin setup role")
        assert f"<@&{fake.guild_id}>" in said["content"]
        assert said["allowed_mentions"] == {"parse": []}


async def test_a_button_id_that_does_not_parse_still_gets_a_kind_private_answer(
    harness: Harness,
) -> None:
    fake = harness.fake
    async with real_warmline(harness, "fit-garbage.db"):
        pressed = await fake.press_button("garbage", user=fake.user("alice"))
        answer = await _answer(fake, pressed, "an answer to an unreadable button")
        reply = fake.reply_to(pressed["id"])
        assert reply is not None and reply.ephemeral
        assert answer["content"] == TextCatalogue.load().render("common.error_generic")


async def test_a_form_id_that_does_not_parse_still_gets_a_kind_private_answer(
    harness: Harness,
) -> None:
    fake = harness.fake
    async with real_warmline(harness, "fit-garbage-form.db"):
        submitted = await fake.submit_modal("garbage", {"note": "hello"}, user=fake.user("alice"))
        answer = await _answer(fake, submitted, "an answer to an unreadable form")
        reply = fake.reply_to(submitted["id"])
        assert reply is not None and reply.ephemeral
        assert answer["content"] == TextCatalogue.load().render("common.error_generic")


async def test_an_answered_prompt_shows_the_mood_and_loses_its_mood_buttons(
    harness: Harness,
) -> None:
    fake = harness.fake
    async with real_warmline(harness, "fit-replace.db") as live:
        alice = fake.user("alice")
        join = await fake.slash("checkin", subcommand="join", user=alice)
        await _answer(fake, join, "/checkin join")
        live.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        await fake.wait_until(lambda: any(m.dm_user_id == alice["id"] for m in fake.messages_sent),
                              what="the 09:00 check-in DM")
        prompt = next(m for m in fake.messages_sent if m.dm_user_id == alice["id"])
        good = buttons_of(prompt)["Good"]

        press = await fake.press_button(good, message=prompt.message, user=alice, dm=True)
        await fake.wait_until(lambda: fake.reply_to(press["id"]), what="the answer to Good")
        reply = fake.reply_to(press["id"])
        assert reply is not None and reply.type == CALLBACK_UPDATE_MESSAGE
        shown = fake.world.messages[prompt.message["id"]]
        assert shown["content"].startswith("Today: 🙂 Good\n")  # the mood, then the warm reply
        assert "How are you doing today?" not in shown["content"]
        left = [c.get("label") for row in shown.get("components") or () for c in row["components"]]
        assert left == ["Add a note"]  # no mood or skip buttons; a note can still be added
        assert all(r.elapsed < 3.0 for r in fake.interaction_replies)
