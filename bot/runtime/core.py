"""The decision core: events in, actions out, no platform anywhere.

``Core.handle`` drops redelivered events, resolves the community and member, enforces command
permissions once for every feature, and routes the event (see ``bot.feature`` for the routing
rules). ``Core.job_context`` builds the context a scheduled job runs in. The core never sends:
the caller hands the returned actions to the outbox.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.actions import Action, Respond, SendDirect, StartThread
from bot.adapter import SendResult
from bot.clock import Clock
from bot.config import Settings
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberUnreachable,
    MessagePosted,
)
from bot.feature import CommandSpec, Context, Feature, all_commands
from bot.model import Claim, Community, Member
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
        features: Sequence[Feature],
    ) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.settings = settings
        self.features = tuple(features)
        self._by_name = {f.name: f for f in self.features}
        self._commands: dict[str, tuple[CommandSpec, Feature]] = {}
        self._recent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._recent_limit = 100_000
        self._communities: dict[
            tuple[str, str], tuple[Community, datetime, tuple[Context, Context]]
        ] = {}
        for feature in self.features:
            for spec in feature.commands():
                if spec.name in self._commands:
                    raise ValueError(f"command {spec.name!r} declared twice")
                self._commands[spec.name] = (spec, feature)

    def commands(self) -> list[CommandSpec]:
        """Every command the core offers; adapters build their slash commands from this."""
        return all_commands(self.features)

    # -- events ---------------------------------------------------------------------------

    async def handle(self, event: Event) -> list[Action]:
        if not await self._first_time(event):
            log.info("dropped redelivered event %s/%s", event.platform, event.event_id)
            return []
        ctx = await self.context_for_event(event)
        if ctx is None:
            return self._answer(event, "common.use_in_server")
        if isinstance(event, MemberUnreachable) and ctx.member is not None:
            await self.store.members.update(
                ctx.member.id, reachable=False, unreachable_reason=event.reason
            )
        if isinstance(event, CommandInvoked):
            return await self._tell_if_unreachable(await self._command(event, ctx), ctx)
        if isinstance(event, ButtonPressed | FormSubmitted):
            name = event.action if isinstance(event, ButtonPressed) else event.form
            feature = self._by_name.get(name.split(".", 1)[0])
            if feature is None:
                log.warning("no feature for %s %r", type(event).__name__, name)
                return self._answer(event, "common.error_generic", ctx)
            return list(await feature.on_event(event, ctx))
        actions: list[Action] = []
        for feature in self.features:
            actions.extend(await feature.on_event(event, ctx))
        return actions

    async def _tell_if_unreachable(self, actions: list[Action], ctx: Context) -> list[Action]:
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

    async def _command(self, event: CommandInvoked, ctx: Context) -> list[Action]:
        found = self._commands.get(event.name)
        if found is None:
            return self._answer(event, "common.unknown_command", ctx)
        spec, feature = found
        if spec.moderator_only and not ctx.is_moderator:
            log.info("refused moderator command %r for user %s", spec.name, event.user)
            return self._answer(event, "common.not_moderator", ctx)
        return list(await feature.on_event(event, ctx))

    def _answer(self, event: Event, key: str, ctx: Context | None = None) -> list[Action]:
        interaction = getattr(event, "interaction", None)
        if not interaction:
            return []
        text = ctx.t(key) if ctx else self.texts.render(key)
        return [
            Respond(
                platform=event.platform, community=event.community, recipient=event.user,
                interaction=interaction, text=text,
            )
        ]

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

    async def _message_context(self, event: MessagePosted) -> Context | None:
        """Messages are the hot path: the community comes from a short-lived cache and the member
        is not resolved (a feature that needs the author calls ``store.members.ensure``)."""
        if event.community is None:
            found = await self.store.members.find_everywhere(event.platform, event.user)
            if len(found) != 1:
                return None
            community_id: int | None = found[0].community_id
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
            # One shared context per community and moderator-ness: message contexts carry no
            # member and nothing per message, and building one per message was measurable.
            plain, moderator = (
                Context(store=self.store, clock=self.clock, texts=self.texts,
                        settings=self.settings, platform=event.platform, community=community,
                        member=None, is_moderator=flag)
                for flag in (False, True)
            )
            contexts = (plain, moderator)
            cached = (community, now, contexts)
            self._communities[key] = cached
        return cached[2][self._is_moderator(cached[0], event.actor)]

    async def context_for_event(self, event: Event) -> Context | None:
        """Resolve community and member. A DM without a community resolves to the member's only
        community; a person in several communities must use the command there."""
        if isinstance(event, MessagePosted):
            return await self._message_context(event)
        now = self.clock.now()
        actor = getattr(event, "actor", None)
        community: Community | None
        member: Member | None
        if event.community is not None:
            community = await self.store.communities.ensure(event.platform, event.community)
            member = await self.store.members.ensure(
                community.id, event.user,
                display_name=actor.display_name if actor else None, now=now,
            )
        else:
            found = await self.store.members.find_everywhere(event.platform, event.user)
            if len(found) != 1:
                return None
            member = found[0]
            community = await self.store.communities.get(member.community_id)
            if community is None:
                return None
        if actor is not None and actor.timezone and member.timezone is None:
            # Slack tells us each person's zone; use it until they choose one themselves.
            member = await self.store.members.update(member.id, timezone=actor.timezone)
        return Context(
            store=self.store, clock=self.clock, texts=self.texts, settings=self.settings,
            platform=event.platform, community=community, member=member,
            is_moderator=self._is_moderator(community, actor),
            extra={"commands": self.commands()},
        )

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

    # -- after delivery ---------------------------------------------------------------------

    async def prepare(self, actions: Sequence[Action], ctx: Context | None = None) -> list[Action]:
        """Fill in what the core knows and features need not: the private conversation of a
        member we have written to before (so adapters do not open it again). ``ctx`` is the
        context the actions were decided in; its member saves a lookup (a check-in fan-out)."""
        prepared: list[Action] = []
        for action in actions:
            if isinstance(action, SendDirect) and action.channel is None and action.community:
                member = await self._member_of(action, ctx)
                if member is not None and member.dm_channel:
                    action = replace(action, channel=member.dm_channel)
            prepared.append(action)
        return prepared

    async def _member_of(self, action: SendDirect, ctx: Context | None) -> Member | None:
        known = ctx.member if ctx is not None else None
        if (known is not None and known.platform_user_id == action.user
                and ctx is not None and ctx.community.platform_id == action.community):
            return known
        assert action.community is not None
        found = await self.store.communities.find(action.platform, action.community)
        return None if found is None else await self.store.members.find(found.id, action.user)

    async def after_delivery(
        self, delivered: Sequence[tuple[Action, SendResult]], ctx: Context | None = None
    ) -> None:
        """Learn the platform's ids for what went out: a member's private conversation, and a
        new thread (told to features, so later messages in it can be recognised)."""
        for action, result in delivered:
            if (isinstance(action, SendDirect) and result.channel and action.community
                    and result.channel != action.channel):
                member = await self._member_of(action, ctx)
                if member is not None and member.dm_channel != result.channel:
                    await self.store.members.update(member.id, dm_channel=result.channel)
                continue
            if not isinstance(action, StartThread) or not action.ref or not result.channel:
                continue
            if action.community is None:
                continue
            community = await self.store.communities.find(action.platform, action.community)
            if community is None:
                continue
            ctx = Context(store=self.store, clock=self.clock, texts=self.texts,
                          settings=self.settings, platform=action.platform, community=community)
            for feature in self.features:
                hook = getattr(feature, "on_thread_started", None)
                if hook is not None:
                    await hook(action.ref, result.channel, ctx)

    # -- jobs -------------------------------------------------------------------------------

    async def job_context(self, claim: Claim) -> Context | None:
        job = claim.job
        if job.community_id is None:
            return None
        community = await self.store.communities.get(job.community_id)
        if community is None:
            return None
        member = await self.store.members.get(job.member_id) if job.member_id else None
        if job.member_id is not None and member is None:
            return None
        return Context(
            store=self.store, clock=self.clock, texts=self.texts, settings=self.settings,
            platform=community.platform, community=community, member=member,
        )
