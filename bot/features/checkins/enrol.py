"""Consent and personal settings: join, leave, timezone, time, pause and resume.

Joining is always the member's own act (a command or their own tap on an invitation); leaving is
one step that cancels every job at once. Every answer is private.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import recurrence
from bot.actions import Action, EditMessage, PostMessage
from bot.answer import answer, quoted
from bot.config import timezone_suggestions
from bot.config.timezones import valid_zone
from bot.events import CommandInvoked, Event, MemberLeft
from bot.feature import ArgSpec
from bot.features.checkins.common import (
    REACHOUT,
    RESUME,
    allowed_days,
    enabled,
    member_zone,
    reach_channel,
    when_text,
)
from bot.features.checkins.declare import JOIN, CheckinContext, handlers
from bot.features.checkins.group import ensure_group_job
from bot.features.checkins.schedule import next_prompt, schedule_member, unschedule_member
from bot.model import Member
from bot.numbers import small_int

MAX_PAUSE_DAYS = 90
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


@handlers.button(JOIN, creates_member=True)
@handlers.command("checkin join",
                  "Start receiving check-ins (you can leave any time)")
async def join(event: Event, ctx: CheckinContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    if not enabled(ctx):
        return answer(event, ctx.t("checkin.join.disabled"))
    checkins = ctx.repo
    enrolment, created = await checkins.enrol(member.id, ctx.community.id, ctx.now)
    if not created:
        following = await next_prompt(ctx.store, member.id)
        if following is None:
            # Enrolled but nothing scheduled (an older crash between the two writes): repair.
            following = await schedule_member(ctx, member, enrolment)
        when = when_text(ctx, following, member_zone(ctx, member))
        return answer(event, ctx.t("checkin.join.already", when=when))
    following = await schedule_member(ctx, member, enrolment)
    await ensure_group_job(ctx)
    zone = member_zone(ctx, member)
    text = "\n".join((
        ctx.t("checkin.join.welcome", when=when_text(ctx, following, zone), zone=zone),
        ctx.t("checkin.join.what" if ctx.repo.keeps_text else "checkin.join.what_without_notes"),
        ctx.t("checkin.join.who"),
        ctx.t("checkin.join.delete"),
    ))
    return answer(event, text)


@handlers.command("checkin leave", "Stop check-ins, in one step")
async def leave(event: Event, ctx: CheckinContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    enrolled, withdrawn = await withdraw(ctx, member)
    if not enrolled:
        return answer(event, ctx.t("checkin.leave.not_enrolled"))
    return [*answer(event, ctx.t("checkin.leave.done")), *withdrawn]


@handlers.event(MemberLeft)
async def member_left(event: MemberLeft, ctx: CheckinContext) -> Sequence[Action]:
    """The platform says the member left the community: their check-ins stop, as if they had
    left check-ins themselves, and any request they made is withdrawn."""
    member = await ctx.store.members.find(ctx.community.id, event.user)
    if member is None:
        return ()
    _, withdrawn = await withdraw(ctx, member)
    return withdrawn


async def withdraw(ctx: CheckinContext, member: Member) -> tuple[bool, list[Action]]:
    """Stop everything pending about ``member``: their jobs, their enrolment, and any open
    request for someone to reach out (whose posts are edited to say, with no name, that it is
    no longer open, and lose their button). Returns (were they enrolled, those edits)."""
    await unschedule_member(ctx.store, member.id)
    enrolled = await ctx.repo.leave(member.id)
    notes: list[Action] = []
    for reachout, posts in await ctx.repo.withdraw_reachouts(member.id):
        await ctx.store.jobs.delete(REACHOUT, f"reachout:{reachout.id}")
        await ctx.router.done("reachout", f"reachout:{reachout.id}", ctx)
        text = ctx.t("checkin.reachout.withdrawn")
        notes.extend(EditMessage(platform=ctx.platform, community=ctx.community.platform_id,
                                 channel=channel, message_id=message_id, text=text)
                     for channel, message_id in posts)
        if not posts and (channel := await reach_channel(ctx)) is not None:
            # The platform never told us where it went: say it in the channel instead.
            notes.append(PostMessage(platform=ctx.platform, community=ctx.community.platform_id,
                                     channel=channel, text=text))
    return enrolled, notes


@handlers.command("checkin timezone", "Set your timezone for check-ins",
                  args=(ArgSpec(name="zone", description="e.g. Europe/London", kind="timezone"),))
async def timezone(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    zone = event.args.get("zone", "").strip()
    if not valid_zone(zone):
        suggestions = timezone_suggestions(zone)
        if suggestions:
            return answer(event, ctx.t("checkin.timezone.unknown", value=quoted(zone),
                                           suggestions=", ".join(suggestions)))
        return answer(event, ctx.t("checkin.timezone.unknown_no_match", value=quoted(zone)))
    member = await ctx.store.members.update(member.id, timezone=zone)
    local = ctx.now.astimezone(ZoneInfo(zone))
    enrolment = await ctx.repo.enrolment(member.id)
    if enrolment is None:
        return answer(event, ctx.t("checkin.timezone.set", zone=zone,
                                       local_time=f"{local:%H:%M}"))
    following = await schedule_member(ctx, member, enrolment)
    return answer(event, ctx.t("checkin.timezone.set_enrolled", zone=zone,
                                   local_time=f"{local:%H:%M}",
                                   when=when_text(ctx, following, zone)))


@handlers.command(
    "checkin time", "Choose your own check-in time and days",
    args=(ArgSpec(name="time", description="HH:MM, 24-hour clock (or 'default')", kind="time"),
          ArgSpec(name="days", description="e.g. mon-fri or mon,wed,fri", kind="days",
                  required=False)),
)
async def set_time(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    checkins = ctx.repo
    enrolment = await checkins.enrolment(member.id)
    if enrolment is None:
        return answer(event, ctx.t("checkin.time.not_enrolled"))
    at = event.args.get("time", "").strip()
    days_text = event.args.get("days", "").strip()
    if at.lower() in {"default", "reset"}:
        await checkins.set_rule(member.id, None)
        enrolment = await checkins.enrolment(member.id)
        assert enrolment is not None
        following = await schedule_member(ctx, member, enrolment)
        zone = member_zone(ctx, member)
        return answer(event, ctx.t("checkin.time.reset",
                                       when=when_text(ctx, following, zone)))
    try:
        if not _TIME.match(at):
            raise recurrence.RecurrenceError("not HH:MM")
        recurrence.parse(f"daily {at}")
    except recurrence.RecurrenceError:
        return answer(event, ctx.t("checkin.time.bad", value=quoted(at)))
    allowed = allowed_days(ctx)
    allowed_text = recurrence.format(recurrence.Recurrence(days=allowed, at=recurrence.parse(
        f"daily {at}").at)).rsplit(" ", 1)[0]
    try:
        rule = recurrence.parse(f"{days_text or allowed_text} {at}")
    except recurrence.RecurrenceError:
        return answer(event, ctx.t("checkin.time.bad_days", value=quoted(days_text)))
    if not rule.days <= allowed:
        return answer(event, ctx.t("checkin.time.outside", allowed=allowed_text))
    text = recurrence.format(rule)
    await checkins.set_rule(member.id, text)
    enrolment = await checkins.enrolment(member.id)
    assert enrolment is not None
    following = await schedule_member(ctx, member, enrolment)
    zone = member_zone(ctx, member)
    return answer(event, ctx.t("checkin.time.set", rule=text, zone=zone,
                                   when=when_text(ctx, following, zone)))


@handlers.command("checkin pause", "Pause check-ins for a few days",
                  args=(ArgSpec(name="days", description="How many days (1-90)", kind="int"),))
async def pause(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    checkins = ctx.repo
    if await checkins.enrolment(member.id) is None:
        return answer(event, ctx.t("checkin.pause.not_enrolled"))
    raw = event.args.get("days", "").strip()
    days = small_int(raw, max_digits=3)
    if days is None or not 1 <= days <= MAX_PAUSE_DAYS:
        return answer(event, ctx.t("checkin.pause.bad", value=quoted(raw), max=MAX_PAUSE_DAYS))
    until = ctx.now + timedelta(days=days)
    await checkins.set_pause(member.id, until)
    await ctx.store.jobs.upsert(
        kind=RESUME, subject=f"member:{member.id}", community_id=member.community_id,
        member_id=member.id, rule=None, zone="UTC", next_run=until,
    )
    zone = member_zone(ctx, member)
    local = until.astimezone(ZoneInfo(zone))
    return answer(event, ctx.t("checkin.pause.done", days=days,
                                   until=f"{local:%A} {local.day} {local:%B}"))


@handlers.command("checkin resume", "Start check-ins again before the pause ends")
async def resume(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    checkins = ctx.repo
    enrolment = await checkins.enrolment(member.id)
    if enrolment is None:
        return answer(event, ctx.t("checkin.pause.not_enrolled"))
    if enrolment.paused_until is None or enrolment.paused_until <= ctx.now:
        return answer(event, ctx.t("checkin.pause.not_paused"))
    await checkins.set_pause(member.id, None)
    await ctx.store.jobs.delete(RESUME, f"member:{member.id}")
    when = when_text(ctx, await next_prompt(ctx.store, member.id), member_zone(ctx, member))
    return answer(event, ctx.t("checkin.pause.resumed", when=when))
