"""The default store: one SQLite file (WAL), opened with :func:`open_sqlite`.

Feature data lives in tables that later migrations add. The privacy promise ("everything about a
member is exported and deleted") holds for those tables with no change here, by one convention:
*a table with rows about a member has a ``member_id`` column referencing ``members(id) ON DELETE
CASCADE``*. :meth:`SqliteStore.export_member` discovers such tables from the schema (plus tables
whose foreign key points into them, such as a job's deliveries), and
:meth:`SqliteStore.delete_member` deletes the member row and lets the cascade do the rest.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite

from bot.features.checkins.repo import CheckinRepo
from bot.features.checkins.store import SqliteCheckinRepo
from bot.store import migrations
from bot.store.base import AuditRepo, ChannelRepo, CommunityRepo, JobRepo, MemberRepo, SeenEventRepo
from bot.store.sqlite_db import SqliteDb, fetchall_in, fetchone_in
from bot.store.sqlite_jobs import SqliteJobs
from bot.store.sqlite_repos import (
    SqliteAudit,
    SqliteChannels,
    SqliteCommunities,
    SqliteMembers,
    SqliteSeenEvents,
)

__all__ = ["SqliteStore", "open_sqlite"]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _plain(row: sqlite3.Row) -> dict[str, Any]:
    return {key: (row[key].hex() if isinstance(row[key], bytes) else row[key])
            for key in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a mapping


class SqliteStore:
    """:class:`bot.store.base.Store` on SQLite. Build it with :func:`open_sqlite`."""

    def __init__(self, db: SqliteDb) -> None:
        self.db = db
        """Shared connections for feature repositories (``bot/store/sqlite_<feature>.py``)."""
        self.communities: CommunityRepo = SqliteCommunities(db)
        self.members: MemberRepo = SqliteMembers(db)
        self.channels: ChannelRepo = SqliteChannels(db)
        self.jobs: JobRepo = SqliteJobs(db)
        self.seen: SeenEventRepo = SqliteSeenEvents(db)
        self.audit: AuditRepo = SqliteAudit(db)
        self.checkins: CheckinRepo = SqliteCheckinRepo(db)

    @property
    def path(self) -> Path:
        return self.db.path

    async def schema_version(self) -> int:
        row = await self.db.fetchone("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return 0 if row is None else int(row[0])

    async def export_member(self, member_id: int) -> dict[str, Any]:
        """``{"schema_version", "member", "tables": {table: [rows]}}``, read in one transaction
        so the parts agree. JSON columns are returned as their stored text."""
        async with self.db.write() as conn:
            member = await fetchone_in(conn, "SELECT * FROM members WHERE id = ?", (member_id,))
            if member is None:
                raise LookupError(f"no member with id {member_id}")
            owned, dependent = await _member_tables(conn)
            tables: dict[str, list[dict[str, Any]]] = {}
            for table in owned:
                rows = await fetchall_in(
                    conn, f"SELECT * FROM {_quote(table)} WHERE member_id = ?", (member_id,)
                )
                tables[table] = [_plain(r) for r in rows]
            for table, column, parent, parent_column in dependent:
                rows = await fetchall_in(
                    conn,
                    f"SELECT * FROM {_quote(table)} WHERE {_quote(column)} IN "
                    f"(SELECT {_quote(parent_column)} FROM {_quote(parent)} WHERE member_id = ?)",
                    (member_id,),
                )
                tables.setdefault(table, []).extend(_plain(r) for r in rows)
            version = await fetchone_in(conn, "SELECT MAX(version) FROM schema_version")
        return {
            "schema_version": 0 if version is None else int(version[0]),
            "member": _plain(member),
            "tables": tables,
        }

    async def delete_member(self, member_id: int) -> None:
        """Delete the member row; ``ON DELETE CASCADE`` removes every ``member_id`` row and,
        through jobs, their deliveries."""
        await self.db.write_count("DELETE FROM members WHERE id = ?", (member_id,))

    async def close(self) -> None:
        await self.db.close()


async def _member_tables(
    conn: aiosqlite.Connection,
) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    """Tables with a ``member_id`` column, and (table, column, parent, parent column) for
    tables whose foreign key points at one of them."""
    names = [
        r["name"] for r in await fetchall_in(
            conn,
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    ]
    owned: list[str] = []
    for name in names:
        columns = await fetchall_in(conn, f"PRAGMA table_info({_quote(name)})")
        if name != "members" and any(c["name"] == "member_id" for c in columns):
            owned.append(name)
    dependent: list[tuple[str, str, str, str]] = []
    for name in names:
        if name in owned or name == "members":
            continue
        for fk in await fetchall_in(conn, f"PRAGMA foreign_key_list({_quote(name)})"):
            if fk["table"] in owned and fk["to"] is not None:
                dependent.append((name, fk["from"], fk["table"], fk["to"]))
    return owned, dependent


async def open_sqlite(path: str | Path) -> SqliteStore:
    """Open (creating if needed) the database file and bring its schema up to date."""
    path = Path(path)
    if str(path) == ":memory:":
        raise ValueError("the store needs a file: an in-memory database forgets on restart")
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await SqliteDb.open(path)
    try:
        async with db.locked() as conn:
            await migrations.migrate(conn)
    except BaseException:
        await db.close()
        raise
    return SqliteStore(db)
