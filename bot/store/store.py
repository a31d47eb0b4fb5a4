"""The core store: the core's repositories over one :class:`bot.store.db.Db`, and the privacy
promise for every table, the features' included.

"Everything about a member is exported and deleted" holds for tables added later with no change
here, by one convention: *a table with rows about a member has a ``member_id`` column referencing
``members(id) ON DELETE CASCADE``*. :meth:`CoreStore.export_member` discovers such tables through
:meth:`Db.tables` (plus tables whose foreign key points into them, such as a job's deliveries),
and :meth:`CoreStore.delete_member` deletes the member row and lets the cascade do the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.store.base import AuditRepo, ChannelRepo, CommunityRepo, JobRepo, MemberRepo, SeenEventRepo
from bot.store.db import Db, Row, TableInfo
from bot.store.jobs import JobRepository
from bot.store.migrations import CORE, MigrationStream, migrate, versions
from bot.store.repos import (
    AuditRepository,
    ChannelsRepository,
    CommunitiesRepository,
    MembersRepository,
    SeenEventsRepository,
)
from bot.store.sqlite_db import SqliteDb

__all__ = ["CoreStore", "open_sqlite"]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _plain(row: Row) -> dict[str, Any]:
    return {key: (row[key].hex() if isinstance(row[key], bytes) else row[key])
            for key in row.keys()}  # noqa: SIM118 - a row is not a mapping


class CoreStore:
    """:class:`bot.store.base.Store` over any :class:`Db`. Open one with :func:`open_sqlite`
    (or :func:`bot.store.open.open_store`)."""

    def __init__(self, db: Db) -> None:
        self.db = db
        """The shared database: features build their own repositories on it."""
        self.communities: CommunityRepo = CommunitiesRepository(db)
        self.members: MemberRepo = MembersRepository(db)
        self.channels: ChannelRepo = ChannelsRepository(db)
        self.jobs: JobRepo = JobRepository(db)
        self.seen: SeenEventRepo = SeenEventsRepository(db)
        self.audit: AuditRepo = AuditRepository(db)

    @property
    def path(self) -> Path:
        if not isinstance(self.db, SqliteDb):
            raise AttributeError("only a SQLite store has a file path")
        return self.db.path

    async def migrate(self, stream: MigrationStream) -> int:
        """Bring one component's tables up to date (a feature's, when it is built)."""
        return await migrate(self.db, stream)

    async def schema_versions(self) -> dict[str, int]:
        return await versions(self.db)

    async def export_member(self, member_id: int) -> dict[str, Any]:
        """``{"schema_versions", "member", "tables": {table: [rows]}}``, read in one transaction
        so the parts agree. JSON columns are returned as their stored text."""
        owned, dependent = _member_tables(await self.db.tables())
        async with self.db.transaction() as tx:
            member = await tx.fetchone("SELECT * FROM members WHERE id = ?", (member_id,))
            if member is None:
                raise LookupError(f"no member with id {member_id}")
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in owned:
                rows = await tx.fetchall(
                    f"SELECT * FROM {_quote(table)} WHERE member_id = ?", (member_id,)
                )
                tables[table] = [_plain(r) for r in rows]
            for table, column, parent, parent_column in dependent:
                rows = await tx.fetchall(
                    f"SELECT * FROM {_quote(table)} WHERE {_quote(column)} IN "
                    f"(SELECT {_quote(parent_column)} FROM {_quote(parent)} WHERE member_id = ?)",
                    (member_id,),
                )
                tables.setdefault(table, []).extend(_plain(r) for r in rows)
            applied = await tx.fetchall(
                "SELECT component, MAX(version) AS version FROM schema_migrations "
                "GROUP BY component ORDER BY component"
            )
        return {
            "schema_versions": {str(r["component"]): int(r["version"]) for r in applied},
            "member": _plain(member),
            "tables": tables,
        }

    async def delete_member(self, member_id: int) -> None:
        """Delete the member row; ``ON DELETE CASCADE`` removes every ``member_id`` row and,
        through jobs, their deliveries."""
        await self.db.execute("DELETE FROM members WHERE id = ?", (member_id,))

    async def close(self) -> None:
        await self.db.close()


def _member_tables(
    tables: list[TableInfo],
) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    """Tables with a ``member_id`` column, and (table, column, parent, parent column) for
    tables whose foreign key points at one of them."""
    owned = [t.name for t in tables if t.name != "members" and "member_id" in t.columns]
    dependent = [
        (t.name, fk.column, fk.table, fk.to)
        for t in tables if t.name not in owned and t.name != "members"
        for fk in t.foreign_keys if fk.table in owned
    ]
    return owned, dependent


async def open_sqlite(path: str | Path) -> CoreStore:
    """Open the database file (creating it, 0600, only where no file exists) and bring the core
    schema up to date. Features migrate their own tables when they are built. An empty, foreign,
    damaged or unwritable file raises :class:`bot.store.sqlite_db.StoreRefused`."""
    path = Path(path)
    if str(path) == ":memory:":
        raise ValueError("the store needs a file: an in-memory database forgets on restart")
    db = await SqliteDb.open(path)
    try:
        await migrate(db, CORE)
    except BaseException:
        await db.close()
        raise
    return CoreStore(db)
