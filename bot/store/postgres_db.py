"""PostgreSQL behind the :class:`bot.store.db.Db` seam (asyncpg, a connection pool).

Repositories do not change: every statement goes through :mod:`bot.store.postgres_sql` (``?`` →
``$n``; migrations: row ids → identities, ``WITHOUT ROWID`` dropped), instants stay the
fixed-width UTC text of :func:`bot.store.db.to_db`, JSON stays text.

Within one process, write transactions take turns (one ``asyncio.Lock``), as on SQLite: the
repositories were written for one writer per process, and that keeps their read-then-write
steps (``ensure``) correct. Between processes, PostgreSQL's row locks decide: the job claim
locks with ``FOR UPDATE SKIP LOCKED`` (:mod:`bot.store.jobs`), unique keys de-duplicate.

A dropped connection (the server restarted, an administrator terminated the backend) is
discarded by the pool. A single statement outside a transaction is retried once on a fresh
connection when it is a read; a transaction that fails on a dropped connection is rolled back
by the server, and the error reaches the caller as :class:`StoreUnavailable` (the scheduler
and the dispatcher back off and try again, so nothing claimed is lost: an unstarted claim is
still ``claimed`` in the database and runs on the next tick).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from bot.store import postgres_sql
from bot.store.db import PAGE_ROWS, ForeignKey, Params, Row, TableInfo, to_db

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "schema_migrations"
STATEMENT_TIMEOUT_MS = 30_000
"""A statement running longer than this is cancelled by the server (``statement_timeout``)."""
POOL_SIZE = 10
RANDOM_PAGE_COST = "1.1"
"""The planner's cost of a random page read for Warmline's connections (the server's default is
4.0, for spinning disks): the usual value for SSDs and cached data (docs/operations.md)."""
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MIGRATIONS_LOCK = 0x5761726D  # "Warm": the advisory lock migrations take turns on

_DISCONNECTS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,  # a connection the server dropped mid-protocol
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.PostgresConnectionError,
    ConnectionError,
    OSError,
)


class StoreUnavailable(ConnectionError):
    """The database connection dropped or could not be made; the work was rolled back and can
    be tried again."""


def is_disconnect(exc: BaseException) -> bool:
    return isinstance(exc, _DISCONNECTS)


@dataclass(frozen=True, slots=True)
class PostgresUrl:
    dsn: str
    """What asyncpg connects with (``schema`` and ``statement_timeout`` taken out)."""
    schema: str | None
    statement_timeout_ms: int
    pool_size: int


def parse_url(url: str) -> PostgresUrl:
    """``postgresql://user@host:port/db?schema=s&statement_timeout=ms&pool_size=n``."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"postgresql", "postgres"}:
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme!r}")
    params = dict(parse_qsl(parts.query))
    schema = params.pop("schema", None)
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise ValueError(f"schema {schema!r} is not a plain lower-case name")
    timeout = int(params.pop("statement_timeout", STATEMENT_TIMEOUT_MS))
    pool = int(params.pop("pool_size", POOL_SIZE))
    dsn = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(params), ""))
    return PostgresUrl(dsn, schema, timeout, pool)


def _rowcount(status: str) -> int:
    """``"UPDATE 3"`` / ``"INSERT 0 1"`` → 3 / 1."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _reraise(exc: BaseException) -> NoReturn:
    """Raise ``exc``, as :class:`StoreUnavailable` when it is a dropped connection."""
    if is_disconnect(exc) and not isinstance(exc, StoreUnavailable):
        raise StoreUnavailable(
            f"the PostgreSQL connection dropped ({type(exc).__name__})") from exc
    raise exc


class _PgTx:
    """:class:`bot.store.db.Tx` on one connection inside its open transaction."""

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        status = await self._conn.execute(postgres_sql.query(sql), *params)
        return _rowcount(status)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self._conn.executemany(postgres_sql.query(sql), batch)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._conn.fetchrow(postgres_sql.query(sql), *params)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.fetch(postgres_sql.query(sql), *params))


@dataclass(slots=True)
class _Unit:
    conn: asyncpg.Connection | None = None
    tx: Any = None


async def _init_connection(conn: asyncpg.Connection) -> None:
    # AVG and SUM of BIGINT are NUMERIC in PostgreSQL; the repositories expect plain numbers,
    # as SQLite gives them.
    await conn.set_type_codec("numeric", encoder=str, decoder=float, schema="pg_catalog",
                              format="text")


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """What a connection needs before the pool hands it out again. asyncpg's default reset is a
    round trip on every release (advisory unlocks, ``CLOSE ALL``, ``UNLISTEN``, ``RESET ALL``),
    one per transaction and per read; Warmline takes no session advisory locks, opens no
    cursors, listens to nothing and changes no setting after connecting, so only a transaction
    left open (an interrupted one) is ended."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class PostgresDb:
    """:class:`bot.store.db.Db` on a PostgreSQL database (or one schema of it)."""

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: PostgresUrl) -> None:
        self._pool = pool
        self.url = url
        self.schema = url.schema
        self._lock = asyncio.Lock()
        self._unit: ContextVar[_Unit | None] = ContextVar(f"pg-unit-{id(self)}", default=None)
        self.writes = 0

    @classmethod
    async def open(cls, url: str) -> PostgresDb:
        parsed = parse_url(url)
        settings = {"statement_timeout": str(parsed.statement_timeout_ms),
                    "application_name": "warmline", "TimeZone": "UTC",
                    # Warmline's working set is small and cached: with the default 4.0 the
                    # planner joined a batch of 100 keys to a table of 20,000 rows by reading
                    # the whole table (3-4 ms) instead of 100 index probes (0.2 ms).
                    "random_page_cost": RANDOM_PAGE_COST}
        if parsed.schema:
            settings["search_path"] = parsed.schema  # may name a schema made just below
        pool = await asyncpg.create_pool(parsed.dsn, min_size=1, max_size=parsed.pool_size,
                                         server_settings=settings, init=_init_connection,
                                         reset=_reset_connection)
        db = cls(pool, parsed)
        try:
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATIONS_LOCK)
                if parsed.schema:
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{parsed.schema}"')
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (component TEXT NOT NULL, "
                    "version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL, "
                    "PRIMARY KEY (component, version))")
        except BaseException:
            await pool.close()
            raise
        return db

    # -- transactions -----------------------------------------------------------------------

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[None]:
        if self._unit.get() is not None:
            yield
            return
        unit = _Unit()
        token = self._unit.set(unit)
        try:
            yield
        except BaseException:
            if unit.conn is not None:
                await self._end(unit, commit=False)
            raise
        else:
            if unit.conn is not None:
                await self._end(unit, commit=True)
        finally:
            self._unit.reset(token)

    async def _end(self, unit: _Unit, *, commit: bool) -> None:
        conn, unit.conn = unit.conn, None
        assert conn is not None
        try:
            if commit:
                await unit.tx.commit()
                self.writes += 1
            else:
                await unit.tx.rollback()
        except BaseException as exc:
            if commit:
                with contextlib.suppress(Exception):  # the connection may be gone
                    await unit.tx.rollback()
                _reraise(exc)
        finally:
            await self._release(conn)
            self._lock.release()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PgTx]:
        unit = self._unit.get()
        if unit is not None:
            if unit.conn is None:
                await self._lock.acquire()
                try:
                    unit.conn, unit.tx = await self._begin()
                except BaseException:
                    self._lock.release()
                    raise
            try:
                yield _PgTx(unit.conn)
            except BaseException as exc:
                _reraise(exc)
            return
        async with self._lock:
            conn, tx = await self._begin()
            try:
                try:
                    yield _PgTx(conn)
                except BaseException as exc:
                    with contextlib.suppress(Exception):
                        await tx.rollback()
                    _reraise(exc)
                try:
                    await tx.commit()
                except BaseException as exc:
                    _reraise(exc)
            finally:
                await self._release(conn)
            self.writes += 1

    async def _begin(self) -> tuple[asyncpg.Connection, Any]:
        """A pooled connection inside a new transaction. Nothing has run on it yet, so a
        connection the server dropped while it sat in the pool is replaced, not reported."""
        for attempt in (1, 2, 3):
            try:
                conn = await self._pool.acquire()
            except BaseException as exc:
                _reraise(exc)
            try:
                tx = conn.transaction()
                await tx.start()
            except BaseException as exc:
                await self._release(conn)
                if attempt < 3 and is_disconnect(exc):
                    log.warning("PostgreSQL connection dropped while idle; taking another")
                    continue
                _reraise(exc)
            return conn, tx
        raise AssertionError("unreachable")

    async def _release(self, conn: asyncpg.Connection) -> None:
        """Back to the pool (which closes a connection that cannot be reset)."""
        try:
            await self._pool.release(conn)
        except Exception:
            conn.terminate()

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def _read(self, method: str, sql: str, params: Params) -> Any:
        unit = self._unit.get()
        text = postgres_sql.query(sql)
        args = tuple(params)
        if unit is not None and unit.conn is not None:
            try:
                return await getattr(unit.conn, method)(text, *args)
            except BaseException as exc:
                _reraise(exc)
        for attempt in (1, 2):
            try:
                async with self._pool.acquire() as conn:
                    return await getattr(conn, method)(text, *args)
            except BaseException as exc:
                if attempt == 1 and is_disconnect(exc):
                    log.warning("PostgreSQL connection dropped during a read; trying again")
                    continue
                _reraise(exc)
        raise AssertionError("unreachable")

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._read("fetch", sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._read("fetchrow", sql, params)
        return row

    async def pages(self, sql: str, params: Params = (),
                    size: int = PAGE_ROWS) -> AsyncIterator[list[Row]]:
        # A server-side cursor (it lives in a transaction), on a connection of its own: one
        # page of rows in memory at a time, from one snapshot.
        try:
            async with self._pool.acquire() as conn, conn.transaction(readonly=True):
                cursor = await conn.cursor(postgres_sql.query(sql), *params)
                while rows := await cursor.fetch(size):
                    yield list(rows)
        except BaseException as exc:
            _reraise(exc)

    # -- schema -----------------------------------------------------------------------------

    async def tables(self) -> list[TableInfo]:
        columns = await self.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")
        keys = await self.fetchall(
            "SELECT cl.relname AS tbl, att.attname AS col, ref.relname AS ref_tbl, "
            "ratt.attname AS ref_col FROM pg_constraint c "
            "JOIN pg_class cl ON cl.oid = c.conrelid "
            "JOIN pg_namespace ns ON ns.oid = cl.relnamespace "
            "JOIN pg_class ref ON ref.oid = c.confrelid "
            "CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(attnum, ref_attnum) "
            "JOIN pg_attribute att ON att.attrelid = c.conrelid AND att.attnum = k.attnum "
            "JOIN pg_attribute ratt ON ratt.attrelid = c.confrelid AND ratt.attnum = k.ref_attnum "
            "WHERE c.contype = 'f' AND ns.nspname = current_schema() "
            "ORDER BY cl.relname, c.conname")
        cols: dict[str, list[str]] = {}
        for r in columns:
            cols.setdefault(r["table_name"], []).append(r["column_name"])
        fks: dict[str, list[ForeignKey]] = {}
        for r in keys:
            fks.setdefault(r["tbl"], []).append(ForeignKey(r["col"], r["ref_tbl"], r["ref_col"]))
        return [TableInfo(name, tuple(c), tuple(fks.get(name, ()))) for name, c in sorted(cols.items())]

    async def apply_migration(self, component: str, version: int, name: str, sql: str) -> bool:
        script = postgres_sql.schema(sql)
        async with self._lock:
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATIONS_LOCK)
                    inserted = await conn.execute(
                        f"INSERT INTO {MIGRATIONS_TABLE} (component, version, name, applied_at) "
                        "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        component, version, name, to_db(datetime.now(UTC)))
                    if _rowcount(inserted) == 0:
                        return False
                    await conn.execute(script)  # no arguments: the simple protocol, many statements
            except BaseException as exc:
                _reraise(exc)
        return True

    async def close(self) -> None:
        await self._pool.close()

    def terminate(self) -> None:
        """Close every connection at once (tests: a worker that dies)."""
        self._pool.terminate()
