"""The one router for supporter work (the ``bot.routing`` seam), with duty, quiet hours and load.

A supporter is asked only when all of these hold:

- they are on duty (``duty on``, or their regular duty hours began: a job turns them on);
- they are not the person the request is about;
- they are outside their quiet hours, snooze and do-not-disturb (``bot.quiet``);
- they carry fewer pieces of work than the cap (``[duty] open_cap``).

Among those, the least recently asked come first (never asked before anyone), so the same kind
volunteer is not asked every time. When nobody is available the request goes to the fallback,
the moderators' channel (else the supporters' channel with nobody mentioned), never nowhere, and
the answer says when someone is likely around: the next start of anyone's regular duty hours.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.actions import Action, SendDirect
from bot.feature import Context
from bot.features.duty.declare import CARE
from bot.features.duty.repo import DutyRepo, Supporter
from bot.model import Member
from bot.names import message_link
from bot.people import hold_of, member_zone, windows_of
from bot.quiet import held_until
from bot.routing import Routed, SupportRequest, post_to_channel
from bot.windows import next_opening, quiet_until

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def next_duty_start(supporter: Supporter, zone: str, now: datetime) -> datetime | None:
    """When this supporter's regular duty hours next begin (None without regular hours)."""
    starts = [t for w in windows_of(supporter.hours)
              if (t := next_opening(w, zone, now)) is not None]
    return min(starts, default=None)


def inside_hours(supporter: Supporter, zone: str, now: datetime) -> datetime | None:
    """When the regular duty window ``now`` falls in closes, or None outside every one."""
    for window in windows_of(supporter.hours):
        closes = quiet_until(window, zone, now)
        if closes is not None:
            return closes
    return None


class DutyRouter:
    def __init__(self, repo: DutyRepo) -> None:
        self.repo = repo

    async def route(self, request: SupportRequest, ctx: Context[Any]) -> Routed:
        now = ctx.now
        supporters = await self.repo.in_community(ctx.community.id)
        members: dict[int, Member] = {}
        for supporter in supporters:
            member = await ctx.store.members.get(supporter.member_id)
            if member is not None:
                members[member.id] = member
        loads = await self.repo.open_work(
            list(members), now - timedelta(hours=ctx.settings.duty.open_hours))
        subjects = {request.about, *request.also_about} - {None}
        reasons: Counter[str] = Counter()
        eligible: list[tuple[Supporter, Member]] = []
        next_available: datetime | None = None
        for supporter in supporters:
            member = members.get(supporter.member_id)
            if member is None:
                continue
            zone = member_zone(member, ctx.community, ctx.settings)
            if member.platform_user_id in subjects:
                reasons["about"] += 1
                continue
            if not supporter.on_duty:
                reasons["off_duty"] += 1
                start = next_duty_start(supporter, zone, now)
                if start is not None and (next_available is None or start < next_available):
                    next_available = start
                continue
            if held_until(hold_of(member, ctx.community, ctx.settings), now) is not None:
                reasons["quiet"] += 1
                continue
            if loads.get(member.id, 0) >= ctx.settings.duty.open_cap:
                reasons["at_cap"] += 1
                continue
            eligible.append((supporter, member))
        eligible.sort(key=lambda pair: (pair[0].last_asked or NEVER, pair[0].member_id))
        chosen = eligible[:request.pick] if not request.escalate else []
        if not chosen:
            routed = await post_to_channel(request, ctx, mentions=(), fallback_only=True)
            if routed.reached == "nobody" and not request.escalate:
                routed = await post_to_channel(request, ctx, mentions=())
            return replace(routed, next_available=next_available, reasons=dict(reasons))
        await self.repo.asked([s.member_id for s, _ in chosen], now)
        ids = tuple(m.platform_user_id for _, m in chosen)
        routed = await self._to_supporters(request, ctx, ids)
        if request.urgent:
            moderators = await post_to_channel(request, ctx, mentions=(), fallback_only=True)
            routed = replace(routed, actions=routed.actions + moderators.actions)
        return replace(routed, reasons=dict(reasons))

    async def _to_supporters(self, request: SupportRequest, ctx: Context[Any],
                             ids: tuple[str, ...]) -> Routed:
        channel = await ctx.store.channels.for_purpose(ctx.community.id, "supporters")
        if ctx.settings.duty.delivery == "channel" and channel is not None:
            return await post_to_channel(request, ctx, mentions=ids)
        text = request.text
        if request.link is not None and not request.link.is_dm:
            # A direct message has no link field: the neutral link token, which adapters render.
            text = f"{text}\n{message_link(request.link.channel, request.link.message_id)}"
        actions: tuple[Action, ...] = tuple(
            SendDirect(platform=ctx.platform, community=ctx.community.platform_id, recipient=uid,
                       user=uid, text=text, buttons=request.buttons, urgent=request.urgent)
            for uid in ids)
        return Routed(actions=actions, reached="supporters", chosen=ids)

    async def took(self, supporter: str, kind: str, subject: str, ctx: Context[Any], *,
                   heavy: bool = False) -> None:
        member = await ctx.store.members.find(ctx.community.id, supporter)
        if member is None:
            return
        await self.repo.ensure(member.id, ctx.community.id)
        await self.repo.take(member.id, kind, subject, ctx.now)
        if heavy:
            await ctx.store.jobs.upsert(
                kind=CARE, subject=f"member:{member.id}", community_id=ctx.community.id,
                member_id=member.id, rule=None, zone="UTC",
                next_run=ctx.now + timedelta(minutes=ctx.settings.duty.care_after_minutes),
                payload={"kind": kind},
            )

    async def done(self, kind: str, subject: str, ctx: Context[Any]) -> None:
        await self.repo.finish(kind, subject, ctx.now)
