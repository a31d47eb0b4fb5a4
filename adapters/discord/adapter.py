"""The Discord adapter: a discord.py client that translates, and decides nothing.

``DiscordAdapter`` owns the lifecycle (log in, sync the slash commands, connect, reconnect,
stop) and composes the parts, one job each:

- :mod:`adapters.discord.client`: the discord.py client classes, whose hooks hand gateway events
  to the adapter;
- :mod:`adapters.discord.inbound`: gateway events and interactions → neutral events, the
  registry of interactions waiting for the core and their acknowledgement timers;
- :mod:`adapters.discord.outbound`: neutral actions → Discord calls, pacing, and Discord's
  errors → the outbox's ``Transient``/``RateLimited``/``Unreachable``/``Fatal``;
- :mod:`adapters.discord.options`: :class:`DiscordOptions`.

Intents: guilds, guild messages, DM messages and, when an enabled feature reads what members write
(listening, safety: ``bot.feature.reads_messages``) or the config forces it, message content
(privileged).
Never members or presences, so there is no ``MemberJoined``/``MemberLeft`` from Discord. If
Discord refuses the message-content intent (close code 4014), the adapter logs how to enable it
and reconnects without it: commands, buttons, forms and DMs keep working.

Failing for good, loudly. Discord tells a bot not to reconnect after some gateway close codes
(4004 authentication failed, e.g. after a token reset; 4010 invalid shard; 4011 sharding
required; 4012 invalid API version; 4013 invalid intents). Staying up without a gateway would be a
silent zombie, so the adapter logs what the code means and what to do, sets ``failed`` (an
:class:`asyncio.Event`) with the exception in ``failure``, and the runtime stops the process with
the platform exit code (``docs/operations.md``). Before READY the same refusal, or a rejected
token, is raised from :meth:`DiscordAdapter.start` as :class:`bot.adapter.Fatal`. Not reaching
Discord at all (no network at boot, a Discord outage) is not fatal: the login is retried with
backoff (1 s doubling to a minute), and each attempt says so in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord.client import (
    ShardedWarmlineClient,
    WarmlineClient,
    apply_url_overrides,
    quiet_reconnect_tracebacks,
    requested_intents,
)
from adapters.discord.commands import (
    autocomplete_kinds,
    build_commands,
    discord_words,
    message_actions,
)
from adapters.discord.convert import PLATFORM
from adapters.discord.inbound import Inbound, PendingInteractions
from adapters.discord.options import DiscordOptions
from adapters.discord.outbound import Outbound
from bot.actions import Action
from bot.adapter import Capabilities, EventSink, Fatal, SendResult, Transient
from bot.clock import Clock, SystemClock
from bot.events import MessagePosted
from bot.feature import CommandSpec

__all__ = [
    "PORTAL_HELP",
    "DiscordAdapter",
    "DiscordOptions",
    "ShardedWarmlineClient",
    "WarmlineClient",
    "apply_url_overrides",
    "requested_intents",
]

log = logging.getLogger(__name__)

PORTAL_HELP = (
    "Discord refused the Message Content intent (close code 4014). Warmline keeps running "
    "without it: slash commands, buttons, forms and DMs work, but messages in channels arrive "
    "without their text. To enable it: https://discord.com/developers/applications → your "
    "application → Bot → Privileged Gateway Intents → switch on 'MESSAGE CONTENT INTENT' → Save "
    "Changes, then restart Warmline. (Once more than 10,000 people can see the bot, Discord "
    "must approve the intent first.) Or, to run without it and stop this error, switch off the "
    "features that read messages ([listening] enabled = false) and leave [discord] "
    "message_content_intent = false."
)

TOKEN_REFUSED = (
    "Discord rejected the bot token; check WARMLINE_DISCORD_TOKEN "
    "(Developer Portal → Bot → Reset Token)"
)

GATEWAY_FATAL: dict[int, tuple[str, str]] = {
    4004: ("authentication failed",
           "the bot token was reset or revoked; set WARMLINE_DISCORD_TOKEN to the new token "
           "(Developer Portal → Bot → Reset Token) and start Warmline again"),
    4010: ("invalid shard",
           "check [discord] shard_ids: each must be smaller than shard_count"),
    4011: ("sharding required",
           "the bot is in too many servers for one connection; set [discord] shard_count "
           "(Discord recommends about one shard per 1,000 servers)"),
    4012: ("invalid API version",
           "this Warmline's discord.py speaks a gateway version Discord no longer accepts; "
           "upgrade Warmline"),
    4013: ("invalid intents",
           "Warmline asked for intents Discord does not know; this is a bug, please report it"),
}
"""Gateway close codes Discord says not to reconnect on: what each means and what to do.
(4014, disallowed intents, is handled apart: the adapter reconnects without message content.)"""

LOGIN_RETRY_FIRST = 1.0
LOGIN_RETRY_MAX = 60.0
_UNREACHABLE = (OSError, aiohttp.ClientError, asyncio.TimeoutError, discord.DiscordServerError,
                discord.GatewayNotFound)
"""Not reaching Discord (no network, DNS, a 5xx outage): retried, never fatal."""


def gateway_refusal(code: int) -> Fatal:
    meaning, what = GATEWAY_FATAL[code]
    return Fatal(f"Discord closed the gateway with code {code} ({meaning}) and says not to "
                 f"reconnect: {what}")


class DiscordAdapter:
    platform = PLATFORM

    def __init__(
        self,
        options: DiscordOptions,
        commands: Sequence[CommandSpec],
        *,
        clock: Clock | None = None,
    ) -> None:
        self.options = options
        self.commands = list(commands)
        self.command_payload = build_commands(self.commands)  # fail at construction, not at sync
        autocomplete = autocomplete_kinds(self.commands)
        self.capabilities = Capabilities(
            max_text=2000,
            sends_per_second=options.sends_per_second,
            delivery_window_seconds=float(options.delivery_window_seconds),
            command_names={spec.name: " ".join(discord_words(spec)) for spec in self.commands
                           if " ".join(discord_words(spec)) != spec.name},
        )
        self.clock: Clock = clock or SystemClock()
        self.message_content = options.message_content_intent
        self.client: discord.Client | None = None
        self._ready = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._interactions = PendingInteractions(options.ack_after)
        self._inbound = Inbound(
            interactions=self._interactions, autocomplete=autocomplete, client=self._current_client,
            message_actions=message_actions(self.commands),
        )
        self._outbound = Outbound(
            options,
            clock=self.clock,
            max_text=self.capabilities.max_text,
            interactions=self._interactions,
            client=self._current_client,
        )
        self.intent_downgrades = 0
        self.failed = asyncio.Event()
        """Set when the adapter failed for good after :meth:`start` (a gateway close Discord
        says not to reconnect on, a rejected token); the runtime then stops the process."""
        self.failure: BaseException | None = None
        self._started = False
        self._down: set[int] = set()
        """Shards whose gateway connection dropped and is not back yet."""
        quiet_reconnect_tracebacks()

    def _current_client(self) -> discord.Client | None:
        return self.client

    @property
    def events_in(self) -> int:
        """How many events reached the core."""
        return self._inbound.events_in

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """READY received and every gateway connection up (``/healthz``): False before the
        start, while a shard reconnects, after a failure and once stopping."""
        return (self._started and not self._stopping and not self.failed.is_set()
                and self.client is not None and not self._down)

    @property
    def sharded(self) -> bool:
        return self.options.shard_count > 0 or bool(self.options.shard_ids)

    def _make_client(self) -> discord.Client:
        options: dict[str, Any] = {
            "intents": requested_intents(self.message_content),
            "allowed_mentions": discord.AllowedMentions.none(),
            "max_messages": None,  # Warmline never reads the message cache
            "chunk_guilds_at_startup": False,
            "member_cache_flags": discord.MemberCacheFlags.none(),
            "guild_ready_timeout": self.options.guild_ready_timeout,
            "max_ratelimit_timeout": self.options.max_ratelimit_timeout,
        }
        if self.sharded:
            if self.options.shard_count:
                options["shard_count"] = self.options.shard_count
            if self.options.shard_ids:
                options["shard_ids"] = list(self.options.shard_ids)
            return ShardedWarmlineClient(self, **options)
        return WarmlineClient(self, **options)

    async def start(self, sink: EventSink) -> None:
        """Log in, sync the slash commands, connect; return once the gateway is READY. A rejected
        token, or a gateway close Discord says not to reconnect on, raises :class:`Fatal`."""
        if self._runner is not None and not self._runner.done():
            self._inbound.sink = sink
            return
        self._stopping = False
        self._started = False
        self._inbound.sink = sink
        apply_url_overrides(self.options.api_base_url, self.options.gateway_url)
        while True:
            self._ready.clear()
            self._down.clear()
            downgrades = self.intent_downgrades
            client = await self._logged_in_client()
            if self.options.sync_commands and self.intent_downgrades == 0:
                await self._sync_commands(client)
            self._runner = asyncio.create_task(self._run(client), name="discord-gateway")
            self._runner.add_done_callback(self._runner_done)
            ready = asyncio.create_task(self._ready.wait(), name="discord-ready")
            done, _ = await asyncio.wait({self._runner, ready}, return_when=asyncio.FIRST_COMPLETED)
            if ready in done:
                log.info(
                    "discord connected (%d guilds, message content %s)",
                    len(client.guilds),
                    "on" if self.message_content else "off",
                )
                self._started = True
                return
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            exc = self._runner.exception()
            if (
                isinstance(exc, discord.PrivilegedIntentsRequired)
                and self.intent_downgrades > downgrades
            ):
                continue  # _run logged how to fix it and switched the intent off: reconnect
            self.client = None
            await client.close()
            if exc is not None:
                raise exc
            raise Transient("the Discord connection closed before READY")

    async def _logged_in_client(self) -> discord.Client:
        """A new client, logged in. A rejected token is :class:`Fatal`; not reaching Discord
        is retried with backoff (1 s doubling to a minute) until it works or the start is
        cancelled, each attempt logged in one line, so a bot started before the network is up
        (a reboot, a container on a slow network) comes up by itself."""
        delay, failures = LOGIN_RETRY_FIRST, 0
        while True:
            client = self._make_client()
            self.client = client
            try:
                await client.login(self.options.token)
            except discord.LoginFailure:
                await self._drop(client)
                raise Fatal(TOKEN_REFUSED) from None
            except _UNREACHABLE as exc:
                await self._drop(client)
                failures += 1
                log.warning("cannot reach Discord to log in (%s, attempt %d); retrying in %.0fs",
                            type(exc).__name__, failures, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LOGIN_RETRY_MAX)
                continue
            except BaseException:
                await self._drop(client)
                raise
            if failures:
                log.info("reached Discord after %d failed attempt(s)", failures)
            return client

    async def _drop(self, client: discord.Client) -> None:
        if self.client is client:
            self.client = None
        await client.close()

    async def _run(self, client: discord.Client) -> None:
        """Keep the gateway connected; on 4014 reconnect without the message-content intent.
        A close Discord says not to reconnect on becomes :class:`Fatal` (logged here)."""
        while True:
            try:
                await client.connect(reconnect=True)
                return
            except discord.PrivilegedIntentsRequired:
                if not self.message_content or self._stopping:
                    raise
                # ERROR, not WARNING: reading channel messages is lost until someone acts.
                log.error(PORTAL_HELP)
                self.message_content = False
                self.intent_downgrades += 1
                await client.close()
                if self._ready.is_set():  # lost it later: reconnect here with a new client
                    self._ready.clear()
                    client = await self._logged_in_client()
                    continue
                raise
            except discord.ConnectionClosed as exc:
                if exc.code not in GATEWAY_FATAL or self._stopping:
                    raise
                fatal = gateway_refusal(exc.code)
                log.error("%s", fatal)
                raise fatal from None

    def _runner_done(self, task: asyncio.Task[None]) -> None:
        """After a successful start, the gateway task ending means the adapter is dead: say so
        through ``failed`` (before that, :meth:`start` raises what ended it)."""
        if not self._started or self._stopping or task.cancelled():
            return
        exc = task.exception()
        self.failure = exc if exc is not None else Transient("the Discord gateway connection ended")
        if not isinstance(exc, Fatal):  # a Fatal was logged with its meaning where it was raised
            log.error("discord: the gateway connection ended for good (%s); no more events will "
                      "arrive", type(self.failure).__name__)
        self.failed.set()

    async def _sync_commands(self, client: discord.Client) -> None:
        app_id = client.application_id
        if app_id is None:
            return
        try:
            if self.options.dev_guild_id:
                await client.http.bulk_upsert_guild_commands(
                    app_id, int(self.options.dev_guild_id), self.command_payload
                )
                log.info(
                    "synced %d slash commands to development guild %s",
                    len(self.command_payload),
                    self.options.dev_guild_id,
                )
            else:
                await client.http.bulk_upsert_global_commands(app_id, self.command_payload)
                log.info("synced %d global slash commands", len(self.command_payload))
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            # Commands synced by an earlier run keep working; do not refuse to start over it.
            log.warning(
                "could not sync slash commands (%s); using those already registered",
                type(exc).__name__,
            )

    async def stop(self) -> None:
        """Disconnect and cancel every task the adapter owns. Safe to call twice."""
        self._stopping = True
        tasks = self._interactions.timers()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._interactions.clear()
        await self._inbound.stop()
        client, self.client = self.client, None
        if client is not None:
            await client.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(runner, 10)

    @property
    def owned_tasks(self) -> int:
        """How many tasks the adapter holds (0 after ``stop``)."""
        timers = self._interactions.running_timers()
        runner = 1 if self._runner is not None and not self._runner.done() else 0
        return timers + runner + self._inbound.running_drainers()

    # -- inbound: what the client's hooks and WarmlineButton call (client.GatewayHandler) -------

    def gateway_ready(self) -> None:
        """The client's ``on_ready``: ``start`` (and the reconnect after a 4014) wait for it."""
        self._ready.set()

    def message_arrived(self, message: discord.Message) -> None:
        self._inbound.message_arrived(message)

    def message_posted(self, event: MessagePosted) -> None:
        self._inbound.message_posted(event)

    def gateway_down(self, shard_id: int) -> None:
        self._down.add(shard_id)

    def gateway_up(self, shard_id: int) -> None:
        self._down.discard(shard_id)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self._inbound.on_interaction(interaction)

    async def on_button(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        await self._inbound.on_button(interaction, action, value)

    # -- outbound -----------------------------------------------------------------------------

    async def send(self, action: Action) -> SendResult:
        """Perform one action. Raises only ``bot.adapter`` errors."""
        return await self._outbound.send(action)
