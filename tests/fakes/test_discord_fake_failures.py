"""The fake fails only when asked to, and then the way Discord does.

Injected outages (``force_error``) look like Discord's edge and meet discord.py's own retry
policy; the fake itself never answers 500 by accident (an aiohttp warning turned error used to
do that to the first request of a process), and if a handler of the fake crashes, it shows.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable

import aiohttp
import discord
import pytest
from aiohttp import web_request

from tests.fakes.discord_server import FakeDiscord, running_client

FakeFactory = Callable[..., Awaitable[FakeDiscord]]
ClientFactory = Callable[..., discord.Client]
MESSAGES = "POST /channels/{channel_id}/messages"
AUTH = {"Authorization": "Bot fake-token"}


async def post_hello(fake: FakeDiscord) -> int:
    async with aiohttp.ClientSession() as http:
        url = f"{fake.api_base}/channels/{fake.channel_id}/messages"
        async with http.post(url, json={"content": "hello"}, headers=AUTH) as resp:
            return resp.status


async def test_a_request_emits_no_aiohttp_warning_and_is_never_an_accidental_500(
    fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aiohttp warns once per process and key; forget what it has seen so this request counts
    monkeypatch.setattr(web_request.BaseRequest, "_seen_str_keys", set(), raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert await post_hello(fake_discord) == 200
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []

    monkeypatch.setattr(web_request.BaseRequest, "_seen_str_keys", set(), raising=False)
    assert await post_hello(fake_discord) == 200  # under pytest's filterwarnings=error
    assert [r.status for r in fake_discord.requests] == [200, 200]
    assert fake_discord.internal_errors == []


async def test_a_forced_502_is_retried_by_discord_py_and_the_message_sent_once(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    fake_discord.force_error(MESSAGES, status=502)
    client = make_discord_client()
    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("through the outage")  # discord.py sleeps 1 s, then retries
    posts = [r for r in fake_discord.requests if r.route == MESSAGES]
    assert [r.status for r in posts] == [502, 200]
    assert [m.message["id"] for m in fake_discord.messages_sent] == [str(sent.id)]


async def test_a_forced_503_is_not_retried_and_surfaces_as_a_server_error(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    fake_discord.force_error(MESSAGES, status=503, count=2)
    client = make_discord_client()
    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.DiscordServerError) as raised:
            await channel.send("lost")
    assert raised.value.status == 503 and "Service Unavailable" in raised.value.text
    assert [r.status for r in fake_discord.requests if r.route == MESSAGES] == [503]
    assert fake_discord.messages_sent == []


async def test_a_forced_4xx_is_a_discord_json_error_with_its_code(
    fake_discord: FakeDiscord, make_discord_client: ClientFactory
) -> None:
    fake_discord.force_error(MESSAGES, status=403, code=50013, message="Missing Permissions")
    client = make_discord_client()
    async with running_client(client):
        channel = client.get_channel(int(fake_discord.channel_id))
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.Forbidden) as raised:
            await channel.send("not allowed")
        await channel.send("allowed again")  # the schedule is used up
    assert raised.value.code == 50013
    assert [r.error_code for r in fake_discord.requests if r.route == MESSAGES] == [50013, None]


def test_force_error_refuses_statuses_that_are_not_errors_or_are_429() -> None:
    fake = FakeDiscord()
    for status in (200, 302, 429, 600):
        with pytest.raises(ValueError):
            fake.force_error(MESSAGES, status=status)


async def test_a_crashing_handler_answers_500_and_is_recorded(fake_discord: FakeDiscord) -> None:
    url = f"{fake_discord.api_base}/applications/{fake_discord.application_id}/commands"
    async with (
        aiohttp.ClientSession() as http,
        http.put(url, json=[1], headers=AUTH) as resp,  # not a command object
    ):
        assert resp.status == 500
    assert [r.status for r in fake_discord.requests] == [500]
    assert len(fake_discord.internal_errors) == 1
    assert "TypeError" in fake_discord.internal_errors[0]
    assert fake_discord.stats()["internal_errors"] == 1
