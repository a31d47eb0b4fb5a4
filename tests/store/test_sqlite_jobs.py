"""Durable jobs: upsert, due-time lookup, claiming exactly once, coalescing, the queued → sending →
outcome state machine, recovery, release and the upgrade of old rows."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import recurrence
from bot.model import Claim, Community, Member
from bot.store.db import to_db
from bot.store.jobs import SENDING_LEASE
from bot.store.migrations import CORE
from bot.store.store import CoreStore, open_sqlite
from tests.helpers.legacy import legacy_database

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


async def one_shot(store: CoreStore, subject: str, when: datetime, **extra: object) -> int:
    job = await store.jobs.upsert(kind="remind", subject=subject, community_id=None,
                                  member_id=None, rule=None, zone="UTC", next_run=when,
                                  **extra)  # type: ignore[arg-type]
    return job.id


async def test_upsert_creates_then_replaces_keeping_the_id(store: CoreStore,
                                                           member: Member) -> None:
    created = await store.jobs.upsert(
        kind="checkin", subject=f"member:{member.id}", community_id=member.community_id,
        member_id=member.id, rule="mon-fri 09:00", zone="Europe/London", next_run=T0,
        payload={"channel": "c1"},
    )
    assert created.version == 1 and created.payload == {"channel": "c1"}
    replaced = await store.jobs.upsert(
        kind="checkin", subject=f"member:{member.id}", community_id=member.community_id,
        member_id=member.id, rule="daily 21:00", zone="Asia/Kolkata",
        next_run=T0 + timedelta(hours=1),
    )
    assert replaced.id == created.id
    assert replaced.version == 2
    assert (replaced.rule, replaced.zone, replaced.payload) == ("daily 21:00", "Asia/Kolkata", {})
    assert replaced.next_run == T0 + timedelta(hours=1)
    assert await store.jobs.get("checkin", f"member:{member.id}") == replaced
    assert await store.jobs.get("checkin", "nobody") is None
    assert await store.jobs.count() == 1


async def test_delete_and_delete_for_member(store: CoreStore, member: Member) -> None:
    for kind in ("checkin", "nudge"):
        await store.jobs.upsert(kind=kind, subject=f"m{member.id}", community_id=None,
                                member_id=member.id, rule=None, zone="UTC", next_run=T0)
    await one_shot(store, "unrelated", T0)
    assert await store.jobs.delete("remind", "unrelated") is True
    assert await store.jobs.delete("remind", "unrelated") is False
    assert await store.jobs.delete_for_member(member.id) == 2
    assert await store.jobs.count() == 0


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_next_due_time_is_the_earliest_and_uses_the_index(store: CoreStore) -> None:
    assert await store.jobs.next_due_time() is None
    await one_shot(store, "b", T0 + timedelta(hours=2))
    await one_shot(store, "a", T0 + timedelta(hours=1, microseconds=5))
    await one_shot(store, "c", T0 + timedelta(days=3))
    assert await store.jobs.next_due_time() == T0 + timedelta(hours=1, microseconds=5)
    plan = await store.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT next_run FROM jobs WHERE next_run IS NOT NULL "
        "ORDER BY next_run LIMIT 1"
    )
    assert any("jobs_due" in row["detail"] for row in plan)
    assert not any(row["detail"].startswith("SCAN jobs") and "INDEX" not in row["detail"]
                   for row in plan)


async def test_a_one_shot_job_is_claimed_once(store: CoreStore) -> None:
    job_id = await one_shot(store, "x", T0)
    assert await store.jobs.claim_due(T0 - timedelta(seconds=1), 10) == []
    (claim,) = await store.jobs.claim_due(T0, 10)
    assert (claim.job.id, claim.occurrence, claim.job.next_run) == (job_id, T0, None)
    assert await store.jobs.claim_due(T0 + timedelta(days=1), 10) == []
    (delivery,) = await store.jobs.deliveries(job_id)
    assert (delivery.status, delivery.claimed_at, delivery.done_at) == ("claimed", T0, None)
    assert await store.jobs.next_due_time() is None


async def test_claim_takes_the_earliest_first_up_to_the_limit(store: CoreStore) -> None:
    ids = [await one_shot(store, f"j{n}", T0 - timedelta(minutes=n)) for n in range(5)]
    first = await store.jobs.claim_due(T0, 2)
    assert [c.job.id for c in first] == [ids[4], ids[3]]
    rest = await store.jobs.claim_due(T0, 10)
    assert [c.job.id for c in rest] == [ids[2], ids[1], ids[0]]
    assert await store.jobs.claim_due(T0, 0) == []


async def test_a_recurring_job_advances_past_now(store: CoreStore) -> None:
    rule = "mon-fri 09:00"
    first = recurrence.next_after(recurrence.parse(rule), "Europe/London", T0)
    job = await store.jobs.upsert(kind="checkin", subject="s", community_id=None,
                                  member_id=None, rule=rule, zone="Europe/London",
                                  next_run=first)
    (claim,) = await store.jobs.claim_due(first, 10)
    assert claim.occurrence == first
    assert claim.job.next_run == first + timedelta(days=1)
    stored = await store.jobs.get("checkin", "s")
    assert stored is not None and stored.next_run == first + timedelta(days=1)
    assert stored.id == job.id


async def test_missed_occurrences_coalesce_into_the_latest(store: CoreStore) -> None:
    rule = recurrence.parse("daily 09:00")
    first = recurrence.next_after(rule, "America/New_York", T0)
    job = await store.jobs.upsert(kind="checkin", subject="s", community_id=None,
                                  member_id=None, rule="daily 09:00", zone="America/New_York",
                                  next_run=first)
    back_up = first + timedelta(days=4, hours=3)  # down for four days and a bit

    claims = await store.jobs.claim_due(back_up, 100)

    assert [c.occurrence for c in claims] == [first + timedelta(days=4)]
    assert claims[0].job.next_run == first + timedelta(days=5)
    assert [d.occurrence for d in await store.jobs.deliveries(job.id)] == [
        first + timedelta(days=4)
    ]


async def test_an_off_grid_next_run_is_its_own_occurrence(store: CoreStore) -> None:
    # A snoozed recurring job: next_run set to 10:17, the rule says 09:00 daily.
    snoozed = datetime(2026, 1, 6, 10, 17, tzinfo=UTC)
    await store.jobs.upsert(kind="checkin", subject="s", community_id=None, member_id=None,
                            rule="daily 09:00", zone="UTC", next_run=snoozed)
    (claim,) = await store.jobs.claim_due(snoozed + timedelta(minutes=1), 10)
    assert claim.occurrence == snoozed
    assert claim.job.next_run == datetime(2026, 1, 7, 9, 0, tzinfo=UTC)


async def test_rescheduling_onto_a_delivered_occurrence_does_not_resend(
    store: CoreStore,
) -> None:
    job_id = await one_shot(store, "x", T0)
    (claim,) = await store.jobs.claim_due(T0, 10)
    await store.jobs.finish(job_id, claim.occurrence, "sent", T0)
    await one_shot(store, "x", T0)  # same key again, e.g. a replayed command
    assert await store.jobs.claim_due(T0 + timedelta(minutes=1), 10) == []
    assert await store.jobs.next_due_time() is None
    assert [d.status for d in await store.jobs.deliveries(job_id)] == ["sent"]


async def test_a_job_whose_rule_no_longer_parses_is_parked_not_retried(
    store: CoreStore,
) -> None:
    broken = await store.jobs.upsert(kind="checkin", subject="b", community_id=None,
                                     member_id=None, rule="someday 09:00", zone="UTC",
                                     next_run=T0)
    fine = await one_shot(store, "fine", T0)
    claims = await store.jobs.claim_due(T0, 10)
    assert [c.job.id for c in claims] == [fine]
    (delivery,) = await store.jobs.deliveries(broken.id)
    assert (delivery.status, delivery.reason) == ("failed", "bad-rule")
    parked = await store.jobs.get("checkin", "b")
    assert parked is not None and parked.next_run is None


async def test_finish_records_the_outcome_once(store: CoreStore) -> None:
    """``finish`` (outside the scheduler's loop) may close a queued or a started occurrence."""
    job_id = await one_shot(store, "x", T0)
    (claim,) = await store.jobs.claim_due(T0, 10)
    done = T0 + timedelta(seconds=3)
    await store.jobs.finish(job_id, claim.occurrence, "skipped", done, "quiet-hours")
    await store.jobs.finish(job_id, claim.occurrence, "sent", done + timedelta(seconds=1))
    (delivery,) = await store.jobs.deliveries(job_id)
    assert (delivery.status, delivery.reason, delivery.done_at) == ("skipped", "quiet-hours", done)
    with pytest.raises(ValueError, match="finishes as one of"):
        await store.jobs.finish(job_id, claim.occurrence, "claimed", done)


async def test_recovery_marks_only_the_started_occurrence_unknown_and_keeps_the_queue(
    store: CoreStore, backend: str,
) -> None:
    a, b, c = [await one_shot(store, name, T0) for name in "abc"]
    claims = await store.jobs.claim_due(T0, 10)
    assert [x.job.id for x in claims] == [a, b, c]
    assert await store.jobs.advance(None, (a, T0), T0) is True
    assert await store.jobs.advance((a, T0, "sent", None), (b, T0), T0) is True
    # ... the process dies here: a sent, b started (maybe sent), c never started ...
    later = T0 + timedelta(minutes=5)
    if backend == "postgres":
        # Other workers may be alive: a send is theirs until its lease runs out.
        assert await store.jobs.recover_unfinished(later) == 0
        later = T0 + SENDING_LEASE
    assert await store.jobs.recover_unfinished(later) == 1
    assert await store.jobs.recover_unfinished(later) == 0
    (delivery,) = await store.jobs.deliveries(b)
    assert (delivery.status, delivery.reason, delivery.done_at) == ("unknown", "interrupted", later)
    assert [d.status for d in await store.jobs.deliveries(a)] == ["sent"]
    assert [d.status for d in await store.jobs.deliveries(c)] == ["claimed"]

    assert [(x.job.id, x.occurrence) for x in await store.jobs.queued(10)] == [(c, T0)]
    assert await store.jobs.claim_due(later, 10) == []  # nothing is claimed twice
    assert await store.jobs.advance(None, (b, T0), later) is False  # unknown is never restarted
    await store.jobs.finish(b, T0, "sent", later)  # too late: stays unknown
    assert [d.status for d in await store.jobs.deliveries(b)] == ["unknown"]


async def test_advance_starts_a_queued_occurrence_once_and_finishes_only_a_started_one(
    store: CoreStore,
) -> None:
    job_id = await one_shot(store, "x", T0)
    await store.jobs.claim_due(T0, 10)
    done = T0 + timedelta(seconds=2)
    # Finishing what was never started changes nothing: the outcome belongs to whoever started it.
    assert await store.jobs.advance((job_id, T0, "sent", None), None, done) is False
    assert [d.status for d in await store.jobs.deliveries(job_id)] == ["claimed"]

    assert await store.jobs.advance(None, (job_id, T0), T0) is True
    assert await store.jobs.advance(None, (job_id, T0), T0) is False  # a second scheduler loses
    assert [d.status for d in await store.jobs.deliveries(job_id)] == ["sending"]
    assert await store.jobs.queued(10) == []

    await store.jobs.advance((job_id, T0, "skipped", "quiet-hours"), None, done)
    await store.jobs.advance((job_id, T0, "sent", None), None, done + timedelta(seconds=1))
    (delivery,) = await store.jobs.deliveries(job_id)
    assert (delivery.status, delivery.reason, delivery.done_at) == ("skipped", "quiet-hours", done)
    with pytest.raises(ValueError, match="finishes as one of"):
        await store.jobs.advance((job_id, T0, "sending", None), None, done)
    assert await store.jobs.advance(None, None, done) is False


async def test_finishing_one_and_starting_the_next_is_one_transaction(
    store: CoreStore,
) -> None:
    a, b = await one_shot(store, "a", T0), await one_shot(store, "b", T0)
    await store.jobs.claim_due(T0, 10)
    await store.jobs.advance(None, (a, T0), T0)
    await store.db.execute("DELETE FROM jobs WHERE id = ?", (b,))  # b vanishes meanwhile
    # Starting b fails, yet a's outcome is recorded in the same call.
    assert await store.jobs.advance((a, T0, "sent", None), (b, T0), T0) is False
    assert [d.status for d in await store.jobs.deliveries(a)] == ["sent"]


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_queued_lists_unstarted_claims_oldest_first_through_an_index(
    store: CoreStore,
) -> None:
    ids = [await one_shot(store, f"j{n}", T0 - timedelta(minutes=n)) for n in range(4)]
    await store.jobs.claim_due(T0, 10)
    await store.jobs.advance(None, (ids[3], T0 - timedelta(minutes=3)), T0)  # started: not queued
    queued = await store.jobs.queued(10)
    assert [(c.job.id, c.occurrence) for c in queued] == [
        (ids[2], T0 - timedelta(minutes=2)), (ids[1], T0 - timedelta(minutes=1)), (ids[0], T0)]
    assert queued[0].job == await store.jobs.get("remind", "j2")
    assert [c.job.id for c in await store.jobs.queued(1)] == [ids[2]]
    assert await store.jobs.queued(0) == []
    for sql, index in [
        ("SELECT * FROM deliveries WHERE status = 'claimed' ORDER BY occurrence, job_id LIMIT 5",
         "deliveries_claimed"),
        ("UPDATE deliveries SET status = 'unknown' WHERE status = 'sending'", "deliveries_sending"),
    ]:
        plan = await store.db.fetchall(f"EXPLAIN QUERY PLAN {sql}")
        assert any(index in row["detail"] for row in plan), plan


async def test_release_hands_unstarted_claims_back_to_their_jobs(store: CoreStore) -> None:
    once = await one_shot(store, "once", T0)
    daily = await store.jobs.upsert(kind="checkin", subject="daily", community_id=None,
                                    member_id=None, rule="daily 08:00", zone="UTC", next_run=T0)
    moved = await one_shot(store, "moved", T0)
    started = await one_shot(store, "started", T0)
    claims = await store.jobs.claim_due(T0, 10)
    await store.jobs.advance(None, (started, T0), T0)
    await one_shot(store, "moved", T0 + timedelta(hours=5))  # rescheduled after the claim

    assert await store.jobs.release(claims) == 3  # every claim but the started one
    assert await store.jobs.release(claims) == 0
    for job_id in (once, daily.id, moved):
        assert await store.jobs.deliveries(job_id) == []
    assert [d.status for d in await store.jobs.deliveries(started)] == ["sending"]
    after = {name: job.next_run for name in ("once", "moved", "started")
             if (job := await store.jobs.get("remind", name)) is not None}
    assert after == {"once": T0, "moved": T0 + timedelta(hours=5), "started": None}
    again = await store.jobs.get("checkin", "daily")
    assert again is not None and again.next_run == T0

    # Claimed afresh later: coalesced like any due job, each occurrence still once.
    reclaimed = await store.jobs.claim_due(T0 + timedelta(days=2, hours=1), 10)
    assert {(c.job.id, c.occurrence) for c in reclaimed} == {
        (once, T0), (daily.id, T0 + timedelta(days=2)), (moved, T0 + timedelta(hours=5))}


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_upgrading_marks_rows_the_old_version_left_claimed_as_sending(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before old 0004 ``claimed`` meant *maybe sent*: such a row must become unknown, not
    resent."""
    legacy_database(db_path, upto=3)
    old = sqlite3.connect(db_path)
    try:
        old.execute("INSERT INTO jobs (id, kind, subject, zone, next_run) VALUES "
                    "(1, 'remind', 'x', 'UTC', NULL), (2, 'remind', 'y', 'UTC', NULL)")
        old.execute("INSERT INTO deliveries VALUES (1, ?, 'claimed', NULL, ?, NULL), "
                    "(2, ?, 'sent', NULL, ?, ?)", (to_db(T0),) * 5)
        old.commit()
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            old.execute("UPDATE deliveries SET status = 'sending'")
    finally:
        old.close()
    job_id, sent_id = 1, 2

    store = await open_sqlite(db_path)
    try:
        assert (await store.schema_versions())["core"] == CORE.available()[-1].version
        assert [d.status for d in await store.jobs.deliveries(job_id)] == ["sending"]
        assert [d.status for d in await store.jobs.deliveries(sent_id)] == ["sent"]
        assert await store.jobs.queued(10) == []
        assert await store.jobs.recover_unfinished(T0) == 1
        fks = await store.db.fetchall("PRAGMA foreign_key_list(deliveries)")
        assert [(r["table"], r["on_delete"]) for r in fks] == [("jobs", "CASCADE")]
        await store.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        assert await store.jobs.deliveries(job_id) == []  # the cascade survived the rebuild
    finally:
        await store.close()


async def test_concurrent_claims_on_two_connections_never_overlap(db_path: Path,
                                                                  store: CoreStore) -> None:
    for n in range(300):
        await one_shot(store, f"j{n}", T0 - timedelta(seconds=n % 7))
    other = await open_sqlite(db_path)
    try:
        async def drain(s: CoreStore) -> list[Claim]:
            got: list[Claim] = []
            while batch := await s.jobs.claim_due(T0, 7):
                got.extend(batch)
                await asyncio.sleep(0)
            return got

        mine, theirs = await asyncio.gather(drain(store), drain(other))
    finally:
        await other.close()
    keys = [(c.job.id, c.occurrence) for c in mine + theirs]
    assert len(keys) == len(set(keys)) == 300  # however the two interleave, nothing twice


async def test_jobs_of_a_deleted_community_go_with_it(store: CoreStore,
                                                      community: Community) -> None:
    await store.jobs.upsert(kind="digest", subject="c", community_id=community.id,
                            member_id=None, rule=None, zone="UTC", next_run=T0)
    await store.db.execute("DELETE FROM communities WHERE id = ?", (community.id,))
    assert await store.jobs.count() == 0
