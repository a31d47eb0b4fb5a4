"""Bad input: each gets a clear, kind answer and changes nothing it shouldn't."""

from __future__ import annotations

import logging

import pytest

from bot.actions import action_to_json
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


async def test_hostile_button_values_get_an_answer_and_change_nothing(sim: Simulation) -> None:
    prompt = await _prompted(sim)
    real = str(prompt["buttons"][0]["value"])  # type: ignore[index]
    prompt_id = real.split(":")[0]
    for value in (f"{2**63}:3", f"{10**30}:3", "²:3", f"{prompt_id}:²", f"{prompt_id}:9",
                  f"{prompt_id}:" + "3" * 5000, ""):
        answers = await run(sim, {"event": {"type": "button", "user": "sam",
                                            "action": "checkin.mood", "value": value}})
        assert len(answers) == 1 and answers[0]["recipient"] == "sam", value
        assert "went wrong" not in answers[0]["text"], value  # understood, not a crash
    assert [p.status for p in await rows(sim, "sam")] == ["open"]


async def test_numbers_that_only_look_like_numbers(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    for days in ("²", "٣", "9" * 40, "-1", "0"):
        answer = only(await command(sim, "sam", "checkin pause", days=days))
        assert "1 to 90" in answer["text"] or "90" in answer["text"], days
    for hours in ("²", "1" * 30, "0", "49"):
        answer = only(await command(sim, "mod", "checkin setup", expiry_hours=hours))
        assert "from 1 to 48" in answer["text"], hours
    community = await sim.bot.store.communities.get(1)
    assert community is not None and "checkin_expiry_hours" not in community.settings


async def test_names_that_are_not_timezones(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    for zone in ("America", "Etc", "localtime", "posix/Europe/London", "../../etc/passwd",
                 "Europe/" + "x" * 190):
        answer = only(await command(sim, "sam", "checkin timezone", zone=zone))
        assert "don't recognise" in answer["text"], zone
        assert len(answer["text"]) < 600, zone  # what was typed is not echoed in full
    # Longer than the option allows: the core answers with the limit, before the feature.
    answer = only(await command(sim, "sam", "checkin timezone", zone="Europe/" + "x" * 300))
    assert "307 characters" in answer["text"] and "up to 200" in answer["text"]
    assert "x" * 60 not in answer["text"]
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None and member.timezone == "Europe/London"


async def test_platform_values_are_checked_before_they_are_kept(sim: Simulation) -> None:
    for zone in ("../../etc/passwd", "America"):
        await run(sim, {"event": {"type": "command", "user": f"new-{len(zone)}",
                                  "name": "warmline help",
                                  "actor": {"display_name": "N" * 1_000_000, "timezone": zone}}})
    for user in ("new-16", "new-7"):
        member = await sim.bot.store.members.find(1, user)
        assert member is not None
        assert member.timezone is None
        assert member.display_name is not None and len(member.display_name) <= 80
    long_id = await run(sim, {"event": {"type": "command", "user": "u" * 10_000,
                                        "name": "warmline help"}})
    assert long_id == []


async def test_a_handler_that_fails_still_answers_and_logs_no_words(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.features.checkins import history

    async def broken(ctx: object) -> str:
        raise ValueError("a member's secret words")

    monkeypatch.setattr(history, "history_text", broken)
    await command(sim, "sam", "checkin join")
    with caplog.at_level(logging.DEBUG, logger="bot"), pytest.raises(ValueError):
        await command(sim, "sam", "checkin history")  # the simulator names the failing line
    (answer,) = [action_to_json(sent.action) for sent in sim.take_new()]
    assert "went wrong on my side" in answer["text"] and answer["type"] == "respond"
    assert "ValueError" in caplog.text
    assert "secret words" not in caplog.text
    monkeypatch.undo()  # the next event works again
    assert "went wrong" not in only(await command(sim, "sam", "checkin history"))["text"]
