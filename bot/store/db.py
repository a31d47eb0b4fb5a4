"""The one seam between repositories and a database engine.

Why a seam this small: every repository (the core's and each feature's) is written once, in the
SQL that SQLite and PostgreSQL share (``INSERT … ON CONFLICT``, ``RETURNING``, ``?`` placeholders),
against :class:`Db`. What differs between engines stays behind it, in one place per engine:
placeholder style, how a transaction starts, how a multi-statement migration runs, and how the
schema is inspected. Instants cross the seam through one codec (:func:`to_db` / :func:`from_db`):
fixed-width UTC ISO text, so text order is time order on every engine.

Rules for repositories:
- a write that must be atomic happens inside one :meth:`Db.transaction`;
- ids a feature shows the outside world (thread refs, say) are made in Python, not in SQL;
- a table with rows about a member has a ``member_id`` column referencing ``members(id) ON DELETE
  CASCADE``, so export and delete find it with no code of their own.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from bot.clock import ensure_utc

Params = Iterable[Any]
T = TypeVar("T")
PAGE_ROWS = 5_000
"""Rows per page of :meth:`Db.pages`."""


class Row(Protocol):
    """A result row: by column name or position."""

    def __getitem__(self, key: str | int, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Tx(Protocol):
    """Statements inside one transaction; each sees the transaction's own earlier writes."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


@dataclass(frozen=True, slots=True)
class ForeignKey:
    column: str
    table: str
    to: str


@dataclass(frozen=True, slots=True)
class TableInfo:
    """What export and delete need to know about a table, whatever the engine."""

    name: str
    columns: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]


class Db(Protocol):
    dialect: str
    """``"sqlite"`` or ``"postgresql"``: for the rare statement that must differ."""
    writes: int
    """Write transactions committed so far: what a hot path costs is counted, not guessed."""

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction: committed on leaving, rolled back on an error. Inside a
        :meth:`unit_of_work` it joins the unit's transaction instead (committed with it)."""
        ...

    def unit_of_work(self) -> AbstractAsyncContextManager[None]:
        """Everything written inside commits together, or not at all.

        Why: one event (a member joining) writes several rows (the enrolment, its jobs, the
        event's own "seen" mark); a crash between them must not leave half of it. The unit's
        transaction starts at its first write (a read-only event never takes the write lock),
        later reads see its writes, and it commits when the unit ends without an error. Keep
        network calls out of a unit: it holds the write lock until it ends."""
        ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own transaction; returns the rows it changed."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """A read of the last committed state."""
        ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    def pages(self, sql: str, params: Params = (),
              size: int = PAGE_ROWS) -> AsyncIterator[list[Row]]:
        """The rows of one read, ``size`` at a time, from one snapshot: for reading a whole
        table (a copy) without holding all of it in memory."""
        ...

    async def tables(self) -> list[TableInfo]:
        """Every table of the application (not the engine's own), by name."""
        ...

    async def apply_migration(self, component: str, version: int, name: str, sql: str) -> bool:
        """Run one migration script and record ``(component, version)`` in ONE transaction.
        Returns False when another process recorded it first (nothing ran twice)."""
        ...

    async def close(self) -> None: ...


ROWS_PER_STATEMENT = 1_000
"""The most rows one :func:`rows_table` statement carries (SQLite: at most 32 parameters a
row, under its 32,766 per statement)."""


def in_batches(rows: Sequence[T], size: int = ROWS_PER_STATEMENT) -> list[Sequence[T]]:
    """``rows`` in slices of at most ``size``, for one :func:`rows_table` statement each."""
    return [rows[start:start + size] for start in range(0, len(rows), size)]


def rows_table(dialect: str, name: str, columns: Sequence[tuple[str, str]],
               rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """``name (c1, c2, …) AS (…)`` for a ``WITH`` clause, and its parameters: ``rows`` as a
    table one statement can join, so a batch is one statement instead of one per row.

    Why it differs by engine (and only here): SQLite takes a ``VALUES`` list (one placeholder
    per cell; callers keep a batch under its 32,766 parameters); PostgreSQL takes one typed
    array per column through ``unnest`` (one prepared statement whatever the batch size).
    ``columns`` are (name, PostgreSQL type) pairs: ``bigint``, ``text``."""
    if not rows:
        raise ValueError("rows_table needs at least one row")
    names = ", ".join(column for column, _ in columns)
    if dialect == "postgresql":
        arrays = ", ".join(f"?::{kind}[]" for _, kind in columns)
        return (f"{name} ({names}) AS (SELECT * FROM unnest({arrays}))",
                [list(values) for values in zip(*rows, strict=True)])
    row = "(" + ", ".join("?" * len(columns)) + ")"
    return (f"{name} ({names}) AS (VALUES {', '.join([row] * len(rows))})",
            [value for values in rows for value in values])


# -- the time codec ---------------------------------------------------------------------------


def to_db(when: datetime) -> str:
    """UTC ISO text of fixed width (``2026-01-05T08:00:00.000000+00:00``): text order is time
    order, so indexes and ``<=`` comparisons on instants work. An instant already in UTC (the
    clock's, nearly every one) skips the conversion: it ran for each post a batch writes."""
    return _utc_text(when if when.tzinfo is UTC else ensure_utc(when))


@functools.lru_cache(maxsize=4096)
def _utc_text(when: datetime) -> str:
    """Kept: formatting costs microseconds and a fan-out writes the same few instants (the
    occurrence, its expiry, the next run) thousands of times. Only UTC instants get here, so
    equal keys are equal instants (a local time's fold cannot alias two of them)."""
    return when.isoformat(timespec="microseconds")


def maybe_to_db(when: datetime | None) -> str | None:
    return None if when is None else to_db(when)


def from_db(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo is UTC else ensure_utc(when)


def maybe_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def to_json(value: Any) -> str:
    """JSON columns hold compact, key-sorted text (the same value is always the same text)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
