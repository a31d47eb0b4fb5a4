"""The adapter contract: what every adapter promises the core, whatever the platform.

Start and stop are idempotent and stop cancels every task the adapter owns; ``send`` returns a
reference to what it created; text longer than the platform allows is split, with the buttons on
the last piece; and failures reach the outbox as the ``bot.adapter`` error types it decides on:
a long rate limit as ``RateLimited``, a server or connection error as ``Transient``.

Each test runs once per adapter, with the real client library against the platform's local fake
(see :mod:`tests.helpers.adapter_harness`). What only one platform does stays in its own files
(``tests/adapters/discord/test_discord_outbound.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.actions import Button, PostMessage
from bot.adapter import Adapter, RateLimited, Transient
from bot.events import Event
from tests.helpers.adapter_harness import AdapterHarness, open_harness


@pytest.fixture(params=["discord", "slack"])
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AdapterHarness]:
    async with open_harness(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
async def started(harness: AdapterHarness) -> Adapter:
    return await harness.start()


def post(harness: AdapterHarness, text: str, buttons: tuple[Button, ...] = ()) -> PostMessage:
    return PostMessage(platform=harness.platform, channel=harness.channel, text=text, buttons=buttons)


async def test_start_and_stop_are_idempotent_and_stop_cancels_every_task(
    harness: AdapterHarness,
) -> None:
    adapter = harness.build()

    async def sink(event: Event, *, handled: object = None) -> None:
        return None

    await adapter.start(sink)
    await adapter.start(sink)
    assert harness.connections() == 1
    await harness.leave_work_running(adapter)
    await adapter.stop()
    await adapter.stop()
    assert harness.owned_tasks(adapter) == 0
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith(harness.task_prefix)]
    with pytest.raises(Transient):
        await adapter.send(post(harness, "x"))


async def test_send_returns_a_reference_to_what_was_created(
    started: Adapter, harness: AdapterHarness
) -> None:
    result = await started.send(post(harness, "hi"))
    assert result.message_id == harness.received()[-1].message_id
    assert result.channel == harness.channel


async def test_long_text_is_split_into_platform_sized_messages_with_buttons_on_the_last(
    started: Adapter, harness: AdapterHarness
) -> None:
    limit = started.capabilities.max_text
    para = "Some words about today. " * (limit // 50)  # two paragraphs fit in one message
    text = "\n\n".join([para.strip()] * 5)  # ~2.4 times the limit (~4,800 characters on Discord)
    await started.send(post(harness, text, (Button(action="probe.mood", label="Ok"),)))
    received = harness.received()
    assert len(received) == 3 and all(len(r.text) <= limit for r in received)
    assert [r.has_buttons for r in received] == [False, False, True]
    assert "\n\n".join(r.text for r in received) == text


async def test_a_long_rate_limit_surfaces_as_rate_limited_for_the_outbox(
    started: Adapter, harness: AdapterHarness
) -> None:
    harness.force_rate_limit(retry_after=90.0)  # longer than any client library should sit out
    with pytest.raises(RateLimited) as caught:
        await started.send(post(harness, "x"))
    assert caught.value.retry_after == pytest.approx(90.0)


async def test_a_server_error_surfaces_as_transient(
    started: Adapter, harness: AdapterHarness
) -> None:
    harness.force_server_error()
    with pytest.raises(Transient):
        await started.send(post(harness, "again"))


async def test_a_connection_error_surfaces_as_transient(
    started: Adapter, harness: AdapterHarness
) -> None:
    await harness.cut_connection()
    with pytest.raises(Transient):
        await started.send(post(harness, "x"))
