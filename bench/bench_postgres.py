"""The scheduler on PostgreSQL against the number of scheduled members, with SQLite in the same run.

For each N (default 10k, 100k, 1M), the same data as ``bench_scheduler.py`` (N members, each with a
daily check-in at one of 96 quarter-hour times in one of 20 zones) is built in a fresh PostgreSQL
schema (with ``COPY``) and in a SQLite file (bulk ``executemany``), and on each engine it measures:

* ``next_due_time()`` (median of many calls);
* an idle tick: ``claim_due`` when nothing is due (median);
* a tick claiming 500 due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; median of a few);
* ``Scheduler.run_due`` per occurrence with a no-op runner.

PostgreSQL is the server on 127.0.0.1:5432 (user ``postgres``, database ``test``); each run makes
its own schema and drops it. Run: ``.venv/bin/python bench/bench_postgres.py [--sizes …]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.bench_scheduler import START, ZONES, measure_store, populate
from bot import recurrence
from bot.store.db import to_db
from bot.store.store import CoreStore, open_postgres, open_sqlite

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


async def populate_postgres(store: CoreStore, n: int) -> None:
    """``COPY`` the same rows :func:`populate` inserts (1M rows in seconds, not minutes)."""
    community = await store.communities.ensure("bench", "c1")
    created = to_db(START)
    first_run: dict[tuple[int, str], str] = {}
    for slot in range(96):
        rule = recurrence.parse(f"daily {slot // 4:02d}:{slot % 4 * 15:02d}")
        for zone in ZONES:
            first_run[(slot, zone)] = to_db(recurrence.next_after(rule, zone, START))
    pool: Any = store.db._pool  # type: ignore[attr-defined]
    async with pool.acquire() as conn:
        await conn.copy_records_to_table(
            "members", columns=["id", "community_id", "platform_user_id", "timezone",
                                "created_at"],
            records=[(i, community.id, f"u{i}", ZONES[i % 20], created) for i in range(1, n + 1)])
        await conn.copy_records_to_table(
            "jobs", columns=["kind", "subject", "community_id", "member_id", "rule", "zone",
                             "next_run"],
            records=[("checkin", f"member:{i}", community.id, i,
                      f"daily {(i * 7) % 96 // 4:02d}:{(i * 7) % 4 * 15:02d}", ZONES[i % 20],
                      first_run[((i * 7) % 96, ZONES[i % 20])]) for i in range(1, n + 1)])
        await conn.execute("ANALYZE members; ANALYZE jobs; ANALYZE deliveries")


async def run_postgres(n: int) -> dict[str, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    store = await open_postgres(f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}")
    try:
        began = time.perf_counter()
        await populate_postgres(store, n)
        setup = time.perf_counter() - began
        results = await measure_store(store)
        results["setup_s"] = setup
        return results
    finally:
        await store.close()
        conn = await asyncpg.connect(ADMIN)
        try:
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            await conn.close()


async def run_sqlite(folder: Path, n: int) -> dict[str, float]:
    store = await open_sqlite(folder / f"bench-{n}.db")
    try:
        began = time.perf_counter()
        await populate(store, n)
        await store.db.checkpoint()  # type: ignore[attr-defined]
        setup = time.perf_counter() - began
        results = await measure_store(store)
        results["setup_s"] = setup
        return results
    finally:
        await store.close()


async def main(sizes: list[int]) -> None:
    rows: list[tuple[str, int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            for engine in ("postgresql", "sqlite"):
                if engine == "postgresql":
                    r = await run_postgres(n)
                else:
                    r = await run_sqlite(Path(folder), n)
                rows.append((engine, n, r))
                print(f"  {engine:>10} N={n:>9,}: built in {r['setup_s']:.1f} s", flush=True)
    print()
    print(f"{'engine':>10} | {'members':>10} | {'next_due':>9} | {'idle tick':>9} |"
          f" {'500-claim':>9} | {'run_due/occ':>11}")
    print(f"{'':>10} | {'':>10} | {'µs p50':>9} | {'µs p50':>9} | {'ms p50':>9} | {'µs':>11}")
    print("-" * 72)
    for engine, n, r in rows:
        print(f"{engine:>10} | {n:>10,} | {r['next_due_us']:>9.1f} | {r['idle_tick_us']:>9.1f} |"
              f" {r['busy_tick_ms']:>9.2f} | {r['per_occurrence_us']:>11.1f}")
    for engine in ("postgresql", "sqlite"):
        mine = [(n, r) for e, n, r in rows if e == engine]
        if len(mine) > 1:
            (small, a), (large, b) = mine[0], mine[-1]
            ratios = ", ".join(f"{k} x{b[k] / a[k]:.2f}" for k in
                               ("next_due_us", "idle_tick_us", "busy_tick_ms",
                                "per_occurrence_us"))
            print(f"{engine}: x{large / small:,.0f} members → {ratios}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    asyncio.run(main([int(s) for s in args.sizes.split(",") if s]))
