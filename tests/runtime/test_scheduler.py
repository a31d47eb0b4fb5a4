"""The scheduler: claim a batch → start → run → deliver → finish, on a real SQLite file and a
virtual clock; crashes, graceful stops and two schedulers on one file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from bot import recurrence
from bot.actions import Action, SendDirect
from bot.clock import VirtualClock
from bot.feature import Context, JobKind
from bot.model import Claim, Community
from bot.runtime.scheduler import DEFAULT_START_BATCH, Scheduler, start_batch_for
from bot.store.jobs import SENDING_LEASE
from bot.store.store import CoreStore, open_sqlite

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[CoreStore]:
    opened = await open_sqlite(tmp_path / "warmline.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(T0)


@pytest.fixture
async def community(store: CoreStore) -> Community:
    return await store.communities.ensure("memory", "c1")


class Harness:
    """Records what the scheduler asked for; the runner returns one DM per claim."""

    def __init__(self, store: CoreStore, clock: VirtualClock, community: Community) -> None:
        self.store, self.clock, self.community = store, clock, community
        self.ran: list[tuple[int, datetime]] = []
        self.delivered: list[tuple[int, datetime, int]] = []
        self.status = "sent"

    async def run(self, claim: Claim, ctx: Context[Any]) -> Sequence[Action]:
        assert ctx.community == self.community
        self.ran.append((claim.job.id, claim.occurrence))
        return [SendDirect(platform="memory", user=claim.job.subject, text="How are you?")]

    async def context_for(self, claim: Claim, rows: object = None) -> Context[Any] | None:
        return Context(store=self.store, clock=self.clock, texts=cast(Any, None),
                       settings=cast(Any, None), platform="memory", community=self.community,
                       repo=None)

    async def deliver(self, claim: Claim, ctx: Context[Any], actions: Sequence[Action]) -> Any:
        self.delivered.append((claim.job.id, claim.occurrence, len(actions)))
        return self.status

    async def settle(self) -> None:
        pass

    async def run_due(self, scheduler: Scheduler) -> int:
        return await scheduler.run_due(self)


@dataclass
class Host:
    """A job host made of two functions, for tests that replace one of the harness's."""

    context_for: Callable[[Claim, Any], Awaitable[Context[Any] | None]]
    deliver: Callable[[Claim, Context[Any], Sequence[Action]], Awaitable[Any]]

    async def settle(self) -> None:
        pass


@pytest.fixture
def harness(store: CoreStore, clock: VirtualClock, community: Community) -> Harness:
    return Harness(store, clock, community)


def scheduler_for(h: Harness, *, expiry: timedelta | None = None, **options: int) -> Scheduler:
    scheduler = Scheduler(h.store, h.clock, **options)
    scheduler.register("checkin", JobKind(run=h.run, expiry=expiry))
    return scheduler


async def add_job(store: CoreStore, subject: str, when: datetime, *, kind: str = "checkin",
                  rule: str | None = None, zone: str = "UTC") -> int:
    job = await store.jobs.upsert(kind=kind, subject=subject, community_id=None,
                                  member_id=None, rule=rule, zone=zone, next_run=when)
    return job.id


async def statuses(store: CoreStore, job_id: int) -> list[tuple[str, str | None]]:
    return [(d.status, d.reason) for d in await store.jobs.deliveries(job_id)]


async def test_a_due_job_is_run_delivered_and_marked_sent(harness: Harness) -> None:
    scheduler = scheduler_for(harness)
    job_id = await add_job(harness.store, "u1", T0 + timedelta(minutes=30))
    assert await scheduler.next_due() == T0 + timedelta(minutes=30)
    assert await harness.run_due(scheduler) == 0  # not due yet

    harness.clock.advance(timedelta(minutes=30))
    assert await harness.run_due(scheduler) == 1

    assert harness.delivered == [(job_id, T0 + timedelta(minutes=30), 1)]
    (delivery,) = await harness.store.jobs.deliveries(job_id)
    assert (delivery.status, delivery.done_at) == ("sent", harness.clock.now())
    assert await scheduler.next_due() is None
    assert await harness.run_due(scheduler) == 0


async def test_the_deliver_outcome_is_what_gets_recorded(harness: Harness) -> None:
    scheduler = scheduler_for(harness)
    job_id = await add_job(harness.store, "u1", T0)
    harness.status = "skipped"
    await harness.run_due(scheduler)
    assert await statuses(harness.store, job_id) == [("skipped", None)]


async def test_downtime_coalesces_to_one_prompt_for_the_latest_occurrence(
    harness: Harness,
) -> None:
    scheduler = scheduler_for(harness)
    rule = "daily 09:00"
    first = recurrence.next_after(recurrence.parse(rule), "Europe/London", T0)
    job_id = await add_job(harness.store, "u1", first, rule=rule, zone="Europe/London")

    harness.clock.set(first + timedelta(days=3, minutes=20))  # the bot was down three days
    assert await harness.run_due(scheduler) == 1

    assert harness.ran == [(job_id, first + timedelta(days=3))]
    assert await scheduler.next_due() == first + timedelta(days=4)


async def test_an_occurrence_older_than_the_expiry_is_skipped_not_sent(
    harness: Harness,
) -> None:
    scheduler = scheduler_for(harness, expiry=timedelta(hours=2))
    late = await add_job(harness.store, "late", T0)
    fresh = await add_job(harness.store, "fresh", T0 + timedelta(hours=1, minutes=30))
    harness.clock.set(T0 + timedelta(hours=3))

    assert await harness.run_due(scheduler) == 2

    assert await statuses(harness.store, late) == [("skipped", "expired")]
    assert await statuses(harness.store, fresh) == [("sent", None)]
    assert [job for job, _ in harness.ran] == [fresh]


async def test_no_context_means_skipped(harness: Harness) -> None:
    scheduler = scheduler_for(harness)
    job_id = await add_job(harness.store, "gone", T0)

    async def no_context(claim: Claim, rows: object = None) -> Context[Any] | None:
        return None

    assert await scheduler.run_due(Host(no_context, harness.deliver)) == 1
    assert await statuses(harness.store, job_id) == [("skipped", "no-context")]
    assert harness.ran == [] and harness.delivered == []


async def test_an_unknown_kind_is_failed_and_logged_by_id(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = scheduler_for(harness)
    job_id = await add_job(harness.store, "u1", T0, kind="retired-feature")
    with caplog.at_level(logging.ERROR, logger="bot.runtime.scheduler"):
        assert await harness.run_due(scheduler) == 1
    assert await statuses(harness.store, job_id) == [("failed", "unknown-kind")]
    assert str(job_id) in caplog.text


async def test_a_failing_runner_does_not_stop_the_batch_or_leak_text(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = Scheduler(harness.store, harness.clock)

    async def explode(claim: Claim, ctx: Context) -> Sequence[Action]:
        raise ValueError("member wrote: I feel awful")

    scheduler.register("checkin", JobKind(run=harness.run))
    scheduler.register("broken", JobKind(run=explode))
    bad = await add_job(harness.store, "u1", T0 - timedelta(minutes=1), kind="broken")
    good = await add_job(harness.store, "u2", T0)

    with caplog.at_level(logging.DEBUG):
        assert await harness.run_due(scheduler) == 2

    assert await statuses(harness.store, bad) == [("failed", "error")]
    assert await statuses(harness.store, good) == [("sent", None)]
    assert str(bad) in caplog.text
    assert "I feel awful" not in caplog.text


async def test_a_failing_deliver_or_bad_status_is_marked_failed(harness: Harness) -> None:
    scheduler = scheduler_for(harness)
    first = await add_job(harness.store, "u1", T0)
    harness.status = "maybe"
    await harness.run_due(scheduler)
    assert await statuses(harness.store, first) == [("failed", "bad-status")]

    async def broken_deliver(claim: Claim, ctx: Context[Any], actions: Sequence[Action]) -> str:
        raise ConnectionError("platform down")

    second = await add_job(harness.store, "u2", T0)
    await scheduler.run_due(Host(harness.context_for, broken_deliver))
    assert await statuses(harness.store, second) == [("failed", "error")]


async def test_two_concurrent_run_due_calls_deliver_each_occurrence_once(
    harness: Harness,
) -> None:
    scheduler = scheduler_for(harness, batch_size=1000)
    ids = {await add_job(harness.store, f"u{n}", T0 - timedelta(seconds=n)) for n in range(120)}

    counts = await asyncio.gather(harness.run_due(scheduler), harness.run_due(scheduler))

    assert sum(counts) == 120
    keys = [(job, occurrence) for job, occurrence, _ in harness.delivered]
    assert len(keys) == len(set(keys)) == 120
    assert {job for job, _ in keys} == ids


@pytest.mark.parametrize("start_batch", [1, 7, 100])
async def test_two_schedulers_on_two_connections_deliver_each_occurrence_once(
    harness: Harness, tmp_path: Path, start_batch: int
) -> None:
    for n in range(120):
        await add_job(harness.store, f"u{n}", T0)
    other_store = await open_sqlite(tmp_path / "warmline.db")
    try:
        other = Harness(other_store, harness.clock, harness.community)
        counts = await asyncio.gather(
            harness.run_due(scheduler_for(harness, start_batch=start_batch)),
            other.run_due(scheduler_for(other, start_batch=start_batch)))
    finally:
        await other_store.close()
    keys = [(j, o) for j, o, _ in harness.delivered + other.delivered]
    assert sum(counts) == len(keys) == len(set(keys)) == 120


class Crash(BaseException):
    """The process dying: not an ``Exception``, so nothing on the way out may handle it."""


async def test_a_crash_loses_only_the_two_groups_in_hand_and_the_rest_run_next(
    harness: Harness, backend: str,
) -> None:
    """Started in groups of 2, two groups in hand: the process dies after the third send, while
    the second group (the third and fourth occurrences) is being delivered and the third group
    (the fifth and sixth) is already started. Those four are in doubt: recorded ``unknown`` and
    never resent, the fourth to sixth included although they never went out. The seventh was
    never claimed: it runs after the restart."""
    scheduler = scheduler_for(harness, start_batch=2)
    ids = [await add_job(harness.store, f"u{n}", T0 - timedelta(minutes=7 - n)) for n in range(7)]

    async def dies_after_the_third_send(claim: Claim, ctx: Context[Any],
                                        actions: Sequence[Action]) -> str:
        await harness.deliver(claim, ctx, actions)  # the platform accepted it ...
        if len(harness.delivered) == 3:
            raise Crash  # ... and the process died before recording that
        return "sent"

    with pytest.raises(Crash):
        await scheduler.run_due(Host(harness.context_for, dies_after_the_third_send))

    if backend == "postgres":  # other workers may be alive: a send is theirs for its lease
        assert await scheduler_for(harness).recover() == 0
        harness.clock.advance(SENDING_LEASE)
    restarted = scheduler_for(harness)
    assert await restarted.recover() == 4
    assert await harness.run_due(restarted) == 1
    unknown = [("unknown", "interrupted")]
    assert [await statuses(harness.store, job) for job in ids] == [
        [("sent", None)], [("sent", None)], unknown, unknown, unknown, unknown,
        [("sent", None)]]
    # Nobody twice; the fourth to sixth are the ones the crash cost.
    assert [job for job, _, _ in harness.delivered] == [ids[0], ids[1], ids[2], ids[6]]


async def test_outcomes_the_store_could_not_record_are_recorded_by_the_next_run(
    harness: Harness,
) -> None:
    """The database fails just as a run records its last outcomes (the prompts went out): the
    run fails, and the next one records them, instead of leaving them ``sending`` for recovery
    to call ``unknown``. Nothing goes out twice."""
    scheduler = scheduler_for(harness, start_batch=2)
    ids = [await add_job(harness.store, f"u{n}", T0) for n in range(2)]
    real = harness.store.jobs.start_group
    failures = [StoreDown()]

    async def fails_once_recording(finished: Any, starts: Any, now: datetime) -> Any:
        if finished and not starts and failures:
            raise failures.pop()
        return await real(finished, starts, now)

    harness.store.jobs.start_group = fails_once_recording  # type: ignore[method-assign]
    with pytest.raises(StoreDown):
        await harness.run_due(scheduler)
    assert len(harness.delivered) == 2
    assert [await statuses(harness.store, job) for job in ids] == [[("sending", None)]] * 2
    assert await harness.run_due(scheduler) == 0
    assert [await statuses(harness.store, job) for job in ids] == [[("sent", None)]] * 2
    assert sorted(job for job, _, _ in harness.delivered) == ids


class StoreDown(Exception):
    """The database not answering for a moment."""


async def test_queued_leftovers_run_before_new_claims_oldest_first_with_expiry_applied(
    harness: Harness,
) -> None:
    scheduler = scheduler_for(harness, expiry=timedelta(hours=2))
    stale = await add_job(harness.store, "stale", T0)
    older = await add_job(harness.store, "older", T0 + timedelta(hours=1))
    newer = await add_job(harness.store, "newer", T0 + timedelta(hours=1, minutes=10))
    await harness.store.jobs.claim_due(T0 + timedelta(hours=1, minutes=10), 10)  # then a crash
    fresh = await add_job(harness.store, "fresh", T0 + timedelta(minutes=30))  # due earliest

    harness.clock.set(T0 + timedelta(hours=2, minutes=30))
    assert await scheduler.recover() == 0  # nothing had started
    assert await harness.run_due(scheduler) == 4

    assert [job for job, _ in harness.ran] == [older, newer, fresh]
    assert await statuses(harness.store, stale) == [("skipped", "expired")]
    assert await statuses(harness.store, fresh) == [("sent", None)]  # exactly 2 hours late


async def test_a_graceful_stop_finishes_the_groups_in_hand_and_leaves_the_rest_due(
    harness: Harness,
) -> None:
    """Started in groups of 3, two in hand: the stop comes during the first group; it and the
    second (already started: its rows are written, so it is sent, not dropped) are finished,
    and the four never claimed stay due."""
    scheduler = scheduler_for(harness, start_batch=3)
    ids = [await add_job(harness.store, f"u{n}", T0, rule="daily 08:00") for n in range(10)]

    handled = await scheduler.run_due(harness,
                                      should_stop=lambda: len(harness.delivered) >= 1)

    assert handled == 6
    rows = await harness.store.db.fetchall("SELECT status, COUNT(*) AS n FROM deliveries "
                                           "GROUP BY status")
    assert {r["status"]: r["n"] for r in rows} == {"sent": 6}  # nothing half-done or held
    assert await scheduler.next_due() == T0  # the unclaimed four are still due

    harness.clock.advance(timedelta(minutes=1))
    assert await harness.run_due(scheduler) == 4
    assert sorted(job for job, _, _ in harness.delivered) == ids
    assert {occurrence for _, occurrence, _ in harness.delivered} == {T0}
    assert await scheduler.next_due() == T0 + timedelta(days=1)


async def test_a_graceful_stop_leaves_queued_leftovers_for_the_next_run(
    harness: Harness,
) -> None:
    """Occurrences an earlier process claimed and never started run first, in groups; a stop
    leaves the ones not yet started queued (none is lost), and the next run takes them first."""
    scheduler = scheduler_for(harness, start_batch=2)
    for n in range(5):
        await add_job(harness.store, f"u{n}", T0, rule="daily 08:00")
    assert len(await harness.store.jobs.claim_due(T0, 5)) == 5  # then that process died

    assert await scheduler.run_due(harness, should_stop=lambda: len(harness.delivered) >= 1) == 4
    rows = await harness.store.db.fetchall("SELECT status, COUNT(*) AS n FROM deliveries "
                                           "GROUP BY status")
    assert {r["status"]: r["n"] for r in rows} == {"sent": 4, "claimed": 1}
    assert await harness.run_due(scheduler) == 1
    assert await harness.store.jobs.queued(10) == []


async def test_each_group_costs_one_write_and_the_last_outcomes_one_more(
    harness: Harness,
) -> None:
    scheduler = scheduler_for(harness, batch_size=10, start_batch=4)
    for n in range(10):
        await add_job(harness.store, f"u{n}", T0)
    before = harness.store.db.writes
    assert await harness.run_due(scheduler) == 10
    # Groups of 4 + 4 + 2, each claimed and started with the previous outcomes in one write;
    # and the last group's outcomes alone.
    assert harness.store.db.writes - before == 3 + 1


async def test_a_group_of_a_hundred_costs_a_handful_of_statements(
    harness: Harness,
) -> None:
    """Whatever the group's size: what a 100-prompt fan-out costs the database is counted."""
    scheduler = scheduler_for(harness, batch_size=100, start_batch=100)
    for n in range(100):
        await add_job(harness.store, f"u{n}", T0)
    statements: list[str] = []
    real = harness.store.db.transaction

    @contextlib.asynccontextmanager
    async def counting() -> Any:
        async with real() as tx:
            yield Counting(tx, statements)

    harness.store.db.transaction = counting  # type: ignore[method-assign]
    before = harness.store.db.writes
    assert await harness.run_due(scheduler) == 100
    assert harness.store.db.writes - before == 1 + 1  # claim-start-decide, last outcomes
    assert len(statements) <= 8, statements


class Counting:
    """A transaction that notes each statement it runs."""

    def __init__(self, tx: Any, seen: list[str]) -> None:
        self._tx, self._seen = tx, seen

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._tx, name)

        async def noted(sql: str, *args: Any) -> Any:
            self._seen.append(" ".join(sql.split())[:60])
            return await method(sql, *args)
        return noted


async def test_an_occurrence_another_scheduler_started_is_not_run_again(
    harness: Harness,
) -> None:
    scheduler = scheduler_for(harness)
    taken = await add_job(harness.store, "taken", T0)
    mine = await add_job(harness.store, "mine", T0 + timedelta(seconds=1))
    await harness.store.jobs.claim_due(T0 + timedelta(seconds=1), 10)
    # A live scheduler elsewhere started "taken"; this one sees both rows queued.
    assert await harness.store.jobs.advance(None, (taken, T0), T0) is True

    assert await harness.run_due(scheduler) == 1
    assert [job for job, _, _ in harness.delivered] == [mine]
    assert await statuses(harness.store, taken) == [("sending", None)]


async def test_batch_size_bounds_one_call_and_start_batch_bounds_each_claim(
    harness: Harness,
) -> None:
    scheduler = scheduler_for(harness, batch_size=4, start_batch=3)
    for n in range(10):
        await add_job(harness.store, f"u{n}", T0)
    claimed_sizes: list[int] = []
    real_claim = harness.store.jobs.claim_and_start

    async def spy(now: datetime, limit: int) -> list[Claim]:
        got = await real_claim(now, limit)
        claimed_sizes.append(len(got))
        return got

    harness.store.jobs.claim_and_start = spy  # type: ignore[method-assign]
    assert await harness.run_due(scheduler) == 4
    assert claimed_sizes == [3, 1]  # never more than one call will run
    assert await harness.run_due(scheduler) == 4
    assert await harness.run_due(scheduler) == 2
    assert await harness.run_due(scheduler) == 0
    assert await harness.store.jobs.queued(10) == []


def test_groups_are_batched_by_default_and_capped_by_the_call_size(
    harness: Harness,
) -> None:
    assert scheduler_for(harness).start_batch > 1
    assert Scheduler(harness.store, harness.clock, start_batch=3).start_batch == 3
    assert Scheduler(harness.store, harness.clock, batch_size=5, start_batch=50).start_batch == 5
    with pytest.raises(ValueError):
        Scheduler(harness.store, harness.clock, start_batch=0)


def test_the_runtime_sizes_groups_to_half_a_second_of_its_slowest_platform() -> None:
    assert start_batch_for([40.0]) == 20  # Discord's default pace: 40 in flight at most
    assert start_batch_for([40.0, 1.0]) == 1
    assert start_batch_for([math.inf]) == DEFAULT_START_BATCH  # a simulator's
    assert start_batch_for([]) == DEFAULT_START_BATCH
    assert start_batch_for([1000.0]) == DEFAULT_START_BATCH


def test_registering_a_kind_twice_is_an_error(harness: Harness) -> None:
    scheduler = scheduler_for(harness)
    with pytest.raises(ValueError, match="already registered"):
        scheduler.register("checkin", JobKind(run=harness.run))
    assert scheduler.kinds() == {"checkin"}
    with pytest.raises(ValueError):
        Scheduler(harness.store, harness.clock, batch_size=0)


async def test_a_runner_that_wrote_then_failed_leaves_nothing_and_keeps_the_last_outcome(
    harness: Harness,
) -> None:
    """The start, the previous outcome and the runner's writes share one unit of work: a
    runner's error rolls its writes back, and its start and the previous outcome are still
    recorded."""
    scheduler = Scheduler(harness.store, harness.clock)

    async def write_then_explode(claim: Claim, ctx: Context[Any]) -> Sequence[Action]:
        await harness.store.jobs.upsert(kind="checkin", subject="written-by-runner",
                                        community_id=None, member_id=None, rule=None,
                                        zone="UTC", next_run=T0 + timedelta(days=1))
        raise ValueError("boom")

    scheduler.register("checkin", JobKind(run=harness.run))
    scheduler.register("broken", JobKind(run=write_then_explode))
    good = await add_job(harness.store, "u1", T0 - timedelta(minutes=1))
    bad = await add_job(harness.store, "u2", T0, kind="broken")

    assert await harness.run_due(scheduler) == 2

    assert await statuses(harness.store, good) == [("sent", None)]
    assert await statuses(harness.store, bad) == [("failed", "error")]
    assert await harness.store.jobs.get("checkin", "written-by-runner") is None


async def test_what_the_runner_writes_commits_with_its_start(harness: Harness) -> None:
    """Nothing is sent before the unit that started the occurrence committed: when deliver
    runs, the start (``sending``) and the runner's row are both on disk."""
    scheduler = Scheduler(harness.store, harness.clock)
    seen: list[tuple[list[tuple[str, str | None]], bool]] = []

    async def run(claim: Claim, ctx: Context[Any]) -> Sequence[Action]:
        await harness.store.jobs.upsert(kind="checkin", subject=f"row-{claim.job.id}",
                                        community_id=None, member_id=None, rule=None,
                                        zone="UTC", next_run=T0 + timedelta(days=1))
        return [SendDirect(platform="memory", user="u1", text="hello")]

    async def deliver(claim: Claim, ctx: Context[Any], actions: Sequence[Action]) -> Any:
        row = await harness.store.jobs.get("checkin", f"row-{claim.job.id}")
        seen.append((await statuses(harness.store, claim.job.id), row is not None))
        return "sent"

    scheduler.register("kind", JobKind(run=run))
    job_id = await add_job(harness.store, "u1", T0, kind="kind")
    assert await scheduler.run_due(Host(harness.context_for, deliver)) == 1
    assert seen == [([("sending", None)], True)]
    assert await statuses(harness.store, job_id) == [("sent", None)]


async def test_a_batch_reads_its_members_and_communities_once(harness: Harness) -> None:
    """The contexts of one claimed batch are built from rows read once for the batch."""
    scheduler = scheduler_for(harness, start_batch=10)
    members = [await harness.store.members.ensure(harness.community.id, f"u{i}", now=T0)
               for i in range(3)]
    for member in members:
        await harness.store.jobs.upsert(kind="checkin", subject=f"m{member.id}",
                                        community_id=harness.community.id,
                                        member_id=member.id, rule=None, zone="UTC", next_run=T0)
    given: list[Any] = []

    async def context_for(claim: Claim, rows: Any = None) -> Context[Any] | None:
        given.append(rows)
        return await harness.context_for(claim)

    assert await scheduler.run_due(Host(context_for, harness.deliver)) == 3
    assert len(given) == 3 and given[0] is given[1] is given[2]
    assert set(given[0].members) == {m.id for m in members}
    assert set(given[0].communities) == {harness.community.id}
