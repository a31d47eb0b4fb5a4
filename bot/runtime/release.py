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
from datetime import datetime
from typing import Any

from bot.actions import Action, SendDirect, SendPrivateNote, action_from_json
from bot.jsonform import JsonFormError
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
        return await self.store.deferred.recover()

    async def run(self) -> int:
        """Release everything due now; returns how many held items were handled."""
        handled = 0
        while True:
            now = self.core.clock.now()
            members = await self.store.deferred.due_members(now, self.page)
            if not members:
                break
            rows = await self.store.deferred.due_for(members, now)
            by_member: dict[int, list[Deferred]] = {}
            for row in rows:
                by_member.setdefault(row.member_id, []).append(row)
            decided: list[tuple[list[int], list[Action]]] = []
            for member_id, held in by_member.items():
                ids: list[int] = []
                decided.append((ids, await self._decide(member_id, held, now, ids)))
            # Several workers may release the same page: each row is taken by one of them, and
            # a member's messages go out only from the worker that took all of that member's.
            taken = await self.store.deferred.sending([i for ids, _ in decided for i in ids])
            actions: list[Action] = []
            sending: list[int] = []
            for ids, member_actions in decided:
                if all(i in taken for i in ids):
                    actions.extend(member_actions)
                    sending.extend(ids)
                elif mine := [i for i in ids if i in taken]:
                    await self.store.deferred.unsend(mine)
            if actions:
                await self.delivery.deliver(actions, gate=False)
            await self.store.deferred.sent(sending)
            handled += len(rows)
            self.released += len(sending)
        if handled:
            await self.store.deferred.prune(self.core.clock.now())
        return handled

    async def _decide(self, member_id: int, held: Sequence[Deferred], now: datetime,
                      sending: list[int]) -> list[Action]:
        member = await self.store.members.get(member_id)
        community = (await self.store.communities.get(member.community_id)
                     if member is not None else None)
        if member is None or community is None:
            await self.store.deferred.drop([row.id for row in held], "gone")
            return []
        until = held_until(hold_of(member, community, self.core.settings), now)
        if until is not None:
            await self.store.deferred.hold([row.id for row in held], until)
            return []
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
            await self.store.deferred.drop(expired, "expired")
            self.dropped += len(expired)
            log.info("dropped %d held item(s) for member %d: expired", len(expired), member_id)
        sending.extend(row.id for row, _ in fresh)
        ctx = await self.core.community_context(community.platform, community.platform_id)
        header = ctx.t("quiet.released") if ctx is not None else ""
        return merged([action for _, action in fresh], header)


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
