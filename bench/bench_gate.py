"""The quiet-hours gate: the cost of one decision, and releasing a morning's backlog.

1. **One gate decision**, as the delivery pipeline makes it for every action addressed to a
   person: ``held_until(hold_of(member, community, settings), now)`` plus ``passes_anyway``.
   Members in 20 zones (half-hour and 45-minute ones included) with varied quiet hours (their
   own, some with a different weekend window, or the community's default), some snoozed or in
   do-not-disturb, at random instants over a year. Each decision is timed alone; median and p99
   in µs. Baselines in the same run: the timer alone, and the bare ``quiet_until`` call (one
   window, no person).
2. **Release at 08:00**: ``--actions`` held actions for ``--members`` members (a quarter of
   them with two, a quarter with none), all due at 08:00, in a SQLite file (bulk SQL), released
   by the real ``Releaser`` through the real delivery pipeline into a counting no-op adapter.
   A timing pass, then one pass per ``--pages`` page size with ``tracemalloc`` on (tracing slows
   Python several-fold, so its rate is not reported), each on a fresh copy of the same file:
   the peak grows with the page, not with the backlog. RSS: the rise of the process's peak
   resident size during the pass (``VmHWM`` reset just before it).

Run: ``.venv/bin/python bench/bench_gate.py [--decisions 100000] [--members 100000]
[--actions 100000] [--pages 500,5000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.actions import Action, Respond, SendDirect, action_to_json
from bot.adapter import Capabilities, EventSink, SendResult
from bot.clock import VirtualClock
from bot.config import default_settings
from bot.model import Community, Member
from bot.people import QUIET_DEFAULT, hold_of
from bot.quiet import held_until, passes_anyway
from bot.runtime.app import Warmline
from bot.runtime.release import Releaser
from bot.store.db import to_db
from bot.store.open import open_store
from bot.store.sqlite_db import SqliteDb
from bot.texts import TextCatalogue
from bot.windows import parse, quiet_until

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scheduler import ZONES  # 20 zones, half-hour and 45-minute ones included

SPECS = [None, None, "off", "22:00-07:00", "23:30-08:15", "21:00-06:30;sat,sun 23:00-10:00",
         "fri,sat 00:30-09:00", "13:00-14:30", "22:00-07:00;mon-fri 23:00-06:45"]
RELEASE = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)


# -- 1. one gate decision ------------------------------------------------------------------------

def people(n: int, rng: random.Random) -> list[tuple[Member, Community]]:
    community = Community(id=1, platform="bench", platform_id="c",
                          settings={QUIET_DEFAULT: "22:30-07:30"})
    created = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        soon = created + timedelta(hours=rng.randrange(0, 24 * 365))
        out.append((Member(id=i, community_id=1, platform_user_id=f"u{i}",
                           timezone=rng.choice(ZONES), quiet_hours=rng.choice(SPECS),
                           created_at=created,
                           snoozed_until=soon if rng.random() < 0.1 else None,
                           dnd_until=soon if rng.random() < 0.05 else None), community))
    return out


def percentile(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def gate_decisions(n: int) -> None:
    rng = random.Random(7)
    settings = default_settings()
    crowd = people(1000, rng)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cases = []
    for _ in range(n):
        member, community = rng.choice(crowd)
        now = start + timedelta(seconds=rng.randrange(0, 365 * 86400))
        if rng.random() < 0.1:
            action: Action = Respond(platform="bench", community="c", recipient=member.platform_user_id,
                                     interaction="i", text="x")
        else:
            action = SendDirect(platform="bench", community="c", recipient=member.platform_user_id,
                                user=member.platform_user_id, text="x", urgent=rng.random() < 0.01)
        cases.append((member, community, now, action, rng.choice([None, "someone", "u1"])))
    windows = [(parse(rng.choice(["22:00-07:00", "23:30-08:15", "13:00-14:30"])),
                rng.choice(ZONES)) for _ in range(100)]
    perf = time.perf_counter_ns

    timer, bare, decision = [], [], []
    held = 0
    for member, community, now, action, trigger in cases:
        began = perf()
        timer.append(perf() - began)
        window, zone = windows[member.id % 100]
        began = perf()
        quiet_until(window, zone, now)
        bare.append(perf() - began)
        began = perf()
        held_now = (not passes_anyway(action, trigger)
                    and held_until(hold_of(member, community, settings), now) is not None)
        decision.append(perf() - began)
        held += held_now
    print(f"one gate decision, {n:,} decisions over 1,000 members in {len(ZONES)} zones "
          f"({held / n:.0%} held):")
    print(f"  {'':<42} {'p50 µs':>8} {'p99 µs':>8}")
    for label, samples in [("timer alone (perf_counter_ns twice)", timer),
                           ("baseline: bare quiet_until(window, zone)", bare),
                           ("gate: hold_of + held_until + passes_anyway", decision)]:
        print(f"  {label:<42} {statistics.median(samples) / 1000:>8.2f} "
              f"{percentile(samples, 0.99):>8.2f}")
    print(f"  goal: well under 20 µs per decision; p99 is "
          f"{percentile(decision, 0.99) / 20:.0%} of it")


# -- 2. releasing the 08:00 backlog ----------------------------------------------------------------

class CountingAdapter:
    """Performs nothing and keeps nothing but counts (a recording adapter would itself hold the
    backlog in memory)."""

    platform = "bench"
    capabilities = Capabilities(sends_per_second=float("inf"), max_text=100_000)

    def __init__(self) -> None:
        self.sent = 0
        self.digests = 0

    async def start(self, sink: EventSink) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, action: Action) -> SendResult:
        self.sent += 1
        if isinstance(action, SendDirect) and "\n\n" in action.text:
            self.digests += 1
        return SendResult(message_id=str(self.sent), channel=getattr(action, "channel", None))


def held_per_member(i: int) -> int:
    return (2, 0, 1, 1)[i % 4]


async def build(path: Path, members: int, actions: int) -> int:
    """The backlog: ``actions`` rows due at 08:00 over ``members`` members (UTC, quiet hours
    22:00-08:00, so the hold ends exactly then). Returns how many rows were written."""
    store = await open_store(str(path))
    try:
        community = await store.communities.ensure("bench", "c")
        created = to_db(RELEASE - timedelta(hours=9))
        rows = []
        for i in range(1, members + 1):
            for k in range(held_per_member(i)):
                if len(rows) < actions:
                    action = SendDirect(platform="bench", community="c", recipient=f"u{i}",
                                        user=f"u{i}", text=f"Held message {k} for member {i}.")
                    rows.append((i, to_db(RELEASE), json.dumps(action_to_json(action)), created))
        async with store.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO members (id, community_id, platform_user_id, timezone, quiet_hours,"
                " dm_channel, created_at) VALUES (?, ?, ?, 'UTC', '22:00-08:00', ?, ?)",
                [(i, community.id, f"u{i}", f"dm-u{i}", created) for i in range(1, members + 1)])
            await tx.executemany(
                "INSERT INTO deferred (member_id, release_at, action, created_at)"
                " VALUES (?, ?, ?, ?)", rows)
        assert isinstance(store.db, SqliteDb)
        await store.db.checkpoint()
        return len(rows)
    finally:
        await store.close()


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak_rss() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


async def release(path: Path, page: int, trace: bool) -> dict[str, Any]:
    store = await open_store(str(path))
    try:
        adapter = CountingAdapter()
        clock = VirtualClock(RELEASE)
        bot = Warmline(settings=default_settings(), store=store, clock=clock,
                       texts=TextCatalogue.load(), features=[], adapters=[adapter])
        releaser = Releaser(core=bot.core, delivery=bot.delivery, page=page)
        _reset_peak_rss()
        rss_before = _status("VmRSS")
        if trace:
            tracemalloc.start()
        began = time.perf_counter()
        handled = await releaser.run()
        elapsed = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        rss_rise = max(0, _status("VmHWM") - rss_before)
        left = await store.deferred.next_release()
        assert left is None, "rows still waiting"
        return {"handled": handled, "elapsed": elapsed, "sent": adapter.sent,
                "digests": adapter.digests, "peak_mib": peak / 2**20, "rss_mib": rss_rise / 1024}
    finally:
        await store.close()


async def release_backlog(members: int, actions: int, pages: list[int], keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="warmline-bench-", dir=keep) as folder:
        source = Path(folder) / "backlog.db"
        began = time.perf_counter()
        rows = await build(source, members, actions)
        print(f"\nrelease at 08:00: {rows:,} held actions for {members:,} members, built in "
              f"{time.perf_counter() - began:.1f} s")

        def fresh(name: str) -> Path:
            copy = Path(folder) / name
            shutil.copyfile(source, copy)
            return copy

        timed = await release(fresh("timed.db"), pages[0], trace=False)
        print(f"  page {pages[0]}: {timed['handled']:,} rows released in {timed['elapsed']:.1f} s "
              f"({timed['handled'] / timed['elapsed']:,.0f} rows/s) as {timed['sent']:,} "
              f"messages ({timed['digests']:,} merged digests); RSS rose "
              f"{timed['rss_mib']:.1f} MiB")
        print(f"  {'page (members)':>16} | {'traced peak MiB':>15} | {'RSS rise MiB':>12}")
        for page in pages:
            traced = await release(fresh(f"page-{page}.db"), page, trace=True)
            assert traced["handled"] == rows and traced["sent"] == timed["sent"]
            print(f"  {page:>16,} | {traced['peak_mib']:>15.1f} | {traced['rss_mib']:>12.1f}")
        print("  (memory follows the page size: one page of members is read, merged and handed "
              "on before the next)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--pages", default="500,5000",
                        help="comma-separated releaser page sizes (default: %(default)s)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to put the temporary database files (default: system temp)")
    args = parser.parse_args()
    gate_decisions(args.decisions)
    asyncio.run(release_backlog(args.members, args.actions,
                                [int(p) for p in args.pages.split(",") if p], args.dir))


if __name__ == "__main__":
    main()
