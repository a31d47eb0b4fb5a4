"""What the Slack adapter is given: ``[slack]`` from the config plus a few tuning knobs.

Why a module of its own: the lifecycle (``adapter``), the inbound side and the outbound side
(pacers, back-off) all read these options; keeping them apart lets each import them without
importing the others (the same split as ``adapters.discord.options``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import SlackSettings
from bot.config.names import ENV_APP_TOKEN, ENV_BOT_TOKEN, ENV_CLIENT_SECRET, ENV_SIGNING_SECRET


@dataclass(frozen=True, slots=True, kw_only=True)
class SlackOptions:
    """Everything the adapter needs. Secrets are hidden from ``repr``."""

    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    client_id: str = ""
    client_secret: str = ""
    mode: str = "socket"
    host: str = "0.0.0.0"
    """Where the HTTP server listens in HTTP mode (tests use 127.0.0.1)."""
    port: int = 3000
    public_url: str = ""
    api_base_url: str = ""
    sends_per_second: float = 10.0
    """The outbox's pace for chat.postMessage across the workspace. Slack publishes no
    workspace-wide figure; 10/s sends 2,000 check-ins in under 4 minutes."""
    delivery_window_seconds: int = 600
    channel_interval: float = 1.0
    """Slack allows about one message per second in one channel."""
    channel_burst: int = 3
    max_channel_wait: float = 2.0
    """A post that would wait longer than this for its channel is handed back to the outbox
    as ``RateLimited`` (so one busy channel never holds up anyone else's send)."""
    retry_after_ceiling: float = 2.0
    """slack-sdk retries a 429 whose Retry-After is at most this; longer ones go to the outbox."""
    socket_ping_interval: float = 10.0
    interaction_ttl: float = 30 * 60.0
    """A ``response_url`` works for 30 minutes (5 times)."""

    def __repr__(self) -> str:
        return f"SlackOptions(mode={self.mode!r}, port={self.port}, oauth={bool(self.client_id)})"

    @property
    def oauth(self) -> bool:
        return bool(self.client_id)

    @classmethod
    def from_settings(cls, settings: SlackSettings, **overrides: Any) -> SlackOptions:
        values: dict[str, Any] = {
            "bot_token": settings.bot_token or "",
            "app_token": settings.app_token or "",
            "signing_secret": settings.signing_secret or "",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret or "",
            "mode": settings.mode,
            "port": settings.port,
            "public_url": settings.public_url,
            "api_base_url": settings.api_base_url,
            "sends_per_second": settings.sends_per_second,
            "delivery_window_seconds": settings.delivery_window_seconds,
        }
        values.update(overrides)
        options = cls(**values)
        options.check()
        return options

    def check(self) -> None:
        """The same rules as the config's, for an adapter built in code."""
        if self.oauth:
            if self.mode != "http" or not self.client_secret or not self.signing_secret:
                raise ValueError(f"OAuth installs need mode = 'http', {ENV_CLIENT_SECRET} and "
                                 f"{ENV_SIGNING_SECRET}")
        elif not self.bot_token:
            raise ValueError(f"the Slack bot token is missing; set {ENV_BOT_TOKEN}")
        if self.mode == "socket" and not self.app_token:
            raise ValueError(f"Socket Mode needs the app-level token; set {ENV_APP_TOKEN}")
        if self.mode == "http" and not self.signing_secret:
            raise ValueError(f"HTTP mode needs the signing secret; set {ENV_SIGNING_SECRET}")
