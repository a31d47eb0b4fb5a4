"""No post left unanswered: a post with no reply after a while is shown to supporters, once.

One job per community runs when the oldest waiting post reaches the delay. It first writes what
memory still holds, then marks every post that has waited long enough as shown, in one statement
(so none is ever shown twice), and asks the router (``ctx.router``, :mod:`bot.routing`) to bring
them to supporters: one request, or a digest when several are waiting. The request carries a
link to each post, never its words: the link is a neutral token (:func:`bot.names.message_link`)
that each adapter renders as its platform's link. The person who posted is never the one asked
(``about``). Posts older than the reply window are not shown any more: after a long downtime a
day-old post is better left to people than announced late.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action
from bot.features.listening.declare import UNANSWERED, ListeningContext, handlers
from bot.features.listening.replies import ensure_check, room, write_pending
from bot.features.listening.repo import Room, Waiting
from bot.features.listening.settings import enabled, reply_window, unanswered_after
from bot.model import Claim
from bot.names import message_link
from bot.routing import SupportRequest

DIGEST_MAX = 10
"""At most this many posts are listed in one digest; the rest follow in the next one."""


@handlers.job(UNANSWERED, expiry=None)
async def surface(claim: Claim, ctx: ListeningContext) -> Sequence[Action]:
    found = await room(ctx)
    found.job_at = None  # this run was the scheduled check: the next post schedules another
    if not enabled(ctx):
        return ()
    await write_pending(ctx, found)
    delay, oldest = unanswered_after(ctx), ctx.now - reply_window(ctx)
    waiting = await ctx.repo.claim_waiting(ctx.community.id, ctx.now - delay, oldest, ctx.now)
    await _schedule_next(ctx, found, delay)
    actions: list[Action] = []
    for start in range(0, len(waiting), DIGEST_MAX):
        routed = await ctx.router.route(request(ctx, waiting[start:start + DIGEST_MAX]), ctx)
        actions.extend(routed.actions)
    return actions


async def _schedule_next(ctx: ListeningContext, found: Room, delay: timedelta) -> None:
    upcoming = await ctx.repo.next_waiting(ctx.community.id, ctx.now - reply_window(ctx))
    if upcoming is not None:
        await ensure_check(ctx, found, max(upcoming + delay, ctx.now + timedelta(minutes=1)))


def request(ctx: ListeningContext, waiting: Sequence[Waiting]) -> SupportRequest:
    """One post, or a digest of several. ``about`` (and ``also_about``, for a digest of several
    people's posts) names who posted, so the router never asks them to answer their own post."""
    minutes = int(unanswered_after(ctx).total_seconds() // 60)
    authors = {w.author for w in waiting}
    about = next(iter(authors)) if len(authors) == 1 else None
    subject = "shares:" + ",".join(str(w.id) for w in waiting)
    if len(waiting) == 1:
        (one,) = waiting
        text = ctx.t("listening.unanswered.one", minutes=minutes,
                     link=message_link(one.channel, one.message_id))
    else:
        text = "\n".join([
            ctx.t("listening.unanswered.digest", count=len(waiting), minutes=minutes),
            *(ctx.t("listening.unanswered.line", link=message_link(w.channel, w.message_id),
                    time=f"{w.posted_at:%H:%M}") for w in waiting),
        ])
    return SupportRequest(kind="unanswered", subject=subject, text=text, about=about,
                          also_about=tuple(sorted(authors)) if about is None else ())
