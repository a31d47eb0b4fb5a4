"""SQLite behind the :class:`bot.store.db.Db` seam: one file, one writer, one reader.

SQLite allows one writer at a time, so there is exactly one *writer* connection behind an
``asyncio.Lock``, and every write runs in an explicit ``BEGIN IMMEDIATE`` transaction (taking the
write lock up front, so a transaction never fails half-way on a lock upgrade). Reads go to a
separate *reader* connection: in WAL mode it sees the last committed state and never waits for
the writer. Repositories never see these connections: they use :class:`Db` and :class:`Tx`.

The file holds health data, so it is treated as such: a new database (and its ``-wal`` and
``-shm``, which SQLite creates with the database's mode) is created 0600, wider existing files
are tightened to 0600, and ``secure_delete`` overwrites deleted rows so a deleted note does not
linger in free pages. A file is only ever *created* when none exists: an empty (0-byte) or
non-SQLite file is refused, never silently turned into a new empty database, and
``PRAGMA quick_check`` refuses a damaged one before anything writes to it
(:class:`StoreRefused` names the file and what to do).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import aiosqlite

from bot.store.db import PAGE_ROWS, ForeignKey, Params, Row, TableInfo

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
FILE_MODE = 0o600
"""Owner read/write only: the database holds health data."""
SQLITE_HEADER = b"SQLite format 3\x00"
_CORRUPT, _NOTADB, _CANTOPEN, _READONLY, _PERM = 11, 26, 14, 8, 3

MIGRATIONS_TABLE = "schema_migrations"
"""``(component, version)``: one row per applied migration of each stream."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class StoreRefused(Exception):
    """The database file cannot be used as it is. The message is one line for the person running
    Warmline: it names the file and what to do (nothing is changed in the file)."""


_RESTORE = ("restore it from a backup (docs/operations.md), or salvage what is readable with: "
            "sqlite3 {path} \".recover\" | sqlite3 salvaged.db")


def _damaged(path: Path, why: str) -> StoreRefused:
    return StoreRefused(f"the database {path} is damaged ({why}); Warmline will not write to it. "
                        + _RESTORE.format(path=path))


def prepare_file(path: Path) -> bool:
    """Check the database file before SQLite opens it; create it (0600) only if it does not
    exist. True when it was created. Raises :class:`StoreRefused` for an empty or non-SQLite
    file, a directory, or a place Warmline cannot write (SQLite also writes ``-wal``/``-shm``
    next to the file, so the directory must be writable too)."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreRefused(f"cannot create the folder {folder} for the database "
                           f"({exc.strerror or type(exc).__name__}); create it, or point "
                           "store.url at a writable place") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreRefused(f"the folder {folder} is not writable, and the database {path.name} "
                           "needs it (SQLite writes its -wal and -shm files next to it); make it "
                           "writable for this user, or point store.url at a writable place")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreRefused(f"cannot create the database {path} "
                           f"({exc.strerror or type(exc).__name__})") from None
    else:
        os.close(fd)
        return True
    try:
        info = path.stat()
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except IsADirectoryError:
        raise StoreRefused(f"the database {path} is a folder, not a file; point store.url at "
                           "a file") from None
    except OSError as exc:
        raise StoreRefused(f"cannot read the database {path} "
                           f"({exc.strerror or type(exc).__name__}); check its owner and mode "
                           "(it should be 0600, owned by the user running Warmline)") from None
    if not stat.S_ISREG(info.st_mode):
        raise StoreRefused(f"the database {path} is not a regular file; point store.url at one")
    if info.st_size == 0:
        raise StoreRefused(
            f"the database {path} is empty (0 bytes): Warmline creates a database only where no "
            "file exists, so that a lost or truncated database never silently becomes a new "
            "empty one. Restore it from a backup; or, if this is really a first start, delete the "
            "empty file and start again")
    if header != SQLITE_HEADER:
        raise StoreRefused(f"{path} is not a SQLite database (its first bytes are not a SQLite "
                           "header); check store.url, or restore the database from a backup")
    if not os.access(path, os.R_OK | os.W_OK):
        raise StoreRefused(f"the database {path} is not writable for this user; give it to the "
                           "user running Warmline (chown) with mode 0600")
    return False


def tighten_modes(path: Path) -> None:
    """Make the database, ``-wal`` and ``-shm`` owner-only (0600) if they are wider (a file made
    by an older Warmline under umask 022 was 0644: world-readable health data)."""
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = stat.S_IMODE(name.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & ~FILE_MODE:
            try:
                os.chmod(name, FILE_MODE)
            except OSError as exc:
                log.warning("could not make %s owner-only (mode %o): %s", name.name, mode,
                            type(exc).__name__)
            else:
                log.info("made %s owner-only (mode %o → 600)", name.name, mode)


def refusal(path: Path, exc: sqlite3.DatabaseError) -> StoreRefused | None:
    """The clear refusal for what SQLite says about the file itself (damaged, not a database,
    cannot open, read-only); None for anything else (a bug, to be raised as it is)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == _CORRUPT:
        return _damaged(path, "SQLite reports: database disk image is malformed")
    if code == _NOTADB:
        return StoreRefused(f"{path} is not a SQLite database, or it is encrypted or damaged; "
                            "check store.url, or " + _RESTORE.format(path=path))
    if code in (_CANTOPEN, _READONLY, _PERM):
        return StoreRefused(f"cannot open the database {path} for writing ({exc}); check that "
                            "the file and its folder are writable for this user")
    return None


async def _connect(path: Path, *, reader: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Deleted rows (a member's notes after "delete my data") are overwritten with zeros
        # instead of lingering in free pages of the file.
        await conn.execute("PRAGMA secure_delete = ON")
        if not reader:
            await _quick_check(path, conn)  # before WAL mode writes to the file's header
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
        return await _in_thread(self._conn, _rowcount, sql, tuple(params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await _in_thread(self._conn, _fetchone, sql, tuple(params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await _in_thread(self._conn, _fetchall, sql, tuple(params))


_T = TypeVar("_T")


async def _in_thread(conn: aiosqlite.Connection, fn: Callable[..., _T], sql: str,
                     params: tuple[Any, ...]) -> _T:
    """Run ``fn(sqlite3 connection, sql, params)`` on the connection's thread: ONE hop.

    Why: ``async with conn.execute(...) as cur`` costs a hop to execute, one to fetch and one
    to close the cursor; a check-in fan-out waited on those hops more than on SQLite itself."""
    result: _T = await conn._execute(fn, conn._conn, sql, params)  # type: ignore[no-untyped-call]
    return result


def _rowcount(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> int:
    cur = conn.execute(sql, params)
    try:
        return int(cur.rowcount)
    finally:
        cur.close()


def _fetchone(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Row | None:
    cur = conn.execute(sql, params)
    try:
        row: sqlite3.Row | None = cur.fetchone()
        return row
    finally:
        cur.close()


def _fetchall(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Row]:
    cur = conn.execute(sql, params)
    try:
        return list(cur.fetchall())
    finally:
        cur.close()


@dataclass(slots=True)
class _Unit:
    """A unit of work in progress: its transaction starts at the first write."""

    began: bool = False


class _UnitOfWork:
    """:meth:`SqliteDb.unit_of_work`: a plain class rather than an ``@asynccontextmanager``.

    Why: every inbound event enters one, and the generator-based form (an async generator, its
    finaliser hooks and a wrapper per use) was a measurable part of a message's way through the
    core. The behaviour is the same: a nested unit joins the outer one; the transaction begins
    at the first write (:meth:`SqliteDb.transaction`); it commits when the unit ends cleanly and
    rolls back on an error; a unit that wrote nothing ends without touching the database."""

    __slots__ = ("_db", "_token", "_unit")

    def __init__(self, db: SqliteDb) -> None:
        self._db = db
        self._unit: _Unit | None = None
        self._token: Token[_Unit | None] | None = None

    async def __aenter__(self) -> None:
        if self._db._unit.get() is not None:
            return  # already inside one: its writes commit with the outer unit
        self._unit = _Unit()
        self._token = self._db._unit.set(self._unit)

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        unit, db = self._unit, self._db
        if unit is None:
            return
        try:
            if unit.began:
                await db._end(commit=exc_type is None)
        finally:
            assert self._token is not None
            db._unit.reset(self._token)


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
        """Open ``path`` (see :func:`prepare_file`), check it with ``quick_check`` and make its
        files owner-only. Raises :class:`StoreRefused` for a file that cannot be used."""
        created = prepare_file(path)
        try:
            writer = await _connect(path, reader=False)
        except BaseException as exc:
            if created:  # do not leave an empty file behind: the next start would refuse it
                _remove_new(path)
            if isinstance(exc, sqlite3.DatabaseError) and (refused := refusal(path, exc)):
                raise refused from None
            raise
        try:
            tighten_modes(path)  # the writer made -wal and -shm (with the database's mode)
            reader = await _connect(path, reader=True)
        except BaseException as exc:
            await writer.close()
            if isinstance(exc, sqlite3.DatabaseError) and (refused := refusal(path, exc)):
                raise refused from None
            raise
        return cls(path, writer, reader)

    def unit_of_work(self) -> _UnitOfWork:
        return _UnitOfWork(self)

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

    async def _end(self, *, commit: bool) -> None:
        """End a unit of work's transaction (it holds the lock): commit, or roll back; a failed
        commit rolls back and raises."""
        try:
            if not commit:
                await self._rollback()
                return
            try:
                await self._writer.execute("COMMIT")
                self.writes += 1
            except BaseException:
                await self._rollback()
                raise
        finally:
            self._lock.release()

    def _reading(self) -> aiosqlite.Connection:
        """The reader, or the writer once the current unit of work has written (so it reads
        its own writes)."""
        unit = self._unit.get()
        return self._writer if unit is not None and unit.began else self._reader

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await _in_thread(self._reading(), _fetchall, sql, tuple(params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await _in_thread(self._reading(), _fetchone, sql, tuple(params))

    async def pages(self, sql: str, params: Params = (),
                    size: int = PAGE_ROWS) -> AsyncIterator[list[Row]]:
        async with self._reading().execute(sql, tuple(params)) as cursor:
            while rows := await cursor.fetchmany(size):
                yield list(rows)

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


def _remove_new(path: Path) -> None:
    """Remove a database this open created, if nothing was written to it yet."""
    try:
        if path.stat().st_size != 0:
            return
        for name in (Path(f"{path}-wal"), Path(f"{path}-shm"), path):
            name.unlink(missing_ok=True)
    except OSError:
        return


async def _quick_check(path: Path, conn: aiosqlite.Connection) -> None:
    """Refuse a damaged file before anything writes to it (``quick_check`` reads every page but
    skips the index cross-checks of ``integrity_check``: seconds even for a large file)."""
    async with conn.execute("PRAGMA quick_check") as cur:
        rows = [str(r[0]) for r in await cur.fetchall()]
    if rows != ["ok"]:
        raise _damaged(path, f"quick_check found {len(rows)} problem(s), e.g. {rows[0][:120]!r}")


def _literal(text: str) -> str:
    return text.replace("'", "''")
