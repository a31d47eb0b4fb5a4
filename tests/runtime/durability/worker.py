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
from pathlib import Path

from bot.clock import VirtualClock
from bot.store.store import open_sqlite
from tests.runtime.durability.common import NOW, CallbackHost, prompt_scheduler


async def main(db: Path, output: Path) -> int:
    store = await open_sqlite(db)
    clock = VirtualClock(NOW)
    try:
        community = await store.communities.ensure("durability", "c1")
        scheduler = prompt_scheduler(store, clock)
        with output.open("a", encoding="utf-8") as sink:
            def sent(job_id: int) -> None:
                sink.write(f"{job_id}\n")
                sink.flush()
                os.fsync(sink.fileno())

            host = CallbackHost(store, clock, community, sent)
            recovered = await scheduler.recover()
            handled = 0
            while count := await scheduler.run_due(host):
                handled += count
        print(f"done {handled} {recovered} {scheduler.start_batch}", flush=True)
    finally:
        await store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]))))
