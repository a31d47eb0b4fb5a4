"""The real check-ins feature on Slack, end to end: the real slack-bolt app (HTTP mode, signed
requests) and slack-sdk client inside the real runtime with every feature, SQLite, the fake
Slack on 127.0.0.1, and a virtual clock so 09:00 comes when the test says so."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import VirtualClock
from tests.fakes.slack_api import FakeSlack
from tests.helpers.slack import SlackHarness

MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


async def test_join_a_nine_oclock_prompt_a_mood_button_and_a_note_in_a_modal(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    slack.add_user("U222", tz=None)
    clock = VirtualClock(MONDAY_8AM)
    run = await harness.warmline("checkins.db", clock=clock, probe=False)
    adapter = run.adapter

    joined = await harness.ask(adapter, "checkin join")
    assert joined["response_type"] == "ephemeral"
    assert "You're signed up for check-ins" in joined["text"]

    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await slack.wait_until(lambda: slack.posts("D222"), what="the 09:00 check-in DM")
    (prompt,) = slack.posts("D222")
    assert prompt.args["channel"] == "U222"  # posted to the user id: no conversations.open
    assert not slack.calls_to("conversations.open")
    assert "How are you doing today?" in prompt.text
    buttons = prompt.buttons()
    assert buttons["Low"]["action_id"].startswith("wl:checkin.mood:")

    low = harness.payloads.block_action(buttons["Low"], channel="D222", message_ts=prompt.ts)
    assert await harness.post_interaction(adapter, low) == 200
    low_token = harness.token(low)
    await slack.wait_until(lambda: slack.responses_to(low_token), what="the answer to Low")
    answer = slack.responses_to(low_token)[0]
    assert answer["replace_original"] is True  # the prompt itself becomes the answer
    assert "Today: 😕 Low" in answer["text"]
    assert not [b for b in answer["blocks"] if b["type"] == "actions"
                and "Yes, please" in str(b)]

    note = harness.payloads.block_action(buttons["Add a note"], channel="D222",
                                         message_ts=prompt.ts)
    assert await harness.post_interaction(adapter, note) == 200
    await slack.wait_until(lambda: slack.calls_to("views.open"), what="the note modal")
    opened = slack.calls_to("views.open")[0].args
    assert opened["trigger_id"] == note["trigger_id"]
    view = opened["view"]
    field = view["blocks"][0]["block_id"]
    submit = harness.payloads.view_submission(view, {field: "long week"})
    assert await harness.post_interaction(adapter, submit) == 200
    await slack.wait_until(lambda: any("Your note is saved" in m.text for m in slack.posts("D222")),
                           what="the note saved, in the DM")
