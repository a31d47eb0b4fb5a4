"""A feature with storage touches only its own folder plus one registration line.

``tests/helpers/notes_feature/`` is such a feature: handlers, repository and migration in one
folder. Adding it to the features list is all it takes to get its table created, its commands
routed, and its rows exported and deleted with the member.
"""

from __future__ import annotations

from pathlib import Path

from bot.features.registry import FEATURES
from bot.sim.simulate import simulation
from tests.helpers.notes_feature.feature import Notes


async def test_a_new_feature_with_a_table_works_from_one_registration_line(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", features=(*FEATURES, Notes)) as s:
        await s.run_line({"community": {"id": "c"}})
        await s.run_line({"member": {"id": "sam", "name": "Sam"}})

        await s.run_line({"event": {"type": "command", "user": "sam", "name": "notes set",
                                    "args": {"text": "call my sister"}}})
        shown = await s.run_line({"event": {"type": "command", "user": "sam",
                                            "name": "notes show"}})
        assert [sent.action.text for sent in shown] == ["call my sister"]  # type: ignore[attr-defined]

        versions = await s.bot.store.schema_versions()
        assert versions["notes"] == 1 and versions["core"] >= 1

        member = await s.bot.store.members.find(1, "sam")
        assert member is not None
        exported = await s.bot.store.export_member(member.id)
        assert [r["body"] for r in exported["tables"]["notes_feature_notes"]] == ["call my sister"]
        await s.bot.store.delete_member(member.id)
        assert await s.bot.store.db.fetchall("SELECT * FROM notes_feature_notes") == []


async def test_its_commands_are_offered_beside_everyone_elses(tmp_path: Path) -> None:
    async with simulation(db=tmp_path / "w.db", features=(*FEATURES, Notes)) as s:
        names = [spec.name for spec in s.bot.core.commands()]
        assert names[-2:] == ["notes set", "notes show"]
        assert "checkin join" in names
