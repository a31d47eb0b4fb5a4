"""The SQLite connection pair every SQLite repository shares.

SQLite allows one writer at a time, so the store keeps exactly one *writer* connection behind an
``asyncio.Lock`` and runs every write in an explicit ``BEGIN IMMEDIATE`` transaction (taking the
write lock up front, so a transaction never fails half-way on a lock upgrade). Reads go to a
separate *reader* connection: in WAL mode it sees the last committed state and never waits for
the writer. Feature repositories (``sqlite_checkins.py`` and so on) use :meth:`SqliteDb.write`,
:meth:`SqliteDb.fetchall` and :meth:`SqliteDb.fetchone`, and :func:`to_db` / :func:`from_db` for
instants.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import ensure_utc

BUSY_TIMEOUT_MS = 10_000

Params = Iterable[Any]


def to_db(when: datetime) -> str:
    """UTC ISO text of fixed width (``2026-01-05T08:00:00.000000+00:00``): text order is time
    order, so indexes and ``<=`` comparisons on instants work."""
    return ensure_utc(when).isoformat(timespec="microseconds")


def from_db(text: str) -> datetime:
    return ensure_utc(datetime.fromisoformat(text))


def maybe_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


async def _connect(path: Path, *, reader: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if not reader:
            async with conn.execute("PRAGMA journal_mode = WAL") as cur:
                row = await cur.fetchone()
            if row is None or str(row[0]).lower() != "wal":
                raise RuntimeError(f"could not switch {path.name} to WAL journal mode")
        await conn.execute("PRAGMA synchronous = NORMAL")
        if reader:
            await conn.execute("PRAGMA query_only = ON")
    except BaseException:
        await conn.close()
        raise
    return conn


class SqliteDb:
    """One writer (locked, explicit transactions) and one reader connection to one file."""

    def __init__(self, path: Path, writer: aiosqlite.Connection,
                 reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteDb:
        writer = await _connect(path, reader=False)
        try:
            reader = await _connect(path, reader=True)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    @property
    def writer(self) -> aiosqlite.Connection:
        """The raw writer connection, for migrations and bulk setup (hold :meth:`write`)."""
        return self._writer

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error)."""
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            try:
                await self._writer.execute("COMMIT")
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise

    async def write_count(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction; return the rows it changed."""
        async with self.write() as conn, conn.execute(sql, tuple(params)) as cur:
            return int(cur.rowcount)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection with no transaction opened, e.g. for ``migrate``."""
        async with self._lock:
            yield self._writer

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._reader.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._reader.execute(sql, tuple(params)) as cur:
            row: sqlite3.Row | None = await cur.fetchone()
            return row

    async def close(self) -> None:
        try:
            await self._reader.close()
        finally:
            await self._writer.close()


async def fetchall_in(conn: aiosqlite.Connection, sql: str,
                      params: Params = ()) -> list[sqlite3.Row]:
    """A query on a connection inside a transaction (sees that transaction's own writes)."""
    async with conn.execute(sql, tuple(params)) as cur:
        return list(await cur.fetchall())


async def fetchone_in(conn: aiosqlite.Connection, sql: str,
                      params: Params = ()) -> sqlite3.Row | None:
    async with conn.execute(sql, tuple(params)) as cur:
        row: sqlite3.Row | None = await cur.fetchone()
        return row
