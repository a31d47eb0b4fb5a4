"""The safety feature through the real simulator (core, SQLite file, outbox, scheduler on a
virtual clock): crisis language gets a warm reply with resources at once, moderators an alert
they can take, and only the fact of it is kept."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.features.safety.feature import Safety
from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, advance, command, only, press, world
from tests.helpers.safety import (
    ACTIVE,
    CRISIS,
    PASSIVE,
    RecordingRouter,
    detections,
    kinds,
    safety_repo,
    safety_settings,
    say,
)


def _reply(actions: list[dict[str, Any]]) -> dict[str, Any]:
    chosen = [a for a in actions if a["type"] in ("post", "send_dm") and a.get("recipient")]
    assert len(chosen) == 1, actions
    return chosen[0]


def _alert(actions: list[dict[str, Any]]) -> dict[str, Any]:
    return only(actions, "alert")


# -- point 1 and 2: a crisis in a channel and in a DM ---------------------------------------------


async def test_a_crisis_in_a_channel_gets_an_urgent_reply_there_and_an_alert(
        sim: Simulation) -> None:
    actions = await say(sim, "sam", CRISIS)
    assert kinds(actions) == ["post", "alert"]  # the person first
    reply = _reply(actions)
    assert reply["urgent"] is True and reply["recipient"] == "sam"
    assert (reply["channel"], reply["reply_to"], reply["mention"]) == ("general", "msg-9", "sam")
    assert "Are you somewhere safe?" in reply["text"]
    assert "findahelpline.com" in reply["text"]
    assert "A moderator here has been told" in reply["text"]
    assert [b["action"] for b in reply["buttons"]] == ["safety.not_meant"]

    alert = _alert(actions)
    assert (alert["urgent"], alert["priority"], alert["channel"]) == (True, "high", "mods-chan")
    assert alert["link"] == {"channel": "general", "message_id": "msg-9", "thread": None,
                             "is_dm": False}
    assert "<@sam> may be in danger right now" in alert["text"]
    assert "emergency number" in alert["text"]  # the most serious tier reminds moderators
    assert "ending it all" not in alert["text"]  # never the words, unless the community opts in
    assert [b["label"] for b in alert["buttons"]] == ["I'm on it"]

    (record,) = await detections(sim)
    assert (record.tier, record.channel, record.concern, record.alert) == (
        "imminent", "general", "own", "open")


async def test_a_crisis_in_a_dm_is_answered_in_that_dm_and_the_alert_has_no_link(
        sim: Simulation) -> None:
    actions = await say(sim, "sam", ACTIVE, channel="dm-sam", is_dm=True)
    reply = _reply(actions)
    assert reply["type"] == "send_dm" and reply["channel"] == "dm-sam" and reply["urgent"]
    alert = _alert(actions)
    assert alert["link"]["is_dm"] is True
    assert "a private message to Warmline" in alert["text"]


async def test_a_first_ever_dm_from_someone_unknown_is_answered_too(sim: Simulation) -> None:
    # One community in the deployment: a first message to the bot belongs to it.
    reply = _reply(await say(sim, "stranger", PASSIVE, channel="dm-stranger", is_dm=True))
    assert reply["type"] == "send_dm" and reply["channel"] == "dm-stranger"
    assert await sim.bot.store.members.find(1, "stranger") is not None  # theirs to delete


async def test_a_dm_from_someone_in_several_communities_stays_unplaced(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "two.db", settings=safety_settings(),
                          start=MONDAY) as s:
        for line in ({"community": {"id": "a"}}, {"community": {"id": "b"}}):
            await s.run_line(line)
        assert await say(s, "stranger", PASSIVE, channel="dm-x", is_dm=True) == []


async def test_a_message_in_a_thread_is_answered_in_the_thread(sim: Simulation) -> None:
    actions = await say(sim, "sam", ACTIVE, thread="t-1")
    reply = _reply(actions)
    assert (reply["channel"], reply["thread"]) == ("general", "t-1")
    assert _alert(actions)["link"]["thread"] == "t-1"


async def test_with_reply_dm_the_reply_is_a_direct_message(sim: Simulation) -> None:
    await command(sim, "mod", "safety setup", reply="dm")
    reply = _reply(await say(sim, "sam", ACTIVE))
    assert reply["type"] == "send_dm" and reply["user"] == "sam" and reply["channel"] is None


async def test_a_community_that_opts_in_sees_the_words_in_the_alert(sim: Simulation) -> None:
    done = only(await command(sim, "mod", "safety setup", alert_text="on"))
    assert "alert_text = on" in done["text"]
    alert = _alert(await say(sim, "sam", ACTIVE))
    assert "Their words: “I want to kill myself”" in alert["text"]
    audit = await sim.bot.store.audit.recent(1)
    assert ("mod", "safety setup", "alert_text = on") in [
        (e["actor"], e["action"], e["detail"]) for e in audit]


async def test_supporters_own_messages_are_scanned_too(sim: Simulation) -> None:
    assert kinds(await say(sim, "dee", PASSIVE)) == ["post", "alert"]


async def test_idioms_and_everyday_phrasing_get_nothing_and_nothing_is_kept(
        sim: Simulation) -> None:
    for text in ("these meetings are killing me", "I'd die for that cake", "my laptop died",
                 "we finally killed that bug",
                 "Join our suicide prevention walk on Saturday, everyone welcome",
                 "Two years ago I tried to end my life. Today I'm doing okay.",
                 "I'm not suicidal, just tired"):
        assert await say(sim, "sam", text) == [], text
    assert await detections(sim) == []


async def test_someone_elses_crisis_gets_resources_aimed_at_the_helper(sim: Simulation) -> None:
    actions = await say(sim, "sam", "my friend said she wants to end it")
    assert "worried about someone" in _reply(actions)["text"]
    assert "someone they know" in _alert(actions)["text"]
    assert (await detections(sim))[0].concern == "someone_else"


async def test_method_advice_in_a_reply_alerts_moderators_and_answers_nobody(
        sim: Simulation) -> None:
    actions = await say(sim, "ny", "just take a whole bottle of tylenol",
                        reply_to="m1", reply_to_user="sam")
    assert kinds(actions) == ["alert"]
    assert "harmful specifics" in _alert(actions)["text"]
    assert (await detections(sim))[0].concern == "reply"
    await say(sim, "ny", CRISIS)  # their own crisis, answered at the highest tier ...
    again = await say(sim, "ny", "just take a whole bottle of tylenol", reply_to="m2",
                      reply_to_user="sam")
    assert kinds(again) == ["alert"]  # ... does not quiet the next harmful reply
    taken = only(await press(sim, "mod", "I'm on it"), "respond")
    assert "Have a look at the reply by <@ny>" in taken["text"]


async def test_a_reply_disclosing_ones_own_crisis_still_gets_the_reply(sim: Simulation) -> None:
    actions = await say(sim, "ny", "I took a whole bottle of pills an hour ago",
                        reply_to="m1", reply_to_user="sam")
    assert kinds(actions) == ["post", "alert"]


async def test_a_disabled_feature_says_nothing(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "off.db", settings=safety_settings(enabled=False),
                          start=MONDAY) as s:
        await world(s)
        assert await say(s, "sam", CRISIS) == []


# -- once per period, unless the tier rises -------------------------------------------------------


async def test_one_reply_per_period_unless_the_tier_rises(sim: Simulation) -> None:
    assert kinds(await say(sim, "sam", PASSIVE)) == ["post", "alert"]
    assert await say(sim, "sam", PASSIVE) == []  # same tier, same day: nothing again
    assert kinds(await say(sim, "sam", ACTIVE)) == ["post", "alert"]  # it rose
    assert await say(sim, "sam", PASSIVE) == []  # lower than the last reply
    assert len(await detections(sim)) == 4  # each one is still counted
    await advance(sim, "2026-01-06T07:01:00Z")  # 24 hours on
    assert kinds(await say(sim, "sam", PASSIVE)) == ["post", "alert"]


async def test_the_period_is_per_person(sim: Simulation) -> None:
    await say(sim, "sam", PASSIVE)
    assert kinds(await say(sim, "ny", PASSIVE)) == ["post", "alert"]


# -- "this isn't what I meant" --------------------------------------------------------------------


async def test_this_isnt_what_i_meant_counts_a_false_positive_and_stops_the_alert(
        sim: Simulation) -> None:
    await say(sim, "sam", PASSIVE)
    other = await press(sim, "ny", "This isn't what I meant")
    assert "for someone else" in only(other)["text"]
    actions = await press(sim, "sam", "This isn't what I meant")
    answer = only(actions, "respond")
    assert answer["private"] and "Nothing more will happen" in answer["text"]
    assert "stopped the alert" in only(actions, "post")["text"]
    assert await safety_repo(sim).false_positives(1) == 1
    assert await advance(sim, "2026-01-05T08:00:00Z") == []  # no widening
    (record,) = await detections(sim)
    assert record.false_positive and record.alert == "dismissed"


# -- opting out of the alert, never of the reply --------------------------------------------------


async def test_a_member_who_opted_out_gets_the_reply_and_moderators_are_not_told(
        sim: Simulation) -> None:
    answer = only(await command(sim, "sam", "safety alerts", moderators="off"))
    assert "still get the resources reply" in answer["text"]
    actions = await say(sim, "sam", CRISIS)
    assert kinds(actions) == ["post"]
    assert "moderator" not in _reply(actions)["text"]  # never "told" when nobody was
    assert await advance(sim, "2026-01-05T08:00:00Z") == []
    await command(sim, "sam", "safety alerts", moderators="on")
    await advance(sim, "2026-01-06T08:00:00Z")
    assert kinds(await say(sim, "sam", CRISIS)) == ["post", "alert"]


# -- acknowledgement, widening, aftercare ---------------------------------------------------------


async def test_im_on_it_stops_the_widening_and_brings_aftercare(
        sim: Simulation, router: RecordingRouter) -> None:
    await say(sim, "sam", ACTIVE)
    refused = only(await press(sim, "ny", "I'm on it"))
    assert "Only moderators and supporters" in refused["text"]
    actions = await press(sim, "dee", "I'm on it")
    thanks = only(actions, "respond")
    assert thanks["private"] and "<@sam>" in thanks["text"]
    assert "<@dee> is on it" in only(actions, "post")["text"]
    assert router.taken == [("dee", "crisis", "safety:1", True)]
    assert "already on this" in only(await press(sim, "mod", "I'm on it"))["text"]
    assert await sim.bot.store.jobs.get("safety.escalate", "safety:1") is None
    assert await advance(sim, "2026-01-05T08:00:00Z") == []  # taken: nothing widens
    assert "closed it" in only(await press(sim, "dee", "Done"))["text"]
    assert router.ended == [("crisis", "safety:1")]
    (record,) = await detections(sim)
    assert record.alert == "closed"


async def test_an_alert_nobody_takes_widens_to_the_router_then_every_moderator(
        tmp_path: Path) -> None:
    router = RecordingRouter()
    async with simulation(db=tmp_path / "w.db", settings=safety_settings(on_call=("oncall-1",)),
                          start=MONDAY) as s:
        s.bot.core.router = router
        await world(s)
        await say(s, "sam", ACTIVE)
        assert await advance(s, "2026-01-05T07:09:00Z") == []
        first = await advance(s, "2026-01-05T07:10:00Z")
        (request,) = router.requests
        assert (request.kind, request.subject, request.urgent, request.about) == (
            "crisis", "safety:1", True, "sam")
        assert request.link is not None and request.link.message_id == "msg-9"
        supporters, on_call = first
        assert supporters["channel"] == "supporters-chan" and supporters["urgent"]
        assert supporters["link"]["message_id"] == "msg-9"
        assert "10 minutes on" in supporters["text"]
        assert (on_call["channel"], on_call["pings"]) == ("mods-chan", ["oncall-1"])
        (second,) = await advance(s, "2026-01-05T07:20:00Z")
        assert second["pings"] == ["mod"] and "20 minutes on" in second["text"]
        assert [b["label"] for b in second["buttons"]] == ["I'm on it"]
        assert await advance(s, "2026-01-05T09:00:00Z") == []  # two steps, then it rests
        only(await press(s, "mod", "I'm on it"), "respond")


async def test_the_person_at_risk_cannot_take_their_own_alert(sim: Simulation) -> None:
    await say(sim, "mod", ACTIVE)
    assert "about you" in only(await press(sim, "mod", "I'm on it"))["text"]


async def test_with_no_moderators_channel_the_alert_goes_through_the_router(
        tmp_path: Path) -> None:
    router = RecordingRouter()
    async with simulation(db=tmp_path / "w.db", settings=safety_settings(),
                          start=MONDAY) as s:
        s.bot.core.router = router
        for line in ({"community": {"id": "c"}}, {"member": {"id": "sam"}},
                     {"channel": {"id": "supporters-chan", "purpose": "supporters"}}):
            await s.run_line(line)
        actions = await say(s, "sam", ACTIVE)
        assert kinds(actions) == ["post", "post"]
        assert actions[1]["channel"] == "supporters-chan" and actions[1]["urgent"]
        assert [r.kind for r in router.requests] == ["crisis"]


async def test_with_nobody_to_tell_the_reply_does_not_say_anyone_was_told(
        tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", settings=safety_settings(),
                          start=MONDAY) as s:
        for line in ({"community": {"id": "c"}},
                     {"member": {"id": "mod", "roles": ["moderator"]}}):
            await s.run_line(line)
        actions = await say(s, "sam", ACTIVE)
        assert kinds(actions) == ["post"] and "moderator" not in actions[0]["text"]
        status = only(await command(s, "mod", "warmline setup status"))["text"]
        assert "Crisis alerts have nowhere to go" in status


# -- regions --------------------------------------------------------------------------------------


async def test_a_member_chooses_their_region_and_gets_its_resources(sim: Simulation) -> None:
    assert "now for GB" in only(await command(sim, "sam", "safety region", region="gb"))["text"]
    reply = _reply(await say(sim, "sam", PASSIVE))
    assert "Samaritans on 116 123" in reply["text"] and "findahelpline.com" in reply["text"]
    unknown = only(await command(sim, "sam", "safety region", region="Atlantis"))
    assert "I don't have resources" in unknown["text"] and "GB" in unknown["text"]


async def test_the_community_region_applies_until_a_member_chooses(sim: Simulation) -> None:
    await command(sim, "mod", "safety setup", region="AU")
    assert "Lifeline on 13 11 14" in _reply(await say(sim, "sam", PASSIVE))["text"]
    await command(sim, "ny", "safety region", region="US")
    assert "988" in _reply(await say(sim, "ny", PASSIVE))["text"]
    refused = only(await command(sim, "mod", "safety setup", region="Narnia"))
    assert "can't be" in refused["text"]


# -- what is kept, and the privacy promise --------------------------------------------------------


async def test_nothing_anyone_wrote_is_stored_or_audited(sim: Simulation, tmp_path: Path) -> None:
    await say(sim, "sam", CRISIS)
    await say(sim, "ny", "just take a whole bottle of tylenol", reply_to="m1", reply_to_user="sam")
    await advance(sim, "2026-01-05T07:30:00Z")
    await press(sim, "mod", "I'm on it")
    audit = await sim.bot.store.audit.recent(1)
    steps = [e["action"] for e in reversed(audit)]
    assert steps[:3] == ["safety detection", "safety alert", "safety response"]
    assert {"safety escalation", "safety acknowledged"} <= set(steps)
    assert {e["actor"] for e in audit if e["action"] != "safety acknowledged"} == {"warmline"}
    with sqlite3.connect(tmp_path / "safety.db") as db:
        dump = "\n".join(db.iterdump()).lower()
    for words in ("ending it all", "tylenol", "bottle"):
        assert words not in dump


async def test_detection_records_are_exported_and_deleted_with_the_member(
        sim: Simulation) -> None:
    await say(sim, "sam", PASSIVE)
    await command(sim, "sam", "safety region", region="GB")
    store = sim.bot.store
    member = await store.members.find(1, "sam")
    assert member is not None
    exported = await store.export_member(member.id)
    (row,) = exported["tables"]["safety_detections"]
    assert (row["tier"], row["channel"]) == ("passive", "general")
    assert exported["tables"]["safety_members"][0]["region"] == "GB"
    await store.delete_member(member.id)
    assert await detections(sim) == []
    assert await store.jobs.get("safety.escalate", "safety:1") is None


async def test_purge_deletes_detections_older_than_the_cutoff(sim: Simulation) -> None:
    await say(sim, "sam", PASSIVE)
    await advance(sim, "2026-01-10T07:00:00Z")
    await say(sim, "ny", PASSIVE)
    (feature,) = [f for f in sim.bot.core.features if isinstance(f, Safety)]
    ctx = await sim.bot.core.community_context("sim", "c")
    assert ctx is not None
    removed = await feature.purge(sim.clock.now() - timedelta(days=1), ctx.bind(feature.repo))
    assert removed == 1
    assert [r.member_id for r in await detections(sim)] == [3]
