"""The Discord fake's rate limits, as the REAL discord.py 2.7.1 reacts to them.

Forced and emulated 429s carry ``Via`` and a float ``retry_after`` (else discord.py treats them
as a Cloudflare ban), per-route buckets and the global limit are absorbed by discord.py, and the
DM-open budget answers 403 with code 40003.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import discord
import pytest

from tests.fakes.discord_fake_helpers import ClientFactory, FakeFactory
from tests.fakes.discord_server import FakeDiscord, RateLimitConfig, RouteLimit, running_client

MESSAGES_ROUTE = "POST /channels/{channel_id}/messages"


# ------------------------------------------------------------------------- rate limits
async def test_forced_429_is_retried_after_retry_after_and_sent_once(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    client = make_discord_client()
    fake_discord.force_429(MESSAGES_ROUTE, retry_after=0.2)
    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        await channel.send("are you there?")

    assert [m.body["content"] for m in fake_discord.messages_sent] == ["are you there?"]
    attempts = [r for r in fake_discord.requests if r.route == MESSAGES_ROUTE]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.2 - 0.01  # waited retry_after, not a fixed backoff
    assert len(fake_discord.rate_limited) == 1 and fake_discord.rate_limited[0].forced


@pytest.mark.parametrize("emulated", [False, True])
async def test_every_429_carries_via_and_a_float_retry_after(
    fake_discord_factory: FakeFactory, emulated: bool
) -> None:
    # Without Via discord.py treats a 429 as a Cloudflare ban and raises instead of retrying.
    rl = RateLimitConfig(enabled=True, default_route=RouteLimit(1, 10.0)) if emulated else None
    fake = await fake_discord_factory(rate_limits=rl)
    if not emulated:
        fake.force_429("GET /users/@me", retry_after=0.75)
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(2):
            async with http.get(
                f"{fake.api_base}/users/@me", headers={"Authorization": "Bot x"}
            ) as resp:
                statuses.append(resp.status)
                if resp.status == 429:
                    assert resp.headers["Via"] == "1.1 google"
                    assert resp.headers["Content-Type"] == "application/json"
                    for h in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
                        assert f"X-RateLimit-{h}" in resp.headers
                    body = json.loads(await resp.text())
                    assert set(body) == {"message", "retry_after", "global"}
                    assert isinstance(body["retry_after"], float) and body["global"] is False
    assert 429 in statuses
    assert len(fake.rate_limited) == 1


async def test_emulated_route_bucket_is_respected_by_discord_py_without_any_429(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(
        rate_limits=RateLimitConfig(enabled=True, routes={MESSAGES_ROUTE: RouteLimit(2, 0.3)})
    )
    client = make_discord_client()
    async with running_client(client):
        channel = client.get_channel(int(fake.channel_id))
        assert isinstance(channel, discord.TextChannel)
        await asyncio.gather(*(channel.send(f"m{i}") for i in range(5)))
    assert sorted(m.body["content"] for m in fake.messages_sent) == [f"m{i}" for i in range(5)]
    assert fake.rate_limited == []  # the headers let discord.py wait before the bucket ran out
    posts = [r.at for r in fake.requests if r.route == MESSAGES_ROUTE]
    assert posts[2] - posts[0] >= 0.3 - 0.01


async def test_emulated_global_limit_yields_global_429s_that_discord_py_absorbs(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(
        rate_limits=RateLimitConfig(enabled=True, global_limit=3, global_period=0.3, routes={})
    )
    client = make_discord_client()
    async with running_client(client):
        channels = [client.get_channel(int(fake.channel_id))]
        channel = channels[0]
        assert isinstance(channel, discord.TextChannel)
        await asyncio.gather(*(channel.send(f"g{i}") for i in range(6)))
    assert sorted(m.body["content"] for m in fake.messages_sent) == [f"g{i}" for i in range(6)]
    assert fake.rate_limited and all(r.is_global for r in fake.rate_limited)


async def test_dm_open_budget_answers_403_40003(
    fake_discord_factory: FakeFactory, make_discord_client: ClientFactory
) -> None:
    fake = await fake_discord_factory(
        rate_limits=RateLimitConfig(enabled=True, dm_opens=RouteLimit(1, 60.0))
    )
    client = make_discord_client()
    async with running_client(client):
        alice = await client.fetch_user(int(fake.user("alice")["id"]))
        bob = await client.fetch_user(int(fake.user("bob")["id"]))
        await alice.send("hi")
        with pytest.raises(discord.Forbidden) as excinfo:
            await bob.send("hi")
    assert excinfo.value.code == 40003
    assert fake.dm_opens == [fake.user("alice")["id"]]
