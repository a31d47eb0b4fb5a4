"""An answered prompt stops offering its mood buttons: in the member's private conversation the
mood or skip replaces the prompt (``Respond.replace``) with the chosen mood and the reply, keeping
only the buttons that still do something; in a shared check-in thread it never does, because
everyone there would see the mood."""

from __future__ import annotations

from typing import Any

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, prompts


def _labels(action: dict[str, Any]) -> list[str]:
    return [b["label"] for b in action["buttons"]]


async def test_a_mood_in_a_dm_replaces_the_prompt_with_the_mood_and_the_reply(
    sim: Simulation,
) -> None:
    await command(sim, "sam", "checkin join")
    only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
    answer = only(await press(sim, "sam", "Good"))
    assert answer["type"] == "respond" and answer["replace"] is True
    first, reply = answer["text"].split("\n")
    assert first == "Today: 🙂 Good"
    assert reply.startswith(("Sounds like", "Good to hear", "A good day"))  # the warm reply
    assert _labels(answer) == ["Add a note"]  # a note can still be added; no mood buttons


async def test_a_skip_in_a_dm_replaces_the_prompt_and_keeps_an_unanswered_goal(
    sim: Simulation,
) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin goal", text="walk twice this week")
    only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
    answer = only(await press(sim, "sam", "Skip today"))
    assert answer["replace"] is True and "isn't a score" in answer["text"]
    assert _labels(answer) == ["Add a note", "Done", "Partly", "Not this time", "Change my goal"]


async def test_a_mood_in_a_shared_thread_is_answered_privately_and_never_shown_there(
    sim: Simulation,
) -> None:
    await command(sim, "sam", "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")  # a DM first: her private conversation is known
    await press(sim, "sam", "Okay")
    await command(sim, "mod", "checkin setup", delivery="thread")
    tuesday = await advance(sim, "2026-01-06T09:00:00Z")
    assert only(prompts(tuesday))["type"] == "post"
    answer = only(await press(sim, "sam", "Good"))
    assert answer["type"] == "respond" and answer["private"] is True
    assert answer["replace"] is False
    assert "🙂" not in answer["text"] and "Today:" not in answer["text"]
