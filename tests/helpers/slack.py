"""The Slack adapter under test: the REAL slack-bolt app and slack-sdk client inside Warmline,
against the local fake (:class:`tests.fakes.slack_api.FakeSlack`, 127.0.0.1 only).

:class:`SlackHarness` builds what a test needs from a started fake: ``options(...)`` and
``adapter(...)`` for a bare :class:`SlackAdapter`, ``warmline(...)`` for the real runtime (real
SQLite file under ``tmp_path``, every real feature plus the Discord tests' :class:`Probe`), and
``post_event`` / ``post_command`` / ``post_interaction`` to send Slack's signed HTTP requests to
the adapter's own bolt server, exactly as Slack would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from adapters.slack.adapter import SlackAdapter, SlackOptions
from bot.clock import Clock, SystemClock
from bot.feature import CommandSpec, Feature, all_commands
from bot.features.registry import build_features
from bot.runtime.app import Warmline
from bot.store.base import Store
from bot.store.store import open_sqlite
from bot.texts import TextCatalogue
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_payloads import SlackPayloads, sign
from tests.helpers.checkins import make_settings
from tests.helpers.discord import Probe, finish

__all__ = ["SECRET", "RunningSlack", "SlackHarness"]

SECRET = "test-signing-secret"


@dataclass
class RunningSlack:
    bot: Warmline
    adapter: SlackAdapter
    probe: Probe
    store: Store
    stop: asyncio.Event
    task: asyncio.Task[None]


@dataclass
class SlackHarness:
    fake: FakeSlack
    tmp_path: Path
    running: list[RunningSlack] = field(default_factory=list)
    adapters: list[SlackAdapter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.payloads = SlackPayloads(team_id=self.fake.team_id, app_id=self.fake.app_id,
                                      response_base=f"{self.fake.base}/response")

    def options(self, **overrides: Any) -> SlackOptions:
        values: dict[str, Any] = {
            "bot_token": "xoxb-test", "app_token": "xapp-test", "signing_secret": SECRET,
            "mode": "http", "host": "127.0.0.1", "port": 0,
            "api_base_url": self.fake.api_base, "socket_ping_interval": 0.5,
        }
        values.update(overrides)
        return SlackOptions(**values)

    def adapter(self, commands: Sequence[CommandSpec] = (), *, store: Store | None = None,
                **overrides: Any) -> SlackAdapter:
        adapter = SlackAdapter(self.options(**overrides), commands, store=store)
        self.adapters.append(adapter)
        return adapter

    async def warmline(self, db: str = "warmline.db", *, clock: Clock | None = None,
                       probe: bool = True, **overrides: Any) -> RunningSlack:
        """The real runtime with every feature (plus the probe) and the Slack adapter."""
        settings = make_settings()
        store = await open_sqlite(self.tmp_path / db)
        extra = Probe()
        features: list[Feature[Any]] = [*await build_features(settings, store)]
        if probe:
            features.append(extra)
        adapter = self.adapter(all_commands(features), store=store, **overrides)
        bot = Warmline(settings=settings, store=store, clock=clock or SystemClock(),
                       texts=TextCatalogue.load(), features=features, adapters=[adapter])
        stop = asyncio.Event()
        task = asyncio.create_task(bot.run(stop), name="warmline-under-test")
        run = RunningSlack(bot, adapter, extra, store, stop, task)
        self.running.append(run)
        await self.fake.wait_until(lambda: adapter.port is not None or adapter._socket is not None
                                   or task.done(), what="the Slack adapter started")
        if task.done():
            task.result()
        return run

    async def shutdown(self, run: RunningSlack) -> None:
        if run not in self.running:
            return
        self.running.remove(run)
        await finish(run.stop, run.task, run.store)

    async def close(self) -> None:
        for run in list(self.running):
            await self.shutdown(run)
        for adapter in self.adapters:
            await adapter.stop()

    # -- Slack → the adapter's HTTP server ------------------------------------------------------

    async def post(self, adapter: SlackAdapter, body: str, content_type: str, *,
                   secret: str = SECRET, ts: str | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, str]:
        assert adapter.port, "the adapter is not serving HTTP"
        sent = {"Content-Type": content_type, **sign(body, secret, ts), **(headers or {})}
        async with aiohttp.ClientSession() as http, http.post(
                f"http://127.0.0.1:{adapter.port}/slack/events", data=body.encode(),
                headers=sent) as response:
            return response.status, await response.text()

    async def post_event(self, adapter: SlackAdapter, event: dict[str, Any], *,
                         event_id: str | None = None, retry: int = 0, **kw: Any) -> tuple[int, str]:
        body, kind = self.payloads.json_body(self.payloads.event(event, event_id=event_id))
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} \
            if retry else None
        return await self.post(adapter, body, kind, headers=headers, **kw)

    async def post_command(self, adapter: SlackAdapter, text: str, **kw: Any) -> dict[str, str]:
        fields = self.payloads.command(text, **kw)
        body, kind = self.payloads.form_body(fields)
        status, _ = await self.post(adapter, body, kind)
        assert status == 200, status
        return fields

    async def post_interaction(self, adapter: SlackAdapter, payload: dict[str, Any]) -> int:
        body, kind = self.payloads.interactive_body(payload)
        status, _ = await self.post(adapter, body, kind)
        return status

    def token(self, fields: dict[str, Any]) -> str:
        """The fake's response_url token of a command or interaction."""
        return str(fields["response_url"]).rsplit("/", 1)[1]

    async def ask(self, adapter: SlackAdapter, text: str, **kw: Any) -> dict[str, Any]:
        """``/warmline <text>``, and the core's first answer through its response_url."""
        token = self.token(await self.post_command(adapter, text, **kw))
        await self.fake.wait_until(lambda: self.fake.responses_to(token),
                                   what=f"the answer to /warmline {text}")
        return self.fake.responses_to(token)[0]
