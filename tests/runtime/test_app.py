"""The runtime's own housekeeping: the schedule signal and forgetting old redelivery ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import VirtualClock
from bot.config import default_settings
from bot.features.registry import build_features
from bot.runtime.app import Warmline
from bot.store.store import CoreStore, open_sqlite
from bot.texts import TextCatalogue

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[CoreStore]:
    opened = await open_sqlite(tmp_path / "w.db")
    try:
        yield opened
    finally:
        await opened.close()


async def runtime(store: CoreStore, clock: VirtualClock) -> Warmline:
    settings = default_settings()
    return Warmline(settings=settings, store=store, clock=clock, texts=TextCatalogue.load(),
                    features=await build_features(settings, store), adapters=[])


async def test_scheduling_a_job_raises_the_runtimes_signal(store: CoreStore) -> None:
    bot = await runtime(store, VirtualClock(T0))
    assert not bot.schedule_changed.is_set()
    await bot.store.jobs.upsert(kind="checkin.prompt", subject="s", community_id=None,
                                member_id=None, rule=None, zone="UTC", next_run=T0)
    assert bot.schedule_changed.is_set()


async def test_reading_or_deleting_jobs_raises_nothing(store: CoreStore) -> None:
    bot = await runtime(store, VirtualClock(T0))
    await bot.store.jobs.get("checkin.prompt", "s")
    await bot.store.jobs.delete("checkin.prompt", "s")
    assert not bot.schedule_changed.is_set()


async def test_redelivery_ids_older_than_a_day_are_forgotten_at_most_hourly(
    store: CoreStore,
) -> None:
    clock = VirtualClock(T0)
    bot = await runtime(store, clock)
    await store.seen.first_time("discord", "old", T0 - timedelta(days=2))
    await store.seen.first_time("discord", "recent", T0 - timedelta(hours=2))

    assert await bot.prune_seen_events() == 1
    assert await store.seen.first_time("discord", "old", T0)  # forgotten: new again
    assert not await store.seen.first_time("discord", "recent", T0)

    await store.seen.first_time("discord", "older", T0 - timedelta(days=3))
    clock.advance(timedelta(minutes=30))
    assert await bot.prune_seen_events() == 0  # not yet an hour since the last pass
    clock.advance(timedelta(minutes=31))
    assert await bot.prune_seen_events() == 1


async def test_a_full_disk_backs_off_logs_once_a_minute_and_recovers_by_itself(
    store: CoreStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging
    import sqlite3

    clock = VirtualClock(T0)
    bot = await runtime(store, clock)
    community = await store.communities.ensure("memory", "c1")
    job = await store.jobs.upsert(kind="checkin.remind", subject="after-the-outage",
                                  community_id=community.id, member_id=None, rule=None,
                                  zone="UTC", next_run=T0 + timedelta(minutes=1))
    disk_back = T0 + timedelta(minutes=5)
    real_claim = bot.store.jobs.claim_due
    attempts = 0
    stop = asyncio.Event()

    async def full_disk(now: datetime, limit: int) -> list[object]:
        nonlocal attempts
        if clock.now() < disk_back:
            attempts += 1
            if attempts > 1000:
                stop.set()  # the old busy loop: bail out instead of hanging the test
            raise sqlite3.OperationalError("database or disk is full")
        return await real_claim(now, limit)  # type: ignore[return-value]

    monkeypatch.setattr(bot.store.jobs, "claim_due", full_disk)

    async def drive_time() -> None:
        """Virtual time moves only while the loop sleeps on the clock (never during I/O)."""
        while not stop.is_set():
            await asyncio.sleep(0.005)
            if await store.jobs.deliveries(job.id) or clock.now() > T0 + timedelta(hours=1):
                stop.set()
            elif (wake := clock.next_wakeup()) is not None:
                clock.set(max(wake, clock.now()))

    with caplog.at_level(logging.ERROR, logger="bot.runtime.app"):
        await asyncio.wait_for(asyncio.gather(bot.run(stop), drive_time()), 30)

    assert attempts <= 12  # 1, 2, 4, … 60 seconds apart: not thousands
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) <= 6
    assert [d.status for d in await store.jobs.deliveries(job.id)] == ["skipped"]  # ran after
    assert clock.now() < disk_back + timedelta(minutes=2)  # soon after the space came back
