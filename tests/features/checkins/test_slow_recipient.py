"""One slow recipient never stalls a round: a per-recipient 429 or 5xx parks that delivery as a
durable job of its own, and everyone else's check-in goes out on time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapter import RateLimited, Transient
from bot.sim.simulate import Simulation
from tests.helpers.checkins import command


async def _three_due_at_nine(sim: Simulation) -> None:
    await sim.run_line({"member": {"id": "ana", "name": "Ana", "timezone": "UTC"}})
    await sim.run_line({"member": {"id": "ben", "name": "Ben", "timezone": "UTC"}})
    await sim.run_line({"member": {"id": "cai", "name": "Cai", "timezone": "UTC"}})
    for user in ("ana", "ben", "cai"):
        await command(sim, user, "checkin join")
    sim.take_new()


def _prompt_times(sim: Simulation) -> dict[str, list[datetime]]:
    times: dict[str, list[datetime]] = {}
    for sent in sim.adapter.sent:
        if getattr(sent.action, "buttons", ()) and hasattr(sent.action, "user"):
            times.setdefault(sent.action.user, []).append(sent.at)  # type: ignore[attr-defined]
    return times


async def test_a_rate_limited_member_waits_alone(sim: Simulation) -> None:
    await _three_due_at_nine(sim)
    sim.adapter.fail_next(RateLimited(30.0))  # Ana's DM channel is rate limited for 30 s
    await sim.run_line({"clock": {"set": "2026-01-05T09:10:00Z"}})
    nine = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    times = _prompt_times(sim)
    assert times["ben"] == [nine] and times["cai"] == [nine]  # nobody waited for Ana
    assert times["ana"] == [datetime(2026, 1, 5, 9, 0, 30, tzinfo=UTC)]  # once, 30 s later
    ana = await sim.bot.store.members.find(1, "ana")
    assert ana is not None
    job = await sim.bot.store.jobs.get("checkin.prompt", f"member:{ana.id}:0")
    assert job is not None
    assert [(d.status, d.reason) for d in await sim.bot.store.jobs.deliveries(job.id)] == [
        ("skipped", "parked")]


async def test_a_parked_delivery_that_keeps_failing_gives_up_and_is_recorded(
    sim: Simulation,
) -> None:
    await _three_due_at_nine(sim)
    sim.adapter.fail_next(*[Transient("502")] * 20)
    await sim.run_line({"clock": {"set": "2026-01-05T10:30:00Z"}})
    times = _prompt_times(sim)
    assert len(times.get("ana", [])) <= 1 and len(times.get("ben", [])) <= 1
    retries = await sim.bot.store.db.fetchall(
        "SELECT d.status FROM deliveries d JOIN jobs j ON j.id = d.job_id "
        "WHERE j.kind = 'warmline.retry'")
    assert retries and {r["status"] for r in retries} <= {"skipped", "failed", "sent"}


async def test_a_stop_during_a_long_wait_parks_the_prompt_and_it_goes_out_once_after(
    sim: Simulation,
) -> None:
    """SIGTERM while the platform has told everyone to wait ten minutes: shutdown does not sit
    out the wait, and the prompts that were about to go (the group in hand: all three were
    started together) are kept as durable retries, not lost."""
    import asyncio

    await _three_due_at_nine(sim)
    sim.adapter.fail_next(RateLimited(600.0, is_global=True))
    stop = asyncio.Event()
    sim.clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    async def sigterm_once_the_platform_said_wait() -> None:
        while sim.adapter._failures:  # noqa: ASYNC110 - polls a test double, the 429 not yet received
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        stop.set()

    await asyncio.wait_for(asyncio.gather(sim.bot.run(stop), sigterm_once_the_platform_said_wait()), 10)
    assert sim.clock.now() == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # nobody sat out the wait
    assert _prompt_times(sim) == {}
    parked = await sim.bot.store.db.fetchall("SELECT subject FROM jobs WHERE kind = 'warmline.retry'")
    assert len(parked) == 3

    await sim.restart()  # a new process on the same database
    await sim.run_line({"clock": {"set": "2026-01-05T09:30:00Z"}})
    times = _prompt_times(sim)
    assert sorted(times) == ["ana", "ben", "cai"] and all(len(t) == 1 for t in times.values())


async def test_a_parked_prompt_is_dropped_when_the_member_leaves_meanwhile(
    sim: Simulation,
) -> None:
    """Leaving withdraws every pending job: a prompt parked by a 429 does not go out after."""
    await _three_due_at_nine(sim)
    sim.adapter.fail_next(RateLimited(300.0))  # Ana's DM waits five minutes
    await sim.run_line({"clock": {"set": "2026-01-05T09:01:00Z"}})
    await command(sim, "ana", "checkin leave")
    await sim.run_line({"clock": {"set": "2026-01-05T10:00:00Z"}})
    assert "ana" not in _prompt_times(sim)
