"""Small helpers every check-in module shares: effective settings, zones, replies, times.

Why here: a community's moderators can override the config defaults with ``checkin setup``
(stored in the community's settings under ``checkin_*`` keys), so "what applies here" must be
decided in one place.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import recurrence
from bot.config.timezones import valid_zone
from bot.features import roles
from bot.features.checkins.declare import CheckinContext
from bot.features.checkins.settings import DELIVERY, EXPIRY, GROUP_THREAD, REMINDER, SCHEDULES
from bot.model import Member
from bot.names import mention as platform_mention
from bot.names import safe_name
from bot.numbers import small_int

PROMPT = "checkin.prompt"
REMIND = "checkin.remind"
RESUME = "checkin.resume"
REACHOUT = "checkin.reachout"
GROUP = "checkin.group"
MAX_SCHEDULES = 7
"""A community may set up to seven schedules; member job subjects are ``member:<id>:<n>``."""

def enabled(ctx: CheckinContext) -> bool:
    return ctx.settings.checkins.enabled


def schedules(ctx: CheckinContext) -> list[str]:
    """The community's schedules (canonical rule texts), or the config's."""
    return list(SCHEDULES.effective(ctx.community, ctx.settings) or ctx.settings.checkins.schedules)


def allowed_days(ctx: CheckinContext) -> frozenset[int]:
    days: set[int] = set()
    for text in schedules(ctx):
        days |= recurrence.parse(text).days
    return frozenset(days)


def delivery(ctx: CheckinContext) -> str:
    return str(DELIVERY.effective(ctx.community, ctx.settings))


def expiry_hours(ctx: CheckinContext) -> int:
    return int(EXPIRY.effective(ctx.community, ctx.settings))


def reminder_on(ctx: CheckinContext) -> bool:
    return bool(REMINDER.effective(ctx.community, ctx.settings))


def group_thread_on(ctx: CheckinContext) -> bool:
    return bool(GROUP_THREAD.effective(ctx.community, ctx.settings))


def community_zone(ctx: CheckinContext) -> str:
    zone = ctx.community.settings.get("timezone")
    if isinstance(zone, str) and valid_zone(zone):
        return zone
    return ctx.settings.community.default_timezone


def member_zone(ctx: CheckinContext, member: Member) -> str:
    """The member's own zone, else the community's, else the config default."""
    if member.timezone and valid_zone(member.timezone):
        return member.timezone
    return community_zone(ctx)


async def reach_channel(ctx: CheckinContext) -> str | None:
    """Where a request for someone to reach out goes: the supporters' channel, else the
    moderators'. None when neither is set: then nobody would hear it, so nothing is offered."""
    for purpose in ("supporters", "moderators"):
        channel = await ctx.store.channels.for_purpose(ctx.community.id, purpose)
        if channel is not None:
            return channel
    return None


def supporter_roles(ctx: CheckinContext) -> set[str]:
    return roles.supporter_roles(ctx.community, ctx.settings)


def name_of(member: Member) -> str:
    """The member's display name as plain text, made safe to print."""
    return safe_name(member.display_name)


def mention(member: Member) -> str:
    """The member named to others: the platform's mention, never a spoofable display name."""
    return platform_mention(member.platform_user_id)


def when_text(ctx: CheckinContext, instant: datetime | None, zone: str) -> str:
    """A next-check-in time in the person's own zone, e.g. "Tuesday 6 January at 09:00"."""
    if instant is None:
        return ctx.t("checkin.when_unknown")
    local = instant.astimezone(ZoneInfo(zone))
    return ctx.t(
        "checkin.when", day=f"{local:%A} {local.day} {local:%B}", time=f"{local:%H:%M}", zone=zone
    )


def split_value(value: str) -> tuple[int, str] | None:
    """``"<id>:<rest>"`` (or just ``"<id>"``) → (id, rest); None when malformed."""
    head, _, rest = value.partition(":")
    number = small_int(head)
    return None if number is None else (number, rest)
