"""Point 4, no nagging: at most one gentle reminder (off by default), pause for N days with an
automatic resume, and no streak pressure."""

from __future__ import annotations

from pathlib import Path

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import (
    MONDAY,
    advance,
    command,
    make_settings,
    only,
    press,
    prompts,
    world,
)


async def test_no_reminder_by_default(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    sent = await advance(sim, "2026-01-05T20:59:00Z")
    assert len(sent) == 1


async def test_at_most_one_reminder_when_switched_on(sim: Simulation) -> None:
    answer = only(await command(sim, "mod", "checkin setup", reminder="on"))
    assert "reminder = on" in answer["text"]
    await command(sim, "sam", "checkin join")
    sent = await advance(sim, "2026-01-05T20:59:00Z")
    first, reminder = prompts(sent)
    assert first["text"].startswith("Hi Sam")
    assert reminder["text"].startswith("A gentle reminder")
    assert reminder["buttons"] == first["buttons"]
    assert sim.adapter.sent[-1].at.isoformat() == "2026-01-05T12:00:00+00:00"  # 3 hours later


async def test_no_reminder_once_answered(db: Path) -> None:
    async with simulation(db=db, settings=make_settings(reminder=True), start=MONDAY) as s:
        await world(s)
        await command(s, "sam", "checkin join")
        await advance(s, "2026-01-05T09:00:00Z")
        await press(s, "sam", "Okay")
        assert await advance(s, "2026-01-05T20:00:00Z") == []


async def test_pause_for_n_days_then_resume_by_itself(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    answer = only(await command(sim, "sam", "checkin pause", days="3"))
    assert "paused for 3 days" in answer["text"] and "Thursday 8 January" in answer["text"]
    sent = await advance(sim, "2026-01-08T07:59:00Z")  # paused at Monday 07:00, for 72 hours
    assert prompts(sent) == []
    assert ["back on" in a["text"] for a in sent] == [True]
    assert sim.adapter.sent[-1].at.isoformat() == "2026-01-08T07:00:00+00:00"
    sent = await advance(sim, "2026-01-08T09:30:00Z")
    assert len(prompts(sent)) == 1


async def test_resume_early(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin pause", days="7")
    answer = only(await command(sim, "sam", "checkin resume"))
    assert "back on" in answer["text"]
    assert len(prompts(await advance(sim, "2026-01-05T09:00:00Z"))) == 1
    again = only(await command(sim, "sam", "checkin resume"))
    assert "aren't paused" in again["text"]


async def test_bad_pause_lengths_are_refused_kindly(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    for value in ("0", "-2", "soon", "400"):
        answer = only(await command(sim, "sam", "checkin pause", days=value))
        assert "whole number from 1 to 90" in answer["text"]
    assert len(prompts(await advance(sim, "2026-01-05T09:00:00Z"))) == 1


async def test_no_streak_pressure_after_missed_days(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    sent = await advance(sim, "2026-01-09T10:00:00Z")  # five prompts, none answered
    await press(sim, "sam", "Okay")
    history = only(await command(sim, "sam", "checkin history"))["text"]
    for text in [*(a["text"] for a in sent), history]:
        assert "streak" not in text.lower()
        assert "missed" not in text.lower()
    assert "once in the last 30 days" in history
