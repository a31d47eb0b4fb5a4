"""What the duty modules share: who counts as a supporter, weeks in a person's own zone, and
the times a supporter reads."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.actions import Button, SendDirect
from bot.durations import format_duration
from bot.events import Event
from bot.features.duty.declare import DutyContext
from bot.features.duty.repo import Supporter
from bot.model import Member
from bot.people import member_zone, supporter_roles


def is_supporter(ctx: DutyContext, event: Event) -> bool:
    actor_roles = getattr(getattr(event, "actor", None), "roles", ())
    roles = set(actor_roles) | set(ctx.member.roles if ctx.member else ())
    return ctx.is_moderator or bool(roles & supporter_roles(ctx.community, ctx.settings))


def zone_of(ctx: DutyContext, member: Member) -> str:
    return member_zone(member, ctx.community, ctx.settings)


def week_of(instant: datetime, zone: str) -> tuple[str, datetime, datetime]:
    """The person's local week (Monday to Monday) holding ``instant``: its name and bounds."""
    tz = ZoneInfo(zone)
    local = instant.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", start, end


def hours_text(delta: timedelta) -> str:
    """``5h20m``, rounded to the minute."""
    return format_duration(timedelta(minutes=int(delta.total_seconds() // 60)))


def clock_text(ctx: DutyContext, instant: datetime, zone: str) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    if local.date() == ctx.now.astimezone(ZoneInfo(zone)).date():
        return f"{local:%H:%M}"
    return ctx.t("duty.when", day=f"{local:%A}", time=f"{local:%H:%M}")


async def job_supporter(ctx: DutyContext) -> tuple[Member, Supporter] | None:
    """The member a duty job is for and their duty row; None when either is gone (a job for
    someone who deleted their data does nothing)."""
    member = ctx.member
    if member is None:
        return None
    supporter = await ctx.repo.get(member.id)
    return None if supporter is None else (member, supporter)


def private(ctx: DutyContext, member: Member, text: str,
            buttons: tuple[Button, ...] = ()) -> SendDirect:
    """A direct message to a supporter about their own duty (it passes the quiet-hours gate)."""
    return SendDirect(platform=ctx.platform, community=ctx.community.platform_id,
                      recipient=member.platform_user_id, user=member.platform_user_id,
                      text=text, buttons=buttons)
