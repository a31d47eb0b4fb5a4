"""Moderator commands: ``checkin setup``, ``checkin invite`` and ``checkin insights``.

Setup changes apply at once (enrolled members following the community schedule are rescheduled)
and each change is written to the audit log: who, what, when, never message text.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import recurrence
from bot.actions import Action, Button, PostMessage
from bot.answer import answer
from bot.events import CommandInvoked
from bot.feature import ArgSpec
from bot.features.checkins.common import (
    KEY_DELIVERY,
    KEY_EXPIRY,
    KEY_GROUP,
    KEY_REMINDER,
    KEY_SCHEDULES,
    MAX_SCHEDULES,
)
from bot.features.checkins.declare import CheckinContext, handlers
from bot.features.checkins.group import ensure_group_job
from bot.features.checkins.insights import insights_text
from bot.features.checkins.schedule import schedule_member

_ON = {"on", "yes", "true", "1"}
_OFF = {"off", "no", "false", "0"}


def _switch(value: str) -> bool | None:
    lowered = value.strip().lower()
    return True if lowered in _ON else False if lowered in _OFF else None


@handlers.command(
    "checkin setup", "Check-in settings for this community", moderator_only=True,
    args=(
        ArgSpec(name="schedule", description="e.g. mon-fri 09:00 (several: separate with ;)",
                required=False),
        ArgSpec(name="delivery", description="Direct message or a channel thread",
                kind="choice", choices=("dm", "thread"), required=False),
        ArgSpec(name="expiry_hours", description="Hours a check-in stays open (1-48)",
                kind="int", required=False),
        ArgSpec(name="reminder", description="One gentle reminder per check-in",
                kind="choice", choices=("on", "off"), required=False),
        ArgSpec(name="group_thread", description="A weekly group check-in thread",
                kind="choice", choices=("on", "off"), required=False),
    ),
)
async def setup(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    args = {k: v.strip() for k, v in event.args.items() if v.strip()}
    changes: dict[str, object] = {}
    shown: list[str] = []
    if "schedule" in args:
        rules: list[str] = []
        for part in args["schedule"].split(";"):
            try:
                rules.append(recurrence.format(recurrence.parse(part)))
            except recurrence.RecurrenceError as exc:
                return answer(event, ctx.t("checkin.setup.bad_schedule", value=part.strip(),
                                               reason=str(exc)))
        if len(rules) > MAX_SCHEDULES:
            return answer(event, ctx.t("checkin.setup.too_many", max=MAX_SCHEDULES))
        changes[KEY_SCHEDULES] = rules
        shown.append(f"schedule = {'; '.join(rules)}")
    if "delivery" in args:
        if args["delivery"] not in {"dm", "thread"}:
            return answer(event, ctx.t("checkin.setup.bad_delivery", value=args["delivery"]))
        changes[KEY_DELIVERY] = args["delivery"]
        shown.append(f"delivery = {args['delivery']}")
    if "expiry_hours" in args:
        raw = args["expiry_hours"]
        if not raw.isdigit() or not 1 <= int(raw) <= 48:
            return answer(event, ctx.t("checkin.setup.bad_expiry", value=raw))
        changes[KEY_EXPIRY] = int(raw)
        shown.append(f"expiry_hours = {int(raw)}")
    for arg, key in (("reminder", KEY_REMINDER), ("group_thread", KEY_GROUP)):
        if arg in args:
            value = _switch(args[arg])
            if value is None:
                return answer(event, ctx.t("checkin.setup.bad_switch", arg=arg,
                                               value=args[arg]))
            changes[key] = value
            shown.append(f"{arg} = {'on' if value else 'off'}")
    if not changes:
        return answer(event, ctx.t("checkin.setup.nothing"))
    community = await ctx.store.communities.update_settings(ctx.community.id, changes)
    from dataclasses import replace

    ctx = replace(ctx, community=community)
    for line in shown:
        await ctx.store.audit.record(ctx.community.id, event.user, "checkin setup", line, ctx.now)
    if KEY_SCHEDULES in changes:
        for enrolment in await ctx.repo.enrolments(ctx.community.id):
            if enrolment.rule is None:
                member = await ctx.store.members.get(enrolment.member_id)
                if member is not None:
                    await schedule_member(ctx, member, enrolment)
    await ensure_group_job(ctx)
    return answer(event, ctx.t("checkin.setup.done", changes="; ".join(shown)))


@handlers.command("checkin insights", "This week's check-ins in aggregate",
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
        buttons=(Button(action="checkin.join", label=ctx.t("checkin.invite.button"),
                        style="primary"),),
    )
    return [post, *answer(event, ctx.t("checkin.invite.done", channel=channel))]
