"""Issue 12, points 6 and 7 for check-ins: notes and goals are kept sealed, not kept at all
without a key, re-sealed by a rotation, and purged after the retention period."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from bot.features.checkins.store import SEALED
from bot.sealing import DataKey, Keyring, new_key, sealed_key_id
from bot.sim.simulate import Simulation, simulation
from bot.store.sealed import count_not_current, count_plain, reseal
from tests.helpers.checkins import (
    MONDAY,
    TEST_DATA_KEY,
    advance,
    command,
    make_settings,
    only,
    press,
    prompts,
    rows,
    run,
    world,
)


async def _raw(sim: Simulation, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await sim.bot.store.db.fetchall(sql)]


async def _note_and_goal(sim: Simulation, note: str = "slept badly", goal: str = "walk twice") -> None:
    await command(sim, "sam", "checkin join")
    await command(sim, "sam", "checkin goal", text=goal)
    only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
    await press(sim, "sam", "Okay")
    await press(sim, "sam", "Add a note")
    saved = only(await run(sim, {"submit": {"user": "sam", "values": {"note": note}}}))
    assert "Your note is saved" in saved["text"]


async def test_notes_and_goals_are_stored_sealed_and_read_back_for_the_member(
        sim: Simulation) -> None:
    await _note_and_goal(sim)
    stored = await _raw(sim, "SELECT note, goal FROM checkin_prompts")
    stored += await _raw(sim, "SELECT goal, goal FROM checkin_enrolments")
    assert "slept badly" not in str(stored) and "walk twice" not in str(stored)
    assert all(str(value).startswith("sealed:1:") for row in stored for value in row)
    assert [(p.note, p.goal) for p in await rows(sim, "sam")] == [("slept badly", "walk twice")]
    history = only(await command(sim, "sam", "checkin history"))["text"]
    assert "slept badly" in history
    export = only(await command(sim, "sam", "privacy export"))["attachment"]["content"]
    data = json.loads(export)
    assert [p["note"] for p in data["tables"]["checkin_prompts"]] == ["slept badly"]
    assert [e["goal"] for e in data["tables"]["checkin_enrolments"]] == ["walk twice"]
    await command(sim, "sam", "privacy delete")
    await press(sim, "sam", "Yes, delete everything")
    assert await _raw(sim, "SELECT note FROM checkin_prompts") == []
    assert await _raw(sim, "SELECT goal FROM checkin_enrolments") == []


async def test_without_a_key_no_note_is_offered_and_nothing_written_is_kept(db: Path) -> None:
    async with simulation(db=db, settings=make_settings(data_key=None), start=MONDAY) as sim:
        await world(sim)
        await command(sim, "sam", "checkin join")
        goal = only(await command(sim, "sam", "checkin goal", text="walk twice"))
        assert "not able to keep goals here" in goal["text"]
        prompt = only(prompts(await advance(sim, "2026-01-05T09:00:00Z")))
        assert "Add a note" not in [b["label"] for b in prompt["buttons"]]
        assert "“walk" not in prompt["text"]
        # A note button from before the key went away, and a forged form, change nothing.
        value = prompt["buttons"][0]["value"].split(":")[0]
        pressed = only(await run(sim, {"event": {"type": "button", "user": "sam",
                                                 "action": "checkin.note", "value": value}}))
        assert "not able to keep notes here" in pressed["text"]
        submitted = only(await run(sim, {"event": {
            "type": "form", "user": "sam", "form": "checkin.note", "context": value,
            "values": {"note": "slept badly"}}}))
        assert "not able to keep notes here" in submitted["text"]
        assert await _raw(sim, "SELECT note, goal FROM checkin_prompts") == [(None, None)]
        assert await _raw(sim, "SELECT goal FROM checkin_enrolments") == [(None,)]
        info = only(await command(sim, "sam", "privacy info"))["text"]
        assert "aren't kept on this server" in info


async def test_plain_text_from_before_is_sealed_at_start_up_or_kept_readable_without_a_key(
        db: Path) -> None:
    async with simulation(db=db, settings=make_settings(), start=MONDAY) as sim:
        await world(sim)
        await _note_and_goal(sim)
        # As an older Warmline stored them: plain text.
        await sim.bot.store.db.execute("UPDATE checkin_prompts SET note = 'old note', goal = NULL")
        await sim.bot.store.db.execute("UPDATE checkin_enrolments SET goal = 'old goal'")
    async with simulation(db=db, settings=make_settings(data_key=None), start=MONDAY) as sim:
        assert [(p.note, p.goal) for p in await rows(sim, "sam")] == [("old note", None)]
        assert await _raw(sim, "SELECT note FROM checkin_prompts") == [("old note",)]
    async with simulation(db=db, settings=make_settings(), start=MONDAY) as sim:
        stored = await _raw(sim, "SELECT note FROM checkin_prompts")
        stored += await _raw(sim, "SELECT goal FROM checkin_enrolments")
        assert all(str(v).startswith("sealed:1:") for (v,) in stored), stored
        assert [p.note for p in await rows(sim, "sam")] == ["old note"]
        enrolment = await sim.bot.core.routes.by_name["checkin"].repo.enrolment(
            (await sim.bot.store.members.find(1, "sam")).id)  # type: ignore[union-attr]
        assert enrolment.goal == "old goal"


async def test_a_rotation_reseals_everything_with_the_new_key_while_old_ones_still_read(
        db: Path) -> None:
    async with simulation(db=db, settings=make_settings(), start=MONDAY) as sim:
        await world(sim)
        await _note_and_goal(sim)
    newer = new_key()
    rotating = make_settings(data_key=newer)
    rotating = replace(rotating, privacy=replace(rotating.privacy, old_data_keys=TEST_DATA_KEY))
    keyring = Keyring(DataKey.parse(newer, "new"), [DataKey.parse(TEST_DATA_KEY, "old")])
    async with simulation(db=db, settings=rotating, start=MONDAY) as sim:
        store = sim.bot.store
        # The running bot reads both keys: nothing is lost in the middle of a rotation.
        assert [p.note for p in await rows(sim, "sam")] == ["slept badly"]
        assert sum([await count_not_current(store.db, c, keyring) for c in SEALED]) == 3
        for column in SEALED:
            await reseal(store.db, column, keyring, batch=1)
        assert sum([await count_not_current(store.db, c, keyring) for c in SEALED]) == 0
        assert sum([await count_plain(store.db, c) for c in SEALED]) == 0
        (note,) = (await _raw(sim, "SELECT note FROM checkin_prompts"))[0]
        assert sealed_key_id(str(note)) == keyring.current_id
    async with simulation(db=db, settings=make_settings(data_key=newer), start=MONDAY) as sim:
        # The old key can go: everything opens with the new one alone.
        assert [(p.note, p.goal) for p in await rows(sim, "sam")] == [("slept badly", "walk twice")]


async def test_a_rotation_never_overwrites_a_note_changed_while_it_ran(db: Path) -> None:
    async with simulation(db=db, settings=make_settings(), start=MONDAY) as sim:
        await world(sim)
        await _note_and_goal(sim)
        old = Keyring(DataKey.parse(TEST_DATA_KEY, "old"))
        keyring = Keyring(DataKey.parse(new_key(), "new"), [DataKey.parse(TEST_DATA_KEY, "old")])
        store = sim.bot.store
        real_fetchall = store.db.fetchall

        async def fetch_then_change(sql: str, params: object = ()) -> object:
            rows_read = await real_fetchall(sql, params)  # type: ignore[arg-type]
            if "checkin_prompts" in sql:  # a member saves a new note right after the read
                member = await store.members.find(1, "sam")
                assert member is not None
                await store.db.execute(
                    "UPDATE checkin_prompts SET note = ?",
                    (old.seal("a newer note", purpose="checkin.note", member_id=member.id),))
            return rows_read

        store.db.fetchall = fetch_then_change  # type: ignore[method-assign]
        try:
            await reseal(store.db, SEALED[0], keyring)
        finally:
            store.db.fetchall = real_fetchall  # type: ignore[method-assign]
        assert [p.note for p in await rows(sim, "sam")] == ["a newer note"]


async def test_the_daily_job_purges_notes_and_goals_past_the_period_and_audits_counts(
        sim: Simulation) -> None:
    await _note_and_goal(sim)
    info = only(await command(sim, "sam", "privacy info"))["text"]
    assert "deleted after 90 days" in info and "stored encrypted" in info
    await advance(sim, "2026-04-04T09:00:00Z")  # 89 days later: nothing is old enough
    first = (await rows(sim, "sam"))[0]
    assert (first.note, first.goal) == ("slept badly", "walk twice")
    await advance(sim, "2026-04-06T04:00:00Z")  # past 90 days, after the 03:00 purge
    first = (await rows(sim, "sam"))[0]
    assert (first.note, first.goal) == (None, None)
    stored = await _raw(sim, "SELECT mood, note, goal FROM checkin_prompts ORDER BY id LIMIT 1")
    assert stored == [(3, None, None)]  # the mood stays; the words go
    assert await _raw(sim, "SELECT goal FROM checkin_enrolments") == [(None,)]
    audit = await sim.bot.store.audit.recent(1)
    purges = [e for e in audit if e["action"] == "retention purge"]
    assert purges and purges[0]["actor"] == "warmline"
    assert purges[0]["detail"].startswith("checkin: ") and "older than 90 days" in purges[0]["detail"]
    assert "slept" not in str(audit) and "walk" not in str(audit)


async def test_a_community_can_shorten_the_period_but_never_lengthen_it(sim: Simulation) -> None:
    longer = only(await command(sim, "mod", "warmline setup retention", days="120"))
    assert "at most 90 days" in longer["text"]
    refused = only(await command(sim, "sam", "warmline setup retention", days="7"))
    assert "Only moderators" in refused["text"]
    shorter = only(await command(sim, "mod", "warmline setup retention", days="7"))
    assert "deleted after 7 days" in shorter["text"]
    assert "deleted after 7 days" in only(await command(sim, "sam", "privacy info"))["text"]
    await _note_and_goal(sim)
    await advance(sim, "2026-01-12T04:00:00Z")  # 6 days and 19 hours: kept
    assert (await rows(sim, "sam"))[0].note == "slept badly"
    await advance(sim, "2026-01-13T04:00:00Z")  # the 03:00 purge after 7 days
    assert (await rows(sim, "sam"))[0].note is None


async def test_joining_without_a_key_does_not_promise_that_notes_are_kept(db: Path) -> None:
    async with simulation(db=db, settings=make_settings(data_key=None), start=MONDAY) as sim:
        await world(sim)
        joined = only(await command(sim, "sam", "checkin join"))["text"]
        assert "Notes aren't kept on this server" in joined and "any short note" not in joined
