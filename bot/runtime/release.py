"""Releasing what the quiet-hours gate held back, when each person may be reached again.

Why a sweep of pages: quiet hours are often the same for a whole community, so 100,000 held
messages can come due at 08:00 at once. The releaser reads a page of members, decides for each
(still held? expired? merge), hands the page on and reads the next: memory holds one page.

For each member whose held items are due:

1. **Still held?** (they snoozed meanwhile, or their quiet hours changed): held again, to the
   new end.
2. **Expired?** An item whose moment passed (an old check-in prompt) is dropped, with the reason
   kept (``dropped``/``expired``): a late "how are you this morning?" in the evening is noise.
3. **Merged.** Private messages become one message ("While you had quiet time: …"). A message
   with buttons keeps its own message, because answering a button replaces the message it is on
   and would wipe the others; so a morning is at most the digest plus each prompt.

Rows are marked ``sending`` before they are handed on and deleted after: a crash in between never
resends (recovery drops them with the reason ``unknown``), as the scheduler does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.actions import Action, SendDirect, SendPrivateNote, action_from_json
from bot.jsonform import JsonFormError
from bot.metrics import RELEASE_DROPPED, RELEASED
from bot.model import Community, Member
from bot.people import hold_of
from bot.quiet import held_until
from bot.runtime.core import Core
from bot.runtime.delivery import DeliveryPipeline
from bot.store.deferred import Deferred

log = logging.getLogger(__name__)

PAGE = 500
"""Members per page: one query for their rows, one hand-off."""


class Releaser:
    def __init__(self, *, core: Core, delivery: DeliveryPipeline, page: int = PAGE) -> None:
        self.core = core
        self.store = core.store
        self.delivery = delivery
        self.page = page
        self.released = 0
        self.dropped = 0

    async def next_release(self) -> datetime | None:
        return await self.store.deferred.next_release()

    async def recover(self) -> int:
        return await self.store.deferred.recover(self.core.clock.now())

    async def run(self) -> int:
        """Release everything due now; returns how many held items were handled."""
        handled = 0
        communities: dict[int, tuple[Community, str]] = {}
        # PostgreSQL: a dead worker's held messages in mid-send are settled (never resent).
        await self.store.deferred.expire_leases(self.core.clock.now())
        while True:
            now = self.core.clock.now()
            member_ids = await self.store.deferred.due_members(now, self.page)
            if not member_ids:
                break
            rows = await self.store.deferred.due_for(member_ids, now)
            members = await self.store.members.get_many(member_ids)
            page = _Page()
            by_member: dict[int, list[Deferred]] = {}
            for row in rows:
                by_member.setdefault(row.member_id, []).append(row)
            for member_id, held in by_member.items():
                member = members.get(member_id)
                found = (await self._community(member.community_id, communities)
                         if member is not None else None)
                if member is None or found is None:
                    page.drop([row.id for row in held], "gone")
                    continue
                self._decide(member, found, held, now, page)
            await self._settle(page)
            handled += len(rows)
        if handled:
            await self.store.deferred.prune(self.core.clock.now())
        return handled

    async def _community(self, community_id: int,
                         known: dict[int, tuple[Community, str]]) -> tuple[Community, str] | None:
        """The community and the digest's heading in its language, read once per release."""
        if community_id not in known:
            community = await self.store.communities.get(community_id)
            if community is None:
                return None
            ctx = await self.core.community_context(community.platform, community.platform_id)
            known[community_id] = (community, ctx.t("quiet.released") if ctx is not None else "")
        return known[community_id]

    def _decide(self, member: Member, found: tuple[Community, str], held: Sequence[Deferred],
                now: datetime, page: _Page) -> None:
        community, header = found
        until = held_until(hold_of(member, community, self.core.settings), now)
        if until is not None:
            page.hold.setdefault(until, []).extend(row.id for row in held)
            return
        fresh: list[tuple[Deferred, Action]] = []
        expired: list[int] = []
        for row in held:
            if row.expires_at is not None and row.expires_at <= now:
                expired.append(row.id)
                continue
            try:
                fresh.append((row, action_from_json(row.action)))
            except JsonFormError:
                expired.append(row.id)
        if expired:
            page.drop(expired, "expired")
            log.info("dropped %d held item(s) for member %d: expired", len(expired), member.id)
        actions: list[Action] = []
        for action in merged([action for _, action in fresh], header):
            if isinstance(action, SendDirect) and action.channel is None and member.dm_channel:
                # The private conversation is known: no lookup per message in the pipeline.
                action = replace(action, channel=member.dm_channel)
            actions.append(action)
        if fresh:
            page.members.append(([row.id for row, _ in fresh], actions))

    async def _settle(self, page: _Page) -> None:
        """Hand the page on. Rows are ``sending`` first (a crash never resends them), then
        deleted when their message went out, or kept as ``dropped`` with the reason when it
        could not (``unreachable``, ``failed``), so nothing vanishes without a record."""
        deferred = self.store.deferred
        for until, ids in page.hold.items():
            await deferred.hold(ids, until)
        for reason, ids in page.dropped.items():
            await deferred.drop(ids, reason)
            if reason == "expired":
                self.dropped += len(ids)
                self.delivery.outbox.metrics.inc(RELEASE_DROPPED, len(ids))
        if not page.members:
            return
        # Several workers may release the same page (PostgreSQL): each row is taken by one of
        # them, and a member's messages go out only from the worker that took all of that
        # member's rows.
        taken = await deferred.sending([i for ids, _ in page.members for i in ids],
                                       self.core.clock.now())
        actions: list[Action] = []
        rows_of: dict[int, list[int]] = {}
        for ids, member_actions in page.members:
            if all(i in taken for i in ids):
                for n, action in enumerate(member_actions):
                    actions.append(action)
                    rows_of[id(action)] = ids if n == 0 else []  # rows ride on the first
            elif mine := [i for i in ids if i in taken]:
                await deferred.unsend(mine)
        if not actions:
            return
        outcome = await self.delivery.deliver(actions, gate=False)
        went = {id(action) for action, _ in outcome.delivered}
        lost = {id(action) for action, _ in outcome.unreachable}
        sent: list[int] = []
        for action in actions:
            rows = rows_of.get(id(action), [])
            if outcome.status == "sent" or id(action) in went or not rows:
                sent.extend(rows)
            else:
                await deferred.drop(rows, "unreachable" if id(action) in lost else "failed")
        await deferred.sent(sent)
        self.released += len(sent)
        if sent:
            self.delivery.outbox.metrics.inc(RELEASED, len(sent))


class _Page:
    """What one page of members comes to: holds, drops and the messages to hand on."""

    def __init__(self) -> None:
        self.hold: dict[datetime, list[int]] = {}
        self.dropped: dict[str, list[int]] = {}
        self.members: list[tuple[list[int], list[Action]]] = []
        """Per member released: their held rows and the messages they come to."""

    def drop(self, ids: list[int], reason: str) -> None:
        self.dropped.setdefault(reason, []).extend(ids)


def merged(actions: Sequence[Action], header: str) -> list[Action]:
    """Private messages without buttons become one (under ``header`` when there are several);
    everything else goes as it was decided, after it."""
    plain: list[SendDirect | SendPrivateNote] = []
    rest: list[Action] = []
    for action in actions:
        if isinstance(action, SendDirect | SendPrivateNote) and not action.buttons:
            plain.append(action)
        else:
            rest.append(action)
    if len(plain) <= 1:
        return [*plain, *rest]
    first = plain[0]
    text = "\n\n".join([header, *(a.text for a in plain)] if header else [a.text for a in plain])
    digest: dict[str, Any] = {"platform": first.platform, "community": first.community,
                              "recipient": first.recipient or _user(first),
                              "user": _user(first), "text": text}
    return [SendDirect(**digest), *rest]


def _user(action: SendDirect | SendPrivateNote) -> str:
    return action.user
