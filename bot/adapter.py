"""The seam between the core and a platform.

An adapter turns platform payloads into neutral events (pushed into an :data:`EventSink`) and
neutral actions into platform calls (:meth:`Adapter.send`). It states what the platform can do in
:class:`Capabilities` so the core adapts without ever asking which platform it is on.

Errors an adapter raises from ``send`` are these types only, so the outbox can decide once for all
platforms what to retry and what to record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.actions import Action
from bot.events import Event


class EventSink(Protocol):
    """Where an adapter hands each event. It returns once the event is accepted (queued), not
    handled: a platform's event loop must not wait on the core. An adapter that must know when
    an event was handled (to remember how far it has read) passes ``handled``, called once the
    core has handled the event and committed what it wrote."""

    def __call__(self, event: Event, *,
                 handled: Callable[[], None] | None = None) -> Awaitable[None]: ...



@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    max_text: int = 2000
    sends_per_second: float = 40.0
    """Sustained outbound rate the outbox paces fan-outs to, below the platform's global limit."""
    command_names: Mapping[str, str] = field(default_factory=dict)
    """How a person types a core command on this platform, where it differs from the core's
    name (Discord's ``checkin-admin setup`` for ``checkin setup``): help shows these."""
    delivery_window_seconds: float = 600.0
    """A scheduled send later than this after its due time is logged and counted as late (it is
    still sent: lateness never drops a prompt; the job kind's expiry decides that)."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the platform gave back: the id of the created message, if any."""

    message_id: str | None = None
    channel: str | None = None


class AdapterError(Exception):
    """Base of everything ``Adapter.send`` may raise."""


class Transient(AdapterError):
    """Try again later (network error, 5xx)."""


class RateLimited(Transient):
    def __init__(self, retry_after: float, *, is_global: bool = False) -> None:
        super().__init__(f"rate limited; retry after {retry_after:.2f}s")
        self.retry_after = retry_after
        self.is_global = is_global


class Unreachable(AdapterError):
    """The person cannot be reached privately (DMs closed, left the workspace)."""

    def __init__(self, user: str, reason: str) -> None:
        super().__init__(f"user {user} unreachable: {reason}")
        self.user = user
        self.reason = reason


class Fatal(AdapterError):
    """Retrying cannot help (bad request, missing permission); the action is dropped and logged."""


def adapter_ready(adapter: object) -> bool | None:
    """What an adapter says about its connection: its optional ``ready`` attribute (a bool or
    a property; True once connected, False while it reconnects or after it failed), looked up
    with ``getattr`` like ``failed``, since the :class:`Adapter` protocol does not require it.
    None when the adapter does not say."""
    ready = getattr(adapter, "ready", None)
    return None if ready is None else bool(ready)


class Adapter(Protocol):
    platform: str
    capabilities: Capabilities

    async def start(self, sink: EventSink) -> None:
        """Connect and begin pushing events into ``sink``; returns once connected."""
        ...

    async def stop(self) -> None:
        """Disconnect and cancel every task the adapter owns. Safe to call twice."""
        ...

    async def send(self, action: Action) -> SendResult:
        """Perform one action. Raises only :class:`AdapterError` subclasses."""
        ...
