"""Socket Mode, the default for self-hosting: the real bolt app and slack-sdk's Socket Mode
client against the fake's local websocket, through a reconnect Slack asks for."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.adapter import Fatal
from bot.events import ButtonPressed, CommandInvoked, Event, MessagePosted
from bot.feature import CommandSpec
from tests.fakes.slack_api import FakeSlack
from tests.helpers.slack import SlackHarness


async def test_events_and_commands_arrive_and_are_acked_across_a_reconnect(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    heard: list[Event] = []

    async def sink(event: Event, *, handled: Any = None) -> None:
        heard.append(event)

    adapter = harness.adapter((CommandSpec(name="warmline help", description="Help"),),
                              mode="socket")
    await adapter.start(sink)
    assert slack.connections_opened == 1
    assert adapter.port is None  # no HTTP server in Socket Mode

    first = await slack.push("events_api",
                             harness.payloads.event(harness.payloads.message("before")))
    await slack.wait_until(lambda: first in slack.acks, what="the first ack")
    await slack.wait_until(lambda: heard, what="the first message")

    await slack.ask_to_reconnect()
    await slack.wait_until(lambda: slack.connections_opened == 2, what="a new connection")
    await slack.wait_until(lambda: len(slack.sockets) == 1, what="the old socket closed")

    second = await slack.push("events_api",
                              harness.payloads.event(harness.payloads.message("after")))
    command = await slack.push("slash_commands", harness.payloads.command("help"),
                               accepts_response_payload=True)
    await slack.wait_until(lambda: second in slack.acks and command in slack.acks,
                           what="acks on the new connection")
    button = {"action_id": "wl:probe.mood:0", "value": "4",
              "text": {"type": "plain_text", "text": "Good"}}
    pressed = await slack.push("interactive", harness.payloads.block_action(button),
                               accepts_response_payload=True)
    await slack.wait_until(lambda: pressed in slack.acks, what="the button's ack")
    await slack.wait_until(lambda: len(heard) == 4, what="everything at the core")
    assert [e.text for e in heard if isinstance(e, MessagePosted)] == ["before", "after"]
    (invoked,) = [e for e in heard if isinstance(e, CommandInvoked)]
    assert invoked.name == "warmline help"
    (press,) = [e for e in heard if isinstance(e, ButtonPressed)]
    assert (press.action, press.value) == ("probe.mood", "4")
    await adapter.stop()
    assert adapter.owned_tasks == 0


async def test_an_app_token_refused_on_reconnect_fails_the_adapter_for_good(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter(mode="socket")
    await adapter.start(_drop)
    slack.app_token_revoked = True
    await slack.ask_to_reconnect()
    await asyncio.wait_for(adapter.failed.wait(), 10)
    assert isinstance(adapter.failure, Fatal)
    assert "invalid_auth" in str(adapter.failure) and "WARMLINE_SLACK_APP_TOKEN" in str(
        adapter.failure)
    await adapter.stop()


async def _drop(event: Event, *, handled: Any = None) -> None:
    return None


async def test_a_message_redelivered_in_socket_mode_after_a_restart_is_handled_once(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    """Socket Mode says a redelivery with the envelope's ``retry_attempt`` (bolt turns it into
    the same ``X-Slack-Retry-Num`` header as HTTP)."""
    run = await harness.warmline("socket-retry.db", mode="socket")
    body = harness.payloads.event(harness.payloads.message("once"), event_id="EvSOCK1")
    await slack.push("events_api", body)
    await slack.wait_until(lambda: run.probe.messages(), what="the message")
    await harness.shutdown(run)

    again = await harness.warmline("socket-retry.db", mode="socket")
    await slack.push("events_api", body, retry_attempt=1)
    await slack.push("events_api", harness.payloads.event(harness.payloads.message("next")))
    await slack.wait_until(lambda: again.probe.messages(), what="the next message")
    await slack.wait_until(lambda: again.adapter._inbound.retries_dropped == 1,
                           what="the redelivery dropped")
    assert [m.text for m in again.probe.messages()] == ["next"]
