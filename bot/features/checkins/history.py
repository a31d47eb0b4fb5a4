"""``checkin history``: the member's last 30 days as a sparkline and one gentle trend line.

Pure parts (:func:`sparkline`, :func:`trend`) are separate so they can be specified on their own.
A day without a mood (skipped, missed, or no check-in) is a gap, never a low score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.actions import Action
from bot.answer import answer
from bot.events import CommandInvoked
from bot.features.checkins.common import member_zone
from bot.features.checkins.declare import CheckinContext, handlers

DAYS = 30
BLOCKS = {1: "▁", 2: "▃", 3: "▄", 4: "▆", 5: "█"}
GAP = "·"
NOTES_SHOWN = 5


def sparkline(moods_by_day: Sequence[int | None]) -> str:
    """One character per day, oldest first: a block for a mood, a dot for no mood."""
    return "".join(GAP if mood is None else BLOCKS[mood] for mood in moods_by_day)


def trend(moods_by_day: Sequence[int | None]) -> str:
    """``"lighter"``, ``"heavier"``, ``"steady"`` or ``"too_few"``: the mean of the later half of
    the answers against the earlier half (at least four answers; days without one are ignored)."""
    answered = [m for m in moods_by_day if m is not None]
    if len(answered) < 4:
        return "too_few"
    half = len(answered) // 2
    early, late = answered[:half], answered[half:]
    change = sum(late) / len(late) - sum(early) / len(early)
    if change >= 0.5:
        return "lighter"
    if change <= -0.5:
        return "heavier"
    return "steady"


async def history_text(ctx: CheckinContext) -> str:
    member = ctx.member
    assert member is not None
    tz = ZoneInfo(member_zone(ctx, member))
    today = ctx.now.astimezone(tz).date()
    first = today - timedelta(days=DAYS - 1)
    prompts = await ctx.repo.prompts_since(member.id, ctx.now - timedelta(days=DAYS + 1))
    by_day: dict[date, int] = {}
    notes: list[tuple[date, str]] = []
    for prompt in prompts:
        day = prompt.sent_at.astimezone(tz).date()
        if day < first:
            continue
        if prompt.mood is not None:
            by_day[day] = prompt.mood  # a later check-in on the same day wins
        if prompt.note:
            notes.append((day, prompt.note))
    days = [by_day.get(first + timedelta(days=i)) for i in range(DAYS)]
    count = sum(1 for p in prompts if p.status == "answered"
                and p.sent_at.astimezone(tz).date() >= first)
    if count == 0:
        return ctx.t("checkin.history.none")
    lines = [
        ctx.t("checkin.history.header"),
        sparkline(days),
        ctx.t("checkin.history.legend"),
        ctx.t("checkin.history.count_one") if count == 1
        else ctx.t("checkin.history.count", count=count),
        ctx.t(f"checkin.history.trend.{trend(days)}"),
    ]
    if notes:
        lines.append(ctx.t("checkin.history.notes_header"))
        lines.extend(ctx.t("checkin.history.note_line", date=f"{day.day} {day:%b}", note=note)
                     for day, note in notes[-NOTES_SHOWN:])
    return "\n".join(lines)


@handlers.command("checkin history", "Your last 30 days, only for you")
async def history(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    return answer(event, await history_text(ctx))
