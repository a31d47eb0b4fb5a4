"""Point 4: a supporter checks a draft privately before posting it; nothing is kept."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import command, only, run
from tests.helpers.listening import SUPPORT, post


async def _submit(sim: Simulation, user: str, draft: str) -> dict[str, object]:
    return only(await run(sim, {"submit": {"user": user, "values": {"draft": draft}}}))


async def test_the_draft_command_opens_a_form_and_answers_privately(sim: Simulation) -> None:
    form = only(await command(sim, "dee", "listening draft"))
    assert form["type"] == "open_form" and form["form"]["id"] == "listening.draft"
    answer = await _submit(sim, "dee", "Don't worry! I'm there for you.")
    assert answer["type"] == "respond" and answer["recipient"] == "dee"
    text = str(answer["text"])
    assert "promised how things will turn out" in text and "It makes sense" in text
    assert "you showed you care" in text  # what it already does well
    await command(sim, "dee", "listening draft")
    clear = await _submit(sim, "dee", "That sounds really hard. What has helped, even a little?")
    assert "didn't find anything" in str(clear["text"])


async def test_reply_with_care_on_a_post_uses_what_is_known_about_it(sim: Simulation) -> None:
    await post(sim, "ana", "p1", "I got the job!! 🎉")
    opened = only(await command(sim, "dee", "listening draft", channel=SUPPORT, message="p1"))
    assert opened["form"]["context"] == "p1"
    # advice to someone sharing good news is no roadblock
    assert "didn't find anything" in str((await _submit(sim, "dee", "you should celebrate"))["text"])


async def test_a_draft_is_never_stored(sim: Simulation) -> None:
    before = sim.bot.store.db.writes
    await command(sim, "dee", "listening draft")
    await _submit(sim, "dee", "you should just try melatonin")
    db = sim.bot.store.db
    rows = [str(tuple(r)) for t in await db.tables()
            for r in await db.fetchall(f'SELECT * FROM "{t.name}"')]
    assert not any("melatonin" in row for row in rows)
    assert db.writes - before <= 2  # the interactions' "seen" marks, nothing else
