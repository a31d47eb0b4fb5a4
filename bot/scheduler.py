"""The durable job runner: claim → run → deliver → mark, with the store as the only memory.

Delivery guarantee
------------------
1. **Claim**: ``store.jobs.claim_due`` advances the job and inserts a ``claimed`` delivery keyed
   by ``(job, occurrence)`` in one transaction, so an occurrence is handed out once, ever, even to
   two schedulers sharing one database.
2. **Run** the job kind's runner (pure decision: returns actions), then **deliver** the actions
   through the caller's callback (the outbox), which says ``sent``, ``skipped`` or ``failed``.
3. **Mark** the delivery with that outcome.

A crash between 1 and 3 leaves the delivery ``claimed``; :meth:`Scheduler.recover` turns it into
``unknown`` at the next start and it is **never resent**: prompts are at-most-once, because a
missed check-in prompt is kinder than a duplicate. To keep that loss small, the scheduler claims
``in_flight`` occurrences per transaction (default 1) and delivers them one at a time, so one
crash leaves at most ``in_flight`` deliveries unknown per running scheduler. Claims are cheap
next to a platform send (bench/bench_scheduler.py), so claiming one at a time costs little.

After downtime the store coalesces a recurring job's missed occurrences into the latest one
(never a burst); the job kind's ``expiry`` then decides whether that one is still worth sending
or is recorded as ``skipped: expired``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from bot.actions import Action
from bot.clock import Clock
from bot.feature import Context, JobKind
from bot.store.base import Claim, Store

log = logging.getLogger(__name__)

FINAL_STATUSES = frozenset({"sent", "skipped", "failed"})

ContextFor = Callable[[Claim], Awaitable[Context | None]]
Deliver = Callable[[Claim, Sequence[Action]], Awaitable[str]]


class Scheduler:
    """Runs due jobs of registered kinds. Owns no task: the app calls :meth:`run_due` when
    :meth:`next_due` says so (``clock.sleep_until``), and again after scheduling new jobs."""

    def __init__(self, store: Store, clock: Clock, *, batch_size: int = 500,
                 in_flight: int = 1) -> None:
        """``batch_size``: the most occurrences one :meth:`run_due` call handles before it
        returns (so a large backlog cannot starve the caller's loop). ``in_flight``: how many
        occurrences are claimed per transaction, which is also the most one crash can leave
        ``unknown``."""
        if batch_size < 1 or in_flight < 1:
            raise ValueError("batch_size and in_flight must be at least 1")
        self._store = store
        self._clock = clock
        self._batch_size = batch_size
        self._in_flight = min(in_flight, batch_size)
        self._kinds: dict[str, JobKind] = {}

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def register(self, kind: str, job_kind: JobKind) -> None:
        if kind in self._kinds:
            raise ValueError(f"job kind {kind!r} is already registered")
        self._kinds[kind] = job_kind

    def kinds(self) -> frozenset[str]:
        return frozenset(self._kinds)

    async def recover(self) -> int:
        """At startup: mark deliveries a crash left ``claimed`` as ``unknown`` (never resent)."""
        return await self._store.jobs.recover_unfinished(self._clock.now())

    async def next_due(self) -> datetime | None:
        """When the next job is due (UTC), or None when nothing is scheduled."""
        return await self._store.jobs.next_due_time()

    async def run_due(
        self, context_for: ContextFor, deliver: Deliver, *,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """Handle due occurrences until none is due or ``batch_size`` were handled; return how
        many were handled (whatever their outcome). ``should_stop`` is asked before each claim,
        so a shutdown finishes what it claimed and leaves the rest due for the next start."""
        handled = 0
        while handled < self._batch_size and not (should_stop and should_stop()):
            limit = min(self._in_flight, self._batch_size - handled)
            claims = await self._store.jobs.claim_due(self._clock.now(), limit)
            if not claims:
                break
            for claim in claims:
                await self._handle(claim, context_for, deliver)
            handled += len(claims)
        return handled

    async def _handle(self, claim: Claim, context_for: ContextFor, deliver: Deliver) -> None:
        job = claim.job
        kind = self._kinds.get(job.kind)
        if kind is None:
            log.error("job %s has unregistered kind; marked failed", job.id)
            await self._finish(claim, "failed", "unknown-kind")
            return
        if kind.expiry is not None and self._clock.now() - claim.occurrence > kind.expiry:
            log.info("job %s occurrence expired before it could run; skipped", job.id)
            await self._finish(claim, "skipped", "expired")
            return
        try:
            ctx = await context_for(claim)
            if ctx is None:
                await self._finish(claim, "skipped", "no-context")
                return
            actions = await kind.run(claim, ctx)
            status = await deliver(claim, actions)
        except Exception as exc:
            # Only the exception type: its message could quote what a member wrote.
            log.error("job %s (kind %s) failed: %s", job.id, job.kind, type(exc).__name__)
            await self._finish(claim, "failed", "error")
            return
        if status not in FINAL_STATUSES:
            log.error("deliver returned an invalid status for job %s; marked failed", job.id)
            await self._finish(claim, "failed", "bad-status")
            return
        await self._finish(claim, status, None)

    async def _finish(self, claim: Claim, status: str, reason: str | None) -> None:
        await self._store.jobs.finish(
            claim.job.id, claim.occurrence, status, self._clock.now(), reason
        )
