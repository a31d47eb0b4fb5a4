"""The scheduled side of check-ins: the prompt itself, the optional reminder, automatic resume.

A prompt is one row (its id is in every button's value) and one action: a direct message, or a
post in the community's check-ins channel when the community chose thread delivery. Runners are
pure decisions; the scheduler delivers and records the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from bot.actions import Action, Button, PostMessage, SendDirect, StartThread
from bot.feature import Later
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
from bot.features.checkins.repo import Prompt, PromptWanted
from bot.features.checkins.schedule import next_prompt
from bot.model import Claim, Member
from bot.recurrence import zone_info

log = logging.getLogger(__name__)

MOODS = (1, 2, 3, 4, 5)
GOAL_ANSWERS = ("done", "partly", "not", "change")


@dataclass(frozen=True, slots=True)
class ButtonLabels:
    """The words on a prompt's buttons in one community (its locale and overrides): the same
    for every prompt there, so a fan-out renders them once per community, not per member."""

    moods: tuple[tuple[str, str], ...]
    skip: str
    note: str | None
    goals: tuple[str, ...]

    @classmethod
    def of(cls, ctx: CheckinContext) -> ButtonLabels:
        return cls(
            moods=tuple((ctx.t(f"checkin.mood.{mood}.label"), ctx.t(f"checkin.mood.{mood}.emoji"))
                        for mood in MOODS),
            skip=ctx.t("checkin.button.skip"),
            # Without a data key notes are not kept, so writing one is not offered at all.
            note=ctx.t("checkin.button.note") if ctx.repo.keeps_text else None,
            goals=tuple(ctx.t(f"checkin.goal.button.{answer}") for answer in GOAL_ANSWERS),
        )


def prompt_buttons(ctx: CheckinContext, prompt: Prompt,
                   labels: ButtonLabels | None = None) -> tuple[Button, ...]:
    words = labels or ButtonLabels.of(ctx)
    buttons = [
        Button(action=MOOD, value=f"{prompt.id}:{mood}", label=label, emoji=emoji)
        for mood, (label, emoji) in zip(MOODS, words.moods, strict=True)
    ]
    buttons.append(Button(action=SKIP, value=str(prompt.id), label=words.skip))
    if words.note is not None:
        buttons.append(Button(action=NOTE, value=str(prompt.id), label=words.note))
    if prompt.goal:
        buttons.extend(
            Button(action=GOAL, value=f"{prompt.id}:{answer}", label=label)
            for answer, label in zip(GOAL_ANSWERS, words.goals, strict=True)
        )
    return tuple(buttons)


async def prompt_actions(
    ctx: CheckinContext, member: Member, prompt: Prompt, text: str,
    labels: ButtonLabels | None = None,
) -> list[Action]:
    """The prompt for ``member``: a DM, or (thread delivery) a post in today's check-in thread in
    the check-ins channel. The day's first prompt opens that thread; later ones reuse it."""
    buttons = prompt_buttons(ctx, prompt, labels)
    text = _with_goal(ctx, prompt, text)
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
    return [_direct(ctx, member, text, buttons)]


def _with_goal(ctx: CheckinContext, prompt: Prompt, text: str) -> str:
    return f"{text}\n{ctx.t('checkin.prompt.goal', goal=prompt.goal)}" if prompt.goal else text


def _direct(ctx: CheckinContext, member: Member, text: str,
            buttons: tuple[Button, ...]) -> SendDirect:
    return SendDirect(
        platform=ctx.platform, community=ctx.community.platform_id,
        recipient=member.platform_user_id, user=member.platform_user_id, text=text,
        buttons=buttons, kind="checkins.prompt",
    )


async def _todays_thread(ctx: CheckinContext, channel: str) -> tuple[list[Action], str | None]:
    """The thread to post in, and the action that opens it when this is the day's first prompt.

    A thread opened in the same delivery is named ``ref:<ref>`` (the outbox puts the platform's
    id in); once the platform reported it, its id is used directly. If a thread was asked for but
    never reported (the platform refused), prompts go to the channel itself rather than retrying
    a thread for every member."""
    day = ctx.now.astimezone(zone_info(community_zone(ctx))).date()
    checkins = ctx.repo
    daily = await checkins.daily_thread(ctx.community.id, day.isoformat())
    if daily is not None:
        # Not reported yet: opened by a prompt decided just before this one, in the same
        # group (delivered first, so the outbox knows it by then), or refused by the platform
        # (then the reference finds nothing and the prompt goes to the channel itself).
        return [], daily.thread or f"ref:{daily.ref}"
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
    wanted = _wanted(claim, ctx)
    if wanted is None:
        return ()
    prompt = await ctx.repo.create_prompt(wanted.member_id, wanted.sent_at, wanted.expires_at,
                                          day_start=wanted.day_start)
    if prompt is None:
        return ()
    return await _say_hello(claim, ctx, prompt)


@handlers.job_many(PROMPT)
async def run_prompts(items: Sequence[tuple[Claim, CheckinContext]]) -> list[Sequence[Action]]:
    """:func:`run_prompt` for a fan-out's group: the same decisions, in order, with every prompt
    row created by one statement. A member twice in the group (two schedules due together)
    is decided after the others, by :func:`run_prompt`, so the once-a-day check sees the first."""
    decided: list[Sequence[Action]] = [() for _ in items]
    wanted: dict[int, tuple[int, PromptWanted]] = {}
    again: list[int] = []
    for index, (claim, ctx) in enumerate(items):
        one = _wanted(claim, ctx)
        if one is None:
            continue
        if one.member_id in wanted:
            again.append(index)
        else:
            wanted[one.member_id] = (index, one)
    if wanted:
        created = await items[0][1].repo.create_prompts([one for _, one in wanted.values()])
        labels: dict[int, ButtonLabels] = {}
        for member_id, (index, _) in wanted.items():
            prompt = created.get(member_id)
            if prompt is None:
                continue
            claim, ctx = items[index]
            words = labels.get(ctx.community.id)
            if words is None:
                words = labels[ctx.community.id] = ButtonLabels.of(ctx)
            if delivery(ctx) == "dm":
                # The rows are written; the words are put together at delivery (Later).
                await _remind_later(claim, ctx, prompt)
                decided[index] = Later(partial(_direct_prompt, ctx, prompt, words))
            else:
                decided[index] = await _say_hello(claim, ctx, prompt, words)
    for index in again:
        decided[index] = await run_prompt(*items[index])
    return decided


def _wanted(claim: Claim, ctx: CheckinContext) -> PromptWanted | None:
    """The prompt this occurrence asks for, or None when nothing is to be sent (see
    :func:`run_prompt`; the once-a-day and pause checks are the repository's, in SQL)."""
    member = ctx.member
    if member is None or not enabled(ctx):
        return None
    if not member.reachable and delivery(ctx) == "dm":
        log.info("check-in for member %s not sent: their direct messages are closed", member.id)
        return None
    zone = zone_info(member_zone(ctx, member))
    local = claim.occurrence.astimezone(zone)
    return PromptWanted(
        member_id=member.id, sent_at=claim.occurrence,
        expires_at=claim.occurrence + timedelta(hours=expiry_hours(ctx)),
        day_start=datetime.combine(local.date(), time(0), tzinfo=zone),
    )


async def _say_hello(claim: Claim, ctx: CheckinContext, prompt: Prompt,
                     labels: ButtonLabels | None = None) -> Sequence[Action]:
    """The created prompt's actions, and its reminder when the community wants one."""
    member = ctx.member
    assert member is not None
    await _remind_later(claim, ctx, prompt)
    text = ctx.t("checkin.prompt.text", name=name_of(member))
    return await prompt_actions(ctx, member, prompt, text, labels)


async def _remind_later(claim: Claim, ctx: CheckinContext, prompt: Prompt) -> None:
    """Schedule the prompt's one reminder, when the community wants one."""
    member = ctx.member
    assert member is not None
    if reminder_on(ctx):
        after = timedelta(hours=ctx.settings.checkins.reminder_after_hours)
        if after < timedelta(hours=expiry_hours(ctx)):
            await ctx.store.jobs.upsert(
                kind=REMIND, subject=f"member:{member.id}", community_id=member.community_id,
                member_id=member.id, rule=None, zone="UTC", next_run=claim.occurrence + after,
                payload={"prompt": prompt.id},
            )


def _direct_prompt(ctx: CheckinContext, prompt: Prompt, labels: ButtonLabels) -> list[Action]:
    """The prompt as a direct message: what :func:`prompt_actions` gives for DM delivery,
    without touching the store."""
    member = ctx.member
    assert member is not None
    text = _with_goal(ctx, prompt, ctx.t("checkin.prompt.text", name=name_of(member)))
    return [_direct(ctx, member, text, prompt_buttons(ctx, prompt, labels))]


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
