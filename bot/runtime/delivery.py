"""decide → deliver: the short chain of steps every outbound action passes, for events and jobs
alike.

Why a chain in one place: what happens around a send (reusing a member's private conversation,
holding back what may not go out now, learning the ids a platform hands back, remembering who
cannot be reached) must hold for every feature and every platform, and must be readable in one
screen. The steps, in order:

1. **Known DM channels**: a direct message to a member we wrote to before goes to their stored
   private conversation, so adapters do not open it again (Discord treats many openings as spam).
2. **Gate** (the marked slot): quiet hours, snooze and do-not-disturb will defer here what may
   not go out now (the "Quiet hours" issue). Today every action passes.
3. **Outbox**: pacing, retries and the adapters (``bot.runtime.outbox``).
4. **Learn**: remember a new private conversation; tell features the platform's id of a thread
   they opened; mark people who cannot be reached, so they hear about it with their next command.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.actions import Action, AlertModerators, PostMessage, SendDirect, StartThread
from bot.feature import Context, Feature
from bot.model import Member
from bot.runtime.core import Core
from bot.runtime.outbox import Outbox, Outcome

log = logging.getLogger(__name__)


class DeliveryPipeline:
    def __init__(self, *, core: Core, outbox: Outbox, features: Sequence[Feature[Any]]) -> None:
        self.core = core
        self.store = core.store
        self.outbox = outbox
        self.features = tuple(features)

    async def deliver(self, actions: Sequence[Action], ctx: Context[Any] | None = None, *,
                      park: bool = False) -> Outcome:
        """Send what was decided. ``ctx`` is the context it was decided in: its member saves a
        lookup per action (a check-in fan-out). ``park``: see :meth:`Outbox.deliver`."""
        prepared = [await self._known_dm_channel(action, ctx) for action in actions]
        # Step 2, the gate: quiet hours, snooze and do-not-disturb defer here (not built yet).
        outcome = await self.outbox.deliver(prepared, park=park)
        await self._learn(outcome, ctx)
        return outcome

    async def _known_dm_channel(self, action: Action, ctx: Context[Any] | None) -> Action:
        if isinstance(action, SendDirect) and action.channel is None and action.community:
            member = await self._member_of(action.platform, action.community, action.user, ctx)
            if member is not None and member.dm_channel:
                return replace(action, channel=member.dm_channel)
        return action

    async def _learn(self, outcome: Outcome, ctx: Context[Any] | None) -> None:
        for action, result in outcome.delivered:
            if (isinstance(action, SendDirect) and result.channel and action.community
                    and result.channel != action.channel):
                member = await self._member_of(action.platform, action.community, action.user,
                                               ctx)
                if member is not None and member.dm_channel != result.channel:
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
