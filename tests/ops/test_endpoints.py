"""``/healthz`` and ``/metrics`` over real HTTP (127.0.0.1, an ephemeral port) around a real
runtime: readiness follows the adapter and the store; the counters follow what happened, and no
user id, channel id or message text ever appears in them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.actions import SendDirect
from bot.adapter import RateLimited
from bot.clock import SystemClock
from bot.config import default_settings
from bot.events import event_from_json
from bot.ops.http import OpsServer, serving
from bot.ops.metrics import PrometheusMetrics
from bot.runtime.app import Warmline
from bot.sim.recording import RecordingAdapter
from bot.sim.simulate import simulation
from bot.store.open import open_store
from bot.texts import TextCatalogue
from tests.helpers.checkins import MONDAY, advance, run
from tests.helpers.listening import make_settings


class ProbeAdapter(RecordingAdapter):
    """A recording adapter that says whether it is connected, as the real ones do."""

    def __init__(self) -> None:
        super().__init__(SystemClock())
        self.ready = False
        self.failed = asyncio.Event()


async def get(server: OpsServer, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, \
            session.get(f"http://127.0.0.1:{server.port}{path}") as response:
        return response.status, await response.text()


async def health(server: OpsServer) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, \
            session.get(f"http://127.0.0.1:{server.port}/healthz") as response:
        return response.status, await response.json()


class Running:
    def __init__(self, bot: Warmline, adapter: ProbeAdapter, server: OpsServer) -> None:
        self.bot, self.adapter, self.server = bot, adapter, server
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.bot.run(self.stop))
        for _ in range(200):
            if self.bot.running:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the runtime did not start its adapter")


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    store = await open_store(f"sqlite:///{tmp_path / 'w.db'}")
    adapter = ProbeAdapter()
    metrics = PrometheusMetrics()
    bot = Warmline(settings=default_settings(), store=store, clock=SystemClock(),
                   texts=TextCatalogue.load(), features=[], adapters=[adapter], metrics=metrics)
    metrics.watch(bot)
    async with serving(bot, metrics, host="127.0.0.1", port=0) as server:
        run = Running(bot, adapter, server)
        try:
            yield run
        finally:
            run.stop.set()
            if run.task is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(run.task, 10)
            await store.close()


async def test_healthz_is_503_until_the_adapter_is_ready_then_200(running: Running) -> None:
    assert running.server.port != 0
    status, body = await health(running.server)
    assert (status, body) == (503, {"status": "not ready", "not_ready": ["adapter:sim"]})
    await running.start()
    status, body = await health(running.server)  # started, but not connected yet
    assert (status, body["not_ready"]) == (503, ["adapter:sim"])
    running.adapter.ready = True
    assert await health(running.server) == (200, {"status": "ready"})
    _, text = await get(running.server, "/metrics")
    assert 'warmline_adapter_ready{platform="sim"} 1.0' in text


async def serving_ready(running: Running) -> None:
    running.adapter.ready = True
    await running.start()
    assert (await health(running.server))[0] == 200


async def test_healthz_is_503_once_the_adapter_has_failed(running: Running) -> None:
    await serving_ready(running)
    running.adapter.failed.set()  # its ready flag still says True: failed wins
    status, body = await health(running.server)
    assert (status, body["not_ready"]) == (503, ["adapter:sim"])


async def test_healthz_is_503_once_the_runtime_stops(running: Running) -> None:
    await serving_ready(running)
    running.stop.set()
    assert running.task is not None
    await asyncio.wait_for(running.task, 10)
    status, body = await health(running.server)
    assert (status, body["not_ready"]) == (503, ["adapter:sim"])


async def test_healthz_is_503_naming_the_store_when_it_does_not_answer(running: Running) -> None:
    await serving_ready(running)
    await running.bot.store.close()
    status, body = await health(running.server)
    assert (status, body) == (503, {"status": "not ready", "not_ready": ["store"]})
    _, text = await get(running.server, "/metrics")
    assert 'warmline_adapter_ready{platform="sim"} 1.0' in text  # only the store is down


# -- /metrics after real events --------------------------------------------------------------

COMMUNITY, SHARER, SUPPORTER, SUPPORT = "C0COMMUNITY7", "U0SHARER9", "U0SUPPORTER8", "C0SUPPORT5"
SHARE = "I can't sleep and work is falling apart"
ROADBLOCK = "you should just try melatonin"
CRISIS = "I feel like ending it all tonight"
PRIVATE = (COMMUNITY, SHARER, SUPPORTER, SUPPORT, "MSG0", "melatonin", "sleep", "ending it")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition, 0 when absent."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    head = f"{name}{{{want}}}" if want else name
    for line in text.splitlines():
        if line.startswith(head + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_events_sends_nudges_crisis_replies_429s_and_jobs_without_ids(
        tmp_path: Path) -> None:
    metrics = PrometheusMetrics()
    async with simulation(db=tmp_path / "m.db", settings=make_settings(), start=MONDAY,
                          metrics=metrics) as sim:
        metrics.watch(sim.bot)
        sim.default_community = COMMUNITY
        for line in (
            {"community": {"id": COMMUNITY}},
            {"member": {"id": SHARER, "name": "Sam"}},
            {"member": {"id": SUPPORTER, "name": "Dee", "roles": ["supporter"]}},
            {"channel": {"id": SUPPORT, "purpose": "support"}},
        ):
            await sim.run_line(line)

        def message(user: str, n: int, text: str, **extra: str) -> dict[str, Any]:
            return {"event": {"type": "message", "user": user, "channel": SUPPORT,
                              "message_id": f"MSG0{n}", "text": text, **extra}}

        await run(sim, message(SHARER, 1, SHARE))
        nudged = await run(sim, message(SUPPORTER, 2, ROADBLOCK, reply_to="MSG01"))
        assert [a["type"] for a in nudged] == ["note"]
        crisis = await run(sim, message(SHARER, 3, CRISIS))
        assert crisis, "the crisis reply went out"
        sim.adapter.fail_next(RateLimited(30.0))  # a scheduled send meets a 429: parked
        parked = await sim.bot.outbox.send_one(
            SendDirect(platform="sim", community=COMMUNITY, user=SHARER, text="hi"), park=True)
        assert parked.status == "parked"
        # Two events through the dispatcher, as adapters hand them over.
        for n in (4, 5):
            body = {"type": "message", "platform": "sim", "event_id": f"E{n}",
                    "at": "2026-01-05T07:00:00Z", "community": COMMUNITY, "user": SHARER,
                    "channel": "C0GENERAL", "message_id": f"MSG0{n}", "text": "hello there"}
            await sim.bot.dispatcher.submit(event_from_json(body))
        for _ in range(200):
            if sim.bot.dispatcher.queued == 0:
                break
            await asyncio.sleep(0.01)
        await advance(sim, (MONDAY + timedelta(days=1, hours=1)).isoformat())  # the daily purge
        server = OpsServer(sim.bot, metrics, host="127.0.0.1", port=0)
        await server.start()
        try:
            status, text = await get(server, "/metrics")
        finally:
            await server.stop()
    assert status == 200
    assert sample(text, "warmline_events_handled_total", platform="sim", event="message") == 2
    assert sample(text, "warmline_actions_sent_total", platform="sim", action="note",
                  kind="listening.nudge") == 1
    assert sample(text, "warmline_actions_sent_total", platform="sim", action="post",
                  kind="safety.reply") == 1
    assert sample(text, "warmline_rate_limited_total", platform="sim", scope="route") == 1
    assert sample(text, "warmline_actions_parked_total", platform="sim", reason="rate-limited") == 1
    assert sample(text, "warmline_jobs_due_total", kind="warmline.retention", outcome="sent") \
        + sample(text, "warmline_jobs_due_total", kind="warmline.retention", outcome="skipped") >= 1
    assert sample(text, "warmline_events_queued") == 0
    assert "warmline_handler_errors_total" in text and "warmline_deferred_total" in text
    for private in PRIVATE:
        assert private not in text, f"{private!r} leaked into /metrics"
