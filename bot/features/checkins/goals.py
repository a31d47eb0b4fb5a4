"""One small personal goal: set with ``checkin goal``, asked about gently in later prompts.

Only the member sees it. Every answer (done, partly, not this time) gets the same even-handed
acknowledgement style: no praise for "done", no disappointment for "not this time".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, Form, FormField, OpenForm
from bot.answer import answer
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted
from bot.feature import ArgSpec
from bot.features.checkins.answers import checked_prompt
from bot.features.checkins.common import split_value
from bot.features.checkins.declare import GOAL, CheckinContext, handlers
from bot.features.checkins.repo import Prompt

GOAL_MAX = 200


async def set_goal(event: Event, ctx: CheckinContext, text: str) -> Sequence[Action]:
    """Set (or, with empty text, clear) the member's goal."""
    assert ctx.member is not None
    checkins = ctx.repo
    if await checkins.enrolment(ctx.member.id) is None:
        return answer(event, ctx.t("checkin.goal.not_enrolled"))
    goal = " ".join(text.split())
    if not goal or goal.lower() in {"clear", "none", "-"}:
        await checkins.set_goal(ctx.member.id, None, ctx.now)
        return answer(event, ctx.t("checkin.goal.cleared"))
    if len(goal) > GOAL_MAX:
        return answer(event, ctx.t("checkin.goal.too_long", max=GOAL_MAX))
    if not checkins.keeps_text:
        return answer(event, ctx.t("checkin.goal.not_kept"))
    await checkins.set_goal(ctx.member.id, goal, ctx.now)
    return answer(event, ctx.t("checkin.goal.set", goal=goal))


@handlers.command("checkin goal", "Set one small goal (leave empty to clear it)",
                  args=(ArgSpec(name="text", description="e.g. walk twice this week",
                                required=False, max_length=GOAL_MAX),))
async def on_goal_command(event: CommandInvoked, ctx: CheckinContext) -> Sequence[Action]:
    return await set_goal(event, ctx, event.args.get("text", ""))


def goal_form(ctx: CheckinContext, prompt_id: int) -> Form:
    return Form(id=GOAL, title=ctx.t("checkin.goal.form_title"), context=str(prompt_id),
                fields=(FormField(id="goal", label=ctx.t("checkin.goal.form_label"),
                                  max_length=GOAL_MAX, required=False),))


@handlers.button(GOAL)
async def on_goal_button(event: ButtonPressed, ctx: CheckinContext) -> Sequence[Action]:
    parsed = split_value(event.value)
    choice = parsed[1] if parsed else ""
    valid = choice in {"done", "partly", "not", "change"}
    found = await checked_prompt(event, ctx, parsed[0] if parsed and valid else None)
    if not isinstance(found, Prompt):
        return found
    if choice == "change":
        if not ctx.repo.keeps_text:
            return answer(event, ctx.t("checkin.goal.not_kept"))
        if not event.interaction:
            return answer(event, ctx.t("checkin.goal.change_hint"))
        return [OpenForm(platform=event.platform, community=event.community,
                         recipient=event.user, interaction=event.interaction,
                         form=goal_form(ctx, found.id))]
    if not await ctx.repo.answer_goal(found.id, choice):
        return answer(event, ctx.t("checkin.goal.already"))
    return answer(event, ctx.t(f"checkin.goal.reply.{choice}"))


@handlers.form(GOAL)
async def on_goal_form(event: FormSubmitted, ctx: CheckinContext) -> Sequence[Action]:
    return await set_goal(event, ctx, event.values.get("goal", ""))
