"""``checkin insights`` for moderators: the community's last closed week in aggregate, never a
person.

Why it is built this way (the threat model is in ``docs/checkins.md``): a moderator must not be able
to work out one member's mood, neither from one view nor by comparing two.

* **Closed periods only.** The view is the last whole week (Monday 00:00 to Monday 00:00 in the
  community's timezone) that has ended. No answer can land in it any more, and its totals are
  stored the first time anyone looks (``insight_period``), so every view of that week is the same
  whenever it is taken: looking before and after someone answers tells nothing.
* **A minimum group.** Numbers appear only when at least ``max(3, insights_min_answers)`` members
  answered in that week, so a small group's totals cannot point at anyone.
* **No exact counts when one answer covers everyone.** If every mood in the week has the same
  value, the totals would tell each person's answer, so the view says so in words instead.
* **No small cells.** A mood given once or twice is shown as "a few", and then no total is shown
  either, so the hidden count cannot be worked out by subtraction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.features.checkins.common import community_zone
from bot.features.checkins.declare import CheckinContext
from bot.features.checkins.repo import InsightPeriod

FLOOR = 3
"""The smallest group, and the smallest mood count, ever shown as an exact number."""
MOODS = (5, 4, 3, 2, 1)


def threshold(ctx: CheckinContext) -> int:
    value = ctx.community.settings.get("checkin_insights_min_answers")
    configured = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return max(FLOOR, ctx.settings.checkins.insights_min_answers, configured)


def closed_week(now: datetime, zone: str) -> tuple[str, datetime, datetime]:
    """The last whole week that has ended at ``now``, in ``zone``: its name (the ISO week of its
    Monday, ``2026-W02``), its start and its end (the next Monday 00:00 local, exclusive).

    Local midnights are built with ``zoneinfo``, so a week with a DST change is 167 or 169 hours
    long and still runs from Monday to Monday on the community's clocks.
    """
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    this_monday = today - timedelta(days=today.weekday())
    monday = this_monday - timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", _midnight(monday, tz), _midnight(this_monday, tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


async def insights_text(ctx: CheckinContext) -> str:
    zone = community_zone(ctx)
    name, starts_at, ends_at = closed_week(ctx.now, zone)
    period = await ctx.repo.insight_period(ctx.community.id, name, starts_at, ends_at)
    minimum = threshold(ctx)
    if period.members < minimum:
        return ctx.t("checkin.insights.too_few", min=minimum)
    return "\n".join(_shown(ctx, period, zone, minimum))


def _shown(ctx: CheckinContext, period: InsightPeriod, zone: str, minimum: int) -> list[str]:
    tz = ZoneInfo(zone)
    first = period.starts_at.astimezone(tz)
    last = (period.ends_at.astimezone(tz) - timedelta(days=1))
    lines = [ctx.t("checkin.insights.header", start=f"{first:%A} {first.day} {first:%B}",
                   end=f"{last:%A} {last.day} {last:%B}")]
    given = [mood for mood in MOODS if period.moods.get(mood, 0) > 0]
    if len(given) <= 1:
        # One value holds every answer: any count would say how each person felt.
        lines.append(ctx.t("checkin.insights.members", members=period.members,
                           prompted=period.prompted))
        lines.append(ctx.t("checkin.insights.uniform"))
        return lines
    small = any(0 < period.moods.get(mood, 0) < FLOOR for mood in MOODS)
    if small:
        lines.append(ctx.t("checkin.insights.enough", min=minimum))
    else:
        lines.append(ctx.t("checkin.insights.participation", members=period.members,
                           prompted=period.prompted, answers=period.answers,
                           skips=period.skips))
    for mood in MOODS:
        count = period.moods.get(mood, 0)
        shown = ctx.t("checkin.insights.few") if 0 < count < FLOOR else str(count)
        lines.append(ctx.t("checkin.insights.mood_line", emoji=ctx.t(f"checkin.mood.{mood}.emoji"),
                           label=ctx.t(f"checkin.mood.{mood}.label"), count=shown))
    if small:
        lines.append(ctx.t("checkin.insights.few_note"))
    return lines
