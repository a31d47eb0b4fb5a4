"""Interactions waiting for the core's answer: what a ``Respond`` or ``OpenForm`` needs to find.

Why a registry: Slack is answered out of band. Bolt acks every command, button and form at once
(within Slack's 3 seconds, before the core runs), and the core's answer follows through the
interaction's ``response_url`` (usable 5 times in 30 minutes), ``chat.postEphemeral``, or, for a
form, ``views.open`` with the ``trigger_id`` (valid 3 seconds). The inbound side records those
here by the token it gives the core (``Respond.interaction``); the outbound side reads them.
Nothing here outlives the process, and nothing needs to: an answer comes within seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from bot.adapter import Fatal

__all__ = ["Pending", "PendingInteractions"]

RESPONSE_URL_USES = 5


@dataclass(slots=True, eq=False)
class Pending:
    kind: str
    """``command`` | ``button`` | ``form`` | ``home``"""
    user: str
    team: str | None
    channel: str | None
    response_url: str | None
    trigger_id: str | None
    message_ts: str | None = None
    created: float = 0.0
    uses: int = 0
    replaced: bool = False
    home: list[str] | None = None
    """For ``home``: the texts the core answered, one slot per command asked (shared by them),
    shown on the member's App Home tab in that order."""
    home_slot: int = 0

    def take_response_url(self) -> str | None:
        """The ``response_url`` if it may still be used (5 times), counting this use."""
        if self.response_url is None or self.uses >= RESPONSE_URL_USES:
            return None
        self.uses += 1
        return self.response_url


class PendingInteractions:
    """By token, oldest first; entries older than ``ttl`` (or beyond ``limit``) are dropped."""

    def __init__(self, ttl: float, limit: int = 50_000) -> None:
        self.ttl = ttl
        self.limit = limit
        self._pending: OrderedDict[str, Pending] = OrderedDict()

    def register(self, token: str, pending: Pending) -> Pending:
        now = time.monotonic()
        pending.created = now
        while self._pending:
            oldest = next(iter(self._pending.values()))
            if now - oldest.created <= self.ttl and len(self._pending) < self.limit:
                break
            self._pending.popitem(last=False)
        self._pending[token] = pending
        return pending

    def get(self, token: str) -> Pending:
        """The interaction an answer is for; :class:`~bot.adapter.Fatal` if unknown or expired."""
        pending = self._pending.get(token)
        if pending is None or time.monotonic() - pending.created > self.ttl:
            raise Fatal("the Slack interaction is unknown or expired (30 minutes)")
        return pending

    def pop(self, token: str) -> Pending | None:
        return self._pending.pop(token, None)

    def clear(self) -> None:
        self._pending.clear()

    def __len__(self) -> int:
        return len(self._pending)
