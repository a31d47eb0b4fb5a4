"""Small helpers every check-in module shares: effective settings, zones, replies, times.

Why here: a community's moderators can override the config defaults with ``checkin setup``
(stored in the community's settings under ``checkin_*`` keys), so "what applies here" must be
decided in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import recurrence
from bot.actions import Action, Button, Respond, SendDirect
from bot.events import Event
from bot.feature import Context
from bot.features.checkins.repo import CheckinRepo, checkin_repo
from bot.model import Member

PROMPT = "checkin.prompt"
REMIND = "checkin.remind"
RESUME = "checkin.resume"
REACHOUT = "checkin.reachout"
GROUP = "checkin.group"
MAX_SCHEDULES = 7
"""A community may set up to seven schedules; member job subjects are ``member:<id>:<n>``."""

# Settings keys moderators set per community (override the config defaults).
KEY_SCHEDULES = "checkin_schedules"
KEY_DELIVERY = "checkin_delivery"
KEY_EXPIRY = "checkin_expiry_hours"
KEY_REMINDER = "checkin_reminder"
KEY_GROUP = "checkin_group_thread"


def repo(ctx: Context) -> CheckinRepo:
    return checkin_repo(ctx.store)


def enabled(ctx: Context) -> bool:
    return ctx.settings.checkins.enabled


def schedules(ctx: Context) -> list[str]:
    """The community's schedules (canonical rule texts), or the config's."""
    value = ctx.community.settings.get(KEY_SCHEDULES)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return list(ctx.settings.checkins.schedules)


def allowed_days(ctx: Context) -> frozenset[int]:
    days: set[int] = set()
    for text in schedules(ctx):
        days |= recurrence.parse(text).days
    return frozenset(days)


def delivery(ctx: Context) -> str:
    value = ctx.community.settings.get(KEY_DELIVERY)
    return value if value in {"dm", "thread"} else ctx.settings.checkins.delivery


def expiry_hours(ctx: Context) -> int:
    value = ctx.community.settings.get(KEY_EXPIRY)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 48:
        return value
    return ctx.settings.checkins.prompt_expiry_hours


def reminder_on(ctx: Context) -> bool:
    value = ctx.community.settings.get(KEY_REMINDER)
    return value if isinstance(value, bool) else ctx.settings.checkins.reminder


def group_thread_on(ctx: Context) -> bool:
    value = ctx.community.settings.get(KEY_GROUP)
    return value if isinstance(value, bool) else ctx.settings.checkins.group_thread


def community_zone(ctx: Context) -> str:
    zone = ctx.community.settings.get("timezone")
    if isinstance(zone, str) and valid_zone(zone):
        return zone
    return ctx.settings.community.default_timezone


def member_zone(ctx: Context, member: Member) -> str:
    """The member's own zone, else the community's, else the config default."""
    if member.timezone and valid_zone(member.timezone):
        return member.timezone
    return community_zone(ctx)


def valid_zone(zone: str) -> bool:
    if not zone.strip():
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def supporter_roles(ctx: Context) -> set[str]:
    configured = ctx.community.settings.get("supporter_roles")
    roles = {r for r in configured if isinstance(r, str)} if isinstance(configured, list) else set()
    return roles | set(ctx.settings.community.supporter_roles)


def name_of(member: Member) -> str:
    return member.display_name or member.platform_user_id


def when_text(ctx: Context, instant: datetime | None, zone: str) -> str:
    """A next-check-in time in the person's own zone, e.g. "Tuesday 6 January at 09:00"."""
    if instant is None:
        return ctx.t("checkin.when_unknown")
    local = instant.astimezone(ZoneInfo(zone))
    return ctx.t(
        "checkin.when", day=f"{local:%A} {local.day} {local:%B}", time=f"{local:%H:%M}", zone=zone
    )


def reply(event: Event, ctx: Context, text: str,
          buttons: Sequence[Button] = ()) -> list[Action]:
    """A private answer to whoever acted: ``Respond`` when there is an interaction to answer,
    else a direct message."""
    interaction = getattr(event, "interaction", None)
    if interaction:
        return [Respond(platform=event.platform, community=event.community, recipient=event.user,
                        interaction=interaction, text=text, buttons=tuple(buttons))]
    return [SendDirect(platform=event.platform, community=event.community, recipient=event.user,
                       user=event.user, text=text, buttons=tuple(buttons))]


def split_value(value: str) -> tuple[int, str] | None:
    """``"<id>:<rest>"`` (or just ``"<id>"``) → (id, rest); None when malformed."""
    head, _, rest = value.partition(":")
    if not head.isdigit():
        return None
    return int(head), rest
