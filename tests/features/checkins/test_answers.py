"""Point 3, answering in one tap: a 1–5 scale with catalogue labels and emoji, skip, a short
private note; replies that vary with the mood; late answers count until the prompt expires."""

from __future__ import annotations

import json
from typing import Any

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, prompts, rows, run


async def _prompted(sim: Simulation, user: str = "sam",
                    at: str = "2026-01-05T09:00:00Z") -> dict[str, Any]:
    await command(sim, user, "checkin join")
    return only(prompts(await advance(sim, at)))


async def test_prompt_offers_five_moods_skip_and_a_note(sim: Simulation) -> None:
    prompt = await _prompted(sim)
    buttons = prompt["buttons"]
    assert [b["label"] for b in buttons] == ["Rough", "Low", "Okay", "Good", "Great",
                                             "Skip today", "Add a note"]
    assert [b["emoji"] for b in buttons[:5]] == ["😞", "😕", "😐", "🙂", "😄"]
    prompt_id = buttons[0]["value"].split(":")[0]
    assert [b["value"] for b in buttons[:5]] == [f"{prompt_id}:{n}" for n in range(1, 6)]
    assert {b["action"] for b in buttons[5:]} == {"checkin.skip", "checkin.note"}


async def test_a_mood_gets_a_short_private_validating_reply(sim: Simulation) -> None:
    await _prompted(sim)
    answer = only(await press(sim, "sam", "Good"))
    assert answer["type"] == "respond" and answer["private"] is True
    assert answer["text"].count(".") <= 2
    assert "cheer up" not in answer["text"].lower()
    stored = await rows(sim, "sam")
    assert [(p.status, p.mood) for p in stored] == [("answered", 4)]


async def test_replies_vary_from_day_to_day(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    replies = set()
    for day in ("05", "06", "07"):
        await advance(sim, f"2026-01-{day}T09:00:00Z")
        replies.add(only(await press(sim, "sam", "Okay"))["text"])
    assert len(replies) == 3


async def test_skip_is_not_a_score(sim: Simulation) -> None:
    await _prompted(sim)
    answer = only(await press(sim, "sam", "Skip today"))
    assert "isn't a score" in answer["text"]
    stored = await rows(sim, "sam")
    assert [(p.status, p.mood) for p in stored] == [("skipped", None)]


async def test_a_note_is_a_private_form_and_is_kept_only_for_the_member(sim: Simulation) -> None:
    prompt = await _prompted(sim)
    opened = only(await press(sim, "sam", "Add a note"))
    assert opened["type"] == "open_form" and opened["recipient"] == "sam"
    assert opened["form"]["id"] == "checkin.note"
    assert opened["form"]["context"] == prompt["buttons"][0]["value"].split(":")[0]
    assert opened["form"]["fields"][0]["max_length"] == 500
    saved = only(await run(sim, {"submit": {"user": "sam", "values": {"note": "long walk"}}}))
    assert "Only you can see it" in saved["text"]
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None
    stored = await sim.bot.store.export_member(member.id)  # the rows as they are kept: sealed
    assert [r["note"][:9] for r in stored["tables"]["checkin_prompts"]] == ["sealed:1:"]
    exported = only(await command(sim, "sam", "privacy export"))["attachment"]["content"]
    assert [r["note"] for r in json.loads(exported)["tables"]["checkin_prompts"]] == ["long walk"]


async def test_answering_late_counts_until_expiry(sim: Simulation) -> None:
    await _prompted(sim)
    await advance(sim, "2026-01-05T20:59:00Z")  # 11h59 later
    assert "counted" not in only(await press(sim, "sam", "Good"))["text"]
    stored = await rows(sim, "sam")
    assert stored[0].mood == 4


async def test_an_expired_prompt_answers_kindly(sim: Simulation) -> None:
    await _prompted(sim)
    await advance(sim, "2026-01-05T21:00:00Z")  # 12h later: expired
    answer = only(await press(sim, "sam", "Good"))
    assert "has closed" in answer["text"]
    stored = await rows(sim, "sam")
    assert stored[0].status == "open" and stored[0].mood is None


async def test_expiry_is_configurable_per_community(sim: Simulation) -> None:
    await command(sim, "mod", "checkin setup", expiry_hours="2")
    await _prompted(sim)
    await advance(sim, "2026-01-05T11:00:00Z")
    assert "has closed" in only(await press(sim, "sam", "Good"))["text"]
