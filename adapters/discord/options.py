"""What the Discord adapter is given: ``[discord]`` from the config plus a few tuning knobs.

Why a module of its own: the lifecycle (``adapter``), the inbound side (``ack_after``) and the
outbound side (pacers, DM cache, back-off) all read these options, and keeping them apart from
all three lets each import them without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import DiscordSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscordOptions:
    """Everything the adapter needs, from ``[discord]`` plus a few tuning knobs."""

    token: str
    dev_guild_id: str = ""
    api_base_url: str = ""
    gateway_url: str = ""
    shard_count: int = 0
    shard_ids: tuple[int, ...] = ()
    sends_per_second: float = 40.0
    message_content_intent: bool = False
    delivery_window_seconds: int = 600
    sync_commands: bool = True
    guild_ready_timeout: float = 2.0
    ack_after: float = 2.0
    """Seconds to wait for the core before deferring an interaction (Discord's limit is 3)."""
    requests_per_second: float = 47.5
    """The adapter's own ceiling under Discord's global 50 requests/s."""
    request_burst: float = 1.0
    dm_opens_per_second: float = 5.0
    dm_open_burst: float = 5.0
    dm_backoff_seconds: float = 10.0
    """How long to back off after Discord says DMs are being opened too fast (40003)."""
    max_ratelimit_timeout: float = 30.0
    dm_cache_size: int = 100_000

    @classmethod
    def from_settings(cls, settings: DiscordSettings, **overrides: Any) -> DiscordOptions:
        if not settings.token:
            raise ValueError("the Discord token is missing; set WARMLINE_DISCORD_TOKEN")
        values: dict[str, Any] = {
            "token": settings.token,
            "dev_guild_id": settings.dev_guild_id,
            "api_base_url": settings.api_base_url,
            "gateway_url": settings.gateway_url,
            "shard_count": settings.shard_count,
            "shard_ids": tuple(settings.shard_ids),
            "sends_per_second": settings.sends_per_second,
            "message_content_intent": settings.message_content_intent,
            "delivery_window_seconds": settings.delivery_window_seconds,
        }
        values.update(overrides)
        return cls(**values)
