"""The durable job runner: claim a batch → for each: start → run → deliver → finish.

Delivery guarantee
------------------
1. **Claim** a batch: ``store.jobs.claim_due`` advances up to ``claim_batch`` jobs and inserts a
   ``claimed`` delivery for each, keyed by ``(job, occurrence)``, in ONE transaction, so an
   occurrence is handed out once, ever, even to two schedulers sharing one database. ``claimed``
   means *queued, not started*.
2. **Start** each occurrence before its runner runs: ``store.jobs.advance`` moves it to
   ``sending`` in the same transaction that records the previous occurrence's outcome (one write
   per occurrence). The move is a compare-and-set, so a queued row is run by one scheduler only.
3. **Decide**: the host (the runtime) builds the job's context; the job kind's **expiry** is
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
from datetime import datetime
from typing import Any, Protocol

from bot.actions import Action
from bot.clock import Clock
from bot.feature import Context, JobKind
from bot.metrics import HANDLER_ERRORS, JOBS_DUE, NO_METRICS, Metrics
from bot.model import FINAL_STATUSES, Claim, Finished, Outcome
from bot.store.base import Store

log = logging.getLogger(__name__)

DEFAULT_CLAIM_BATCH = 100
"""Occurrences claimed per transaction. Loss per crash no longer depends on it (only the started
occurrence can be lost); larger batches save claim transactions but hold more jobs out of the
``next_run`` queue while they wait (at tens of ms per platform send, 100 wait seconds at most)."""



class JobHost(Protocol):
    """What the scheduler needs from the runtime to run one occurrence."""

    async def context_for(self, claim: Claim) -> Context[Any] | None:
        """The job's context (None when its community or member is gone)."""
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
                claim = queue.popleft()
                # Finish the previous occurrence and start this one in one transaction.
                started = await jobs.advance(done, (claim.job.id, claim.occurrence),
                                             self._clock.now())
                done = None
                if not started:
                    continue  # another scheduler started it, or its job was deleted
                status, reason = await self._handle(claim, host)
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

    async def _handle(self, claim: Claim, host: JobHost) -> tuple[Outcome, str | None]:
        """Decide, run and deliver one started occurrence; return its outcome (status, reason).
        Never raises for a runner's or deliver's failure: the outcome records it."""
        job = claim.job
        kind = self._kinds.get(job.kind)
        if kind is None:
            log.error("job %s has unregistered kind; marked failed", job.id)
            return "failed", "unknown-kind"
        try:
            ctx = await host.context_for(claim)
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
            async with self._store.db.unit_of_work():  # what the runner writes, together
                actions = await kind.run(claim, ctx)
            delivered = await host.deliver(claim, ctx, actions)
        except Exception as exc:
            # Only the exception type: its message could quote what a member wrote.
            log.error("job %s (kind %s) failed: %s", job.id, job.kind, type(exc).__name__)
            self._metrics.inc(HANDLER_ERRORS, source="job", type=job.kind)
            return "failed", "error"
        status, reason = delivered if isinstance(delivered, tuple) else (delivered, None)
        if status not in FINAL_STATUSES:
            log.error("deliver returned an invalid status for job %s; marked failed", job.id)
            return "failed", "bad-status"
        return status, reason
