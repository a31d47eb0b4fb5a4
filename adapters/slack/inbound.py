"""Inbound: bolt's listeners turn Slack events, commands and interactions into neutral events.

Every listener acks first (Slack wants an answer within 3 seconds, and the core may take longer),
then does the slow work: asks ``users.info`` who acted (display name, zone, admin flag; cached),
records the interaction's ``response_url`` and ``trigger_id`` for the answer, and hands the
neutral event to the core. No exception escapes a listener after its ack (bolt would turn the
ack into a 404, see platform-testing.md §3.5): it is logged by type, and the core's own failure
path answers the person.

What arrives, and what it becomes:

- ``message`` in a channel, a thread or a DM → ``MessagePosted`` (edits, deletions, bot
  messages and channel joins are dropped in :func:`~adapters.slack.convert.message_event`);
  a retried delivery (``X-Slack-Retry-Num``) of a message already handled, before a restart
  too, is dropped here (:mod:`adapters.slack.seen`); the core drops other retried events;
- ``/warmline …`` → ``CommandInvoked`` (:mod:`adapters.slack.commands`);
- a message shortcut ("Reply with care", a core command's ``message_action``) →
  ``CommandInvoked`` of that command with the message's ``channel`` and ``message`` (its ``ts``);
- a Warmline button (``action_id`` ``wl:…``) → ``ButtonPressed``; a Warmline modal submitted →
  ``FormSubmitted``;
- who acted carries the ids of the Slack user groups they are in as ``Actor.roles``
  (:mod:`adapters.slack.groups`); ``subteam_*`` events make them read again;
- ``team_join`` → ``MemberJoined``; ``user_change`` of a deactivated person → ``MemberLeft``;
- ``dnd_updated_user`` / ``dnd_updated`` → ``DoNotDisturbChanged``; the first time the adapter
  looks a person up it also asks ``dnd.info``, so a DND already on is known;
- ``app_home_opened`` → the App Home tab (see :class:`~adapters.slack.adapter.SlackAdapter`);
- ``app_uninstalled`` / ``tokens_revoked`` → the workspace's data is deleted.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import RUN_COMMAND
from adapters.slack.commands import SHORTCUT_PATTERN, SLASH_COMMAND, CommandTable
from adapters.slack.convert import (
    PLATFORM,
    actor_from_profile,
    button_event,
    command_event,
    dnd_event,
    dnd_updated_event,
    form_event,
    interaction_id,
    membership_event,
    message_event,
    shortcut_event,
)
from adapters.slack.custom_ids import ACTION_PATTERN
from adapters.slack.groups import UserGroups
from adapters.slack.interactions import Pending, PendingInteractions
from adapters.slack.outbound import NETWORK_ERRORS
from adapters.slack.seen import SeenMessages
from bot.adapter import EventSink
from bot.events import Actor, CommandInvoked, Event

log = logging.getLogger(__name__)

PROFILE_TTL = 3600.0
"""How long a person's ``users.info`` answer is reused (their zone rarely changes)."""
PROFILE_WAIT = 1.0
"""How long a button or form waits for a profile it does not have yet: a form must open within
3 seconds of the press (the ``trigger_id``), and a 09:00 round of presses can meet a 429 on
``users.info``. Past it, the press goes on with what Slack's payload says."""

Lifecycle = Callable[[str | None, str | None], Awaitable[None]]
"""(enterprise id, team id) of a workspace that uninstalled Warmline or revoked its tokens."""
HOME_COMMANDS = ("quiet show", "duty status", "checkin history", "warmline help")
"""What the App Home tab shows: the core's own answers to these read-only commands (the member's
quiet hours and snooze, their duty, their check-in history, then what they can do), in the
member's language, in this order, where the core has them."""


class Inbound:
    """Registers the listeners on ``app`` and counts what reached the core."""

    def __init__(self, *, table: CommandTable, interactions: PendingInteractions,
                 uninstalled: Lifecycle) -> None:
        self.sink: EventSink | None = None
        self.events_in = 0
        self.workspace_events = 0
        """Uninstalls and token revocations handled (for status and tests)."""
        self.table = table
        self._interactions = interactions
        self._uninstalled = uninstalled
        self._profiles: OrderedDict[tuple[str | None, str], tuple[float, Actor]] = OrderedDict()
        self.groups = UserGroups()
        self.seen: SeenMessages | None = None
        """Message ids handled, kept across restarts for Slack's retries (with a store)."""
        self.retries_dropped = 0

    async def emit(self, event: Event) -> None:
        if self.sink is None:
            return
        self.events_in += 1
        await self.sink(event)

    def register(self, app: AsyncApp) -> None:
        """One listener for every event type (bolt tries each listener's matcher in turn for
        every request, so one listener keeps the message hot path short), then the command,
        the buttons and the forms."""
        handlers: dict[str, Callable[[dict[str, Any], AsyncWebClient], Awaitable[None]]] = {
            "message": self.on_message,
            "team_join": self.on_membership, "user_change": self.on_membership,
            "dnd_updated_user": self.on_dnd, "dnd_updated": self.on_dnd,
            "app_home_opened": self.on_home,
            "app_uninstalled": self.on_uninstalled, "tokens_revoked": self.on_uninstalled,
            "subteam_created": self.on_groups, "subteam_updated": self.on_groups,
            "subteam_members_changed": self.on_groups,
        }

        async def on_event(body: dict[str, Any], client: AsyncWebClient,
                           request: AsyncBoltRequest) -> None:
            kind = str((body.get("event") or {}).get("type"))
            if kind == "message":
                await self.on_message(body, client, retried=_retried(request))
                return
            handler = handlers.get(kind)
            if handler is not None:
                await handler(body, client)

        app.event(re.compile("^(" + "|".join(map(re.escape, handlers)) + ")$"))(on_event)
        app.command(SLASH_COMMAND)(self.on_command)
        app.message_shortcut(SHORTCUT_PATTERN)(self.on_shortcut)
        app.action(ACTION_PATTERN)(self.on_button)
        app.view(ACTION_PATTERN)(self.on_view)

    # -- who acted -----------------------------------------------------------------------------

    async def actor(self, client: AsyncWebClient, team: str | None, user: str) -> Actor:
        """Who ``user`` is: their profile, and the user groups they are in as their roles."""
        actor = await self._profile(client, team, user)
        roles = await self.groups.roles(client, team, user)
        return replace(actor, roles=roles) if roles else actor

    async def _profile(self, client: AsyncWebClient, team: str | None, user: str) -> Actor:
        """What ``users.info`` says about ``user`` (cached); the first look also asks
        ``dnd.info`` and tells the core if do-not-disturb is on."""
        now = time.monotonic()
        cached = self._profiles.get((team, user))
        if cached is not None and now - cached[0] < PROFILE_TTL:
            return cached[1]
        try:
            response = await client.users_info(user=user)
            actor = actor_from_profile(response.get("user"))
        except (SlackApiError, *NETWORK_ERRORS) as exc:
            log.warning("slack: users.info failed (%s); going on without the profile",
                        type(exc).__name__)
            return Actor()
        first = cached is None
        self._profiles[(team, user)] = (now, actor)
        self._profiles.move_to_end((team, user))
        if len(self._profiles) > 50_000:
            self._profiles.popitem(last=False)
        if first:
            await self._dnd_now(client, team, user)
        return actor

    async def actor_soon(self, client: AsyncWebClient, team: str | None, user: str) -> Actor:
        """:meth:`actor`, waiting at most :data:`PROFILE_WAIT`."""
        try:
            async with asyncio.timeout(PROFILE_WAIT):
                return await self.actor(client, team, user)
        except TimeoutError:
            log.info("slack: no profile within %.0fs; going on without it", PROFILE_WAIT)
            return Actor()

    async def _dnd_now(self, client: AsyncWebClient, team: str | None, user: str) -> None:
        try:
            status = await client.dnd_info(user=user)
        except (SlackApiError, *NETWORK_ERRORS) as exc:
            log.info("slack: dnd.info failed (%s)", type(exc).__name__)
            return
        now = datetime.now(UTC)
        event = dnd_event(user, status.data if isinstance(status.data, dict) else {},
                          event_id=f"dnd:{user}:{int(now.timestamp())}", community=team, now=now)
        if event.active:
            await self.emit(event)

    # -- listeners -----------------------------------------------------------------------------

    async def on_message(self, body: dict[str, Any], client: AsyncWebClient, *,
                         retried: bool = False) -> None:
        event = message_event(body)
        if event is None:
            return
        roles = self.groups.roles_now(client, event.community, event.user)
        if roles:
            event = replace(event, actor=replace(event.actor, roles=roles))
        seen = self.seen
        if seen is not None and body.get("event_id"):
            if retried:
                try:
                    first = await seen.first_time(event.event_id)
                except Exception as exc:  # the core's memory still catches most retries
                    log.warning("slack: could not look up a retried message (%s)",
                                type(exc).__name__)
                    first = True
                if not first:
                    self.retries_dropped += 1
                    log.info("slack: dropped a retried message delivery %s", event.event_id)
                    return
            else:
                seen.note(event.event_id)
        await self._safely(self.emit(event), "message")

    async def on_command(self, ack: AsyncAck, body: dict[str, Any],
                         client: AsyncWebClient) -> None:
        await ack()
        await self._safely(self._command(body, client), "command")

    async def _command(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        team = body.get("team_id")
        actor = await self.actor(client, team, str(body.get("user_id", "")))
        event = command_event(body, self.table, actor)
        self._interactions.register(interaction_id(body), Pending(
            kind="command", user=event.user, team=event.community, channel=event.channel,
            response_url=body.get("response_url"), trigger_id=body.get("trigger_id")))
        await self.emit(event)

    async def on_shortcut(self, ack: AsyncAck, body: dict[str, Any],
                          client: AsyncWebClient) -> None:
        await ack()  # the modal it may open uses the trigger, valid 3 seconds
        await self._safely(self._shortcut(body, client), "shortcut")

    async def _shortcut(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = shortcut_event(body, self.table, Actor())
        event = replace(event, actor=await self.actor_soon(client, event.community, event.user))
        self._interactions.register(interaction_id(body), Pending(
            kind="command", user=event.user, team=event.community, channel=event.channel,
            response_url=body.get("response_url"), trigger_id=body.get("trigger_id")))
        await self.emit(event)

    async def on_button(self, ack: AsyncAck, body: dict[str, Any],
                        client: AsyncWebClient) -> None:
        await ack()
        await self._safely(self._button(body, client), "button")

    async def _button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = button_event(body, Actor())
        if event.action == RUN_COMMAND:  # an App Home button: the command it names
            await self._home_command(body, client, event.value)
            return
        event = replace(event, actor=await self.actor_soon(client, event.community, event.user))
        self._interactions.register(interaction_id(body), Pending(
            kind="button", user=event.user, team=event.community, channel=event.channel,
            response_url=body.get("response_url"), trigger_id=body.get("trigger_id"),
            message_ts=event.message_id))
        await self.emit(event)

    async def _home_command(self, body: dict[str, Any], client: AsyncWebClient,
                            name: str) -> None:
        """A command run from the App Home: the core's answer comes in the member's DM (a
        home view has no ``response_url``); a form it opens uses the press's trigger."""
        event = button_event(body, Actor())
        command = CommandInvoked(  # a forged name is answered by the core as unknown
            platform=PLATFORM, event_id=event.event_id, at=event.at, community=event.community,
            user=event.user, name=name, channel=None,
            interaction=event.interaction, is_dm=True,
            actor=await self.actor_soon(client, event.community, event.user))
        self._interactions.register(interaction_id(body), Pending(
            kind="command", user=event.user, team=event.community, channel=None,
            response_url=None, trigger_id=body.get("trigger_id")))
        await self.emit(command)

    async def on_view(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()  # closes the modal; the core's answer follows as an ephemeral or a DM
        await self._safely(self._view(body, client), "form")

    async def _view(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = form_event(body, Actor())
        event = replace(event, actor=await self.actor_soon(client, event.community, event.user))
        urls = body.get("response_urls") or []
        self._interactions.register(interaction_id(body), Pending(
            kind="form", user=event.user, team=event.community, channel=event.channel,
            response_url=urls[0].get("response_url") if urls else None,
            trigger_id=body.get("trigger_id")))
        await self.emit(event)

    async def on_membership(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        user = (body.get("event") or {}).get("user")
        if isinstance(user, Mapping):  # a changed profile (a new zone) is read again next time
            self._profiles.pop((body.get("team_id"), str(user.get("id"))), None)
        event = membership_event(body)
        if event is not None:
            await self._safely(self.emit(event), "membership")

    async def on_groups(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        self.groups.forget(body.get("team_id"))

    async def on_dnd(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = dnd_updated_event(body, datetime.now(UTC))
        if event is not None:
            await self._safely(self.emit(event), "dnd")

    async def on_home(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        if (body.get("event") or {}).get("tab", "home") == "home":
            await self._safely(self._home(body, client), "home")

    async def _home(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The member opened Warmline's App Home: ask the core the :data:`HOME_COMMANDS` on
        their behalf; each answer is published on the tab as it comes (outbound)."""
        event = body.get("event") or {}
        user, team = str(event.get("user", "")), body.get("team_id")
        token = f"h{body.get('event_id', '')}"
        known = {spec.name for spec in self.table.by_words.values()}
        names = [name for name in HOME_COMMANDS if name in known]
        sections: list[str] = [""] * len(names)  # one per command, in order, shared
        for slot in range(len(names)):
            self._interactions.register(f"{token}:{slot}", Pending(
                kind="home", user=user, team=team, channel=event.get("channel"),
                response_url=None, trigger_id=None, home=sections, home_slot=slot))
        actor = await self.actor(client, team, user)
        for slot, name in enumerate(names):
            await self.emit(CommandInvoked(
                platform=PLATFORM, event_id=f"{token}:{name}", at=datetime.now(UTC),
                community=team, user=user, name=name, channel=event.get("channel"),
                interaction=f"{token}:{slot}", is_dm=True, actor=actor))

    async def on_uninstalled(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = body.get("event") or {}
        # Only user tokens revoked: the bot still works there, nothing to delete.
        if event.get("type") != "tokens_revoked" or (event.get("tokens") or {}).get("bot"):
            await self._safely(self._uninstalled(body.get("enterprise_id"), body.get("team_id")),
                               "uninstall")
        self.workspace_events += 1

    @staticmethod
    async def _safely(work: Awaitable[None], what: str) -> None:
        try:
            await work
        except Exception as exc:  # never past an ack: log the type, the core answers the person
            log.error("slack: handling a %s failed (%s)", what, type(exc).__name__)


def _retried(request: AsyncBoltRequest) -> bool:
    """Whether Slack says this delivery is a retry (HTTP's header; bolt sets the same header
    from a Socket Mode envelope's ``retry_attempt``)."""
    values = request.headers.get("x-slack-retry-num") or ()
    return any(v not in ("", "0") for v in values)
