"""Point 6, a path to a peer: a low mood adds a gentle offer; only "yes" reaches supporters (on
duty, through the one router); a supporter claims it; unclaimed, it is re-announced once, then
goes to moderators. With nobody on duty it goes to moderators at once, and the member is told so
honestly."""

from __future__ import annotations

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press, run


async def _low_mood(sim: Simulation, label: str = "Low") -> dict[str, object]:
    await command(sim, "sam", "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")
    await press(sim, "sam", "Add a note")
    await run(sim, {"submit": {"user": "sam", "values": {"note": "private words"}}})
    return only(await press(sim, "sam", label))


async def test_a_low_mood_offers_a_peer_gently(sim: Simulation) -> None:
    answer = await _low_mood(sim, "Rough")
    assert "reach out" in str(answer["text"])
    # the prompt becomes the offer; "Add a note" stays, since a note can still be added
    assert [b["label"] for b in answer["buttons"]] == ["Yes, please", "No, thanks",  # type: ignore[index]
                                                       "Add a note"]


async def test_an_okay_mood_offers_nothing(sim: Simulation) -> None:
    await command(sim, "sam", "checkin join")
    await advance(sim, "2026-01-05T09:00:00Z")
    buttons = only(await press(sim, "sam", "Okay"))["buttons"]
    assert [b["action"] for b in buttons] == ["checkin.note"]  # no offer; a note is still welcome


async def test_no_thanks_does_nothing(sim: Simulation) -> None:
    await _low_mood(sim)
    sent = await press(sim, "sam", "No, thanks")
    assert [a["type"] for a in sent] == ["respond"]
    assert await advance(sim, "2026-01-05T12:00:00Z") == []


async def test_yes_asks_supporters_without_the_note_and_a_supporter_claims(sim: Simulation) -> None:
    await _low_mood(sim)
    await command(sim, "dee", "duty on")
    sent = await press(sim, "sam", "Yes, please")
    request = only(sent, "post")
    assert request["channel"] == "supporters-chan" and request["pings"] == ["dee"]
    assert "<@sam>" in request["text"] and "private words" not in request["text"]
    assert [b["action"] for b in request["buttons"]] == ["checkin.claim"]
    assert "supporters know" in only(sent, "respond")["text"]
    refused = only(await press(sim, "ny", "I'll reach out"))
    assert "Only supporters" in refused["text"]
    claimed = await press(sim, "dee", "I'll reach out")
    told = only(claimed, "send_dm")
    assert told["user"] == "sam" and "<@dee> from the group will reach out" in told["text"]
    assert "Thank you" in only(claimed, "respond")["text"]
    assert "<@dee> is reaching out to <@sam>" in only(claimed, "post")["text"]
    twice = only(await press(sim, "dee", "I'll reach out"))
    assert "already picked" in twice["text"]
    later = await advance(sim, "2026-01-05T12:00:00Z")
    assert [a["type"] for a in later if a.get("user") != "dee"] == []  # no re-announce
    # what Dee gets: the end of the stretch (two hours), then a care check-in after the claim
    assert ["switched you off" in a["text"] or "heavy one" in a["text"] for a in later] == [
        True, True]


async def test_unclaimed_is_reannounced_once_then_goes_to_moderators(sim: Simulation) -> None:
    await advance(sim, "2026-01-05T08:30:00Z")
    await command(sim, "dee", "duty on")  # until 10:30, when Dee's stretch ends
    await _low_mood(sim)
    await press(sim, "sam", "Yes, please")
    again = only(await advance(sim, "2026-01-05T10:00:00Z"))
    assert again["type"] == "post" and again["text"].startswith("Still open")
    assert again["pings"] == ["dee"]
    alert = only(await advance(sim, "2026-01-05T11:00:00Z"), "alert")
    assert alert["type"] == "alert" and alert["channel"] == "mods-chan"
    assert "120 minutes" in alert["text"] and "private words" not in alert["text"]
    assert await advance(sim, "2026-01-06T08:00:00Z") == []
    claimed = await press(sim, "mod", "I'll reach out")
    assert "<@mod> from the group" in only(claimed, "send_dm")["text"]


async def test_the_offer_is_answered_once(sim: Simulation) -> None:
    await _low_mood(sim)
    await press(sim, "sam", "Yes, please")
    again = await press(sim, "sam", "Yes, please")
    assert [a["type"] for a in again] == ["respond"]
    assert "already answered" in again[0]["text"]


async def test_with_nobody_on_duty_the_moderators_are_asked_and_the_member_told_so(
    sim: Simulation,
) -> None:
    await _low_mood(sim)
    sent = await press(sim, "sam", "Yes, please")
    alert = only(sent, "alert")
    assert alert["channel"] == "mods-chan" and "<@sam>" in alert["text"]
    assert "moderators know" in only(sent, "respond")["text"]


async def test_with_nobody_on_duty_the_member_hears_when_supporters_are_usually_around(
    sim: Simulation,
) -> None:
    await command(sim, "dee", "duty hours", hours="18:00-21:00")  # New York time
    await _low_mood(sim)
    told = only(await press(sim, "sam", "Yes, please"), "respond")["text"]
    # 18:00 in New York is 23:00 in London, where Sam lives
    assert "No supporter is on duty right now" in told and "23:00" in told


async def test_a_claim_counts_toward_the_supporters_load_and_brings_a_care_check_in(
    sim: Simulation,
) -> None:
    await _low_mood(sim)
    await command(sim, "dee", "duty on")
    await press(sim, "sam", "Yes, please")
    await press(sim, "dee", "I'll reach out")
    status = only(await command(sim, "dee", "duty status"))["text"]
    assert "still open: 1 of 2" in status
    later = await advance(sim, "2026-01-05T12:30:00Z")
    care = [a for a in later if a["type"] == "send_dm" and a["user"] == "dee"
            and "heavy one" in a["text"]]
    assert len(care) == 1
    assert [b["label"] for b in care[0]["buttons"]] == ["Take a break", "Talk to someone",
                                                        "I'm okay"]
