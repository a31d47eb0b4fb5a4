"""The ``warmline`` commands every community has: help, privacy, setup and the audit log.

Setup is done with commands, not redeploys, and every change a moderator makes is written to the
audit log (who, what, when; never message text) so moderators can see what changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from bot.actions import Action, Button
from bot.answer import answer, quoted
from bot.config.timezones import timezone_suggestions, valid_zone
from bot.events import ButtonPressed, CommandInvoked
from bot.feature import ArgSpec, CommandSpec, Context, Feature, Handlers

log = logging.getLogger(__name__)

PURPOSES = ("support", "supporters", "moderators", "checkins")
ROLE_KINDS = ("moderators", "supporters")
DELETE = "warmline.delete"


handlers: Handlers[None] = Handlers("warmline")


def channel_mention(channel: str) -> str:
    """How a confirmation names a channel: ``<#id>`` for a platform id (Discord and Slack both
    show it as the channel's name, where a bare id means nothing to a moderator), ``#name``
    otherwise. Adapters send answers with mentions disabled, so this pings nobody."""
    return f"<#{channel}>" if channel.isdigit() else f"#{channel}"


def role_mention(role: str) -> str:
    """``<@&id>`` for a role id (shown as the role's name, pinging nobody), the name otherwise."""
    return f"<@&{role}>" if role.isdigit() else role


class Basics(Feature[None]):
    name = "warmline"
    handlers = handlers


@handlers.command("warmline help", "What Warmline can do for you")
async def help_(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    specs: list[CommandSpec] = ctx.extra.get("commands", [])
    lines = [ctx.t("basics.help.header")]
    for spec in specs:
        if spec.moderator_only and not ctx.is_moderator:
            continue
        lines.append(ctx.t("basics.help.line", command=spec.name, description=spec.description))
    return answer(event, "\n".join(lines))


@handlers.command("privacy info", "What Warmline keeps about you, and who sees it")
async def privacy_info(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    return answer(event, ctx.t("basics.privacy.info"))


@handlers.command("privacy export", "Everything Warmline keeps about you")
async def privacy_export(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    if ctx.member is None:
        return answer(event, ctx.t("common.use_in_server"))
    data = await ctx.store.export_member(ctx.member.id)
    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    return answer(event, ctx.t("basics.privacy.export", data=body))


@handlers.command("privacy delete", "Delete everything Warmline keeps about you")
async def privacy_delete(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    return answer(event, ctx.t("basics.privacy.delete_confirm"), buttons=(
        Button(action=DELETE, value="yes", label=ctx.t("basics.privacy.delete_yes"),
               style="danger"),
        Button(action=DELETE, value="no", label=ctx.t("basics.privacy.delete_no")),
    ))


@handlers.button(DELETE)
async def on_delete(event: ButtonPressed, ctx: Context[None]) -> Sequence[Action]:
    if ctx.member is None:
        return ()
    if event.value != "yes":
        return answer(event, ctx.t("basics.privacy.delete_kept"))
    await ctx.store.delete_member(ctx.member.id)
    log.info("member %s deleted their data", ctx.member.id)
    return answer(event, ctx.t("basics.privacy.deleted"))


@handlers.command(
    "warmline setup channel", "Choose the channel for a purpose", moderator_only=True,
    args=(
        ArgSpec(name="purpose", description="What the channel is for", kind="choice",
                choices=PURPOSES),
        ArgSpec(name="channel", description="The channel", kind="channel"),
    ),
)
async def setup_channel(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    purpose = event.args.get("purpose", "")
    channel = event.args.get("channel", "")
    if purpose not in PURPOSES:
        return answer(event, ctx.t("common.bad_argument", arg="purpose", hint=", ".join(PURPOSES)))
    if not channel:
        return answer(event, ctx.t("common.bad_argument", arg="channel",
                                   hint=ctx.t("basics.setup.channel_hint")))
    await ctx.store.channels.set_purpose(ctx.community.id, purpose, channel)
    await _audit_change(ctx, event, "setup channel", f"{purpose} -> {channel}")
    return answer(event, ctx.t("basics.setup.channel_set", purpose=purpose,
                               channel=channel_mention(channel)))


@handlers.command(
    "warmline setup role", "Say which role counts as moderators or supporters",
    moderator_only=True,
    args=(
        ArgSpec(name="kind", description="Moderators or supporters", kind="choice",
                choices=ROLE_KINDS),
        ArgSpec(name="role", description="The role", kind="role"),
    ),
)
async def setup_role(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    kind = event.args.get("kind", "")
    role = event.args.get("role", "")
    if kind not in ROLE_KINDS:
        return answer(event, ctx.t("common.bad_argument", arg="kind", hint=", ".join(ROLE_KINDS)))
    if not role:
        return answer(event, ctx.t("common.bad_argument", arg="role",
                                   hint=ctx.t("basics.setup.role_hint")))
    key = "moderator_roles" if kind == "moderators" else "supporter_roles"
    current = ctx.community.settings.get(key)
    roles = list(current) if isinstance(current, list) else []
    if role not in roles:
        roles.append(role)
    await ctx.store.communities.update_settings(ctx.community.id, {key: roles})
    await _audit_change(ctx, event, "setup role", f"{kind} += {role}")
    return answer(event, ctx.t("basics.setup.role_added", kind=kind, role=role_mention(role)))


@handlers.command(
    "warmline setup timezone", "The community's default timezone", moderator_only=True,
    args=(ArgSpec(name="zone", description="e.g. Europe/London", kind="timezone"),),
)
async def setup_timezone(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    zone = event.args.get("zone", "").strip()
    if not valid_zone(zone):
        suggestions = ", ".join(timezone_suggestions(zone)) or "Europe/London, America/New_York"
        return answer(event, ctx.t("timezone.unknown", value=quoted(zone), suggestions=suggestions))
    await ctx.store.communities.update_settings(ctx.community.id, {"timezone": zone})
    await _audit_change(ctx, event, "setup timezone", zone)
    return answer(event, ctx.t("basics.setup.timezone_set", zone=zone))


@handlers.command("warmline audit", "Recent changes moderators made", moderator_only=True)
async def audit(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    entries = await ctx.store.audit.recent(ctx.community.id, limit=20)
    if not entries:
        return answer(event, ctx.t("basics.audit.empty"))
    lines = [ctx.t("basics.audit.header")]
    for entry in entries:
        at = entry.get("at")
        when = at.strftime("%d %b %Y %H:%M UTC") if isinstance(at, datetime) else str(at)
        lines.append(ctx.t(
            "basics.audit.line", when=when, actor=str(entry.get("actor", "")),
            action=str(entry.get("action", "")), detail=str(entry.get("detail", "")),
        ))
    return answer(event, "\n".join(lines))


async def _audit_change(ctx: Context[None], event: CommandInvoked, action: str,
                        detail: str) -> None:
    await ctx.store.audit.record(ctx.community.id, event.user, action, detail, ctx.now)
