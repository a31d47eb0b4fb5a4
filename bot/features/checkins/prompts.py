"""The scheduled side of check-ins: the prompt itself, the optional reminder, automatic resume.

A prompt is one row (its id is in every button's value) and one action: a direct message, or a
post in the community's check-ins channel when the community chose thread delivery. Runners are
pure decisions; the scheduler delivers and records the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.actions import Action, Button, PostMessage, SendDirect, StartThread
from bot.features.checkins.common import (
    PROMPT,
    REMIND,
    RESUME,
    community_zone,
    delivery,
    enabled,
    expiry_hours,
    member_zone,
    name_of,
    reminder_on,
    when_text,
)
from bot.features.checkins.declare import GOAL, MOOD, NOTE, SKIP, CheckinContext, handlers
from bot.features.checkins.repo import Prompt
from bot.features.checkins.schedule import next_prompt
from bot.model import Claim, Member

log = logging.getLogger(__name__)

MOODS = (1, 2, 3, 4, 5)
GOAL_ANSWERS = ("done", "partly", "not", "change")


def prompt_buttons(ctx: CheckinContext, prompt: Prompt) -> tuple[Button, ...]:
    buttons = [
        Button(action=MOOD, value=f"{prompt.id}:{mood}",
               label=ctx.t(f"checkin.mood.{mood}.label"), emoji=ctx.t(f"checkin.mood.{mood}.emoji"))
        for mood in MOODS
    ]
    buttons.append(Button(action=SKIP, value=str(prompt.id),
                          label=ctx.t("checkin.button.skip")))
    if ctx.repo.keeps_text:
        # Without a data key notes are not kept, so writing one is not offered at all.
        buttons.append(Button(action=NOTE, value=str(prompt.id),
                              label=ctx.t("checkin.button.note")))
    if prompt.goal:
        buttons.extend(
            Button(action=GOAL, value=f"{prompt.id}:{answer}",
                   label=ctx.t(f"checkin.goal.button.{answer}"))
            for answer in GOAL_ANSWERS
        )
    return tuple(buttons)


async def prompt_actions(
    ctx: CheckinContext, member: Member, prompt: Prompt, text: str
) -> list[Action]:
    """The prompt for ``member``: a DM, or (thread delivery) a post in today's check-in thread in
    the check-ins channel. The day's first prompt opens that thread; later ones reuse it."""
    buttons = prompt_buttons(ctx, prompt)
    if prompt.goal:
        text = f"{text}\n{ctx.t('checkin.prompt.goal', goal=prompt.goal)}"
    if delivery(ctx) == "thread":
        channel = await ctx.store.channels.for_purpose(ctx.community.id, "checkins")
        if channel is not None:
            actions, thread = await _todays_thread(ctx, channel)
            actions.append(PostMessage(
                platform=ctx.platform, community=ctx.community.platform_id,
                recipient=member.platform_user_id, channel=channel, thread=thread, text=text,
                buttons=buttons, mention=member.platform_user_id, kind="checkins.prompt",
            ))
            return actions
    return [SendDirect(
        platform=ctx.platform, community=ctx.community.platform_id,
        recipient=member.platform_user_id, user=member.platform_user_id, text=text,
        buttons=buttons, kind="checkins.prompt",
    )]


async def _todays_thread(ctx: CheckinContext, channel: str) -> tuple[list[Action], str | None]:
    """The thread to post in, and the action that opens it when this is the day's first prompt.

    A thread opened in the same delivery is named ``ref:<ref>`` (the outbox puts the platform's
    id in); once the platform reported it, its id is used directly. If a thread was asked for but
    never reported (the platform refused), prompts go to the channel itself rather than retrying
    a thread for every member."""
    day = ctx.now.astimezone(ZoneInfo(community_zone(ctx))).date()
    checkins = ctx.repo
    daily = await checkins.daily_thread(ctx.community.id, day.isoformat())
    if daily is not None:
        return [], daily.thread
    daily = await checkins.create_daily_thread(ctx.community.id, day.isoformat(), channel)
    opener = StartThread(
        platform=ctx.platform, community=ctx.community.platform_id, channel=channel,
        title=ctx.t("checkin.thread.title", day=f"{day:%A} {day.day} {day:%B}"),
        text=ctx.t("checkin.thread.text"), ref=daily.ref,
    )
    return [opener], f"ref:{daily.ref}"


def prompt_expiry(ctx: CheckinContext) -> timedelta:
    """How long a check-in stays worth sending: the community's setting, else the config's."""
    return timedelta(hours=expiry_hours(ctx))


@handlers.job(PROMPT, expiry=prompt_expiry)
async def run_prompt(claim: Claim, ctx: CheckinContext) -> Sequence[Action]:
    """One occurrence of a member's check-in: create the prompt row and say hello.

    Nothing is sent when check-ins are off, the member left or is paused, the member already
    had a check-in this local day (a new time or zone, or a new community schedule, never means
    a second one), or their direct messages failed and they have not been back since. An
    occurrence older than the expiry never gets here: the scheduler skips it as ``expired``."""
    member = ctx.member
    if member is None or not enabled(ctx):
        return ()
    if not member.reachable and delivery(ctx) == "dm":
        log.info("check-in for member %s not sent: their direct messages are closed", member.id)
        return ()
    hours = expiry_hours(ctx)
    zone = ZoneInfo(member_zone(ctx, member))
    local = claim.occurrence.astimezone(zone)
    day_start = datetime.combine(local.date(), time(0), tzinfo=zone)
    prompt = await ctx.repo.create_prompt(
        member.id, claim.occurrence, claim.occurrence + timedelta(hours=hours),
        day_start=day_start,
    )
    if prompt is None:
        return ()
    if reminder_on(ctx):
        after = timedelta(hours=ctx.settings.checkins.reminder_after_hours)
        if after < timedelta(hours=hours):
            await ctx.store.jobs.upsert(
                kind=REMIND, subject=f"member:{member.id}", community_id=member.community_id,
                member_id=member.id, rule=None, zone="UTC", next_run=claim.occurrence + after,
                payload={"prompt": prompt.id},
            )
    text = ctx.t("checkin.prompt.text", name=name_of(member))
    return await prompt_actions(ctx, member, prompt, text)


@handlers.job(REMIND, expiry=prompt_expiry)
async def run_reminder(claim: Claim, ctx: CheckinContext) -> Sequence[Action]:
    """The one gentle reminder, only if the prompt is still open and not expired."""
    member = ctx.member
    prompt_id = claim.job.payload.get("prompt")
    if member is None or not isinstance(prompt_id, int) or not enabled(ctx):
        return ()
    checkins = ctx.repo
    prompt = await checkins.prompt(prompt_id)
    if (prompt is None or prompt.status != "open" or ctx.now >= prompt.expires_at
            or await checkins.enrolment(member.id) is None):
        return ()
    return await prompt_actions(ctx, member, prompt, ctx.t("checkin.reminder.text"))


@handlers.job(RESUME)
async def run_resume(claim: Claim, ctx: CheckinContext) -> Sequence[Action]:
    """End of a pause: clear it and tell the member once, kindly."""
    member = ctx.member
    if member is None:
        return ()
    checkins = ctx.repo
    enrolment = await checkins.enrolment(member.id)
    if enrolment is None or enrolment.paused_until is None:
        return ()
    await checkins.set_pause(member.id, None)
    when = when_text(ctx, await next_prompt(ctx.store, member.id), member_zone(ctx, member))
    return (SendDirect(
        platform=ctx.platform, community=ctx.community.platform_id,
        recipient=member.platform_user_id, user=member.platform_user_id,
        text=ctx.t("checkin.pause.auto_resumed", when=when),
    ),)
