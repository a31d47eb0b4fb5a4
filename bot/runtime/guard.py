"""Abuse limits, checked in the core before any feature sees an interaction.

- **Rate**: a token bucket per (platform, community, person) for commands, button presses and
  forms: ``[limits] burst`` at once, then ``per_minute`` on average. The first refused action of
  a stretch gets a polite answer; the rest are dropped without one (answering every press of a
  flood would be a flood of its own), until the bucket has a token again. Time is the core's
  clock, so the virtual clock makes every test exact.
- **Length**: every command argument is held to its ``ArgSpec.max_length`` and every form field
  to its ``FormField.max_length``, whatever the adapter did. Form limits come from the form as it
  was opened (the core sees every ``OpenForm`` a handler returns); a form opened before a restart
  is held to :data:`MAX_FIELD` (the longest text input any platform allows). The answer names the
  limit and, when a button opened the form, offers that button again to write it once more.

State is per core instance and bounded; nothing here is global.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.actions import Action, Button, OpenForm
from bot.answer import answer
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted

MAX_FIELD = 4000
"""Discord's longest modal text input (Slack allows 3000): the ceiling for a form field whose
own limit is unknown."""
MAX_ARG = 6000
"""The ceiling for a command argument nobody declared (Discord's whole-command limit)."""
MAX_TRACKED = 100_000
"""People (and opened forms) remembered at most; the least recently seen are forgotten first,
which only ever lets someone through earlier, never later."""

Say = Callable[[Event, str, Mapping[str, Any]], Awaitable[str]]
"""Renders a catalogue text for the person who acted (in their community's language)."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: datetime
    told: bool = False


class RateLimiter:
    """Token buckets by key; ``allow`` says ``"ok"``, ``"tell"`` (refused, and say so) or
    ``"drop"`` (refused, already said)."""

    def __init__(self, *, per_minute: int, burst: int, max_keys: int = MAX_TRACKED) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[tuple[str, ...], _Bucket] = OrderedDict()

    def allow(self, key: tuple[str, ...], now: datetime) -> str:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=self.burst, at=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max((now - bucket.at).total_seconds(), 0.0)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            bucket.at = max(now, bucket.at)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.told = False
            return "ok"
        if bucket.told:
            return "drop"
        bucket.told = True
        return "tell"


@dataclass(frozen=True, slots=True)
class _OpenedForm:
    limits: Mapping[str, int]
    reopen: tuple[str, str] | None
    """(action, value) of the button that opened the form: pressing it again reopens it."""


class InputGuard:
    """The core's rate and length checks (see the module docstring)."""

    def __init__(self, *, per_minute: int, burst: int, say: Say,
                 arg_limits: Callable[[str], Mapping[str, int] | None]) -> None:
        self.rate = RateLimiter(per_minute=per_minute, burst=burst)
        self._say = say
        self._arg_limits = arg_limits
        self._forms: OrderedDict[tuple[str, str, str, str], _OpenedForm] = OrderedDict()
        self.refused = 0
        """Interactions refused for rate so far (answered or dropped)."""

    async def over_rate(self, event: Event, now: datetime) -> list[Action] | None:
        """None when the event may go on; else what to answer (often nothing)."""
        if not isinstance(event, CommandInvoked | ButtonPressed | FormSubmitted):
            return None
        verdict = self.rate.allow((event.platform, event.community or "", event.user), now)
        if verdict == "ok":
            return None
        self.refused += 1
        if verdict == "drop":
            return []
        return answer(event, await self._say(event, "common.slow_down", {}), dm_fallback=False)

    async def too_long(self, event: Event) -> list[Action] | None:
        """None when every text the person typed fits its limit; else the answer naming it."""
        if isinstance(event, CommandInvoked):
            limits = self._arg_limits(event.name) or {}
            for name, value in event.args.items():
                limit = limits.get(name, MAX_ARG)
                if len(value) > limit:
                    text = await self._say(event, "common.arg_too_long",
                                           {"arg": name, "max": limit, "length": len(value)})
                    return answer(event, text, dm_fallback=False)
        elif isinstance(event, FormSubmitted):
            opened = self._forms.get(_form_key(event.platform, event.user, event.form,
                                               event.context))
            for name, value in event.values.items():
                limit = opened.limits.get(name, MAX_FIELD) if opened else MAX_FIELD
                if len(value) > limit:
                    reopen = opened.reopen if opened else None
                    key = "common.field_too_long_retry" if reopen else "common.field_too_long"
                    text = await self._say(event, key, {"max": limit, "length": len(value)})
                    buttons: tuple[Button, ...] = ()
                    if reopen is not None:
                        label = await self._say(event, "common.write_again", {})
                        buttons = (Button(action=reopen[0], value=reopen[1], label=label,
                                          style="primary"),)
                    return answer(event, text, buttons, dm_fallback=False)
        return None

    def opened(self, event: Event, actions: Sequence[Action]) -> None:
        """Remember the limits of each form a handler opened (and the button that opened it)."""
        for action in actions:
            if not isinstance(action, OpenForm):
                continue
            form = action.form
            reopen = (event.action, event.value) if isinstance(event, ButtonPressed) else None
            key = _form_key(action.platform, action.recipient or event.user, form.id,
                            form.context)
            self._forms[key] = _OpenedForm(
                limits={f.id: f.max_length for f in form.fields if f.max_length}, reopen=reopen)
            self._forms.move_to_end(key)
            if len(self._forms) > MAX_TRACKED:
                self._forms.popitem(last=False)


def _form_key(platform: str, user: str, form: str, context: str) -> tuple[str, str, str, str]:
    return (platform, user, form, context)
