"""Re-sealing stored text in batches: plain text from before sealing, and values sealed with an
old key (``warmline keys rotate``), both brought to the current key while Warmline runs.

Why batches and a compare-and-set: each batch is one short transaction, so the running bot keeps
answering between batches (SQLite lets one writer in at a time), and each row is written only if
it still holds the value that was read (``WHERE column = old``), so a note a member changes
during the rotation is never overwritten with an older one. A feature names its sealed columns
(:attr:`bot.feature.Feature.sealed`); nothing here knows which feature they belong to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.sealing import PREFIX, CannotOpen, Keyring
from bot.store.db import Db

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class SealedColumn:
    """One column of member-written text kept sealed: ``table.column``, sealed for ``purpose``
    and bound to the member in ``member`` (the row's ``key`` column orders the batches)."""

    table: str
    column: str
    purpose: str
    key: str = "id"
    member: str = "member_id"

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(slots=True)
class ResealCount:
    sealed_plain: int = 0
    """Plain text from before sealing, now sealed."""
    resealed: int = 0
    """Values sealed with an old key, now sealed with the current one."""
    unreadable: int = 0
    """Values no configured key opens (left as they are)."""

    def add(self, other: ResealCount) -> None:
        self.sealed_plain += other.sealed_plain
        self.resealed += other.resealed
        self.unreadable += other.unreadable


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def count_plain(db: Db, column: SealedColumn) -> int:
    """How many values of ``column`` are plain text (never sealed)."""
    row = await db.fetchone(
        f"SELECT COUNT(*) FROM {_q(column.table)} WHERE {_q(column.column)} IS NOT NULL "
        f"AND substr({_q(column.column)}, 1, ?) <> ?", (len(PREFIX), PREFIX))
    return 0 if row is None else int(row[0])


async def count_not_current(db: Db, column: SealedColumn, keyring: Keyring) -> int:
    """How many values of ``column`` are not sealed with the current key (plain or old)."""
    current = f"{PREFIX}{keyring.current_id}:"
    row = await db.fetchone(
        f"SELECT COUNT(*) FROM {_q(column.table)} WHERE {_q(column.column)} IS NOT NULL "
        f"AND substr({_q(column.column)}, 1, ?) <> ?", (len(current), current))
    return 0 if row is None else int(row[0])


async def reseal(db: Db, column: SealedColumn, keyring: Keyring, *,
                 batch: int = DEFAULT_BATCH, plain_only: bool = False) -> ResealCount:
    """Seal with the current key every value of ``column`` that is not (plain text included;
    with ``plain_only``, plain text only), ``batch`` rows per transaction. Values no key opens
    are counted and left alone."""
    if not keyring.can_seal:
        raise ValueError("re-sealing needs a current data key")
    current = PREFIX if plain_only else f"{PREFIX}{keyring.current_id}:"
    table, col, key, member = (_q(column.table), _q(column.column), _q(column.key),
                               _q(column.member))
    total = ResealCount()
    after: object = None
    while True:
        rows = await db.fetchall(
            f"SELECT {key} AS k, {member} AS m, {col} AS v FROM {table} "
            f"WHERE {col} IS NOT NULL AND substr({col}, 1, ?) <> ?"
            + ("" if after is None else f" AND {key} > ?")
            + f" ORDER BY {key} LIMIT ?",
            (len(current), current, *(() if after is None else (after,)), batch))
        if not rows:
            return total
        after = rows[-1]["k"]
        updates: list[tuple[str, object, str]] = []
        for row in rows:
            value = str(row["v"])
            try:
                if value.startswith(PREFIX):
                    new = keyring.reseal(value, member_id=int(row["m"]), purpose=column.purpose)
                    total.resealed += new is not None
                else:
                    new = keyring.seal(value, purpose=column.purpose, member_id=int(row["m"]))
                    total.sealed_plain += 1
            except CannotOpen:
                total.unreadable += 1
                continue
            if new is not None:
                updates.append((new, row["k"], value))
        if updates:
            async with db.transaction() as tx:
                await tx.executemany(
                    f"UPDATE {table} SET {col} = ? WHERE {key} = ? AND {col} = ?", updates)
        if len(rows) < batch:
            return total
