"""A bot-shaped process for the SIGKILL test: the real store and scheduler, a file as platform.

Usage: ``python tests/runtime/durability/worker.py DB OUTPUT``. It recovers, then runs every
due job of kind ``prompt`` in groups sized as the runtime sizes them for a platform sending 40 a
second; delivering a prompt appends the job id to OUTPUT with flush + fsync (the "platform
accepted it" moment) and echoes it on stdout so the test can time its kill. It exits 0 once
nothing is due, printing ``done <handled> <recovered> <start_batch>``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from bot.actions import Action, SendDirect
from bot.clock import VirtualClock
from bot.feature import Context, JobKind
from bot.model import Claim, Outcome
from bot.runtime.scheduler import Scheduler, start_batch_for
from bot.store.store import open_sqlite

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Fixed virtual time after every job's due time: the run is about crashes, not clocks."""


async def main(db: Path, output: Path) -> int:
    store = await open_sqlite(db)
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
                        sink.write(f"{claim.job.id}\n")
                        sink.flush()
                        os.fsync(sink.fileno())
                        print(claim.job.id, flush=True)
                    return "sent"

            recovered = await scheduler.recover()
            handled = 0
            while count := await scheduler.run_due(Host()):
                handled += count
        print(f"done {handled} {recovered} {scheduler.start_batch}", flush=True)
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]))))
