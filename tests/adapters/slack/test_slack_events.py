"""Slack events through the real bolt app into neutral events: messages (threads, DMs, and the
subtypes that are not a member's new words), joins and leaves, do-not-disturb, the member's
timezone from their profile, and the App Home tab."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.slack.adapter import SlackAdapter
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DoNotDisturbChanged,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
)
from tests.fakes.slack_api import FakeSlack
from tests.helpers.slack import SlackHarness


class Heard:
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, event: Event, *, handled: Any = None) -> None:
        self.events.append(event)

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


async def started(harness: SlackHarness) -> tuple[SlackAdapter, Heard]:
    heard = Heard()
    adapter = harness.adapter()
    await adapter.start(heard)
    return adapter, heard


async def test_only_a_members_new_words_become_messages_in_channels_threads_and_dms(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter, heard = await started(harness)
    p = harness.payloads
    sent = [
        p.message("in the channel", ts="100.000001"),
        p.message("edited", subtype="message_changed"),
        p.message("", subtype="message_deleted"),
        p.message("joined", subtype="channel_join"),
        p.message("another app", subtype="bot_message", bot_id="B999"),
        p.message("a bot user", bot_id="B998"),
        p.message("ours", user="UBOT"),
        p.message("in a thread", thread_ts="100.000001", ts="100.000002",
                  parent_user_id="U333"),
        p.message("also sent to the channel", subtype="thread_broadcast",
                  thread_ts="100.000001", ts="100.000003"),
        p.message("a DM", channel="D222", channel_type="im"),
    ]
    for event in sent:
        assert (await harness.post_event(adapter, event))[0] == 200
    await slack.wait_until(lambda: len(heard.of(MessagePosted)) == 4, what="four messages")
    texts = [m.text for m in heard.of(MessagePosted)]
    assert sorted(texts) == sorted(["in the channel", "in a thread", "also sent to the channel",
                                    "a DM"])
    by_text = {m.text: m for m in heard.of(MessagePosted)}
    plain, reply, dm = by_text["in the channel"], by_text["in a thread"], by_text["a DM"]
    assert plain.thread is None and plain.message_id == "100.000001" and plain.community == "T111"
    assert reply.thread == "100.000001" and reply.reply_to_user == "U333"
    assert reply.channel == "C111" and not reply.is_dm
    assert dm.is_dm and dm.channel == "D222"
    assert len(heard.events) == 4  # nothing else reached the core


async def test_joining_and_leaving_the_workspace(harness: SlackHarness, slack: FakeSlack) -> None:
    adapter, heard = await started(harness)
    joined = {"type": "team_join", "user": {"id": "U777", "name": "new", "tz": "Asia/Tokyo",
                                            "profile": {"display_name": "Kai"}}}
    renamed = {"type": "user_change", "user": {"id": "U777", "deleted": False}}
    left = {"type": "user_change", "user": {"id": "U777", "deleted": True}}
    for event in (joined, renamed, left):
        assert (await harness.post_event(adapter, event))[0] == 200
    await slack.wait_until(lambda: heard.of(MemberLeft), what="the leave")
    (join,) = heard.of(MemberJoined)
    assert join.user == "U777" and join.actor.timezone == "Asia/Tokyo"
    assert join.actor.display_name == "Kai"
    assert len(heard.events) == 2


async def test_slack_dnd_reaches_the_core_as_do_not_disturb(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter, heard = await started(harness)
    now = int(datetime.now(UTC).timestamp())
    on = {"type": "dnd_updated_user", "user": "U222",
          "dnd_status": {"dnd_enabled": True, "next_dnd_start_ts": now - 60,
                         "next_dnd_end_ts": now + 3600}}
    off = {"type": "dnd_updated_user", "user": "U222",
           "dnd_status": {"dnd_enabled": False, "next_dnd_start_ts": 0, "next_dnd_end_ts": 0}}
    assert (await harness.post_event(adapter, on))[0] == 200
    await slack.wait_until(lambda: heard.of(DoNotDisturbChanged), what="DND on")
    assert (await harness.post_event(adapter, off))[0] == 200
    await slack.wait_until(lambda: len(heard.of(DoNotDisturbChanged)) == 2, what="DND off")
    first, second = heard.of(DoNotDisturbChanged)
    assert first.active and first.until == datetime.fromtimestamp(now + 3600, tz=UTC)
    assert first.user == "U222" and first.community == "T111"
    assert not second.active and second.until is None


async def test_a_dnd_already_on_is_learned_from_dnd_info_when_someone_first_acts(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    now = int(datetime.now(UTC).timestamp())
    slack.add_user("U222")
    slack.set_dnd("U222", enabled=True, start=now - 10, end=now + 600)
    adapter, heard = await started(harness)
    await harness.post_command(adapter, "help")
    await slack.wait_until(lambda: heard.of(CommandInvoked), what="the command")
    (dnd,) = heard.of(DoNotDisturbChanged)
    assert dnd.active and dnd.until == datetime.fromtimestamp(now + 600, tz=UTC)
    await harness.post_command(adapter, "help")  # the profile is cached: dnd.info asked once
    await slack.wait_until(lambda: len(heard.of(CommandInvoked)) == 2, what="the second")
    assert len(slack.calls_to("dnd.info")) == 1


async def test_the_timezone_comes_from_the_slack_profile_until_the_member_chooses_one(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    slack.add_user("U222", tz="America/Chicago")
    run = await harness.warmline()
    await harness.ask(run.adapter, "privacy info")
    member = await _member(run.store, "U222")
    assert member.timezone == "America/Chicago"
    await harness.ask(run.adapter, "checkin timezone Europe/Lisbon")
    await harness.ask(run.adapter, "privacy info")
    assert (await _member(run.store, "U222")).timezone == "Europe/Lisbon"


async def _member(store: Any, user: str) -> Any:
    (member,) = await store.members.find_everywhere("slack", user)
    return member


async def test_the_app_home_tab_shows_quiet_hours_duty_history_help_and_runs_commands(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    slack.add_user("U222", tz=None, is_admin=True)  # on Slack, admins may go on duty
    run = await harness.warmline(probe=False)
    assert "22:00-07:00" in (await harness.ask(run.adapter, "quiet set 22:00-07:00"))["text"]
    assert "on duty now" in (await harness.ask(run.adapter, "duty on"))["text"]
    opened = {"type": "app_home_opened", "user": "U222", "channel": "D222", "tab": "home"}
    assert (await harness.post_event(run.adapter, opened))[0] == 200
    await slack.wait_until(lambda: len(slack.calls_to("views.publish")) == 4,
                           what="the home tab with its four sections")
    published = slack.calls_to("views.publish")[-1].args
    assert published["user_id"] == "U222"
    view = published["view"]
    assert view["type"] == "home"
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert len(texts) == 4
    # In the order asked, whatever order the core answered in: settings first.
    assert "Your quiet hours are 22:00-07:00" in texts[0]
    assert "You're on duty since" in texts[1]
    assert "no check-ins from the last 30 days" in texts[2]
    assert "/warmline checkin join" in texts[3]
    buttons = {e["text"]["text"]: e for b in view["blocks"] if b["type"] == "actions"
               for e in b["elements"]}
    assert "checkin join" in buttons and "privacy info" in buttons
    assert "setup status" not in buttons  # moderators' commands stay with /warmline
    assert "checkin timezone" not in buttons  # it needs an argument

    press = harness.payloads.block_action(buttons["checkin join"])
    for key in ("channel", "response_url"):  # a press on the home view has neither
        press.pop(key)
    press["container"] = {"type": "view", "view_id": "V1"}
    assert await harness.post_interaction(run.adapter, press) == 200
    await slack.wait_until(lambda: any("You're signed up" in m.text for m in slack.posts("D222")),
                           what="the answer in the member's DM")

    messages = {"type": "app_home_opened", "user": "U222", "channel": "D222", "tab": "messages"}
    assert (await harness.post_event(run.adapter, messages))[0] == 200
    assert len(slack.calls_to("views.publish")) == 4  # the messages tab is not the home


async def test_a_press_does_not_wait_long_for_a_profile_slack_is_slow_to_give(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    slack.add_user("U222", name="ana")
    slack.force_429("users.info", retry_after=2)  # slack-sdk waits 2-3 s, then asks again
    adapter, heard = await started(harness)
    button = {"action_id": "wl:probe.mood:0", "value": "4",
              "text": {"type": "plain_text", "text": "Good"}}
    assert await harness.post_interaction(adapter, harness.payloads.block_action(button)) == 200
    await slack.wait_until(lambda: heard.of(ButtonPressed), what="the press at the core")
    (press,) = heard.of(ButtonPressed)
    assert press.actor.display_name is None  # went on without the profile (at most 1 s)
    assert press.action == "probe.mood"


async def test_a_changed_profile_is_read_again(harness: SlackHarness, slack: FakeSlack) -> None:
    slack.add_user("U222", tz="Europe/Paris")
    adapter, heard = await started(harness)
    await harness.post_command(adapter, "help")
    await harness.post_command(adapter, "help")
    await slack.wait_until(lambda: len(heard.of(CommandInvoked)) == 2, what="two commands")
    assert len(slack.calls_to("users.info")) == 1
    changed = {"type": "user_change", "user": {"id": "U222", "tz": "Asia/Tokyo"}}
    assert (await harness.post_event(adapter, changed))[0] == 200
    await harness.post_command(adapter, "help")
    await slack.wait_until(lambda: len(heard.of(CommandInvoked)) == 3, what="the third")
    assert len(slack.calls_to("users.info")) == 2
