"""``/healthz`` and ``/metrics`` on ``[ops] host:port``, served by aiohttp inside ``warmline run``.

- ``GET /healthz``: 200 ``{"status": "ready"}`` when every configured adapter is connected and
  the store answers a trivial query; otherwise 503 ``{"status": "not ready", "not_ready":
  ["adapter:discord", "store"]}``, naming each part that is not ready (never anything else: no
  ids, no versions, no configuration).
- ``GET /metrics``: the Prometheus text format (``bot.ops.metrics``).

Started before the adapters (so a health check says 503 while Warmline is still connecting) and
stopped after the runtime has shut down.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.ops.metrics import PrometheusMetrics

if TYPE_CHECKING:
    from bot.runtime.app import Warmline

log = logging.getLogger(__name__)


class OpsServer:
    def __init__(self, bot: Warmline, metrics: PrometheusMetrics, *, host: str, port: int) -> None:
        self.bot = bot
        self.metrics = metrics
        self.host = host
        self.port = port
        """The port asked for; after :meth:`start`, the port listened on (0 picks one)."""
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.serve_metrics)
        return app

    async def start(self) -> int:
        """Listen; returns the port. An address in use raises :class:`OSError`."""
        runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or ()
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def healthz(self, request: web.Request) -> web.Response:
        parts = await self.bot.health()
        not_ready = [name for name, ok in parts.items() if not ok]
        if not_ready:
            return web.json_response({"status": "not ready", "not_ready": not_ready}, status=503)
        return web.json_response({"status": "ready"})

    async def serve_metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.exposition(),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})


@asynccontextmanager
async def serving(bot: Warmline, metrics: PrometheusMetrics, *, host: str,
                  port: int) -> AsyncIterator[OpsServer]:
    """The endpoints for as long as the block runs."""
    server = OpsServer(bot, metrics, host=host, port=port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
