"""The Slack adapter's ``ready`` (what ``/healthz`` asks), against the local fake: listening in
HTTP mode, its socket open in Socket Mode; never before the start, after a failure or a stop."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.events import Event
from tests.fakes.slack_api import FakeSlack
from tests.helpers.slack import SlackHarness


async def _drop(event: Event, *, handled: Any = None) -> None:
    return None


async def test_http_mode_is_ready_while_it_listens(harness: SlackHarness) -> None:
    adapter = harness.adapter()
    assert adapter.ready is False
    await adapter.start(_drop)
    assert adapter.ready is True
    await adapter.stop()
    assert adapter.ready is False


async def test_socket_mode_is_ready_while_connected_and_not_after_a_refusal(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter(mode="socket")
    assert adapter.ready is False
    await adapter.start(_drop)
    assert adapter.ready is True
    slack.app_token_revoked = True
    await slack.ask_to_reconnect()
    await asyncio.wait_for(adapter.failed.wait(), 10)
    assert adapter.ready is False
    await adapter.stop()
    assert adapter.ready is False
