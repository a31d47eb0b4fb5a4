"""Point 7, the optional weekly group thread: opened in the check-ins channel, participation
counted from thread messages, never their contents."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, checkin_repo, command, only, run


async def _post(sim: Simulation, user: str, thread: str, text: str) -> None:
    await run(sim, {"event": {"type": "message", "user": user, "channel": "checkins-chan",
                              "message_id": f"msg-{user}-{sim.lineno}", "text": text,
                              "thread": thread}})


async def test_off_by_default(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    sent = await advance(sim, "2026-01-20T00:00:00Z")
    assert not [a for a in sent if a["type"] == "start_thread"]


async def test_weekly_thread_counts_people_and_posts_never_words(sim: Simulation) -> None:
    answer = only(await command(sim, "mod", "checkin setup", group_thread="on"))
    assert "group_thread = on" in answer["text"]
    first = only(await advance(sim, "2026-01-05T12:00:00Z"))  # mon 12:00, community zone UTC
    assert first["type"] == "start_thread" and first["channel"] == "checkins-chan"
    ref = first["ref"]
    await _post(sim, "sam", ref, "my week was a secret kind of week")
    await _post(sim, "sam", ref, "and another thing")
    await _post(sim, "ny", ref, "hello all")
    await _post(sim, "dee", "some-other-thread", "not counted")
    insights = await checkin_repo(sim).group_participation(1)
    assert insights == (2, 3)
    sent = await advance(sim, "2026-01-12T12:00:00Z")
    summary, thread = sent
    assert summary["type"] == "post" and "2 people took part, with 3 messages" in summary["text"]
    assert "secret" not in summary["text"]
    assert thread["type"] == "start_thread" and thread["ref"] != ref
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None
    exported = await sim.bot.store.export_member(member.id)
    assert "secret" not in str(exported)


async def test_switching_it_off_stops_the_thread(sim: Simulation) -> None:
    await command(sim, "mod", "checkin setup", group_thread="on")
    await command(sim, "mod", "checkin setup", group_thread="off")
    assert await advance(sim, "2026-01-20T00:00:00Z") == []



async def test_posts_are_counted_by_the_platforms_thread_id_once_the_thread_exists(
    sim: Simulation,
) -> None:
    await command(sim, "mod", "checkin setup", group_thread="on")
    opened = only(await advance(sim, "2026-01-05T12:00:00Z"))
    thread_id = sim.adapter.sent[-1].result.channel  # what the platform called the new thread
    assert thread_id and thread_id != opened["ref"]
    await _post(sim, "sam", thread_id, "a hard week, honestly")
    await _post(sim, "ny", thread_id, "same here")
    summary, _ = await advance(sim, "2026-01-12T12:00:00Z")
    assert "2 people took part, with 2 messages" in summary["text"]
    assert "hard week" not in summary["text"]


async def test_a_replayed_message_is_counted_once(sim: Simulation) -> None:
    """A restart, a RESUME replay or a second reader delivers the same message again, under
    another event id; the count goes by the message's id."""
    await command(sim, "mod", "checkin setup", group_thread="on")
    ref = only(await advance(sim, "2026-01-05T12:00:00Z"))["ref"]
    post = {"type": "message", "user": "sam", "channel": "checkins-chan",
            "message_id": "msg-1", "text": "hello", "thread": ref}
    await run(sim, {"event": {**post, "event_id": "first-delivery"}})
    await run(sim, {"event": {**post, "event_id": "replayed-delivery"}})
    assert await checkin_repo(sim).group_participation(1) == (1, 1)
