"""Benchmark: Warmline's Discord adapter + core against a bare discord.py client, and a DM fan-out.

    .venv/bin/python bench/bench_discord.py [--events 50000] [--fanout 2000] [--profile]

1. Inbound. The fake Discord runs in a separate process (tests/fakes/run_discord_fake.py) and
   pushes N MESSAGE_CREATE back to back into (a) a bare ``discord.Client`` whose ``on_message``
   does nothing and (b) Warmline (adapter → dispatcher → core, real SQLite file), in one run.
   The rate is N over the time from the first event in to the last one handled. Goal: (b) ≥ 75 %
   of (a). ``--profile`` prints where (b) spends its time. In (b) every feature is on and the
   channel the messages arrive in is the community's support channel, with Message Content on:
   each message is a post the listening feature tracks (``--no-support`` measures a plain
   channel instead).
2. Fan-out. ``--fanout`` check-in DMs to distinct members go through the outbox into the adapter,
   against an in-process fake with Discord-like limits (50 requests/s global, a DM-open budget).
   Reports requests/s against the allowed 50/s and the 429s received. Goal: ≥ 90 % and no 429
   beyond the first.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import discord  # noqa: E402

from adapters.discord.adapter import DiscordAdapter, DiscordOptions, apply_url_overrides  # noqa: E402
from bot.actions import Button, SendDirect  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import default_settings  # noqa: E402
from bot.events import MessagePosted  # noqa: E402
from bot.feature import all_commands, needs_message_text  # noqa: E402
from bot.features.registry import build_features  # noqa: E402
from bot.runtime.app import Warmline  # noqa: E402
from bot.runtime.outbox import Outbox  # noqa: E402
from bot.store.store import open_sqlite  # noqa: E402
from bot.texts import TextCatalogue  # noqa: E402


class TimedAdapter(DiscordAdapter):
    """The real adapter, noting when the first gateway message reached it."""

    first_in = 0.0

    def message_arrived(self, message: discord.Message) -> None:
        if not self.first_in:
            self.first_in = time.perf_counter()
        super().message_arrived(message)

    def message_posted(self, event: MessagePosted) -> None:
        """The raw MESSAGE_CREATE path (adapters/discord/rawmessage.py) hands events here."""
        if not self.first_in:
            self.first_in = time.perf_counter()
        super().message_posted(event)


class BareClient(discord.Client):
    def __init__(self, n: int) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.n = n
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.ready = asyncio.Event()
        self.done = asyncio.Event()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        self.count += 1
        if self.count == 1:
            self.first = time.perf_counter()
        if self.count == self.n:
            self.last = time.perf_counter()
            self.done.set()


CHAT = "long day at work honestly, these meetings are killing me, going to bed early"
"""What each blasted message says: ordinary chat with an idiom, so the safety scan does its work."""


async def _blast(port: int, n: int) -> None:
    async with aiohttp.ClientSession() as http:
        resp = await http.post(f"http://127.0.0.1:{port}/control/blast",
                               json={"count": n, "timeout": 30, "content": CHAT})
        resp.raise_for_status()
        await resp.read()


async def bare_rate(port: int, n: int) -> float:
    client = BareClient(n)
    task = asyncio.create_task(client.start("bench-token"))
    try:
        await asyncio.wait_for(client.ready.wait(), 10)
        cpu = time.process_time()
        await _blast(port, n)
        await asyncio.wait_for(client.done.wait(), 300)
        print(f"  bare: CPU {1e6 * (time.process_time() - cpu) / n:.0f} µs/event")
        return n / (client.last - client.first)
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task


async def _world(port: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        resp = await http.get(f"http://127.0.0.1:{port}/control/world")
        resp.raise_for_status()
        world: dict[str, Any] = await resp.json()
        return world


async def warmline_rate(port: int, n: int, db: Path, profile: bool, support: bool) -> float:
    settings = default_settings()
    store = await open_sqlite(db)
    features = await build_features(settings, store)
    if support:
        guild = (await _world(port))["guilds"][0]
        community = await store.communities.ensure("discord", guild["id"])
        await store.channels.set_purpose(community.id, "support", guild["channels"][0])
    # Every feature on, as `warmline run` builds it: safety (and listening) read messages, so
    # the content comes.
    adapter = TimedAdapter(DiscordOptions(token="bench-token", guild_ready_timeout=0.1,
                                          message_content_intent=needs_message_text(features)),
                           all_commands(features))
    bot = Warmline(settings=settings, store=store, clock=SystemClock(),
                   texts=TextCatalogue.load(), features=features, adapters=[adapter])
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    prof = cProfile.Profile() if profile else None
    try:
        await asyncio.wait_for(adapter._ready.wait(), 10)
        adapter.first_in = 0.0
        cpu = time.process_time()
        if prof:
            prof.enable()
        await _blast(port, n)
        while bot.dispatcher.handled + bot.dispatcher.errors < n:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        last = time.perf_counter()
        if prof:
            prof.disable()
        print(f"  warmline: CPU {1e6 * (time.process_time() - cpu) / n:.0f} µs/event, "
              f"{bot.dispatcher.errors} errors, {store.db.writes} write transactions")
        raw = getattr(adapter.client, "warmline_raw_messages", None)
        print("  MESSAGE_CREATE: " + ("discord.py's Message (raw path off)" if raw is None else
              f"{raw.fast} read raw, {raw.fallbacks} through discord.py's Message"))
        if support:
            row = await store.db.fetchone("SELECT COUNT(*) FROM listening_shares")
            print(f"  listening: {0 if row is None else row[0]} posts tracked in the support "
                  "channel (the rest still in memory, written with the next batch)")
        if prof:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(30)
            print(out.getvalue())
        return n / (last - adapter.first_in)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 60)
        await store.close()


async def adapter_only_rate(n: int) -> float:
    """The adapter alone (conversion to neutral events, no core): isolates the core's share."""
    adapter = TimedAdapter(DiscordOptions(token="bench-token", guild_ready_timeout=0.1,
                                          sync_commands=False), [])
    done = asyncio.Event()
    last = 0.0

    async def sink(event: Any, *, handled: Any = None) -> None:
        nonlocal last
        if adapter.events_in >= n:
            last = time.perf_counter()
            done.set()

    await adapter.start(sink)
    try:
        cpu = time.process_time()
        await _blast_port(n)
        await asyncio.wait_for(done.wait(), 300)
        print(f"  adapter alone: CPU {1e6 * (time.process_time() - cpu) / n:.0f} µs/event")
        return n / (last - adapter.first_in)
    finally:
        await adapter.stop()


_PORT: list[int] = []


async def _blast_port(n: int) -> None:
    await _blast(_PORT[0], n)


async def inbound(n: int, profile: bool, support: bool = True) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "tests/fakes/run_discord_fake.py"), "--no-echo",
        stdout=subprocess.PIPE, cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = (await proc.stdout.readline()).decode()
        port = int(line.split()[1])
        apply_url_overrides(f"http://127.0.0.1:{port}/api/v10", f"ws://127.0.0.1:{port}/gw")
        _PORT.append(port)
        bare = await bare_rate(port, n)
        alone = await adapter_only_rate(n)
        print(f"  adapter alone (no core): {alone:,.0f}/s = {100 * alone / bare:.0f}% of bare")
        with tempfile.TemporaryDirectory() as tmp:
            ours = await warmline_rate(port, n, Path(tmp) / "bench.db", profile, support)
        where = "the support channel, listening on" if support else "a plain channel"
        print(f"inbound, {n} MESSAGE_CREATE in {where}: bare discord.py {bare:,.0f}/s, "
              f"Warmline {ours:,.0f}/s, ratio {100 * ours / bare:.0f}% (goal ≥ 75%)")
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


async def fanout(count: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.discord_server import FakeDiscord, RateLimitConfig, RouteLimit

    allowed = 50
    limits = RateLimitConfig(enabled=True, global_limit=allowed, global_period=1.0,
                             dm_opens=RouteLimit(250, 10.0))
    async with FakeDiscord(rate_limits=limits, echo_bot_messages=False) as fake:
        apply_url_overrides(fake.api_base, fake.gateway_url)
        users = [fake.add_user(fake.payloads.user(f"member{i}"))["id"] for i in range(count)]
        adapter = DiscordAdapter(
            DiscordOptions(token="bench-token", guild_ready_timeout=0.1, sync_commands=False,
                           dm_opens_per_second=24.0, dm_open_burst=1.0), [])

        async def sink(event: Any, *, handled: Any = None) -> None:
            return None

        await adapter.start(sink)
        try:
            outbox = Outbox({"discord": adapter}, SystemClock())
            actions = [
                SendDirect(platform="discord", user=u, recipient=u, text="How are you today?",
                           buttons=(Button(action="checkin.mood", value=f"p{i}:3", label="Okay"),))
                for i, u in enumerate(users)
            ]
            fake.requests.clear()
            fake.rate_limited.clear()
            started = time.perf_counter()
            outcome = await outbox.deliver(actions)
            elapsed = time.perf_counter() - started
        finally:
            await adapter.stop()
        reqs = [r for r in fake.requests if not r.path.startswith(("/interactions", "/webhooks"))]
        span = reqs[-1].at - reqs[0].at if len(reqs) > 1 else elapsed
        rate = (len(reqs) - 1) / span if span else 0.0
        sent = sum(1 for m in fake.messages_sent if m.dm_user_id)
        print(f"fan-out, {count} DMs through the outbox: {outcome.status}, {sent} delivered in "
              f"{elapsed:.1f}s; {len(reqs)} requests at {rate:.1f}/s = {100 * rate / allowed:.0f}% "
              f"of the allowed {allowed}/s (goal ≥ 90%); 429s received: {len(fake.rate_limited)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--fanout", type=int, default=2_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--skip-inbound", action="store_true")
    ap.add_argument("--skip-fanout", action="store_true")
    ap.add_argument("--no-support", action="store_true",
                    help="messages in a plain channel instead of the support channel")
    args = ap.parse_args()
    if not args.skip_inbound:
        asyncio.run(inbound(args.events, args.profile, not args.no_support))
    if not args.skip_fanout:
        asyncio.run(fanout(args.fanout))


if __name__ == "__main__":
    main()
