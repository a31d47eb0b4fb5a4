"""The seam every feature uses to ask supporters for help: one router for supporter work.

Why one router: reach-out requests, re-announcements, unanswered shares and escalations from
listening and safety all ask the same people for the same scarce thing, their attention. Who is on
duty, outside their quiet hours and under their load, who was asked least recently, and what
happens when nobody is around, must be decided in one place, or each feature would burn out a
different volunteer in its own way.

A feature describes the request (:class:`SupportRequest`: its text, already rendered, and its
buttons) and calls ``await ctx.router.route(request, ctx)``; it gets back the actions to return
(:class:`Routed`) and whom they reached, so it can tell the member honestly what happened. When a
supporter takes on a piece of work (claims a reach-out, acknowledges an alert) the feature says so
with :meth:`SupportRouter.took`, and :meth:`SupportRouter.done` when it ends: that is the load the
cap counts, and a heavy piece of work schedules a care check-in for the supporter.

The boundaries feature implements the router (``bot.features.boundaries``). Without it,
:class:`ChannelRouter` keeps the simple behaviour: the supporters' channel, else the moderators'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from bot.actions import Action, AlertModerators, Button, MessageLink, PostMessage
from bot.model import Community
from bot.store.base import Store

Reached = Literal["supporters", "moderators", "nobody"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SupportRequest:
    """Something supporters are asked to look at.

    ``kind`` names the work for fairness records and the audit log (``"reachout"``,
    ``"unanswered"``, ``"crisis"``…). ``text`` is rendered by the feature and never holds a
    member's words; the router pings whom it picked. ``about`` is the platform id
    of the member the request is about: never picked to help with their own request. ``ref``
    names the post so its id comes back to the feature (``Feature.on_posted``). ``pick`` is how
    many supporters to mention. ``urgent`` requests (a crisis) pass quiet hours and go to the
    moderators too, not instead.
    """

    kind: str
    subject: str
    text: str
    buttons: tuple[Button, ...] = ()
    about: str | None = None
    also_about: tuple[str, ...] = ()
    """More people the request is about (a digest of several people's posts): none of them is
    asked either."""
    ref: str | None = None
    pick: int = 2
    urgent: bool = False
    escalate: bool = False
    """Straight to the fallback (the moderators): nobody took it on in time."""
    link: MessageLink | None = None
    """The message the request is about, for supporters to open (rendered by the adapter);
    routers put it on the post they make."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Routed:
    """What the router decided: the actions to return, and whom they reach.

    ``reached`` is ``"supporters"`` when on-duty supporters were asked, ``"moderators"`` when it
    fell back to them, ``"nobody"`` when there is nowhere to send it (no channel set up).
    ``chosen`` are the platform ids of the supporters picked. ``next_available`` is when someone
    is likely to be around (a supporter's regular duty hours begin), for an honest answer to
    the member; None when unknown."""

    actions: tuple[Action, ...]
    reached: Reached
    chosen: tuple[str, ...] = ()
    next_available: datetime | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    """Why supporters were passed over, counted (``"off_duty"``, ``"quiet"``, ``"at_cap"``…),
    for moderators' status and tests; never names anyone."""


C = TypeVar("C", contravariant=True)
"""The context a router decides in: ``bot.feature.Context`` (generic here, because the
feature module names this protocol and this module must not name it back)."""


class Where(Protocol):
    """The little of a context that :class:`ChannelRouter` needs."""

    @property
    def platform(self) -> str: ...
    @property
    def community(self) -> Community: ...
    @property
    def store(self) -> Store: ...


class SupportRouter(Protocol[C]):
    async def route(self, request: SupportRequest, ctx: C) -> Routed:
        """Pick supporters for ``request`` and say how to reach them."""
        ...

    async def took(self, supporter: str, kind: str, subject: str, ctx: C, *,
                   heavy: bool = False) -> None:
        """``supporter`` (platform id) took on a piece of work: it counts toward their cap until
        :meth:`done`; ``heavy`` work (a reach-out, a crisis) brings a care check-in later."""
        ...

    async def done(self, kind: str, subject: str, ctx: C) -> None:
        """The piece of work ended (the member was reached, the alert was closed)."""
        ...


class ChannelRouter:
    """The router without the boundaries feature: the supporters' channel, else the moderators'.
    Nobody is mentioned, so nobody is picked; there is no load to count."""

    async def route(self, request: SupportRequest, ctx: Where) -> Routed:
        return await post_to_channel(request, ctx, mentions=(), fallback_only=request.escalate)

    async def took(self, supporter: str, kind: str, subject: str, ctx: Where, *,
                   heavy: bool = False) -> None:
        return None

    async def done(self, kind: str, subject: str, ctx: Where) -> None:
        return None


async def post_to_channel(request: SupportRequest, ctx: Where, *,
                          mentions: Sequence[str], fallback_only: bool = False) -> Routed:
    """The request as a post in the supporters' channel mentioning ``mentions`` (or, with
    ``fallback_only`` or no such channel, an alert in the moderators' channel)."""
    community = ctx.community.platform_id
    supporters = None if fallback_only else await ctx.store.channels.for_purpose(
        ctx.community.id, "supporters")
    if supporters is not None:
        return Routed(actions=(PostMessage(
            platform=ctx.platform, community=community, channel=supporters, text=request.text,
            pings=tuple(mentions),
            buttons=request.buttons, ref=request.ref, urgent=request.urgent, link=request.link,
        ),), reached="supporters", chosen=tuple(mentions))
    moderators = await ctx.store.channels.for_purpose(ctx.community.id, "moderators")
    if moderators is not None:
        return Routed(actions=(AlertModerators(
            platform=ctx.platform, community=community, channel=moderators, text=request.text,
            buttons=request.buttons, ref=request.ref, urgent=request.urgent,
            priority="high" if request.urgent else "normal", link=request.link,
        ),), reached="moderators")
    return Routed(actions=(), reached="nobody")

