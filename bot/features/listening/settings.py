"""The listening settings moderators change with ``listening setup``, each declared once on top of
the config key it overrides (its default and its rule live in ``bot/config/schema.py``), and the
value of each that applies in a community."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.feature import Context
from bot.overrides import ChatSetting

ENABLED = ChatSetting(arg="enabled", key="listening_enabled", section="listening",
                      name="enabled", description="Listening notes and unanswered posts")
UNANSWERED_MINUTES = ChatSetting(
    arg="unanswered_minutes", key="listening_unanswered_minutes", section="listening",
    name="unanswered_minutes", description="Minutes before an unanswered post is shown")
NUDGE_PERIOD = ChatSetting(arg="nudge_period_hours", key="listening_nudge_period_hours",
                           section="listening", name="nudge_period_hours",
                           description="At most one note per person in this many hours")
POSITIVE = ChatSetting(arg="positive_feedback", key="listening_positive_feedback",
                       section="listening", name="positive_feedback",
                       description="Also thank supporters for especially good replies")
TIPS = ChatSetting(arg="weekly_tips", key="listening_weekly_tips", section="listening",
                   name="weekly_tips", description="A weekly listening tip for supporters")

CHAT_SETTINGS = (ENABLED, UNANSWERED_MINUTES, NUDGE_PERIOD, POSITIVE, TIPS)
"""In the order ``listening setup`` offers them."""


def enabled(ctx: Context[Any]) -> bool:
    return bool(ENABLED.effective(ctx.community, ctx.settings))


def unanswered_after(ctx: Context[Any]) -> timedelta:
    return timedelta(minutes=int(UNANSWERED_MINUTES.effective(ctx.community, ctx.settings)))


def nudge_period(ctx: Context[Any]) -> timedelta:
    return timedelta(hours=int(NUDGE_PERIOD.effective(ctx.community, ctx.settings)))


def positive_feedback(ctx: Context[Any]) -> bool:
    return bool(POSITIVE.effective(ctx.community, ctx.settings))


def weekly_tips(ctx: Context[Any]) -> bool:
    return bool(TIPS.effective(ctx.community, ctx.settings))


def reply_window(ctx: Context[Any]) -> timedelta:
    return timedelta(hours=ctx.settings.listening.reply_window_hours)
