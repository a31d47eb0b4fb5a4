"""Point 8, moderator insights: the last closed week's participation and mood distribution, only
when enough members answered; never a per-person view (privacy: test_insights_privacy.py)."""

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
    run,
    world,
)

PEOPLE = ["p1", "p2", "p3", "p4", "p5"]


async def _answers(sim: Simulation, people: list[str], label: str = "Okay") -> None:
    for person in people:
        await run(sim, {"member": {"id": person, "name": person.upper(), "timezone": "UTC"}})
        await command(sim, person, "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")
    for index, person in enumerate(people):
        await press(sim, person, ["Low", "Okay", "Good"][index % 3] if label == "mix" else label)
    await advance(sim, "2026-01-12T08:00:00Z")  # the week has ended: insights show it


async def test_hidden_below_five_members(sim: Simulation) -> None:
    await _answers(sim, PEOPLE[:4])
    answer = only(await command(sim, "mod", "checkin insights"))
    assert "Fewer than 5 members" in answer["text"]
    assert not any(ch.isdigit() for ch in answer["text"].replace("5", ""))


async def test_shown_from_five_members_as_totals_only(sim: Simulation) -> None:
    await _answers(sim, PEOPLE, "mix")
    answer = only(await command(sim, "mod", "checkin insights"))
    text = answer["text"]
    assert answer["private"] is True
    assert "5 or more members checked in." in text
    assert "🙂 Good: a few" in text and "😐 Okay: a few" in text and "😕 Low: a few" in text
    assert "😄 Great: 0" in text
    for person in PEOPLE:
        assert person.upper() not in text and person not in text
    assert [e["action"] for e in await sim.bot.store.audit.recent(1)] == ["checkin insights"]


async def test_members_cannot_see_insights(sim: Simulation) -> None:
    answer = only(await command(sim, "sam", "checkin insights"))
    assert "Only moderators" in answer["text"]


async def test_the_threshold_never_goes_below_three(db: Path) -> None:
    async with simulation(db=db, settings=make_settings(insights_min_answers=1),
                          start=MONDAY) as s:
        await world(s)
        await _answers(s, PEOPLE[:2])
        assert "Fewer than 3 members" in only(await command(s, "mod", "checkin insights"))["text"]
        await run(s, {"member": {"id": "p3", "timezone": "UTC"}})
        await command(s, "p3", "checkin join")
        await advance(s, "2026-01-13T09:00:00Z")
        for person, mood in (("p1", "Okay"), ("p2", "Okay"), ("p3", "Great")):
            await press(s, person, mood)
        await advance(s, "2026-01-19T08:00:00Z")
        shown = only(await command(s, "mod", "checkin insights"))["text"]
        assert "3 or more members checked in." in shown
