"""After the alert: someone takes it ("I'm on it"), or it widens; and the writer can say it was
not what they meant.

- **I'm on it** (moderators, supporters, the on-call list): the first press wins (one conditional
  update); the widening job is cancelled; the router hears that this person took on heavy work
  (``router.took(..., heavy=True)``: the boundaries feature checks on them later) and, when they
  press **Done**, that it ended (``router.done``).
- **Widening** (a durable job, so a restart does not lose it): ``ack_minutes`` after the alert, the
  request goes through the one router (on-duty supporters, or the moderators' channel) and the
  on-call list is pinged; as long again later, everyone with a moderator role is pinged.
- **This isn't what I meant** (the writer only): counted as a false positive (no text), and the
  alert stops widening; moderators are told in one line.
Every step is in the audit log; none carries what anyone wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action, Button, PostMessage
from bot.answer import answer
from bot.events import ButtonPressed
from bot.features.safety.common import (
    ack_button,
    ack_minutes,
    audit,
    link_of,
    roles,
)
from bot.features.safety.declare import ACK, DONE, ESCALATE, NOT_MEANT, SafetyContext, handlers
from bot.features.safety.repo import DetectionRecord
from bot.features.safety.respond import alert_text, subject
from bot.model import Claim
from bot.names import mention
from bot.numbers import small_int
from bot.routing import SupportRequest

LAST_STAGE = 2


async def _detection(event: ButtonPressed, ctx: SafetyContext) -> DetectionRecord | None:
    number = small_int(event.value)
    found = await ctx.repo.get(number) if number is not None else None
    return found if found is not None and found.community_id == ctx.community.id else None


def _may_take(event: ButtonPressed, ctx: SafetyContext) -> bool:
    held = set(event.actor.roles) | set(ctx.member.roles if ctx.member else ())
    return (ctx.is_moderator or event.user in ctx.settings.safety.on_call
            or bool(held & (roles(ctx, "supporters") | roles(ctx, "moderators"))))


@handlers.button(ACK, creates_member=True)
async def on_ack(event: ButtonPressed, ctx: SafetyContext) -> Sequence[Action]:
    found = await _detection(event, ctx)
    if found is None or found.alert in ("closed", "dismissed", "none"):
        return answer(event, ctx.t("safety.ack.closed"))
    if not _may_take(event, ctx):
        return answer(event, ctx.t("safety.ack.not_allowed"))
    if ctx.member is not None and ctx.member.id == found.member_id:
        return answer(event, ctx.t("safety.ack.own"))
    if not await ctx.repo.move_alert(found.id, "open", "acknowledged"):
        return answer(event, ctx.t("safety.ack.already"))
    await ctx.store.jobs.delete(ESCALATE, subject(found.id))
    await ctx.router.took(event.user, "crisis", subject(found.id), ctx, heavy=True)
    await audit(ctx, "safety acknowledged", f"#{found.id}", actor=event.user)
    person = await ctx.store.members.get(found.member_id)
    name = mention(person.platform_user_id) if person is not None else ""
    key = "safety.ack.thanks_reply" if found.concern == "reply" else "safety.ack.thanks"
    actions: list[Action] = list(answer(event, ctx.t(key, name=name), buttons=(
        Button(action=DONE, value=str(found.id), label=ctx.t("safety.ack.done_button")),)))
    return actions + await _tell_moderators(
        ctx, ctx.t("safety.ack.post", supporter=mention(event.user)))


@handlers.button(DONE)
async def on_done(event: ButtonPressed, ctx: SafetyContext) -> Sequence[Action]:
    found = await _detection(event, ctx)
    if found is None or not await ctx.repo.move_alert(found.id, "acknowledged", "closed"):
        return answer(event, ctx.t("safety.ack.closed"))
    await ctx.router.done("crisis", subject(found.id), ctx)
    await audit(ctx, "safety closed", f"#{found.id}", actor=event.user)
    return answer(event, ctx.t("safety.ack.done"))


@handlers.button(NOT_MEANT)
async def on_not_meant(event: ButtonPressed, ctx: SafetyContext) -> Sequence[Action]:
    found = await _detection(event, ctx)
    if found is None or ctx.member is None or found.member_id != ctx.member.id:
        return answer(event, ctx.t("safety.not_meant.not_yours"))
    actions = list(answer(event, ctx.t("safety.not_meant.thanks")))
    if await ctx.repo.mark_false_positive(found.id):
        await audit(ctx, "safety false positive", f"#{found.id}", actor=event.user)
    if await ctx.repo.move_alert(found.id, "open", "dismissed"):
        await ctx.store.jobs.delete(ESCALATE, subject(found.id))
        actions += await _tell_moderators(
            ctx, ctx.t("safety.not_meant.moderators", name=mention(event.user)))
    return actions


async def _tell_moderators(ctx: SafetyContext, text: str) -> list[Action]:
    """One line in the moderators' channel about an alert they saw (nothing when there is none:
    the alert then went through the router, and the person who acted was answered already)."""
    channel = await ctx.store.channels.for_purpose(ctx.community.id, "moderators")
    if channel is None:
        return []
    return [PostMessage(platform=ctx.platform, community=ctx.community.platform_id,
                        channel=channel, text=text, urgent=True)]


@handlers.job(ESCALATE)
async def widen(claim: Claim, ctx: SafetyContext) -> Sequence[Action]:
    """Stage 1: the router and the on-call list. Stage 2: every moderator, pinged."""
    payload = claim.job.payload
    number, stage = payload.get("detection"), payload.get("stage")
    member = ctx.member
    found = await ctx.repo.get(number) if isinstance(number, int) else None
    if found is None or member is None or found.alert != "open" or not isinstance(stage, int):
        return ()
    minutes = ack_minutes(ctx) * stage
    link = link_of(payload)
    text = alert_text(ctx, found, member, link, minutes=minutes, stage=stage)
    button = (ack_button(ctx, found.id),)
    moderators = await ctx.store.channels.for_purpose(ctx.community.id, "moderators")

    def post(channel: str, pings: tuple[str, ...]) -> PostMessage:
        return PostMessage(platform=ctx.platform, community=ctx.community.platform_id,
                           urgent=True, channel=channel, text=text, buttons=button, link=link,
                           pings=pings)

    actions: list[Action] = []
    if stage == 1:
        routed = await ctx.router.route(SupportRequest(
            kind="crisis", subject=subject(found.id), text=text, buttons=button,
            about=member.platform_user_id, urgent=True, link=link), ctx)
        actions.extend(routed.actions)
        on_call = tuple(u for u in ctx.settings.safety.on_call if u != member.platform_user_id)
        if on_call and moderators is not None:
            actions.append(post(moderators, on_call))
        detail = f"#{found.id}: stage 1, router reached {routed.reached}, on-call {len(on_call)}"
    else:
        moderating = roles(ctx, "moderators")
        everyone = tuple(m.platform_user_id for m in await ctx.store.members.list(ctx.community.id)
                         if moderating & set(m.roles) and m.id != member.id)
        channel = moderators or await ctx.store.channels.for_purpose(ctx.community.id,
                                                                     "supporters")
        if channel is not None:
            actions.append(post(channel, everyone))
        detail = f"#{found.id}: stage 2, moderators pinged {len(everyone)}"
    if stage < LAST_STAGE:
        await ctx.store.jobs.upsert(
            kind=ESCALATE, subject=claim.job.subject, community_id=ctx.community.id,
            member_id=member.id, rule=None, zone="UTC",
            next_run=ctx.now + timedelta(minutes=ack_minutes(ctx)),
            payload={**payload, "stage": stage + 1})
    await audit(ctx, "safety escalation", detail)
    return actions
