"""The one gate every outbound action passes through.

Why one gate: quiet hours, pacing, retries and delivery records must hold for every feature and
every platform alike, so they live here once instead of in each feature or adapter.

- **Pacing.** Each platform has a token bucket at its adapter's ``sends_per_second``; a fan-out of
  thousands of prompts is spread out in due order instead of hitting the platform's global limit.
  Waiting uses the injected clock, so tests run on virtual time.
- **Retries.** ``Transient`` and ``RateLimited`` errors are retried with exponential backoff
  (``RateLimited.retry_after`` is honoured as a floor); nothing is dropped silently: after
  ``max_attempts`` the action is reported failed and logged with ids.
- **Unreachable.** A person who cannot be reached privately is named in the outcome, so the
  delivery pipeline (``bot.runtime.delivery``) can remember it and tell them next time.

The other steps around this gate (remembered DM channels, the quiet-hours gate, learning thread
ids) are the delivery pipeline's.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Literal

from bot.actions import ACTIONS, Action, PostMessage, StartThread
from bot.adapter import Adapter, Fatal, RateLimited, SendResult, Transient, Unreachable
from bot.clock import Clock
from bot.metrics import (
    ACTIONS_FAILED,
    ACTIONS_PARKED,
    ACTIONS_SENT,
    NO_METRICS,
    RATE_LIMITED,
    Metrics,
    type_name,
)
from bot.pacing import Pacer

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    max_attempts: int = 5
    base_backoff: float = 1.0
    max_backoff: float = 300.0

    def backoff(self, attempt: int, floor: float = 0.0) -> float:
        return float(max(floor, min(self.max_backoff, self.base_backoff * 2.0 ** (attempt - 1))))


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Literal["sent", "failed", "unreachable", "dropped", "parked"]
    results: tuple[SendResult, ...] = ()
    reason: str | None = None
    delivered: tuple[tuple[Action, SendResult], ...] = ()
    """Each action that went out, with what the platform gave back for it."""
    unreachable: tuple[tuple[Action, Unreachable], ...] = ()
    """Each action whose person could not be reached privately, with the platform's reason."""
    parked: tuple[Action, ...] = ()
    """With ``park``: the actions not sent because one recipient must wait (a per-channel 429,
    a 5xx), in order, for the caller to retry later; ``retry_after`` says how long to wait."""
    retry_after: float = 0.0


def _into_opened_thread(action: Action, opened: Mapping[str, str]) -> Action:
    """A post addressed to ``ref:<ref>`` goes into the thread an earlier ``StartThread`` opened
    (``opened``: ref → the platform's thread id); if that thread could not be opened, into the
    channel itself."""
    if isinstance(action, PostMessage) and action.thread and action.thread.startswith("ref:"):
        return replace(action, thread=opened.get(action.thread.removeprefix("ref:")))
    return action


THREADS_KEPT = 1024
"""Threads opened by reference remembered by the outbox (the most recent ones)."""


class Outbox:
    def __init__(
        self,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        *,
        retry: RetryPolicy | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.adapters = dict(adapters)
        self.metrics = metrics
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self._pacers = {
            name: Pacer(rate=a.capabilities.sends_per_second, burst=max(1.0, a.capabilities.sends_per_second))
            for name, a in self.adapters.items()
        }
        self.sent = 0
        self.failed = 0
        self._stopping = asyncio.Event()
        self.opened: OrderedDict[str, str] = OrderedDict()
        """ref → thread id of the threads opened lately. Why kept past one delivery: a group of
        scheduled occurrences is decided before any of it is delivered, so the second prompt
        of a day is decided while the day's thread is still only a reference; it is delivered
        after the thread opened, and goes into it."""

    def stop_waiting(self) -> None:
        """Shutdown: no more retry waits. A wait in progress ends at once; a scheduled delivery
        that would have waited is parked (durably, for after the restart) instead of being
        lost, and an answer that would have waited fails now rather than holding shutdown."""
        self._stopping.set()

    async def deliver(self, actions: Sequence[Action], *, park: bool = False) -> Outcome:
        """Send actions in order. The outcome is the worst of them: one failed action makes the
        whole delivery ``failed`` (its record says so), the others still go out.

        ``park``: a recipient who must wait (a per-channel 429, a 5xx) does not hold up anyone
        else: instead of waiting, the delivery stops there and returns ``parked`` with the
        actions still to send, for the caller to retry later. A platform-wide 429 is still
        waited out: everyone waits for it anyway."""
        results: list[SendResult] = []
        delivered: list[tuple[Action, SendResult]] = []
        unreachable: list[tuple[Action, Unreachable]] = []
        opened = self.opened
        worst: Outcome | None = None
        for index, action in enumerate(actions):
            action = _into_opened_thread(action, opened)
            outcome = await self.send_one(action, park=park)
            if outcome.status == "parked":
                rest = tuple(_into_opened_thread(a, opened) for a in actions[index + 1:])
                return Outcome("parked", tuple(results), outcome.reason, tuple(delivered),
                               tuple(unreachable), parked=(action, *rest),
                               retry_after=outcome.retry_after)
            thread = outcome.results[0].channel if outcome.results else None
            if isinstance(action, StartThread) and action.ref and thread:
                opened[action.ref] = thread
                if len(opened) > THREADS_KEPT:
                    opened.popitem(last=False)
            results.extend(outcome.results)
            delivered.extend((action, result) for result in outcome.results)
            unreachable.extend(outcome.unreachable)
            if outcome.status != "sent" and worst is None:
                worst = outcome
        if worst is not None:
            return Outcome(worst.status, tuple(results), worst.reason, tuple(delivered),
                           tuple(unreachable))
        return Outcome("sent", tuple(results), delivered=tuple(delivered))

    async def send_one(self, action: Action, *, park: bool = False) -> Outcome:
        """One action, paced and retried; its outcome is counted here, once."""
        outcome = await self._send_one(action, park=park)
        platform, name = action.platform, type_name(ACTIONS, action)
        if outcome.status == "sent":
            self.metrics.inc(ACTIONS_SENT, platform=platform, action=name, kind=action.kind or "")
        elif outcome.status == "parked":
            self.metrics.inc(ACTIONS_PARKED, platform=platform, reason=outcome.reason or "")
        else:
            reason = "unreachable" if outcome.status == "unreachable" else outcome.reason or ""
            self.metrics.inc(ACTIONS_FAILED, platform=platform, action=name,
                             kind=action.kind or "", reason=reason)
        return outcome

    async def _send_one(self, action: Action, *, park: bool) -> Outcome:
        adapter = self.adapters.get(action.platform)
        if adapter is None:
            log.error("no adapter for platform %s; action %s dropped", action.platform, type(action).__name__)
            self.failed += 1
            return Outcome("dropped", reason="no-adapter")
        pacer = self._pacers[action.platform]
        attempt = 0
        while True:
            attempt += 1
            if (self._stopping.is_set() or not pacer.take_now(self.clock)) and \
                    not await self._unless_stopping(pacer.take(self.clock)) and park:
                return self._parked(action, "stopping", 0.0)
            try:
                result = await adapter.send(action)
            except RateLimited as exc:
                self.metrics.inc(RATE_LIMITED, platform=action.platform,
                                 scope="global" if exc.is_global else "route")
                if exc.is_global:
                    pacer.pause(self.clock, exc.retry_after)
                elif park:
                    return self._parked(action, "rate-limited", exc.retry_after)
                waited = await self._wait_retry(action, attempt, exc.retry_after, "rate-limited")
                if waited == "stopping" and park:
                    return self._parked(action, "stopping", exc.retry_after)
                if waited != "retry":
                    return Outcome("failed", reason="rate-limited")
            except Transient:
                if park:
                    return self._parked(action, "transient", self.retry.backoff(1))
                if await self._wait_retry(action, attempt, 0.0, "transient") != "retry":
                    return Outcome("failed", reason="transient")
            except Unreachable as exc:
                log.info("user %s unreachable on %s (%s)", exc.user, action.platform, exc.reason)
                self.failed += 1
                return Outcome("unreachable", reason=exc.reason, unreachable=((action, exc),))
            except Fatal as exc:
                log.error("%s on %s failed for good: %s", type(action).__name__, action.platform, exc)
                self.failed += 1
                return Outcome("failed", reason="fatal")
            else:
                self.sent += 1
                return Outcome("sent", (result,))

    @staticmethod
    def _parked(action: Action, why: str, retry_after: float) -> Outcome:
        log.info("%s on %s parked for %.1fs (%s); the round goes on", type(action).__name__,
                 action.platform, retry_after, why)
        return Outcome("parked", reason=why, retry_after=retry_after)

    async def _wait_retry(self, action: Action, attempt: int, floor: float,
                          why: str) -> Literal["retry", "gave-up", "stopping"]:
        if self._stopping.is_set():
            return "stopping"
        if attempt >= self.retry.max_attempts:
            log.error(
                "%s on %s failed after %d attempts (%s)",
                type(action).__name__, action.platform, attempt, why,
            )
            self.failed += 1
            return "gave-up"
        delay = self.retry.backoff(attempt, floor)
        log.info("retrying %s on %s in %.2fs (%s)", type(action).__name__, action.platform, delay, why)
        waited = await self._unless_stopping(
            self.clock.sleep_until(self.clock.now() + timedelta(seconds=delay)))
        return "retry" if waited else "stopping"

    async def _unless_stopping(self, wait: Coroutine[Any, Any, None]) -> bool:
        """Wait, unless shutdown comes first; True when the wait ran to its end."""
        if self._stopping.is_set():
            wait.close()
            return False
        waiting = asyncio.ensure_future(wait)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((waiting, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiting, stopping):
                task.cancel()
            await asyncio.gather(waiting, stopping, return_exceptions=True)
        return waiting.done() and not waiting.cancelled()
