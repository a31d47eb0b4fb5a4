"""The optional weekly group check-in thread: members answer in public, the bot only counts.

The weekly job opens a thread in the community's check-ins channel and first reports how many
people took part in last week's thread. Participation is counted from ``MessagePosted`` events
whose ``thread`` is the thread's ref (or its platform id, once an adapter reports it): who and
how many, never what anyone wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action, PostMessage, StartThread
from bot.events import MessagePosted
from bot.features.checkins.common import GROUP, community_zone, group_thread_on
from bot.features.checkins.declare import CheckinContext, handlers
from bot.model import Claim


async def ensure_group_job(ctx: CheckinContext) -> None:
    """Create or remove the community's weekly thread job to match its setting."""
    subject = f"community:{ctx.community.id}"
    if not group_thread_on(ctx):
        await ctx.store.jobs.delete(GROUP, subject)
        return
    from bot import recurrence

    rule = ctx.settings.checkins.group_thread_rule
    zone = community_zone(ctx)
    existing = await ctx.store.jobs.get(GROUP, subject)
    if existing is not None and existing.rule == rule and existing.zone == zone:
        return
    await ctx.store.jobs.upsert(
        kind=GROUP, subject=subject, community_id=ctx.community.id, member_id=None, rule=rule,
        zone=zone, next_run=recurrence.next_after(recurrence.parse(rule), zone, ctx.now),
    )


@handlers.job(GROUP, expiry=timedelta(hours=24))
async def run_group_thread(claim: Claim, ctx: CheckinContext) -> Sequence[Action]:
    if not group_thread_on(ctx):
        return ()
    channel = await ctx.store.channels.for_purpose(ctx.community.id, "checkins")
    if channel is None:
        return ()
    checkins = ctx.repo
    actions: list[Action] = []
    previous = await checkins.latest_group_threads(ctx.community.id, limit=1)
    if previous:
        people, posts = await checkins.group_participation(previous[0].id)
        actions.append(PostMessage(
            platform=ctx.platform, community=ctx.community.platform_id, channel=channel,
            text=ctx.t("checkin.group.summary", people=people, posts=posts),
        ))
    thread = await checkins.create_group_thread(ctx.community.id, channel, ctx.now)
    actions.append(StartThread(
        platform=ctx.platform, community=ctx.community.platform_id, channel=channel,
        title=ctx.t("checkin.group.title"), text=ctx.t("checkin.group.text"), ref=thread.ref,
    ))
    return actions


@handlers.event(MessagePosted)
async def count_message(event: MessagePosted, ctx: CheckinContext) -> Sequence[Action]:
    """Count a post in a group thread (the text is never looked at, let alone kept)."""
    if event.thread is None or event.actor.is_bot:
        return ()
    checkins = ctx.repo
    thread = await checkins.find_group_thread(ctx.community.id, event.thread)
    if thread is None:
        return ()
    member = ctx.member or await ctx.store.members.ensure(
        ctx.community.id, event.user, now=ctx.now
    )
    await checkins.record_group_post(thread.id, member.id, event.message_id)
    return ()
