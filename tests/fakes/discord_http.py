"""The HTTP front of the Discord fake: the aiohttp app, and what happens before every handler.

Why a module of its own: every REST call goes through the same steps, in Discord's order:
parse the body, check ``Authorization``, answer forced errors and 429s, count the call in its
bucket, attach rate-limit headers, and record it. Keeping them here leaves the REST handlers
with nothing but Discord's answers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_protocol import API_PREFIX, BODY, DiscordError, error_response
from tests.fakes.discord_ratelimit import ForcedErrors, RateLimiter
from tests.fakes.discord_records import RateLimitRecord, Records, RequestRecord
from tests.fakes.discord_rest import Handler, RestApi
from tests.fakes.discord_world import World

_log = logging.getLogger(__name__)

_MAJOR_PARAMS = ("channel_id", "guild_id", "webhook_id", "webhook_token")
_EXEMPT_FROM_GLOBAL = ("/interactions/", "/webhooks/")


class HttpFront:
    """Builds the app (gateway, REST, control routes) and runs the per-request pipeline."""

    def __init__(
        self, world: World, records: Records, limiter: RateLimiter, rest: RestApi, gateway: Gateway
    ) -> None:
        self.world = world
        self.records = records
        self.limiter = limiter
        self.rest = rest
        self.gateway = gateway
        self.errors = ForcedErrors()
        self._control_routes: list[tuple[str, str, Handler]] = []

    def add_control_route(self, method: str, path: str, handler: Handler) -> None:
        if not path.startswith("/control/"):
            raise ValueError("control routes live under /control/")
        self._control_routes.append((method, path, handler))

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        r = app.router
        r.add_get("/gw", self.gateway.handle)
        for method, path, handler in self.rest.routes():
            r.add_route(method, API_PREFIX + path, handler)
        for method, path, handler in self._control_routes:
            r.add_route(method, path, handler)
        r.add_route("*", "/{tail:.*}", self.rest.unknown)
        return app

    @staticmethod
    def _route_key(request: web.Request) -> str:
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else ""
        if "{tail" in canonical or not canonical.startswith(API_PREFIX):
            return "UNKNOWN"
        return f"{request.method} {canonical[len(API_PREFIX) :]}"

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        if not request.body_exists:
            return None
        if request.content_type == "multipart/form-data":
            form = await request.post()
            raw = form.get("payload_json")
            body: JSON = json.loads(str(raw)) if raw is not None else {}
            body["_files"] = [
                getattr(v, "filename", None) for k, v in form.items() if k.startswith("files[")
            ]
            return body
        text = await request.text()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def _authorised(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bot "):
            return False
        return self.world.token is None or auth == f"Bot {self.world.token}"

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gw" or request.path.startswith("/control/"):
            return await handler(request)
        now = time.monotonic()
        route = self._route_key(request)
        path = request.path.removeprefix(API_PREFIX)
        body: Any = None
        error_code: int | None = None
        try:
            body = await self._read_body(request)
            request[BODY] = body
            response, error_code = await self._answer(request, handler, route, path, now)
        except web.HTTPException:
            raise
        except Exception as exc:  # a bug in the fake: answer 500, and make it visible
            _log.exception("the Discord fake failed on %s %s", request.method, route)
            self.records.internal_errors.append(f"{request.method} {path}: {exc!r}")
            response, error_code = error_response(500, "500: Internal Server Error", 0), 0
        record = RequestRecord(
            method=request.method,
            path=path,
            route=route,
            query=dict(request.query),
            body=body,
            at=now,
            status=response.status,
            error_code=error_code,
        )
        self.records.requests.append(record)
        if route == "UNKNOWN":
            self.records.unknown_requests.append(record)
        self.records.changed()
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        route: str,
        path: str,
        now: float,
    ) -> tuple[web.StreamResponse, int | None]:
        """The response and its Discord error code (None on success)."""
        if route == "UNKNOWN":
            return await handler(request), 0
        exempt = path.startswith(_EXEMPT_FROM_GLOBAL)
        if not exempt and not self._authorised(request):
            return error_response(401, "401: Unauthorized", 0), 0
        major = "+".join(request.match_info[k] for k in _MAJOR_PARAMS if k in request.match_info)
        bucket = self.limiter.bucket(route, major, now)
        throttle = self.limiter.check(route, bucket, exempt=exempt, now=now)
        if throttle is not None:
            refusal, retry_after = self.limiter.too_many_requests(route, bucket, throttle, now)
            self.records.rate_limited.append(
                RateLimitRecord(route, path, now, retry_after, throttle.is_global, throttle.forced)
            )
            return refusal, None
        forced = self.errors.take(route)
        if forced is not None:  # Discord's edge failed: no bucket counted, no headers
            return ForcedErrors.response(forced), forced.code
        bucket.count += 1
        error_code: int | None = None
        response: web.StreamResponse
        try:
            response = await handler(request)
        except DiscordError as exc:
            response = error_response(exc.status, exc.message, exc.code)
            error_code = exc.code
        for k, v in self.limiter.headers(route, bucket, now).items():
            response.headers[k] = v
        return response, error_code
