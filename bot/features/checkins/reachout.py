"""A path to a peer: after a low mood, and only if the member says yes, supporters are asked.

The request names who asked and nothing else: never the mood's note. It goes through the one
router for supporter work (``ctx.router``, see ``bot.routing``): to supporters who are on duty,
outside their quiet hours and under their load, else to the moderators, and the member is told
honestly which, and when someone is likely around. A supporter claims it with one button; the
member is told who will reach out, and the claim counts toward the supporter's load (and brings
them a care check-in later). Unclaimed, it is routed once more after
``reachout_reannounce_minutes`` and then handed to moderators.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action, Button, PostMessage, SendDirect
from bot.answer import answer
from bot.events import ButtonPressed
from bot.features.checkins.answers import checked_prompt
from bot.features.checkins.common import (
    REACHOUT,
    member_zone,
    mention,
    reach_channel,
    split_value,
    supporter_roles,
    when_text,
)
from bot.features.checkins.declare import CLAIM, OFFER, CheckinContext, handlers
from bot.features.checkins.repo import Prompt, Reachout
from bot.model import Claim, Member
from bot.routing import Routed, SupportRequest

REACHOUT_POST_PREFIX = "checkin-reachout-"


def post_ref(reachout_id: int) -> str:
    """The name a request's post carries, so its message id comes back (``on_posted``)."""
    return f"{REACHOUT_POST_PREFIX}{reachout_id}"


def _claim_button(ctx: CheckinContext, reachout_id: int) -> Button:
    return Button(action=CLAIM, value=str(reachout_id),
                  label=ctx.t("checkin.reachout.claim"), style="primary")


def subject(reachout_id: int) -> str:
    return f"reachout:{reachout_id}"


async def _announce(ctx: CheckinContext, member: Member, reachout: Reachout, key: str, *,
                    escalate: bool = False, **params: object) -> Routed:
    """Ask through the router; what it decided says whom it reached."""
    return await ctx.router.route(SupportRequest(
        kind="reachout", subject=subject(reachout.id), text=ctx.t(key, name=mention(member),
                                                                   **params),
        buttons=(_claim_button(ctx, reachout.id),), about=member.platform_user_id,
        ref=post_ref(reachout.id), escalate=escalate,
    ), ctx)


def _told(ctx: CheckinContext, member: Member, routed: Routed) -> str:
    """What the member hears: who was asked, and, when no supporter is around, when one
    likely is."""
    if routed.reached == "supporters":
        return ctx.t("checkin.offer.sent_supporters")
    if routed.next_available is not None:
        zone = member_zone(ctx, member)
        return ctx.t("checkin.offer.sent_moderators_later",
                     when=when_text(ctx, routed.next_available, zone))
    return ctx.t("checkin.offer.sent_moderators")


@handlers.button(OFFER)
async def on_offer(event: ButtonPressed, ctx: CheckinContext) -> Sequence[Action]:
    parsed = split_value(event.value)
    choice = parsed[1] if parsed else ""
    found = await checked_prompt(event, ctx, parsed[0] if parsed and choice in {"yes", "no"}
                                 else None, allow_expired=True)
    if not isinstance(found, Prompt):
        return found
    checkins = ctx.repo
    if not await checkins.set_offer(found.id, choice):
        return answer(event, ctx.t("checkin.offer.already"))
    if choice == "no":
        return answer(event, ctx.t("checkin.offer.declined"))
    assert ctx.member is not None
    if await reach_channel(ctx) is None:
        # Set up changed since the offer was made: say so, never "I've let them know".
        return answer(event, ctx.t("checkin.offer.nobody"))
    reachout = await checkins.create_reachout(ctx.member.id, ctx.community.id, found.id, ctx.now)
    if reachout is None:
        return answer(event, ctx.t("checkin.offer.already"))
    minutes = ctx.settings.checkins.reachout_reannounce_minutes
    await ctx.store.jobs.upsert(
        kind=REACHOUT, subject=subject(reachout.id), community_id=ctx.community.id,
        member_id=ctx.member.id, rule=None, zone="UTC",
        next_run=ctx.now + timedelta(minutes=minutes), payload={"reachout": reachout.id},
    )
    routed = await _announce(ctx, ctx.member, reachout, "checkin.reachout.post")
    return [*answer(event, _told(ctx, ctx.member, routed)), *routed.actions]


def _is_supporter(event: ButtonPressed, ctx: CheckinContext) -> bool:
    roles = set(event.actor.roles) | set(ctx.member.roles if ctx.member else ())
    return ctx.is_moderator or bool(roles & supporter_roles(ctx))


@handlers.button(CLAIM, creates_member=True)
async def on_claim(event: ButtonPressed, ctx: CheckinContext) -> Sequence[Action]:
    parsed = split_value(event.value)
    checkins = ctx.repo
    reachout = await checkins.reachout(parsed[0]) if parsed else None
    if reachout is None or reachout.community_id != ctx.community.id:
        return answer(event, ctx.t("checkin.reachout.gone"))
    supporter = ctx.member
    if supporter is None or not _is_supporter(event, ctx):
        return answer(event, ctx.t("checkin.reachout.not_supporter"))
    if supporter.id == reachout.member_id:
        return answer(event, ctx.t("checkin.reachout.own"))
    requester = await ctx.store.members.get(reachout.member_id)
    if requester is None:
        return answer(event, ctx.t("checkin.reachout.gone"))
    if not await checkins.claim_reachout(reachout.id, supporter.id, ctx.now):
        current = await checkins.reachout(reachout.id)
        claimer = (await ctx.store.members.get(current.claimed_by)
                   if current and current.claimed_by else None)
        return answer(event, ctx.t("checkin.reachout.already_claimed",
                                   supporter=mention(claimer) if claimer else "someone"))
    await ctx.store.jobs.delete(REACHOUT, subject(reachout.id))
    await ctx.router.took(supporter.platform_user_id, "reachout", subject(reachout.id), ctx,
                          heavy=True)
    actions: list[Action] = [
        SendDirect(platform=ctx.platform, community=ctx.community.platform_id,
                   recipient=requester.platform_user_id, user=requester.platform_user_id,
                   text=ctx.t("checkin.reachout.claimed_member", supporter=mention(supporter))),
        *answer(event, ctx.t("checkin.reachout.claimed_thanks", name=mention(requester))),
    ]
    channel = await ctx.store.channels.for_purpose(ctx.community.id, "supporters")
    if channel is not None:
        actions.append(PostMessage(
            platform=ctx.platform, community=ctx.community.platform_id, channel=channel,
            text=ctx.t("checkin.reachout.claimed_post", supporter=mention(supporter),
                       name=mention(requester)),
        ))
    return actions


@handlers.job(REACHOUT)
async def run_reannounce(claim: Claim, ctx: CheckinContext) -> Sequence[Action]:
    """First run: re-announce once. Second run: hand it to moderators."""
    rid = claim.job.payload.get("reachout")
    member = ctx.member
    if not isinstance(rid, int) or member is None:
        return ()
    checkins = ctx.repo
    reachout = await checkins.reachout(rid)
    if reachout is None or reachout.status != "open":
        return ()
    minutes = ctx.settings.checkins.reachout_reannounce_minutes
    if not reachout.reannounced:
        await checkins.mark_reachout(rid, reannounced=True)
        await ctx.store.jobs.upsert(
            kind=REACHOUT, subject=claim.job.subject, community_id=ctx.community.id,
            member_id=member.id, rule=None, zone="UTC",
            next_run=ctx.now + timedelta(minutes=minutes), payload={"reachout": rid},
        )
        return (await _announce(ctx, member, reachout, "checkin.reachout.reannounce")).actions
    await checkins.mark_reachout(rid, status="escalated")
    return (await _announce(ctx, member, reachout, "checkin.reachout.escalate", escalate=True,
                            minutes=2 * minutes)).actions
