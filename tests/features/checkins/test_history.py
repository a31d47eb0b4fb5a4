"""Point 5, history: the last 30 days as a private sparkline with one gentle trend line."""

from __future__ import annotations

from bot.features.checkins.history import sparkline, trend
from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press


def test_sparkline_maps_moods_to_blocks_and_gaps_to_dots() -> None:
    assert sparkline([1, 2, 3, 4, 5, None]) == "▁▃▄▆█·"


def test_trend_compares_later_answers_with_earlier_ones() -> None:
    assert trend([2, 2, None, 4, 4, None]) == "lighter"
    assert trend([None, 4, 4, 2, 2, None]) == "heavier"
    assert trend([3, 3, 3, 3, 4, 3]) == "steady"
    assert trend([1, None, None, 5, 5, None]) == "too_few"


async def test_history_is_private_and_shows_the_month(sim: Simulation) -> None:
    await command(sim, "mod", "checkin setup", schedule="daily 09:00")
    await command(sim, "sam", "checkin join")
    answers = ["Rough", "Low", None, "Low", "Okay", "Good", "Great", "Great"]
    for day, label in enumerate(answers, start=5):
        await advance(sim, f"2026-01-{day:02d}T09:00:00Z")
        if label:
            await press(sim, "sam", label)
    await press(sim, "sam", "Add a note")
    await sim.run_line({"submit": {"user": "sam", "values": {"note": "slept well"}}})
    answer = only(await command(sim, "sam", "checkin history"))
    assert answer["type"] == "respond" and answer["private"] is True
    lines = answer["text"].splitlines()
    assert lines[1] == "·" * 22 + "▁▃·▃▄▆██"
    assert "7 times" in lines[3]
    assert "lighter" in lines[4]
    assert lines[-1] == "12 Jan: slept well"


async def test_history_with_nothing_yet_is_gentle(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    answer = only(await command(sim, "sam", "checkin history"))
    assert "whenever you want it" in answer["text"]
