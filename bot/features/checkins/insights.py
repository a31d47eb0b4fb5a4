"""``checkin insights`` for moderators: the community's week in aggregate, never a person.

Numbers appear only when at least ``max(3, insights_min_answers)`` members answered, so a small
group's totals cannot point at anyone.
"""

from __future__ import annotations

from datetime import timedelta

from bot.features.checkins.declare import CheckinContext

FLOOR = 3


def threshold(ctx: CheckinContext) -> int:
    value = ctx.community.settings.get("checkin_insights_min_answers")
    configured = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return max(FLOOR, ctx.settings.checkins.insights_min_answers, configured)


async def insights_text(ctx: CheckinContext) -> str:
    checkins = ctx.repo
    week = await checkins.community_week(ctx.community.id, ctx.now - timedelta(days=7))
    minimum = threshold(ctx)
    if week.members_answered < minimum:
        return ctx.t("checkin.insights.too_few", min=minimum)
    enrolled = await checkins.enrolled_count(ctx.community.id)
    lines = [
        ctx.t("checkin.insights.header"),
        ctx.t("checkin.insights.participation", members=week.members_answered,
              enrolled=enrolled, answers=week.answers, skips=week.skips),
    ]
    for mood in (5, 4, 3, 2, 1):
        lines.append(ctx.t("checkin.insights.mood_line", emoji=ctx.t(f"checkin.mood.{mood}.emoji"),
                           label=ctx.t(f"checkin.mood.{mood}.label"),
                           count=week.moods.get(mood, 0)))
    threads = await checkins.latest_group_threads(ctx.community.id, limit=1)
    if threads:
        people, posts = await checkins.group_participation(threads[0].id)
        lines.append(ctx.t("checkin.insights.group", people=people, posts=posts))
    return "\n".join(lines)
