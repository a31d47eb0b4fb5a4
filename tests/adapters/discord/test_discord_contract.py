"""The adapter contract (start/stop, refs, splitting, errors) and each action's Discord form,
through the real discord.py client against the fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.actions import (
    AlertModerators,
    Button,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
    StartThread,
)
from bot.adapter import Fatal, RateLimited, Transient, Unreachable
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

    async def sink(event: Event) -> None:
        heard.append(event)

    await adapter.start(sink)
    try:
        yield adapter, heard
    finally:
        await adapter.stop()


async def test_start_and_stop_are_idempotent_and_stop_cancels_every_task(harness: Harness) -> None:
    adapter = harness.adapter(COMMANDS)

    async def sink(event: Event) -> None:
        return None

    await adapter.start(sink)
    await adapter.start(sink)
    assert len(harness.fake.identifies) == 1
    await harness.fake.slash("probe", subcommand="start")  # leaves an ack timer running
    await harness.fake.wait_until(lambda: adapter.owned_tasks >= 2, what="a pending interaction")
    await adapter.stop()
    await adapter.stop()
    assert adapter.owned_tasks == 0
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("discord-")]
    with pytest.raises(Transient):
        await adapter.send(
            PostMessage(platform="discord", channel=harness.fake.channel_id, text="x")
        )


async def test_send_returns_a_reference_to_what_was_created(
    started: tuple[DiscordAdapter, list[Event]],
    fake: FakeDiscord,
) -> None:
    adapter, _ = started
    result = await adapter.send(PostMessage(platform="discord", channel=fake.channel_id, text="hi"))
    assert result.message_id == fake.messages_sent[-1].message["id"]
    assert result.channel == fake.channel_id


async def test_long_text_is_split_into_discord_sized_messages_with_buttons_on_the_last(
    started: tuple[DiscordAdapter, list[Event]],
    fake: FakeDiscord,
) -> None:
    adapter, _ = started
    para = "Some words about today. " * 40
    text = "\n\n".join([para.strip()] * 5)  # ~4,800 characters
    await adapter.send(
        PostMessage(
            platform="discord",
            channel=fake.channel_id,
            text=text,
            buttons=(Button(action="probe.mood", label="Ok"),),
        )
    )
    bodies = [m.body for m in fake.messages_sent]
    assert len(bodies) == 3 and all(len(b["content"]) <= 2000 for b in bodies)
    assert [bool(b.get("components")) for b in bodies] == [False, False, True]
    assert "\n\n".join(b["content"] for b in bodies) == text


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
    assert adapter.capabilities.ephemeral is False


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


async def test_a_long_rate_limit_surfaces_as_rate_limited_for_the_outbox(
    started: tuple[DiscordAdapter, list[Event]],
    fake: FakeDiscord,
) -> None:
    adapter, _ = started
    fake.force_429(MESSAGES, count=1, retry_after=90.0)  # beyond max_ratelimit_timeout
    with pytest.raises(RateLimited) as caught:
        await adapter.send(PostMessage(platform="discord", channel=fake.channel_id, text="x"))
    assert caught.value.retry_after == pytest.approx(90.0)


async def test_opening_dms_too_fast_backs_off_as_rate_limited(
    fake_world: FakeDiscord,
    harness_for: Harness,
) -> None:
    adapter = harness_for.adapter(COMMANDS, dm_opens_per_second=1000, dm_open_burst=1000)

    async def sink(event: Event) -> None:
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


async def test_a_form_after_a_deferral_is_refused_and_connection_errors_are_transient(
    harness: Harness,
    fake: FakeDiscord,
) -> None:
    adapter = harness.adapter((CommandSpec(name="probe form", description="x"),), ack_after=0.01)
    heard: list[Event] = []

    async def sink(event: Event) -> None:
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
        await fake.stop()
        with pytest.raises(Transient):
            await adapter.send(PostMessage(platform="discord", channel=fake.channel_id, text="x"))
    finally:
        await adapter.stop()


@pytest.fixture
async def fake_world(tmp_path: object) -> AsyncIterator[FakeDiscord]:
    limits = RateLimitConfig(enabled=True, dm_opens=RouteLimit(1, 60.0))
    async with FakeDiscord(heartbeat_interval_ms=250, rate_limits=limits) as server:
        restore = point_discord_at(server)
        try:
            yield server
        finally:
            restore()


@pytest.fixture
def harness_for(fake_world: FakeDiscord, tmp_path: object) -> Harness:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    return Harness(fake_world, tmp_path)


async def test_a_502_is_retried_by_discord_py_and_a_503_surfaces_as_transient(
    started: tuple[DiscordAdapter, list[Event]], fake: FakeDiscord
) -> None:
    adapter, _ = started
    fake.force_error(MESSAGES, status=502)  # discord.py retries 500/502/504/524 itself, after 1 s
    sent = await adapter.send(PostMessage(platform="discord", channel=fake.channel_id, text="hi"))
    assert [r.status for r in fake.requests if r.route == MESSAGES] == [502, 200]
    assert sent.message_id == fake.messages_sent[-1].message["id"]
    fake.force_error(MESSAGES, status=503)  # any other 5xx is raised at once
    with pytest.raises(Transient):
        await adapter.send(PostMessage(platform="discord", channel=fake.channel_id, text="again"))
