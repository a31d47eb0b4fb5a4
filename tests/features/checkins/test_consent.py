"""Point 1, consent first: nobody gets check-ins without joining; leaving is one step."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, prompts, rows, texts_of


async def test_nobody_gets_a_prompt_without_joining(sim: Simulation) -> None:
    sent = await advance(sim, "2026-01-09T23:00:00Z")
    assert prompts(sent) == []


async def test_join_explains_what_is_stored_who_sees_it_and_how_to_delete(sim: Simulation) -> None:
    answer = only(await command(sim, "sam", "checkin join"), "respond")
    assert answer["private"] is True
    lines = answer["text"].splitlines()
    assert len(lines) == 4  # the welcome, then three plain lines
    assert lines[1].startswith("What is kept")
    assert lines[2].startswith("Who can see it: only you")
    assert lines[3].startswith("How to delete it")
    assert "Monday 5 January at 09:00" in lines[0]
    sent = await advance(sim, "2026-01-05T09:00:00Z")
    prompt = only(prompts(sent))
    assert prompt["type"] == "send_dm" and prompt["user"] == "sam" and prompt["recipient"] == "sam"


async def test_joining_twice_does_not_double_the_prompts(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    again = only(await command(sim, "sam", "checkin join"))
    assert "already signed up" in again["text"]
    sent = await advance(sim, "2026-01-05T09:30:00Z")
    assert len(prompts(sent)) == 1


async def test_leave_is_one_step_and_stops_everything(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin pause", days="3")
    answer = only(await command(sim, "sam", "checkin leave"))
    assert "left check-ins" in answer["text"]
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None
    jobs = await sim.bot.store.db.fetchone("SELECT COUNT(*) FROM jobs WHERE member_id = ?",
                                           (member.id,))
    assert jobs is not None and jobs[0] == 0
    sent = await advance(sim, "2026-01-12T12:00:00Z")
    assert sent == []
    not_in = only(await command(sim, "sam", "checkin leave"))
    assert "nothing to stop" in not_in["text"]


async def test_moderator_invite_posts_a_join_button_and_enrols_no_one(sim: Simulation) -> None:
    sent = await command(sim, "mod", "checkin invite", channel="general")
    post = only(sent, "post")
    assert post["channel"] == "general"
    assert [b["action"] for b in post["buttons"]] == ["checkin.join"]
    assert "Nobody is signed up" in only(sent, "respond")["text"]
    audit = await sim.bot.store.audit.recent(1)
    assert [e["action"] for e in audit] == ["checkin invite"]
    assert prompts(await advance(sim, "2026-01-05T23:00:00Z")) == []
    joined = await press(sim, "ny", "Join check-ins")
    assert "What is kept" in texts_of(joined)[0]
    sent = await advance(sim, "2026-01-06T15:00:00Z")
    assert [p["user"] for p in prompts(sent)] == ["ny"]


async def test_invite_is_for_moderators_only(sim: Simulation) -> None:
    sent = await command(sim, "sam", "checkin invite", channel="general")
    assert [a["type"] for a in sent] == ["respond"]
    assert "Only moderators" in sent[0]["text"]


async def test_answering_after_leave_is_kindly_refused(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")
    await command(sim, "sam", "checkin leave")
    answer = only(await press(sim, "sam", "Good"))
    assert "not signed up" in answer["text"]
    assert [(p.status, p.mood) for p in await rows(sim, "sam")] == [("open", None)]
