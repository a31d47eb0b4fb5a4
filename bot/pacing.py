"""Pacing on the injected clock: a token bucket that waits instead of sending too fast.

Why a module of its own: the outbox paces each platform's fan-out with it, and adapters pace their
own platform-specific limits (Discord's global requests, its DM openings) with the same bucket, so
tests of either run on virtual time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock


@dataclass(slots=True)
class Pacer:
    """A token bucket on the injected clock: ``rate`` sends per second, bursts up to ``burst``."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    updated: datetime | None = None

    def __post_init__(self) -> None:
        self.tokens = self.burst

    async def take(self, clock: Clock) -> None:
        if self.take_now(clock):
            return
        wait = (1.0 - self.tokens) / self.rate
        await clock.sleep_until(clock.now() + timedelta(seconds=wait))
        self.tokens = 0.0  # the token that refilled during the wait is this call's
        self.updated = clock.now()

    def take_now(self, clock: Clock) -> bool:
        """Take a token if one is there without waiting (True), else take nothing (False; then
        :meth:`take` waits for it). Why: nearly every send finds a token, and waiting through
        :meth:`take` costs the caller two tasks per send (it waits alongside a stop signal)."""
        if math.isinf(self.rate):
            return True
        now = clock.now()
        if self.updated is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.updated).total_seconds() * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def pause(self, clock: Clock, seconds: float) -> None:
        """After a global 429, nobody sends on this platform for ``seconds``."""
        self.tokens = min(self.tokens, 0.0) - seconds * self.rate
        self.updated = clock.now()
