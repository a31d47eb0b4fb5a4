"""The decision core: events in, actions out, no platform anywhere.

``Core.handle`` drops redelivered events, resolves the community and member, enforces command
permissions once for every feature, and routes the event (see ``bot.feature`` for the routing
rules). ``Core.job_context`` builds the context a scheduled job runs in. The core never sends:
the caller hands the returned actions to the outbox.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, Respond
from bot.answer import answer
from bot.clock import Clock
from bot.config import Settings
from bot.config.timezones import valid_zone
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberUnreachable,
    MessagePosted,
)
from bot.feature import (
    ButtonHandler,
    CommandHandler,
    CommandSpec,
    Context,
    EventHandler,
    Feature,
    FormHandler,
    StatusCheck,
    all_commands,
)
from bot.model import BatchRows, Claim, Community, Member
from bot.routing import ChannelRouter, SupportRouter
from bot.runtime.guard import InputGuard
from bot.store.base import Store
from bot.texts import TextCatalogue

log = logging.getLogger(__name__)

COMMUNITY_CACHE_TTL = timedelta(seconds=30)


class Core:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        texts: TextCatalogue,
        settings: Settings,
        features: Sequence[Feature[Any]],
        command_names: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """``command_names``: per platform, how people type a command whose platform name
        differs from the core's (see ``Capabilities.command_names``)."""
        self.store = store
        self.command_names = dict(command_names or {})
        self.clock = clock
        self.texts = texts
        self.settings = settings
        self.features = tuple(features)
        self.routes = Routes(self.features)
        self.router: SupportRouter[Context[Any]] = next(
            (found for feature in self.features
             if (found := feature.support_router()) is not None), ChannelRouter())
        self._recent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._recent_limit = 100_000
        self._communities: dict[
            tuple[str, str], tuple[Community, datetime, dict[int, tuple[Context[Any], ...]]]
        ] = {}
        self.guard = InputGuard(per_minute=settings.limits.per_minute,
                                burst=settings.limits.burst, say=self._say,
                                arg_limits=self._arg_limits)

    def commands(self) -> list[CommandSpec]:
        """Every command the core offers; adapters build their slash commands from this."""
        return all_commands(self.features)

    # -- events ---------------------------------------------------------------------------

    async def handle(self, event: Event) -> list[Action]:
        if not _sane_ids(event):
            log.warning("dropped %s with an id longer than %d characters", type(event).__name__,
                        MAX_ID_LENGTH)
            return []
        # Abuse limits (bot/runtime/guard.py): the rate before anything is written, lengths
        # before any feature sees what was typed. Messages (the hot path) are not interactions.
        interaction = not isinstance(event, MessagePosted)
        if interaction and (refused := await self.guard.over_rate(event, self.clock.now())) is not None:
            log.info("rate limit: refused %s from user %s", type(event).__name__, event.user)
            return refused
        if not await self._first_time(event):
            log.info("dropped redelivered event %s/%s", event.platform, event.event_id)
            return []
        if isinstance(event, MessagePosted):
            return await self._message(event)
        if (refused := await self.guard.too_long(event)) is not None:
            return refused
        actions = await self._route(event)
        self.guard.opened(event, actions)
        return actions

    async def _say(self, event: Event, key: str, params: Mapping[str, Any]) -> str:
        """A core answer in the person's community's language, without creating anything."""
        community = (None if event.community is None
                     else await self.store.communities.find(event.platform, event.community))
        if community is None:
            return self.texts.render(key, **params)
        return self._context(event.platform, community).t(key, **params)

    def _arg_limits(self, command: str) -> Mapping[str, int] | None:
        found = self.routes.commands.get(command)
        return None if found is None else {a.name: a.max_length for a in found[0].args}

    async def _route(self, event: Event) -> list[Action]:
        """Resolve community and member, then hand the event to whoever declared it."""
        ctx = await self.context_for_event(event)
        if ctx is None:
            return answer(event, self.texts.render("common.use_in_server"), dm_fallback=False)
        if (ctx.member is None and isinstance(event, ButtonPressed | FormSubmitted)
                and self._declared(event)):
            # A button from before the person deleted their data: nothing to act on, and
            # pressing it must not bring a member row back.
            return answer(event, ctx.t("common.nothing_kept"), dm_fallback=False)
        if isinstance(event, MemberUnreachable) and ctx.member is not None:
            await self.store.members.update(
                ctx.member.id, reachable=False, unreachable_reason=event.reason
            )
        if isinstance(event, CommandInvoked):
            return await self._tell_if_unreachable(await self._command(event, ctx), ctx)
        if isinstance(event, ButtonPressed):
            button = self.routes.buttons.get(event.action)
            if button is None:
                return self._unknown(event, event.action, ctx)
            feature, on_button = button
            return list(await on_button(event, ctx.bind(feature.repo)))
        if isinstance(event, FormSubmitted):
            form = self.routes.forms.get(event.form)
            if form is None:
                return self._unknown(event, event.form, ctx)
            feature, on_form = form
            return list(await on_form(event, ctx.bind(feature.repo)))
        actions: list[Action] = []
        for feature, handler in self.routes.events.get(type(event), ()):
            actions.extend(await handler(event, ctx.bind(feature.repo)))
        return actions

    async def _message(self, event: MessagePosted) -> list[Action]:
        handlers = self.routes.events.get(MessagePosted, ())
        if not handlers:
            return []
        contexts = await self._message_contexts(event)
        if contexts is None:
            return []
        actions: list[Action] = []
        for index, (_, handler) in enumerate(handlers):
            actions.extend(await handler(event, contexts[index]))
        return actions

    def apology(self, event: Event) -> list[Action]:
        """What the person hears when handling their event failed: never silence (on Discord,
        an unanswered interaction spins "thinking…" forever)."""
        return answer(event, self.texts.render("common.error_generic"), dm_fallback=False)

    def forget(self, event: Event) -> None:
        """Drop the in-memory "seen" mark of an event whose handling was rolled back."""
        self._recent.pop((event.platform, event.event_id), None)

    def _unknown(self, event: Event, name: str, ctx: Context[Any]) -> list[Action]:
        """A button or form nobody declares (an old message after an upgrade, a forged id)."""
        feature = self.routes.by_name.get(name.split(".", 1)[0])
        log.warning("no handler for %s %r", type(event).__name__, name)
        key = feature.unknown_answer_key if feature is not None else "common.error_generic"
        return answer(event, ctx.t(key), dm_fallback=False)

    async def _tell_if_unreachable(self, actions: list[Action], ctx: Context[Any]) -> list[Action]:
        """A member whose direct messages failed hears about it with their next command, once:
        the platform gave them no other sign that a check-in never arrived."""
        member = ctx.member
        if member is None or member.reachable:
            return actions
        for i, action in enumerate(actions):
            if isinstance(action, Respond):
                actions[i] = replace(action, text=f"{action.text}\n\n{ctx.t('common.unreachable')}")
                await self.store.members.update(member.id, reachable=True, unreachable_reason=None)
                log.info("told member %s that their direct messages are closed", member.id)
                break
        return actions

    async def _command(self, event: CommandInvoked, ctx: Context[Any]) -> list[Action]:
        found = self.routes.commands.get(event.name)
        if found is None:
            return answer(event, ctx.t("common.unknown_command"), dm_fallback=False)
        spec, feature, handler = found
        if spec.moderator_only and not ctx.is_moderator:
            log.info("refused moderator command %r for user %s", spec.name, event.user)
            return answer(event, ctx.t("common.not_moderator"), dm_fallback=False)
        return list(await handler(event, ctx.bind(feature.repo)))

    async def _first_time(self, event: Event) -> bool:
        """Drop redeliveries (Slack retries, a Discord RESUME replay).

        Every id is remembered in memory (bounded); interactions and membership changes are also
        recorded durably, so a redelivery after a restart is caught too. Plain messages are not
        written per message: that write would dominate the hot path, and a message only changes
        state through the actions it causes, which carry their own keys.
        """
        key = (event.platform, event.event_id)
        if key in self._recent:
            self._recent.move_to_end(key)
            return False
        self._recent[key] = None
        if len(self._recent) > self._recent_limit:
            self._recent.popitem(last=False)
        if isinstance(event, MessagePosted):
            return True
        return await self.store.seen.first_time(event.platform, event.event_id, self.clock.now())

    async def _message_contexts(self, event: MessagePosted) -> tuple[Context[Any], ...] | None:
        """Messages are the hot path: the community comes from a short-lived cache and the member
        is not resolved (a handler that needs the author calls ``store.members.ensure``). The
        contexts (one per message handler, bound to its feature) are shared per community and
        moderator-ness: they carry nothing per message, and building them per message was
        measurable."""
        if event.community is None:
            community_id: int | None = await self._dm_community(event)
            if community_id is None:
                return None
            key = (event.platform, f"#id{community_id}")
        else:
            community_id = None
            key = (event.platform, event.community)
        now = self.clock.now()
        cached = self._communities.get(key)
        if cached is None or now - cached[1] > COMMUNITY_CACHE_TTL:
            if community_id is not None:
                community = await self.store.communities.get(community_id)
            else:
                assert event.community is not None
                community = await self.store.communities.ensure(event.platform, event.community)
            if community is None:
                return None
            contexts: dict[int, tuple[Context[Any], ...]] = {}
            for flag in (False, True):
                base = self._context(event.platform, community, is_moderator=flag)
                contexts[flag] = tuple(
                    base.bind(feature.repo)
                    for feature, _ in self.routes.events.get(MessagePosted, ())
                )
            cached = (community, now, contexts)
            self._communities[key] = cached
        return cached[2][self._is_moderator(cached[0], event.actor)]

    async def _dm_community(self, event: MessagePosted) -> int | None:
        """The community a direct message belongs to: the writer's only one; or, for someone
        Warmline has not met yet, the deployment's only community on that platform (a first
        message to the bot can be a crisis, and must not go unheard). None when it is unclear."""
        found = await self.store.members.find_everywhere(event.platform, event.user)
        if len(found) == 1:
            return found[0].community_id
        if found:
            return None
        here = [c.id for c in await self.store.communities.list() if c.platform == event.platform]
        return here[0] if len(here) == 1 else None

    def _context(self, platform: str, community: Community, *, member: Member | None = None,
                 is_moderator: bool = False, extra: dict[str, Any] | None = None,
                 repo: Any = None) -> Context[Any]:
        return Context(store=self.store, clock=self.clock, texts=self.texts,
                       settings=self.settings, platform=platform, community=community,
                       repo=repo, member=member, is_moderator=is_moderator, extra=extra or {},
                       router=self.router)

    async def context_for_event(self, event: Event) -> Context[Any] | None:
        """Resolve community and member (creating them on first contact). A DM without a
        community resolves to the member's only community; a person in several communities
        must use the command there."""
        now = self.clock.now()
        actor = getattr(event, "actor", None)
        community: Community | None
        member: Member | None
        if event.community is not None:
            community = await self.store.communities.ensure(event.platform, event.community)
            if self._creates_member(event):
                member = await self.store.members.ensure(
                    community.id, event.user, display_name=_display_name(actor), now=now,
                )
            else:
                member = await self.store.members.find(community.id, event.user)
        else:
            found = await self.store.members.find_everywhere(event.platform, event.user)
            if len(found) != 1:
                return None
            member = found[0]
            community = await self.store.communities.get(member.community_id)
            if community is None:
                return None
        if (member is not None and actor is not None and actor.timezone and member.timezone is None
                and valid_zone(actor.timezone)):
            # Slack tells us each person's zone; use it until they choose one themselves. A
            # platform's value is checked like a person's: "America" or "../etc" is not a zone.
            member = await self.store.members.update(member.id, timezone=actor.timezone)
        ctx = self._context(event.platform, community, member=member,
                            is_moderator=self._is_moderator(community, actor))
        ctx.extra.update(commands=self.commands(), setup_problems=lambda: self._problems(ctx),
                         command_names=self.command_names.get(event.platform, {}))
        return ctx

    async def _problems(self, ctx: Context[Any]) -> list[str]:
        """What every feature says is missing from this community's setup."""
        found: list[str] = []
        for feature, check in self.routes.status:
            found.extend(await check(ctx.bind(feature.repo)))
        return found

    def _declared(self, event: ButtonPressed | FormSubmitted) -> bool:
        if isinstance(event, ButtonPressed):
            return event.action in self.routes.buttons
        return event.form in self.routes.forms

    def _creates_member(self, event: Event) -> bool:
        """Only a command, or a button or form declared as a first contact (joining), makes a
        member row: a stale button after a deletion, or a platform's "member left", does not."""
        if isinstance(event, CommandInvoked):
            return True
        if isinstance(event, ButtonPressed):
            return event.action in self.routes.creating
        if isinstance(event, FormSubmitted):
            return event.form in self.routes.creating
        return False

    async def community_context(self, platform: str, community_id: str) -> Context[Any] | None:
        """A context with no member, for work that follows a delivery (a thread that opened)."""
        community = await self.store.communities.find(platform, community_id)
        return None if community is None else self._context(platform, community)

    def _is_moderator(self, community: Community, actor: object) -> bool:
        if actor is None:
            return False
        if getattr(actor, "is_admin", False):
            return True
        roles = getattr(actor, "roles", ())
        if not roles:
            return False
        configured = community.settings.get("moderator_roles")
        allowed = set(configured) if isinstance(configured, list) else set()
        allowed.update(self.settings.community.moderator_roles)
        return not allowed.isdisjoint(roles)

    # -- jobs -------------------------------------------------------------------------------

    async def job_context(self, claim: Claim, rows: BatchRows | None = None) -> Context[Any] | None:
        """The context a due job decides in, bound to the feature that declared its kind.
        ``rows``: its batch's members and communities, read once for the batch (no query here);
        a row missing from them is read on its own."""
        job = claim.job
        if job.community_id is None:
            return None
        community = await self._community(job.community_id, rows)
        if community is None:
            return None
        member = await self._member(job.member_id, rows) if job.member_id else None
        if job.member_id is not None and member is None:
            return None
        route = self.routes.jobs.get(job.kind)
        return self._context(community.platform, community, member=member,
                             repo=None if route is None else route.repo)

    async def _community(self, community_id: int, rows: BatchRows | None) -> Community | None:
        found = None if rows is None else rows.communities.get(community_id)
        return found if found is not None else await self.store.communities.get(community_id)

    async def _member(self, member_id: int, rows: BatchRows | None) -> Member | None:
        found = None if rows is None else rows.members.get(member_id)
        return found if found is not None else await self.store.members.get(member_id)


class Routes:
    """Who handles what, read once from the features' declarations."""

    def __init__(self, features: Sequence[Feature[Any]]) -> None:
        self.by_name = {f.name: f for f in features}
        self.commands: dict[str, tuple[CommandSpec, Feature[Any], CommandHandler[Any]]] = {}
        self.buttons: dict[str, tuple[Feature[Any], ButtonHandler[Any]]] = {}
        self.forms: dict[str, tuple[Feature[Any], FormHandler[Any]]] = {}
        self.jobs: dict[str, Feature[Any]] = {}
        self.events: dict[type[Event], list[tuple[Feature[Any], EventHandler[Any]]]] = {}
        self.creating: set[str] = set()
        self.status: list[tuple[Feature[Any], StatusCheck[Any]]] = []
        for feature in features:
            declared = feature.handlers
            self.creating |= declared.creating
            self.status.extend((feature, check) for check in declared.status)
            for name, (spec, command) in declared.commands.items():
                if name in self.commands:
                    raise ValueError(f"command {name!r} declared twice")
                self.commands[name] = (spec, feature, command)
            for action, button in declared.buttons.items():
                self.buttons[action] = (feature, button)
            for form_id, form in declared.forms.items():
                self.forms[form_id] = (feature, form)
            for kind in declared.jobs:
                self.jobs[kind] = feature
            for event_type, handlers in declared.events.items():
                self.events.setdefault(event_type, []).extend((feature, h) for h in handlers)


MAX_ID_LENGTH = 128
"""Platform ids are short (Discord 20 digits, Slack about 11 characters); anything longer is not
an id we will store or echo."""
MAX_DISPLAY_NAME = 80
"""Discord allows 32 characters and Slack 80: a longer "name" is cut before it is kept."""


def _sane_ids(event: Event) -> bool:
    ids = (event.event_id, event.user, event.community or "", getattr(event, "channel", None) or "")
    return all(len(value) <= MAX_ID_LENGTH for value in ids)


def _display_name(actor: Any) -> str | None:
    name = getattr(actor, "display_name", None)
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip()[:MAX_DISPLAY_NAME]
