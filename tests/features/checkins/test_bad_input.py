"""Bad input: each gets a clear, kind answer and changes nothing it shouldn't."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, prompts, rows, run


async def _prompted(sim: Simulation) -> dict[str, object]:
    await command(sim, "sam", "checkin join")
    return only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))


async def test_unknown_timezone(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    answer = only(await command(sim, "sam", "checkin timezone", zone="Europe/Pariss"))
    assert "Europe/Paris" in answer["text"] and "don't recognise" in answer["text"]
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None and member.timezone == "Europe/London"


async def test_a_time_like_25_00(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    for value in ("25:00", "9am", "12:75", ""):
        answer = only(await command(sim, "sam", "checkin time", time=value))
        assert "24-hour clock" in answer["text"]
    bad_days = only(await command(sim, "sam", "checkin time", time="09:00", days="someday"))
    assert "couldn't read" in bad_days["text"]
    sent = await advance(sim, "2026-01-05T09:00:00Z")
    assert len(prompts(sent)) == 1  # still the community schedule


async def test_an_empty_note_is_fine(sim: Simulation) -> None:
    await _prompted(sim)
    await press(sim, "sam", "Add a note")
    answer = only(await run(sim, {"submit": {"user": "sam", "values": {"note": "   "}}}))
    assert "that's fine" in answer["text"]
    assert [p.note for p in await rows(sim, "sam")] == [None]


async def test_a_5000_character_note_gets_the_form_again(sim: Simulation) -> None:
    await _prompted(sim)
    await press(sim, "sam", "Add a note")
    answer = only(await run(sim, {"submit": {"user": "sam", "values": {"note": "x" * 5000}}}))
    assert "5000 characters" in answer["text"] and "up to 500" in answer["text"]
    assert [b["action"] for b in answer["buttons"]] == ["checkin.note"]
    assert [p.note for p in await rows(sim, "sam")] == [None]
    form = only(await press(sim, "sam", "Write it again"))
    assert form["type"] == "open_form"


async def test_someone_elses_prompt(sim: Simulation) -> None:
    prompt = await _prompted(sim)
    value = prompt["buttons"][0]["value"]  # type: ignore[index]
    answer = only(await run(sim, {"event": {"type": "button", "user": "ny",
                                            "action": "checkin.mood", "value": value}}))
    assert "someone else" in answer["text"] and answer["recipient"] == "ny"
    assert [p.status for p in await rows(sim, "sam")] == ["open"]


async def test_pressing_twice(sim: Simulation) -> None:
    await _prompted(sim)
    await press(sim, "sam", "Great")
    twice = only(await press(sim, "sam", "Rough"))
    assert "already answered" in twice["text"] and twice["buttons"] == []
    skip = only(await press(sim, "sam", "Skip today"))
    assert "already answered" in skip["text"]
    assert [(p.status, p.mood) for p in await rows(sim, "sam")] == [("answered", 5)]


async def test_answering_after_leave(sim: Simulation) -> None:
    await _prompted(sim)
    await command(sim, "sam", "checkin leave")
    for label in ("Okay", "Skip today", "Add a note"):
        answer = only(await press(sim, "sam", label))
        assert "not signed up" in answer["text"]
    assert [p.status for p in await rows(sim, "sam")] == ["open"]


async def test_a_forged_button_value(sim: Simulation) -> None:
    await _prompted(sim)
    for value in ("", "abc", "999:3", "1:9"):
        answer = only(await run(sim, {"event": {"type": "button", "user": "sam",
                                                "action": "checkin.mood", "value": value}}))
        assert "couldn't find" in answer["text"]
    assert [p.status for p in await rows(sim, "sam")] == ["open"]


async def test_bad_setup_values_change_nothing(sim: Simulation) -> None:
    for args, expected in (({"schedule": "mon-fri 25:00"}, "couldn't read"),
                           ({"delivery": "pigeon"}, "dm or thread"),
                           ({"expiry_hours": "100"}, "from 1 to 48"),
                           ({"reminder": "maybe"}, "on or off"),
                           ({}, "Nothing changed")):
        answer = only(await command(sim, "mod", "checkin setup", **args))
        assert expected in answer["text"]
    assert await sim.bot.store.audit.recent(1) == []
