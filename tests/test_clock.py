from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SystemClock, VirtualClock, ensure_utc

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_virtual_clock_moves_only_when_told() -> None:
    clock = VirtualClock(START)
    assert clock.now() == START
    clock.advance(timedelta(minutes=5))
    assert clock.now() == START + timedelta(minutes=5)


def test_virtual_clock_never_goes_backwards() -> None:
    clock = VirtualClock(START)
    with pytest.raises(ValueError):
        clock.set(START - timedelta(seconds=1))
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError):
        ensure_utc(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


async def test_sleepers_wake_when_virtual_time_passes_their_deadline() -> None:
    clock = VirtualClock(START)
    woke: list[str] = []

    async def sleeper(name: str, minutes: int) -> None:
        await clock.sleep_until(START + timedelta(minutes=minutes))
        woke.append(name)

    tasks = [asyncio.create_task(sleeper("late", 10)), asyncio.create_task(sleeper("early", 1))]
    await asyncio.sleep(0)
    clock.advance(timedelta(minutes=2))
    await asyncio.sleep(0)
    assert woke == ["early"]
    clock.advance(timedelta(minutes=8))
    await asyncio.gather(*tasks)
    assert woke == ["early", "late"]


async def test_system_clock_is_utc_and_does_not_wait_for_the_past() -> None:
    clock = SystemClock()
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    await asyncio.wait_for(clock.sleep_until(now - timedelta(hours=1)), timeout=1)
