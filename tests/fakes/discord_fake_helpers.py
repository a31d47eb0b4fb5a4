"""Helpers shared by the Discord fake's own tests (``test_discord_fake_*.py``).

Those tests run an unmodified ``discord.Client`` against :class:`FakeDiscord` on loopback and
check both sides: what the client saw (events, exceptions) and what the fake recorded.
Client-side waits go through asyncio queues with timeouts (:func:`next_item`), never through
sleeps. The fixtures (``fake_discord``, ``fake_discord_factory``, ``make_discord_client``) live
in ``tests/fakes/conftest.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from tests.fakes.discord_server import FakeDiscord

FakeFactory = Callable[..., Awaitable[FakeDiscord]]
ClientFactory = Callable[..., discord.Client]


async def next_item(queue: asyncio.Queue[Any], within: float = 5.0) -> Any:
    return await asyncio.wait_for(queue.get(), within)


def intents(
    *, message_content: bool = True, members: bool = False, presences: bool = False
) -> discord.Intents:
    i = discord.Intents.default()
    i.message_content = message_content
    i.members = members
    i.presences = presences
    return i


def collect_messages(client: discord.Client) -> asyncio.Queue[discord.Message]:
    queue: asyncio.Queue[discord.Message] = asyncio.Queue()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if client.user is not None and message.author.id != client.user.id:
            queue.put_nowait(message)

    return queue
