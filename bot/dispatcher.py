"""Runs inbound events concurrently while keeping each conversation in order.

Why: a burst of messages in one busy channel must not delay a check-in answer elsewhere, yet two
events in the same conversation (a share and its reply) must be decided in the order they came.
Events are keyed by conversation; a FIFO lock per key orders them; a semaphore bounds how many
run at once. Every task is owned and awaited by ``drain`` on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event], Awaitable[None]]


def conversation_key(event: Event) -> tuple[str, str, str]:
    channel = getattr(event, "channel", None)
    return (event.platform, event.community or "", channel or f"user:{event.user}")


class Dispatcher:
    def __init__(self, handler: Handler, *, concurrency: int = 32) -> None:
        self._handler = handler
        self._slots = asyncio.Semaphore(concurrency)
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._pending: dict[tuple[str, str, str], int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.handled = 0
        self.errors = 0

    async def submit(self, event: Event) -> None:
        """Accept an event from an adapter; returns at once (the event runs in its own task)."""
        if self._closed:
            log.warning("event %s/%s arrived during shutdown; not handled", event.platform, event.event_id)
            return
        key = conversation_key(event)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._pending[key] = self._pending.get(key, 0) + 1
        task = asyncio.create_task(self._run(event, key, lock), name=f"event-{event.event_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, event: Event, key: tuple[str, str, str], lock: asyncio.Lock) -> None:
        async with lock, self._slots:
            try:
                await self._handler(event)
                self.handled += 1
            except Exception:
                self.errors += 1
                log.exception("handling event %s/%s failed", event.platform, event.event_id)
        self._pending[key] -= 1
        if self._pending[key] == 0:  # nobody else queued on this conversation: forget it
            del self._pending[key]
            del self._locks[key]

    async def drain(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 - a grace period, not a cancel scope
        """Stop accepting events and wait for the ones in flight."""
        self._closed = True
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
