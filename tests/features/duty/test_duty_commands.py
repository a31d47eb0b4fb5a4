"""Supporters' own boundaries: duty on and off, the longest stretch, the weekly soft cap,
regular hours, their status, and care for the carers (issue "Quiet hours and supporter
boundaries", points 5 and 7)."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press


def _dms(actions: list[dict[str, object]], user: str) -> list[dict[str, object]]:
    return [a for a in actions if a["type"] == "send_dm" and a["user"] == user]


async def test_only_supporters_go_on_duty(sim: Simulation) -> None:
    refused = only(await command(sim, "sam", "duty on"))
    assert "supporter role" in str(refused["text"])
    assert "on duty now" in str(only(await command(sim, "dee", "duty on"))["text"])
    assert "already on duty" in str(only(await command(sim, "dee", "duty on"))["text"])


async def test_a_stretch_ends_by_itself_after_two_hours_with_a_kind_note(sim: Simulation) -> None:
    await command(sim, "eve", "duty on")  # 07:00
    assert await advance(sim, "2026-01-05T08:59:00Z") == []
    (note,) = _dms(await advance(sim, "2026-01-05T09:00:00Z"), "eve")
    assert "on duty for 2h" in str(note["text"]) and "duty on brings you back" in str(note["text"])
    assert "off duty right now" in str(only(await command(sim, "eve", "duty status"))["text"])


async def test_duty_off_ends_the_stretch_and_no_note_comes_later(sim: Simulation) -> None:
    await command(sim, "eve", "duty on")
    assert "off duty" in str(only(await command(sim, "eve", "duty off"))["text"])
    assert await advance(sim, "2026-01-05T12:00:00Z") == []
    assert "already off duty" in str(only(await command(sim, "eve", "duty off"))["text"])


async def test_the_weekly_soft_cap_brings_one_gentle_reminder(sim: Simulation) -> None:
    texts: list[str] = []
    for day in range(5, 12):  # Monday to Sunday, three stretches of two hours a day
        for hour in (8, 11, 14):
            await advance(sim, f"2026-01-{day:02d}T{hour:02d}:00:00Z")
            texts.extend(str(a["text"]) for a in await command(sim, "eve", "duty on"))
            texts.extend(str(a["text"]) for a in _dms(
                await advance(sim, f"2026-01-{day:02d}T{hour + 2:02d}:00:00Z"), "eve"))
    reminders = [t for t in texts if "this week" in t and "Rest is part of this work" in t]
    assert len(reminders) == 1 and "12h" in reminders[0]
    # The cap is soft: Eve stayed able to go on duty all week.
    assert sum("on duty now" in t for t in texts) == 21


async def test_the_reminder_comes_during_a_stretch_when_the_cap_is_reached(
    sim: Simulation,
) -> None:
    for hour in (7, 9, 11, 13, 15):  # 10 hours by 17:00
        await advance(sim, f"2026-01-05T{hour:02d}:00:00Z")
        await command(sim, "eve", "duty on")
    await advance(sim, "2026-01-05T17:00:00Z")
    await command(sim, "eve", "duty on")
    await advance(sim, "2026-01-05T18:00:00Z")
    await command(sim, "eve", "duty off")  # 11 hours
    await advance(sim, "2026-01-05T18:30:00Z")
    await command(sim, "eve", "duty on")
    assert _dms(await advance(sim, "2026-01-05T19:29:00Z"), "eve") == []
    (reminder,) = _dms(await advance(sim, "2026-01-05T19:30:00Z"), "eve")  # the 12th hour
    assert "Rest is part of this work" in str(reminder["text"])


async def test_regular_duty_hours_put_a_supporter_on_and_off(sim: Simulation) -> None:
    told = only(await command(sim, "eve", "duty hours", hours="18:00-19:30"))
    assert "18:00-19:30 (Europe/London)" in str(told["text"])
    await advance(sim, "2026-01-05T18:00:00Z")
    status = str(only(await command(sim, "eve", "duty status"))["text"])
    assert "on duty since 18:00" in status and "off at 19:30" in status
    assert _dms(await advance(sim, "2026-01-05T19:30:00Z"), "eve") == []  # quietly, at the end
    assert "off duty right now" in str(only(await command(sim, "eve", "duty status"))["text"])
    await advance(sim, "2026-01-06T18:05:00Z")  # and again the next day
    assert "on duty since 18:00" in str(only(await command(sim, "eve", "duty status"))["text"])


async def test_setting_hours_inside_them_starts_duty_now(sim: Simulation) -> None:
    told = only(await command(sim, "eve", "duty hours", hours="06:00-08:00"))  # it is 07:00
    assert "already started" in str(told["text"])


async def test_bad_duty_hours_are_answered_politely(sim: Simulation) -> None:
    told = only(await command(sim, "eve", "duty hours", hours="evenings"))
    assert "couldn't read “evenings”" in str(told["text"])


async def test_status_shows_the_week_and_the_load(sim: Simulation) -> None:
    await command(sim, "eve", "duty on")
    await advance(sim, "2026-01-05T08:30:00Z")
    status = str(only(await command(sim, "eve", "duty status"))["text"])
    assert "on duty for 1h30m" in status and "at most 12 hours" in status
    assert "still open: 0 of 2" in status


async def test_the_care_check_in_offers_a_break_and_someone_to_talk_to(sim: Simulation) -> None:
    await command(sim, "eve", "duty on")
    ctx = await sim.bot.core.community_context("sim", "c")
    assert ctx is not None
    await sim.bot.core.router.took("eve", "crisis", "a1", ctx, heavy=True)
    later = _dms(await advance(sim, "2026-01-05T10:00:00Z"), "eve")
    assert any("heavy one" in str(a["text"]) for a in later)
    took_break = only(await press(sim, "eve", "Take a break"))
    assert "off duty now" in str(took_break["text"])
    talk = await press(sim, "eve", "Talk to someone")
    alert = only(talk, "alert")
    assert alert["channel"] == "mods-chan" and "<@eve>" in str(alert["text"])
    assert "asked the team" in str(only(talk, "respond")["text"])


async def test_talk_to_someone_prefers_the_care_channel(sim: Simulation) -> None:
    await sim.run_line({"channel": {"id": "care-chan", "purpose": "care"}})
    ctx = await sim.bot.core.community_context("sim", "c")
    assert ctx is not None
    await sim.bot.core.router.took("eve", "reachout", "r1", ctx, heavy=True)
    await advance(sim, "2026-01-05T10:00:00Z")
    post = only(await press(sim, "eve", "Talk to someone"), "post")
    assert post["channel"] == "care-chan"


async def test_the_weekly_wellbeing_check_in_is_opt_in(sim: Simulation) -> None:
    assert _dms(await advance(sim, "2026-01-11T19:00:00Z"), "eve") == []
    assert "Every Sunday" in str(only(await command(sim, "eve", "duty wellbeing",
                                                    choice="on"))["text"])
    (weekly,) = _dms(await advance(sim, "2026-01-18T19:00:00Z"), "eve")
    assert "weekly check-in as a supporter" in str(weekly["text"])
    await command(sim, "eve", "duty wellbeing", choice="off")
    assert _dms(await advance(sim, "2026-01-25T19:00:00Z"), "eve") == []


async def test_export_shows_and_delete_removes_everything_duty_and_quiet_keep(
    sim: Simulation,
) -> None:
    await command(sim, "eve", "duty on")
    await command(sim, "eve", "duty hours", hours="18:00-21:00")
    ctx = await sim.bot.core.community_context("sim", "c")
    assert ctx is not None
    await sim.bot.core.router.took("eve", "reachout", "r1", ctx)
    await command(sim, "eve", "quiet set", hours="00:00-23:59")
    await command(sim, "eve", "duty wellbeing", choice="on")
    await advance(sim, "2026-01-05T09:00:00Z")  # the stretch's end note is held: quiet hours
    community = await sim.bot.store.communities.find("sim", "c")
    assert community is not None
    eve = await sim.bot.store.members.find(community.id, "eve")
    assert eve is not None
    exported = await sim.bot.store.export_member(eve.id)
    tables = {name for name, rows in exported["tables"].items() if rows}
    assert {"duty_supporters", "duty_stretches", "duty_work", "deferred"} <= tables
    await sim.bot.store.delete_member(eve.id)
    for table in ("duty_supporters", "duty_stretches", "duty_work", "deferred"):
        rows = await sim.bot.store.db.fetchall(f"SELECT 1 FROM {table} WHERE member_id = ?",
                                               (eve.id,))
        assert rows == [], table
