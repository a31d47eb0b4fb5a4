"""The one router for supporter work: who is asked, in what order, and what happens when nobody
can be (issue "Quiet hours and supporter boundaries", point 6).

Each test routes requests through the real runtime's router, on the simulator's SQLite store,
and reads what it decided."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.actions import PostMessage
from bot.config import default_settings
from bot.feature import Context
from bot.routing import SupportRequest
from bot.sim.simulate import Simulation, simulation
from tests.features.duty.conftest import supporters_world
from tests.helpers.checkins import MONDAY, advance, command, only, press


async def _ctx(sim: Simulation) -> Context[Any]:
    ctx = await sim.bot.core.community_context("sim", "c")
    assert ctx is not None
    return ctx


def _request(**changes: Any) -> SupportRequest:
    return replace(SupportRequest(kind="test", subject="s1", text="Someone could use a hand.",
                                  about="sam"), **changes)


async def test_only_supporters_on_duty_are_asked_and_they_are_pinged_in_the_channel(
    sim: Simulation,
) -> None:
    await command(sim, "dee", "duty on")
    await command(sim, "eve", "duty on")
    routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
    assert routed.reached == "supporters" and set(routed.chosen) == {"dee", "eve"}
    (post,) = routed.actions
    assert isinstance(post, PostMessage) and post.channel == "supporters-chan"
    assert set(post.pings) == {"dee", "eve"}
    assert routed.reasons == {}  # Fay never went on duty: not a supporter on call here


async def test_fairness_least_recently_asked_first(sim: Simulation) -> None:
    for who in ("dee", "eve", "fay"):
        await command(sim, who, "duty on")
    ctx = await _ctx(sim)
    picked = []
    for n in range(4):
        await advance(sim, f"2026-01-05T07:0{n + 1}:00Z")
        routed = await sim.bot.core.router.route(_request(pick=1, subject=f"s{n}"), ctx)
        picked.extend(routed.chosen)
    assert picked == ["dee", "eve", "fay", "dee"]


async def test_the_cap_on_open_work_is_respected(sim: Simulation) -> None:
    await command(sim, "dee", "duty on")
    await command(sim, "eve", "duty on")
    ctx = await _ctx(sim)
    await sim.bot.core.router.took("dee", "reachout", "r1", ctx)
    routed = await sim.bot.core.router.route(_request(), ctx)
    assert set(routed.chosen) == {"dee", "eve"}  # one piece of work: under the cap of 2
    await sim.bot.core.router.took("dee", "reachout", "r2", ctx)
    routed = await sim.bot.core.router.route(_request(), ctx)
    assert routed.chosen == ("eve",) and routed.reasons["at_cap"] == 1
    await sim.bot.core.router.done("reachout", "r2", ctx)  # the work ended: asked again
    routed = await sim.bot.core.router.route(_request(), ctx)
    assert set(routed.chosen) == {"dee", "eve"}


async def test_open_work_stops_counting_after_open_hours(sim: Simulation) -> None:
    await command(sim, "dee", "duty on")
    ctx = await _ctx(sim)
    await sim.bot.core.router.took("dee", "reachout", "r1", ctx)
    await sim.bot.core.router.took("dee", "reachout", "r2", ctx)
    assert (await sim.bot.core.router.route(_request(), ctx)).chosen == ()
    await advance(sim, "2026-01-06T07:30:00Z")  # 24 hours on: the load no longer counts
    await command(sim, "dee", "duty on")
    assert (await sim.bot.core.router.route(_request(), await _ctx(sim))).chosen == ("dee",)


async def test_with_nobody_on_duty_the_request_goes_to_the_moderators(sim: Simulation) -> None:
    routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
    assert routed.reached == "moderators" and routed.chosen == ()
    (alert,) = routed.actions
    assert type(alert).__name__ == "AlertModerators" and alert.channel == "mods-chan"  # type: ignore[attr-defined]
    assert routed.reasons == {}


async def test_supporters_in_their_quiet_hours_are_not_asked(sim: Simulation) -> None:
    for who in ("dee", "eve", "fay"):
        await command(sim, who, "duty on")
        await command(sim, who, "quiet set", hours="00:00-23:59")
    routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
    assert routed.reached == "moderators" and routed.reasons == {"quiet": 3}


async def test_a_supporter_off_duty_again_is_counted_as_off_duty(sim: Simulation) -> None:
    await command(sim, "dee", "duty on")
    await command(sim, "dee", "duty off")
    routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
    assert routed.reasons == {}  # off duty and no regular hours: not on call at all
    await command(sim, "dee", "duty hours", hours="18:00-21:00")
    routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
    assert routed.reasons == {"off_duty": 1}


async def test_a_snoozing_supporter_is_not_asked(sim: Simulation) -> None:
    await command(sim, "dee", "duty on")
    await command(sim, "eve", "duty on")
    await command(sim, "eve", "snooze", **{"for": "1h"})
    routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
    assert routed.chosen == ("dee",)


async def test_the_person_a_request_is_about_is_never_asked(sim: Simulation) -> None:
    await command(sim, "dee", "duty on")
    routed = await sim.bot.core.router.route(_request(about="dee"), await _ctx(sim))
    assert routed.reached == "moderators" and routed.reasons == {"about": 1}


async def test_nobody_available_says_when_someone_usually_is(sim: Simulation) -> None:
    await command(sim, "dee", "duty hours", hours="18:00-21:00")  # New York
    await command(sim, "eve", "duty hours", hours="20:00-22:00")  # London
    routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
    assert routed.reached == "moderators"
    assert routed.next_available is not None
    assert routed.next_available.isoformat() == "2026-01-05T20:00:00+00:00"  # Eve, first


async def test_with_no_moderators_channel_it_still_reaches_the_supporters_channel(
    tmp_path: Path,
) -> None:
    async with simulation(db=tmp_path / "w.db", start=MONDAY) as sim:
        for line in ({"community": {"id": "c"}},
                     {"channel": {"id": "supporters-chan", "purpose": "supporters"}}):
            await sim.run_line(line)
        routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
        assert routed.reached == "supporters" and routed.chosen == ()
        (post,) = routed.actions
        assert post.channel == "supporters-chan" and post.pings == ()  # type: ignore[attr-defined]


async def test_direct_message_delivery_when_the_community_chose_it(tmp_path: Path) -> None:
    base = default_settings()
    settings = replace(base, duty=replace(base.duty, delivery="dm"))
    async with simulation(db=tmp_path / "w.db", settings=settings, start=MONDAY) as sim:
        await supporters_world(sim)
        await command(sim, "dee", "duty on")
        routed = await sim.bot.core.router.route(_request(), await _ctx(sim))
        (dm,) = routed.actions
        assert type(dm).__name__ == "SendDirect" and dm.user == "dee"  # type: ignore[attr-defined]


async def test_an_urgent_request_reaches_supporters_and_moderators(sim: Simulation) -> None:
    await command(sim, "dee", "duty on")
    routed = await sim.bot.core.router.route(_request(urgent=True), await _ctx(sim))
    kinds = sorted(type(a).__name__ for a in routed.actions)
    assert kinds == ["AlertModerators", "PostMessage"]
    assert all(a.urgent for a in routed.actions)


async def test_a_supporter_who_goes_off_duty_is_not_asked_again(sim: Simulation) -> None:
    """A request is open; the supporter first asked goes off duty; the re-announcement asks
    someone else, and the member's request is not lost."""
    await command(sim, "sam", "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")
    await command(sim, "dee", "duty on")
    await press(sim, "sam", "Low")
    first = only(await press(sim, "sam", "Yes, please"), "post")
    assert set(first["pings"]) == {"dee"}
    await command(sim, "dee", "duty off")
    await command(sim, "eve", "duty on")
    again = [a for a in await advance(sim, "2026-01-05T10:00:00Z") if a["type"] == "post"]
    assert len(again) == 1 and again[0]["pings"] == ["eve"]
    assert again[0]["text"].startswith("Still open")
