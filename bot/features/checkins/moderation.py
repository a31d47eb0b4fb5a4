"""Moderator commands: ``checkin setup``, ``checkin invite`` and ``checkin insights``.

Setup changes apply at once (enrolled members following the community schedule are rescheduled)
and each change is written to the audit log: who, what, when, never message text.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import recurrence
from bot.actions import Action, Button, PostMessage
from bot.answer import answer, quoted
from bot.events import CommandInvoked
from bot.feature import ArgSpec
from bot.features.checkins.common import (
    MAX_SCHEDULES,
    delivery,
    reach_channel,
    supporter_roles,
)
from bot.features.checkins.declare import JOIN, CheckinContext, handlers
from bot.features.checkins.group import ensure_group_job
from bot.features.checkins.insights import insights_text
from bot.features.checkins.schedule import schedule_member
from bot.features.checkins.settings import CHAT_SETTINGS, DELIVERY, SCHEDULES
from bot.overrides import BadValue, save_changes
from bot.overrides import shown as shown_value


@handlers.command("checkin setup", "Check-in settings for this community", moderator_only=True,
                  args=tuple(setting.arg_spec() for setting in CHAT_SETTINGS))
async def setup(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    args = {k: v.strip() for k, v in event.args.items() if v.strip()}
    changes: dict[str, object] = {}
    shown: list[str] = []
    if SCHEDULES.arg in args:
        rules: list[str] = []
        for part in args[SCHEDULES.arg].split(";"):
            try:
                rules.append(recurrence.format(recurrence.parse(part)))
            except recurrence.RecurrenceError as exc:
                return answer(event, ctx.t("checkin.setup.bad_schedule", value=quoted(part),
                                           reason=str(exc)))
        if len(rules) > MAX_SCHEDULES:
            return answer(event, ctx.t("checkin.setup.too_many", max=MAX_SCHEDULES))
        changes[SCHEDULES.key] = rules
        shown.append(f"{SCHEDULES.arg} = {'; '.join(rules)}")
    for setting in CHAT_SETTINGS:
        if setting is SCHEDULES or setting.arg not in args:
            continue
        try:
            value = setting.parse(args[setting.arg], ctx.settings)
        except BadValue as bad:
            return answer(event, ctx.t("checkin.setup.bad_value", arg=setting.arg,
                                       value=quoted(args[setting.arg]), hint=bad.reason))
        changes[setting.key] = value
        shown.append(f"{setting.arg} = {shown_value(value)}")
    warnings: list[str] = []
    if changes.get(DELIVERY.key) == "thread":
        # Thread delivery is not private: say so, and never accept it with nowhere to go.
        if await ctx.store.channels.for_purpose(ctx.community.id, "checkins") is None:
            return answer(event, ctx.t("checkin.setup.thread_needs_channel"))
        warnings.append(ctx.t("checkin.setup.thread_is_visible"))
    if not changes:
        return answer(event, ctx.t("checkin.setup.nothing"))
    ctx = await save_changes(ctx, event.user, "checkin setup", changes, shown)
    if SCHEDULES.key in changes:
        for enrolment in await ctx.repo.enrolments(ctx.community.id):
            if enrolment.rule is None:
                member = await ctx.store.members.get(enrolment.member_id)
                if member is not None:
                    await schedule_member(ctx, member, enrolment)
    await ensure_group_job(ctx)
    return answer(event, "\n".join([ctx.t("checkin.setup.done", changes="; ".join(shown)),
                                    *warnings]))


@handlers.command("checkin insights", "Last week's check-ins in aggregate",
                  moderator_only=True)
async def insights(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    await ctx.store.audit.record(ctx.community.id, event.user, "checkin insights", "viewed",
                                 ctx.now)
    return answer(event, await insights_text(ctx))


@handlers.command("checkin invite", "Invite a channel to opt in to check-ins",
                  moderator_only=True,
                  args=(ArgSpec(name="channel", description="Where to post the invitation",
                                kind="channel"),))
async def invite(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    channel = event.args.get("channel", "").strip()
    if not channel:
        return answer(event, ctx.t("checkin.invite.no_channel"))
    await ctx.store.audit.record(ctx.community.id, event.user, "checkin invite", channel, ctx.now)
    post = PostMessage(
        platform=event.platform, community=event.community, channel=channel,
        text=ctx.t("checkin.invite.post"),
        buttons=(Button(action=JOIN, label=ctx.t("checkin.invite.button"),
                        style="primary"),),
    )
    return [post, *answer(event, ctx.t("checkin.invite.done", channel=channel))]


@handlers.setup_check
async def reach_out_path(ctx: CheckinContext) -> list[str]:
    """A low mood can ask for a peer only if a request would reach someone."""
    problems = []
    if await reach_channel(ctx) is None:
        problems.append(ctx.t("checkin.status.no_reach_channel"))
    if not supporter_roles(ctx) and not ctx.community.settings.get("moderator_roles"):
        problems.append(ctx.t("checkin.status.no_supporter_role"))
    if delivery(ctx) == "thread" and await ctx.store.channels.for_purpose(
            ctx.community.id, "checkins") is None:
        problems.append(ctx.t("checkin.status.thread_without_channel"))
    return problems
