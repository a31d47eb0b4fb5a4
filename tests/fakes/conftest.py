"""Fixtures running the REAL discord.py against :class:`FakeDiscord` (see its docstring).

``fake_discord_factory(**kwargs)`` starts a fake with any constructor options and points
discord.py at it; everything is stopped and restored at teardown. ``fake_discord`` is the
default world. ``make_discord_client(intents=None, **kwargs)`` builds a ``discord.Client``
with test-friendly defaults (default intents + message_content, ``guild_ready_timeout=0.1``);
run it with ``async with running_client(client, fake): ...`` so it is always closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
import pytest

from tests.fakes.discord_server import FakeDiscord, point_discord_at

FakeFactory = Callable[..., Awaitable[FakeDiscord]]


@pytest.fixture
async def fake_discord_factory() -> AsyncIterator[FakeFactory]:
    started: list[tuple[FakeDiscord, Callable[[], None]]] = []

    async def make(**kwargs: Any) -> FakeDiscord:
        kwargs.setdefault("heartbeat_interval_ms", 250)  # exercise heartbeats/ACKs in every test
        fake = FakeDiscord(**kwargs)
        await fake.start()
        started.append((fake, point_discord_at(fake)))
        return fake

    try:
        yield make
    finally:
        for fake, restore in reversed(started):
            restore()
            await fake.stop()


@pytest.fixture
async def fake_discord(fake_discord_factory: FakeFactory) -> FakeDiscord:
    return await fake_discord_factory()


@pytest.fixture
def make_discord_client() -> Callable[..., discord.Client]:
    def make(intents: discord.Intents | None = None, **kwargs: Any) -> discord.Client:
        kwargs.setdefault("guild_ready_timeout", 0.1)
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
        return discord.Client(intents=intents, **kwargs)

    return make
