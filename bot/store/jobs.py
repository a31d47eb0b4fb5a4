"""Durable jobs and their deliveries (SQLite and PostgreSQL): the claim is where
exactly-once-claiming lives.

A claim runs in one transaction (``BEGIN IMMEDIATE`` on SQLite; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never take the same job): it picks due jobs in ``(next_run, id)``
order, works out each job's occurrence (coalescing missed ones to the latest), inserts a delivery
keyed by ``(job_id, occurrence)`` and advances ``next_run`` past ``now``. Because the delivery
key is the primary key and the job is advanced in the same transaction, no occurrence is ever
returned twice, even to two processes sharing the database. A batch is a few statements whatever
its size (:func:`bot.store.db.rows_table`).

``claim_and_start`` inserts the rows as ``sending`` (the scheduler runs it inside the unit of
work that also writes what the runners decide); ``claim_due`` inserts them ``claimed``: queued,
not started, until ``start_group`` moves them to ``sending`` (compare-and-set on
``status = 'claimed'``, so of two schedulers holding the same queued row exactly one runs it).
``start_group`` also records outcomes. A crash turns only ``sending`` rows into ``unknown``;
``claimed`` ones are run by the next scheduler (``queued``), or handed back to the job by
``release``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot import recurrence
from bot.model import FINAL_STATUSES, Claim, Delivery, Finished, Job, Outcome, Start
from bot.store.db import (
    Db,
    Row,
    Tx,
    from_db,
    in_batches,
    maybe_from_db,
    maybe_to_db,
    rows_table,
    to_db,
    to_json,
)

log = logging.getLogger(__name__)

_DELIVERY_KEY = (("job_id", "bigint"), ("occurrence", "text"))


def job_from_row(row: Row) -> Job:
    return Job(
        id=row["id"], kind=row["kind"], subject=row["subject"],
        community_id=row["community_id"], member_id=row["member_id"], rule=row["rule"],
        zone=row["zone"], next_run=maybe_from_db(row["next_run"]),
        payload={} if row["payload"] == "{}" else json.loads(row["payload"]),
        version=row["version"],
    )


def delivery_from_row(row: Row) -> Delivery:
    return Delivery(
        job_id=row["job_id"], occurrence=from_db(row["occurrence"]), status=row["status"],
        reason=row["reason"], claimed_at=from_db(row["claimed_at"]),
        done_at=maybe_from_db(row["done_at"]),
    )


def plan_claim(job: Job, now: datetime, times: RuleTimes) -> tuple[datetime, datetime | None]:
    """(occurrence to run, next ``next_run``) for a due job.

    A one-shot job runs at its ``next_run`` and then has none. A recurring job runs once for the
    *latest* occurrence at or before ``now`` (missed ones coalesce: never a burst) and moves to
    the first occurrence after ``now``. If ``next_run`` was set off the rule's grid (a snooze,
    say) and no rule occurrence came after it, that instant itself is the occurrence.
    ``times``: the rules' occurrences, kept across claims (:class:`RuleTimes`).
    Raises :class:`recurrence.RecurrenceError` for a rule or zone that no longer parses.
    """
    assert job.next_run is not None
    if job.rule is None:
        return job.next_run, None
    latest, following = times.at(job.rule, job.zone, now)
    occurrence = job.next_run if latest is None else max(latest, job.next_run)
    return occurrence, following


def rule_times(rule_text: str, zone: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(latest occurrence at or before ``now``, first one after it) of a rule in a zone."""
    rule = recurrence.parse(rule_text)
    return (recurrence.latest_at_or_before(rule, zone, now),
            recurrence.next_after(rule, zone, now))


SENDING_LEASE = timedelta(minutes=10)
"""How long a started occurrence belongs to its worker. Longer than any one send (the outbox
parks a recipient that must wait instead of waiting), so a live worker's send is never taken
for a dead one's; a dead worker's ``sending`` row becomes ``unknown`` this long after it
started (never resent)."""


class RuleTimes:
    """(rule, zone) → (latest occurrence, next one), kept while they hold: a fan-out's jobs
    share a few pairs, and working them out was the claim's main cost in Python. A kept pair
    holds for any ``now`` from its latest occurrence (or any time, when there is none) up to,
    not including, its next one."""

    MOST = 10_000

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], tuple[datetime | None, datetime | None]] = {}

    def at(self, rule: str, zone: str, now: datetime) -> tuple[datetime | None, datetime | None]:
        """:func:`rule_times` of ``rule`` in ``zone`` at ``now`` (raises as it does)."""
        kept = self._kept.get((rule, zone))
        if kept is not None:
            latest, following = kept
            if (latest is None or latest <= now) and (following is None or now < following):
                return kept
        if len(self._kept) >= self.MOST:
            self._kept.clear()
        times = self._kept[rule, zone] = rule_times(rule, zone, now)
        return times


LEASE_CHECK = timedelta(seconds=30)
"""PostgreSQL: how often a claim also settles the sends of workers whose lease ran out (not on
every claim of a fan-out: it is a statement of its own). A dead worker's sends are settled at
most this long after their lease ends."""


class JobRepository:
    def __init__(self, db: Db, lease: timedelta = SENDING_LEASE) -> None:
        self._db = db
        self.lease = lease
        self._leases_checked: datetime | None = None
        self._times = RuleTimes()

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
        return await self._claim(now, limit, start=False)

    async def claim_and_start(self, now: datetime, limit: int) -> list[Claim]:
        return await self._claim(now, limit, start=True)

    async def _claim(self, now: datetime, limit: int, *, start: bool) -> list[Claim]:
        if limit <= 0:
            return []
        now_text = to_db(now)
        async with self._db.transaction() as tx:
            if self._db.dialect == "postgresql" and (
                    self._leases_checked is None or now - self._leases_checked >= LEASE_CHECK
                    or now < self._leases_checked):
                self._leases_checked = now
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
            planned: dict[tuple[int, str], tuple[Job, datetime, datetime | None]] = {}
            broken: list[tuple[int, str]] = []
            # A fan-out's jobs share a few (rule, zone) pairs: each pair's times are worked
            # out once per claim, not once per job.
            for row in rows:
                job = job_from_row(row)
                try:
                    occurrence, following = plan_claim(job, now, self._times)
                except recurrence.RecurrenceError:
                    log.error("job %s has a rule or zone that no longer parses; parked", job.id)
                    broken.append((job.id, row["next_run"]))
                    continue
                planned[job.id, to_db(occurrence)] = (job, occurrence, following)
            # Only occurrences not recorded before are inserted (an occurrence is handed out
            # once, ever), and the statement says which those were. Started at once, they
            # carry their lease; queued, they wait for ``advance`` or ``start_group``.
            status, lease = ("sending", to_db(now + self.lease)) if start else ("claimed", None)
            fresh: set[tuple[int, str]] = set()
            for chunk in in_batches(list(planned)):
                keys, params = rows_table(self._db.dialect, "k", _DELIVERY_KEY, chunk)
                inserted = await tx.fetchall(
                    f"WITH {keys} INSERT INTO deliveries (job_id, occurrence, status, claimed_at, "
                    "lease_until) SELECT job_id, occurrence, ?, ?, ? FROM k WHERE true "
                    "ON CONFLICT (job_id, occurrence) DO NOTHING "
                    "RETURNING job_id, occurrence",
                    [*params, status, now_text, lease],
                )
                fresh.update((int(r["job_id"]), str(r["occurrence"])) for r in inserted)
            # A job whose rule no longer parses is parked (next_run NULL) with a failed
            # delivery, instead of being picked up again on every tick.
            if broken:
                await tx.executemany(
                    "INSERT INTO deliveries (job_id, occurrence, status, reason, claimed_at,"
                    " done_at) VALUES (?, ?, 'failed', 'bad-rule', ?, ?) ON CONFLICT DO NOTHING",
                    [(job_id, occ, now_text, now_text) for job_id, occ in broken],
                )
            moves = ([(job.id, maybe_to_db(following)) for job, _, following in planned.values()]
                     + [(job_id, None) for job_id, _ in broken])
            for some in in_batches(moves):
                table, params = rows_table(self._db.dialect, "k",
                                           (("id", "bigint"), ("next_run", "text")), some)
                await tx.execute(
                    f"WITH {table} UPDATE jobs SET next_run = k.next_run FROM k "
                    "WHERE jobs.id = k.id", params)
        return [Claim(job=Job(id=job.id, kind=job.kind, subject=job.subject,
                              community_id=job.community_id, member_id=job.member_id,
                              rule=job.rule, zone=job.zone, next_run=following,
                              payload=job.payload, version=job.version),
                      occurrence=occurrence)
                for key, (job, occurrence, following) in planned.items() if key in fresh]

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
        if finish is None and start is None:
            return False
        started = await self.start_group([] if finish is None else [finish],
                                         [] if start is None else [start], now)
        return start is not None and start in started

    async def start_group(self, finished: Sequence[Finished], starts: Sequence[Start],
                          now: datetime) -> set[Start]:
        for _, _, status, _ in finished:
            if status not in FINAL_STATUSES:
                raise ValueError(f"a delivery finishes as one of {sorted(FINAL_STATUSES)}")
        if not finished and not starts:
            return set()
        now_text = to_db(now)
        started: set[Start] = set()
        async with self._db.transaction() as tx:
            outcomes = [(job_id, to_db(occurrence), status, reason, "sending")
                        for job_id, occurrence, status, reason in finished]
            for chunk in in_batches(outcomes):
                table, params = rows_table(self._db.dialect, "k",
                                           (*_DELIVERY_KEY, ("status", "text"),
                                            ("reason", "text"), ("was", "text")), chunk)
                # "Only a row still sending" compares with k.was, not a literal: with the
                # literal, PostgreSQL chose the partial index of sending rows, which a fan-out
                # fills with entries of rows no longer sending (6 ms a group, growing), instead
                # of the primary key.
                await tx.execute(
                    f"WITH {table} UPDATE deliveries SET status = k.status, reason = k.reason, "
                    "done_at = ? FROM k WHERE deliveries.job_id = k.job_id "
                    "AND deliveries.occurrence = k.occurrence AND deliveries.status = k.was",
                    [*params, now_text])
            keys = [(job_id, to_db(occurrence), "claimed") for job_id, occurrence in starts]
            for some in in_batches(keys):
                table, params = rows_table(self._db.dialect, "k",
                                           (*_DELIVERY_KEY, ("was", "text")), some)
                # One compare-and-set for the whole group: only rows still queued move, and the
                # rows that moved are the ones this caller owns (k.was: see above).
                rows = await tx.fetchall(
                    f"WITH {table} UPDATE deliveries SET status = 'sending', lease_until = ? "
                    "FROM k WHERE deliveries.job_id = k.job_id "
                    "AND deliveries.occurrence = k.occurrence AND deliveries.status = k.was "
                    "RETURNING deliveries.job_id, deliveries.occurrence",
                    [*params, to_db(now + self.lease)],
                )
                started.update((int(r["job_id"]), from_db(r["occurrence"])) for r in rows)
        return started

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
