"""Point 8: a moderator cannot work out one person's mood from insights.

Insights show the last closed week (Monday to Monday in the community's zone), frozen the first time
anyone looks; a week under the minimum shows no numbers; a week where one mood holds every answer
shows no counts; a mood given once or twice shows as "a few", with no totals beside it.
"""

from __future__ import annotations

import re

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, run

SIX = ["p1", "p2", "p3", "p4", "p5", "p6"]
WEEK_ONE = "from Monday 5 January to Sunday 11 January"
WEEK_TWO = "from Monday 12 January to Sunday 18 January"


async def _join(sim: Simulation, people: list[str]) -> None:
    for person in people:
        await run(sim, {"member": {"id": person, "name": person.upper(), "timezone": "UTC"}})
        await command(sim, person, "checkin join")


async def _day(sim: Simulation, when: str, moods: dict[str, str]) -> None:
    """Prompts go out at ``when`` (09:00 UTC on a weekday); each person presses their mood."""
    await advance(sim, when)
    for person, label in moods.items():
        await press(sim, person, label)


async def _insights(sim: Simulation) -> str:
    return str(only(await command(sim, "mod", "checkin insights"))["text"])


async def test_a_view_before_and_after_a_member_answers_this_week_is_identical(
    sim: Simulation,
) -> None:
    await _join(sim, SIX)
    await _day(sim, "2026-01-05T09:00:00Z", {p: "Good" if p in SIX[:3] else "Okay" for p in SIX})
    await _day(sim, "2026-01-12T09:00:00Z", {p: "Okay" for p in SIX[:5]})
    await advance(sim, "2026-01-12T09:05:00Z")
    before = await _insights(sim)
    await advance(sim, "2026-01-12T09:30:00Z")
    await press(sim, "p6", "Rough")
    await advance(sim, "2026-01-12T09:35:00Z")
    after = await _insights(sim)
    assert before == after
    assert WEEK_ONE in before
    assert "6 of the 6 members who were sent a check-in answered: 6 moods" in before
    assert "🙂 Good: 3" in before and "😐 Okay: 3" in before and "Rough: 0" in before


async def test_across_the_week_boundary_the_view_moves_to_the_newly_closed_week(
    sim: Simulation,
) -> None:
    await _join(sim, SIX)
    await _day(sim, "2026-01-05T09:00:00Z", {p: "Good" if p in SIX[:3] else "Okay" for p in SIX})
    await _day(sim, "2026-01-12T09:00:00Z", {p: "Good" if p in SIX[:3] else "Low" for p in SIX})
    on_monday = await _insights(sim)
    await advance(sim, "2026-01-18T23:59:00Z")
    assert await _insights(sim) == on_monday
    await advance(sim, "2026-01-19T00:00:00Z")
    next_week = await _insights(sim)
    assert WEEK_ONE in on_monday and WEEK_TWO not in on_monday
    assert WEEK_TWO in next_week and WEEK_ONE not in next_week
    assert "😐 Okay: 3" in on_monday and "😕 Low: 0" in on_monday
    assert "😐 Okay: 0" in next_week and "😕 Low: 3" in next_week


async def test_a_uniform_week_shows_no_exact_counts(sim: Simulation) -> None:
    await _join(sim, SIX)
    await _day(sim, "2026-01-05T09:00:00Z", {p: "Rough" for p in SIX})
    await _day(sim, "2026-01-06T09:00:00Z", {p: "Rough" for p in SIX})
    await advance(sim, "2026-01-12T08:00:00Z")
    text = await _insights(sim)
    assert "Most people felt about the same that week" in text
    assert "Rough" not in text and "moods" not in text
    for label in ("Great", "Good", "Okay", "Low", "Rough"):
        assert f"{label}:" not in text
    assert "12" not in text  # the number of answers is nowhere


async def test_a_week_under_the_minimum_shows_no_numbers_even_if_the_last_7_days_have_enough(
    sim: Simulation,
) -> None:
    await _join(sim, [*SIX, "p7"])
    await _day(sim, "2026-01-09T09:00:00Z", {p: "Okay" for p in SIX[:4]})
    await _day(sim, "2026-01-12T09:00:00Z", {p: "Good" for p in ["p5", "p6", "p7"]})
    text = await _insights(sim)
    assert "Fewer than 5 members checked in last week" in text
    assert re.findall(r"\d+", text) == ["5"]


async def test_moods_given_once_or_twice_show_as_a_few_and_no_totals(sim: Simulation) -> None:
    await _join(sim, SIX)
    await _day(sim, "2026-01-05T09:00:00Z", {p: "Rough" if p == "p6" else "Good" for p in SIX})
    await advance(sim, "2026-01-12T08:00:00Z")
    text = await _insights(sim)
    assert "🙂 Good: 5" in text and "Rough: a few" in text
    assert "5 or more members checked in." in text
    assert "6 of the" not in text and "moods" not in text and "skipped" not in text


async def test_a_member_deleting_their_data_after_a_view_does_not_change_it(
    sim: Simulation,
) -> None:
    await _join(sim, SIX)
    await _day(sim, "2026-01-05T09:00:00Z",
               {p: "Good" if p in SIX[:3] else "Okay" for p in SIX[:5]} | {"p6": "Rough"})
    await _day(sim, "2026-01-06T09:00:00Z",
               {p: "Good" if p in SIX[:3] else "Okay" for p in SIX[:5]} | {"p6": "Rough"})
    await _day(sim, "2026-01-07T09:00:00Z", {"p6": "Rough"})
    await advance(sim, "2026-01-12T08:00:00Z")
    before = await _insights(sim)
    assert "Rough: 3" in before
    await command(sim, "p6", "privacy delete")
    await press(sim, "p6", "Yes, delete everything")
    assert await _insights(sim) == before


async def test_moving_the_community_timezone_does_not_reopen_a_viewed_week(
    sim: Simulation,
) -> None:
    """A shifted window over the same week would differ from the first by the answers in the
    shift: here, one member in Auckland whose Monday answer is Sunday evening in UTC."""
    await _join(sim, SIX)
    await run(sim, {"member": {"id": "kiwi", "name": "Kiwi", "timezone": "Pacific/Auckland"}})
    await command(sim, "kiwi", "checkin join")
    await _day(sim, "2026-01-05T09:00:00Z", {p: "Good" if p in SIX[:3] else "Okay" for p in SIX})
    await _day(sim, "2026-01-11T20:00:00Z", {"kiwi": "Rough"})
    await advance(sim, "2026-01-12T08:00:00Z")
    before = await _insights(sim)
    assert WEEK_ONE in before and "Rough: a few" in before
    await command(sim, "mod", "warmline setup timezone", zone="Pacific/Auckland")
    assert await _insights(sim) == before
