"""Listening, safety, quiet hours, Slack's do-not-disturb and supporter duty on Slack, end to end:
the real slack-bolt app (HTTP mode, signed requests) and slack-sdk client inside the real runtime
with every feature and SQLite, against the local fake Slack, with a virtual clock where time
matters (it starts Monday 08:00 UTC)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.actions import AlertModerators, MessageLink, PostMessage, SendPrivateNote
from bot.clock import VirtualClock
from bot.names import message_link
from tests.fakes.slack_api import FakeSlack, Posted
from tests.helpers.slack import RunningSlack, SlackHarness

MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MOD, ALICE, BOB = "UMOD", "U333", "U444"
SUPPORT, MODS, SUPPORTERS = "C111", "C999", "C222"
SHARE = "I can't sleep and work is falling apart"
ROADBLOCK = "you should just try melatonin"
CRISIS = "I feel like ending it all tonight"


async def _live(harness: SlackHarness, slack: FakeSlack, db: str, *,
                clock: VirtualClock | None = None) -> RunningSlack:
    """Warmline with every feature; a workspace admin (a moderator on Slack), Alice and Bob."""
    slack.add_user(MOD, is_admin=True, tz=None)
    slack.add_user(ALICE, name="alice", tz=None)
    slack.add_user(BOB, name="bob", tz=None, is_admin=True)  # on Slack, admins support
    return await harness.warmline(db, clock=clock, probe=False)


async def _ask(harness: SlackHarness, run: RunningSlack, text: str, *, user: str = MOD,
               channel: str = SUPPORT) -> str:
    answer = await harness.ask(run.adapter, text, user=user, channel=channel)
    assert answer["response_type"] == "ephemeral", answer
    return str(answer["text"])


async def _say(harness: SlackHarness, run: RunningSlack, text: str, *, user: str,
               channel: str = SUPPORT, **kw: Any) -> dict[str, Any]:
    message = harness.payloads.message(text, user=user, channel=channel, **kw)
    assert (await harness.post_event(run.adapter, message))[0] == 200
    return message


def _ephemerals(slack: FakeSlack, user: str) -> list[Posted]:
    return [m for m in slack.messages if m.method == "chat.postEphemeral" and m.user == user]


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Button label (without its emoji) → element, in blocks from a response_url answer."""
    out: dict[str, dict[str, Any]] = {}
    for block in blocks:
        for element in block.get("elements", ()) if block.get("type") == "actions" else ():
            head, _, rest = element["text"]["text"].partition(" ")
            out[rest if rest and not head.isascii() else element["text"]["text"]] = element
    return out


async def _settled(check: Callable[[], Awaitable[bool]]) -> None:
    """Let the runtime act on a clock change (it runs in the same loop); up to 10 s."""
    for _ in range(1000):
        if await check():
            return
        await asyncio.sleep(0.01)


# -- listening --------------------------------------------------------------------------------------


async def test_a_roadblock_reply_in_the_thread_brings_its_writer_an_ephemeral_note(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await _live(harness, slack, "listening.db")
    told = await _ask(harness, run, f"setup channel support <#{SUPPORT}|support>")
    assert f"#{SUPPORT} is now the support channel" in told
    # Nobody here is in a supporters' user group: notes are off until a person asks for them.
    share = await _say(harness, run, SHARE, user=ALICE)
    await _say(harness, run, ROADBLOCK, user=MOD, thread_ts=share["ts"], parent_user_id=ALICE)
    assert "private note" in await _ask(harness, run, "listening nudges on", user=BOB)
    await _say(harness, run, ROADBLOCK, user=BOB, thread_ts=share["ts"], parent_user_id=ALICE)
    await slack.wait_until(lambda: _ephemerals(slack, BOB), what="the note to Bob")
    (note,) = _ephemerals(slack, BOB)
    assert note.channel == SUPPORT and note.thread_ts == share["ts"]  # in the reply's thread
    assert "went to a suggestion" in note.text
    assert f"<#{SUPPORT}>" in note.text  # the thread is named by its channel
    assert "melatonin" not in note.text and "sleep" not in note.text
    assert list(note.buttons()) and next(iter(note.buttons().values()))["action_id"].startswith(
        "wl:listening.notes:")
    assert not slack.posts(SUPPORT)  # never public
    assert not _ephemerals(slack, MOD)  # the moderator did not ask for notes (handled first)


async def test_members_of_the_supporters_user_group_get_notes_without_asking(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    slack.add_usergroup("S0SUP", "supporters", [BOB])
    run = await _live(harness, slack, "supporters.db")
    await _ask(harness, run, f"setup channel support <#{SUPPORT}|support>")
    told = await _ask(harness, run, "setup role supporters <!subteam^S0SUP|@supporters>")
    assert "S0SUP" in told
    share = await _say(harness, run, SHARE, user=ALICE)
    await _say(harness, run, ROADBLOCK, user=MOD, thread_ts=share["ts"], parent_user_id=ALICE)
    await _say(harness, run, ROADBLOCK, user=BOB, thread_ts=share["ts"], parent_user_id=ALICE)
    await slack.wait_until(lambda: _ephemerals(slack, BOB), what="the note to the supporter")
    assert "went to a suggestion" in _ephemerals(slack, BOB)[0].text
    assert not _ephemerals(slack, MOD)  # not in the group, never asked: no note
    assert len(slack.calls_to("usergroups.list")) == 1  # read once for the workspace

    # A group changed: read again when next needed.
    changed = {"type": "subteam_members_changed", "subteam_id": "S0SUP"}
    assert (await harness.post_event(run.adapter, changed))[0] == 200
    await _ask(harness, run, "privacy info", user=ALICE)
    assert len(slack.calls_to("usergroups.list")) == 2


async def test_reply_with_care_opens_the_draft_modal_and_answers_privately(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await _live(harness, slack, "draft.db")
    await _ask(harness, run, f"setup channel support <#{SUPPORT}|support>")
    share = await _say(harness, run, "my exam went badly and I feel awful", user=ALICE)
    shortcut = harness.payloads.message_shortcut("wlmsg:listening.draft", user=BOB,
                                                 channel=SUPPORT, message_ts=share["ts"],
                                                 author=ALICE)
    assert await harness.post_interaction(run.adapter, shortcut) == 200
    await slack.wait_until(lambda: slack.calls_to("views.open"), what="the draft modal")
    opened = slack.calls_to("views.open")[0].args
    assert opened["trigger_id"] == shortcut["trigger_id"]
    view = opened["view"]
    assert view["title"]["text"] == "Reply with care"
    field = view["blocks"][0]["block_id"]
    submit = harness.payloads.view_submission(view, {field: "at least you tried"}, user=BOB)
    assert await harness.post_interaction(run.adapter, submit) == 200
    await slack.wait_until(lambda: _ephemerals(slack, BOB), what="the feedback")
    (feedback,) = _ephemerals(slack, BOB)
    assert feedback.channel == SUPPORT and "sound smaller" in feedback.text
    assert not slack.posts()  # nothing posted anywhere


async def test_reply_with_care_in_a_channel_warmline_is_not_in_answers_in_the_dm(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await _live(harness, slack, "draft-out.db")
    shortcut = harness.payloads.message_shortcut("wlmsg:listening.draft", user=BOB,
                                                 channel="COUT1", message_ts="9.9")
    assert await harness.post_interaction(run.adapter, shortcut) == 200
    await slack.wait_until(lambda: slack.calls_to("views.open"), what="the draft modal")
    view = slack.calls_to("views.open")[0].args["view"]
    submit = harness.payloads.view_submission(view, {view["blocks"][0]["block_id"]:
                                                     "at least you tried"}, user=BOB)
    assert await harness.post_interaction(run.adapter, submit) == 200
    await slack.wait_until(lambda: slack.posts("D444"), what="the feedback in Bob's DM")
    assert "sound smaller" in slack.posts("D444")[0].text


# -- safety -----------------------------------------------------------------------------------------


async def test_a_crisis_is_answered_in_its_thread_and_the_alert_links_to_it_and_is_taken(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await _live(harness, slack, "safety.db")
    await _ask(harness, run, f"setup channel moderators <#{MODS}|mods>")
    said = await _say(harness, run, CRISIS, user=ALICE)
    await slack.wait_until(lambda: slack.posts(SUPPORT) and slack.posts(MODS),
                           what="the reply and the alert")
    (reply,) = slack.posts(SUPPORT)
    assert reply.thread_ts == said["ts"]  # a reply to her message is in its thread
    assert reply.args["blocks"][0]["text"]["text"].startswith(f"<@{ALICE}>")
    assert "Are you somewhere safe?" in reply.text
    assert "This isn't what I meant" in reply.buttons()

    (alert,) = slack.posts(MODS)
    permalink = f"https://fake.slack.com/archives/{SUPPORT}/p{said['ts'].replace('.', '')}"
    section = alert.blocks[0]["text"]["text"]
    assert f"<{permalink}>" in section  # a link, not escaped into text
    assert "ending it all" not in alert.text
    assert slack.calls_to("chat.getPermalink")[0].args == {"channel": SUPPORT,
                                                            "message_ts": said["ts"]}
    take = alert.buttons()["I'm on it"]
    assert take["action_id"].startswith("wl:safety.ack:")
    press = harness.payloads.block_action(take, user=BOB, channel=MODS, message_ts=alert.ts)
    assert await harness.post_interaction(run.adapter, press) == 200
    token = harness.token(press)
    await slack.wait_until(lambda: slack.responses_to(token), what="the answer to I'm on it")
    assert "Thank you for taking this" in slack.responses_to(token)[0]["text"]
    await slack.wait_until(lambda: any("is on it" in m.text for m in slack.messages),
                           what="the note to the other moderators")


async def test_a_crisis_in_a_dm_is_answered_there_and_the_alert_says_where_without_a_link(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await _live(harness, slack, "safety-dm.db")
    await _ask(harness, run, f"setup channel moderators <#{MODS}|mods>")
    await _say(harness, run, CRISIS, user=ALICE, channel="D333", channel_type="im")
    await slack.wait_until(lambda: slack.posts("D333") and slack.posts(MODS),
                           what="the reply and the alert")
    assert "Are you somewhere safe?" in slack.posts("D333")[0].text
    (alert,) = slack.posts(MODS)
    assert "a private message to Warmline" in alert.text
    assert "fake.slack.com" not in alert.text and not slack.calls_to("chat.getPermalink")


# -- quiet hours, do-not-disturb, duty --------------------------------------------------------------


async def _waiting(run: RunningSlack) -> bool:
    return bool(await run.store.db.fetchall("SELECT 1 FROM deferred WHERE status='waiting'"))


async def test_a_check_in_due_in_quiet_hours_arrives_when_they_end(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    clock = VirtualClock(MONDAY_8AM)
    run = await _live(harness, slack, "quiet.db", clock=clock)
    told = await _ask(harness, run, "quiet set 22:00-10:00", user=ALICE, channel="D333")
    assert "22:00-10:00 (UTC)" in told
    await _ask(harness, run, "checkin join", user=ALICE, channel="D333")

    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await _settled(lambda: _waiting(run))
    assert await _waiting(run)
    assert not slack.posts("D333")
    shown = await _ask(harness, run, "quiet show", user=ALICE, channel="D333")
    assert "until 10:00" in shown and "Messages waiting for you: 1" in shown

    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    await slack.wait_until(lambda: slack.posts("D333"), what="the held check-in")
    (prompt,) = slack.posts("D333")
    assert "How are you doing today?" in prompt.text and "Low" in prompt.buttons()


async def test_a_check_in_waits_while_slack_dnd_is_on_and_comes_when_it_ends(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    clock = VirtualClock(MONDAY_8AM)
    run = await _live(harness, slack, "dnd.db", clock=clock)
    await _ask(harness, run, "checkin join", user=ALICE, channel="D333")
    now = int(datetime.now(UTC).timestamp())  # Slack's DND times are real times
    on = {"type": "dnd_updated_user", "user": ALICE,
          "dnd_status": {"dnd_enabled": True, "next_dnd_start_ts": now - 60,
                         "next_dnd_end_ts": now + 3600}}
    assert (await harness.post_event(run.adapter, on))[0] == 200

    async def dnd_known() -> bool:
        (member,) = await run.store.members.find_everywhere("slack", ALICE)
        return member.dnd_until is not None
    await _settled(dnd_known)
    assert await dnd_known()

    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await _settled(lambda: _waiting(run))
    assert await _waiting(run)
    assert not slack.posts("D333")

    off = {"type": "dnd_updated_user", "user": ALICE,
           "dnd_status": {"dnd_enabled": False, "next_dnd_start_ts": 0, "next_dnd_end_ts": 0}}
    assert (await harness.post_event(run.adapter, off))[0] == 200
    await slack.wait_until(lambda: slack.posts("D333"), what="the check-in after DND")
    assert "How are you doing today?" in slack.posts("D333")[0].text


async def test_a_supporter_on_duty_is_pinged_for_a_reach_out_request(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    clock = VirtualClock(MONDAY_8AM)
    run = await _live(harness, slack, "duty.db", clock=clock)
    await _ask(harness, run, f"setup channel supporters <#{SUPPORTERS}|supporters>")
    assert "on duty now" in await _ask(harness, run, "duty on", user=BOB)
    await _ask(harness, run, "checkin join", user=ALICE, channel="D333")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await slack.wait_until(lambda: slack.posts("D333"), what="the check-in")
    (prompt,) = slack.posts("D333")

    low = harness.payloads.block_action(prompt.buttons()["Low"], user=ALICE, channel="D333",
                                        message_ts=prompt.ts)
    assert await harness.post_interaction(run.adapter, low) == 200
    await slack.wait_until(lambda: slack.responses_to(harness.token(low)), what="the offer")
    offered = slack.responses_to(harness.token(low))
    yes = next(_buttons(r["blocks"])["Yes, please"] for r in offered
               if "Yes, please" in _buttons(r["blocks"]))
    press = harness.payloads.block_action(yes, user=ALICE, channel="D333", message_ts=prompt.ts)
    assert await harness.post_interaction(run.adapter, press) == 200
    await slack.wait_until(lambda: slack.posts(SUPPORTERS), what="the request")
    (post,) = slack.posts(SUPPORTERS)
    section = post.blocks[0]["text"]["text"]
    assert section.startswith(f"<@{BOB}>")  # a mention Slack notifies: Bob alone is pinged
    assert f"<@{MOD}>" not in section
    assert "I'll reach out" in post.buttons()


# -- how the neutral fields render ------------------------------------------------------------------


async def _ignore(event: object, *, handled: object = None) -> None:
    return None


async def test_pings_links_and_the_link_token_render_as_slack_markup_and_nothing_is_forged(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    adapter = harness.adapter()
    await adapter.start(_ignore)
    await adapter.send(PostMessage(platform="slack", channel=SUPPORT, text="Can someone help?",
                                   mention="U101", pings=("U101", "U202"), reply_to="5.5"))
    post = slack.posts(SUPPORT)[-1]
    assert post.blocks[0]["text"]["text"] == "<@U101> <@U202> Can someone help?"
    assert post.thread_ts == "5.5"  # a reply is in the message's thread
    await adapter.send(PostMessage(platform="slack", channel=SUPPORT, text="in", thread="7.7",
                                   reply_to="7.9"))
    assert slack.posts(SUPPORT)[-1].thread_ts == "7.7"  # the thread given wins

    # A message Slack gives no permalink for: the channel is named instead.
    await adapter.send(AlertModerators(platform="slack", channel=MODS, text="Look",
                                       link=MessageLink(channel="CGONE1", message_id="1.2")))
    assert slack.posts(MODS)[-1].blocks[0]["text"]["text"] == "Look\n<#CGONE1>"

    # The core's in-text token, in a private note; a text cannot smuggle the adapter's marks.
    forged = "\ue000<!channel>\ue001"
    await adapter.send(SendPrivateNote(platform="slack", channel=SUPPORT, user=BOB,
                                       text=f"Waiting: {message_link(SUPPORT, '8.25')} {forged}"))
    (note,) = _ephemerals(slack, BOB)
    assert note.blocks[0]["text"]["text"] == (
        f"Waiting: <https://fake.slack.com/archives/{SUPPORT}/p825> &lt;!channel&gt;")
    await adapter.send(SendPrivateNote(platform="slack", channel=SUPPORT, user=BOB,
                                       text=f"Again: {message_link(SUPPORT, '8.25')}"))
    assert len(slack.calls_to("chat.getPermalink")) == 2  # CGONE1 once, then 8.25 once (cached)
