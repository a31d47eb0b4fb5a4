"""Moderators change listening per community (audit-logged); the optional weekly tip goes to the
supporters' channel from the catalogue, as a durable job."""

from __future__ import annotations

from pathlib import Path

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, advance, command, only
from tests.helpers.listening import make_settings, post, reply, world


async def test_moderators_change_the_delay(sim: Simulation) -> None:
    assert "Only moderators" in only(await command(sim, "sam", "listening setup",
                                                   unanswered_minutes="60"))["text"]
    done = only(await command(sim, "mod", "listening setup", unanswered_minutes="60"))
    assert "unanswered_minutes = 60" in done["text"]
    bad = only(await command(sim, "mod", "listening setup", unanswered_minutes="2"))
    assert "from 5 to 1440" in bad["text"]
    await advance(sim, "2026-01-05T07:01:00Z")  # settings apply within the 30-second caches
    await post(sim, "sam", "p1", "I feel so alone lately")
    assert await advance(sim, "2026-01-05T08:00:00Z") == []
    assert "60 minutes" in only(await advance(sim, "2026-01-05T08:01:00Z"))["text"]
    audit = only(await command(sim, "mod", "warmline audit"))["text"]
    assert "listening setup" in audit


async def test_a_weekly_tip_when_switched_on(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", settings=make_settings(weekly_tips=True),
                          start=MONDAY) as s:
        await world(s)
        await post(s, "sam", "p1", "hello")  # the community is seen: its tip job is made
        await reply(s, "dee", "r1", "p1", "hi, how are you doing?")
        tips = [a for a in await advance(s, "2026-01-12T10:00:00Z")
                if a["text"].startswith("Listening tip of the week")]
        assert [(t["type"], t["channel"]) for t in tips] == [("post", "supporters-chan")] * 2
        assert tips[0]["text"] != tips[1]["text"]  # a different tip each week


async def test_no_tips_by_default(sim: Simulation) -> None:
    await post(sim, "sam", "p1", "hello")
    await reply(sim, "dee", "r1", "p1", "hi, how are you doing?")
    assert await advance(sim, "2026-01-20T12:00:00Z") == []


async def test_moderators_see_counts_only(sim: Simulation) -> None:
    await post(sim, "sam", "p1", "I can't sleep and work is falling apart")
    await reply(sim, "dee", "r1", "p1", "you should just try melatonin")
    await command(sim, "kai", "listening nudges", state="off")
    said = only(await command(sim, "mod", "listening status"))["text"]
    assert "1 listening notes and 0 thank-you notes" in said and "switched notes off: 1" in said
    assert "dee" not in said and "melatonin" not in said
