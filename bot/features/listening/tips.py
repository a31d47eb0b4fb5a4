"""An optional weekly listening tip in the supporters' channel, from the catalogue.

A recurring job per community, created or removed to match the setting (``weekly_tips``) when
the community is first seen and whenever a moderator changes it. The tip follows the ISO week, so
every community sees the same one in a week and supporters meet each tip in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot import recurrence
from bot.actions import Action, PostMessage
from bot.config.timezones import valid_zone
from bot.features.listening.declare import TIPS, ListeningContext, handlers
from bot.features.listening.settings import enabled, weekly_tips
from bot.model import Claim

TIP_COUNT = 8
"""Tips ``listening.tips.1`` … ``listening.tips.8`` in the catalogue."""


async def ensure_tips_job(ctx: ListeningContext) -> None:
    subject = f"community:{ctx.community.id}"
    if not (enabled(ctx) and weekly_tips(ctx)):
        await ctx.store.jobs.delete(TIPS, subject)
        return
    rule = ctx.settings.listening.weekly_tips_rule
    own = ctx.community.settings.get("timezone")
    zone = own if isinstance(own, str) and valid_zone(own) else ctx.settings.community.default_timezone
    existing = await ctx.store.jobs.get(TIPS, subject)
    if existing is not None and existing.rule == rule and existing.zone == zone:
        return
    await ctx.store.jobs.upsert(
        kind=TIPS, subject=subject, community_id=ctx.community.id, member_id=None, rule=rule,
        zone=zone, next_run=recurrence.next_after(recurrence.parse(rule), zone, ctx.now))


@handlers.job(TIPS, expiry=timedelta(hours=24))
async def weekly_tip(claim: Claim, ctx: ListeningContext) -> Sequence[Action]:
    if not (enabled(ctx) and weekly_tips(ctx)):
        return ()
    channel = await ctx.store.channels.for_purpose(ctx.community.id, "supporters")
    if channel is None:
        return ()
    week = claim.occurrence.isocalendar().week
    return [PostMessage(platform=ctx.platform, community=ctx.community.platform_id,
                        channel=channel, text=ctx.t(f"listening.tips.{week % TIP_COUNT + 1}"))]
