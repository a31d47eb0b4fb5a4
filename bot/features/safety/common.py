"""What every safety module shares: the settings that apply in a community, a member's region
and its resources, who counts as a moderator, and the audit line.

Why here: moderators can override the config's defaults with ``safety setup`` and members choose
their own region, so "what applies here" is decided in one place.
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Button, MessageLink
from bot.features.basics import ROLE_SETTING, channel_mention
from bot.features.safety.declare import ACK, SafetyContext
from bot.features.safety.settings import ACK_MINUTES, ALERT_TEXT, PERIOD, REGION, REPLY
from bot.model import Member

INTERNATIONAL = "international"
"""The region whose resources (a directory of helplines) go with every other region's."""
SYSTEM_ACTOR = "warmline"
"""Who the audit log says took a step Warmline took by itself: never the person at risk."""


def enabled(ctx: SafetyContext) -> bool:
    return ctx.settings.safety.enabled


def reply_mode(ctx: SafetyContext) -> str:
    return str(REPLY.effective(ctx.community, ctx.settings))


def reply_period(ctx: SafetyContext) -> timedelta:
    return timedelta(hours=int(PERIOD.effective(ctx.community, ctx.settings)))


def ack_minutes(ctx: SafetyContext) -> int:
    return int(ACK_MINUTES.effective(ctx.community, ctx.settings))


def alert_includes_text(ctx: SafetyContext) -> bool:
    return bool(ALERT_TEXT.effective(ctx.community, ctx.settings))


def regions(ctx: SafetyContext) -> list[str]:
    return list(ctx.settings.safety.resources)


def known_region(ctx: SafetyContext, typed: str | None) -> str | None:
    """The configured region ``typed`` names (any case), or None."""
    if not typed:
        return None
    wanted = typed.strip().casefold()
    return next((r for r in regions(ctx) if r.casefold() == wanted), None)


def community_region(ctx: SafetyContext) -> str:
    return (known_region(ctx, str(REGION.effective(ctx.community, ctx.settings)))
            or ctx.settings.safety.default_region)


async def region_of(ctx: SafetyContext, member: Member) -> str:
    """The member's own region (``safety region``), else the community's, else the config's."""
    own = (await ctx.repo.choices(member.id)).region
    return known_region(ctx, own) or community_region(ctx)


def resources_text(ctx: SafetyContext, region: str) -> str:
    """One or two resources, never a wall of numbers: the region's, then the directory."""
    resources = ctx.settings.safety.resources
    lines = [resources[r] for r in dict.fromkeys((region, INTERNATIONAL)) if r in resources]
    return "\n".join(f"• {line}" for line in lines or list(resources.values())[:1])


def roles(ctx: SafetyContext, kind: str) -> set[str]:
    """The roles that count as ``kind`` ("moderators", "supporters") here: the community's and
    the config's, read from where ``ROLE_SETTING`` says each kind is kept."""
    key = ROLE_SETTING[kind]
    configured = ctx.community.settings.get(key)
    found = {r for r in configured if isinstance(r, str)} if isinstance(configured, list) else set()
    return found | set(getattr(ctx.settings.community, key))


def ack_button(ctx: SafetyContext, detection_id: int) -> Button:
    return Button(action=ACK, value=str(detection_id), label=ctx.t("safety.alert.button"),
                  style="primary")


def link_of(payload: dict[str, object]) -> MessageLink | None:
    """The link an escalation job carries (ids only, kept until the alert is taken)."""
    channel, message_id = payload.get("channel"), payload.get("message_id")
    if not isinstance(channel, str) or not isinstance(message_id, str):
        return None
    thread = payload.get("thread")
    return MessageLink(channel=channel, message_id=message_id,
                       thread=thread if isinstance(thread, str) else None,
                       is_dm=bool(payload.get("is_dm")))


def where(ctx: SafetyContext, link: MessageLink | None, channel: str) -> str:
    """Where the message was, in words moderators read: a channel, or a private message."""
    if link is not None and link.is_dm:
        return ctx.t("safety.alert.where_dm")
    return channel_mention(channel)


async def audit(ctx: SafetyContext, action: str, detail: str, actor: str = SYSTEM_ACTOR) -> None:
    """One step in the audit log: ids and tiers only, never what anyone wrote."""
    await ctx.store.audit.record(ctx.community.id, actor, action, detail, ctx.now)
