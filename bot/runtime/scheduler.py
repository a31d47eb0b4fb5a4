"""The durable job runner: claim and start a group → decide it → deliver it → record it.

Delivery guarantee
------------------
1. **Claim and start** a group of up to ``start_batch`` due occurrences in ONE unit of work:
   ``store.jobs.claim_and_start`` advances the jobs and inserts a ``sending`` delivery for each,
   keyed by ``(job, occurrence)``, so an occurrence is handed out once, ever, even to two
   schedulers sharing one database; the same unit records the previous group's outcomes, what
   its deliveries learned, and what the runners write (step 2). Nothing is sent before that
   unit commits: a crash before it leaves the jobs due as they were.
2. **Decide**: the host (the runtime) builds each job's context (from the group's members and
   communities, read once: ``BatchRows``); the job kind's **expiry** is decided here, in that
   context, in this one place (a community may override it); then the kind's runner decides
   (returns actions; a kind with ``run_many`` decides a run of its occurrences in one call, so
   a fan-out's prompt rows are one statement) and the host **delivers** them through the
   delivery pipeline, which says ``sent``, ``skipped`` or ``failed``. The context travels with
   the call: nothing is stashed between the two steps.
3. **Record** the outcomes in the next group's unit (or a last one of their own).

Occurrences an earlier process claimed without starting (``claimed``, queued) run first, oldest
first, started with ``store.jobs.start_group`` (a compare-and-set, so of two schedulers holding
the same queued row exactly one runs it).

Two groups are in hand at a time: while one group's deliveries go out, the next one is claimed,
started and decided (its unit waits on the database while the deliveries use the processor). A
crash therefore leaves at most those two started groups in doubt; :meth:`Scheduler.recover`
marks their ``sending`` rows ``unknown`` at the next start and they are **never resent** (a
missed check-in prompt is kinder than a duplicate). Nothing else is lost: jobs not yet claimed
are still due. A graceful stop (``should_stop``) finishes the groups in hand and hands queued
claims back to their jobs (``release``), as if never claimed. So the loss bound is at most
``2 × start_batch`` prompts per crash per scheduler, and since the runtime sizes the start batch
to half a second of its slowest platform's sending (:func:`start_batch_for`), at most about a
second of sending (docs/scheduling.md measures it).

After downtime the store coalesces a recurring job's missed occurrences into the latest one
(never a burst); the job kind's ``expiry`` then decides whether that one is still worth sending
or is recorded as ``skipped: expired``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.actions import Action
from bot.clock import Clock
from bot.feature import Context, JobKind
from bot.metrics import HANDLER_ERRORS, JOBS_DUE, NO_METRICS, Metrics
from bot.model import FINAL_STATUSES, BatchRows, Claim, Finished, Outcome
from bot.store.base import Store

log = logging.getLogger(__name__)

DEFAULT_START_BATCH = 100
"""Occurrences started (marked ``sending``) per transaction. Two groups are in hand at a time
(one being delivered, the next started), so twice this is the most one crash can leave in
doubt. The runtime lowers it to what its slowest platform sends in half a second
(:func:`start_batch_for`), so a crash also leaves at most about a second of sending in doubt."""


def start_batch_for(sends_per_second: Sequence[float], most: int = DEFAULT_START_BATCH) -> int:
    """The start batch for adapters sending at these rates: half a second of the slowest one's
    sending, between 1 and ``most`` (an unpaced adapter, a simulator's, gets ``most``)."""
    slowest = min(sends_per_second, default=math.inf)
    return most if math.isinf(slowest) else max(1, min(most, int(slowest / 2)))


class JobHost(Protocol):
    """What the scheduler needs from the runtime to run one occurrence."""

    async def context_for(self, claim: Claim,
                          rows: BatchRows | None = None) -> Context[Any] | None:
        """The job's context (None when its community or member is gone). ``rows``: the
        members and communities of the claimed batch, read once for all of it."""
        ...

    async def deliver(self, claim: Claim, ctx: Context[Any],
                      actions: Sequence[Action]) -> Outcome | tuple[Outcome, str]:
        """Send what the runner decided, in the context it decided in; the outcome, or the
        outcome and its reason."""
        ...

    async def settle(self) -> None:
        """Write what the deliveries since the last call learned (a member's new private
        conversation, say). The scheduler calls it inside its next unit of work, so those
        writes ride along with the next group's transaction instead of one each."""
        ...


class Scheduler:
    """Runs due jobs of registered kinds. Owns no task: the app calls :meth:`run_due` when
    :meth:`next_due` says so (``clock.sleep_until``), and again after scheduling new jobs."""

    def __init__(self, store: Store, clock: Clock, *, batch_size: int = 500,
                 start_batch: int = DEFAULT_START_BATCH, metrics: Metrics = NO_METRICS) -> None:
        """``batch_size``: the most occurrences one :meth:`run_due` call handles before it
        returns (so a large backlog cannot starve the caller's loop). ``start_batch``: how many
        are claimed and started together (capped at ``batch_size``); twice it is the most a
        crash can leave in doubt."""
        if batch_size < 1 or start_batch < 1:
            raise ValueError("batch_size and start_batch must be at least 1")
        self._store = store
        self._clock = clock
        self._batch_size = batch_size
        self._start_batch = min(start_batch, batch_size)
        self._kinds: dict[str, JobKind] = {}
        self._metrics = metrics
        self._unrecorded: list[Finished] = []
        """Outcomes of deliveries that went out while the store failed: recorded by the next
        :meth:`run_due`'s first unit of work, instead of being left ``sending`` (and so
        ``unknown``) by a passing database error."""

    @property
    def start_batch(self) -> int:
        return self._start_batch

    def register(self, kind: str, job_kind: JobKind) -> None:
        if kind in self._kinds:
            raise ValueError(f"job kind {kind!r} is already registered")
        self._kinds[kind] = job_kind

    def kinds(self) -> frozenset[str]:
        return frozenset(self._kinds)

    async def recover(self) -> int:
        """At startup: mark the deliveries a crash left ``sending`` as ``unknown`` (never
        resent). Queued (``claimed``) ones are left for :meth:`run_due`."""
        return await self._store.jobs.recover_unfinished(self._clock.now())

    async def next_due(self) -> datetime | None:
        """When the next job is due (UTC), or None when nothing is scheduled."""
        return await self._store.jobs.next_due_time()

    async def run_due(self, host: JobHost, *,
                      should_stop: Callable[[], bool] | None = None) -> int:
        """Handle due occurrences until none is due or ``batch_size`` were taken; return how
        many were handled (whatever their outcome). Occurrences left queued by an earlier
        process come first. ``should_stop`` is asked before each group starts: a shutdown
        finishes the groups in hand and returns what is still queued to its jobs.

        Two groups are in hand at a time: while one group's deliveries go out, the next group
        is claimed, started and decided (its unit of work waits on the database while the
        deliveries use the processor), and its deliveries begin when the first group's end."""
        jobs = self._store.jobs
        queue: deque[Claim] = deque()
        leftovers = True
        rows: BatchRows | None = None
        done, self._unrecorded = self._unrecorded, []
        """Delivered occurrences whose outcomes the next unit of work records."""
        taken = 0
        handled = [0]
        sending: asyncio.Task[None] | None = None
        try:
            while taken < self._batch_size:
                if should_stop is not None and should_stop():
                    break
                size = min(self._start_batch, self._batch_size - taken)
                if not queue and leftovers:
                    queue.extend(await jobs.queued(size))
                    leftovers = len(queue) == size
                    rows = await self._rows_of(queue) if queue else None
                # Record the outcomes delivered so far, start the next group and run its
                # runners: one transaction, while the previous group is still being delivered.
                recorded = done[:]
                if queue:  # left queued by an earlier process: run first, oldest first
                    group = [queue.popleft() for _ in range(min(size, len(queue)))]
                    decided = await self._start(recorded, group, host, rows)
                else:
                    group, decided = await self._claim_and_start(recorded, size, host)
                del done[:len(recorded)]
                if not group:
                    break
                taken += len(group)
                if sending is not None:
                    await sending
                sending = asyncio.create_task(self._deliver_group(decided, host, done, handled))
            if sending is not None:
                await sending
                sending = None
        except Exception:
            # A store error: record what is known (or keep it for the next run, when the store
            # is still failing); unstarted claims stay queued for next time.
            if sending is not None:
                with contextlib.suppress(Exception):
                    await sending
            if done:
                with contextlib.suppress(Exception):
                    await self._record(done, host)
            raise
        finally:
            if sending is not None and not sending.done():
                sending.cancel()  # the process is going down (a BaseException)
        if done:
            await self._record(done, host)
        if queue:
            released = await jobs.release(list(queue))
            log.info("stopping: %d claimed occurrences returned to their jobs", released)
        return handled[0]

    async def _claim_and_start(
        self, recorded: Sequence[Finished], limit: int, host: JobHost,
    ) -> tuple[list[Claim], list[tuple[Claim, _Run | tuple[Outcome, str]]]]:
        """Claim up to ``limit`` due occurrences, start them and decide them in ONE unit of work
        with the outcomes in ``recorded`` and what deliveries learned: (the claims, their
        decisions). Nothing is sent before it commits; a crash before that leaves the jobs due
        as they were. A runner's error rolls it all back; the group is then claimed again
        (queued) and run one occurrence at a time, so only the failing one is ``failed``."""
        try:
            async with self._store.db.unit_of_work():
                await self._store.jobs.start_group(recorded, (), self._clock.now())
                await host.settle()
                claims = await self._store.jobs.claim_and_start(self._clock.now(), limit)
                if not claims:
                    return [], []
                rows = await self._rows_of(claims)
                return claims, await self._decide_group(claims, host, rows)
        except Exception as exc:
            # Only the exception type: its message could quote what a member wrote.
            log.info("a group rolled back (%s); running it one occurrence at a time",
                     type(exc).__name__)
        await self._finish(recorded, host)
        claims = await self._store.jobs.claim_due(self._clock.now(), limit)
        rows = await self._rows_of(claims)
        return claims, await self._one_at_a_time(claims, host, rows)

    async def _deliver_group(self, decided: Sequence[tuple[Claim, _Run | tuple[Outcome, str]]],
                             host: JobHost, done: list[Finished], handled: list[int]) -> None:
        """Deliver a started group in order; each outcome joins ``done`` as it is known."""
        for claim, decision in decided:
            status, reason = (decision if isinstance(decision, tuple)
                              else await self._deliver(claim, host, decision))
            self._metrics.inc(JOBS_DUE, kind=claim.job.kind, outcome=status)
            done.append((claim.job.id, claim.occurrence, status, reason))
            handled[0] += 1
            # A send that did not wait (an unpaced platform, a full bucket) never gave the
            # loop a turn: give it one, so the next group's statements go out between sends.
            await asyncio.sleep(0)

    async def _record(self, done: Sequence[Finished], host: JobHost) -> None:
        """:meth:`_finish`; when the store fails, the outcomes wait for the next run."""
        try:
            await self._finish(done, host)
        except Exception:
            self._unrecorded = list(done)
            raise

    async def _finish(self, done: Sequence[Finished], host: JobHost) -> None:
        """The last group's outcomes, and what its deliveries learned: one unit."""
        async with self._store.db.unit_of_work():
            await self._store.jobs.start_group(done, (), self._clock.now())
            await host.settle()

    async def _rows_of(self, claims: Sequence[Claim]) -> BatchRows:
        """The members and communities of a claimed batch, one query each (not two per
        occurrence): the hosts build each occurrence's context from them."""
        member_ids = {c.job.member_id for c in claims if c.job.member_id is not None}
        community_ids = {c.job.community_id for c in claims if c.job.community_id is not None}
        return BatchRows(
            members=await self._store.members.get_many(sorted(member_ids)) if member_ids else {},
            communities=(await self._store.communities.get_many(sorted(community_ids))
                         if community_ids else {}),
        )

    async def _start(self, done: Sequence[Finished], group: Sequence[Claim], host: JobHost,
                     rows: BatchRows | None) -> list[tuple[Claim, _Run | tuple[Outcome, str]]]:
        """Record ``done``, start ``group`` and decide it in ONE unit of work; the decisions of
        the occurrences that were ours to start, in order.

        Why one unit per group: the start, the previous outcomes, what the runners write (the
        prompt rows) and what the previous deliveries learned were three transactions per
        occurrence; now they are one per group, and the promise holds: nothing is sent before
        the unit commits (a crash before it leaves the group queued, to be run again; after it,
        ``sending``, never resent). A runner's error rolls the unit back; the group then runs
        one occurrence at a time, so only the failing one is recorded ``failed``."""
        starts = [(claim.job.id, claim.occurrence) for claim in group]
        try:
            async with self._store.db.unit_of_work():
                started = await self._store.jobs.start_group(done, starts, self._clock.now())
                await host.settle()
                return await self._decide_group(
                    [claim for claim in group if (claim.job.id, claim.occurrence) in started],
                    host, rows)
        except Exception as exc:
            # Only the exception type: its message could quote what a member wrote.
            log.info("a group of %d occurrences rolled back (%s); running them one at a time",
                     len(group), type(exc).__name__)
        await self._finish(done, host)
        return await self._one_at_a_time(group, host, rows)

    async def _one_at_a_time(self, group: Sequence[Claim], host: JobHost,
                             rows: BatchRows | None,
                             ) -> list[tuple[Claim, _Run | tuple[Outcome, str]]]:
        """A group's slow path, after a runner's error rolled its unit back."""
        decided: list[tuple[Claim, _Run | tuple[Outcome, str]]] = []
        for claim in group:
            one = await self._start_one(claim, host, rows)
            if one is not None:
                decided.append((claim, one))
        return decided

    async def _start_one(self, claim: Claim, host: JobHost,
                         rows: BatchRows | None) -> _Run | tuple[Outcome, str] | None:
        """Start ``claim`` and decide it in one unit of work (a group's slow path); None when it
        was not ours to start. A runner's error rolls the unit back; the start is then written
        again alone, and the occurrence is recorded ``failed``."""
        start = [(claim.job.id, claim.occurrence)]
        try:
            async with self._store.db.unit_of_work():
                if not await self._store.jobs.start_group((), start, self._clock.now()):
                    return None
                return await self._decide(claim, host, rows)
        except Exception as exc:
            log.error("job %s (kind %s) failed: %s", claim.job.id, claim.job.kind,
                      type(exc).__name__)
            self._metrics.inc(HANDLER_ERRORS, source="job", type=claim.job.kind)
        if not await self._store.jobs.start_group((), start, self._clock.now()):
            return None
        return "failed", "error"

    async def _decide_group(self, claims: Sequence[Claim], host: JobHost,
                            rows: BatchRows | None,
                            ) -> list[tuple[Claim, _Run | tuple[Outcome, str]]]:
        """Each started occurrence's decision, in order. Consecutive occurrences of a kind that
        declares ``run_many`` (a fan-out's prompts) are decided by one call, so their writes
        are one statement; the others one by one, as :meth:`_decide` does."""
        order = {id(claim): index for index, claim in enumerate(claims)}
        decided: list[tuple[Claim, _Run | tuple[Outcome, str]]] = []
        batch: list[tuple[Claim, Context[Any]]] = []
        batch_kind: JobKind | None = None

        async def flush() -> None:
            if batch and batch_kind is not None and batch_kind.run_many is not None:
                results = await batch_kind.run_many(list(batch))
                if len(results) != len(batch):
                    raise RuntimeError("run_many must decide every occurrence it is given")
                decided.extend((claim, _Run(ctx, actions))
                               for (claim, ctx), actions in zip(batch, results, strict=True))
            batch.clear()

        for claim in claims:
            kind = self._kinds.get(claim.job.kind)
            if kind is None or kind.run_many is None:
                await flush()
                decided.append((claim, await self._decide(claim, host, rows)))
                continue
            prepared = await self._prepare(claim, kind, host, rows)
            if isinstance(prepared, tuple):
                decided.append((claim, prepared))
                continue
            if kind is not batch_kind:
                await flush()
                batch_kind = kind
            batch.append((claim, prepared))
        await flush()
        decided.sort(key=lambda pair: order[id(pair[0])])
        return decided

    async def _decide(self, claim: Claim, host: JobHost,
                      rows: BatchRows | None) -> _Run | tuple[Outcome, str]:
        """The started occurrence's context, expiry and runner: what to send, or why nothing
        is (the outcome). Runs inside its group's unit of work."""
        kind = self._kinds.get(claim.job.kind)
        if kind is None:
            log.error("job %s has unregistered kind; marked failed", claim.job.id)
            return "failed", "unknown-kind"
        prepared = await self._prepare(claim, kind, host, rows)
        if isinstance(prepared, tuple):
            return prepared
        return _Run(prepared, await kind.run(claim, prepared))

    async def _prepare(self, claim: Claim, kind: JobKind, host: JobHost,
                       rows: BatchRows | None) -> Context[Any] | tuple[Outcome, str]:
        """The occurrence's context with its expiry applied, or why it is not run: the job
        kind's **expiry** is decided here, in that context, in this one place."""
        ctx = await host.context_for(claim, rows)
        if ctx is None:
            return "skipped", "no-context"
        expiry = kind.expiry_for(ctx)
        if expiry is not None and self._clock.now() - claim.occurrence > expiry:
            log.info("job %s occurrence expired before it could run; skipped", claim.job.id)
            return "skipped", "expired"
        if expiry is not None:
            # What this occurrence sends is stale after the same time, even when the
            # quiet-hours gate holds it back.
            ctx.extra["expires_at"] = claim.occurrence + expiry
        return ctx

    async def _deliver(self, claim: Claim, host: JobHost,
                       run: _Run) -> tuple[Outcome, str | None]:
        """Send what the runner decided (after its unit committed); its outcome. Never raises
        for deliver's failure: the outcome records it."""
        job = claim.job
        try:
            delivered = await host.deliver(claim, run.ctx, run.actions)
        except Exception as exc:
            log.error("job %s (kind %s) failed: %s", job.id, job.kind, type(exc).__name__)
            self._metrics.inc(HANDLER_ERRORS, source="job", type=job.kind)
            return "failed", "error"
        status, reason = delivered if isinstance(delivered, tuple) else (delivered, None)
        if status not in FINAL_STATUSES:
            log.error("deliver returned an invalid status for job %s; marked failed", job.id)
            return "failed", "bad-status"
        return status, reason


@dataclass(frozen=True, slots=True)
class _Run:
    """What a started occurrence's runner decided, in the context it decided in."""

    ctx: Context[Any]
    actions: Sequence[Action]
