"""The listening feature's declarations: one table its modules register their handlers in.

Why a module of its own: each capability (replies and notes, coaching a draft, unanswered posts,
weekly tips, moderators' setup) declares its commands, buttons, forms and job kinds next to its
handlers, in its own module; they all need the same table, and the feature reads it.
"""

from __future__ import annotations

from bot.feature import Context, Handlers
from bot.features.listening.repo import ListeningRepo

ListeningContext = Context[ListeningRepo]
"""What a listening handler decides with: ``ctx.repo`` is the feature's own repository."""

handlers: Handlers[ListeningRepo] = Handlers("listening")

NOTES = "listening.notes"
"""The button on a note that switches notes off (value ``off``) or back on (``on``)."""
DRAFT = "listening.draft"
"""The form a supporter pastes a draft reply into."""
UNANSWERED = "listening.unanswered"
"""The job that shows supporters the posts nobody has answered yet."""
TIPS = "listening.tips"
"""The weekly listening tip in the supporters' channel."""
