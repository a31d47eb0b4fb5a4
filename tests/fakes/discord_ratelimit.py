"""Rate limits and injected failures of the Discord fake: buckets, 429s, forced 5xx answers.

Why a module of its own: discord.py's HTTP client is built around Discord's rate-limit
headers and 429 bodies (``Via`` header, float ``retry_after``, global vs. route scope), and the
adapter must survive Discord's bad days (a 502 from Cloudflare). The accounting and the
failure schedule live here; the HTTP front only asks what to answer.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from aiohttp import web

from tests.fakes.discord_protocol import json_response


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """``limit`` requests per fixed window of ``period`` seconds."""

    limit: int
    period: float


#: What the fake reports (and never enforces) while emulation is off: huge, so discord.py
#: sends concurrently instead of serialising each bucket (it assumes limit=1 without headers).
UNLIMITED = RouteLimit(10_000, 1.0)

DEFAULT_ROUTE_LIMITS: Mapping[str, RouteLimit] = MappingProxyType(
    {
        # The historical launch figure (platform-testing.md §5); real values are dynamic.
        "POST /channels/{channel_id}/messages": RouteLimit(5, 5.0),
        "PATCH /channels/{channel_id}/messages/{message_id}": RouteLimit(5, 5.0),
    }
)


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Rate-limit emulation. Off by default; headers are sent on every response either way.

    Global: ``global_limit`` per sliding ``global_period`` for authenticated routes (interaction
    callbacks and webhooks are exempt, as on Discord). Per route: ``routes[route key]`` or
    ``default_route``, counted per major parameter (channel / guild / webhook). DM opens:
    ``dm_opens`` per window, beyond it 403 code 40003.
    """

    enabled: bool = False
    global_limit: int = 50
    global_period: float = 1.0
    routes: Mapping[str, RouteLimit] = field(default_factory=lambda: DEFAULT_ROUTE_LIMITS)
    default_route: RouteLimit = RouteLimit(50, 1.0)
    dm_opens: RouteLimit | None = RouteLimit(10, 10.0)


@dataclass(slots=True)
class Bucket:
    """One route bucket (per major parameter): a fixed window that starts with its first use."""

    limit: int
    period: float
    count: int = 0
    window_start: float = 0.0

    def roll(self, now: float) -> None:
        if self.count and now >= self.window_start + self.period:
            self.count = 0
        if self.count == 0:
            self.window_start = now

    def reset_after(self, now: float) -> float:
        return max(0.0, self.window_start + self.period - now)


@dataclass(frozen=True, slots=True)
class Throttle:
    """Why a request is answered 429 instead of being handled."""

    retry_after: float
    is_global: bool
    forced: bool


class RateLimiter:
    """Discord-like accounting: global sliding window, per-route fixed windows, forced 429s."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._buckets: dict[str, Bucket] = {}
        self._global: deque[float] = deque()
        self._dm_opens: deque[float] = deque()
        self._forced: dict[str, deque[tuple[float, bool]]] = defaultdict(deque)

    def force(self, route: str, count: int, retry_after: float, is_global: bool) -> None:
        for _ in range(count):
            self._forced[route].append((retry_after, is_global))

    def take_forced(self, route: str) -> tuple[float, bool] | None:
        queue = self._forced.get(route)
        return queue.popleft() if queue else None

    def route_limit(self, route: str) -> RouteLimit:
        if not self.config.enabled:
            return UNLIMITED
        return self.config.routes.get(route, self.config.default_route)

    def bucket(self, route: str, major: str, now: float) -> Bucket:
        key = f"{route}:{major}"
        b = self._buckets.get(key)
        if b is None:
            rl = self.route_limit(route)
            b = self._buckets[key] = Bucket(rl.limit, rl.period)
        b.roll(now)
        return b

    def global_retry_after(self, now: float) -> float | None:
        """Seconds to wait when the global window is full, else None (and the slot is taken)."""
        cfg = self.config
        window = self._global
        while window and window[0] <= now - cfg.global_period:
            window.popleft()
        if len(window) >= cfg.global_limit:
            return window[0] + cfg.global_period - now
        window.append(now)
        return None

    def dm_open_allowed(self, now: float) -> bool:
        rl = self.config.dm_opens
        if not self.config.enabled or rl is None:
            return True
        while self._dm_opens and self._dm_opens[0] <= now - rl.period:
            self._dm_opens.popleft()
        if len(self._dm_opens) >= rl.limit:
            return False
        self._dm_opens.append(now)
        return True

    def check(self, route: str, bucket: Bucket, *, exempt: bool, now: float) -> Throttle | None:
        """A forced 429 first, then (when emulating) the global window, then the bucket."""
        forced = self.take_forced(route)
        if forced is not None:
            return Throttle(forced[0], forced[1], True)
        if not self.config.enabled:
            return None
        g = None if exempt else self.global_retry_after(now)
        if g is not None:
            return Throttle(g, True, False)
        if bucket.count >= bucket.limit:
            return Throttle(bucket.reset_after(now), False, False)
        return None

    @staticmethod
    def bucket_hash(route: str) -> str:
        return hashlib.sha1(route.encode()).hexdigest()[:16]

    def headers(self, route: str, bucket: Bucket, now: float) -> dict[str, str]:
        # Ceil to the millisecond: a Reset-After rounded down would let the client come back
        # a hair early and collect a 429 it did nothing to deserve.
        reset_after = -(-bucket.reset_after(now) * 1000 // 1) / 1000
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.limit - bucket.count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket_hash(route),
        }

    def too_many_requests(
        self, route: str, bucket: Bucket, throttle: Throttle, now: float
    ) -> tuple[web.Response, float]:
        """The 429 discord.py expects (``Via`` header, float ``retry_after``) and its delay."""
        retry_after = round(max(throttle.retry_after, 0.001), 3)
        headers = self.headers(route, bucket, now)
        headers["X-RateLimit-Remaining"] = "0"
        headers["Via"] = "1.1 google"
        headers["Retry-After"] = str(max(1, int(-(-retry_after // 1))))
        headers["X-RateLimit-Scope"] = "global" if throttle.is_global else "user"
        if throttle.is_global:
            headers["X-RateLimit-Global"] = "true"
        if throttle.forced:
            headers["X-RateLimit-Reset-After"] = f"{retry_after:.3f}"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": throttle.is_global,
        }
        return json_response(429, body, headers), retry_after


# ---------------------------------------------------------------------------- injected errors
@dataclass(frozen=True, slots=True)
class ForcedError:
    status: int
    code: int
    message: str | None


_CLOUDFLARE_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_REASONS: Mapping[int, str] = MappingProxyType(
    {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
        524: "A Timeout Occurred",
    }
)


class ForcedErrors:
    """A schedule of error answers per route, for ``fake.force_error``."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[ForcedError]] = defaultdict(deque)

    def add(self, route: str, status: int, count: int, code: int, message: str | None) -> None:
        if not 400 <= status <= 599 or status == 429:
            raise ValueError("force_error takes a 4xx or 5xx status (use force_429 for 429)")
        for _ in range(count):
            self._queues[route].append(ForcedError(status, code, message))

    def take(self, route: str) -> ForcedError | None:
        queue = self._queues.get(route)
        return queue.popleft() if queue else None

    @staticmethod
    def response(err: ForcedError) -> web.Response:
        """A 5xx without a message looks like Discord's edge (Cloudflare's HTML page, which
        discord.py reads as text); anything else is a Discord JSON error."""
        if err.status >= 500 and err.message is None:
            reason = _REASONS.get(err.status, "Server Error")
            page = _CLOUDFLARE_PAGE.format(status=err.status, reason=reason)
            return web.Response(status=err.status, text=page, content_type="text/html")
        message = err.message if err.message is not None else f"{err.status}: error"
        return json_response(err.status, {"message": message, "code": err.code})
