"""The check-ins feature: its commands, its job kinds, and routing to the modules that decide.

Why a thin router: each capability (consent, prompts, answers, reach-outs, goals, history,
insights, group thread) lives in its own small module and can be read and tested on its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta

from bot.actions import Action
from bot.config import Settings
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, MessagePosted
from bot.feature import ArgSpec, CommandSpec, Context, JobKind
from bot.features.checkins import answers, enrol, goals, group, moderation, prompts, reachout
from bot.features.checkins.common import GROUP, PROMPT, REACHOUT, REMIND, RESUME, reply, repo
from bot.features.checkins.history import history_text
from bot.features.checkins.repo import DAILY_REF_PREFIX, GROUP_REF_PREFIX

Handler = Callable[[CommandInvoked, Context], Awaitable[Sequence[Action]]]
ButtonHandler = Callable[[ButtonPressed, Context], Awaitable[Sequence[Action]]]
FormHandler = Callable[[FormSubmitted, Context], Awaitable[Sequence[Action]]]

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(name="checkin join",
                description="Start receiving check-ins (you can leave any time)"),
    CommandSpec(name="checkin leave", description="Stop check-ins, in one step"),
    CommandSpec(name="checkin timezone", description="Set your timezone for check-ins",
                args=(ArgSpec(name="zone", description="e.g. Europe/London", kind="timezone"),)),
    CommandSpec(
        name="checkin time", description="Choose your own check-in time and days",
        args=(ArgSpec(name="time", description="HH:MM, 24-hour clock (or 'default')",
                      kind="time"),
              ArgSpec(name="days", description="e.g. mon-fri or mon,wed,fri", kind="days",
                      required=False)),
    ),
    CommandSpec(name="checkin pause", description="Pause check-ins for a few days",
                args=(ArgSpec(name="days", description="How many days (1-90)", kind="int"),)),
    CommandSpec(name="checkin resume", description="Start check-ins again before the pause ends"),
    CommandSpec(name="checkin history", description="Your last 30 days, only for you"),
    CommandSpec(name="checkin goal", description="Set one small goal (leave empty to clear it)",
                args=(ArgSpec(name="text", description="e.g. walk twice this week",
                              required=False, max_length=goals.GOAL_MAX),)),
    CommandSpec(
        name="checkin setup", description="Check-in settings for this community",
        moderator_only=True,
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
    ),
    CommandSpec(name="checkin insights", description="This week's check-ins in aggregate",
                moderator_only=True),
    CommandSpec(name="checkin invite", description="Invite a channel to opt in to check-ins",
                moderator_only=True,
                args=(ArgSpec(name="channel", description="Where to post the invitation",
                              kind="channel"),)),
)


async def _history(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    return reply(event, ctx, await history_text(ctx))


_COMMAND_HANDLERS: Mapping[str, Handler] = {
    "checkin join": enrol.join,
    "checkin leave": enrol.leave,
    "checkin timezone": enrol.timezone,
    "checkin time": enrol.set_time,
    "checkin pause": enrol.pause,
    "checkin resume": enrol.resume,
    "checkin history": _history,
    "checkin goal": goals.on_goal_command,
    "checkin setup": moderation.setup,
    "checkin insights": moderation.insights,
    "checkin invite": moderation.invite,
}

_BUTTON_HANDLERS: Mapping[str, ButtonHandler] = {
    "checkin.mood": answers.on_mood,
    "checkin.skip": answers.on_skip,
    "checkin.note": answers.on_note_button,
    "checkin.goal": goals.on_goal_button,
    "checkin.offer": reachout.on_offer,
    "checkin.claim": reachout.on_claim,
    "checkin.join": enrol.join,
}

_FORM_HANDLERS: Mapping[str, FormHandler] = {
    "checkin.note": answers.on_note_form,
    "checkin.goal": goals.on_goal_form,
}


class Checkins:
    """Scheduled, timezone-correct mood check-ins (see docs/checkins.md)."""

    name = "checkin"

    def __init__(self, settings: Settings) -> None:
        self._expiry = timedelta(hours=settings.checkins.prompt_expiry_hours)

    def commands(self) -> Sequence[CommandSpec]:
        return COMMANDS

    def job_kinds(self) -> Mapping[str, JobKind]:
        return {
            PROMPT: JobKind(run=prompts.run_prompt, expiry=self._expiry),
            REMIND: JobKind(run=prompts.run_reminder, expiry=self._expiry),
            RESUME: JobKind(run=prompts.run_resume),
            REACHOUT: JobKind(run=reachout.run_reannounce),
            GROUP: JobKind(run=group.run_group_thread, expiry=timedelta(hours=24)),
        }

    async def on_thread_started(self, ref: str, thread_id: str, ctx: Context) -> None:
        """The platform's id of a group thread we opened: messages there are counted by it."""
        if ref.startswith(GROUP_REF_PREFIX):
            await repo(ctx).set_group_thread_platform_id(ref, thread_id)
        elif ref.startswith(DAILY_REF_PREFIX):
            await repo(ctx).set_daily_thread_platform_id(ref, thread_id)

    async def on_event(self, event: Event, ctx: Context) -> Sequence[Action]:
        if isinstance(event, MessagePosted):
            # Messages arrive without a resolved member (the core's hot path).
            await group.count_message(event, ctx)
            return ()
        if ctx.member is None:
            return ()
        if isinstance(event, CommandInvoked):
            command = _COMMAND_HANDLERS.get(event.name)
            return await command(event, ctx) if command else ()
        if isinstance(event, ButtonPressed):
            button = _BUTTON_HANDLERS.get(event.action)
            return await button(event, ctx) if button else reply(
                event, ctx, ctx.t("checkin.answer.unknown"))
        if isinstance(event, FormSubmitted):
            form = _FORM_HANDLERS.get(event.form)
            return await form(event, ctx) if form else reply(
                event, ctx, ctx.t("checkin.answer.unknown"))
        return ()
