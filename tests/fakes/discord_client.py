"""Client-side helpers: point discord.py at a fake Discord, and run a client against it.

Why a module of its own: these touch discord.py (process-global class attributes, a client's
login / connect / close), not the server; tests and benchmarks use them with any object that
has ``api_base`` and ``gateway_url`` (a :class:`FakeDiscord`, or one in another process).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol

import yarl


class Pointable(Protocol):
    """Where a fake Discord listens."""

    @property
    def api_base(self) -> str: ...

    @property
    def gateway_url(self) -> str: ...


# ---------------------------------------------------------------------------- redirect discord.py
def point_discord_at(fake: Pointable) -> Callable[[], None]:
    """Point every discord.py client in this process at ``fake``; returns the undo function.

    Both are class attributes (process-global), so tests must call the returned function.
    """
    import discord.gateway
    import discord.http

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    def restore() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


@contextlib.contextmanager
def discord_pointed_at(fake: Pointable) -> Iterator[None]:
    restore = point_discord_at(fake)
    try:
        yield
    finally:
        restore()


@contextlib.asynccontextmanager
async def running_client(
    client: Any, *, token: str = "fake-token", within: float = 5.0
) -> AsyncIterator[asyncio.Task[None]]:
    """Log ``client`` in (discord.py must already point at a fake), connect it, wait until it
    is ready (``on_ready`` fired), and always close it afterwards. Yields the connect task;
    if the client dies before it is ready, its exception is raised here."""
    task: asyncio.Task[None] | None = None
    try:
        await asyncio.wait_for(client.login(token), within)
        task = asyncio.create_task(client.connect())
        waiter = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=within, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiter
            if task.done():
                task.result()  # raises what the client raised
                raise AssertionError("client stopped before it was ready")
            raise AssertionError(f"client not ready after {within}s")
        yield task
    finally:
        await client.close()
        if task is not None:
            await asyncio.wait_for(task, within)
