"""Benchmark: what listening costs per message, and how fast the analyser is.

    .venv/bin/python bench/bench_listening.py [--messages 20000] [--passes 20]

1. Analysis. ``analyse()`` over every reply of tests/data/listening_labelled.jsonl, ``--passes``
   times, as the bot calls it (the post's yes/no worked out beforehand). Goals: median under
   100 µs and p99 under 500 µs per reply. Wall clock and the thread's CPU time are both shown: on
   a busy machine the wall-clock p99 holds preemptions that are not the analyser's.
2. The feature on the message path. ``--messages`` events through the real runtime (core,
   unit of work, SQLite file; no adapter) in four shapes: messages in a plain channel (listening
   only looks up the channel), new posts in the support channel, replies to them by someone who
   gets no notes (no analysis), kind replies by a supporter (each analysed, no note), and
   roadblocks by a supporter (one note; the rest of the period is not analysed again).
   Each is µs per event, wall and CPU (the database thread included), and the write transactions.
Nothing leaves the process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.config import default_settings  # noqa: E402
from bot.events import Actor, MessagePosted  # noqa: E402
from bot.features.listening.analysis import analyse, is_vulnerable_share  # noqa: E402
from bot.features.registry import build_features  # noqa: E402
from bot.runtime.app import Warmline  # noqa: E402
from bot.store.store import open_sqlite  # noqa: E402
from bot.texts import TextCatalogue  # noqa: E402

DATA = ROOT / "tests" / "data" / "listening_labelled.jsonl"


def _percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def analysis(passes: int) -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    work = [(r["reply"], is_vulnerable_share(r["share"])) for r in rows]
    wall: list[int] = []
    cpu: list[int] = []
    for _ in range(passes):
        for reply, vulnerable in work:
            w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
            analyse(reply, vulnerable=vulnerable)
            cpu.append(time.thread_time_ns() - c0)
            wall.append(time.perf_counter_ns() - w0)
    print(f"analysis, {len(wall)} replies: median {statistics.median(wall) / 1000:.1f} µs, "
          f"p99 {_percentile(wall, 0.99):.1f} µs (wall); median "
          f"{statistics.median(cpu) / 1000:.1f} µs, p99 {_percentile(cpu, 0.99):.1f} µs (CPU); "
          "goals: median < 100 µs, p99 < 500 µs")


async def message_path(n: int) -> None:
    settings = default_settings()
    with tempfile.TemporaryDirectory() as tmp:
        store = await open_sqlite(Path(tmp) / "bench.db")
        features = await build_features(settings, store)
        bot = Warmline(settings=settings, store=store, clock=SystemClock(),
                       texts=TextCatalogue.load(), features=features, adapters=[])
        community = await store.communities.ensure("bench", "g")
        await store.channels.set_purpose(community.id, "support", "support")
        await store.communities.update_settings(community.id, {"supporter_roles": ["helpers"]})
        now = datetime.now(UTC)
        member = Actor()
        supporter = Actor(roles=("helpers",))

        def message(i: int, channel: str, text: str, *, user: str, actor: Actor,
                    reply_to: str | None = None) -> MessagePosted:
            return MessagePosted(platform="bench", event_id=f"e{channel}{i}{reply_to}", at=now,
                                 community="g", user=user, channel=channel, message_id=f"{i}",
                                 text=text, reply_to=reply_to, actor=actor)

        shapes = {
            "plain channel": [message(i, "general", f"hello {i}", user=f"u{i % 50}",
                                      actor=member) for i in range(n)],
            "new posts in the support channel": [
                message(i, "support", f"I can't sleep again, night {i}", user=f"u{i % 50}",
                        actor=member) for i in range(n)],
            "replies, no notes wanted": [
                message(n + i, "support", "you should just try melatonin", user="u999",
                        actor=member, reply_to=f"{i}") for i in range(n)],
            "kind replies by a supporter (analysed)": [
                message(2 * n + i, "support", "That sounds so hard. What has helped, even a "
                        "little?", user="kai", actor=supporter, reply_to=f"{i}")
                for i in range(n)],
            "roadblocks by a supporter (1 note)": [
                message(3 * n + i, "support", "you should just try melatonin", user="dee",
                        actor=supporter, reply_to=f"{i}") for i in range(n)],
        }
        await bot.handle_event(message(-1, "support", "warm up", user="w", actor=member))
        for name, events in shapes.items():
            writes = store.db.writes
            w0, c0 = time.perf_counter(), time.process_time()
            for event in events:
                await bot.handle_event(event)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            print(f"  {name:<40} {1e6 * wall / n:6.1f} µs wall, {1e6 * cpu / n:6.1f} µs CPU "
                  f"per event; {store.db.writes - writes} write transactions")
        await store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--passes", type=int, default=20)
    args = ap.parse_args()
    analysis(args.passes)
    print(f"the listening feature on the message path, {args.messages} events each "
          "(load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3]) + "):")
    asyncio.run(message_path(args.messages))


if __name__ == "__main__":
    main()
