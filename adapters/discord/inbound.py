"""Inbound: gateway events and interactions become neutral events for the core.

Guild and DM messages become ``MessagePosted``; slash commands ``CommandInvoked``; buttons (a
:class:`~adapters.discord.views.WarmlineButton`, routed by its custom id pattern so old buttons
work after a restart) ``ButtonPressed``; modal submits ``FormSubmitted``. Timezone options are
autocompleted here, from :func:`bot.config.timezone_suggestions`.

Interactions must be acknowledged within Discord's 3 seconds. The event goes to the core at once
and a timer starts: if the core has not answered after ``ack_after`` seconds, the registry defers
(a "thinking…" state for commands and forms, a silent update for buttons) and the core's answer
follows as a followup. Why the registry lives here but is read by the outbound side: the answer
(``Respond``/``OpenForm``) must find its interaction, its lock and whether it was deferred.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.convert import (
    UNREADABLE,
    button_event,
    command_event,
    command_path,
    form_event,
    is_message_command,
    message_action_event,
    message_event,
    unreadable_custom_id,
)
from bot.adapter import EventSink, Fatal
from bot.config import timezone_suggestions
from bot.events import Event, MessagePosted

log = logging.getLogger(__name__)

INTERACTION_TTL = 15 * 60.0
"""Discord keeps an interaction token valid for 15 minutes (followups)."""


@dataclass(slots=True, eq=False)
class Pending:
    """An interaction waiting for the core's answer."""

    interaction: discord.Interaction[Any]
    kind: str  # "command" | "button" | "form"
    created: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    thinking: bool = False
    original_used: bool = False
    timer: asyncio.Task[None] | None = None



class PendingInteractions:
    """Interactions waiting for the core's answer, by interaction id, each with the timer that
    defers it if the core takes longer than ``ack_after`` seconds."""

    def __init__(self, ack_after: float) -> None:
        self.ack_after = ack_after
        self._pending: dict[str, Pending] = {}

    def register(self, interaction: discord.Interaction[Any], kind: str) -> None:
        now = time.monotonic()
        for key in [k for k, p in self._pending.items() if now - p.created > INTERACTION_TTL]:
            expired = self._pending.pop(key)
            if expired.timer is not None:
                expired.timer.cancel()
        pending = Pending(interaction=interaction, kind=kind, created=now)
        pending.timer = asyncio.create_task(
            self._ack_later(pending), name=f"discord-ack-{interaction.id}"
        )
        self._pending[str(interaction.id)] = pending

    async def _ack_later(self, pending: Pending) -> None:
        await asyncio.sleep(self.ack_after)
        async with pending.lock:
            response = pending.interaction.response
            if response.is_done():
                return
            try:
                if pending.kind == "button":
                    await response.defer()
                else:
                    await response.defer(ephemeral=True, thinking=True)
                    pending.thinking = True
                log.info(
                    "deferred interaction %s: the core is taking its time", pending.interaction.id
                )
            except discord.HTTPException as exc:
                log.warning(
                    "could not defer interaction %s (%s)", pending.interaction.id, exc.status
                )


    def get(self, token: str) -> Pending:
        """The interaction an answer is for; :class:`~bot.adapter.Fatal` if unknown or expired."""
        pending = self._pending.get(token)
        if pending is None or time.monotonic() - pending.created > INTERACTION_TTL:
            raise Fatal("the interaction is unknown or expired (Discord allows 15 minutes)")
        return pending

    def running_timers(self) -> int:
        return sum(1 for p in self._pending.values() if p.timer and not p.timer.done())

    def timers(self) -> list[asyncio.Task[None]]:
        return [p.timer for p in self._pending.values() if p.timer is not None]

    def clear(self) -> None:
        self._pending.clear()


class Inbound:
    """Translates what the client's hooks hand the adapter, and counts what reached the core."""

    def __init__(
        self,
        *,
        interactions: PendingInteractions,
        autocomplete: Mapping[tuple[str, str], str],
        client: Callable[[], discord.Client | None],
        message_actions: Mapping[str, str] | None = None,
    ) -> None:
        self.sink: EventSink | None = None
        self.events_in = 0
        self._interactions = interactions
        self._autocomplete = autocomplete
        self._client = client
        self._message_actions = dict(message_actions or {})
        """A message-menu command's name → the core command it invokes."""
        self._messages: deque[Event] = deque()
        self._drainer: asyncio.Task[None] | None = None

    async def _emit(self, event: Event) -> None:
        if self.sink is None:
            return
        self.events_in += 1
        await self.sink(event)

    def message_arrived(self, message: discord.Message) -> None:
        """A gateway message, converted at once and queued for the core.

        Called synchronously from the client's ``dispatch``, so no task is made per message:
        the discord.py objects are dropped as soon as this returns, and one drain task (alive
        only while messages wait) hands the neutral events to the sink in arrival order."""
        if self.sink is None:
            return
        client = self._client()
        try:
            event = message_event(
                message, bot_user_id=client.user.id if client and client.user else None
            )
        except Exception as exc:  # never into discord.py's gateway loop; the type only
            log.error("could not read Discord message %s: %s", message.id, type(exc).__name__)
            return
        if event is not None:
            self.message_posted(event)

    def message_posted(self, event: MessagePosted) -> None:
        """A message already converted (by the client's raw MESSAGE_CREATE path,
        :mod:`.rawmessage`, or :meth:`message_arrived`), queued for the core."""
        if self.sink is None:
            return
        self._messages.append(event)
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain(), name="discord-messages")

    async def _drain(self) -> None:
        """Emit the queued messages in order; ends when none is left (no await between the
        last check and the end, so a message queued meanwhile starts a new drain)."""
        try:
            while self._messages:
                event = self._messages.popleft()
                try:
                    await self._emit(event)
                except Exception as exc:
                    log.error("message %s/%s not handed to the core: %s", event.platform,
                              event.event_id, type(exc).__name__)
        finally:
            self._drainer = None

    def running_drainers(self) -> int:
        return 1 if self._drainer is not None and not self._drainer.done() else 0

    async def stop(self) -> None:
        """Cancel the drain (the adapter is stopping; the platform redelivers nothing, as
        before when each message had its own task)."""
        drainer, self._drainer = self._drainer, None
        self._messages.clear()
        if drainer is not None:
            drainer.cancel()
            await asyncio.gather(drainer, return_exceptions=True)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        kind = interaction.type
        if kind == discord.InteractionType.application_command:
            data: Mapping[str, Any] = interaction.data or {}
            name = str(data.get("name", ""))
            event = (message_action_event(interaction, self._message_actions.get(name, name))
                     if is_message_command(interaction) else command_event(interaction))
            self._interactions.register(interaction, "command")
            await self._emit(event)
        elif kind == discord.InteractionType.autocomplete:
            await self._autocomplete_answer(interaction)
        elif kind == discord.InteractionType.modal_submit:
            form = form_event(interaction)
            self._interactions.register(interaction, "form")
            await self._emit(form)
        elif kind == discord.InteractionType.component and unreadable_custom_id(interaction):
            # Readable ids are routed by WarmlineButton (a DynamicItem), which calls on_button;
            # any other still reaches the core, which answers it, so no press goes unanswered.
            log.warning("answered a component whose custom_id Warmline cannot read")
            await self.on_button(interaction, UNREADABLE, "")

    async def on_button(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        self._interactions.register(interaction, "button")
        await self._emit(button_event(interaction, action, value))

    async def _autocomplete_answer(self, interaction: discord.Interaction[Any]) -> None:
        path = command_path(interaction.data or {})
        kind = self._autocomplete.get((path.name, path.focused or ""))
        choices: list[discord.app_commands.Choice[str]] = []
        if kind == "timezone":
            typed = path.args.get(path.focused or "", "")
            choices = [
                discord.app_commands.Choice(name=z, value=z)
                for z in timezone_suggestions(typed, limit=10)
            ]
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.autocomplete(choices)
