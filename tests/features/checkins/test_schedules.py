"""Point 2, schedules: community schedules, each member's own time and days, DM or thread
delivery, each member's own timezone, and 09:00 local holding across DST in two zones."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import (
    advance,
    command,
    make_settings,
    only,
    prompts,
    world,
)


async def test_a_prompt_arrives_at_nine_in_each_members_own_zone(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "ny", "checkin join")
    sent = sim.take_new()
    assert sent == []
    await sim.run_line({"clock": {"set": "2026-01-05T23:59:00Z"}})
    shown = [s for s in sim.adapter.sent if getattr(s.action, "buttons", ())]
    at = {s.action.recipient: s.at for s in shown}
    assert at == {"sam": datetime.fromisoformat("2026-01-05T09:00:00+00:00"),
                  "ny": datetime.fromisoformat("2026-01-05T14:00:00+00:00")}


async def test_member_picks_own_time_and_days_within_the_schedule(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    answer = only(await command(sim, "sam", "checkin time", time="18:30", days="mon,wed"))
    assert "mon,wed 18:30" in answer["text"]
    assert "Monday 5 January at 18:30" in answer["text"]
    sent = await advance(sim, "2026-01-08T00:00:00Z")  # through Wednesday
    assert len(prompts(sent)) == 2
    outside = only(await command(sim, "sam", "checkin time", time="10:00", days="sat"))
    assert "weekdays" in outside["text"]
    reset = only(await command(sim, "sam", "checkin time", time="default"))
    assert "community's schedule" in reset["text"]


async def test_moderator_sets_schedules_and_members_follow(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    answer = only(await command(sim, "mod", "checkin setup", schedule="weekly sun 18:00"))
    assert "schedule = sun 18:00" in answer["text"]
    assert [e["action"] for e in await sim.bot.store.audit.recent(1)] == ["checkin setup"]
    sent = await advance(sim, "2026-01-11T23:00:00Z")
    shown = prompts(sent)
    assert len(shown) == 1
    assert sim.adapter.sent[-1].at == datetime.fromisoformat("2026-01-11T18:00:00+00:00")


async def test_several_schedules(sim: Simulation) -> None:
    await command(sim, "mod", "checkin setup", schedule="mon-fri 09:00; sun 18:00")
    await command(sim, "sam", "checkin join")
    sent = await advance(sim, "2026-01-12T00:00:00Z")
    assert len(prompts(sent)) == 6  # five weekdays and Sunday


async def test_thread_delivery_posts_in_todays_checkin_thread(sim: Simulation) -> None:
    await command(sim, "mod", "checkin setup", delivery="thread")
    await command(sim, "sam", "checkin join")
    await command(sim, "ny", "checkin join")
    monday = await advance(sim, "2026-01-05T23:00:00Z")
    opener, sams = monday[0], monday[1]
    assert opener["type"] == "start_thread" and opener["channel"] == "checkins-chan"
    assert "Monday 5 January" in opener["title"]
    from bot.actions import StartThread

    # the platform's id for the new thread
    thread = next(s.result.channel for s in sim.adapter.sent if isinstance(s.action, StartThread))
    assert sams["type"] == "post" and sams["channel"] == "checkins-chan"
    assert sams["thread"] == thread
    assert sams["mention"] == "sam" and sams["recipient"] == "sam"
    nys = [a for a in monday[2:] if a["type"] == "post"]
    assert [a["thread"] for a in nys] == [thread]  # the same thread, not a second one
    assert len([a for a in monday if a["type"] == "start_thread"]) == 1
    tuesday = await advance(sim, "2026-01-06T10:00:00Z")
    assert tuesday[0]["type"] == "start_thread" and "Tuesday 6 January" in tuesday[0]["title"]


async def test_thread_delivery_falls_back_to_the_channel_when_no_thread_can_be_opened(
    sim: Simulation,
) -> None:
    from bot.adapter import Fatal

    await command(sim, "mod", "checkin setup", delivery="thread")
    await command(sim, "sam", "checkin join")
    sim.adapter.fail_next(Fatal("missing permission: create threads"))
    await advance(sim, "2026-01-05T09:00:00Z")
    posted = [s.action for s in sim.adapter.sent if getattr(s.action, "buttons", ())]
    assert len(posted) == 1
    assert posted[0].channel == "checkins-chan" and posted[0].thread is None  # type: ignore[attr-defined]


async def test_timezone_command_moves_the_checkin(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    answer = only(await command(sim, "sam", "checkin timezone", zone="Asia/Tokyo"))
    assert "Asia/Tokyo" in answer["text"]
    await advance(sim, "2026-01-06T01:00:00Z")
    shown = [s for s in sim.adapter.sent if getattr(s.action, "buttons", ())]
    assert [s.at.isoformat() for s in shown] == ["2026-01-06T00:00:00+00:00"]  # 09:00 in Tokyo


async def test_unknown_timezone_answers_with_close_names(sim: Simulation) -> None:
    answer = only(await command(sim, "sam", "checkin timezone", zone="europe/londn"))
    assert "Europe/London" in answer["text"]
    nothing = only(await command(sim, "sam", "checkin timezone", zone="qqqq"))
    assert "region and a city" in nothing["text"]
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None and member.timezone == "Europe/London"


async def test_dst_week_in_two_zones_keeps_nine_local(db: Path) -> None:
    """New York springs forward on 8 March 2026, London on 29 March: every prompt stays at
    09:00 on the wall clock, so its UTC instant moves by an hour on each change."""
    start = datetime.fromisoformat("2026-03-05T00:00:00+00:00")
    async with simulation(db=db, settings=make_settings(schedules=("daily 09:00",)),
                          start=start) as s:
        await world(s)
        await command(s, "sam", "checkin join")
        await command(s, "ny", "checkin join")
        s.take_new()
        await s.run_line({"clock": {"set": "2026-04-01T00:00:00Z"}})
        shown = [x for x in s.adapter.sent if getattr(x.action, "buttons", ())]
    by_user: dict[str, list[datetime]] = {}
    for item in shown:
        assert item.action.recipient is not None
        by_user.setdefault(item.action.recipient, []).append(item.at)
    zones = {"sam": "Europe/London", "ny": "America/New_York"}
    for user, times in by_user.items():
        local = [t.astimezone(ZoneInfo(zones[user])) for t in times]
        assert all((t.hour, t.minute) == (9, 0) for t in local), user
        days = [t.date() for t in local]
        assert len(days) == len(set(days)) == 27  # 5 March to 31 March, once a day
    utc_hours = {u: sorted({t.hour for t in ts}) for u, ts in by_user.items()}
    assert utc_hours == {"sam": [8, 9], "ny": [13, 14]}
    ny = {t.date().isoformat(): t.hour for t in by_user["ny"]}
    assert ny["2026-03-07"] == 14 and ny["2026-03-08"] == 13
    sam = {t.date().isoformat(): t.hour for t in by_user["sam"]}
    assert sam["2026-03-28"] == 9 and sam["2026-03-29"] == 8

