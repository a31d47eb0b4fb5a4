"""The discord.py clients Warmline runs: one plain, one auto-sharded, with the same hooks.

Why the hooks only forward: the clients are recreated on every (re)connect, while the adapter
and what it knows (pending interactions, the DM cache, the sink) outlive them. Each hook hands
the gateway event to the :class:`GatewayHandler` kept on ``warmline_inbound`` (also how
:class:`~adapters.discord.views.WarmlineButton` finds it), and buttons are registered as a
dynamic item so buttons sent before a restart keep working.

Why a protocol and not the adapter class: the adapter builds these clients, so the clients may
only know the few hooks they call; naming ``DiscordAdapter`` here would make an import circle.

Intents: guilds, guild messages, DM messages and, when configured, message content (privileged).
Never members or presences, so there is no ``MemberJoined``/``MemberLeft`` from Discord.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord
import discord.gateway
import discord.http
import yarl

from adapters.discord.rawmessage import RawMessageHook
from adapters.discord.rawmessage import install as install_raw_messages
from adapters.discord.views import ButtonHandler, WarmlineButton
from bot.events import MessagePosted


class GatewayHandler(ButtonHandler, Protocol):
    """What the clients hand gateway events to: the adapter, which outlives every client."""

    def gateway_ready(self) -> None:
        """The gateway is READY and the guilds have arrived (``on_ready``)."""
        ...

    def message_arrived(self, message: discord.Message) -> None:
        """A MESSAGE_CREATE, handed over synchronously (see :meth:`_ClientMixin.dispatch`)."""
        ...

    def message_posted(self, event: MessagePosted) -> None:
        """A MESSAGE_CREATE read from the raw payload (see :mod:`.rawmessage`), already neutral."""
        ...

    def gateway_down(self, shard_id: int) -> None:
        """A gateway connection dropped; discord.py reconnects (``on_disconnect``)."""
        ...

    def gateway_up(self, shard_id: int) -> None:
        """A gateway connection is back (READY again, or RESUMED)."""
        ...

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None: ...


class ReconnectWithoutTraceback(logging.Filter):
    """discord.py logs each reconnect attempt after a network error with ``logging.exception``:
    a full traceback per attempt, at ERROR, for what is an ordinary, handled event (a blip in
    the network, a Discord restart). This keeps the line, adds the exception's type, drops the
    traceback and logs it as a WARNING, so a flaky hour does not bury real errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg).lower()
        if record.exc_info and ("reconnect" in text or "retrying" in text):
            exc = record.exc_info[1]
            args = record.args if isinstance(record.args, tuple) else ()
            record.msg = f"{record.msg} (after {type(exc).__name__})"
            record.args = args
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_reconnect_tracebacks() -> None:
    """Install :class:`ReconnectWithoutTraceback` on discord.py's loggers (once)."""
    for name in ("discord.client", "discord.shard"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ReconnectWithoutTraceback) for f in logger.filters):
            logger.addFilter(ReconnectWithoutTraceback())


def apply_url_overrides(api_base_url: str, gateway_url: str) -> None:
    """Point discord.py at an API proxy or a local fake. These are class attributes of
    discord.py (process-wide): every client in the process follows them."""
    if api_base_url:
        discord.http.Route.BASE = api_base_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def requested_intents(message_content: bool) -> discord.Intents:
    """Only what Warmline uses: no members, no presences, no typing, no reactions."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


class _ClientMixin:
    """What both client classes share: route gateway events to the adapter."""

    warmline_inbound: GatewayHandler
    warmline_raw_messages: RawMessageHook | None
    """The raw MESSAGE_CREATE path in front of discord.py's parser (None: discord.py's own)."""

    async def setup_hook(self) -> None:
        self.add_dynamic_items(WarmlineButton)  # type: ignore[attr-defined]

    async def on_ready(self) -> None:
        self.warmline_inbound.gateway_ready()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        """Messages go straight to the adapter; every other event as discord.py dispatches it.

        Why: discord.py runs each listener of each event in a task of its own. For messages,
        the hot path, that task and the coroutines under it cost more than turning the message
        into a neutral event (measured on the Discord inbound benchmark: about 10 µs CPU per
        message, a quarter of what discord.py itself spends). The adapter converts at once and
        queues the small neutral event (:meth:`Inbound.message_arrived`). Warmline has no other
        ``message`` listener (no ``wait_for("message")``)."""
        if event == "message":
            self.warmline_inbound.message_arrived(*args)
            return
        super().dispatch(event, *args, **kwargs)  # type: ignore[misc]

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.warmline_inbound.on_interaction(interaction)


class WarmlineClient(_ClientMixin, discord.Client):
    def __init__(self, adapter: GatewayHandler, **options: Any) -> None:
        super().__init__(**options)
        self.warmline_inbound = adapter
        self.warmline_raw_messages = install_raw_messages(self, adapter)

    async def on_ready(self) -> None:
        self.warmline_inbound.gateway_up(0)
        self.warmline_inbound.gateway_ready()

    async def on_resumed(self) -> None:
        self.warmline_inbound.gateway_up(0)

    async def on_disconnect(self) -> None:
        self.warmline_inbound.gateway_down(0)


class ShardedWarmlineClient(_ClientMixin, discord.AutoShardedClient):
    def __init__(self, adapter: GatewayHandler, **options: Any) -> None:
        super().__init__(**options)
        self.warmline_inbound = adapter
        self.warmline_raw_messages = install_raw_messages(self, adapter)

    async def on_shard_ready(self, shard_id: int) -> None:
        self.warmline_inbound.gateway_up(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.warmline_inbound.gateway_up(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.warmline_inbound.gateway_down(shard_id)
