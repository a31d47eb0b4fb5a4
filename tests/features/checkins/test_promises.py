"""What Warmline tells people is what it does: reach-outs only when someone will hear them,
leaving withdraws everything, at most one check-in a local day, and no prompts to people who
left or whose direct messages are closed."""

from __future__ import annotations

from pathlib import Path

from bot.adapter import Unreachable
from bot.config import default_settings
from bot.names import safe_name
from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import MONDAY, advance, command, only, press, prompts, run


async def _low_mood(sim: Simulation) -> dict[str, object]:
    await command(sim, "sam", "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")
    await command(sim, "dee", "duty on")  # a supporter is around when Sam asks
    return only(await press(sim, "sam", "Low"))


# -- honesty: "I've let the supporters know" only when someone was told -----------------------


async def test_with_nobody_to_tell_no_reach_out_is_offered(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", start=MONDAY) as sim:
        for line in ({"community": {"id": "c"}},
                     {"member": {"id": "sam", "name": "Sam", "timezone": "Europe/London"}}):
            await sim.run_line(line)
        answer = await _low_mood(sim)
        assert "reach out" not in str(answer["text"])
        assert "Yes, please" not in [b["label"] for b in answer["buttons"]]  # type: ignore[attr-defined]


async def test_with_only_a_moderators_channel_the_member_is_told_the_moderators_know(
    tmp_path: Path,
) -> None:
    async with simulation(db=tmp_path / "w.db", start=MONDAY) as sim:
        for line in ({"community": {"id": "c"}},
                     {"member": {"id": "sam", "name": "Sam", "timezone": "Europe/London"}},
                     {"channel": {"id": "mods-chan", "purpose": "moderators"}}):
            await sim.run_line(line)
        await _low_mood(sim)
        sent = await press(sim, "sam", "Yes, please")
        told = only(sent, "respond")
        alert = only(sent, "alert")
        assert "I've let the moderators know" in told["text"]
        assert alert["channel"] == "mods-chan" and "<@sam>" in alert["text"]


async def test_a_channel_removed_after_the_offer_is_said_honestly(sim: Simulation) -> None:
    await _low_mood(sim)
    for purpose in ("supporters", "moderators"):
        await sim.bot.store.channels.set_purpose(1, purpose, None)
    sent = await press(sim, "sam", "Yes, please")
    assert [a["type"] for a in sent] == ["respond"]
    assert "couldn't pass it on" in sent[0]["text"] and "let the" not in sent[0]["text"]


# -- consent: leaving withdraws every pending job and request ----------------------------------


async def test_leaving_withdraws_an_open_request_and_nobody_is_alerted_later(
    sim: Simulation,
) -> None:
    await _low_mood(sim)
    request = only(await press(sim, "sam", "Yes, please"), "post")
    posted = sim.adapter.sent[-1].result  # where the platform says the request went
    left = await command(sim, "sam", "checkin leave")
    assert "Nothing more will be sent" in only(left, "respond")["text"]
    edit = only(left, "edit")  # the request itself now says it is closed: no new post
    assert (edit["channel"], edit["message_id"]) == ("supporters-chan", posted.message_id)
    assert "no longer open" in edit["text"] and edit["buttons"] == []
    assert "sam" not in edit["text"].lower() and "<@sam>" in request["text"]
    later = await advance(sim, "2026-01-06T12:00:00Z")
    assert [a for a in later if a.get("user") != "dee"] == []  # no "still open", no alert
    pressed = await press(sim, "dee", "I'll reach out")
    assert "isn't open any more" in only(pressed)["text"]


async def test_a_member_who_left_the_server_gets_no_more_check_ins(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await run(sim, {"event": {"type": "member_left", "user": "sam"}})
    assert prompts(await advance(sim, "2026-01-07T12:00:00Z")) == []


# -- at most one check-in per member per local day ---------------------------------------------


async def test_a_new_time_after_todays_check_in_waits_for_tomorrow(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    assert len(prompts(await advance(sim, "2026-01-05T09:00:00Z"))) == 1
    await command(sim, "sam", "checkin time", time="11:00")
    assert prompts(await advance(sim, "2026-01-05T23:00:00Z")) == []
    assert len(prompts(await advance(sim, "2026-01-06T11:00:00Z"))) == 1


async def test_a_new_timezone_after_todays_check_in_waits_for_tomorrow(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    assert len(prompts(await advance(sim, "2026-01-05T09:00:00Z"))) == 1  # 09:00 in London
    await command(sim, "sam", "checkin timezone", zone="America/New_York")
    # 09:00 in New York is 14:00 UTC: still the same local day there, so nothing.
    assert prompts(await advance(sim, "2026-01-05T23:59:00Z")) == []
    assert len(prompts(await advance(sim, "2026-01-06T14:00:00Z"))) == 1


async def test_a_moderators_new_schedule_does_not_send_a_second_one_today(sim: Simulation) -> None:
    for user in ("sam", "ny"):
        await command(sim, user, "checkin join")
    assert len(prompts(await advance(sim, "2026-01-05T09:00:00Z"))) == 1  # Sam in London
    await command(sim, "mod", "checkin setup", schedule="daily 11:00")
    later = prompts(await advance(sim, "2026-01-05T23:59:00Z"))
    assert [p["user"] for p in later] == ["ny"]  # Nia had none today yet; Sam waits


# -- people whose direct messages are closed ---------------------------------------------------


async def test_after_a_closed_dm_no_more_prompts_until_the_member_comes_back(
    sim: Simulation,
) -> None:
    await command(sim, "sam", "checkin join")
    sim.adapter.fail_next(Unreachable("sam", "dm_closed"))
    assert prompts(await advance(sim, "2026-01-05T09:00:00Z")) == []  # it failed
    assert prompts(await advance(sim, "2026-01-07T10:00:00Z")) == []  # not tried again
    back = only(await command(sim, "sam", "checkin history"))
    assert "direct messages are closed" in back["text"]
    assert len(prompts(await advance(sim, "2026-01-08T09:00:00Z"))) == 1


# -- names -------------------------------------------------------------------------------------


def test_display_names_shown_as_text_are_made_safe() -> None:
    assert safe_name("Sam\u202egnp.exe") == "Samgnp.exe"  # no right-to-left override
    assert "@" not in safe_name("@everyone") and "everyone" in safe_name("@everyone")
    assert "<" not in safe_name("<@&123> mods") and ">" not in safe_name("<@&123> mods")
    assert safe_name("\u200b\u200b") == "there" and safe_name(None) == "there"
    assert len(safe_name("N" * 1000)) == 32


async def test_a_hostile_display_name_never_reaches_a_post(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", start=MONDAY,
                          settings=default_settings()) as sim:
        for line in ({"community": {"id": "c"}},
                     {"member": {"id": "sam", "name": "@everyone \u202eoops",
                                 "timezone": "Europe/London"}},
                     {"channel": {"id": "supporters-chan", "purpose": "supporters"}}):
            await sim.run_line(line)
        await _low_mood(sim)
        post = only(await press(sim, "sam", "Yes, please"), "post")
        assert post["text"].startswith("<@sam>") and "everyone" not in post["text"]


# -- privacy: delete and export ----------------------------------------------------------------


async def test_export_holds_what_they_did_and_claimed_but_never_another_members_id(
    sim: Simulation,
) -> None:
    await _low_mood(sim)
    await press(sim, "sam", "Yes, please")
    await press(sim, "dee", "I'll reach out")
    await command(sim, "dee", "checkin join")
    dee = await sim.bot.store.members.find(1, "dee")
    sam = await sim.bot.store.members.find(1, "sam")
    assert dee is not None and sam is not None
    exported = await sim.bot.store.export_member(dee.id)
    claimed = exported["tables"]["checkin_reachouts"]
    assert [(r["claimed_by"], r["member_id"]) for r in claimed] == [(dee.id, "another member")]
    assert sam.id not in [v for r in claimed for v in r.values() if isinstance(v, int)]
    mod = await sim.bot.store.members.find(1, "mod")
    assert mod is not None
    await command(sim, "mod", "warmline setup timezone", zone="Europe/Paris")
    mine = (await sim.bot.store.export_member(mod.id))["tables"]["audit_log"]
    assert [(e["action"], e["detail"]) for e in mine] == [("setup timezone", "Europe/Paris")]


async def test_deleting_pseudonymises_the_audit_log_and_old_buttons_bring_nothing_back(
    sim: Simulation,
) -> None:
    await command(sim, "mod", "warmline setup timezone", zone="Europe/Paris")
    await command(sim, "mod", "privacy delete")
    await press(sim, "mod", "Yes, delete everything")
    assert await sim.bot.store.members.find(1, "mod") is None
    entries = await sim.bot.store.audit.recent(1)
    assert [e["actor"] for e in entries] == ["a former member"]
    again = only(await press(sim, "mod", "Yes, delete everything"))  # the old button, pressed again
    assert "nothing of yours here" in again["text"]
    assert await sim.bot.store.members.find(1, "mod") is None


# -- thread delivery says what it is ------------------------------------------------------------


async def test_thread_delivery_is_refused_without_a_channel_and_warned_about_with_one(
    tmp_path: Path,
) -> None:
    async with simulation(db=tmp_path / "w.db", start=MONDAY) as sim:
        for line in ({"community": {"id": "c"}},
                     {"member": {"id": "mod", "name": "Priya", "roles": ["moderator"]}}):
            await sim.run_line(line)
        refused = only(await command(sim, "mod", "checkin setup", delivery="thread"))
        assert "needs a check-ins channel" in refused["text"]
        community = await sim.bot.store.communities.get(1)
        assert community is not None and "checkin_delivery" not in community.settings
        await sim.run_line({"channel": {"id": "checkins-chan", "purpose": "checkins"}})
        accepted = only(await command(sim, "mod", "checkin setup", delivery="thread"))
        assert "delivery = thread" in accepted["text"] and "not private" in accepted["text"]


async def test_setup_status_tells_moderators_what_is_missing_and_why(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", start=MONDAY) as sim:
        for line in ({"community": {"id": "c"}},
                     {"member": {"id": "mod", "name": "Priya", "roles": ["moderator"]}}):
            await sim.run_line(line)
        status = only(await command(sim, "mod", "warmline setup status"))["text"]
        assert "supporters channel: not set" in status
        assert "not offered someone to reach out" in status
        await sim.run_line({"channel": {"id": "supporters-chan", "purpose": "supporters"}})
        await sim.run_line({"channel": {"id": "support-chan", "purpose": "support"}})
        await command(sim, "mod", "warmline setup role", kind="supporters", role="helpers")
        status = only(await command(sim, "mod", "warmline setup status"))["text"]
        assert "supporters channel: <#supporters-chan>" in status
        assert "not offered" not in status and "Nothing is missing" in status


async def test_an_export_is_a_short_summary_with_everything_in_an_attached_file(
    sim: Simulation,
) -> None:
    import json

    await command(sim, "sam", "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")
    await press(sim, "sam", "Low")
    sent = await command(sim, "sam", "privacy export")
    answer = only(sent)
    assert len(answer["text"]) < 600 and "check-ins and your answers: 1" in answer["text"]
    attached = answer["attachment"]
    assert attached["filename"] == "warmline-export.json"
    data = json.loads(attached["content"])
    assert [p["mood"] for p in data["tables"]["checkin_prompts"]] == [2]


async def test_joining_again_repairs_a_missing_schedule(sim: Simulation) -> None:
    """An older crash could leave someone enrolled with nothing scheduled; "already signed up"
    must not be said over an empty schedule."""
    await command(sim, "sam", "checkin join")
    member = await sim.bot.store.members.find(1, "sam")
    assert member is not None
    await sim.bot.store.db.execute("DELETE FROM jobs WHERE member_id = ?", (member.id,))
    again = only(await command(sim, "sam", "checkin join"))
    assert "already signed up" in again["text"] and "Monday 5 January" in again["text"]
    assert len(prompts(await advance(sim, "2026-01-05T09:00:00Z"))) == 1
