"""Every form the features can open fits Discord's limits as written: a text-input label holds
at most 45 characters and a title 45, so no adapter has to cut a kind sentence short."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, prompts

LABEL_MAX = 45
TITLE_MAX = 45


async def test_every_form_label_and_title_fits_without_cutting(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin goal", text="walk twice this week")
    only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
    forms = [only(await press(sim, "sam", "Add a note"))["form"],
             only(await press(sim, "sam", "Change my goal"))["form"]]
    assert {f["id"] for f in forms} == {"checkin.note", "checkin.goal"}
    for form in forms:
        assert len(form["title"]) <= TITLE_MAX, form["title"]
        for field in form["fields"]:
            assert len(field["label"]) <= LABEL_MAX, field["label"]
            assert len(field.get("placeholder") or "") <= 100
