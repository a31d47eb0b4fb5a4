"""The core store: the core's repositories over one :class:`bot.store.db.Db`, and the privacy
promise for every table, the features' included.

"Everything about a member is exported and deleted" holds for tables added later with no change
here, by one convention: *a table with rows about a member has a ``member_id`` column referencing
``members(id) ON DELETE CASCADE``*. :meth:`CoreStore.export_member` discovers such tables through
:meth:`Db.tables` (plus tables whose foreign key points into them, such as a job's deliveries),
and :meth:`CoreStore.delete_member` deletes the member row and lets the cascade do the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.store.base import AuditRepo, ChannelRepo, CommunityRepo, JobRepo, MemberRepo, SeenEventRepo
from bot.store.db import Db, Row, TableInfo
from bot.store.deferred import DeferredRepository
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

__all__ = ["CoreStore", "open_postgres", "open_sqlite"]


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
        self.deferred = DeferredRepository(db)

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
        so the parts agree. JSON columns are returned as their stored text.

        It holds every row about the member: rows they own (``member_id``), rows that point at
        them from another column (a request they claimed), rows hanging off their own (a job's
        deliveries) and the audit entries of what they did. It never holds another member's
        internal id: such a reference reads ``"another member"``."""
        plan = _export_plan(await self.db.tables())
        async with self.db.transaction() as tx:
            member = await tx.fetchone("SELECT * FROM members WHERE id = ?", (member_id,))
            if member is None:
                raise LookupError(f"no member with id {member_id}")
            tables: dict[str, list[dict[str, Any]]] = {}
            for table, columns in plan.referencing.items():
                where = " OR ".join(f"{_quote(c)} = ?" for c in columns)
                rows = await tx.fetchall(f"SELECT * FROM {_quote(table)} WHERE {where}",
                                         [member_id] * len(columns))
                tables[table] = [_scrubbed(r, columns, member_id) for r in rows]
            for table, column, parent, parent_column in plan.dependent:
                rows = await tx.fetchall(
                    f"SELECT * FROM {_quote(table)} WHERE {_quote(column)} IN "
                    f"(SELECT {_quote(parent_column)} FROM {_quote(parent)} WHERE member_id = ?)",
                    (member_id,),
                )
                tables.setdefault(table, []).extend(_plain(r) for r in rows)
            audit = await tx.fetchall(
                "SELECT action, detail, at FROM audit_log WHERE community_id = ? AND actor = ? "
                "ORDER BY id", (member["community_id"], member["platform_user_id"]),
            )
            tables["audit_log"] = [_plain(r) for r in audit]
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
        """Delete the member row (``ON DELETE CASCADE`` removes every ``member_id`` row and,
        through jobs, their deliveries) and, in the same transaction, pseudonymise what the
        audit log says they did: the entries stay (moderators' record of changes), the person
        does not."""
        async with self.db.transaction() as tx:
            member = await tx.fetchone(
                "DELETE FROM members WHERE id = ? RETURNING community_id, platform_user_id",
                (member_id,))
            if member is not None:
                await tx.execute(
                    "UPDATE audit_log SET actor = ? WHERE community_id = ? AND actor = ?",
                    (FORMER_MEMBER, member["community_id"], member["platform_user_id"]))

    async def delete_community(self, platform: str, platform_id: str) -> bool:
        """Delete a community and everything kept about it (its members and their data, its
        channels, jobs, audit log and every feature's rows, by ``ON DELETE CASCADE``): a
        workspace that uninstalled Warmline. False when there was no such community."""
        async with self.db.transaction() as tx:
            gone = await tx.execute(
                "DELETE FROM communities WHERE platform = ? AND platform_id = ?",
                (platform, platform_id))
        return gone > 0

    async def close(self) -> None:
        await self.db.close()


FORMER_MEMBER = "a former member"
"""What the audit log says instead of a deleted member's id."""
ANOTHER_MEMBER = "another member"
"""What an export says instead of someone else's internal id."""


@dataclass(frozen=True, slots=True)
class _ExportPlan:
    referencing: dict[str, tuple[str, ...]]
    """Table → its columns that reference ``members(id)`` (``member_id`` among them)."""
    dependent: list[tuple[str, str, str, str]]
    """(table, column, parent, parent column) for tables hanging off a member-owned table."""


def _export_plan(tables: list[TableInfo]) -> _ExportPlan:
    referencing: dict[str, tuple[str, ...]] = {}
    for t in tables:
        if t.name == "members":
            continue
        columns = {fk.column for fk in t.foreign_keys if fk.table == "members"}
        if "member_id" in t.columns:
            columns.add("member_id")
        if columns:
            referencing[t.name] = tuple(sorted(columns))
    owned = {name for name, cols in referencing.items() if "member_id" in cols}
    dependent = [
        (t.name, fk.column, fk.table, fk.to)
        for t in tables if t.name not in referencing and t.name != "members"
        for fk in t.foreign_keys if fk.table in owned
    ]
    return _ExportPlan(referencing, dependent)


def _scrubbed(row: Row, member_columns: tuple[str, ...], member_id: int) -> dict[str, Any]:
    plain = _plain(row)
    for column in member_columns:
        if plain.get(column) is not None and plain[column] != member_id:
            plain[column] = ANOTHER_MEMBER
    return plain


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


async def open_postgres(url: str) -> CoreStore:
    """Connect to the PostgreSQL database ``url`` names (``postgresql://…``; ``?schema=name``
    keeps Warmline's tables in their own schema, created if missing) and bring the core schema
    up to date. Needs the ``postgres`` extra (asyncpg)."""
    from bot.store.postgres_db import PostgresDb  # asyncpg is optional: imported when used

    db = await PostgresDb.open(url)
    try:
        await migrate(db, CORE)
    except BaseException:
        await db.close()
        raise
    return CoreStore(db)
