"""``duty on``, ``duty off``, ``duty hours``, ``duty status`` and the limits behind them.

A stretch on duty ends by itself after ``[duty] max_stretch_minutes`` (default 2 h), with a kind
note, or when the supporter's regular hours end. Hours on duty in the supporter's own week are
counted from the stretches; reaching ``[duty] weekly_hours`` (default 12) brings one gentle
reminder that week. It is a soft cap: nobody is stopped from helping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import recurrence
from bot.actions import Action
from bot.answer import answer, quoted
from bot.events import CommandInvoked
from bot.feature import ArgSpec
from bot.features.duty.common import (
    clock_text,
    hours_text,
    is_supporter,
    job_supporter,
    private,
    week_of,
    zone_of,
)
from bot.features.duty.declare import AUTO_OFF, CAP, HOURS_START, DutyContext, handlers
from bot.features.duty.router import inside_hours
from bot.model import Claim, Member
from bot.store.db import from_db, to_db
from bot.windows import WindowError, format_spec, parse, parse_spec


async def week_so_far(ctx: DutyContext, member: Member) -> tuple[str, timedelta]:
    week, start, end = week_of(ctx.now, zone_of(ctx, member))
    return week, await ctx.repo.time_on_duty(member.id, start, min(end, ctx.now))


async def start_stretch(ctx: DutyContext, member: Member,
                        window_closes: datetime | None = None) -> None:
    """On duty from now, with the jobs that end the stretch and give the weekly reminder."""
    await ctx.repo.ensure(member.id, ctx.community.id)
    await ctx.repo.go_on(member.id, ctx.now)
    supporter = await ctx.repo.get(member.id)
    assert supporter is not None and supporter.since is not None
    longest = ctx.now + timedelta(minutes=ctx.settings.duty.max_stretch_minutes)
    ends, why = ((window_closes, "hours") if window_closes is not None and window_closes < longest
                 else (longest, "stretch"))
    await ctx.store.jobs.upsert(
        kind=AUTO_OFF, subject=f"member:{member.id}", community_id=ctx.community.id,
        member_id=member.id, rule=None, zone="UTC", next_run=ends,
        payload={"since": to_db(supporter.since), "why": why},
    )
    _, so_far = await week_so_far(ctx, member)
    left = timedelta(hours=ctx.settings.duty.weekly_hours) - so_far
    if timedelta(0) < left < ends - ctx.now:
        await ctx.store.jobs.upsert(
            kind=CAP, subject=f"member:{member.id}", community_id=ctx.community.id,
            member_id=member.id, rule=None, zone="UTC", next_run=ctx.now + left,
            payload={"since": to_db(supporter.since)},
        )


async def end_stretch(ctx: DutyContext, member: Member, *, by_itself: bool = False) -> bool:
    """Off duty now. ``by_itself``: the stretch's own job is ending it (that job stays, so its
    run is recorded; it does nothing once the stretch it was for is over)."""
    if not by_itself:
        await ctx.store.jobs.delete(AUTO_OFF, f"member:{member.id}")
    await ctx.store.jobs.delete(CAP, f"member:{member.id}")
    return await ctx.repo.go_off(member.id, ctx.now)


async def cap_line(ctx: DutyContext, member: Member) -> str:
    """The gentle weekly reminder, once a week, when the soft cap is reached."""
    week, so_far = await week_so_far(ctx, member)
    limit = ctx.settings.duty.weekly_hours
    if so_far < timedelta(hours=limit) or not await ctx.repo.note_cap(member.id, week):
        return ""
    return ctx.t("duty.cap_reached", hours=hours_text(so_far), limit=limit)


@handlers.command("duty on", "You're around to support others (for up to a couple of hours)")
async def duty_on(event: CommandInvoked, ctx: DutyContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    if not is_supporter(ctx, event):
        return answer(event, ctx.t("duty.not_supporter"))
    supporter = await ctx.repo.get(member.id)
    if supporter is not None and supporter.on_duty:
        return answer(event, ctx.t("duty.already_on"))
    await start_stretch(ctx, member)
    minutes = ctx.settings.duty.max_stretch_minutes
    text = ctx.t("duty.on", hours=hours_text(timedelta(minutes=minutes)))
    reminder = await cap_line(ctx, member)
    return answer(event, f"{text}\n\n{reminder}" if reminder else text)


@handlers.command("duty off", "You're stepping away: no more requests for now")
async def duty_off(event: CommandInvoked, ctx: DutyContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    if not await end_stretch(ctx, member):
        return answer(event, ctx.t("duty.already_off"))
    reminder = await cap_line(ctx, member)
    text = ctx.t("duty.off")
    return answer(event, f"{text}\n\n{reminder}" if reminder else text)


@handlers.command("duty hours", "Your regular duty hours (or off)", args=(
    ArgSpec(name="hours", description="e.g. 18:00-21:00, or off", max_length=11),
    ArgSpec(name="days", description="Only on these days, e.g. mon-fri (optional)",
            kind="days", required=False, max_length=40),
))
async def duty_hours(event: CommandInvoked, ctx: DutyContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    if not is_supporter(ctx, event):
        return answer(event, ctx.t("duty.not_supporter"))
    await ctx.repo.ensure(member.id, ctx.community.id)
    hours, days = event.args.get("hours", "").strip(), event.args.get("days")
    if hours.lower() == "off":
        await ctx.repo.set_hours(member.id, None)
        await ctx.store.jobs.delete(HOURS_START, f"member:{member.id}")
        return answer(event, ctx.t("duty.hours_off"))
    try:
        window = parse(hours, days)
    except WindowError:
        return answer(event, ctx.t("duty.bad_hours", value=quoted(hours)))
    spec = format_spec((window,))
    await ctx.repo.set_hours(member.id, spec)
    zone = zone_of(ctx, member)
    rule = recurrence.Recurrence(days=window.days, at=window.start)
    await ctx.store.jobs.upsert(
        kind=HOURS_START, subject=f"member:{member.id}", community_id=ctx.community.id,
        member_id=member.id, rule=recurrence.format(rule), zone=zone,
        next_run=recurrence.next_after(rule, zone, ctx.now),
    )
    text = ctx.t("duty.hours_set", hours=spec, zone=zone)
    supporter = await ctx.repo.get(member.id)
    closes = inside_hours(supporter, zone, ctx.now) if supporter is not None else None
    if closes is not None and supporter is not None and not supporter.on_duty:
        await start_stretch(ctx, member, closes)
        text += " " + ctx.t("duty.hours_now")
    return answer(event, text)


@handlers.command("duty status", "Your week as a supporter: time on duty, requests, limits")
async def duty_status(event: CommandInvoked, ctx: DutyContext) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    supporter = await ctx.repo.get(member.id)
    zone = zone_of(ctx, member)
    _, so_far = await week_so_far(ctx, member)
    limits = ctx.settings.duty
    load = (await ctx.repo.open_work([member.id], ctx.now - timedelta(hours=limits.open_hours))
            ).get(member.id, 0)
    lines = [ctx.t("duty.status_week", hours=hours_text(so_far), limit=limits.weekly_hours),
             ctx.t("duty.status_load", count=load, cap=limits.open_cap)]
    if supporter is not None and supporter.on_duty and supporter.since is not None:
        ends = await ctx.store.jobs.get(AUTO_OFF, f"member:{member.id}")
        until = ends.next_run if ends is not None and ends.next_run is not None else None
        lines.append(ctx.t("duty.status_on", since=clock_text(ctx, supporter.since, zone),
                           until=clock_text(ctx, until, zone) if until else "—"))
    else:
        lines.append(ctx.t("duty.status_off"))
    if supporter is not None and supporter.hours:
        lines.append(ctx.t("duty.status_hours", hours=format_spec(parse_spec(supporter.hours)),
                           zone=zone))
    return answer(event, "\n".join(lines))


@handlers.job(AUTO_OFF)
async def auto_off(claim: Claim, ctx: DutyContext) -> Sequence[Action]:
    """The stretch ends: after the longest stretch, with a kind note; at the end of regular
    hours, quietly. A stretch that already ended (``duty off``, a new ``duty on``) is left."""
    found = await job_supporter(ctx)
    if found is None:
        return ()
    member, supporter = found
    since = claim.job.payload.get("since")
    if (not supporter.on_duty or supporter.since is None
            or not isinstance(since, str) or from_db(since) != supporter.since):
        return ()
    await end_stretch(ctx, member, by_itself=True)
    if claim.job.payload.get("why") == "hours":
        return ()
    reminder = await cap_line(ctx, member)
    text = ctx.t("duty.auto_off", hours=hours_text(ctx.now - supporter.since))
    return (private(ctx, member, f"{text}\n\n{reminder}" if reminder else text),)


@handlers.job(CAP)
async def cap_reached(claim: Claim, ctx: DutyContext) -> Sequence[Action]:
    found = await job_supporter(ctx)
    if found is None or not found[1].on_duty:
        return ()
    reminder = await cap_line(ctx, found[0])
    return (private(ctx, found[0], reminder),) if reminder else ()


@handlers.job(HOURS_START)
async def hours_start(claim: Claim, ctx: DutyContext) -> Sequence[Action]:
    """Regular duty hours begin: on duty until they end (or the longest stretch)."""
    found = await job_supporter(ctx)
    if found is None or found[1].on_duty or not found[1].hours:
        return ()
    member, supporter = found
    closes = inside_hours(supporter, zone_of(ctx, member), ctx.now)
    if closes is None:
        return ()
    await start_stretch(ctx, member, closes)
    return ()
