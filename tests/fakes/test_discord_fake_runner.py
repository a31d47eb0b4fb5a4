"""The Discord fake as a tool: in a separate process for benchmarks, and ``wait_until``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import discord
import pytest

from tests.fakes.discord_fake_helpers import ClientFactory
from tests.fakes.discord_server import FakeDiscord, point_discord_at, running_client


# ------------------------------------------------------------------------- separate process
async def test_runner_process_blasts_messages_into_a_bare_client(
    make_discord_client: ClientFactory,
) -> None:
    script = Path(__file__).with_name("run_discord_fake.py")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(script.parents[2]),
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        assert line.startswith("PORT "), line
        port = int(line.split()[1])
        proxy = FakeDiscord()
        proxy.port = port
        restore = point_discord_at(proxy)
        try:
            client = make_discord_client()
            count = 0
            all_in = asyncio.Event()

            @client.event
            async def on_message(message: discord.Message) -> None:
                nonlocal count
                count += 1
                if count == 200:
                    all_in.set()

            async with running_client(client), aiohttp.ClientSession() as http:
                async with http.post(
                    f"http://127.0.0.1:{port}/control/blast", json={"count": 200}
                ) as resp:
                    assert resp.status == 200
                    assert (await resp.json())["dispatched"] == 200
                await asyncio.wait_for(all_in.wait(), 10)
                async with http.get(f"http://127.0.0.1:{port}/control/stats") as resp:
                    stats = await resp.json()
        finally:
            restore()
        assert count == 200
        assert stats["rate_limited"] == 0 and stats["identifies"] == 1
        assert stats["per_route"]["GET /users/@me"] == 1
    finally:
        proc.terminate()
        await proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                await stream.read()


async def test_wait_until_names_what_it_waited_for_when_it_times_out(
    fake_discord: FakeDiscord,
) -> None:
    with pytest.raises(AssertionError, match="a reply that never comes"):
        await fake_discord.wait_until(
            lambda: fake_discord.messages_sent, within=0.05, what="a reply that never comes"
        )
