"""Every message is scanned in memory; crisis language gets a warm reply with resources at once,
and the moderators an alert with a link (never the words, unless the community opts in).

The decision, for a message the detector calls a crisis:

- **Whose concern** (:func:`concern_of`): the writer's own; someone else's ("my friend said she
  wants to end it": the resources go to the helper, worded for a helper); or a *reply to someone
  else* that names a method or a means with no first-person word in it ("just take the whole
  bottle"): harmful specifics aimed at the other person. That one gets no member-facing reply
  (telling the writer "are you safe?" would be wrong, and repeating it to the other person would
  point at the specifics again); moderators get an alert to look at it.
- **The reply** (urgent: quiet hours never hold it) goes where the community chose: in the
  conversation, as a reply to the message (its thread where the platform threads), or as a
  direct message. A message in a DM is answered in that DM. At most one reply per person per
  period, unless the tier rises.
- **The alert** goes to the moderators' channel (the router's fallback when there is none), with
  the "I'm on it" button, unless the member opted out (``safety alerts off``): the reply then still
  goes, and never says a moderator was told. A durable job widens an alert nobody took
  (``escalate.py``).
- Only the fact is stored: time, channel, tier, concern, whose; each step is in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action, AlertModerators, Button, MessageLink, PostMessage, SendDirect
from bot.events import MessagePosted
from bot.features.safety.common import (
    ack_button,
    ack_minutes,
    alert_includes_text,
    audit,
    enabled,
    region_of,
    reply_mode,
    reply_period,
    resources_text,
    where,
)
from bot.features.safety.declare import ESCALATE, NOT_MEANT, SafetyContext, handlers
from bot.features.safety.detection import Detection, normalise, scan, tier_rank
from bot.features.safety.repo import Concern, DetectionRecord
from bot.model import Member
from bot.names import mention
from bot.routing import SupportRequest

_HARMFUL_KINDS = frozenset({"means", "act", "method"})
_FIRST_PERSON = re.compile(r"\b(?:i|im|ive|id|ill|me|my|myself|mine)\b")
ALERT_QUOTE_MAX = 300
"""When a community shows the words in alerts, at most this many characters of them."""


@handlers.event(MessagePosted)
async def on_message(event: MessagePosted, ctx: SafetyContext) -> Sequence[Action]:
    """The hot path: one scan in memory; everything else only for a crisis."""
    if event.actor.is_bot or not enabled(ctx):
        return ()
    found = scan(event.text)
    if not found.crisis:
        return ()
    return await respond(event, found, ctx)


def concern_of(event: MessagePosted, found: Detection) -> Concern:
    if found.third_party:
        return "someone_else"
    if (event.reply_to_user and event.reply_to_user != event.user
            and all(m.kind in _HARMFUL_KINDS for m in found.matches)
            and not _FIRST_PERSON.search(normalise(event.text))):
        return "reply"
    return "own"


async def respond(event: MessagePosted, found: Detection, ctx: SafetyContext) -> list[Action]:
    member = await ctx.store.members.ensure(ctx.community.id, event.user,
                                            display_name=event.actor.display_name, now=ctx.now)
    concern = concern_of(event, found)
    earlier = await ctx.repo.last_replied(member.id, ctx.now - reply_period(ctx))
    rises = earlier is None or tier_rank(found.tier) > tier_rank(earlier.tier)
    reply = concern != "reply" and rises
    choices = await ctx.repo.choices(member.id)
    # Harmful specifics are about someone else: moderators hear of each, whatever came before.
    alert = concern == "reply" or (rises and not choices.alerts_off)
    link = MessageLink(channel=event.channel, message_id=event.message_id, thread=event.thread,
                       is_dm=event.is_dm)
    record = await ctx.repo.record(
        community_id=ctx.community.id, member_id=member.id, at=ctx.now, channel=event.channel,
        tier=found.tier, concern=concern, replied=reply, alert="open" if alert else "none")
    await audit(ctx, "safety detection", f"#{record.id}: {found.tier}, {concern}, "
                f"in {'a direct message' if event.is_dm else event.channel}")

    actions: list[Action] = []
    told = False
    if alert:
        alerted = await _alert(event, record, member, link, ctx)
        actions.extend(alerted)
        told = bool(alerted)
        if not told:
            await ctx.repo.move_alert(record.id, "open", "none")
    if reply:
        actions.insert(0, await _reply(event, record, member, told, ctx))  # the person first
    steps = [s for s, done in (("reply sent", reply), ("moderators told", told)) if done]
    await audit(ctx, "safety response", f"#{record.id}: " + (", ".join(steps) or _why_quiet(
        rises, choices.alerts_off)))
    return actions


def _why_quiet(rises: bool, alerts_off: bool) -> str:
    if not rises:
        return "already answered within the period"
    return "moderators not told (member opted out)" if alerts_off else "nobody to tell"


async def _reply(event: MessagePosted, record: DetectionRecord, member: Member, told: bool,
                 ctx: SafetyContext) -> Action:
    key = ("safety.reply.someone_else" if record.concern == "someone_else"
           else "safety.reply.own_imminent" if record.tier == "imminent" else "safety.reply.own")
    text = ctx.t(key, name=mention(event.user),
                 resources=resources_text(ctx, await region_of(ctx, member)))
    if told:
        text = f"{text}\n\n{ctx.t('safety.reply.told')}"
    buttons = (Button(action=NOT_MEANT, value=str(record.id),
                      label=ctx.t("safety.reply.not_meant")),)
    if event.is_dm or reply_mode(ctx) == "dm":
        # In a DM, the conversation it came from; otherwise the adapter opens (or reuses) one.
        return SendDirect(platform=event.platform, community=event.community,
                          recipient=event.user, urgent=True, kind="safety.reply", user=event.user,
                          channel=event.channel if event.is_dm else None, text=text,
                          buttons=buttons)
    return PostMessage(platform=event.platform, community=event.community, recipient=event.user,
                       urgent=True, kind="safety.reply", channel=event.channel, thread=event.thread,
                       reply_to=event.message_id, text=text, buttons=buttons, mention=event.user)


async def _alert(event: MessagePosted, record: DetectionRecord, member: Member,
                 link: MessageLink, ctx: SafetyContext) -> list[Action]:
    """The alert, and the job that widens it if nobody takes it; [] when nobody would see it."""
    text = alert_text(ctx, record, member, link)
    if alert_includes_text(ctx):
        text = f"{text}\n{ctx.t('safety.alert.words', text=quoted_long(event.text))}"
    moderators = await ctx.store.channels.for_purpose(ctx.community.id, "moderators")
    priority = "normal" if record.tier == "passive" else "high"
    actions: list[Action]
    if moderators is not None:
        actions = [AlertModerators(
            platform=ctx.platform, community=ctx.community.platform_id, channel=moderators,
            text=text, buttons=(ack_button(ctx, record.id),), priority=priority, urgent=True,
            link=link, kind="safety.alert")]
        reached = "moderators"
    else:
        routed = await ctx.router.route(SupportRequest(
            kind="crisis", subject=subject(record.id), text=text,
            buttons=(ack_button(ctx, record.id),), about=member.platform_user_id, urgent=True,
            link=link), ctx)
        actions, reached = list(routed.actions), routed.reached
    if not actions:
        return []
    await ctx.store.jobs.upsert(
        kind=ESCALATE, subject=subject(record.id), community_id=ctx.community.id,
        member_id=member.id, rule=None, zone="UTC",
        next_run=ctx.now + timedelta(minutes=ack_minutes(ctx)),
        payload={"detection": record.id, "stage": 1, "channel": link.channel,
                 "message_id": link.message_id, "thread": link.thread, "is_dm": link.is_dm})
    await audit(ctx, "safety alert", f"#{record.id}: {record.tier} to {reached}")
    return actions


def alert_text(ctx: SafetyContext, record: DetectionRecord, member: Member,
               link: MessageLink | None, *, minutes: int = 0, stage: int = 0) -> str:
    """What moderators (and, later, whoever an alert widens to) read: who, how serious, where;
    the emergency reminder for the most serious tier. Never the words."""
    text = ctx.t(f"safety.alert.{record.concern}", name=mention(member.platform_user_id),
                 tier=ctx.t(f"safety.tier.{record.tier}"),
                 where=where(ctx, link, record.channel))
    if stage:
        text = ctx.t(f"safety.escalate.{'first' if stage == 1 else 'second'}",
                     minutes=minutes) + "\n" + text
    if record.tier == "imminent":
        text = f"{text}\n{ctx.t('safety.alert.emergency')}"
    return text


def quoted_long(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ALERT_QUOTE_MAX else text[:ALERT_QUOTE_MAX - 1] + "…"


def subject(detection_id: int) -> str:
    """The work's name for the router, the job and the audit log."""
    return f"safety:{detection_id}"

