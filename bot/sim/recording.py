"""An adapter that performs nothing and remembers everything: the simulator's platform.

It is a real ``Adapter`` (so the outbox path is exactly the production one) whose ``send`` records
the action with the virtual time it went out. Tests can script failures: queue exceptions with
``fail_next`` and the next sends raise them in order.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from bot.actions import Action, PostMessage, SendDirect, StartThread
from bot.adapter import AdapterError, Capabilities, EventSink, SendResult
from bot.clock import Clock


@dataclass(frozen=True, slots=True)
class Sent:
    at: datetime
    action: Action
    result: SendResult


class RecordingAdapter:
    def __init__(
        self, clock: Clock, *, platform: str = "sim", capabilities: Capabilities | None = None
    ) -> None:
        self.platform = platform
        self.capabilities = capabilities or Capabilities(sends_per_second=math.inf, max_text=4000)
        self.clock = clock
        self.sent: list[Sent] = []
        self.sink: EventSink | None = None
        self._failures: deque[AdapterError] = deque()
        self._ids = 0

    async def start(self, sink: EventSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    def fail_next(self, *errors: AdapterError) -> None:
        self._failures.extend(errors)

    async def send(self, action: Action) -> SendResult:
        if self._failures:
            raise self._failures.popleft()
        self._ids += 1
        channel = None
        if isinstance(action, StartThread):
            channel = f"thread-{self._ids}"  # a new thread has an id of its own, as on platforms
        elif isinstance(action, PostMessage):
            channel = action.channel
        elif isinstance(action, SendDirect):
            channel = action.channel or f"dm-{action.user}"
        result = SendResult(message_id=f"m{self._ids}", channel=channel)
        self.sent.append(Sent(self.clock.now(), action, result))
        return result
