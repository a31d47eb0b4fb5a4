"""Fan-out of check-in prompts: N enrolled members (20 timezones) all due in the same minute.

Measures the time to produce every prompt action through the real path (scheduler claim → core
job context → check-ins runner → outbox → recording adapter) on a SQLite file, and peak memory.
Members, enrolments and jobs are bulk-created with SQL first (setup time is printed separately).

    .venv/bin/python bench/bench_checkin_fanout.py --members 100000

``--workers 1,2,4`` runs the same scenario in worker processes sharing one database, on a SQLite
file (one worker: SQLite has one writer) and on a fresh PostgreSQL database made for the run on
``--postgres`` (default 127.0.0.1:5432, user postgres, database test; dropped at the end), and
prints the rates of all of them together, so they are compared within one run, with the CPU the
workers and the local server (all its processes, read from /proc) spent per prompt: a rate
that stops growing while CPU per prompt stays flat means the machine ran out of cores, not that
the workers got in each other's way.

    .venv/bin/python bench/bench_checkin_fanout.py --members 100000 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import VirtualClock
from bot.config import default_settings
from bot.features.registry import build_features
from bot.runtime.app import Warmline
from bot.runtime.scheduler import Scheduler
from bot.sim.recording import RecordingAdapter
from bot.store.db import to_db
from bot.store.open import open_store
from bot.store.store import CoreStore, open_sqlite
from bot.texts import TextCatalogue

DUE = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ZONES = (
    "UTC", "Europe/London", "Europe/Paris", "Europe/Helsinki", "Europe/Moscow", "Asia/Dubai",
    "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu", "America/Anchorage",
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Sao_Paulo",
)


async def populate(store: CoreStore, members: int) -> None:
    """One community, ``members`` enrolled members spread over 20 zones, each with a daily
    prompt job whose local time is the wall-clock time at ``DUE`` in their zone."""
    rules = {z: f"daily {DUE.astimezone(ZoneInfo(z)):%H:%M}" for z in ZONES}
    community = await store.communities.ensure("sim", "bench")
    created = to_db(DUE.replace(hour=0))
    async with store.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO members (id, community_id, platform_user_id, display_name, timezone,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            ((i, community.id, f"u{i}", f"Member {i}", ZONES[i % len(ZONES)], created)
             for i in range(1, members + 1)),
        )
        await tx.executemany(
            "INSERT INTO checkin_enrolments (member_id, community_id, joined_at) VALUES (?, ?, ?)",
            ((i, community.id, created) for i in range(1, members + 1)),
        )
        await tx.executemany(
            "INSERT INTO jobs (kind, subject, community_id, member_id, rule, zone, next_run)"
            " VALUES ('checkin.prompt', ?, ?, ?, ?, ?, ?)",
            ((f"member:{i}:0", community.id, i, rules[ZONES[i % len(ZONES)]],
              ZONES[i % len(ZONES)], to_db(DUE)) for i in range(1, members + 1)),
        )


def catalogue() -> TextCatalogue:
    texts = TextCatalogue.load()
    if "checkin.prompt.text" in texts.keys():  # noqa: SIM118 - the loader already reads en/
        return texts
    import tomllib
    from importlib import resources

    from bot.texts import flatten_texts

    extra = flatten_texts(tomllib.loads(
        resources.files("bot.texts").joinpath("en").joinpath("checkin.toml").read_text("utf-8")))
    locales = {name: {k: texts.raw(k, name) or "" for k in texts.translated_keys(name)}
               for name in texts.locales()}
    locales["en"].update(extra)
    return TextCatalogue(locales)


async def bench(members: int, trace: bool, start_batch: int | None) -> None:
    with tempfile.TemporaryDirectory(prefix="warmline-bench-") as tmp:
        store = await open_sqlite(Path(tmp) / "bench.db")
        try:
            settings = default_settings()
            features = await build_features(settings, store)  # migrates the check-in tables
            started = time.perf_counter()
            await populate(store, members)
            print(f"setup: {members} members, enrolments and jobs in "
                  f"{time.perf_counter() - started:.1f}s")
            clock = VirtualClock(DUE)
            adapter = RecordingAdapter(clock)
            bot = Warmline(settings=settings, store=store, clock=clock, texts=catalogue(),
                           features=features, adapters=[adapter])
            if start_batch is not None:
                # Another group size (claimed and started together; two groups in hand bound
                # what a crash leaves in doubt: docs/scheduling.md).
                bot.scheduler = Scheduler(store, clock, batch_size=settings.scheduler.batch_size,
                                          start_batch=start_batch)
                for feature in bot.core.features:
                    for kind, job_kind in feature.job_kinds().items():
                        bot.scheduler.register(kind, job_kind)
            print(f"scheduler: batch_size {settings.scheduler.batch_size}, "
                  f"start_batch {bot.scheduler.start_batch}")
            if trace:
                tracemalloc.start()
            started = time.perf_counter()
            handled, prompts = await drain(bot, adapter)
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if trace else None
            if trace:
                tracemalloc.stop()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"fan-out: {handled} occurrences handled, {prompts} prompt actions in "
                  f"{elapsed:.1f}s ({prompts / elapsed:,.0f} prompts/s)")
            if peak is not None:
                print(f"peak traced Python memory during the fan-out: {peak / 2**20:.1f} MiB")
            print(f"peak RSS of the process: {rss:.0f} MiB")
            if prompts != members:
                raise SystemExit(f"expected {members} prompts, got {prompts}")
        finally:
            await store.close()


async def drain(bot: Warmline, adapter: RecordingAdapter) -> tuple[int, int]:
    """Run due jobs until none is left; (occurrences handled, prompt actions sent)."""
    handled = 0
    while True:
        done = await bot.run_due_once()
        if done == 0:
            break
        handled += done
    return handled, sum(1 for s in adapter.sent if getattr(s.action, "buttons", ()))


class SlowPlatform(RecordingAdapter):
    """A recording adapter whose every send takes ``latency`` seconds of real time, as a
    platform's API call does (a Discord or Slack request takes tens of milliseconds): then a
    worker waits instead of computing, and what several workers add is no longer bounded by
    this machine's two cores."""

    def __init__(self, clock: VirtualClock, latency: float) -> None:
        super().__init__(clock)
        self.latency = latency

    async def send(self, action: Any) -> Any:
        await asyncio.sleep(self.latency)
        return await super().send(action)


async def worker(url: str, latency: float = 0.0) -> None:
    """One worker process: open the store, wait for ``go`` on stdin, drain, print JSON."""
    store = await open_store(url)
    try:
        settings = default_settings()
        features = await build_features(settings, store)
        clock = VirtualClock(DUE)
        adapter = SlowPlatform(clock, latency) if latency else RecordingAdapter(clock)
        bot = Warmline(settings=settings, store=store, clock=clock, texts=catalogue(),
                       features=features, adapters=[adapter])
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        started, cpu = time.perf_counter(), time.process_time()
        handled, prompts = await drain(bot, adapter)
        print(json.dumps({"handled": handled, "prompts": prompts,
                          "seconds": time.perf_counter() - started,
                          "cpu": time.process_time() - cpu}), flush=True)
        # Connections stay open until the parent has read the server's CPU for them.
        await asyncio.to_thread(sys.stdin.readline)
    finally:
        await store.close()


async def prepare(url: str, members: int) -> None:
    store = await open_store(url)
    try:
        await build_features(default_settings(), store)
        await populate(store, members)
    finally:
        await store.close()


def run_workers(url: str, count: int,
                latency: float = 0.0) -> tuple[float, list[dict[str, float]], float | None]:
    """Start ``count`` workers on ``url``, release them together; (wall time, their reports,
    the CPU seconds the PostgreSQL server spent on their connections, or None)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", url,
                               "--send-ms", str(latency * 1000)], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(count)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    backends = _backends(url) if url.startswith("postgresql") else []
    server = _cpu_seconds(backends)
    started = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reports = []
    for proc in procs:
        assert proc.stdout is not None
        reports.append(json.loads(proc.stdout.readline()))
    elapsed = time.perf_counter() - started
    if backends:  # connections opened during the run have new processes: count them too
        backends = sorted(set(backends) | set(_backends(url)))
    spent = (_cpu_seconds(backends) - server) if backends else None
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("bye\n")
        proc.stdin.flush()
        proc.communicate()
    return elapsed, reports, spent


def _backends(url: str) -> list[int]:
    """The local server's processes (every one: the workers' backends, and the WAL writer,
    checkpointer and autovacuum working for them), found through /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (0 for one that is gone or unreadable)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _pg_admin(admin_url: str, sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def one_run(label: str, url: str, members: int, count: int, latency: float = 0.0) -> str:
    started = time.perf_counter()
    asyncio.run(prepare(url, members))
    setup = time.perf_counter() - started
    elapsed, reports, server = run_workers(url, count, latency)
    prompts = sum(int(r["prompts"]) for r in reports)
    if prompts != members:
        raise SystemExit(f"{label}: expected {members} prompts, got {prompts}")
    workers_cpu = sum(float(r["cpu"]) for r in reports) / prompts * 1e6
    server_cpu = "—" if server is None else f"{server / prompts * 1e6:,.0f} µs"
    return (f"| {label} | {count} | {members:,} | {setup:.1f} s | {elapsed:.1f} s | "
            f"**{prompts / elapsed:,.0f}** | {prompts / elapsed / count:,.0f} | "
            f"{workers_cpu:,.0f} µs | {server_cpu} |")


def compare(members: int, workers: list[int], admin_url: str, latency: float = 0.0) -> None:
    """SQLite (one worker) and PostgreSQL (each worker count), each on a fresh database."""
    lines = ["| Engine | Workers | Members | Setup | Fan-out | Prompts/s | Per worker "
             "| Workers' CPU / prompt | Server CPU / prompt |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="warmline-bench-") as tmp:
        lines.append(one_run("SQLite", str(Path(tmp) / "bench.db"), members, 1, latency))
        print(lines[-1], flush=True)
    base = admin_url.rsplit("/", 1)[0]
    for count in workers:
        name = f"warmline_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        _pg_admin(admin_url, f'CREATE DATABASE "{name}"')
        try:
            lines.append(one_run("PostgreSQL", f"{base}/{name}", members, count, latency))
            print(lines[-1], flush=True)
        finally:
            _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (slower; reports the traced peak)")
    parser.add_argument("--start-batch", type=int, default=None,
                        help="claim and start this many occurrences together (default: the app's)")
    parser.add_argument("--workers", default=None,
                        help="e.g. 1,2,4: worker processes on SQLite and on PostgreSQL")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="an existing database to create the run's own database from")
    parser.add_argument("--send-ms", type=float, default=0.0,
                        help="with --workers: every send takes this many milliseconds of real "
                             "time, as a platform call does (default 0: the recording adapter)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        asyncio.run(worker(args.worker, args.send_ms / 1000))
    elif args.workers is not None:
        compare(args.members, [int(n) for n in args.workers.split(",")], args.postgres,
                args.send_ms / 1000)
    else:
        asyncio.run(bench(args.members, args.tracemalloc, args.start_batch))


if __name__ == "__main__":
    main()
