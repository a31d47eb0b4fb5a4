"""Notes: ``/notes set text`` keeps one private note, ``/notes show`` shows it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from bot.actions import Action
from bot.answer import answer
from bot.events import CommandInvoked
from bot.feature import ArgSpec, Context, Feature, Handlers
from bot.store.db import Db
from bot.store.migrations import MigrationStream


class NotesRepo:
    """The feature's repository: written once, over the Db seam."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def set(self, member_id: int, body: str) -> str:
        ref = f"note-{secrets.token_hex(4)}"  # made in Python, the same on every engine
        await self._db.execute(
            "INSERT INTO notes_feature_notes (member_id, ref, body) VALUES (?, ?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET body = excluded.body",
            (member_id, ref, body),
        )
        return ref

    async def get(self, member_id: int) -> str | None:
        row = await self._db.fetchone(
            "SELECT body FROM notes_feature_notes WHERE member_id = ?", (member_id,))
        return None if row is None else str(row["body"])


handlers: Handlers[NotesRepo] = Handlers("notes")


@handlers.command("notes set", "Keep one private note",
                  args=(ArgSpec(name="text", description="Your note"),))
async def set_note(event: CommandInvoked, ctx: Context[NotesRepo]) -> Sequence[Action]:
    assert ctx.member is not None
    await ctx.repo.set(ctx.member.id, event.args.get("text", ""))
    return answer(event, "Kept.")


@handlers.command("notes show", "Show your note")
async def show_note(event: CommandInvoked, ctx: Context[NotesRepo]) -> Sequence[Action]:
    assert ctx.member is not None
    return answer(event, await ctx.repo.get(ctx.member.id) or "No note yet.")


class Notes(Feature[NotesRepo]):
    name = "notes"
    handlers = handlers
    migrations = MigrationStream("notes", "tests.helpers.notes_feature")

    @classmethod
    def make_repo(cls, db: Db) -> NotesRepo:
        return NotesRepo(db)
