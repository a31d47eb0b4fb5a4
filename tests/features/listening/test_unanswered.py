"""Point 5: a post with no reply after the delay is shown to supporters once, with a link and
never its words; several become a digest; the person who posted is never the one asked."""

from __future__ import annotations

from pathlib import Path

from bot.routing import ChannelRouter, Routed, SupportRequest
from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, advance, command, only
from tests.helpers.listening import SUPPORT, listening_repo, make_settings, post, reply, world

SHARE = "nobody at home talks to me anymore"


async def test_an_unanswered_post_is_shown_once_with_a_link_not_its_words(
    sim: Simulation,
) -> None:
    await post(sim, "sam", "p1", SHARE)
    assert await advance(sim, "2026-01-05T07:29:00Z") == []
    shown = only(await advance(sim, "2026-01-05T07:30:00Z"))
    assert shown["type"] == "post" and shown["channel"] == "supporters-chan"
    assert f"<message:{SUPPORT}/p1>" in shown["text"] and "30 minutes" in shown["text"]
    assert "nobody at home" not in shown["text"]
    assert await advance(sim, "2026-01-06T09:00:00Z") == []  # never twice


async def test_a_reply_in_time_means_nothing_is_shown(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await reply(sim, "ana", "r1", "p1", "that sounds lonely, I'm here")
    assert await advance(sim, "2026-01-05T09:00:00Z") == []


async def test_a_reply_by_the_poster_does_not_count(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await reply(sim, "sam", "r1", "p1", "anyone?")
    assert "<message:" in only(await advance(sim, "2026-01-05T08:00:00Z"))["text"]


async def test_several_waiting_posts_come_as_one_digest(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await post(sim, "ana", "p2", "I failed my driving test again")
    await post(sim, "sam", "p3", "another bad night")
    await reply(sim, "dee", "r1", "p3", "I'm sorry, that sounds so hard")
    digest = only(await advance(sim, "2026-01-05T08:00:00Z"))
    assert digest["text"].startswith("2 posts in the support channel")
    assert f"<message:{SUPPORT}/p1>" in digest["text"]
    assert f"<message:{SUPPORT}/p2>" in digest["text"]
    assert "p3" not in digest["text"]


async def test_a_later_post_gets_its_own_turn(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await advance(sim, "2026-01-05T07:20:00Z")
    await post(sim, "ana", "p2", "I failed my driving test again")
    first = only(await advance(sim, "2026-01-05T07:30:00Z"))
    assert "p1" in first["text"] and "p2" not in first["text"]
    second = only(await advance(sim, "2026-01-05T07:50:00Z"))
    assert "p2" in second["text"] and "p1" not in second["text"]


class Recording(ChannelRouter):
    def __init__(self) -> None:
        self.requests: list[SupportRequest] = []

    async def route(self, request: SupportRequest, ctx: object) -> Routed:  # type: ignore[override]
        self.requests.append(request)
        return await super().route(request, ctx)  # type: ignore[arg-type]


async def test_the_router_is_asked_and_told_who_posted(sim: Simulation) -> None:
    router = Recording()
    sim.bot.core.router = router
    await post(sim, "sam", "p1", SHARE)
    await advance(sim, "2026-01-05T07:30:00Z")
    (request,) = router.requests
    assert request.kind == "unanswered" and request.about == "sam" and request.pick > 0
    await post(sim, "sam", "p2", SHARE)
    await post(sim, "ana", "p3", SHARE)
    await advance(sim, "2026-01-05T08:30:00Z")
    digest = router.requests[-1]
    # two people posted: neither is asked to answer their own post, and supporters still are
    assert set(digest.also_about) == {"sam", "ana"} and digest.pick > 0


async def test_shown_once_even_after_a_restart(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", settings=make_settings(), start=MONDAY) as s:
        await world(s)
        await post(s, "sam", "p1", SHARE)
        await s.run_line({"down": {"for": "10m"}})
        await advance(s, "2026-01-05T07:10:00Z")  # back up: a fresh runtime, same database
        assert "p1" in only(await advance(s, "2026-01-05T07:30:00Z"))["text"]
        assert await advance(s, "2026-01-05T09:00:00Z") == []


async def test_a_reply_after_a_restart_is_recognised(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", settings=make_settings(), start=MONDAY) as s:
        await world(s)
        await post(s, "sam", "p1", SHARE)
        await s.run_line({"down": {"for": "10m"}})
        await advance(s, "2026-01-05T07:10:00Z")
        note = only(await reply(s, "dee", "r1", "p1", "you should go to bed earlier"))
        assert note["user"] == "dee"  # the post is known again after the restart
        assert await advance(s, "2026-01-05T09:00:00Z") == []  # and it counts as answered


async def test_only_ids_and_times_are_stored(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await reply(sim, "dee", "r1", "p1", "you should just try melatonin")
    await advance(sim, "2026-01-05T07:05:00Z")
    dump = "\n".join(await _every_row(sim))
    assert "nobody at home" not in dump and "melatonin" not in dump
    assert listening_repo(sim) is not None


async def _every_row(sim: Simulation) -> list[str]:
    db = sim.bot.store.db
    rows: list[str] = []
    for table in await db.tables():
        rows.extend(str(tuple(r)) for r in await db.fetchall(f'SELECT * FROM "{table.name}"'))
    return rows


async def test_posts_made_after_a_switched_off_spell_are_still_shown(sim: Simulation) -> None:
    await post(sim, "sam", "p1", SHARE)
    await command(sim, "mod", "listening setup", enabled="off")
    assert await advance(sim, "2026-01-05T08:00:00Z") == []  # the check ran while off
    await command(sim, "mod", "listening setup", enabled="on")
    await post(sim, "ana", "p2", "I failed my driving test again")
    assert "p2" in only(await advance(sim, "2026-01-05T08:30:00Z"))["text"]


async def test_a_digest_of_several_posters_reaches_supporters_on_duty_but_never_a_poster(
    sim: Simulation,
) -> None:
    await sim.run_line({"event": {"type": "command", "user": "dee", "name": "duty on"}})
    await post(sim, "dee", "p1", SHARE)  # a supporter who shares is never asked about it
    await post(sim, "sam", "p2", SHARE)
    digest = only(await advance(sim, "2026-01-05T08:00:00Z"))
    # Dee is the only supporter on duty and one of the posters: the digest is not put to Dee
    assert digest.get("pings", []) == [] and "<@dee>" not in digest["text"]
