"""Export and delete cover everything listening keeps about a member, and a deleted member's
posts are no longer shown to supporters."""

from __future__ import annotations

import json

from bot.sim.simulate import Simulation
from tests.helpers.checkins import advance, command, only, press
from tests.helpers.listening import post, reply


async def _export(sim: Simulation, user: str) -> dict[str, list[dict[str, object]]]:
    answer = only(await command(sim, user, "privacy export"))
    tables: dict[str, list[dict[str, object]]] = json.loads(
        answer["attachment"]["content"])["tables"]
    return tables


async def test_export_holds_posts_notes_and_the_choice_and_delete_removes_them(
    sim: Simulation,
) -> None:
    await post(sim, "dee", "p0", "I feel so tired of everything")
    await post(sim, "sam", "p1", "I can't sleep and work is falling apart")
    await reply(sim, "dee", "r1", "p1", "you should just try melatonin")
    await command(sim, "dee", "listening nudges", state="off")
    tables = await _export(sim, "dee")
    assert [r["message_id"] for r in tables["listening_shares"]] == ["p0"]
    assert [r["kind"] for r in tables["listening_notes"]] == ["nudge"]
    assert [r["nudges"] for r in tables["listening_prefs"]] == [0]
    summary = only(await command(sim, "dee", "privacy export"))["text"]
    assert "private listening notes you were sent: 1" in summary
    sam = await _export(sim, "sam")
    assert [r["message_id"] for r in sam["listening_shares"]] == ["p1"]
    assert "listening_notes" not in sam or sam["listening_notes"] == []

    await command(sim, "dee", "privacy delete")
    await press(sim, "dee", "Yes, delete everything")
    db = sim.bot.store.db
    for table in ("listening_shares", "listening_notes", "listening_prefs"):
        rows = await db.fetchall(
            f"SELECT t.* FROM {table} t JOIN members m ON m.id = t.member_id "
            "WHERE m.platform_user_id = 'dee'")
        assert rows == [], table
    # dee's post is gone, so it is never shown; sam's unanswered... was answered by dee
    assert await advance(sim, "2026-01-05T09:00:00Z") == []
