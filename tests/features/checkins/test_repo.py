"""The SQLite check-in repository: once-only answers and claims, export and delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.features.checkins.feature import Checkins
from bot.features.checkins.store import SqlCheckinRepo
from bot.sealing import DataKey, Keyring, open_in_export
from bot.store.store import open_sqlite
from tests.helpers.checkins import TEST_DATA_KEY

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_prompts_answers_reachouts_export_and_delete(tmp_path: Path) -> None:
    store = await open_sqlite(tmp_path / "w.db")
    try:
        await store.migrate(Checkins.migrations)  # type: ignore[arg-type]
        keyring = Keyring(DataKey.parse(TEST_DATA_KEY, "test"))
        repo = SqlCheckinRepo(store.db, keyring)
        community = await store.communities.ensure("sim", "c")
        member = await store.members.ensure(community.id, "sam", now=T0)
        supporter = await store.members.ensure(community.id, "dee", now=T0)
        assert await repo.create_prompt(member.id, T0, T0 + timedelta(hours=12), day_start=T0) is None
        _, created = await repo.enrol(member.id, community.id, T0)
        assert created and not (await repo.enrol(member.id, community.id, T0))[1]
        await repo.set_goal(member.id, "walk", T0)
        prompt = await repo.create_prompt(member.id, T0, T0 + timedelta(hours=12), day_start=T0)
        assert prompt is not None and prompt.goal == "walk"
        assert await repo.answer(prompt.id, 2, T0)
        assert not await repo.answer(prompt.id, 5, T0)
        await repo.set_note(prompt.id, "my own words")
        reachout = await repo.create_reachout(member.id, community.id, prompt.id, T0)
        assert reachout is not None
        assert await repo.create_reachout(member.id, community.id, prompt.id, T0) is None
        assert await repo.claim_reachout(reachout.id, supporter.id, T0)
        assert not await repo.claim_reachout(reachout.id, supporter.id, T0)
        await repo.set_pause(member.id, T0 + timedelta(days=2))
        paused = await repo.create_prompt(member.id, T0 + timedelta(days=1), T0,
                                          day_start=T0 + timedelta(days=1))
        assert paused is None
        week = await repo.community_week(community.id, T0 - timedelta(days=7))
        assert (week.members_answered, week.answers, week.moods) == (1, 1, {2: 1})

        exported = await store.export_member(member.id)
        tables = exported["tables"]
        assert "my own words" not in str(tables) and "walk" not in str(tables)  # sealed at rest
        open_in_export(tables, keyring, member.id, "unreadable")
        assert [r["note"] for r in tables["checkin_prompts"]] == ["my own words"]
        assert [r["goal"] for r in tables["checkin_enrolments"]] == ["walk"]
        assert len(tables["checkin_reachouts"]) == 1

        await store.delete_member(member.id)
        assert await repo.enrolment(member.id) is None
        assert await repo.prompt(prompt.id) is None
        assert await repo.reachout(reachout.id) is None
    finally:
        await store.close()
