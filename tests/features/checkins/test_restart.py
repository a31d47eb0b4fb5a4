"""Point 10, restart safety: after downtime the prompt is sent if still within the expiry window,
otherwise skipped and recorded as expired; never twice."""

from __future__ import annotations

from pathlib import Path

from bot.sim.simulate import simulation
from tests.helpers.checkins import MONDAY, command, make_settings, prompts, run, world


async def _enrol_and_stop(db: Path) -> None:
    async with simulation(db=db, settings=make_settings(), start=MONDAY) as s:
        await world(s)
        await command(s, "sam", "checkin join")  # due 09:00 UTC; the bot stops at 07:00


async def test_back_within_the_window_sends_once(db: Path) -> None:
    await _enrol_and_stop(db)
    later = MONDAY.replace(hour=15)  # back at 15:00, six hours after 09:00
    async with simulation(db=db, settings=make_settings(), start=later) as s:
        sent = await run(s, {"clock": {"advance": "1m"}})
        assert [p["user"] for p in prompts(sent)] == ["sam"]
        assert prompts(await run(s, {"clock": {"set": "2026-01-05T23:00:00Z"}})) == []
    async with simulation(db=db, settings=make_settings(), start=later.replace(hour=16)) as s:
        assert prompts(await run(s, {"clock": {"advance": "1m"}})) == []  # never twice


async def test_back_after_the_window_skips_and_records_why(db: Path) -> None:
    await _enrol_and_stop(db)
    later = MONDAY.replace(hour=22)  # 13 hours after 09:00; expiry is 12
    async with simulation(db=db, settings=make_settings(), start=later) as s:
        sent = await run(s, {"clock": {"advance": "1m"}})
        assert prompts(sent) == []
        member = await s.bot.store.members.find(1, "sam")
        assert member is not None
        job = await s.bot.store.jobs.get("checkin.prompt", f"member:{member.id}:0")
        assert job is not None
        deliveries = await s.bot.store.jobs.deliveries(job.id)
        assert [(d.status, d.reason) for d in deliveries] == [("skipped", "expired")]
        assert deliveries[0].occurrence.isoformat() == "2026-01-05T09:00:00+00:00"
        assert len(prompts(await run(s, {"clock": {"set": "2026-01-06T09:00:00Z"}}))) == 1


async def test_several_missed_days_send_only_the_latest(db: Path) -> None:
    await _enrol_and_stop(db)
    later = MONDAY.replace(day=8, hour=10)  # down Monday to Thursday morning
    async with simulation(db=db, settings=make_settings(), start=later) as s:
        sent = await run(s, {"clock": {"advance": "1m"}})
        assert len(prompts(sent)) == 1
