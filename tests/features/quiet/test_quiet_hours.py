"""Quiet hours, snooze and do-not-disturb through the real simulator (core, scheduler, SQLite file,
gate, releaser) on a virtual clock.

The world (tests/helpers/checkins.py): Sam is in Europe/London (UTC in January), the day starts
Monday 5 January 2026 07:00 UTC, and a check-in prompt is due at 09:00 on weekdays. Sam's quiet
hours are 22:00-10:00, so the 09:00 prompt is held until 10:00.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.actions import Respond, SendDirect, StartThread
from bot.features.registry import FEATURES
from bot.sim.recording import Sent
from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, make_settings, world
from tests.helpers.quiet_probe import Probe, deferred_rows, schedule


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "quiet.db"


def open_sim(db: Path, start: datetime = MONDAY, **checkins: Any) -> Any:
    return simulation(db=db, settings=make_settings(**checkins), start=start,
                      features=(*FEATURES, Probe))


@pytest.fixture
async def sim(db: Path) -> AsyncIterator[Simulation]:
    async with open_sim(db) as s:
        await world(s)
        yield s


async def command(s: Simulation, user: str, name: str, /, **args: str) -> list[Sent]:
    return await s.run_line({"event": {"type": "command", "user": user, "name": name,
                                       "args": args}})


async def reply(s: Simulation, user: str, name: str, /, **args: str) -> str:
    """The private answer to a command (it always comes at once)."""
    sent = await command(s, user, name, **args)
    answers = [x.action for x in sent if isinstance(x.action, Respond)]
    assert len(answers) == 1, sent
    return answers[0].text


async def until(s: Simulation, at: datetime) -> list[Sent]:
    return await s.run_line({"clock": {"set": at.isoformat()}})


async def settle(s: Simulation) -> list[Sent]:
    """Let the runtime act on what just changed (a hold ended early) without moving the clock:
    the running bot's loop is woken by the change and does exactly this."""
    await s.advance_to(s.clock.now())
    return s.take_new()


def to(user: str, sent: list[Sent]) -> list[Sent]:
    return [x for x in sent if x.action.recipient == user and not isinstance(x.action, Respond)]


def is_prompt(x: Sent) -> bool:
    return any(b.action == "checkin.mood" for b in getattr(x.action, "buttons", ()))


def text(x: Sent) -> str:
    return str(getattr(x.action, "text", ""))


async def quiet_sam(s: Simulation, hours: str = "22:00-10:00") -> None:
    assert (await reply(s, "sam", "quiet set", hours=hours)).startswith("Done.")
    assert (await reply(s, "sam", "checkin join")) != ""


async def test_a_prompt_due_in_quiet_hours_arrives_when_they_end(sim: Simulation) -> None:
    await quiet_sam(sim)
    assert to("sam", await until(sim, utc(5, 9, 59))) == []
    [row] = await deferred_rows(sim)
    assert row["status"] == "waiting" and row["release_at"] == "2026-01-05T10:00:00.000000+00:00"
    shown = await reply(sim, "sam", "quiet show")
    assert "Your quiet hours are 22:00-10:00 (Europe/London)." in shown
    assert "holding things for you until 10:00" in shown
    assert "Messages waiting for you: 1." in shown
    [prompt] = to("sam", await until(sim, utc(5, 10, 0)))
    assert is_prompt(prompt) and prompt.at == utc(5, 10, 0)
    assert await deferred_rows(sim) == []  # sent rows are deleted
    # Still open (it expires twelve hours after 09:00): the buttons work.
    answered = await sim.run_line({"press": {"user": "sam", "button": "checkin.mood"}})
    assert answered


async def test_several_held_messages_merge_and_a_prompt_keeps_its_buttons(sim: Simulation) -> None:
    await quiet_sam(sim)
    await schedule(sim, "sam", utc(5, 8, 0), "first thing")
    await schedule(sim, "sam", utc(5, 8, 30), "second thing")
    assert to("sam", await until(sim, utc(5, 9, 30))) == []
    assert len(await deferred_rows(sim)) == 3
    released = to("sam", await until(sim, utc(5, 10, 0)))
    assert [x.at for x in released] == [utc(5, 10, 0)] * 2
    digest, prompt = released
    assert isinstance(digest.action, SendDirect) and not digest.action.buttons
    assert text(digest) == ("While you had quiet time, a few things came in for you:"
                            "\n\nfirst thing\n\nsecond thing")
    assert is_prompt(prompt)


async def test_a_held_prompt_survives_a_restart(db: Path) -> None:
    async with open_sim(db) as s:
        await world(s)
        await quiet_sam(s)
        assert to("sam", await until(s, utc(5, 9, 30))) == []
    # The process is gone; a new one on the same file sends the prompt at 10:00, once.
    async with open_sim(db, start=utc(5, 9, 30)) as s:
        assert to("sam", await until(s, utc(5, 9, 59))) == []
        [prompt] = to("sam", await until(s, utc(5, 10, 0)))
        assert is_prompt(prompt) and prompt.at == utc(5, 10, 0)
        assert to("sam", await until(s, utc(5, 20, 0))) == []


async def test_a_held_prompt_that_expires_first_is_dropped_with_the_reason(db: Path) -> None:
    async with open_sim(db, prompt_expiry_hours=1) as s:
        await world(s)
        await quiet_sam(s, "22:00-10:30")
        assert to("sam", await until(s, utc(5, 12, 0))) == []  # 09:00 + 1 h < 10:30
        [row] = await deferred_rows(s)
        assert (row["status"], row["reason"]) == ("dropped", "expired")
        assert row["expires_at"] == "2026-01-05T10:00:00.000000+00:00"
        assert "waiting" not in await reply(s, "sam", "quiet show")
        # With quiet hours that end before the expiry, the next day's prompt is held and sent.
        await reply(s, "sam", "quiet set", hours="22:00-09:30")
        [prompt] = to("sam", await until(s, utc(6, 9, 30)))
        assert is_prompt(prompt) and prompt.at == utc(6, 9, 30)


async def test_quiet_off_releases_at_once(sim: Simulation) -> None:
    await quiet_sam(sim)
    await until(sim, utc(5, 9, 15))
    answer = await reply(sim, "sam", "quiet off")
    assert answer == ("Done. Quiet hours are off for you, so messages come whenever they're sent."
                      " Anything I was holding for you is on its way now.")
    [prompt] = to("sam", await settle(sim))
    assert is_prompt(prompt) and prompt.at == utc(5, 9, 15)
    assert await reply(sim, "sam", "quiet show") == (
        "You have no quiet hours. You can set some with quiet set, for example 22:00-07:00.")


async def test_snooze_holds_everything_but_urgent_and_ends_with_one_gentle_line(
    sim: Simulation,
) -> None:
    await until(sim, utc(5, 12, 0))
    assert "until 14:00" in await reply(sim, "sam", "snooze", **{"for": "2h"})
    await schedule(sim, "sam", utc(5, 12, 30), "from a job")
    await schedule(sim, "sam", utc(5, 12, 45), "crisis line", urgent=True)
    await command(sim, "ny", "probe poke", user="sam", text="hello from Nia")
    during = to("sam", await until(sim, utc(5, 13, 59)))
    assert [(text(x), x.at) for x in during] == [("crisis line", utc(5, 12, 45))]
    after = to("sam", await until(sim, utc(5, 14, 0)))
    assert [x.at for x in after] == [utc(5, 14, 0)] * 2
    assert text(after[0]).startswith("Welcome back. Your snooze has ended")
    assert text(after[1]).splitlines()[2:] == ["hello from Nia", "", "from a job"]
    assert to("sam", await until(sim, utc(6, 8, 0))) == []


async def test_a_snooze_ending_inside_quiet_hours_says_so_in_the_morning(sim: Simulation) -> None:
    await quiet_sam(sim)
    await until(sim, utc(5, 20, 0))
    await reply(sim, "sam", "snooze", **{"for": "3h"})  # ends at 23:00, inside 22:00-10:00
    assert to("sam", await until(sim, utc(6, 8, 59))) == []
    morning = to("sam", await until(sim, utc(6, 10, 0)))
    assert all(x.at == utc(6, 10, 0) for x in morning)
    assert any(text(x).startswith("Welcome back") for x in morning)
    assert any(is_prompt(x) for x in morning)


async def test_a_snooze_longer_than_thirty_days_is_refused_politely(sim: Simulation) -> None:
    answer = await reply(sim, "sam", "snooze", **{"for": "31d"})
    assert answer == "A snooze can last up to 30 days. Please choose a shorter time, like 7d."
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None and member.snoozed_until is None
    assert "until" in await reply(sim, "sam", "snooze", **{"for": "30d"})


async def test_snooze_off_releases_and_no_gentle_line_follows(sim: Simulation) -> None:
    await reply(sim, "sam", "snooze", **{"for": "3d"})
    await command(sim, "ny", "probe poke", user="sam", text="are you around?")
    assert to("sam", await until(sim, utc(5, 11, 0))) == []
    assert await reply(sim, "sam", "snooze", **{"for": "off"}) == (
        "Your snooze is over. Messages will reach you again as usual.")
    [poke] = to("sam", await settle(sim))
    assert (text(poke), poke.at) == ("are you around?", utc(5, 11, 0))
    later = to("sam", await until(sim, utc(9, 12, 0)))
    assert not any(text(x).startswith("Welcome back") for x in later)
    assert await reply(sim, "sam", "snooze", **{"for": "off"}) == (
        "You weren't snoozing, so nothing changed.")


async def test_the_community_default_applies_to_members_without_their_own(
    sim: Simulation,
) -> None:
    refused = await reply(sim, "sam", "quiet setup", hours="22:00-10:00")
    assert not refused.startswith("Done")
    assert (await reply(sim, "mod", "quiet setup", hours="22:00-10:00")).startswith("Done")
    assert "community's quiet hours: 22:00-10:00" in await reply(sim, "sam", "quiet show")
    await reply(sim, "sam", "checkin join")
    await reply(sim, "mod", "checkin join")
    await reply(sim, "mod", "quiet set", hours="23:00-06:00")  # her own wins
    early = await until(sim, utc(5, 9, 30))
    assert [is_prompt(x) for x in to("mod", early)] == [True] and to("sam", early) == []
    [prompt] = to("sam", await until(sim, utc(5, 10, 0)))
    assert is_prompt(prompt)
    assert (await reply(sim, "mod", "quiet setup", hours="off")).startswith("Done")
    assert "no quiet hours" in await reply(sim, "sam", "quiet show")


async def test_do_not_disturb_holds_and_its_end_releases(sim: Simulation) -> None:
    await reply(sim, "sam", "checkin join")
    dnd = {"type": "do_not_disturb", "user": "sam", "active": True,
           "until": "2026-01-05T11:00:00Z"}
    assert await sim.run_line({"event": dnd}) == []
    assert to("sam", await until(sim, utc(5, 10, 59))) == []
    [prompt] = to("sam", await until(sim, utc(5, 11, 0)))
    assert is_prompt(prompt) and prompt.at == utc(5, 11, 0)
    # Without an end it holds until the platform says it is off; then what waits goes at once.
    await sim.run_line({"event": {"type": "do_not_disturb", "user": "sam", "active": True}})
    assert to("sam", await until(sim, utc(6, 12, 0))) == []
    await sim.run_line({"event": {"type": "do_not_disturb", "user": "sam", "active": False}})
    [prompt] = to("sam", await settle(sim))
    assert is_prompt(prompt) and prompt.at == utc(6, 12, 0)


async def test_the_members_own_command_is_answered_at_once_inside_quiet_hours(
    sim: Simulation,
) -> None:
    await quiet_sam(sim)
    await until(sim, utc(5, 23, 0))
    assert "holding things for you until" in await reply(sim, "sam", "quiet show")
    [answer] = to("sam", await command(sim, "sam", "probe self", text="straight back"))
    assert (text(answer), answer.at) == ("straight back", utc(5, 23, 0))
    assert await deferred_rows(sim) == []


async def test_an_urgent_action_passes_and_the_rest_waits(sim: Simulation) -> None:
    await quiet_sam(sim)
    await until(sim, utc(5, 23, 0))
    now = to("sam", await command(sim, "ny", "probe poke", user="sam", text="urgent",
                                  urgent="yes"))
    assert [(text(x), x.at) for x in now] == [("urgent", utc(5, 23, 0))]
    assert to("sam", await command(sim, "ny", "probe poke", user="sam", text="can wait")) == []
    await schedule(sim, "sam", utc(5, 23, 30), "urgent job", urgent=True)
    [job] = to("sam", await until(sim, utc(6, 0, 0)))
    assert (text(job), job.at) == ("urgent job", utc(5, 23, 30))
    [waited] = [x for x in to("sam", await until(sim, utc(6, 10, 0))) if not is_prompt(x)]
    assert (text(waited), waited.at) == ("can wait", utc(6, 10, 0))


async def test_one_member_held_does_not_hold_another(sim: Simulation) -> None:
    await quiet_sam(sim)
    await reply(sim, "ny", "checkin join")  # Nia, New York: 09:00 EST = 14:00Z, no quiet hours
    sent = await until(sim, utc(5, 14, 0))
    assert [x.at for x in to("ny", sent) if is_prompt(x)] == [utc(5, 14, 0)]
    assert [x.at for x in to("sam", sent) if is_prompt(x)] == [utc(5, 10, 0)]
    assert timedelta(0) < utc(5, 14, 0) - utc(5, 10, 0)


async def test_a_held_prompt_for_a_thread_opened_meanwhile_goes_into_that_thread(db: Path) -> None:
    """Thread delivery: the day's first prompt opens the day's thread. When that prompt is held,
    the thread still opens at 09:00, and the prompt goes into it at 10:00, not into the channel
    (it was decided as a post into "ref:<the thread being opened>")."""
    async with open_sim(db, delivery="thread") as s:
        await world(s)
        await quiet_sam(s)
        opened = await until(s, utc(5, 9, 0))
        [thread] = [x.result.channel for x in opened if isinstance(x.action, StartThread)]
        [prompt] = to("sam", await until(s, utc(5, 10, 0)))
        assert is_prompt(prompt) and getattr(prompt.action, "thread", None) == thread


async def test_a_released_message_that_cannot_be_delivered_keeps_a_record(
    sim: Simulation,
) -> None:
    """Released into a closed inbox: nothing vanishes silently; the row says why."""
    from bot.adapter import Unreachable

    await quiet_sam(sim)
    await until(sim, utc(5, 9, 30))
    sim.adapter.fail_next(Unreachable("sam", "dm_closed"))
    assert to("sam", await until(sim, utc(5, 10, 0))) == []
    [row] = await deferred_rows(sim)
    assert (row["status"], row["reason"]) == ("dropped", "unreachable")
    assert to("sam", await until(sim, utc(5, 12, 0))) == []  # never resent
