"""The safety feature's declarations: the table its modules register their handlers in, and the
ids its buttons and jobs carry."""

from __future__ import annotations

from bot.feature import Context, Handlers
from bot.features.safety.repo import SafetyRepo

SafetyContext = Context[SafetyRepo]

handlers: Handlers[SafetyRepo] = Handlers("safety")

NOT_MEANT = "safety.not_meant"
"""The "this isn't what I meant" button on the reply: a false positive, counted."""
ACK = "safety.ack"
"""The "I'm on it" button on every alert."""
DONE = "safety.done"
"""The button the person who took an alert presses when it has ended."""
ESCALATE = "safety.escalate"
"""The job that widens an alert nobody took: on-call and supporters, then every moderator."""
