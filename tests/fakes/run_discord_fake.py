"""Run :class:`FakeDiscord` as a separate process, for benchmarks.

Why a separate process: on a 2-core machine the fake then runs on the other core, so the
bot's CPU cost per event is measured alone (platform-testing.md §4).

    python tests/fakes/run_discord_fake.py [--rate-limits] [--global-limit 50] \
        [--route 'POST /channels/{channel_id}/messages=5/5'] [--dm-opens 10/10] \
        [--heartbeat-ms 1000] [--shards 1] [--no-message-content] [--no-echo]

Prints ``PORT <n>`` on stdout once listening (127.0.0.1, port chosen by the OS). Point
discord.py at it with ``point_discord_at`` on a ``FakeDiscord`` whose ``port`` is set to n
(only ``api_base`` / ``gateway_url`` are used). Control endpoints (JSON):

``POST /control/blast {"count": N, "channel_id"?: str, "guild"?: str, "content"?: str,
"timeout"?: float}``
    waits until a client is connected, builds N unique MESSAGE_CREATE frames up front, then
    writes them back to back.
    Answers ``{"dispatched", "build_s", "send_s", "first_id", "last_id"}``.
``GET /control/stats``
    request counts per route and status, 429s, first/last request time (time.monotonic() of
    this process), requests/s, messages sent, gateway counters.
``POST /control/reset``
    forget recorded requests (between benchmark phases).
``GET /control/world``
    bot, application id, guilds (ids, channel ids, member ids).

Stops on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tests.fakes` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiohttp import web

from tests.fakes.discord_server import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    PRIVILEGED_INTENTS,
    FakeDiscord,
    RateLimitConfig,
    RouteLimit,
)


def _limit(text: str) -> RouteLimit:
    count, _, period = text.partition("/")
    return RouteLimit(int(count), float(period or 1))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rate-limits", action="store_true", help="enforce the emulated limits")
    ap.add_argument("--global-limit", type=int, default=50, help="global requests per second")
    ap.add_argument(
        "--route",
        action="append",
        default=[],
        metavar="KEY=N/SECONDS",
        help="per-route bucket, e.g. 'POST /channels/{channel_id}/messages=5/5' (repeatable)",
    )
    ap.add_argument(
        "--default-route", type=_limit, default=RouteLimit(50, 1.0), metavar="N/SECONDS"
    )
    ap.add_argument("--dm-opens", type=_limit, default=RouteLimit(10, 10.0), metavar="N/SECONDS")
    ap.add_argument("--heartbeat-ms", type=int, default=1000)
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--no-message-content", action="store_true", help="MESSAGE_CONTENT not granted")
    ap.add_argument("--no-echo", action="store_true", help="do not echo the bot's own messages")
    ap.add_argument("--token", default=None, help="require this bot token")
    return ap.parse_args(argv)


def build_fake(args: argparse.Namespace) -> FakeDiscord:
    routes = dict(RateLimitConfig().routes)
    for spec in args.route:
        key, _, lim = spec.rpartition("=")
        routes[key.strip()] = _limit(lim)
    config = RateLimitConfig(
        enabled=args.rate_limits,
        global_limit=args.global_limit,
        routes=routes,
        default_route=args.default_route,
        dm_opens=args.dm_opens,
    )
    granted = (
        INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES
        if args.no_message_content
        else PRIVILEGED_INTENTS
    )
    return FakeDiscord(
        rate_limits=config,
        heartbeat_interval_ms=args.heartbeat_ms,
        shards=args.shards,
        privileged_intents=granted,
        echo_bot_messages=not args.no_echo,
        token=args.token,
    )


def _json(payload: object, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(payload).encode(), content_type="application/json"
    )


class Control:
    """The benchmark control endpoints, bound to one fake."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    async def blast(self, request: web.Request) -> web.Response:
        spec = await request.json() if request.body_exists else {}
        fake = self.fake
        count = int(spec.get("count", 1000))
        try:
            await fake.wait_until(
                lambda: fake.connected and fake.ready_count > 0,
                within=float(spec.get("timeout", 30)),
                what="a connected client",
            )
        except AssertionError as exc:
            return _json({"error": str(exc)}, 409)
        guild = fake.guilds.get(str(spec["guild"])) if spec.get("guild") else fake.guild
        if guild is None:
            return _json({"error": "unknown guild"}, 404)
        channel_id = str(
            spec.get("channel_id") or next(c["id"] for c in guild["channels"] if c["type"] == 0)
        )
        authors = [m["user"] for m in guild["members"] if not m["user"].get("bot")] or [fake.bot]
        prefix = str(spec.get("content", "blast"))
        t0 = time.perf_counter()
        frames = [
            (
                "MESSAGE_CREATE",
                fake.payloads.message(
                    channel_id=channel_id,
                    author=authors[i % len(authors)],
                    content=f"{prefix} {i}",
                    guild_id=guild["id"],
                ),
            )
            for i in range(count)
        ]
        t1 = time.perf_counter()
        sent = await fake.dispatch_many(frames)
        t2 = time.perf_counter()
        return _json(
            {
                "dispatched": sent,
                "build_s": t1 - t0,
                "send_s": t2 - t1,
                "first_id": frames[0][1]["id"] if frames else None,
                "last_id": frames[-1][1]["id"] if frames else None,
            }
        )

    async def stats(self, request: web.Request) -> web.Response:
        return _json(self.fake.stats())

    async def reset(self, request: web.Request) -> web.Response:
        f = self.fake
        for recorded in (
            f.requests,
            f.rate_limited,
            f.unknown_requests,
            f.messages_sent,
            f.message_edits,
            f.interaction_replies,
            f.followups,
            f.dm_opens,
        ):
            recorded.clear()
        return _json({"ok": True})

    async def world(self, request: web.Request) -> web.Response:
        f = self.fake
        return _json(
            {
                "bot": f.bot,
                "application_id": f.application_id,
                "guilds": [
                    {
                        "id": g["id"],
                        "channels": [c["id"] for c in g["channels"]],
                        "members": [m["user"]["id"] for m in g["members"]],
                    }
                    for g in f.guilds.values()
                ],
            }
        )


async def serve(args: argparse.Namespace) -> None:
    fake = build_fake(args)
    control = Control(fake)
    fake.add_control_route("POST", "/control/blast", control.blast)
    fake.add_control_route("GET", "/control/stats", control.stats)
    fake.add_control_route("POST", "/control/reset", control.reset)
    fake.add_control_route("GET", "/control/world", control.world)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await fake.start()
    try:
        print(f"PORT {fake.port}", flush=True)
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
