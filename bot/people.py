"""What every feature and the delivery pipeline ask about a person: their zone and what holds
them back (quiet hours, snooze, do-not-disturb).

Why here: the gate, the router and each feature's "your quiet hours end at 07:00" must read a
person's settings the same way; a feature module cannot be that place, since features do not
import each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config.timezones import valid_zone
from bot.model import Community, Member
from bot.quiet import Hold
from bot.windows import Window, WindowError, parse_spec

if TYPE_CHECKING:
    from bot.config import Settings

QUIET_DEFAULT = "quiet_hours"
"""The community setting (``quiet setup``) holding the default quiet hours, as a spec."""


def community_zone(community: Community, settings: Settings) -> str:
    zone = community.settings.get("timezone")
    if isinstance(zone, str) and valid_zone(zone):
        return zone
    return settings.community.default_timezone


def member_zone(member: Member, community: Community, settings: Settings) -> str:
    """The member's own zone, else the community's, else the config default."""
    if member.timezone and valid_zone(member.timezone):
        return member.timezone
    return community_zone(community, settings)


def windows_of(spec: object) -> tuple[Window, ...]:
    """A stored spec → windows; a damaged one holds nobody back rather than failing a send."""
    if not isinstance(spec, str) or not spec.strip():
        return ()
    try:
        return parse_spec(spec)
    except WindowError:
        return ()


def quiet_windows(member: Member, community: Community) -> tuple[Window, ...]:
    """The member's own quiet hours, else the community's default (``"off"``: none at all)."""
    if member.quiet_hours == "off":
        return ()
    if member.quiet_hours:
        return windows_of(member.quiet_hours)
    return windows_of(community.settings.get(QUIET_DEFAULT))


def hold_of(member: Member, community: Community, settings: Settings) -> Hold:
    return Hold(zone=member_zone(member, community, settings),
                windows=quiet_windows(member, community),
                snoozed_until=member.snoozed_until, dnd_until=member.dnd_until)


def supporter_roles(community: Community, settings: Settings) -> set[str]:
    configured = community.settings.get("supporter_roles")
    roles = {r for r in configured if isinstance(r, str)} if isinstance(configured, list) else set()
    return roles | set(settings.community.supporter_roles)
