"""SQLite behind the :class:`bot.store.db.Db` seam: one file, one writer, one reader.

SQLite allows one writer at a time, so there is exactly one *writer* connection behind an
``asyncio.Lock``, and every write runs in an explicit ``BEGIN IMMEDIATE`` transaction (taking the
write lock up front, so a transaction never fails half-way on a lock upgrade). Reads go to a
separate *reader* connection: in WAL mode it sees the last committed state and never waits for
the writer. Repositories never see these connections: they use :class:`Db` and :class:`Tx`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.db import ForeignKey, Params, Row, TableInfo

BUSY_TIMEOUT_MS = 10_000

MIGRATIONS_TABLE = "schema_migrations"
"""``(component, version)``: one row per applied migration of each stream."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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


class _SqliteTx:
    """:class:`bot.store.db.Tx` on the writer connection, inside its open transaction."""

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, tuple(params)) as cur:
            return int(cur.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, tuple(params)) as cur:
            row: sqlite3.Row | None = await cur.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())


@dataclass(slots=True)
class _Unit:
    """A unit of work in progress: its transaction starts at the first write."""

    began: bool = False


class SqliteDb:
    """:class:`bot.store.db.Db` on one SQLite file: one locked writer, one reader (WAL)."""

    dialect = "sqlite"

    def __init__(self, path: Path, writer: aiosqlite.Connection,
                 reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self._unit: ContextVar[_Unit | None] = ContextVar(f"unit-{id(self)}", default=None)
        self.writes = 0

    @classmethod
    async def open(cls, path: Path) -> SqliteDb:
        writer = await _connect(path, reader=False)
        try:
            reader = await _connect(path, reader=True)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[None]:
        if self._unit.get() is not None:
            yield  # already inside one: its writes commit with the outer unit
            return
        unit = _Unit()
        token = self._unit.set(unit)
        try:
            yield
        except BaseException:
            if unit.began:
                try:
                    await self._rollback()
                finally:
                    self._lock.release()
            raise
        else:
            if unit.began:
                try:
                    await self._writer.execute("COMMIT")
                    self.writes += 1
                except BaseException:
                    await self._rollback()
                    raise
                finally:
                    self._lock.release()
        finally:
            self._unit.reset(token)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_SqliteTx]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error), or a part of the current
        unit of work."""
        unit = self._unit.get()
        if unit is not None:
            if not unit.began:
                await self._lock.acquire()
                try:
                    await self._writer.execute("BEGIN IMMEDIATE")
                except BaseException:
                    self._lock.release()
                    raise
                unit.began = True
            yield _SqliteTx(self._writer)
            return
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            try:
                await self._writer.execute("COMMIT")
                self.writes += 1
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    def _reading(self) -> aiosqlite.Connection:
        """The reader, or the writer once the current unit of work has written (so it reads
        its own writes)."""
        unit = self._unit.get()
        return self._writer if unit is not None and unit.began else self._reader

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._reading().execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._reading().execute(sql, tuple(params)) as cur:
            row: sqlite3.Row | None = await cur.fetchone()
            return row

    async def tables(self) -> list[TableInfo]:
        names = [r["name"] for r in await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )]
        found: list[TableInfo] = []
        for name in names:
            columns = await self.fetchall(f"PRAGMA table_info({_quote(name)})")
            keys = await self.fetchall(f"PRAGMA foreign_key_list({_quote(name)})")
            found.append(TableInfo(
                name=name, columns=tuple(c["name"] for c in columns),
                foreign_keys=tuple(ForeignKey(k["from"], k["table"], k["to"])
                                   for k in keys if k["to"] is not None),
            ))
        return found

    async def apply_migration(self, component: str, version: int, name: str, sql: str) -> bool:
        # executescript() commits anything pending first, so the transaction lives in the
        # script. The version row goes in FIRST: if two processes migrate the same file at
        # once, the second one's insert hits the primary key and its whole transaction (DDL
        # included) rolls back, so no migration ever runs twice.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"INSERT INTO {MIGRATIONS_TABLE} (component, version, name, applied_at) VALUES "
            f"('{_literal(component)}', {int(version)}, '{_literal(name)}', "
            "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));\n"
            f"{sql}\n;\nCOMMIT;"
        )
        async with self._lock:
            try:
                await self._writer.executescript(script)
            except sqlite3.IntegrityError:
                await self._rollback()
                row = await self.fetchone(
                    f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE component = ? AND version = ?",
                    (component, version),
                )
                if row is None:
                    raise
                return False
            except BaseException:
                await self._rollback()
                raise
        return True

    async def checkpoint(self) -> None:
        """Move the WAL into the main file (benchmarks start from a steady state with it)."""
        async with self._lock:
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def _rollback(self) -> None:
        if self._writer.in_transaction:
            await self._writer.execute("ROLLBACK")

    async def close(self) -> None:
        try:
            await self._reader.close()
        finally:
            await self._writer.close()


def _literal(text: str) -> str:
    return text.replace("'", "''")
