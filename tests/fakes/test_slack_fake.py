"""The fake Slack is faithful where the adapter depends on it: the real slack-sdk client against
it sees Slack's answers (a per-channel limit with an integer Retry-After, DMs by user id, the
token types Slack checks)."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack, SlackLimits


async def test_a_channel_takes_a_short_burst_then_answers_429_with_an_integer_retry_after() -> None:
    async with FakeSlack(limits=SlackLimits(per_channel_per_second=1.0,
                                            per_channel_burst=3)) as slack:
        client = AsyncWebClient(token="xoxb-x", base_url=slack.api_base)
        for i in range(3):
            await client.chat_postMessage(channel="C1", text=str(i))
        await client.chat_postMessage(channel="C2", text="another channel is not limited")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="C1", text="one too many")
        response = caught.value.response
        assert response.status_code == 429 and response["error"] == "ratelimited"
        assert response.headers["Retry-After"] == "1"
        assert slack.rate_limited == [("chat.postMessage", "C1")]


async def test_a_dm_to_a_user_id_lands_in_their_dm_and_socket_mode_needs_an_app_token() -> None:
    async with FakeSlack() as slack:
        client = AsyncWebClient(token="xoxb-x", base_url=slack.api_base)
        sent = await client.chat_postMessage(channel="U42", text="hi")
        assert sent["channel"] == "D42" and slack.posts("D42")[0].text == "hi"
        with pytest.raises(SlackApiError):
            await client.apps_connections_open(app_token="xoxb-x")
        opened = await client.apps_connections_open(app_token="xapp-x")
        assert opened["url"].startswith("ws://127.0.0.1:")
        slack.add_user("U42", tz="Europe/Rome")
        assert (await client.users_info(user="U42"))["user"]["tz"] == "Europe/Rome"
