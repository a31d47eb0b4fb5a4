"""The durable job runner: claim a batch → for each: start → run → deliver → finish.

Delivery guarantee
------------------
1. **Claim** a batch: ``store.jobs.claim_due`` advances up to ``claim_batch`` jobs and inserts a
   ``claimed`` delivery for each, keyed by ``(job, occurrence)``, in ONE transaction, so an
   occurrence is handed out once, ever, even to two schedulers sharing one database. ``claimed``
   means *queued, not started*.
2. **Start** each occurrence before anything of it is sent: ``store.jobs.advance`` moves it to
   ``sending`` in ONE unit of work with the previous occurrence's outcome and what its runner
   writes (step 3), so one transaction per occurrence. The move is a compare-and-set, so a
   queued row is run by one scheduler only; nothing is sent before that unit commits.
3. **Decide**: the host (the runtime) builds the job's context (from the batch's members and
   communities, read once per claimed batch: ``BatchRows``); the job kind's **expiry** is
   decided here, in that context, in this one place (a community may override it); then the
   kind's runner decides (returns actions) and the host **delivers** them through the delivery
   pipeline, which says ``sent``, ``skipped`` or ``failed``. The context travels with the call:
   nothing is stashed between the two steps.

A crash leaves at most the one ``sending`` occurrence in doubt; :meth:`Scheduler.recover` marks it
``unknown`` at the next start and it is **never resent** (a missed check-in prompt is kinder than
a duplicate). The rest of the batch is still ``claimed``: never started, so the next
:meth:`run_due` runs those first, oldest first, before claiming anything new. A graceful stop
(``should_stop``) hands unstarted claims back to their jobs (``release``), as if never claimed.
So batching costs no extra loss: at most one prompt per crash per scheduler, whatever the batch.

After downtime the store coalesces a recurring job's missed occurrences into the latest one
(never a burst); the job kind's ``expiry`` then decides whether that one is still worth sending
or is recorded as ``skipped: expired``.
"""

from __future__ import annotations

import contextlib
import logging
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

DEFAULT_CLAIM_BATCH = 100
"""Occurrences claimed per transaction. Loss per crash no longer depends on it (only the started
occurrence can be lost); larger batches save claim transactions but hold more jobs out of the
``next_run`` queue while they wait (at tens of ms per platform send, 100 wait seconds at most)."""



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


class Scheduler:
    """Runs due jobs of registered kinds. Owns no task: the app calls :meth:`run_due` when
    :meth:`next_due` says so (``clock.sleep_until``), and again after scheduling new jobs."""

    def __init__(self, store: Store, clock: Clock, *, batch_size: int = 500,
                 claim_batch: int = DEFAULT_CLAIM_BATCH, metrics: Metrics = NO_METRICS) -> None:
        """``batch_size``: the most occurrences one :meth:`run_due` call handles before it
        returns (so a large backlog cannot starve the caller's loop). ``claim_batch``: how many
        occurrences are claimed per transaction (capped at ``batch_size``)."""
        if batch_size < 1 or claim_batch < 1:
            raise ValueError("batch_size and claim_batch must be at least 1")
        self._store = store
        self._clock = clock
        self._batch_size = batch_size
        self._claim_batch = min(claim_batch, batch_size)
        self._kinds: dict[str, JobKind] = {}
        self._metrics = metrics

    @property
    def claim_batch(self) -> int:
        return self._claim_batch

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
        """Handle due occurrences until none is due or ``batch_size`` were handled; return how
        many were handled (whatever their outcome). Occurrences left queued by an earlier
        process come first. ``should_stop`` is asked before each occurrence starts: a shutdown
        finishes the one in hand and returns the rest of the claimed batch to its jobs."""
        jobs = self._store.jobs
        queue: deque[Claim] = deque()
        done: Finished | None = None
        handled = 0
        rows: BatchRows | None = None
        try:
            while handled < self._batch_size:
                if should_stop is not None and should_stop():
                    break
                if not queue:
                    limit = min(self._claim_batch, self._batch_size - handled)
                    queue.extend(await jobs.queued(limit)
                                 or await jobs.claim_due(self._clock.now(), limit))
                    if not queue:
                        break
                    rows = await self._rows_of(queue)
                claim = queue.popleft()
                # Finish the previous occurrence, start this one and run its runner: one
                # transaction.
                decided = await self._start(done, claim, host, rows)
                done = None
                if decided is None:
                    continue  # another scheduler started it, or its job was deleted
                status, reason = (decided if isinstance(decided, tuple)
                                  else await self._deliver(claim, host, decided))
                self._metrics.inc(JOBS_DUE, kind=claim.job.kind, outcome=status)
                done = (claim.job.id, claim.occurrence, status, reason)
                handled += 1
        except Exception:
            # A store error: record what is known; unstarted claims stay queued for next time.
            if done is not None:
                with contextlib.suppress(Exception):
                    await jobs.advance(done, None, self._clock.now())
            raise
        if done is not None:
            await jobs.advance(done, None, self._clock.now())
        if queue:
            released = await jobs.release(list(queue))
            log.info("stopping: %d claimed occurrences returned to their jobs", released)
        return handled

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

    async def _start(self, done: Finished | None, claim: Claim, host: JobHost,
                     rows: BatchRows | None) -> _Run | tuple[Outcome, str | None] | None:
        """Record ``done``, start ``claim`` and decide it in ONE unit of work; None when it was
        not ours to start.

        Why one unit: the start, the previous outcome and what the runner writes (a prompt row)
        were three transactions per occurrence; together they are one, and the promise holds:
        nothing is sent before the unit commits (a crash before it leaves the occurrence
        queued, to be run again; after it, ``sending``, never resent). A runner's error rolls
        the unit back, so the start and the previous outcome are written again alone."""
        start = (claim.job.id, claim.occurrence)
        try:
            async with self._store.db.unit_of_work():
                if not await self._store.jobs.advance(done, start, self._clock.now()):
                    return None
                return await self._decide(claim, host, rows)
        except Exception as exc:
            # Only the exception type: its message could quote what a member wrote.
            log.error("job %s (kind %s) failed: %s", claim.job.id, claim.job.kind,
                      type(exc).__name__)
            self._metrics.inc(HANDLER_ERRORS, source="job", type=claim.job.kind)
        if not await self._store.jobs.advance(done, start, self._clock.now()):
            return None
        return "failed", "error"

    async def _decide(self, claim: Claim, host: JobHost,
                      rows: BatchRows | None) -> _Run | tuple[Outcome, str]:
        """The started occurrence's context, expiry and runner: what to send, or why nothing
        is (the outcome). Runs inside :meth:`_start`'s unit of work."""
        job = claim.job
        kind = self._kinds.get(job.kind)
        if kind is None:
            log.error("job %s has unregistered kind; marked failed", job.id)
            return "failed", "unknown-kind"
        ctx = await host.context_for(claim, rows)
        if ctx is None:
            return "skipped", "no-context"
        expiry = kind.expiry_for(ctx)
        if expiry is not None and self._clock.now() - claim.occurrence > expiry:
            log.info("job %s occurrence expired before it could run; skipped", job.id)
            return "skipped", "expired"
        if expiry is not None:
            # What this occurrence sends is stale after the same time, even when the
            # quiet-hours gate holds it back.
            ctx.extra["expires_at"] = claim.occurrence + expiry
        return _Run(ctx, await kind.run(claim, ctx))

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
