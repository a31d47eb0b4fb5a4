"""The platform-neutral core under load: neutral events through the whole runtime, no platform.

Why: the Discord and Slack benchmarks measure the platform library as much as Warmline. This one
feeds pre-built neutral events straight into ``Warmline.dispatcher.submit`` (the call an adapter
makes), so what it measures is Warmline's own cost: dispatcher lanes, redelivery check, community
cache, feature routing, SQLite reads and writes, text rendering and the outbox, with the
``RecordingAdapter`` (platform ``sim``) standing in for the platform.

Workload (default): 50,000 ``MessagePosted`` from 1,000 members across 20 channels in one
community (5 % of them in a thread, which costs a group-thread lookup), with 1 % replaced by
``CommandInvoked`` carrying an interaction token (``privacy info`` and ``checkin history``
alternately): those resolve the member (a write on first sight), record the event id durably and
produce a ``Respond`` action. All events are built before timing. The runtime is real: ``Warmline``
with ``build_features(default_settings())``, a SQLite file in a temporary folder, ``SystemClock``.

Passes, in order:

1. baseline: the same events through a bare ``Dispatcher`` whose handler does nothing, so the
   dispatcher's own cost is visible and the core's share can be stated as a ratio;
2. core: the full runtime, timed (wall clock and ``time.process_time``);
3. tracemalloc (unless ``--no-tracemalloc``): the core pass again on a fresh database with
   ``tracemalloc`` on. Tracing slows Python allocation several-fold, so this pass is separate and
   only its traced peak is reported; its rate is not.
4. ``--profile``: one more core pass under cProfile, printing the top functions by own time.

Run: ``.venv/bin/python bench/bench_core.py [--events 50000] [--members 1000] [--channels 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.actions import Respond
from bot.clock import SystemClock
from bot.config import default_settings
from bot.events import Actor, CommandInvoked, Event, MessagePosted
from bot.features.registry import build_features
from bot.runtime.app import Warmline
from bot.runtime.dispatcher import Dispatcher
from bot.sim.recording import RecordingAdapter
from bot.store.open import open_store
from bot.texts import TextCatalogue

PLATFORM = "sim"
COMMUNITY = "bench-community"
COMMANDS = ("privacy info", "checkin history")


@dataclass(frozen=True, slots=True)
class Workload:
    events: tuple[Event, ...]
    commands: int
    threaded: int


@dataclass(frozen=True, slots=True)
class PassResult:
    wall_s: float
    cpu_s: float
    handled: int
    errors: int
    actions: int = 0
    responds: int = 0

    def per_second(self, n: int) -> float:
        return n / self.wall_s

    def cpu_us(self, n: int) -> float:
        return self.cpu_s / n * 1e6


def build_events(n: int, members: int, channels: int, command_rate: float,
                 thread_rate: float, prefix: str) -> Workload:
    """Every event up front, with unique ids, so timing covers handling only.

    Commands and threads are placed on a fixed stride (not at random) so runs are comparable."""
    clock = SystemClock()
    now = clock.now()
    command_every = round(1 / command_rate) if command_rate > 0 else 0
    thread_every = round(1 / thread_rate) if thread_rate > 0 else 0
    events: list[Event] = []
    commands = threaded = 0
    for i in range(n):
        user = f"u{i * 7919 % members}"
        channel = f"ch{i % channels}"
        at = now + timedelta(microseconds=i)
        actor = Actor(display_name=f"Member {user}")
        if command_every and i % command_every == command_every - 1:
            # Commands from different people: every 100th event's author is one of only ten,
            # and ten people running fifty commands each in a burst meet the per-person limit
            # (docs/safety.md), which answers most of them with one polite line.
            user = f"u{commands * 7919 % members}"
            events.append(CommandInvoked(
                platform=PLATFORM, event_id=f"{prefix}-c{i}", at=at, community=COMMUNITY,
                user=user, name=COMMANDS[commands % len(COMMANDS)], channel=channel,
                interaction=f"itok-{prefix}-{i}", actor=actor,
            ))
            commands += 1
            continue
        thread = None
        if thread_every and i % thread_every == thread_every // 2:
            thread = f"th{i % (channels * 3)}"
            threaded += 1
        events.append(MessagePosted(
            platform=PLATFORM, event_id=f"{prefix}-m{i}", at=at, community=COMMUNITY, user=user,
            channel=channel, message_id=f"msg{i}", text="a message of ordinary length, " * 3,
            thread=thread, actor=actor,
        ))
    return Workload(tuple(events), commands, threaded)


async def push(dispatcher: Dispatcher, events: tuple[Event, ...]) -> None:
    """What an adapter does in a burst: submit each event, then wait for all of them."""
    for event in events:
        await dispatcher.submit(event)
    await dispatcher.drain()


async def timed(run: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    await run()
    return time.perf_counter() - wall, time.process_time() - cpu


async def baseline_pass(events: tuple[Event, ...]) -> PassResult:
    async def nothing(event: Event) -> None:
        return None

    dispatcher = Dispatcher(nothing)
    wall, cpu = await timed(lambda: push(dispatcher, events))
    return PassResult(wall, cpu, dispatcher.handled, dispatcher.errors)


async def core_pass(events: tuple[Event, ...], warmup: tuple[Event, ...], folder: Path,
                    trace: bool = False,
                    profile: cProfile.Profile | None = None) -> tuple[PassResult, int]:
    """The full runtime on a fresh database. Returns the result and the traced peak (bytes)."""
    settings = default_settings()
    clock = SystemClock()
    store = await open_store(str(folder / "bench.db"))
    try:
        adapter = RecordingAdapter(clock)
        bot = Warmline(settings=settings, store=store, clock=clock, texts=TextCatalogue.load(),
                       features=await build_features(settings, store), adapters=[adapter])
        await adapter.start(bot.dispatcher.submit)
        # Warm-up (not timed): creates the community and opens the connection's caches, as a
        # running bot would have long before a burst.
        warm = Dispatcher(bot.handle_event)
        await push(warm, warmup)
        adapter.sent.clear()
        peak = 0
        if trace:
            tracemalloc.start()
        if profile is not None:
            profile.enable()
        try:
            wall, cpu = await timed(lambda: push(bot.dispatcher, events))
            if trace:
                peak = tracemalloc.get_traced_memory()[1]
        finally:
            if profile is not None:
                profile.disable()
            if trace:
                tracemalloc.stop()
        responds = sum(1 for s in adapter.sent if isinstance(s.action, Respond))
        await adapter.stop()
        return PassResult(wall, cpu, bot.dispatcher.handled, bot.dispatcher.errors,
                          len(adapter.sent), responds), peak
    finally:
        await store.close()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


async def main(args: argparse.Namespace) -> int:
    n = args.events
    began = time.perf_counter()
    work = build_events(n, args.members, args.channels, args.command_rate, args.thread_rate, "run")
    warmup = build_events(args.warmup, args.members, args.channels, args.command_rate,
                          args.thread_rate, "warm").events
    print(f"workload: {n:,} events ({n - work.commands:,} MessagePosted, {work.threaded:,} of them "
          f"in a thread; {work.commands:,} CommandInvoked {'/'.join(COMMANDS)}), "
          f"{args.members:,} members, {args.channels} channels; built in "
          f"{time.perf_counter() - began:.1f}s (not timed); warm-up {args.warmup:,} events")
    print(f"peak RSS after building the events: {rss_mib():.0f} MiB")

    base = await baseline_pass(work.events)
    print(f"baseline (bare Dispatcher, no-op handler): {base.per_second(n):,.0f} events/s, "
          f"CPU {base.cpu_us(n):.1f} µs/event, {base.handled:,} handled")

    with tempfile.TemporaryDirectory(prefix="warmline-bench-core-") as tmp:
        core, _ = await core_pass(work.events, warmup, Path(tmp))
    rss_core = rss_mib()
    print(f"core (Warmline runtime, SQLite, RecordingAdapter): {core.per_second(n):,.0f} events/s, "
          f"CPU {core.cpu_us(n):.1f} µs/event, {core.handled:,} handled, {core.errors} errors, "
          f"{core.actions:,} actions ({core.responds:,} Respond)")
    print(f"peak RSS of the process after the core pass: {rss_core:.0f} MiB")

    print(f"ratio: core rate = {100 * core.per_second(n) / base.per_second(n):.1f}% of the bare "
          f"dispatcher; the core adds {core.cpu_us(n) - base.cpu_us(n):.1f} µs CPU per event "
          f"(x{core.cpu_us(n) / base.cpu_us(n):.1f} the dispatcher's own cost); 1-core ceiling "
          f"{1e6 / core.cpu_us(n):,.0f} events/s")

    if not args.no_tracemalloc:
        trace_events = build_events(n, args.members, args.channels, args.command_rate,
                                    args.thread_rate, "trace").events
        with tempfile.TemporaryDirectory(prefix="warmline-bench-core-") as tmp:
            traced, peak = await core_pass(trace_events, warmup, Path(tmp), trace=True)
        print(f"tracemalloc (separate pass, its rate not reported: tracing distorts it): peak "
              f"traced Python memory while handling the burst {peak / 2**20:.1f} MiB "
              f"({traced.handled:,} handled)")

    if args.profile:
        prof = cProfile.Profile()
        profile_events = build_events(n, args.members, args.channels, args.command_rate,
                                      args.thread_rate, "profile").events
        with tempfile.TemporaryDirectory(prefix="warmline-bench-core-") as tmp:
            await core_pass(profile_events, warmup, Path(tmp), profile=prof)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        print("profile (separate cProfile pass; main thread only, the SQLite thread is not seen):")
        print(out.getvalue())

    failed = core.errors or core.handled != n or base.handled != n
    if core.responds != work.commands:
        print(f"expected {work.commands} Respond actions, got {core.responds}")
        failed = True
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=50_000, help="default: %(default)s")
    parser.add_argument("--members", type=int, default=1_000, help="default: %(default)s")
    parser.add_argument("--channels", type=int, default=20, help="default: %(default)s")
    parser.add_argument("--command-rate", type=float, default=0.01,
                        help="share of events that are commands (default: %(default)s)")
    parser.add_argument("--thread-rate", type=float, default=0.05,
                        help="share of messages posted in a thread (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=1_000,
                        help="untimed events before the core pass (default: %(default)s)")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the separate tracemalloc pass")
    parser.add_argument("--profile", action="store_true",
                        help="add a separate cProfile pass and print where the core spends time")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
