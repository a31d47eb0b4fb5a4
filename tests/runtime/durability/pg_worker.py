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
from datetime import datetime
from pathlib import Path

from bot.clock import VirtualClock
from bot.model import Finished, Start
from bot.store.store import open_postgres
from tests.runtime.durability.common import NOW, CallbackHost, prompt_scheduler


async def main(url: str, output: Path) -> int:
    store = await open_postgres(url)
    clock = VirtualClock(NOW)
    try:
        community = await store.communities.ensure("durability", "c1")
        scheduler = prompt_scheduler(store, clock)
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
            host = CallbackHost(store, clock, community,
                                lambda job_id: record(f"{job_id} {time.monotonic_ns()}"))
            handled = 0
            while count := await scheduler.run_due(host):
                handled += count
        print(f"done {handled}", flush=True)
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]))))
