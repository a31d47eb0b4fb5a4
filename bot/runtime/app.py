"""Wires the parts into a running bot and owns its lifecycle.

Why a separate runtime: the core decides, but something must move events from adapters to the core,
actions from the core through the outbox, and due jobs from the store to the core, and stop all of
it cleanly. That is this module, and nothing else.

Shutdown (SIGTERM/SIGINT): adapters stop first (no new events), events in flight finish, the
scheduler finishes the occurrence in hand and hands the rest of its claimed batch back to the
queue (nothing half-done, nothing lost), then the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.actions import Action
from bot.adapter import Adapter, Unreachable
from bot.clock import Clock
from bot.config import Settings
from bot.events import Event, MemberUnreachable
from bot.feature import Context, Feature
from bot.model import Claim
from bot.runtime.core import Core
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.outbox import Outbox, RetryPolicy
from bot.runtime.scheduler import Scheduler
from bot.store.base import Store
from bot.texts import TextCatalogue

log = logging.getLogger(__name__)


class Warmline:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        clock: Clock,
        texts: TextCatalogue,
        features: Sequence[Feature],
        adapters: Sequence[Adapter],
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.adapters = list(adapters)
        self.core = Core(store=store, clock=clock, texts=texts, settings=settings, features=features)
        self.scheduler = Scheduler(store, clock, batch_size=settings.scheduler.batch_size)
        for feature in features:
            for kind, job_kind in feature.job_kinds().items():
                self.scheduler.register(kind, job_kind)
        self.outbox = Outbox(
            {a.platform: a for a in self.adapters},
            clock,
            retry=RetryPolicy(
                max_attempts=settings.outbox.max_attempts,
                base_backoff=settings.outbox.base_backoff_seconds,
                max_backoff=settings.outbox.max_backoff_seconds,
            ),
            on_unreachable=self._unreachable,
        )
        self.dispatcher = Dispatcher(self.handle_event)
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._unreachable_seq = 0
        self._job_contexts: dict[tuple[int, datetime], Context] = {}
        self.late = 0
        """Scheduled sends that went out later than their platform's delivery window."""

    # -- the three flows ----------------------------------------------------------------------

    async def handle_event(self, event: Event) -> None:
        before = self.store.jobs.changes
        actions = await self.core.handle(event)
        if actions:
            outcome = await self.outbox.deliver(await self.core.prepare(actions))
            await self.core.after_delivery(outcome.delivered)
        if self._wake is not None and self.store.jobs.changes != before:
            self._wake.set()  # a feature scheduled something, maybe sooner than the next due job

    async def run_due_once(self) -> int:
        """Run every job due now; returns how many occurrences were handled."""
        stop = self._stop
        self._job_contexts.clear()  # a runner that raised never reached _deliver_job
        return await self.scheduler.run_due(
            self._job_context, self._deliver_job,
            should_stop=stop.is_set if stop is not None else None,
        )

    async def _job_context(self, claim: Claim) -> Context | None:
        ctx = await self.core.job_context(claim)
        if ctx is not None:  # kept for _deliver_job, which the scheduler calls next for this claim
            self._job_contexts[(claim.job.id, claim.occurrence)] = ctx
        return ctx

    async def _deliver_job(self, claim: Claim, actions: Sequence[Action]) -> str:
        ctx = self._job_contexts.pop((claim.job.id, claim.occurrence), None)
        if not actions:
            return "skipped"
        outcome = await self.outbox.deliver(await self.core.prepare(actions, ctx))
        await self.core.after_delivery(outcome.delivered, ctx)
        adapter = self.outbox.adapters.get(actions[0].platform)
        if adapter is not None:
            lateness = (self.clock.now() - claim.occurrence).total_seconds()
            if lateness > adapter.capabilities.delivery_window_seconds:
                self.late += 1
                log.warning("job %s (%s) went out %.0fs after it was due", claim.job.id,
                            claim.job.kind, lateness)
        return "sent" if outcome.status == "sent" else "failed"

    async def _unreachable(self, action: Action, exc: Unreachable) -> None:
        self._unreachable_seq += 1
        now = self.clock.now()
        event = MemberUnreachable(
            platform=action.platform,
            event_id=f"unreachable-{exc.user}-{int(now.timestamp())}-{self._unreachable_seq}",
            at=now, community=action.community, user=exc.user, reason=exc.reason,
        )
        await self.core.handle(event)

    # -- lifecycle ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set, then shut down gracefully."""
        self._wake = asyncio.Event()
        self._stop = stop
        recovered = await self.scheduler.recover()
        if recovered:
            log.warning("%d deliveries were in flight at the last crash; not resent", recovered)
        started: list[Adapter] = []
        try:
            for adapter in self.adapters:
                await adapter.start(self.dispatcher.submit)
                started.append(adapter)
                log.info("adapter %s started", adapter.platform)
            await self._scheduler_loop(stop)
        finally:
            for adapter in reversed(started):
                with contextlib.suppress(Exception):
                    await adapter.stop()
            await self.dispatcher.drain(timeout=30)
            log.info(
                "stopped: %d events handled, %d actions sent, %d failed",
                self.dispatcher.handled, self.outbox.sent, self.outbox.failed,
            )

    async def _scheduler_loop(self, stop: asyncio.Event) -> None:
        assert self._wake is not None
        idle = timedelta(seconds=self.settings.scheduler.max_idle_seconds)
        while not stop.is_set():
            try:
                handled = await self.run_due_once()
            except Exception:
                log.exception("scheduler tick failed; retrying shortly")
                handled = 0
            if handled:
                continue
            now = self.clock.now()
            due = await self.scheduler.next_due()
            until = now + idle if due is None else min(due, now + idle)
            self._wake.clear()
            waiters = [
                asyncio.create_task(self.clock.sleep_until(until), name="scheduler-sleep"),
                asyncio.create_task(stop.wait(), name="scheduler-stop"),
                asyncio.create_task(self._wake.wait(), name="scheduler-wake"),
            ]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waiters:
                    task.cancel()
                await asyncio.gather(*waiters, return_exceptions=True)
