"""The ``warmline`` commands every community has: help, privacy, setup and the audit log.

Setup is done with commands, not redeploys, and every change a moderator makes is written to the
audit log (who, what, when; never message text) so moderators can see what changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.actions import Action, Button, Respond
from bot.config import timezone_suggestions
from bot.events import ButtonPressed, CommandInvoked, Event
from bot.feature import ArgSpec, CommandSpec, Context, JobKind

log = logging.getLogger(__name__)

PURPOSES = ("support", "supporters", "moderators", "checkins")
ROLE_KINDS = ("moderators", "supporters")


class Basics:
    name = "warmline"

    def commands(self) -> Sequence[CommandSpec]:
        return (
            CommandSpec(name="warmline help", description="What Warmline can do for you"),
            CommandSpec(name="privacy info", description="What Warmline keeps about you, and who sees it"),
            CommandSpec(name="privacy export", description="Everything Warmline keeps about you"),
            CommandSpec(name="privacy delete", description="Delete everything Warmline keeps about you"),
            CommandSpec(
                name="warmline setup channel", description="Choose the channel for a purpose",
                moderator_only=True,
                args=(
                    ArgSpec(name="purpose", description="What the channel is for", kind="choice",
                            choices=PURPOSES),
                    ArgSpec(name="channel", description="The channel", kind="channel"),
                ),
            ),
            CommandSpec(
                name="warmline setup role", description="Say which role counts as moderators or supporters",
                moderator_only=True,
                args=(
                    ArgSpec(name="kind", description="Moderators or supporters", kind="choice",
                            choices=ROLE_KINDS),
                    ArgSpec(name="role", description="The role", kind="role"),
                ),
            ),
            CommandSpec(
                name="warmline setup timezone", description="The community's default timezone",
                moderator_only=True,
                args=(ArgSpec(name="zone", description="e.g. Europe/London", kind="timezone"),),
            ),
            CommandSpec(name="warmline audit", description="Recent changes moderators made",
                        moderator_only=True),
        )

    def job_kinds(self) -> Mapping[str, JobKind]:
        return {}

    async def on_event(self, event: Event, ctx: Context) -> Sequence[Action]:
        if isinstance(event, ButtonPressed) and event.interaction:
            return await self._button(event, ctx)
        if not isinstance(event, CommandInvoked) or not event.interaction:
            return ()
        if event.name == "privacy delete":
            return (self._respond(event, ctx.t("basics.privacy.delete_confirm"), buttons=(
                Button(action="warmline.delete", value="yes", label=ctx.t("basics.privacy.delete_yes"),
                       style="danger"),
                Button(action="warmline.delete", value="no", label=ctx.t("basics.privacy.delete_no")),
            )),)
        handlers = {
            "warmline help": self._help,
            "privacy info": self._privacy,
            "privacy export": self._export,
            "warmline setup channel": self._setup_channel,
            "warmline setup role": self._setup_role,
            "warmline setup timezone": self._setup_timezone,
            "warmline audit": self._audit,
        }
        handler = handlers.get(event.name)
        if handler is None:
            return ()
        return (self._respond(event, await handler(event, ctx)),)

    @staticmethod
    def _respond(event: CommandInvoked | ButtonPressed, text: str,
                 buttons: tuple[Button, ...] = ()) -> Respond:
        assert event.interaction is not None
        return Respond(platform=event.platform, community=event.community, recipient=event.user,
                       interaction=event.interaction, text=text, buttons=buttons)

    async def _button(self, event: ButtonPressed, ctx: Context) -> Sequence[Action]:
        if event.action != "warmline.delete" or ctx.member is None:
            return ()
        if event.value != "yes":
            return (self._respond(event, ctx.t("basics.privacy.delete_kept")),)
        await ctx.store.delete_member(ctx.member.id)
        log.info("member %s deleted their data", ctx.member.id)
        return (self._respond(event, ctx.t("basics.privacy.deleted")),)

    async def _export(self, event: CommandInvoked, ctx: Context) -> str:
        if ctx.member is None:
            return ctx.t("common.use_in_server")
        data = await ctx.store.export_member(ctx.member.id)
        body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        return ctx.t("basics.privacy.export", data=body)

    async def _help(self, event: CommandInvoked, ctx: Context) -> str:
        specs: list[CommandSpec] = ctx.extra.get("commands", [])
        lines = [ctx.t("basics.help.header")]
        for spec in specs:
            if spec.moderator_only and not ctx.is_moderator:
                continue
            lines.append(ctx.t("basics.help.line", command=spec.name, description=spec.description))
        return "\n".join(lines)

    async def _privacy(self, event: CommandInvoked, ctx: Context) -> str:
        return ctx.t("basics.privacy.info")

    async def _setup_channel(self, event: CommandInvoked, ctx: Context) -> str:
        purpose = event.args.get("purpose", "")
        channel = event.args.get("channel", "")
        if purpose not in PURPOSES:
            return ctx.t("common.bad_argument", arg="purpose", hint=", ".join(PURPOSES))
        if not channel:
            return ctx.t("common.bad_argument", arg="channel", hint=ctx.t("basics.setup.channel_hint"))
        await ctx.store.channels.set_purpose(ctx.community.id, purpose, channel)
        await self._audit_change(ctx, event, "setup channel", f"{purpose} -> {channel}")
        return ctx.t("basics.setup.channel_set", purpose=purpose, channel=channel)

    async def _setup_role(self, event: CommandInvoked, ctx: Context) -> str:
        kind = event.args.get("kind", "")
        role = event.args.get("role", "")
        if kind not in ROLE_KINDS:
            return ctx.t("common.bad_argument", arg="kind", hint=", ".join(ROLE_KINDS))
        if not role:
            return ctx.t("common.bad_argument", arg="role", hint=ctx.t("basics.setup.role_hint"))
        key = "moderator_roles" if kind == "moderators" else "supporter_roles"
        current = ctx.community.settings.get(key)
        roles = list(current) if isinstance(current, list) else []
        if role not in roles:
            roles.append(role)
        await ctx.store.communities.update_settings(ctx.community.id, {key: roles})
        await self._audit_change(ctx, event, "setup role", f"{kind} += {role}")
        return ctx.t("basics.setup.role_added", kind=kind, role=role)

    async def _setup_timezone(self, event: CommandInvoked, ctx: Context) -> str:
        zone = event.args.get("zone", "").strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            suggestions = ", ".join(timezone_suggestions(zone)) or "Europe/London, America/New_York"
            return ctx.t("timezone.unknown", value=zone, suggestions=suggestions)
        await ctx.store.communities.update_settings(ctx.community.id, {"timezone": zone})
        await self._audit_change(ctx, event, "setup timezone", zone)
        return ctx.t("basics.setup.timezone_set", zone=zone)

    async def _audit(self, event: CommandInvoked, ctx: Context) -> str:
        entries = await ctx.store.audit.recent(ctx.community.id, limit=20)
        if not entries:
            return ctx.t("basics.audit.empty")
        lines = [ctx.t("basics.audit.header")]
        for entry in entries:
            at = entry.get("at")
            when = at.strftime("%d %b %Y %H:%M UTC") if isinstance(at, datetime) else str(at)
            lines.append(ctx.t(
                "basics.audit.line", when=when, actor=str(entry.get("actor", "")),
                action=str(entry.get("action", "")), detail=str(entry.get("detail", "")),
            ))
        return "\n".join(lines)

    async def _audit_change(self, ctx: Context, event: CommandInvoked, action: str, detail: str) -> None:
        await ctx.store.audit.record(ctx.community.id, event.user, action, detail, ctx.now)
