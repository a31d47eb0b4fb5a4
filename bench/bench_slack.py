"""Benchmark: Warmline's Slack adapter + core against a bare bolt app, and a DM fan-out.

    .venv/bin/python bench/bench_slack.py [--events 20000] [--fanout 2000] [--allowed 50]

1. Inbound. A separate process (this script, ``--post``) posts N signed Events API ``message``
   events over 16 keep-alive connections to (a) a bare slack-bolt ``AsyncApp`` whose listener
   does nothing and (b) Warmline with every feature on (Slack adapter in HTTP mode → dispatcher
   → core, real SQLite file), in one run. Each rate is N over the time from the first request
   to the last event handled, (a) measured before and after (b) and the faster one kept.
   Goal: (b) ≥ 75 % of (a). CPU µs per event of the app process is printed for each.
2. Fan-out. ``--fanout`` check-in DMs to distinct members go through the outbox into the
   adapter, against the fake Slack (in process) with Slack-like limits: about 1 message/s per
   channel and ``--allowed`` chat.postMessage per second across the workspace (Slack publishes
   no workspace figure). The adapter is set to 95 % of it. Reports the rate against the
   allowed rate (goal ≥ 90 %) and the 429s received (goal: none beyond the first).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_bolt.async_app import AsyncApp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from adapters.slack.adapter import SlackAdapter, SlackOptions  # noqa: E402
from bot.actions import Button, SendDirect  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import default_settings  # noqa: E402
from bot.feature import all_commands  # noqa: E402
from bot.features.registry import build_features  # noqa: E402
from bot.runtime.app import Warmline  # noqa: E402
from bot.runtime.outbox import Outbox  # noqa: E402
from bot.store.store import open_sqlite  # noqa: E402
from bot.texts import TextCatalogue  # noqa: E402
from tests.fakes.slack_api import FakeSlack, SlackLimits  # noqa: E402
from tests.fakes.slack_payloads import SlackPayloads, sign  # noqa: E402

SECRET = "bench-secret"
CONNECTIONS = 16
TEXTS = (
    "Rough morning, but the walk helped a bit.",
    "Does anyone else find Mondays heavy? I do.",
    "Thanks for listening yesterday, it meant a lot.",
    "I hear you. That sounds really hard, and it makes sense you feel tired.",
)


# -- the load generator (a separate process) ------------------------------------------------------


async def post_all(port: int, n: int) -> None:
    payloads = SlackPayloads()
    bodies = []
    for i in range(n):
        event = payloads.message(TEXTS[i % len(TEXTS)], user=f"U{1000 + i % 200}",
                                 channel=f"C{100 + i % 20}")
        body = json.dumps(payloads.event(event, event_id=f"EvB{i:08d}"))
        bodies.append((body.encode(), {"Content-Type": "application/json", **sign(body, SECRET)}))
    url = f"http://127.0.0.1:{port}/slack/events"
    queue = iter(bodies)
    bad = 0
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal bad
            for body, headers in queue:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    bad += response.status != 200

        print("go", flush=True)
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    print(f"done {bad}", flush=True)


async def load(port: int, n: int) -> tuple[float, int]:
    """Run the load generator against ``port``; (when it started posting, non-200 answers)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--post", str(port), "--events", str(n),
        stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    line = await proc.stdout.readline()
    assert line.strip() == b"go", line
    started = time.perf_counter()
    done = (await proc.stdout.readline()).decode().split()
    await proc.wait()
    return started, int(done[1])


# -- (a) the bare bolt app --------------------------------------------------------------------------


async def bare_rate(fake: FakeSlack, n: int) -> float:
    client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_base)
    app = AsyncApp(client=client, signing_secret=SECRET)
    count = 0
    last = 0.0
    finished = asyncio.Event()

    @app.event("message")
    async def noop(body: dict[str, Any]) -> None:
        nonlocal count, last
        count += 1
        if count == n:
            last = time.perf_counter()
            finished.set()

    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        cpu = time.process_time()
        started, bad = await load(port, n)
        await asyncio.wait_for(finished.wait(), 300)
        print(f"  bare bolt: CPU {1e6 * (time.process_time() - cpu) / n:.0f} µs/event, "
              f"{bad} non-200")
        return n / (last - started)
    finally:
        await runner.cleanup()


# -- (b) Warmline -----------------------------------------------------------------------------------


async def warmline_rate(fake: FakeSlack, n: int, db: Path) -> float:
    settings = default_settings()
    store = await open_sqlite(db)
    features = await build_features(settings, store)
    adapter = SlackAdapter(SlackOptions(bot_token="xoxb-bench", signing_secret=SECRET,
                                        mode="http", host="127.0.0.1", port=0,
                                        api_base_url=fake.api_base),
                           all_commands(features), store=store)
    bot = Warmline(settings=settings, store=store, clock=SystemClock(),
                   texts=TextCatalogue.load(), features=features, adapters=[adapter])
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    try:
        while adapter.port is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        cpu = time.process_time()
        started, bad = await load(adapter.port, n)
        while bot.dispatcher.handled + bot.dispatcher.errors < n:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        last = time.perf_counter()
        print(f"  warmline: CPU {1e6 * (time.process_time() - cpu) / n:.0f} µs/event, "
              f"{bot.dispatcher.errors} errors, {bad} non-200")
        return n / (last - started)
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
        await store.close()


async def inbound(n: int) -> None:
    """Bare, Warmline, bare again: the ratio is against the faster bare run, so a warm-up or a
    busy moment on the machine cannot flatter Warmline."""
    async with FakeSlack() as fake:  # auth.test only
        first = await bare_rate(fake, n)
        with tempfile.TemporaryDirectory() as tmp:
            ours = await warmline_rate(fake, n, Path(tmp) / "bench.db")
        bare = max(first, await bare_rate(fake, n))
    print(f"inbound, {n} signed message events over HTTP: bare bolt {bare:,.0f}/s, "
          f"Warmline {ours:,.0f}/s, ratio {100 * ours / bare:.0f}% (goal ≥ 75%)")


# -- fan-out ------------------------------------------------------------------------------------------


async def fanout(count: int, allowed: float) -> None:
    limits = SlackLimits(per_channel_per_second=1.0, per_channel_burst=3,
                         workspace_per_second=allowed)
    async with FakeSlack(limits=limits) as fake:
        adapter = SlackAdapter(SlackOptions(bot_token="xoxb-bench", app_token="xapp-bench",
                                            signing_secret=SECRET, mode="http",
                                            host="127.0.0.1", port=0,
                                            api_base_url=fake.api_base,
                                            sends_per_second=allowed * 0.95), [])

        async def sink(event: Any, *, handled: Any = None) -> None:
            return None

        await adapter.start(sink)
        try:
            outbox = Outbox({"slack": adapter}, SystemClock())
            actions = [
                SendDirect(platform="slack", community="T111", user=f"U{10000 + i}",
                           recipient=f"U{10000 + i}", text="How are you doing today?",
                           buttons=tuple(Button(action="checkin.mood", value=f"p{i}:{m}",
                                                label=str(m)) for m in range(1, 6)))
                for i in range(count)
            ]
            fake.calls.clear()
            started = time.perf_counter()
            outcome = await outbox.deliver(actions)
            elapsed = time.perf_counter() - started
        finally:
            await adapter.stop()
    posts = fake.calls_to("chat.postMessage")
    span = posts[-1].at - posts[0].at if len(posts) > 1 else elapsed
    rate = (len(posts) - 1) / span if span else 0.0
    print(f"fan-out, {count} check-in DMs through the outbox: {outcome.status}, "
          f"{len(fake.posts())} delivered in {elapsed:.1f}s; {len(posts)} chat.postMessage at "
          f"{rate:.1f}/s = {100 * rate / allowed:.0f}% of the allowed {allowed:g}/s "
          f"(goal ≥ 90%); 429s received: {len(fake.rate_limited)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--fanout", type=int, default=2_000)
    ap.add_argument("--allowed", type=float, default=50.0)
    ap.add_argument("--skip-inbound", action="store_true")
    ap.add_argument("--skip-fanout", action="store_true")
    ap.add_argument("--post", type=int, help=argparse.SUPPRESS)  # the load generator's port
    args = ap.parse_args()
    if args.post:
        asyncio.run(post_all(args.post, args.events))
        return
    if not args.skip_inbound:
        asyncio.run(inbound(args.events))
    if not args.skip_fanout:
        asyncio.run(fanout(args.fanout, args.allowed))


if __name__ == "__main__":
    main()
