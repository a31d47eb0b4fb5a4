"""Moderators' side of listening: ``listening setup`` and what ``warmline setup status`` says.

Each change applies at once and is written to the audit log (who, what, when).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action
from bot.answer import answer, quoted
from bot.events import CommandInvoked
from bot.features.listening.declare import ListeningContext, handlers
from bot.features.listening.settings import CHAT_SETTINGS, enabled
from bot.features.listening.tips import ensure_tips_job
from bot.overrides import BadValue, save_changes, shown


@handlers.command("listening setup", "Listening settings for this community", moderator_only=True,
                  args=tuple(setting.arg_spec() for setting in CHAT_SETTINGS))
async def setup(event: CommandInvoked, ctx: ListeningContext) -> Sequence[Action]:
    changes: dict[str, object] = {}
    lines: list[str] = []
    for setting in CHAT_SETTINGS:
        typed = event.args.get(setting.arg, "").strip()
        if not typed:
            continue
        try:
            value = setting.parse(typed, ctx.settings)
        except BadValue as bad:
            return answer(event, ctx.t("listening.setup.bad_value", arg=setting.arg,
                                       value=quoted(typed), hint=bad.reason))
        changes[setting.key] = value
        lines.append(f"{setting.arg} = {shown(value)}")
    if not changes:
        return answer(event, ctx.t("listening.setup.nothing"))
    ctx = await save_changes(ctx, event.user, "listening setup", changes, lines)
    cached = ctx.repo.rooms.get(ctx.community.id)
    if cached is not None:
        cached.read_at = None  # read the new values with the next message
    await ensure_tips_job(ctx)
    return answer(event, ctx.t("listening.setup.done", changes="; ".join(lines)))


@handlers.command("listening status", "Listening notes of the last 7 days, as counts",
                  moderator_only=True)
async def status(event: CommandInvoked, ctx: ListeningContext) -> Sequence[Action]:
    """Counts only: how many notes went out, and how many people switched them off; never who,
    never about what."""
    counts = await ctx.repo.note_counts(ctx.community.id, ctx.now - timedelta(days=7))
    return answer(event, ctx.t("listening.status.counts", nudges=counts.get("nudge", 0),
                               thanks=counts.get("thanks", 0), off=counts.get("off", 0)))


@handlers.setup_check
async def listening_path(ctx: ListeningContext) -> list[str]:
    """Listening needs a support channel to read, and somewhere to send unanswered posts."""
    if not enabled(ctx):
        return []
    problems = []
    if await ctx.store.channels.for_purpose(ctx.community.id, "support") is None:
        problems.append(ctx.t("listening.status.no_support_channel"))
    channels = await ctx.store.channels.all(ctx.community.id)
    if not ({"supporters", "moderators"} & set(channels)):
        problems.append(ctx.t("listening.status.no_reach_channel"))
    return problems
