"""Deferred actions: what the quiet-hours gate held back, kept durably until it may go out.

Why rows and not jobs: 100,000 members whose quiet hours end at 08:00 are released as pages of
members (:meth:`DeferredRepository.due_members`), each page read, merged and handed on before
the next is read, so memory stays flat however many are waiting.

States: ``waiting`` → ``sending`` (handed on, with a lease; a crash leaves it, and recovery drops
it with the reason ``unknown``: never resent; on PostgreSQL only once its lease ran out, so a live
worker's send is not taken for a dead one's) → deleted once sent; or ``dropped`` with a reason
(expired).
Dropped rows are pruned after :data:`DROPPED_KEPT`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.store.db import Db, from_db, maybe_from_db, to_db, to_json
from bot.store.jobs import LEASE_CHECK, SENDING_LEASE

DROPPED_KEPT = timedelta(days=30)


@dataclass(frozen=True, slots=True, kw_only=True)
class Deferred:
    id: int
    member_id: int
    release_at: datetime
    expires_at: datetime | None
    action: dict[str, Any]
    created_at: datetime


class DeferredRepository:
    def __init__(self, db: Db) -> None:
        self._db = db
        self.on_change: Callable[[], None] | None = None
        """Called when a release time may have come closer (the runtime's loop wakes)."""
        self._leases_checked: datetime | None = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    async def add(self, member_id: int, release_at: datetime, expires_at: datetime | None,
                  action: dict[str, Any], now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO deferred (member_id, release_at, expires_at, action, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (member_id, to_db(release_at), None if expires_at is None else to_db(expires_at),
             to_json(action), to_db(now)))
        self._changed()

    async def next_release(self) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT MIN(release_at) AS at FROM deferred WHERE status = 'waiting'")
        return None if row is None else maybe_from_db(row["at"])

    async def due_members(self, now: datetime, limit: int) -> list[int]:
        """Up to ``limit`` members with something due, lowest id first. Handled rows leave the
        ``waiting`` state, so calling again gives the next page."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT member_id FROM deferred WHERE status = 'waiting' AND release_at <= ? "
            "ORDER BY member_id LIMIT ?", (to_db(now), limit))
        return [int(r["member_id"]) for r in rows]

    async def due_for(self, member_ids: Sequence[int], now: datetime) -> list[Deferred]:
        """The due rows of these members, in the order they were held back."""
        if not member_ids:
            return []
        marks = ",".join("?" * len(member_ids))
        rows = await self._db.fetchall(
            f"SELECT * FROM deferred WHERE status = 'waiting' AND release_at <= ? "
            f"AND member_id IN ({marks}) ORDER BY member_id, id", (to_db(now), *member_ids))
        return [Deferred(id=r["id"], member_id=r["member_id"], release_at=from_db(r["release_at"]),
                         expires_at=maybe_from_db(r["expires_at"]),
                         action=_json(r["action"]), created_at=from_db(r["created_at"]))
                for r in rows]

    async def sending(self, ids: Sequence[int], now: datetime) -> set[int]:
        """Move these rows from ``waiting`` to ``sending``, leased for :data:`SENDING_LEASE`
        from ``now``; returns the ids this call moved. A compare-and-set: of two workers
        releasing the same rows (PostgreSQL, several processes), each row goes to exactly one
        of them."""
        taken: set[int] = set()
        lease = to_db(now + SENDING_LEASE)
        for chunk in _chunks(ids):
            async with self._db.transaction() as tx:
                rows = await tx.fetchall(
                    f"UPDATE deferred SET status = 'sending', lease_until = ? WHERE id IN "
                    f"({','.join('?' * len(chunk))}) AND status = 'waiting' RETURNING id",
                    (lease, *chunk))
            taken.update(int(r["id"]) for r in rows)
        return taken

    async def unsend(self, ids: Sequence[int]) -> None:
        """Back to ``waiting`` (rows taken for a member whose other rows another worker took)."""
        await self._set(ids, "status = 'waiting'")

    async def sent(self, ids: Sequence[int]) -> None:
        for chunk in _chunks(ids):
            await self._db.execute(
                f"DELETE FROM deferred WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    async def drop(self, ids: Sequence[int], reason: str) -> None:
        await self._set(ids, "status = 'dropped', reason = ?", reason)

    async def hold(self, ids: Sequence[int], release_at: datetime) -> None:
        await self._set(ids, "release_at = ?", to_db(release_at))

    async def release_now(self, member_id: int, now: datetime) -> int:
        """A hold ended early (``quiet off``, ``snooze off``, do-not-disturb off): what waits for
        this member is due now."""
        changed = await self._db.execute(
            "UPDATE deferred SET release_at = ? WHERE member_id = ? AND status = 'waiting' "
            "AND release_at > ?", (to_db(now), member_id, to_db(now)))
        if changed:
            self._changed()
        return changed

    async def waiting(self, member_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM deferred WHERE member_id = ? AND status = 'waiting'",
            (member_id,))
        return 0 if row is None else int(row["n"])

    async def recover(self, now: datetime) -> int:
        """Rows a crash left ``sending`` may have gone out: never resent. SQLite: one process
        owns the file, so at its start every ``sending`` row is a crash's. PostgreSQL: other
        workers may be alive, so only rows whose lease ran out (a dead worker's)."""
        if self._db.dialect == "postgresql":
            return await self.expire_leases(now)
        return await self._db.execute(
            "UPDATE deferred SET status = 'dropped', reason = 'unknown' WHERE status = 'sending'")

    async def expire_leases(self, now: datetime) -> int:
        """PostgreSQL: a dead worker's ``sending`` rows, once their lease ran out, are dropped
        (``unknown``, never resent); at most every :data:`LEASE_CHECK`, so a running worker
        settles them without a restart. SQLite has one process: nothing to do."""
        if self._db.dialect != "postgresql":
            return 0
        if self._leases_checked is not None and \
                self._leases_checked <= now < self._leases_checked + LEASE_CHECK:
            return 0
        self._leases_checked = now
        return await self._db.execute(
            "UPDATE deferred SET status = 'dropped', reason = 'unknown' "
            "WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?)",
            (to_db(now),))

    async def prune(self, now: datetime) -> int:
        return await self._db.execute(
            "DELETE FROM deferred WHERE status = 'dropped' AND created_at < ?",
            (to_db(now - DROPPED_KEPT),))

    async def _set(self, ids: Sequence[int], assignment: str, *params: object) -> None:
        for chunk in _chunks(ids):
            await self._db.execute(
                f"UPDATE deferred SET {assignment} WHERE id IN ({','.join('?' * len(chunk))})",
                (*params, *chunk))


def _chunks(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    return [list(ids[i:i + size]) for i in range(0, len(ids), size)]


def _json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
