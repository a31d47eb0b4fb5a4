"""Each action's Discord form and Discord's own failures, through the real discord.py client
against the fake: what only Discord does. The promises every adapter keeps (start/stop, refs,
splitting, rate limits, 5xx and connection errors) are the shared suite in
``tests/adapters/test_adapter_contract.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.actions import (
    AlertModerators,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
    StartThread,
)
from bot.adapter import Fatal, RateLimited, Unreachable
from bot.events import CommandInvoked, Event
from bot.feature import CommandSpec
from tests.fakes.discord_server import FakeDiscord, RateLimitConfig, RouteLimit, point_discord_at
from tests.helpers.discord import Harness, note_form

MESSAGES = "POST /channels/{channel_id}/messages"
COMMANDS = (CommandSpec(name="probe start", description="x"),)


@pytest.fixture
async def started(harness: Harness) -> AsyncIterator[tuple[DiscordAdapter, list[Event]]]:
    adapter = harness.adapter(COMMANDS)
    heard: list[Event] = []

    async def sink(event: Event, *, handled: object = None) -> None:
        heard.append(event)

    await adapter.start(sink)
    try:
        yield adapter, heard
    finally:
        await adapter.stop()


async def test_messages_are_split_at_discords_2000_characters(
    started: tuple[DiscordAdapter, list[Event]],
) -> None:
    # The contract suite splits at ``capabilities.max_text``; Discord refuses anything longer.
    adapter, _ = started
    assert adapter.capabilities.max_text == 2000


async def test_mentions_ping_nobody_unless_one_user_is_named(
    started: tuple[DiscordAdapter, list[Event]],
    fake: FakeDiscord,
) -> None:
    adapter, _ = started
    alice = fake.user("alice")
    await adapter.send(
        PostMessage(platform="discord", channel=fake.channel_id, text="@everyone <@&1> hello")
    )
    await adapter.send(
        PostMessage(
            platform="discord", channel=fake.channel_id, text="your turn", mention=alice["id"]
        )
    )
    quiet, named = (m.body for m in fake.messages_sent)
    assert quiet["allowed_mentions"] == {"parse": []}
    assert named["allowed_mentions"]["parse"] == []
    assert [str(u) for u in named["allowed_mentions"]["users"]] == [alice["id"]]
    assert named["content"] == f"<@{alice['id']}> your turn"


async def test_private_notes_and_dms_go_to_the_persons_dm_opened_once(
    started: tuple[DiscordAdapter, list[Event]],
    fake: FakeDiscord,
) -> None:
    adapter, _ = started
    bob = fake.user("bob")
    await adapter.send(SendDirect(platform="discord", user=bob["id"], text="one"))
    await adapter.send(
        SendPrivateNote(platform="discord", user=bob["id"], channel=fake.channel_id, text="two")
    )
    assert [m.dm_user_id for m in fake.messages_sent] == [bob["id"], bob["id"]]
    assert fake.dm_opens == [bob["id"]]


async def test_alerts_go_to_the_given_channel_and_threads_are_created(
    started: tuple[DiscordAdapter, list[Event]],
    fake: FakeDiscord,
) -> None:
    adapter, _ = started
    await adapter.send(AlertModerators(platform="discord", channel=fake.channel_id, text="help"))
    assert fake.messages_sent[-1].channel_id == fake.channel_id
    with pytest.raises(Fatal):
        await adapter.send(AlertModerators(platform="discord", channel=None, text="help"))
    result = await adapter.send(
        StartThread(
            platform="discord", channel=fake.channel_id, title="Monday circle", text="Welcome"
        )
    )
    created = fake.threads_created[-1]
    assert (created.body["name"], result.channel) == ("Monday circle", created.thread["id"])


async def test_closed_dms_raise_unreachable(
    started: tuple[DiscordAdapter, list[Event]],
    fake: FakeDiscord,
) -> None:
    adapter, _ = started
    alice = fake.user("alice")
    fake.close_dms(alice["id"])
    with pytest.raises(Unreachable) as caught:
        await adapter.send(SendDirect(platform="discord", user=alice["id"], text="hi"))
    assert (caught.value.user, caught.value.reason) == (alice["id"], "dm_closed")


async def test_opening_dms_too_fast_backs_off_as_rate_limited(
    fake_world: FakeDiscord,
    harness_for: Harness,
) -> None:
    adapter = harness_for.adapter(COMMANDS, dm_opens_per_second=1000, dm_open_burst=1000)

    async def sink(event: Event, *, handled: object = None) -> None:
        return None

    await adapter.start(sink)
    try:
        users = [fake_world.add_user(fake_world.payloads.user(f"u{i}")) for i in range(2)]
        await adapter.send(SendDirect(platform="discord", user=users[0]["id"], text="hi"))
        with pytest.raises(RateLimited) as caught:
            await adapter.send(SendDirect(platform="discord", user=users[1]["id"], text="hi"))
        assert caught.value.retry_after == adapter.options.dm_backoff_seconds
    finally:
        await adapter.stop()


async def test_a_form_after_a_deferral_is_refused_and_unknown_interactions_are_fatal(
    harness: Harness,
    fake: FakeDiscord,
) -> None:
    adapter = harness.adapter((CommandSpec(name="probe form", description="x"),), ack_after=0.01)
    heard: list[Event] = []

    async def sink(event: Event, *, handled: object = None) -> None:
        heard.append(event)

    await adapter.start(sink)
    try:
        ask = await fake.slash("probe", subcommand="form")
        await fake.wait_until(lambda: fake.reply_to(ask["id"]), what="the deferral")
        event = heard[-1]
        assert isinstance(event, CommandInvoked) and event.interaction
        with pytest.raises(Fatal):
            await adapter.send(
                OpenForm(platform="discord", interaction=event.interaction, form=note_form("x"))
            )
        await adapter.send(Respond(platform="discord", interaction=event.interaction, text="ok"))
        with pytest.raises(Fatal):
            await adapter.send(Respond(platform="discord", interaction="404", text="who?"))
    finally:
        await adapter.stop()


@pytest.fixture
async def fake_world() -> AsyncIterator[FakeDiscord]:
    limits = RateLimitConfig(enabled=True, dm_opens=RouteLimit(1, 60.0))
    async with FakeDiscord(heartbeat_interval_ms=250, rate_limits=limits) as server:
        restore = point_discord_at(server)
        try:
            yield server
        finally:
            restore()


@pytest.fixture
def harness_for(fake_world: FakeDiscord, tmp_path: Path) -> Harness:
    return Harness(fake_world, tmp_path)


async def test_a_502_is_retried_by_discord_py_itself(
    started: tuple[DiscordAdapter, list[Event]], fake: FakeDiscord
) -> None:
    # Any other 5xx is raised at once: the contract suite's server-error test forces a 503.
    adapter, _ = started
    fake.force_error(MESSAGES, status=502)  # discord.py retries 500/502/504/524 itself, after 1 s
    sent = await adapter.send(PostMessage(platform="discord", channel=fake.channel_id, text="hi"))
    assert [r.status for r in fake.requests if r.route == MESSAGES] == [502, 200]
    assert sent.message_id == fake.messages_sent[-1].message["id"]
