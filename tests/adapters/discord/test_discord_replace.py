"""``Respond(replace=True)`` on Discord: the message a button was on is updated (UPDATE_MESSAGE,
interaction response type 7), or edited after the silent deferral of a slow core; answering a
command, which has no such message, it is an ordinary answer. The real discord.py client against
the fake."""

from __future__ import annotations

from adapters.discord.custom_ids import encode_custom_id
from bot.actions import Button, Respond
from bot.events import ButtonPressed, CommandInvoked, Event
from bot.feature import CommandSpec
from tests.fakes.discord_server import (
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_UPDATE_MESSAGE,
    FakeDiscord,
)
from tests.helpers.discord import Harness

COMMANDS = (CommandSpec(name="probe start", description="x"),)


def _prompt(fake: FakeDiscord) -> dict[str, object]:
    """A bot message in the channel with two Warmline buttons, as a prompt would be."""
    p = fake.payloads
    message = p.message(
        channel_id=fake.channel_id, author=fake.bot, content="How are you today?",
        guild_id=fake.guild_id, application_id=fake.application_id,
        components=[p.action_row(p.button(encode_custom_id("probe.mood", "4"), "Good"),
                                 p.button(encode_custom_id("probe.note", "1"), "Add a note"))],
    )
    fake.world.messages[message["id"]] = message
    return message


async def _pressed(fake: FakeDiscord, heard: list[Event], message: dict[str, object]) -> str:
    await fake.press_button(encode_custom_id("probe.mood", "4"), message=message)
    await fake.wait_until(lambda: any(isinstance(e, ButtonPressed) for e in heard), what="press")
    event = next(e for e in heard if isinstance(e, ButtonPressed))
    assert event.interaction
    return event.interaction


async def test_replace_updates_the_message_the_button_was_on(
    harness: Harness, fake: FakeDiscord
) -> None:
    adapter = harness.adapter(COMMANDS)
    heard: list[Event] = []

    async def sink(event: Event, *, handled: object = None) -> None:
        heard.append(event)

    await adapter.start(sink)
    try:
        message = _prompt(fake)
        token = await _pressed(fake, heard, message)
        kept = Button(action="probe.note", value="1", label="Add a note")
        await adapter.send(Respond(platform="discord", interaction=token, text="Today: Good",
                                   replace=True, buttons=(kept,)))
        reply = fake.interaction_replies[-1]
        assert reply.type == CALLBACK_UPDATE_MESSAGE
        shown = fake.world.messages[str(message["id"])]
        assert shown["content"] == "Today: Good"
        labels = [c["label"] for row in shown["components"] for c in row["components"]]
        assert labels == ["Add a note"]
        assert not fake.messages_sent and not fake.followups  # updated, not a new message
    finally:
        await adapter.stop()


async def test_after_a_deferral_replace_edits_the_message_and_a_command_gets_a_reply(
    harness: Harness, fake: FakeDiscord
) -> None:
    adapter = harness.adapter(COMMANDS, ack_after=0.01)
    heard: list[Event] = []

    async def sink(event: Event, *, handled: object = None) -> None:
        heard.append(event)

    await adapter.start(sink)
    try:
        message = _prompt(fake)
        token = await _pressed(fake, heard, message)
        await fake.wait_until(lambda: fake.interaction_replies, what="the silent deferral")
        assert fake.interaction_replies[-1].type == CALLBACK_DEFERRED_UPDATE
        await adapter.send(Respond(platform="discord", interaction=token, text="Skipped",
                                   replace=True))
        shown = fake.world.messages[str(message["id"])]
        assert shown["content"] == "Skipped" and shown["components"] == []
        assert fake.message_edits[-1].kind == "original"

        ask = await fake.slash("probe", subcommand="start")
        await fake.wait_until(lambda: fake.reply_to(ask["id"]), what="the command's deferral")
        command = next(e for e in heard if isinstance(e, CommandInvoked))
        assert command.interaction
        await adapter.send(Respond(platform="discord", interaction=command.interaction,
                                   text="scheduled", replace=True))
        reply = fake.reply_to(ask["id"])
        assert reply is not None and reply.type == CALLBACK_DEFERRED_MESSAGE  # never an update
        assert fake.message_edits[-1].body["content"] == "scheduled"  # the "thinking…" answer
        assert shown["content"] == "Skipped"  # the prompt was not touched again
    finally:
        await adapter.stop()
