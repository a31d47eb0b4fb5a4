"""One injected clock for the whole bot.

Everything that needs "now" receives a :class:`Clock`, so tests and the simulator can drive time
with a :class:`VirtualClock` and never sleep for real. All instants are timezone-aware UTC.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once ``now() >= when`` (or at once if it already is)."""
        ...


class SystemClock:
    """The real clock, for production."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


def ensure_utc(when: datetime) -> datetime:
    """Reject naive datetimes: they are bugs, since nobody can tell which zone was meant."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()} has no timezone")
    return when.astimezone(UTC)


@dataclass
class VirtualClock:
    """A clock that moves only when told to: tests and the simulator own time.

    ``sleep_until`` waits until someone advances the clock past the target, which lets a
    real-time loop run unchanged against virtual time.
    """

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    _waiters: list[tuple[datetime, asyncio.Future[None]]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.current = ensure_utc(self.current)

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        when = ensure_utc(when)
        if when < self.current:
            raise ValueError("a virtual clock never goes backwards")
        self.current = when
        self._wake()

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("a virtual clock never goes backwards")
        self.set(self.current + by)

    async def sleep_until(self, when: datetime) -> None:
        when = ensure_utc(when)
        if when <= self.current:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((when, fut))
        await fut

    def next_wakeup(self) -> datetime | None:
        """The earliest deadline someone is sleeping until, if any."""
        pending = [when for when, fut in self._waiters if not fut.done()]
        return min(pending) if pending else None

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable``, jumping virtual time to each deadline it sleeps until.

        Lets code that backs off or paces on the clock run to completion instantly in tests
        and in the simulator, in the same order real time would give.
        """
        task = asyncio.ensure_future(awaitable)
        while not task.done():
            for _ in range(20):  # let ready callbacks settle before deciding time must move
                await asyncio.sleep(0)
                if task.done():
                    break
            else:
                wake = self.next_wakeup()
                if wake is not None:
                    self.set(max(wake, self.current))
        return task.result()

    def _wake(self) -> None:
        still: list[tuple[datetime, asyncio.Future[None]]] = []
        for when, fut in self._waiters:
            if fut.done():
                continue
            if when <= self.current:
                fut.set_result(None)
            else:
                still.append((when, fut))
        self._waiters = still
