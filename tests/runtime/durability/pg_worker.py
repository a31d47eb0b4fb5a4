"""One of several workers on one PostgreSQL database, for the three-workers test.

Usage: ``python tests/runtime/durability/pg_worker.py URL OUTPUT``. Like ``worker.py`` (the
real store and scheduler, a file as platform, a fixed virtual time after every due time), but on
PostgreSQL. Delivering a prompt appends ``<job id> <monotonic ns>`` to OUTPUT with flush +
fsync (the moment the platform accepted it); when the scheduler then records that occurrence's
outcome, ``done <job id> <monotonic ns>`` follows (the commit), so the test can measure the window
between a send and its record. It exits 0 once nothing is due or queued, printing
``done <handled>``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from bot.actions import Action, SendDirect
from bot.clock import VirtualClock
from bot.feature import Context, JobKind
from bot.model import Claim, Finished, Outcome, Start
from bot.runtime.scheduler import Scheduler, start_batch_for
from bot.store.store import open_postgres

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def main(url: str, output: Path) -> int:
    store = await open_postgres(url)
    clock = VirtualClock(NOW)
    try:
        community = await store.communities.ensure("durability", "c1")
        # Started in groups as the runtime sizes them for a platform sending 40 a second
        # (Discord's default pace): half a second of sending each, two in hand.
        scheduler = Scheduler(store, clock, start_batch=start_batch_for([40.0]))

        async def run(claim: Claim, ctx: Context[Any]) -> Sequence[Action]:
            return [SendDirect(platform="durability", user=claim.job.subject, text="prompt")]

        scheduler.register("prompt", JobKind(run=run))

        with output.open("a", encoding="utf-8") as sink:
            def record(line: str) -> None:
                sink.write(line + "\n")
                sink.flush()
                os.fsync(sink.fileno())

            start_group = store.jobs.start_group

            async def timed_start_group(finished: Sequence[Finished], starts: Sequence[Start],
                                        now: datetime) -> set[Start]:
                started = await start_group(finished, starts, now)
                for job_id, *_ in finished:
                    record(f"done {job_id} {time.monotonic_ns()}")
                return started

            store.jobs.start_group = timed_start_group  # type: ignore[method-assign]

            class Host:
                async def context_for(self, claim: Claim, rows: object = None) -> Context[Any]:
                    return Context(store=store, clock=clock, texts=cast(Any, None),
                                   settings=cast(Any, None), platform="durability",
                                   community=community, repo=None)

                async def settle(self) -> None:

                    pass


                async def deliver(self, claim: Claim, ctx: Context[Any],
                                  actions: Sequence[Action]) -> Outcome:
                    for _ in actions:
                        record(f"{claim.job.id} {time.monotonic_ns()}")
                        print(claim.job.id, flush=True)
                    return "sent"

            handled = 0
            while True:
                count = await scheduler.run_due(Host())
                handled += count
                if not count:
                    break
        print(f"done {handled}", flush=True)
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]))))
