"""Durable jobs: upsert, due-time lookup, claiming exactly once, coalescing, outcomes, recovery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import recurrence
from bot.store.base import Claim, Community, Member
from bot.store.sqlite import SqliteStore, open_sqlite

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


async def one_shot(store: SqliteStore, subject: str, when: datetime, **extra: object) -> int:
    job = await store.jobs.upsert(kind="remind", subject=subject, community_id=None,
                                  member_id=None, rule=None, zone="UTC", next_run=when,
                                  **extra)  # type: ignore[arg-type]
    return job.id


async def test_upsert_creates_then_replaces_keeping_the_id(store: SqliteStore,
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


async def test_delete_and_delete_for_member(store: SqliteStore, member: Member) -> None:
    for kind in ("checkin", "nudge"):
        await store.jobs.upsert(kind=kind, subject=f"m{member.id}", community_id=None,
                                member_id=member.id, rule=None, zone="UTC", next_run=T0)
    await one_shot(store, "unrelated", T0)
    assert await store.jobs.delete("remind", "unrelated") is True
    assert await store.jobs.delete("remind", "unrelated") is False
    assert await store.jobs.delete_for_member(member.id) == 2
    assert await store.jobs.count() == 0


async def test_next_due_time_is_the_earliest_and_uses_the_index(store: SqliteStore) -> None:
    assert await store.jobs.next_due_time() is None
    await one_shot(store, "b", T0 + timedelta(hours=2))
    await one_shot(store, "a", T0 + timedelta(hours=1, microseconds=5))
    await one_shot(store, "c", T0 + timedelta(days=3))
    assert await store.jobs.next_due_time() == T0 + timedelta(hours=1, microseconds=5)
    plan = await store.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT next_run FROM jobs WHERE next_run IS NOT NULL "
        "ORDER BY next_run LIMIT 1"
    )
    assert any("jobs_next_run" in row["detail"] for row in plan)
    assert not any(row["detail"].startswith("SCAN jobs") and "INDEX" not in row["detail"]
                   for row in plan)


async def test_a_one_shot_job_is_claimed_once(store: SqliteStore) -> None:
    job_id = await one_shot(store, "x", T0)
    assert await store.jobs.claim_due(T0 - timedelta(seconds=1), 10) == []
    (claim,) = await store.jobs.claim_due(T0, 10)
    assert (claim.job.id, claim.occurrence, claim.job.next_run) == (job_id, T0, None)
    assert await store.jobs.claim_due(T0 + timedelta(days=1), 10) == []
    (delivery,) = await store.jobs.deliveries(job_id)
    assert (delivery.status, delivery.claimed_at, delivery.done_at) == ("claimed", T0, None)
    assert await store.jobs.next_due_time() is None


async def test_claim_takes_the_earliest_first_up_to_the_limit(store: SqliteStore) -> None:
    ids = [await one_shot(store, f"j{n}", T0 - timedelta(minutes=n)) for n in range(5)]
    first = await store.jobs.claim_due(T0, 2)
    assert [c.job.id for c in first] == [ids[4], ids[3]]
    rest = await store.jobs.claim_due(T0, 10)
    assert [c.job.id for c in rest] == [ids[2], ids[1], ids[0]]
    assert await store.jobs.claim_due(T0, 0) == []


async def test_a_recurring_job_advances_past_now(store: SqliteStore) -> None:
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


async def test_missed_occurrences_coalesce_into_the_latest(store: SqliteStore) -> None:
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


async def test_an_off_grid_next_run_is_its_own_occurrence(store: SqliteStore) -> None:
    # A snoozed recurring job: next_run set to 10:17, the rule says 09:00 daily.
    snoozed = datetime(2026, 1, 6, 10, 17, tzinfo=UTC)
    await store.jobs.upsert(kind="checkin", subject="s", community_id=None, member_id=None,
                            rule="daily 09:00", zone="UTC", next_run=snoozed)
    (claim,) = await store.jobs.claim_due(snoozed + timedelta(minutes=1), 10)
    assert claim.occurrence == snoozed
    assert claim.job.next_run == datetime(2026, 1, 7, 9, 0, tzinfo=UTC)


async def test_rescheduling_onto_a_delivered_occurrence_does_not_resend(
    store: SqliteStore,
) -> None:
    job_id = await one_shot(store, "x", T0)
    (claim,) = await store.jobs.claim_due(T0, 10)
    await store.jobs.finish(job_id, claim.occurrence, "sent", T0)
    await one_shot(store, "x", T0)  # same key again, e.g. a replayed command
    assert await store.jobs.claim_due(T0 + timedelta(minutes=1), 10) == []
    assert await store.jobs.next_due_time() is None
    assert [d.status for d in await store.jobs.deliveries(job_id)] == ["sent"]


async def test_a_job_whose_rule_no_longer_parses_is_parked_not_retried(
    store: SqliteStore,
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


async def test_finish_records_the_outcome_once(store: SqliteStore) -> None:
    job_id = await one_shot(store, "x", T0)
    (claim,) = await store.jobs.claim_due(T0, 10)
    done = T0 + timedelta(seconds=3)
    await store.jobs.finish(job_id, claim.occurrence, "skipped", done, "quiet-hours")
    await store.jobs.finish(job_id, claim.occurrence, "sent", done + timedelta(seconds=1))
    (delivery,) = await store.jobs.deliveries(job_id)
    assert (delivery.status, delivery.reason, delivery.done_at) == ("skipped", "quiet-hours", done)
    with pytest.raises(ValueError, match="finishes as one of"):
        await store.jobs.finish(job_id, claim.occurrence, "claimed", done)


async def test_recovery_marks_unfinished_claims_unknown_and_never_resends(
    store: SqliteStore,
) -> None:
    a = await one_shot(store, "a", T0)
    b = await one_shot(store, "b", T0)
    claims = await store.jobs.claim_due(T0, 10)
    await store.jobs.finish(a, claims[0].occurrence, "sent", T0)
    # ... the process dies here with b claimed but not finished ...
    later = T0 + timedelta(minutes=5)
    assert await store.jobs.recover_unfinished(later) == 1
    assert await store.jobs.recover_unfinished(later) == 0
    (delivery,) = await store.jobs.deliveries(b)
    assert (delivery.status, delivery.done_at) == ("unknown", later)
    assert await store.jobs.claim_due(later, 10) == []
    await store.jobs.finish(b, claims[1].occurrence, "sent", later)  # too late: stays unknown
    assert [d.status for d in await store.jobs.deliveries(b)] == ["unknown"]


async def test_concurrent_claims_on_two_connections_never_overlap(db_path: Path,
                                                                  store: SqliteStore) -> None:
    for n in range(300):
        await one_shot(store, f"j{n}", T0 - timedelta(seconds=n % 7))
    other = await open_sqlite(db_path)
    try:
        async def drain(s: SqliteStore) -> list[Claim]:
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


async def test_jobs_of_a_deleted_community_go_with_it(store: SqliteStore,
                                                      community: Community) -> None:
    await store.jobs.upsert(kind="digest", subject="c", community_id=community.id,
                            member_id=None, rule=None, zone="UTC", next_run=T0)
    await store.db.write_count("DELETE FROM communities WHERE id = ?", (community.id,))
    assert await store.jobs.count() == 0
