"""What the two crash workers share: the prompt job kind, its scheduler, and a host whose
"platform" is a callback (the workers append to a file with fsync and echo on stdout)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from bot.actions import Action, SendDirect
from bot.clock import VirtualClock
from bot.feature import Context, JobKind
from bot.model import Claim, Community, Outcome
from bot.runtime.scheduler import Scheduler, start_batch_for
from bot.store.store import CoreStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Fixed virtual time after every job's due time: the runs are about crashes, not clocks."""


def prompt_scheduler(store: CoreStore, clock: VirtualClock) -> Scheduler:
    """A scheduler for jobs of kind ``prompt``, started in groups as the runtime sizes them for
    a platform sending 40 a second (Discord's default pace): half a second of sending each, two
    in hand."""
    scheduler = Scheduler(store, clock, start_batch=start_batch_for([40.0]))

    async def run(claim: Claim, ctx: Context[Any]) -> Sequence[Action]:
        return [SendDirect(platform="durability", user=claim.job.subject, text="prompt")]

    scheduler.register("prompt", JobKind(run=run))
    return scheduler


class CallbackHost:
    """A job host whose deliveries call ``sent(job id)`` once per action, then echo the id."""

    def __init__(self, store: CoreStore, clock: VirtualClock, community: Community,
                 sent: Callable[[int], None]) -> None:
        self._store, self._clock, self._community, self._sent = store, clock, community, sent

    async def context_for(self, claim: Claim, rows: object = None) -> Context[Any]:
        return Context(store=self._store, clock=self._clock, texts=cast(Any, None),
                       settings=cast(Any, None), platform="durability",
                       community=self._community, repo=None)

    async def settle(self) -> None:
        pass

    async def deliver(self, claim: Claim, ctx: Context[Any],
                      actions: Sequence[Action]) -> Outcome:
        for _ in actions:
            self._sent(claim.job.id)
            print(claim.job.id, flush=True)
        return "sent"
