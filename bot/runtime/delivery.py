"""decide → deliver: the short chain of steps every outbound action passes, for events and jobs
alike.

Why a chain in one place: what happens around a send (reusing a member's private conversation,
holding back what may not go out now, learning the ids a platform hands back, remembering who
cannot be reached) must hold for every feature and every platform, and must be readable in one
screen. The steps, in order:

1. **Known DM channels**: a direct message to a member we wrote to before goes to their stored
   private conversation, so adapters do not open it again (Discord treats many openings as spam).
2. **Gate**: what is addressed to a person who is held back (quiet hours, snooze,
   do-not-disturb: ``bot.quiet``) waits durably in ``deferred`` until they may be reached,
   unless it passes anyway (urgent, or a direct answer to what they have just done). The
   releaser (``bot.runtime.release``) hands it on then.
3. **Outbox**: pacing, retries and the adapters (``bot.runtime.outbox``).
4. **Learn**: remember a new private conversation; tell features the platform's id of a thread
   they opened; mark people who cannot be reached, so they hear about it with their next command.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.actions import (
    Action,
    AlertModerators,
    PostMessage,
    SendDirect,
    StartThread,
    action_to_json,
)
from bot.feature import Context, Feature
from bot.metrics import DEFERRED
from bot.model import Member
from bot.people import hold_of
from bot.quiet import held_until, passes_anyway, recipient_of
from bot.runtime.core import Core
from bot.runtime.outbox import Outbox, Outcome, _into_opened_thread

log = logging.getLogger(__name__)


class DeliveryPipeline:
    def __init__(self, *, core: Core, outbox: Outbox, features: Sequence[Feature[Any]]) -> None:
        self.core = core
        self.store = core.store
        self.outbox = outbox
        self.features = tuple(features)
        self.held = 0
        """Actions the gate held back (since start)."""

    async def deliver(self, actions: Sequence[Action], ctx: Context[Any] | None = None, *,
                      park: bool = False, trigger: str | None = None,
                      gate: bool = True,
                      learned: list[tuple[int, str]] | None = None) -> Outcome:
        """Send what was decided. ``ctx`` is the context it was decided in: its member saves a
        lookup per action (a check-in fan-out). ``park``: see :meth:`Outbox.deliver`.
        ``trigger``: the person who has just acted (``bot.quiet.trigger_of``); answers to them
        pass the gate. ``gate=False`` only for what the releaser already let through.
        ``learned``: new private conversations go here, (member id, channel), for the caller to
        write with others (:meth:`MemberRepo.remember_dm_channels`), instead of one write each;
        lost in a crash, one is only opened again."""
        prepared = [await self._known_dm_channel(action, ctx) for action in actions]
        in_new_thread: list[tuple[Action, tuple[int, datetime, datetime | None]]] = []
        if gate:
            kept = []
            for action in prepared:
                held = await self._held_back(action, ctx, trigger)
                if held is None:
                    kept.append(action)
                elif _in_thread_opened_here(action):
                    # Its thread's id is known once the StartThread beside it has gone out;
                    # kept as "ref:…", it would be released into the channel instead.
                    in_new_thread.append((action, held))
                else:
                    await self._defer(action, *held)
            prepared = kept
        outcome: Outcome | None = None
        try:
            outcome = await self.outbox.deliver(prepared, park=park)
        finally:
            for action, held in in_new_thread:
                await self._defer(_into_opened_thread(action, self.outbox.opened), *held)
        await self._learn(outcome, ctx, learned)
        return outcome

    async def _known_dm_channel(self, action: Action, ctx: Context[Any] | None) -> Action:
        if isinstance(action, SendDirect) and action.channel is None and action.community:
            member = await self._member_of(action.platform, action.community, action.user, ctx)
            if member is not None and member.dm_channel:
                return replace(action, channel=member.dm_channel)
        return action

    async def _held_back(self, action: Action, ctx: Context[Any] | None,
                         trigger: str | None) -> tuple[int, datetime, datetime | None] | None:
        """The gate: (member id, release time, expiry) when ``action`` must wait for its
        person, else None."""
        if passes_anyway(action, trigger):
            return None
        user = recipient_of(action)
        if user is None or action.community is None:
            return None
        member = await self._member_of(action.platform, action.community, user, ctx)
        if member is None:
            return None
        community = (ctx.community if ctx is not None and ctx.community.id == member.community_id
                     else await self.store.communities.get(member.community_id))
        if community is None:
            return None
        until = held_until(hold_of(member, community, self.core.settings), self.core.clock.now())
        if until is None:
            return None
        expires = ctx.extra.get("expires_at") if ctx is not None else None
        return member.id, until, expires if isinstance(expires, datetime) else None

    async def _defer(self, action: Action, member_id: int, until: datetime,
                     expires: datetime | None) -> None:
        """``action`` waits in ``deferred`` until ``until``."""
        await self.store.deferred.add(member_id, until, expires, action_to_json(action),
                                      self.core.clock.now())
        self.held += 1
        self.outbox.metrics.inc(DEFERRED, platform=action.platform)

    async def _learn(self, outcome: Outcome, ctx: Context[Any] | None,
                     learned: list[tuple[int, str]] | None) -> None:
        for action, result in outcome.delivered:
            if (isinstance(action, SendDirect) and result.channel and action.community
                    and result.channel != action.channel):
                member = await self._member_of(action.platform, action.community, action.user,
                                               ctx)
                if member is None or member.dm_channel == result.channel:
                    continue
                if learned is not None:
                    learned.append((member.id, result.channel))
                else:
                    await self.store.members.update(member.id, dm_channel=result.channel)
            elif (isinstance(action, StartThread) and action.ref and result.channel
                  and action.community is not None):
                await self._thread_started(action, result.channel)
            elif (isinstance(action, PostMessage | AlertModerators) and action.ref
                  and result.message_id and action.community is not None):
                await self._posted(action, action.ref, result.channel or action.channel or "",
                                   result.message_id)
        for action, exc in outcome.unreachable:
            if action.community is None:
                continue
            member = await self._member_of(action.platform, action.community, exc.user, ctx)
            if member is not None:
                await self.store.members.update(member.id, reachable=False,
                                                unreachable_reason=exc.reason)

    async def _thread_started(self, action: StartThread, thread_id: str) -> None:
        assert action.ref is not None and action.community is not None
        ctx = await self.core.community_context(action.platform, action.community)
        if ctx is None:
            return
        for feature in self.features:
            await feature.on_thread_started(action.ref, thread_id, ctx.bind(feature.repo))

    async def _posted(self, action: Action, ref: str, channel: str, message_id: str) -> None:
        assert action.community is not None
        ctx = await self.core.community_context(action.platform, action.community)
        if ctx is None:
            return
        for feature in self.features:
            await feature.on_posted(ref, channel, message_id, ctx.bind(feature.repo))

    async def _member_of(self, platform: str, community: str, user: str,
                         ctx: Context[Any] | None) -> Member | None:
        known = ctx.member if ctx is not None else None
        if (known is not None and known.platform_user_id == user
                and ctx is not None and ctx.community.platform_id == community):
            return known
        found = await self.store.communities.find(platform, community)
        return None if found is None else await self.store.members.find(found.id, user)


def _in_thread_opened_here(action: Action) -> bool:
    """A post into a thread a ``StartThread`` of the same delivery opens (``ref:<ref>``)."""
    return isinstance(action, PostMessage) and bool(action.thread) and \
        str(action.thread).startswith("ref:")
