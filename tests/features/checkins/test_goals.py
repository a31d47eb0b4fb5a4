"""Point 9, one small goal: the next check-ins ask about it with done / partly / not this time /
change my goal; no judgement either way; only the member sees it."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, prompts, rows, run

GOAL_LABELS = ["Done", "Partly", "Not this time", "Change my goal"]


async def test_a_goal_is_asked_about_in_the_next_checkin(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    saved = only(await command(sim, "sam", "checkin goal", text="walk twice this week"))
    assert "Only you can see it" in saved["text"]
    prompt = only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
    assert "“walk twice this week”" in prompt["text"] and prompt["user"] == "sam"
    assert [b["label"] for b in prompt["buttons"][-4:]] == GOAL_LABELS
    answer = only(await press(sim, "sam", "Not this time"))
    assert "that's okay" in answer["text"]
    assert [p.goal_answer for p in await rows(sim, "sam")] == ["not"]
    again = only(await press(sim, "sam", "Done"))
    assert "already told me" in again["text"]


async def test_every_goal_answer_is_even_handed(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin goal", text="call my sister")
    replies = []
    for day, label in zip(("05", "06", "07"), GOAL_LABELS[:3], strict=True):
        await advance(sim, f"2026-01-{day}T09:00:00Z")
        replies.append(only(await press(sim, "sam", label))["text"])
    assert all(r.startswith("Noted as") for r in replies)
    joined = " ".join(replies).lower()
    assert not any(word in joined for word in ("well done", "great job", "shame"))


async def test_change_my_goal_opens_a_form(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin goal", text="walk twice")
    await advance(sim, "2026-01-05T09:00:00Z")
    form = only(await press(sim, "sam", "Change my goal"))
    assert form["type"] == "open_form" and form["form"]["id"] == "checkin.goal"
    await run(sim, {"submit": {"user": "sam", "values": {"goal": "drink more water"}}})
    prompt = only(prompts(await advance(sim, "2026-01-06T09:00:00Z")))
    assert "drink more water" in prompt["text"]


async def test_clearing_the_goal(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin goal", text="walk")
    assert "cleared" in only(await command(sim, "sam", "checkin goal"))["text"]
    prompt = only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
    assert len(prompt["buttons"]) == 7


async def test_nobody_else_can_answer_the_goal(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin goal", text="walk")
    prompt = only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
    value = prompt["buttons"][-4]["value"]
    other = only(await run(sim, {"event": {"type": "button", "user": "ny",
                                           "action": "checkin.goal", "value": value}}))
    assert "someone else" in other["text"]
    assert [p.goal_answer for p in await rows(sim, "sam")] == [None]
