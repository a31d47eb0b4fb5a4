"""Durable jobs and their deliveries in SQLite: the claim is where exactly-once-claiming lives.

``claim_due`` runs in one ``BEGIN IMMEDIATE`` transaction: it picks due jobs through the
``next_run`` index, works out each job's occurrence (coalescing missed ones to the latest),
inserts a ``claimed`` delivery keyed by ``(job_id, occurrence)`` and advances ``next_run`` past
``now``. Because the delivery key is the primary key and the job is advanced in the same
transaction, no occurrence is ever returned twice, even to two processes sharing the file.

A claimed row is only *queued*. ``advance`` moves one to ``sending`` (compare-and-set on
``status = 'claimed'``, so of two schedulers holding the same queued row exactly one runs it) in
the same transaction that records the previous occurrence's outcome: one write per occurrence.
A crash turns only ``sending`` rows into ``unknown``; ``claimed`` ones are run by the next
scheduler (``queued``), or handed back to the job by ``release`` on a graceful stop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot import recurrence
from bot.model import FINAL_STATUSES, Claim, Delivery, Finished, Job, Outcome, Start
from bot.store.db import Db, Row, Tx, from_db, maybe_from_db, maybe_to_db, to_db, to_json

log = logging.getLogger(__name__)

_KEYS_PER_QUERY = 5_000
"""Two bound parameters per key; SQLite allows 32,766 per statement."""


def job_from_row(row: Row) -> Job:
    return Job(
        id=row["id"], kind=row["kind"], subject=row["subject"],
        community_id=row["community_id"], member_id=row["member_id"], rule=row["rule"],
        zone=row["zone"], next_run=maybe_from_db(row["next_run"]),
        payload=json.loads(row["payload"]), version=row["version"],
    )


def delivery_from_row(row: Row) -> Delivery:
    return Delivery(
        job_id=row["job_id"], occurrence=from_db(row["occurrence"]), status=row["status"],
        reason=row["reason"], claimed_at=from_db(row["claimed_at"]),
        done_at=maybe_from_db(row["done_at"]),
    )


def plan_claim(job: Job, now: datetime) -> tuple[datetime, datetime | None]:
    """(occurrence to run, next ``next_run``) for a due job.

    A one-shot job runs at its ``next_run`` and then has none. A recurring job runs once for the
    *latest* occurrence at or before ``now`` (missed ones coalesce: never a burst) and moves to
    the first occurrence after ``now``. If ``next_run`` was set off the rule's grid (a snooze,
    say) and no rule occurrence came after it, that instant itself is the occurrence.
    Raises :class:`recurrence.RecurrenceError` for a rule or zone that no longer parses.
    """
    assert job.next_run is not None
    if job.rule is None:
        return job.next_run, None
    rule = recurrence.parse(job.rule)
    latest = recurrence.latest_at_or_before(rule, job.zone, now)
    occurrence = job.next_run if latest is None else max(latest, job.next_run)
    return occurrence, recurrence.next_after(rule, job.zone, now)


SENDING_LEASE = timedelta(minutes=10)
"""How long a started occurrence belongs to its worker. Longer than any one send (the outbox
parks a recipient that must wait instead of waiting), so a live worker's send is never taken
for a dead one's; a dead worker's ``sending`` row becomes ``unknown`` this long after it
started (never resent)."""


class JobRepository:
    def __init__(self, db: Db, lease: timedelta = SENDING_LEASE) -> None:
        self._db = db
        self.lease = lease

    async def upsert(
        self, *, kind: str, subject: str, community_id: int | None, member_id: int | None,
        rule: str | None, zone: str, next_run: datetime, payload: dict[str, Any] | None = None,
    ) -> Job:
        """Create or replace the job ``(kind, subject)``; replacing bumps ``version`` and keeps
        the id (so its delivery history, and the idempotency keys in it, survive)."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO jobs (kind, subject, community_id, member_id, rule, zone, next_run,"
                " payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, subject) DO UPDATE SET community_id = excluded.community_id,"
                " member_id = excluded.member_id, rule = excluded.rule, zone = excluded.zone,"
                " next_run = excluded.next_run, payload = excluded.payload,"
                " version = jobs.version + 1 RETURNING *",
                (kind, subject, community_id, member_id, rule, zone, to_db(next_run),
                 to_json(payload or {})),
            )
        assert row is not None
        return job_from_row(row)

    async def get(self, kind: str, subject: str) -> Job | None:
        row = await self._db.fetchone(
            "SELECT * FROM jobs WHERE kind = ? AND subject = ?", (kind, subject)
        )
        return None if row is None else job_from_row(row)

    async def delete(self, kind: str, subject: str) -> bool:
        removed = await self._db.execute(
            "DELETE FROM jobs WHERE kind = ? AND subject = ?", (kind, subject)
        )
        return removed > 0

    async def delete_for_member(self, member_id: int) -> int:
        return await self._db.execute("DELETE FROM jobs WHERE member_id = ?", (member_id,))

    async def next_due_time(self) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT next_run FROM jobs WHERE next_run IS NOT NULL ORDER BY next_run LIMIT 1"
        )
        return None if row is None else from_db(row["next_run"])

    async def claim_due(self, now: datetime, limit: int) -> list[Claim]:
        if limit <= 0:
            return []
        now_text = to_db(now)
        claims: list[Claim] = []
        async with self._db.transaction() as tx:
            if self._db.dialect == "postgresql":
                await self._expire_leases(tx, now)
            # On PostgreSQL several workers claim at once: each locks the rows it takes and
            # skips the ones another worker holds, so no job is claimed by two of them (SQLite
            # has one writer at a time, which gives the same).
            lock = " FOR UPDATE SKIP LOCKED" if self._db.dialect == "postgresql" else ""
            rows = await tx.fetchall("SELECT * FROM jobs WHERE next_run IS NOT NULL AND next_run <= ? "
                f"ORDER BY next_run, id LIMIT ?{lock}",
                (now_text, limit),
            )
            if not rows:
                return []
            planned: list[tuple[Job, str, str | None]] = []
            broken: list[tuple[int, str]] = []
            for row in rows:
                job = job_from_row(row)
                try:
                    occurrence, following = plan_claim(job, now)
                except recurrence.RecurrenceError:
                    log.error("job %s has a rule or zone that no longer parses; parked", job.id)
                    broken.append((job.id, row["next_run"]))
                    continue
                planned.append((job, to_db(occurrence), maybe_to_db(following)))
            taken = await self._already_recorded(tx, [(j.id, occ) for j, occ, _ in planned],
                                                 self._db.dialect)
            await tx.executemany(
                "INSERT INTO deliveries (job_id, occurrence, status, claimed_at) "
                "VALUES (?, ?, 'claimed', ?) ON CONFLICT (job_id, occurrence) DO NOTHING",
                [(j.id, occ, now_text) for j, occ, _ in planned if (j.id, occ) not in taken],
            )
            # A job whose rule no longer parses is parked (next_run NULL) with a failed
            # delivery, instead of being picked up again on every tick.
            if broken:
                await tx.executemany(
                    "INSERT INTO deliveries (job_id, occurrence, status, reason, claimed_at,"
                    " done_at) VALUES (?, ?, 'failed', 'bad-rule', ?, ?) ON CONFLICT DO NOTHING",
                    [(job_id, occ, now_text, now_text) for job_id, occ in broken],
                )
            await tx.executemany(
                "UPDATE jobs SET next_run = ? WHERE id = ?",
                [(following, j.id) for j, _, following in planned]
                + [(None, job_id) for job_id, _ in broken],
            )
            for job, occ, next_text in planned:
                if (job.id, occ) in taken:
                    continue
                advanced = Job(
                    id=job.id, kind=job.kind, subject=job.subject,
                    community_id=job.community_id, member_id=job.member_id, rule=job.rule,
                    zone=job.zone, next_run=maybe_from_db(next_text), payload=job.payload,
                    version=job.version,
                )
                claims.append(Claim(job=advanced, occurrence=from_db(occ)))
        return claims

    @staticmethod
    async def _already_recorded(
        tx: Tx, keys: list[tuple[int, str]], dialect: str = "sqlite"
    ) -> set[tuple[int, str]]:
        """Which (job_id, occurrence) keys already have a delivery (claimed or finished)."""
        found: set[tuple[int, str]] = set()
        if dialect == "postgresql":  # typed arrays: one statement, whatever the batch size
            if keys:
                rows = await tx.fetchall(
                    "SELECT d.job_id, d.occurrence FROM unnest(?::bigint[], ?::text[]) "
                    "AS k (job_id, occurrence) JOIN deliveries d "
                    "ON d.job_id = k.job_id AND d.occurrence = k.occurrence",
                    ([k[0] for k in keys], [k[1] for k in keys]))
                found.update((r["job_id"], r["occurrence"]) for r in rows)
            return found
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[start:start + _KEYS_PER_QUERY]
            values = ", ".join("(?, ?)" for _ in chunk)
            # A join from the keys (not "(a, b) IN (VALUES …)", which scans deliveries).
            rows = await tx.fetchall(f"WITH keys (job_id, occurrence) AS (VALUES {values}) "
                "SELECT d.job_id, d.occurrence FROM keys JOIN deliveries d "
                "ON d.job_id = keys.job_id AND d.occurrence = keys.occurrence",
                [part for key in chunk for part in key],
            )
            found.update((r["job_id"], r["occurrence"]) for r in rows)
        return found

    async def queued(self, limit: int) -> list[Claim]:
        if limit <= 0:
            return []
        rows = await self._db.fetchall(
            "SELECT j.*, d.occurrence AS claimed_occurrence FROM deliveries d "
            "JOIN jobs j ON j.id = d.job_id WHERE d.status = 'claimed' "
            "ORDER BY d.occurrence, d.job_id LIMIT ?",
            (limit,),
        )
        return [Claim(job=job_from_row(r), occurrence=from_db(r["claimed_occurrence"]))
                for r in rows]

    async def advance(self, finish: Finished | None, start: Start | None,
                      now: datetime) -> bool:
        if finish is not None and finish[2] not in FINAL_STATUSES:
            raise ValueError(f"a delivery finishes as one of {sorted(FINAL_STATUSES)}")
        if finish is None and start is None:
            return False
        started = 0
        async with self._db.transaction() as tx:
            if finish is not None:
                job_id, occurrence, status, reason = finish
                finished = await tx.execute(
                    "UPDATE deliveries SET status = ?, reason = ?, done_at = ? "
                    "WHERE job_id = ? AND occurrence = ? AND status = 'sending'",
                    (status, reason, to_db(now), job_id, to_db(occurrence)),
                )
                if finished == 0:
                    log.warning("finish(%s) for job %s found no delivery being sent", status,
                                job_id)
            if start is not None:
                started = await tx.execute(
                    "UPDATE deliveries SET status = 'sending', lease_until = ? "
                    "WHERE job_id = ? AND occurrence = ? AND status = 'claimed'",
                    (to_db(now + self.lease), start[0], to_db(start[1])),
                )
        return started == 1

    async def release(self, claims: Sequence[Claim]) -> int:
        released = 0
        async with self._db.transaction() as tx:
            for claim in claims:
                occurrence = to_db(claim.occurrence)
                deleted = await tx.execute(
                    "DELETE FROM deliveries WHERE job_id = ? AND occurrence = ? "
                    "AND status = 'claimed'",
                    (claim.job.id, occurrence),
                )
                if deleted != 1:
                    continue  # started elsewhere, or the job is gone: nothing to return
                released += 1
                # Only an unchanged job goes back: a reschedule since the claim replaced it.
                await tx.execute(
                    "UPDATE jobs SET next_run = ? WHERE id = ? AND version = ? "
                    "AND (next_run IS NULL OR next_run > ?)",
                    (occurrence, claim.job.id, claim.job.version, occurrence),
                )
        return released

    async def finish(self, job_id: int, occurrence: datetime, status: Outcome, now: datetime,
                     reason: str | None = None) -> None:
        """Record the outcome of a claimed or started occurrence. An outcome is written once,
        and a row recovery marked ``unknown`` stays unknown."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"a delivery finishes as one of {sorted(FINAL_STATUSES)}")
        changed = await self._db.execute(
            "UPDATE deliveries SET status = ?, reason = ?, done_at = ? "
            "WHERE job_id = ? AND occurrence = ? AND status IN ('claimed', 'sending')",
            (status, reason, to_db(now), job_id, to_db(occurrence)),
        )
        if changed == 0:
            log.warning("finish(%s) for job %s found no open delivery", status, job_id)

    async def recover_unfinished(self, now: datetime) -> int:
        """SQLite: one process owns the file, so at its start every ``sending`` row is a crash's.
        PostgreSQL: other workers may be alive, so only rows whose lease ran out (the claim
        does the same on every tick, so a dead worker's send is settled without a restart)."""
        if self._db.dialect == "postgresql":
            async with self._db.transaction() as tx:
                recovered = await self._expire_leases(tx, now)
        else:
            recovered = await self._db.execute(
                "UPDATE deliveries SET status = 'unknown', reason = 'interrupted', done_at = ? "
                "WHERE status = 'sending'",
                (to_db(now),),
            )
        if recovered:
            log.warning("%d deliveries were interrupted by a crash; marked unknown", recovered)
        return recovered

    @staticmethod
    async def _expire_leases(tx: Tx, now: datetime) -> int:
        return await tx.execute(
            "UPDATE deliveries SET status = 'unknown', reason = 'interrupted', done_at = ? "
            "WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?)",
            (to_db(now), to_db(now)))

    async def deliveries(self, job_id: int) -> list[Delivery]:
        rows = await self._db.fetchall(
            "SELECT * FROM deliveries WHERE job_id = ? ORDER BY occurrence", (job_id,)
        )
        return [delivery_from_row(r) for r in rows]

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM jobs")
        return 0 if row is None else int(row[0])
