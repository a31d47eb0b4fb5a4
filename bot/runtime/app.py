"""Wires the parts into a running bot and owns its lifecycle.

Why a separate runtime: the core decides, but something must move events from adapters to the core,
actions from the core through the outbox, and due jobs from the store to the core, and stop all of
it cleanly. That is this module, and nothing else.

Shutdown (SIGTERM/SIGINT): retry waits end at once (a scheduled send that would wait is parked
as a durable retry job, never lost), the scheduler finishes the occurrence in hand and hands the
rest of its claimed batch back to the queue, events in flight finish and are answered while the
adapters can still send (new ones are refused), then the adapters stop and the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, action_from_json, action_to_json
from bot.adapter import Adapter, adapter_ready
from bot.clock import Clock
from bot.config import Settings
from bot.events import EVENTS, Event
from bot.feature import Context, Feature, JobKind
from bot.metrics import HANDLER_ERRORS, JOBS_LATE, NO_METRICS, SCHEDULER_FAILURES, Metrics, type_name
from bot.model import BatchRows, Claim
from bot.model import Outcome as DeliveryOutcome
from bot.quiet import trigger_of
from bot.runtime.core import Core
from bot.runtime.delivery import DeliveryPipeline
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.outbox import Outbox, Outcome, RetryPolicy
from bot.runtime.release import Releaser
from bot.runtime.retention import RETENTION, Retention
from bot.runtime.scheduler import Scheduler, start_batch_for
from bot.runtime.wakeup import ScheduleSignal, SignallingJobs
from bot.store.base import Store
from bot.store.db import to_db
from bot.texts import TextCatalogue

log = logging.getLogger(__name__)

RETRY = "warmline.retry"
"""The job kind of a parked delivery (one recipient had to wait; the round went on)."""
RETRY_EXPIRY = timedelta(hours=1)
"""A parked delivery still unsent after an hour is dropped, recorded as expired."""
SEEN_EVENTS_KEPT = timedelta(days=1)
SEEN_EVENTS_PRUNE_EVERY = timedelta(hours=1)


class Warmline:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        clock: Clock,
        texts: TextCatalogue,
        features: Sequence[Feature[Any]],
        adapters: Sequence[Adapter],
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        """Where every part counts (``bot.metrics``); ``warmline run`` passes Prometheus's."""
        self.clock = clock
        self.adapters = list(adapters)
        self.schedule_changed = ScheduleSignal()
        """Set when a handler schedules a job, so the scheduler re-reads its next due time."""
        self.store = store
        self.store.jobs = SignallingJobs(store.jobs, self.schedule_changed)
        self.core = Core(store=store, clock=clock, texts=texts, settings=settings, features=features,
                         command_names={a.platform: a.capabilities.command_names for a in adapters})
        self.scheduler = Scheduler(
            store, clock, batch_size=settings.scheduler.batch_size,
            start_batch=start_batch_for([a.capabilities.sends_per_second for a in adapters]),
            metrics=metrics)
        for feature in features:
            for kind, job_kind in feature.job_kinds().items():
                self.scheduler.register(kind, job_kind)
        self.scheduler.register(RETRY, JobKind(run=self._retry, expiry=RETRY_EXPIRY))
        self.retention = Retention(store=store, clock=clock, texts=texts, settings=settings,
                                   features=features)
        self.scheduler.register(RETENTION, JobKind(run=self.retention.run))
        self.outbox = Outbox(
            {a.platform: a for a in self.adapters},
            clock,
            retry=RetryPolicy(
                max_attempts=settings.outbox.max_attempts,
                base_backoff=settings.outbox.base_backoff_seconds,
                max_backoff=settings.outbox.max_backoff_seconds,
            ),
            metrics=metrics,
        )
        self.delivery = DeliveryPipeline(core=self.core, outbox=self.outbox, features=features)
        store.deferred.on_change = self.schedule_changed.set
        self.releaser = Releaser(core=self.core, delivery=self.delivery)
        self.dispatcher = Dispatcher(self.handle_event, metrics=metrics)
        self._learned: list[tuple[int, str]] = []
        """Private conversations scheduled deliveries learned, until :meth:`settle` writes them."""
        self.failures: deque[Exception] = deque(maxlen=32)
        """The latest handler failures (for the simulator and tests; the log has ids and types)."""
        self._stop: asyncio.Event | None = None
        self._next_prune: datetime | None = None
        self.late = 0
        """Scheduled sends that went out later than their platform's delivery window."""
        self.running: list[Adapter] = []
        """The adapters started and not yet stopping (what :meth:`health` asks)."""

    # -- the two flows: an event, a due job; both decide → deliver ------------------------------

    async def handle_event(self, event: Event) -> None:
        """Decide in one unit of work (everything the event writes, its "seen" mark included,
        commits together or not at all), then deliver. A handler that fails still answers the
        person: the catalogue's apology, and the log gets ids and the exception type only."""
        try:
            async with self.store.db.unit_of_work():
                actions = await self.core.handle(event)
        except Exception as exc:
            self.core.forget(event)  # rolled back: a redelivery must be handled afresh
            self.failures.append(exc)
            self.metrics.inc(HANDLER_ERRORS, source="event", type=type_name(EVENTS, event))
            log.error("event %s/%s (%s) failed: %s", event.platform, event.event_id,
                      type(event).__name__, type(exc).__name__)
            actions = self.core.apology(event)
        if actions:
            await self.delivery.deliver(actions, trigger=trigger_of(event))

    async def run_due_once(self) -> int:
        """Run every job due now, then release what quiet hours held back and may go now;
        returns how many occurrences and held items were handled."""
        stop = self._stop
        handled = await self.scheduler.run_due(
            self, should_stop=stop.is_set if stop is not None else None,
        )
        return handled + await self.releaser.run()

    async def next_due(self) -> datetime | None:
        """The next instant something is due: a job occurrence or a held item's release."""
        times = [t for t in (await self.scheduler.next_due(), await self.releaser.next_release())
                 if t is not None]
        return min(times, default=None)

    async def context_for(self, claim: Claim,
                          rows: BatchRows | None = None) -> Context[Any] | None:
        if claim.job.kind == RETENTION:
            return self.retention.context
        return await self.core.job_context(claim, rows)

    async def prepare(self) -> None:
        """Before the first event or job: settle a crash's in-flight deliveries (never resent)
        and make sure the deployment's own jobs (the daily retention purge) are scheduled."""
        recovered = await self.scheduler.recover() + await self.releaser.recover()
        if recovered:
            log.warning("%d deliveries were in flight at the last crash; not resent", recovered)
        await self.retention.ensure_scheduled(self.clock.now())

    async def deliver(self, claim: Claim, ctx: Context[Any],
                      actions: Sequence[Action]) -> DeliveryOutcome | tuple[DeliveryOutcome, str]:
        if not actions:
            return "skipped"
        attempt = int(claim.job.payload.get("attempt", 0)) if claim.job.kind == RETRY else 0
        park = attempt < self.settings.outbox.max_attempts
        outcome = await self.delivery.deliver(actions, ctx, park=park, learned=self._learned)
        if outcome.status == "parked":
            # One recipient must wait: their delivery waits as a durable job of its own, and
            # the round goes on for everyone else.
            await self._park(claim, outcome, attempt + 1)
            return "skipped", "parked"
        adapter = self.outbox.adapters.get(actions[0].platform)
        if adapter is not None:
            lateness = (self.clock.now() - claim.occurrence).total_seconds()
            if lateness > adapter.capabilities.delivery_window_seconds:
                self.late += 1
                self.metrics.inc(JOBS_LATE, kind=claim.job.kind)
                log.warning("job %s (%s) went out %.0fs after it was due", claim.job.id,
                            claim.job.kind, lateness)
        return "sent" if outcome.status == "sent" else "failed"

    async def settle(self) -> None:
        """What scheduled deliveries learned (new private conversations), written in the
        scheduler's next unit of work: one statement per group instead of a transaction per
        member on a fan-out's first round."""
        learned, self._learned = self._learned, []
        await self.store.members.remember_dm_channels(learned)

    async def _park(self, claim: Claim, outcome: Outcome, attempt: int) -> None:
        job = claim.job
        subject = (job.subject if job.kind == RETRY
                   else f"{job.kind}:{job.id}:{to_db(claim.occurrence)}")
        origin = job.payload.get("origin") if job.kind == RETRY else [job.kind, job.subject]
        wait = max(outcome.retry_after, 1.0)
        await self.store.jobs.upsert(
            kind=RETRY, subject=subject, community_id=job.community_id, member_id=job.member_id,
            rule=None, zone="UTC", next_run=self.clock.now() + timedelta(seconds=wait),
            payload={"actions": [action_to_json(a) for a in outcome.parked], "attempt": attempt,
                     "origin": origin},
        )

    async def _retry(self, claim: Claim, ctx: Context[Any]) -> Sequence[Action]:
        """A parked delivery, due again: the actions exactly as they were decided, unless the
        job that decided them is gone meanwhile (the member left check-ins, a request was
        withdrawn): then nothing, as the feature would have decided."""
        origin = claim.job.payload.get("origin")
        if (isinstance(origin, list) and len(origin) == 2
                and await self.store.jobs.get(str(origin[0]), str(origin[1])) is None):
            log.info("parked delivery %s dropped: its job is gone", claim.job.id)
            return []
        stored = claim.job.payload.get("actions")
        return [action_from_json(a) for a in stored] if isinstance(stored, list) else []

    async def prune_seen_events(self) -> int:
        """Forget redelivery ids older than a day, at most once an hour: platforms redeliver
        within minutes (Slack retries, a Discord RESUME), so a day is generous."""
        now = self.clock.now()
        if self._next_prune is not None and now < self._next_prune:
            return 0
        self._next_prune = now + SEEN_EVENTS_PRUNE_EVERY
        pruned = await self.store.seen.prune(now - SEEN_EVENTS_KEPT)
        if pruned:
            log.info("forgot %d delivered event ids older than a day", pruned)
        return pruned

    # -- lifecycle ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set, then shut down gracefully.

        An adapter that dies must stop the process, so that a supervisor restarts it instead of
        leaving it up and deaf. Any adapter may have a ``failed`` attribute, an
        :class:`asyncio.Event` it sets when it has failed for good, and a ``failure`` attribute
        holding the exception (found with ``getattr``: the :class:`~bot.adapter.Adapter`
        protocol does not require them; ``docs/operations.md`` documents them). When one is set,
        this logs which adapter failed and the exception's type, records it in
        :attr:`adapter_failure`, sets ``stop`` and shuts down gracefully; ``warmline run`` then
        exits with the platform exit code. A ``stop`` set while an adapter is still starting
        (a login being retried) cancels that start.
        """
        self._stop = stop
        await self.prepare()
        started: list[Adapter] = []
        # A stop ends every retry wait at once: a scheduled send parks (durably) instead.
        unblock = asyncio.create_task(self._stop_waiting_on(stop), name="outbox-unblock")
        watcher: asyncio.Task[None] | None = None
        try:
            for adapter in self.adapters:
                if stop.is_set():
                    break
                started.append(adapter)  # stop() is safe on a half-started adapter
                if not await self._start_adapter(adapter, stop):
                    break
                log.info("adapter %s started", adapter.platform)
                self.running.append(adapter)
            watcher = asyncio.create_task(self._watch_adapters(started, stop),
                                          name="adapter-watch")
            freeze_startup_heap()
            await self._scheduler_loop(stop)
        finally:
            self.running = []  # not ready from now on: a health check says so at once
            self.outbox.stop_waiting()
            unblock.cancel()
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
            # Events in flight finish and are answered while the adapters can still send;
            # new ones are refused (a platform redelivers what was not acknowledged).
            await self.dispatcher.drain(timeout=30)
            for adapter in reversed(started):
                with contextlib.suppress(Exception):
                    await adapter.stop()
            log.info(
                "stopped: %d events handled, %d actions sent, %d failed",
                self.dispatcher.handled, self.outbox.sent, self.outbox.failed,
            )

    async def health(self, *, timeout: float = 2.0) -> dict[str, bool]:  # noqa: ASYNC109
        """Is each part ready? ``adapter:<platform>`` for every configured adapter (started, not
        failed, and connected when it says so: :func:`bot.adapter.adapter_ready`) and ``store``
        (a trivial query answered within ``timeout`` seconds)."""
        parts: dict[str, bool] = {}
        for adapter in self.adapters:
            failed = getattr(adapter, "failed", None)
            parts[f"adapter:{adapter.platform}"] = (
                any(a is adapter for a in self.running)
                and not (isinstance(failed, asyncio.Event) and failed.is_set())
                and adapter_ready(adapter) is not False)
        try:
            await asyncio.wait_for(self.store.db.fetchone("SELECT 1"), timeout)
            parts["store"] = True
        except Exception as exc:  # closed, locked, gone: not ready, whatever the reason
            log.debug("health: the store did not answer (%s)", type(exc).__name__)
            parts["store"] = False
        return parts

    async def _stop_waiting_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.outbox.stop_waiting()

    adapter_failure: tuple[str, BaseException] | None = None
    """(platform, exception) of the adapter whose ``failed`` stopped :meth:`run`, if one did."""

    async def _start_adapter(self, adapter: Adapter, stop: asyncio.Event) -> bool:
        """Start ``adapter``, or give up when ``stop`` is set first; True once started. What the
        start raises (a refused token) is raised."""
        starting = asyncio.create_task(adapter.start(self.dispatcher.submit),
                                       name=f"start-{adapter.platform}")
        stopping = asyncio.create_task(stop.wait(), name="start-stop")
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not starting.done():
                starting.cancel()
            await asyncio.gather(stopping, starting, return_exceptions=True)
        if starting.cancelled():
            log.info("adapter %s: start abandoned, Warmline is stopping", adapter.platform)
            return False
        starting.result()  # raises what the start raised
        return True

    async def _watch_adapters(self, adapters: Sequence[Adapter], stop: asyncio.Event) -> None:
        """Set ``stop`` when any adapter's optional ``failed`` event is set (see :meth:`run`)."""
        watched = {
            asyncio.create_task(failed.wait(), name=f"watch-{adapter.platform}"): adapter
            for adapter in adapters
            if isinstance(failed := getattr(adapter, "failed", None), asyncio.Event)
        }
        if not watched:
            return
        try:
            done, _ = await asyncio.wait(set(watched), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in watched:
                task.cancel()
            await asyncio.gather(*watched, return_exceptions=True)
        adapter = watched[next(iter(done))]
        failure = getattr(adapter, "failure", None)
        exc = failure if isinstance(failure, BaseException) else RuntimeError("adapter failed")
        self.adapter_failure = (adapter.platform, exc)
        log.error("adapter %s failed (%s); stopping so that a supervisor restarts Warmline",
                  adapter.platform, type(exc).__name__)
        stop.set()

    async def _scheduler_loop(self, stop: asyncio.Event) -> None:
        idle = timedelta(seconds=self.settings.scheduler.max_idle_seconds)
        trouble = RepeatedFailure(log, "scheduler tick")
        while not stop.is_set():
            try:
                handled = await self.run_due_once()
                await self.prune_seen_events()
                due = None if handled else await self.next_due()
            except Exception as exc:
                self.metrics.inc(SCHEDULER_FAILURES)
                # A full disk or a locked file: back off (1 s, 2 s, … up to the idle time)
                # instead of spinning on a due time that is already past.
                delay = trouble.failed(exc, self.clock.now(), ceiling=idle)
                await self._wait(self.clock.now() + delay, stop)
                continue
            trouble.recovered(self.clock.now())
            if handled:
                continue
            now = self.clock.now()
            await self._wait(now + idle if due is None else min(due, now + idle), stop)

    async def _wait(self, until: datetime, stop: asyncio.Event) -> None:
        """Sleep until ``until``, a stop, or a schedule change, whichever comes first."""
        self.schedule_changed.clear()
        waiters = [
            asyncio.create_task(self.clock.sleep_until(until), name="scheduler-sleep"),
            asyncio.create_task(stop.wait(), name="scheduler-stop"),
            asyncio.create_task(self.schedule_changed.wait(), name="scheduler-wake"),
        ]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiters:
                task.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)


def freeze_startup_heap() -> None:
    """Move everything alive after start-up (modules, catalogue, features, the platform
    library's caches) out of the garbage collector's sight.

    Why: every full collection walks the whole heap, and on the message hot path those passes
    re-walked this start-up heap again and again (measured on the Discord inbound benchmark:
    about 8 µs CPU per message). Nothing here is garbage, so nothing is lost by not walking it;
    objects made later are collected as before."""
    gc.collect()
    gc.freeze()


class RepeatedFailure:
    """Backoff and quiet logging for a loop that keeps failing the same way.

    The first failure is logged at once (its exception type, never its message); after that, one
    line per :attr:`every` says how many more there were, and recovery is logged once.
    """

    every = timedelta(minutes=1)

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self.log = logger
        self.what = what
        self.count = 0
        self.unlogged = 0
        self.logged_at: datetime | None = None

    def failed(self, exc: Exception, now: datetime, *, ceiling: timedelta) -> timedelta:
        self.count += 1
        if self.logged_at is None or now - self.logged_at >= self.every:
            more = f" ({self.unlogged} more since the last report)" if self.unlogged else ""
            self.log.error("%s failed: %s, %d time(s) in a row%s; retrying with backoff",
                           self.what, type(exc).__name__, self.count, more)
            self.logged_at, self.unlogged = now, 0
        else:
            self.unlogged += 1
        return min(ceiling, timedelta(seconds=2.0 ** min(self.count - 1, 16)))

    def recovered(self, now: datetime) -> None:
        if self.count:
            self.log.warning("%s works again after %d failure(s)", self.what, self.count)
        self.count, self.unlogged, self.logged_at = 0, 0, None
