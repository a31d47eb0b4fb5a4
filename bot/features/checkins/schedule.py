"""Turning an enrolment into durable jobs: one recurring ``checkin.prompt`` job per schedule.

Why jobs per member: each member's 09:00 is a different UTC instant (their own zone), and the
store's recurring jobs already keep "09:00 local" across DST and coalesce missed occurrences.
"""

from __future__ import annotations

from datetime import datetime

from bot import recurrence
from bot.features.checkins.common import MAX_SCHEDULES, PROMPT, REMIND, RESUME, member_zone, schedules
from bot.features.checkins.declare import CheckinContext
from bot.features.checkins.repo import Enrolment
from bot.model import Member
from bot.store.base import Store


def subject(member_id: int, index: int) -> str:
    return f"member:{member_id}:{index}"


def rules_for(ctx: CheckinContext, enrolment: Enrolment) -> list[str]:
    """The member's own rule, or every community schedule."""
    return [enrolment.rule] if enrolment.rule else schedules(ctx)


async def schedule_member(ctx: CheckinContext, member: Member, enrolment: Enrolment) -> datetime | None:
    """(Re)create the member's prompt jobs; return the next check-in instant."""
    zone = member_zone(ctx, member)
    rules = rules_for(ctx, enrolment)[:MAX_SCHEDULES]
    following: list[datetime] = []
    for index, text in enumerate(rules):
        when = recurrence.next_after(recurrence.parse(text), zone, ctx.now)
        await ctx.store.jobs.upsert(
            kind=PROMPT, subject=subject(member.id, index), community_id=member.community_id,
            member_id=member.id, rule=text, zone=zone, next_run=when,
        )
        following.append(when)
    for index in range(len(rules), MAX_SCHEDULES):
        await ctx.store.jobs.delete(PROMPT, subject(member.id, index))
    return min(following, default=None)


async def next_prompt(store: Store, member_id: int) -> datetime | None:
    """When the member's next prompt is due (from the jobs themselves)."""
    times: list[datetime] = []
    for index in range(MAX_SCHEDULES):
        job = await store.jobs.get(PROMPT, subject(member_id, index))
        if job is not None and job.next_run is not None:
            times.append(job.next_run)
    return min(times, default=None)


async def unschedule_member(store: Store, member_id: int) -> None:
    """Cancel every check-in job about the member (prompts, reminder, automatic resume)."""
    for index in range(MAX_SCHEDULES):
        await store.jobs.delete(PROMPT, subject(member_id, index))
    await store.jobs.delete(REMIND, f"member:{member_id}")
    await store.jobs.delete(RESUME, f"member:{member_id}")
