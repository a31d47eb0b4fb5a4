"""What the adapter contract suite needs from each platform: an :class:`AdapterHarness`.

Why a harness: the contract (``tests/adapters/test_adapter_contract.py``) is one set of promises
every adapter keeps (start and stop are idempotent, stop cancels the adapter's tasks, send returns
a reference, long text is split, a rate limit surfaces as ``RateLimited``, server and connection
errors as ``Transient``). The tests say that once, in neutral terms; a harness says how one
platform's adapter is built, started and stopped against its local fake, how that fake is made to
answer 429 or 5xx, and what the fake received. The real client library always runs against the
fake; nothing the test expects is mocked.

A new adapter joins the suite with a harness here and one name in the suite's fixture.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from adapters.discord.adapter import DiscordAdapter
from adapters.slack.adapter import SlackAdapter
from bot.adapter import Adapter
from bot.events import Event
from bot.feature import CommandSpec
from tests.fakes.discord_server import FakeDiscord, point_discord_at
from tests.fakes.slack_api import FakeSlack
from tests.helpers.discord import Harness
from tests.helpers.slack import SlackHarness

__all__ = [
    "HARNESSES", "AdapterHarness", "DiscordHarness", "Received", "SlackContractHarness",
    "open_harness",
]


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the fake platform received it, in neutral terms."""

    text: str
    has_buttons: bool
    message_id: str
    """The id the fake gave the message (what ``SendResult.message_id`` must name)."""
    channel: str


class AdapterHarness(Protocol):
    """One platform's adapter against its local fake, as the contract suite drives it."""

    platform: str
    """The adapter's platform name, as neutral actions carry it."""
    task_prefix: str
    """Every asyncio task the adapter creates is named with this prefix."""

    @property
    def channel(self) -> str:
        """A channel of the fake the bot may post in."""
        ...

    def build(self) -> Adapter:
        """A new adapter pointed at the fake, not started."""
        ...

    async def start(self) -> Adapter:
        """A new adapter, started (with a sink that drops every event); stopped at teardown."""
        ...

    async def stop(self) -> None:
        """Stop every adapter :meth:`start` started (again is harmless)."""
        ...

    def connections(self) -> int:
        """How many times an adapter connected to the fake (Discord: gateway IDENTIFYs)."""
        ...

    async def leave_work_running(self, adapter: Adapter) -> None:
        """Make a started adapter hold a task beyond its connection (e.g. an interaction waiting
        for its acknowledgement), and return once it does."""
        ...

    def owned_tasks(self, adapter: Adapter) -> int:
        """How many tasks the adapter says it holds."""
        ...

    def force_rate_limit(self, retry_after: float) -> None:
        """The fake answers the next message post with 429 and this ``retry_after``."""
        ...

    def force_server_error(self) -> None:
        """The fake answers the next message post with a 5xx the client library does not retry."""
        ...

    async def cut_connection(self) -> None:
        """The fake goes away: nothing answers any more."""
        ...

    def received(self) -> list[Received]:
        """Every message the fake received from the bot, oldest first."""
        ...


# -- Discord -------------------------------------------------------------------------------------

DISCORD_MESSAGES = "POST /channels/{channel_id}/messages"
DISCORD_COMMANDS = (CommandSpec(name="probe start", description="x"),)


@dataclass
class _Starts:
    """Start and stop, the same for every platform: each adapter started is stopped after."""

    _started: list[Adapter] = field(default_factory=list, kw_only=True)

    def build(self) -> Adapter:
        raise NotImplementedError

    async def start(self) -> Adapter:
        adapter = self.build()
        self._started.append(adapter)
        await adapter.start(_ignore)
        return adapter

    async def stop(self) -> None:
        for adapter in self._started:
            await adapter.stop()


@dataclass
class DiscordHarness(_Starts):
    """The Discord adapter with the real discord.py client against :class:`FakeDiscord`."""

    fake: FakeDiscord
    base: Harness
    platform: str = "discord"
    task_prefix: str = "discord-"

    @property
    def channel(self) -> str:
        return self.fake.channel_id

    def build(self) -> DiscordAdapter:
        return self.base.adapter(DISCORD_COMMANDS)

    def connections(self) -> int:
        return len(self.fake.identifies)

    async def leave_work_running(self, adapter: Adapter) -> None:
        # A slash command nobody answers leaves its acknowledgement timer running.
        discord_adapter = _discord(adapter)
        await self.fake.slash("probe", subcommand="start")
        await self.fake.wait_until(
            lambda: discord_adapter.owned_tasks >= 2, what="a pending interaction"
        )

    def owned_tasks(self, adapter: Adapter) -> int:
        return _discord(adapter).owned_tasks

    def force_rate_limit(self, retry_after: float) -> None:
        self.fake.force_429(DISCORD_MESSAGES, count=1, retry_after=retry_after)

    def force_server_error(self) -> None:
        # discord.py retries 500/502/504/524 itself (after 1 s); any other 5xx is raised at once.
        self.fake.force_error(DISCORD_MESSAGES, status=503)

    async def cut_connection(self) -> None:
        await self.fake.stop()

    def received(self) -> list[Received]:
        return [
            Received(
                text=m.body["content"],
                has_buttons=bool(m.body.get("components")),
                message_id=m.message["id"],
                channel=m.channel_id,
            )
            for m in self.fake.messages_sent
        ]


async def _ignore(event: Event) -> None:
    """The contract is about the send path and the lifecycle: what comes in is not its business."""


def _discord(adapter: Adapter) -> DiscordAdapter:
    assert isinstance(adapter, DiscordAdapter)
    return adapter


@contextlib.asynccontextmanager
async def discord_harness(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    """A fresh fake Discord with discord.py pointed at it; adapters and fake stopped after."""
    async with FakeDiscord(heartbeat_interval_ms=250) as fake:
        restore = point_discord_at(fake)
        harness = DiscordHarness(fake, Harness(fake, tmp_path))
        try:
            yield harness
        finally:
            await harness.stop()
            restore()


# -- Slack ---------------------------------------------------------------------------------------


@dataclass
class SlackContractHarness(_Starts):
    """The Slack adapter in Socket Mode, with the real slack-bolt app and slack-sdk clients
    against :class:`FakeSlack`."""

    fake: FakeSlack
    base: SlackHarness
    platform: str = "slack"
    task_prefix: str = "slack-"

    @property
    def channel(self) -> str:
        return "C111"

    def build(self) -> SlackAdapter:
        return self.base.adapter(DISCORD_COMMANDS, mode="socket")

    def connections(self) -> int:
        return self.fake.connections_opened

    async def leave_work_running(self, adapter: Adapter) -> None:
        # The Socket Mode client's receive loop and its session monitor run until stopped.
        slack_adapter = _slack(adapter)
        await self.fake.wait_until(lambda: slack_adapter.owned_tasks >= 2,
                                   what="the Socket Mode client's tasks")

    def owned_tasks(self, adapter: Adapter) -> int:
        return _slack(adapter).owned_tasks

    def force_rate_limit(self, retry_after: float) -> None:
        self.fake.force_429("chat.postMessage", retry_after=int(retry_after))

    def force_server_error(self) -> None:
        self.fake.force_error("chat.postMessage", status=503)

    async def cut_connection(self) -> None:
        await self.fake.stop()

    def received(self) -> list[Received]:
        return [
            Received(text=m.text, has_buttons=bool(m.buttons()), message_id=m.ts,
                     channel=m.channel)
            for m in self.fake.posts()
        ]


def _slack(adapter: Adapter) -> SlackAdapter:
    assert isinstance(adapter, SlackAdapter)
    return adapter


@contextlib.asynccontextmanager
async def slack_harness(tmp_path: Path) -> AsyncIterator[SlackContractHarness]:
    """A fresh fake Slack; adapters and fake stopped after."""
    async with FakeSlack() as fake:
        base = SlackHarness(fake, tmp_path)
        harness = SlackContractHarness(fake, base)
        try:
            yield harness
        finally:
            await harness.stop()
            await base.close()


# -- the list the suite is parametrised over ------------------------------------------------------

HARNESSES: dict[str, Callable[[Path], AbstractAsyncContextManager[AdapterHarness]]] = {
    "discord": discord_harness,
    "slack": slack_harness,
}


def open_harness(name: str, tmp_path: Path) -> AbstractAsyncContextManager[AdapterHarness]:
    """The harness for one adapter by name (``"discord"``, ``"slack"``)."""
    return HARNESSES[name](tmp_path)
