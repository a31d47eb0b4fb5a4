"""Care for the carers: a private "how are you doing?" after heavy work, and weekly on request.

Why: supporting someone through a hard moment costs energy that nobody sees. Some time after a
supporter took on heavy work (a reach-out, a crisis they acknowledged) they get one private
check-in with two ways to look after themselves: take a break (off duty at once) or talk to
someone (the supporter-care channel, else the moderators', is asked to reach out to them).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import recurrence
from bot.actions import Action, AlertModerators, Button, PostMessage
from bot.answer import answer
from bot.events import ButtonPressed, CommandInvoked
from bot.feature import ArgSpec
from bot.features.duty.commands import end_stretch, week_so_far
from bot.features.duty.common import hours_text, is_supporter, job_supporter, private, zone_of
from bot.features.duty.declare import BREAK, CARE, OKAY, TALK, WELLBEING, DutyContext, handlers
from bot.model import Claim
from bot.names import mention

WELLBEING_RULE = "sun 18:00"
"""When the weekly wellbeing check-in comes, in the supporter's own zone."""


def care_buttons(ctx: DutyContext) -> tuple[Button, ...]:
    return (Button(action=BREAK, label=ctx.t("duty.care.break"), style="primary"),
            Button(action=TALK, label=ctx.t("duty.care.talk")),
            Button(action=OKAY, label=ctx.t("duty.care.okay")))


@handlers.job(CARE)
async def care_check_in(claim: Claim, ctx: DutyContext) -> Sequence[Action]:
    member = ctx.member
    if member is None:
        return ()
    return (private(ctx, member, ctx.t("duty.care.heavy"), care_buttons(ctx)),)


@handlers.job(WELLBEING)
async def weekly_wellbeing(claim: Claim, ctx: DutyContext) -> Sequence[Action]:
    found = await job_supporter(ctx)
    if found is None or not found[1].wellbeing:
        return ()
    member = found[0]
    _, so_far = await week_so_far(ctx, member)
    return (private(ctx, member, ctx.t("duty.care.weekly", hours=hours_text(so_far)),
                    care_buttons(ctx)),)


@handlers.button(BREAK)
async def take_a_break(event: ButtonPressed, ctx: DutyContext) -> Sequence[Action]:
    assert ctx.member is not None
    await end_stretch(ctx, ctx.member)
    return answer(event, ctx.t("duty.care.break_done"))


@handlers.button(TALK)
async def talk_to_someone(event: ButtonPressed, ctx: DutyContext) -> Sequence[Action]:
    assert ctx.member is not None
    text = ctx.t("duty.care.talk_post", name=mention(ctx.member.platform_user_id))
    community = ctx.community.platform_id
    care = await ctx.store.channels.for_purpose(ctx.community.id, "care")
    if care is not None:
        post: Action = PostMessage(platform=ctx.platform, community=community, channel=care,
                                   text=text)
    else:
        moderators = await ctx.store.channels.for_purpose(ctx.community.id, "moderators")
        if moderators is None:
            return answer(event, ctx.t("duty.care.talk_nobody"))
        post = AlertModerators(platform=ctx.platform, community=community, channel=moderators,
                               text=text)
    return [*answer(event, ctx.t("duty.care.talk_done")), post]


@handlers.button(OKAY)
async def okay(event: ButtonPressed, ctx: DutyContext) -> Sequence[Action]:
    return answer(event, ctx.t("duty.care.okay_done"))


@handlers.command("duty wellbeing", "A weekly private check-in on how you are, as a supporter",
                  args=(ArgSpec(name="choice", description="on or off", kind="choice",
                                choices=("on", "off")),))
async def wellbeing(event: CommandInvoked, ctx: DutyContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    if not is_supporter(ctx, event):
        return answer(event, ctx.t("duty.not_supporter"))
    on = event.args.get("choice", "").strip().lower() == "on"
    await ctx.repo.ensure(member.id, ctx.community.id)
    await ctx.repo.set_wellbeing(member.id, on)
    if not on:
        await ctx.store.jobs.delete(WELLBEING, f"member:{member.id}")
        return answer(event, ctx.t("duty.care.weekly_off"))
    zone = zone_of(ctx, member)
    rule = recurrence.parse(WELLBEING_RULE)
    await ctx.store.jobs.upsert(
        kind=WELLBEING, subject=f"member:{member.id}", community_id=ctx.community.id,
        member_id=member.id, rule=WELLBEING_RULE, zone=zone,
        next_run=recurrence.next_after(rule, zone, ctx.now),
    )
    return answer(event, ctx.t("duty.care.weekly_on"))
