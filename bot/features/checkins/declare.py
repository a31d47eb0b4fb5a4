"""The check-ins feature's declarations: one table its modules register their handlers in.

Why a module of its own: each capability (consent, prompts, answers, reach-outs, goals, history,
insights, moderation, the group thread) declares its commands, buttons, forms and job kinds next
to its handlers, in its own module; they all need the same table, and the feature reads it.
"""

from __future__ import annotations

from bot.feature import Context, Handlers
from bot.features.checkins.repo import CheckinRepo

CheckinContext = Context[CheckinRepo]
"""What a check-in handler decides with: ``ctx.repo`` is the feature's own repository."""

handlers: Handlers[CheckinRepo] = Handlers("checkin")

# Button and form ids: what a button carries on the platform and what the core routes by.
MOOD = "checkin.mood"
SKIP = "checkin.skip"
NOTE = "checkin.note"
"""The "add a note" button and the note form."""
GOAL = "checkin.goal"
"""The goal buttons on a prompt and the goal form."""
OFFER = "checkin.offer"
CLAIM = "checkin.claim"
JOIN = "checkin.join"
