"""Point 3: a reply with a roadblock brings its writer one short, private note; limits, opt-out."""

from __future__ import annotations

from pathlib import Path

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, advance, command, only, press
from tests.helpers.listening import SUPPORT, make_settings, post, reply, world

SHARE = "I can't sleep and work is falling apart"
ROADBLOCK = "you should just try melatonin"
KIND = "That sounds exhausting. What has the last week been like for you?"


async def test_a_supporters_roadblock_reply_brings_one_private_note(sim: Simulation) -> None:
    assert await post(sim, "sam", "p1", SHARE) == []
    note = only(await reply(sim, "dee", "r1", "p1", ROADBLOCK))
    assert note["type"] == "note" and note["user"] == "dee" and note["recipient"] == "dee"
    assert note["channel"] == SUPPORT
    text = note["text"]
    assert "went to a suggestion" in text and "It sounds like" in text  # noticed, try
    assert "before someone feels heard" in text  # why it matters
    assert "melatonin" not in text and "sleep" not in text  # never quotes anyone
    assert [b["action"] for b in note["buttons"]] == ["listening.notes"]


async def test_kind_replies_and_replies_by_members_who_are_not_supporters_bring_nothing(
    sim: Simulation,
) -> None:
    await post(sim, "sam", "p1", SHARE)
    assert await reply(sim, "dee", "r1", "p1", KIND) == []
    assert await reply(sim, "ana", "r2", "p1", ROADBLOCK) == []  # notes are off for non-supporters
    assert await post(sim, "dee", "x1", ROADBLOCK) == []  # a post of her own, not a reply


async def test_a_message_in_the_posts_thread_is_a_reply(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    note = only(await post(sim, "dee", "r1", ROADBLOCK, thread="p1"))
    # The note names the thread (Slack shows it there) and the channel the thread is in.
    assert note["user"] == "dee" and note["thread"] == "p1" and note["channel"] != "p1"


async def test_other_channels_and_the_posters_own_replies_are_not_read(sim: Simulation) -> None:
    await post(sim, "sam", "o1", SHARE, channel="general")
    assert await reply(sim, "dee", "o2", "o1", ROADBLOCK) == []
    await post(sim, "dee", "p1", SHARE)
    assert await reply(sim, "dee", "p2", "p1", ROADBLOCK) == []


async def test_at_most_one_note_per_person_per_period(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await post(sim, "ana", "p2", "my exam went badly and I feel awful")
    assert only(await reply(sim, "dee", "r1", "p1", ROADBLOCK))["user"] == "dee"
    assert await reply(sim, "dee", "r2", "p2", "at least you tried, it could be worse") == []
    assert only(await reply(sim, "kai", "r3", "p2", ROADBLOCK))["user"] == "kai"  # per person
    await advance(sim, "2026-01-05T09:01:00Z")  # two hours after 07:00
    await post(sim, "sam", "p3", "everything feels heavy today")
    assert only(await reply(sim, "dee", "r4", "p3", ROADBLOCK))["user"] == "dee"


async def test_never_two_notes_about_the_same_post(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    assert only(await reply(sim, "dee", "r1", "p1", ROADBLOCK))
    await advance(sim, "2026-01-05T12:00:00Z")  # the period is over, the post still open
    assert await reply(sim, "dee", "r2", "p1", "don't worry, you'll be fine") == []


async def test_one_tap_switches_notes_off_and_back_on(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await reply(sim, "dee", "r1", "p1", ROADBLOCK)
    off = only(await press(sim, "dee", "Switch these notes off"))
    assert "no more listening notes" in off["text"]
    await advance(sim, "2026-01-05T12:00:00Z")
    await post(sim, "sam", "p2", SHARE)
    assert await reply(sim, "dee", "r2", "p2", ROADBLOCK) == []
    on = only(await press(sim, "dee", "Switch notes back on"))
    assert "at most once every 2 hours" in on["text"]
    assert only(await reply(sim, "dee", "r3", "p2", ROADBLOCK))["user"] == "dee"


async def test_the_command_switches_notes_for_anyone(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    assert "a short private note" in only(await command(sim, "ana", "listening nudges",
                                                         state="on"))["text"]
    assert only(await reply(sim, "ana", "r1", "p1", ROADBLOCK))["user"] == "ana"
    await command(sim, "kai", "listening nudges", state="off")
    assert await reply(sim, "kai", "r2", "p1", ROADBLOCK) == []


async def test_a_reply_to_good_news_is_not_nudged(sim: Simulation) -> None:
    await post(sim, "sam", "p1", "I got the job!! 🎉")
    assert await reply(sim, "dee", "r1", "p1", "you should celebrate tonight") == []


async def test_a_late_reply_is_outside_the_window(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await advance(sim, "2026-01-06T07:01:00Z")
    assert await reply(sim, "dee", "r1", "p1", ROADBLOCK) == []


async def test_positive_feedback_when_switched_on(tmp_path: Path) -> None:
    good = ("That sounds so exhausting, and it makes sense you feel worn out. "
            "What has the last week been like?")
    async with simulation(db=tmp_path / "w.db", settings=make_settings(positive_feedback=True),
                          start=MONDAY) as s:
        await world(s)
        await post(s, "sam", "p1", SHARE)
        thanks = only(await reply(s, "dee", "r1", "p1", good))
        assert thanks["type"] == "note" and "thank-you" in thanks["text"]
        assert "you said back what you heard" in thanks["text"]
        assert await reply(s, "kai", "r2", "p1", "sending a hug") == []  # good, not especially


async def test_nothing_when_listening_is_switched_off(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", settings=make_settings(enabled=False),
                          start=MONDAY) as s:
        await world(s)
        await post(s, "sam", "p1", SHARE)
        assert await reply(s, "dee", "r1", "p1", ROADBLOCK) == []
        assert await advance(s, "2026-01-05T09:00:00Z") == []


async def test_the_limits_hold_across_a_restart(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", settings=make_settings(), start=MONDAY) as s:
        await world(s)
        await post(s, "sam", "p1", SHARE)
        assert only(await reply(s, "dee", "r1", "p1", ROADBLOCK))["user"] == "dee"
        await command(s, "kai", "listening nudges", state="off")
        await s.run_line({"down": {"for": "10m"}})
        await advance(s, "2026-01-05T07:10:00Z")  # a fresh runtime: nothing kept in memory
        await post(s, "ana", "p2", "my exam went badly and I feel awful")
        assert await reply(s, "dee", "r2", "p2", ROADBLOCK) == []  # still within her period
        assert await reply(s, "kai", "r3", "p2", ROADBLOCK) == []  # still switched off
        await advance(s, "2026-01-05T12:00:00Z")
        assert await reply(s, "dee", "r4", "p1", ROADBLOCK) == []  # the same post as her note
        assert only(await reply(s, "dee", "r5", "p2", ROADBLOCK))["user"] == "dee"
