"""Events run concurrently across conversations and in order within one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.events import Event, MessagePosted
from bot.runtime.dispatcher import Dispatcher

AT = datetime(2026, 1, 1, tzinfo=UTC)


def message(n: int, channel: str) -> MessagePosted:
    return MessagePosted(platform="sim", event_id=f"e{n}", at=AT, community="c", user="u",
                         channel=channel, message_id=f"m{n}", text="x")


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_one_conversation_is_handled_in_arrival_order_even_when_early_events_are_slow() -> None:
    order: list[str] = []
    gate = asyncio.Event()

    async def handle(event: Event) -> None:
        if event.event_id == "e1":
            await gate.wait()
        order.append(event.event_id)

    dispatcher = Dispatcher(handle)
    for n, channel in ((1, "a"), (2, "a"), (3, "b"), (4, "a")):
        await dispatcher.submit(message(n, channel))
    await settle()
    assert order == ["e3"]  # another conversation is not held up
    assert dispatcher.queued == 3 + 1  # e1, e2, e4 waiting in lane a, plus its worker
    gate.set()
    await dispatcher.drain(timeout=5)
    assert order == ["e3", "e1", "e2", "e4"]
    assert dispatcher.queued == 0


async def test_submit_returns_before_the_event_is_handled() -> None:
    seen: list[str] = []

    async def handle(event: Event) -> None:
        seen.append(event.event_id)

    dispatcher = Dispatcher(handle)
    await dispatcher.submit(message(1, "a"))
    assert seen == []
    await dispatcher.drain(timeout=5)
    assert seen == ["e1"]


async def test_a_failing_event_is_counted_and_does_not_stop_the_next() -> None:
    seen: list[str] = []

    async def handle(event: Event) -> None:
        if event.event_id == "e1":
            raise RuntimeError("boom")
        seen.append(event.event_id)

    dispatcher = Dispatcher(handle)
    await dispatcher.submit(message(1, "a"))
    await dispatcher.submit(message(2, "a"))
    await dispatcher.drain(timeout=5)
    assert seen == ["e2"]
    assert (dispatcher.handled, dispatcher.errors) == (1, 1)


async def test_concurrency_is_bounded() -> None:
    running = 0
    peak = 0

    async def handle(event: Event) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        running -= 1

    dispatcher = Dispatcher(handle, concurrency=3)
    for n in range(20):
        await dispatcher.submit(message(n, f"ch{n}"))
    await dispatcher.drain(timeout=5)
    assert peak == 3
    assert dispatcher.handled == 20


async def test_after_drain_new_events_are_refused() -> None:
    seen: list[str] = []

    async def handle(event: Event) -> None:
        seen.append(event.event_id)

    dispatcher = Dispatcher(handle)
    await dispatcher.drain()
    await dispatcher.submit(message(1, "a"))
    await settle()
    assert seen == []


async def test_drain_gives_up_after_its_grace_period() -> None:
    async def handle(event: Event) -> None:
        await asyncio.Event().wait()  # never finishes

    dispatcher = Dispatcher(handle)
    await dispatcher.submit(message(1, "a"))
    await dispatcher.submit(message(2, "a"))
    await settle()
    await dispatcher.drain(timeout=0.01)
    assert dispatcher.handled == 0
    assert dispatcher.queued == 0
