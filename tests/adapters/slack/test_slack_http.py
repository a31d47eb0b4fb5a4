"""Slack's HTTP mode through the real bolt app: signed requests only, a slash command and its
subcommands, a modal, a retried event handled once, and Slack's limits (a 429 with
Retry-After, about one post per second per channel)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.actions import (
    AlertModerators,
    Button,
    EditMessage,
    PostMessage,
    SendDirect,
    SendPrivateNote,
    StartThread,
)
from bot.adapter import Fatal, RateLimited, Unreachable
from bot.clock import SystemClock
from bot.events import CommandInvoked, Event, FormSubmitted, MemberJoined, MessagePosted
from bot.runtime.outbox import Outbox, RetryPolicy
from tests.fakes.slack_api import FakeSlack
from tests.helpers.slack import SlackHarness


async def test_a_bad_signature_and_a_stale_timestamp_are_refused_and_reach_nobody(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await harness.warmline()
    event = harness.payloads.message("hello")
    assert (await harness.post_event(run.adapter, event, secret="not-the-secret"))[0] == 401
    stale = str(int(time.time()) - 600)  # Slack's window is 5 minutes
    assert (await harness.post_event(run.adapter, event, ts=stale))[0] == 401
    assert (await harness.post_event(run.adapter, harness.payloads.message("ok")))[0] == 200
    await slack.wait_until(lambda: run.probe.messages(), what="the signed message")
    assert [m.text for m in run.probe.messages()] == ["ok"]


async def test_a_retried_event_is_handled_once_even_after_a_restart(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await harness.warmline("retry.db")
    message = harness.payloads.message("once please")
    assert (await harness.post_event(run.adapter, message, event_id="EvRETRY1"))[0] == 200
    await slack.wait_until(lambda: run.probe.messages(), what="the message")
    assert (await harness.post_event(run.adapter, message, event_id="EvRETRY1", retry=1))[0] == 200
    joined = {"type": "team_join", "user": {"id": "U777", "name": "new", "tz": "Europe/Oslo"}}
    assert (await harness.post_event(run.adapter, joined, event_id="EvJOIN1"))[0] == 200
    await slack.wait_until(lambda: run.adapter.events_in == 2, what="the message and the join")
    await slack.wait_until(lambda: _heard(run.probe.repo.heard, MemberJoined), what="the join")
    await run.bot.dispatcher.drain()
    assert len(run.probe.messages()) == 1
    await slack.wait_until(lambda: run.adapter._inbound.retries_dropped == 1,
                           what="the message's retry stopped at the adapter")
    await harness.shutdown(run)

    again = await harness.warmline("retry.db")  # Slack retries after we were down
    assert (await harness.post_event(again.adapter, joined, event_id="EvJOIN1", retry=2))[0] == 200
    assert (await harness.post_event(again.adapter, message, event_id="EvRETRY1", retry=2))[0] \
        == 200
    assert (await harness.post_event(again.adapter, harness.payloads.message("next")))[0] == 200
    await slack.wait_until(lambda: again.adapter.events_in == 2, what="the join retry and next")
    await slack.wait_until(lambda: again.probe.messages(), what="the next message")
    await slack.wait_until(lambda: again.adapter._inbound.retries_dropped == 1,
                           what="the message's retry dropped after the restart")
    await again.bot.dispatcher.drain()
    assert not _heard(again.probe.repo.heard, MemberJoined)  # recorded durably: dropped
    # The message handled before the restart is not handled again; a new message is.
    assert [m.text for m in again.probe.messages()] == ["next"]


async def test_a_retried_message_never_handled_before_is_handled(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    """A retry of a delivery that never reached Warmline (it was down) is the first one."""
    run = await harness.warmline("retry-new.db")
    message = harness.payloads.message("while you were away")
    assert (await harness.post_event(run.adapter, message, event_id="EvNEW1", retry=1))[0] == 200
    await slack.wait_until(lambda: run.probe.messages(), what="the message")
    assert (await harness.post_event(run.adapter, message, event_id="EvNEW1", retry=2))[0] == 200
    await slack.wait_until(lambda: run.adapter._inbound.retries_dropped == 1,
                           what="the second retry dropped")
    await run.bot.dispatcher.drain()
    assert [m.text for m in run.probe.messages()] == ["while you were away"]


def _heard(events: list[Event], kind: type[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


async def test_the_slash_command_runs_the_core_command_its_words_name(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    slack.add_user("U222", name="ana")
    run = await harness.warmline()
    answer = await harness.ask(run.adapter, "probe start")
    (heard,) = _heard(run.probe.repo.heard, CommandInvoked)
    assert isinstance(heard, CommandInvoked)
    assert heard.name == "probe start" and heard.community == "T111" and heard.channel == "C111"
    assert heard.actor.display_name == "ana"
    assert answer["text"] == "scheduled"

    help_text = (await harness.ask(run.adapter, ""))["text"]
    assert "/warmline checkin join" in help_text and "/warmline privacy info" in help_text
    assert "/warmline probe admin" not in help_text  # moderators only


async def test_a_command_opens_a_modal_and_its_submission_reaches_the_core(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await harness.warmline()
    fields = await harness.post_command(run.adapter, "probe form")
    await slack.wait_until(lambda: slack.calls_to("views.open"), what="the modal")
    view = slack.calls_to("views.open")[0].args["view"]
    assert slack.calls_to("views.open")[0].args["trigger_id"] == fields["trigger_id"]
    assert view["type"] == "modal" and view["callback_id"] == "wl:probe.note"
    submit = harness.payloads.view_submission(view, {"note": "a quiet & <calm> day"})
    assert await harness.post_interaction(run.adapter, submit) == 200
    await slack.wait_until(lambda: _heard(run.probe.repo.heard, FormSubmitted), what="the form")
    (form,) = _heard(run.probe.repo.heard, FormSubmitted)
    assert isinstance(form, FormSubmitted)
    assert form.values == {"note": "a quiet & <calm> day"} and form.context == "cmd"
    assert form.channel == "C111"
    # A form has no response_url: the answer is a private note in the channel it came from.
    await slack.wait_until(lambda: [m for m in slack.messages if m.method == "chat.postEphemeral"],
                           what="the private answer")
    (note,) = [m for m in slack.messages if m.method == "chat.postEphemeral"]
    assert note.channel == "C111" and note.user == "U222" and "note cmd saved" in note.text


async def test_a_short_429_is_retried_by_the_client_and_a_long_one_by_the_outbox(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter()
    await adapter.start(_ignore)
    slack.force_429("chat.postMessage", retry_after=1)
    result = await adapter.send(PostMessage(platform="slack", channel="C111", text="hi"))
    assert result.message_id == slack.posts("C111")[-1].ts
    assert slack.rate_limited == [("chat.postMessage", "C111")]
    assert len(slack.calls_to("chat.postMessage")) == 2  # slack-sdk's handler retried it

    slack.force_429("chat.postMessage", retry_after=30)
    with pytest.raises(RateLimited) as caught:
        await adapter.send(PostMessage(platform="slack", channel="C111", text="later"))
    assert caught.value.retry_after == 30 and not caught.value.is_global


async def test_a_429_never_loses_a_prompt(harness: SlackHarness, slack: FakeSlack) -> None:
    adapter = harness.adapter(retry_after_ceiling=0)  # every 429 goes to the outbox
    await adapter.start(_ignore)
    outbox = Outbox({"slack": adapter}, SystemClock(), retry=RetryPolicy(base_backoff=0.01))
    slack.force_429("chat.postMessage", retry_after=1, count=2)
    prompt = SendDirect(platform="slack", user="U222", recipient="U222", text="How are you?",
                        buttons=(Button(action="checkin.mood", value="p1:3", label="Okay"),))
    outcome = await outbox.deliver([prompt])
    assert outcome.status == "sent"
    assert [m.text for m in slack.posts("D222")] == ["How are you?"]
    assert len(slack.rate_limited) == 2


async def test_posts_to_one_channel_are_paced_to_slacks_limit_without_a_429(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter()
    await adapter.start(_ignore)
    for i in range(5):  # the fake allows 3 at once, then one a second
        await adapter.send(PostMessage(platform="slack", channel="C111", text=f"post {i}"))
    assert len(slack.posts("C111")) == 5
    assert slack.rate_limited == []


async def test_a_person_who_cannot_be_written_to_is_unreachable(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    slack.add_user("U404", deleted=True)
    adapter = harness.adapter()
    await adapter.start(_ignore)
    with pytest.raises(Unreachable) as caught:
        await adapter.send(SendDirect(platform="slack", user="U404", text="hello"))
    assert caught.value.user == "U404" and caught.value.reason == "user_disabled"


async def _ignore(event: Event, *, handled: Any = None) -> None:
    assert not isinstance(event, MessagePosted) or event.text


async def test_what_reaches_slack_is_escaped_pings_only_the_mentioned_and_keeps_threads(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter()
    await adapter.start(_ignore)
    goal = "<!channel> <!here> <!subteam^S1|@mods> & <https://x.example|y>"
    await adapter.send(PostMessage(platform="slack", channel="C111", thread="100.000001",
                                   mention="U333", text=f"<@U222>'s goal: {goal}"))
    (posted,) = slack.posts("C111")
    section = posted.blocks[0]["text"]["text"]
    assert section.startswith("<@U333> <@U222>'s goal: &lt;!channel&gt; &lt;!here&gt;")
    assert "<!" not in section and "<!" not in posted.text and "<http" not in section
    assert "&amp;" in section
    assert posted.thread_ts == "100.000001"
    assert posted.args["link_names"] is False and posted.args["unfurl_links"] is False


async def test_threads_edits_alerts_and_private_notes_have_their_slack_form(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter()
    await adapter.start(_ignore)
    opened = await adapter.send(StartThread(platform="slack", channel="C111", title="Monday",
                                            text="How was the weekend?", ref="t"))
    (parent,) = slack.posts("C111")
    assert opened.message_id == parent.ts and opened.channel == parent.ts  # ts is the thread
    assert parent.thread_ts is None and "*Monday*" in parent.text
    await adapter.send(PostMessage(platform="slack", channel="C111", thread=opened.channel,
                                   text="in it"))
    assert slack.posts("C111")[-1].thread_ts == parent.ts
    await adapter.send(EditMessage(platform="slack", channel="C111", message_id=parent.ts,
                                   text="Monday (closed)"))
    (update,) = [m for m in slack.messages if m.method == "chat.update"]
    assert update.ts == parent.ts and update.text == "Monday (closed)"
    await adapter.send(SendPrivateNote(platform="slack", user="U222", channel="C111",
                                       text="only you"))
    (note,) = [m for m in slack.messages if m.method == "chat.postEphemeral"]
    assert note.user == "U222" and note.channel == "C111"
    alert = await adapter.send(AlertModerators(platform="slack", channel="C999", text="help",
                                               priority="high"))
    assert alert.channel == "C999" and slack.posts("C999")[0].text == "help"
    with pytest.raises(Fatal):
        await adapter.send(AlertModerators(platform="slack", channel=None, text="x"))


async def test_a_members_export_arrives_as_a_snippet_in_their_dm(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await harness.warmline()
    await harness.ask(run.adapter, "checkin join")
    summary = await harness.ask(run.adapter, "privacy export")  # the summary answers it
    assert summary["response_type"] == "ephemeral"
    await slack.wait_until(lambda: slack.posts("D222"), what="the export snippet")
    snippet = slack.posts("D222")[0]
    assert snippet.text.startswith("warmline-export.json (1/")
    body = snippet.blocks[0]["elements"][1]
    assert body["type"] == "rich_text_preformatted"
    assert '"member"' in body["elements"][0]["text"]


async def test_slack_gets_its_ack_before_the_core_has_answered(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await harness.warmline()
    gate = asyncio.Event()
    run.probe.gate = gate  # the core's handler waits here until the test lets it go
    fields = await harness.post_command(run.adapter, "probe slow")  # asserts the 200 (the ack)
    await asyncio.wait_for(run.probe.slow_started.wait(), 10)
    assert not slack.responses_to(harness.token(fields))  # acked, and the core is still working
    gate.set()
    await slack.wait_until(lambda: slack.responses_to(harness.token(fields)), what="the answer")
    assert slack.responses_to(harness.token(fields))[0]["text"] == "slow answer"


async def test_slacks_url_check_is_answered_with_its_challenge(harness: SlackHarness) -> None:
    adapter = harness.adapter()
    await adapter.start(_ignore)
    body, kind = harness.payloads.json_body(
        {"type": "url_verification", "challenge": "c123", "token": "x"})
    status, text = await harness.post(adapter, body, kind)
    assert status == 200 and "c123" in text


async def test_a_recipient_slack_makes_wait_is_parked_and_the_round_goes_on(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter()
    await adapter.start(_ignore)
    outbox = Outbox({"slack": adapter}, SystemClock())

    def prompt(user: str) -> SendDirect:
        return SendDirect(platform="slack", user=user, recipient=user, text="How are you?")

    slack.force_429("chat.postMessage", retry_after=30)
    first = await outbox.deliver([prompt("U1")], park=True)
    assert first.status == "parked" and first.retry_after == 30  # kept for later, not lost
    second = await outbox.deliver([prompt("U2")], park=True)
    assert second.status == "sent" and slack.posts("D2")
