"""The ``warmline`` commands every community has: help, privacy, setup and the audit log.

Setup is done with commands, not redeploys, and every change a moderator makes is written to the
audit log (who, what, when; never message text) so moderators can see what changed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.actions import Action, Attachment, Button, Respond
from bot.answer import answer, quoted
from bot.config.timezones import timezone_suggestions, valid_zone
from bot.events import ButtonPressed, CommandInvoked
from bot.feature import ArgSpec, CommandSpec, Context, Feature, Handlers
from bot.overrides import BadValue
from bot.privacy import RETENTION_DAYS, retention_days
from bot.sealing import KeyProblem, Keyring, keyring_for, open_in_export
from bot.texts import shipped_locales

log = logging.getLogger(__name__)

PURPOSES = ("support", "supporters", "moderators", "checkins", "care")
ROLE_KINDS = ("moderators", "supporters")
ROLE_SETTING = {"moderators": "moderator_roles", "supporters": "supporter_roles"}
"""Where each kind of role is kept: the community's settings key, and the config key alike."""
DELETE = "warmline.delete"


handlers: Handlers[None] = Handlers("warmline")


_CHANNEL_ID = re.compile(r"\d{5,}|[CG][A-Z0-9]{6,}")
"""A platform's channel id: Discord's snowflakes, Slack's ``C…``/``G…`` ids."""


def channel_mention(channel: str) -> str:
    """How a confirmation names a channel: ``<#id>`` for a platform id (Discord and Slack both
    show it as the channel's name, where a bare id means nothing to a moderator), ``#name``
    otherwise. Adapters send answers with mentions disabled, so this pings nobody."""
    return f"<#{channel}>" if _CHANNEL_ID.fullmatch(channel) else f"#{channel}"


def role_mention(role: str) -> str:
    """``<@&id>`` for a role id (shown as the role's name, pinging nobody), the name otherwise."""
    return f"<@&{role}>" if role.isdigit() else role


class Basics(Feature[None]):
    name = "warmline"
    handlers = handlers


@handlers.command("warmline help", "What Warmline can do for you")
async def help_(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    specs: list[CommandSpec] = ctx.extra.get("commands", [])
    typed: dict[str, str] = ctx.extra.get("command_names", {})  # as this platform spells them
    lines = [ctx.t("basics.help.header")]
    for spec in specs:
        if spec.moderator_only and not ctx.is_moderator:
            continue
        lines.append(ctx.t("basics.help.line", command=typed.get(spec.name, spec.name),
                           description=spec.description))
    return answer(event, "\n".join(lines))


@handlers.command("privacy info", "What Warmline keeps about you, and who sees it")
async def privacy_info(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    notes = "notes_sealed" if _keyring(ctx).can_seal else "notes_not_kept"
    return answer(event, "\n".join([
        ctx.t("basics.privacy.info", days=retention_days(ctx.community, ctx.settings)),
        ctx.t(f"basics.privacy.{notes}"),
    ]))


def _keyring(ctx: Context[None]) -> Keyring:
    """The data keys as configured now (a key file that became unusable reads as no key)."""
    try:
        return keyring_for(ctx.settings.privacy)
    except KeyProblem:
        log.warning("the data key cannot be loaded any more; run warmline check-config")
        return Keyring()


@handlers.command("privacy export", "Everything Warmline keeps about you")
async def privacy_export(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    if ctx.member is None:
        return answer(event, ctx.t("common.use_in_server"))
    data = await ctx.store.export_member(ctx.member.id)
    # Notes and goals are stored sealed: the member gets them as they wrote them.
    open_in_export(data["tables"], _keyring(ctx), ctx.member.id, ctx.t("basics.privacy.unreadable"))
    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    counts = [ctx.t("basics.privacy.export_line", what=_kind_of_record(ctx, table), count=len(rows))
              for table, rows in sorted(data["tables"].items()) if rows]
    summary = "\n".join([ctx.t("basics.privacy.export_summary"), *counts])
    if not event.interaction:
        return answer(event, summary)
    return [Respond(platform=event.platform, community=event.community, recipient=event.user,
                    interaction=event.interaction or "", text=summary,
                    attachment=Attachment(filename="warmline-export.json", content=body))]


def _kind_of_record(ctx: Context[None], table: str) -> str:
    """A table's rows in plain words ("check-ins"), or its name when the catalogue has none."""
    key = f"basics.privacy.tables.{table}"
    known = ctx.texts.keys()
    return ctx.t(key) if key in known else table.replace("_", " ")


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
    key = ROLE_SETTING[kind]
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


@handlers.command(
    "warmline setup retention", "Keep notes, goals and safety records for a shorter time",
    moderator_only=True, args=(replace(RETENTION_DAYS.arg_spec(), required=True),),
)
async def setup_retention(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    """A community may shorten the deployment's period, never lengthen it: the deployment's is
    what its operators promised every member."""
    try:
        days = int(RETENTION_DAYS.parse(event.args.get(RETENTION_DAYS.arg, ""), ctx.settings))
    except BadValue as bad:
        return answer(event, ctx.t("common.bad_argument", arg=RETENTION_DAYS.arg, hint=bad.reason))
    longest = ctx.settings.privacy.retention_days
    if days > longest:
        return answer(event, ctx.t("basics.setup.retention_longer", max=longest))
    await ctx.store.communities.update_settings(ctx.community.id, {RETENTION_DAYS.key: days})
    await _audit_change(ctx, event, "setup retention", f"{days} days")
    return answer(event, ctx.t("basics.setup.retention_set", days=days))


@handlers.command("warmline setup status", "What is set up here, and what is missing",
                  moderator_only=True)
async def setup_status(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    channels = await ctx.store.channels.all(ctx.community.id)
    lines = [ctx.t("basics.status.header")]
    for purpose in PURPOSES:
        channel = channels.get(purpose)
        lines.append(ctx.t("basics.status.channel", purpose=purpose, channel=f"<#{channel}>")
                     if channel else ctx.t("basics.status.channel_missing", purpose=purpose))
    for kind in ROLE_KINDS:
        configured = ctx.community.settings.get(ROLE_SETTING[kind])
        roles = [*(configured if isinstance(configured, list) else []),
                 *getattr(ctx.settings.community, ROLE_SETTING[kind])]
        lines.append(ctx.t("basics.status.roles", kind=kind, roles=", ".join(roles))
                     if roles else ctx.t("basics.status.roles_missing", kind=kind))
    problems = await ctx.extra["setup_problems"]()
    lines.append(ctx.t("basics.status.missing_header") if problems else ctx.t("basics.status.ok"))
    lines.extend(f"• {problem}" for problem in problems)
    return answer(event, "\n".join(lines))


@handlers.command(
    "warmline setup language", "The language Warmline speaks in this community",
    moderator_only=True,
    args=(ArgSpec(name="language", description="One of the languages with complete texts",
                  kind="choice", choices=shipped_locales()),),
)
async def setup_language(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    """Stores the community's locale, which ``Context.t`` prefers to the config's. Only complete
    locales are accepted (checked against the running catalogue, not the declared choices, which
    a platform may not enforce), so members never get half their messages in another language."""
    wanted = event.args.get("language", "").strip()
    available = ctx.texts.complete_locales()
    language = next((name for name in available if name.casefold() == wanted.casefold()), None)
    if language is None:
        names = ", ".join(ctx.t("basics.setup.language_option", language=_language_name(ctx, name),
                                code=name) for name in available)
        return answer(event, ctx.t("basics.setup.language_unknown", value=quoted(wanted),
                                   available=names))
    await ctx.store.communities.update_settings(ctx.community.id, {"locale": language})
    await _audit_change(ctx, event, "setup language", language)
    # Answer in the language just chosen: that is the first thing the moderator should see.
    settings = {**ctx.community.settings, "locale": language}
    chosen = replace(ctx, community=replace(ctx.community, settings=settings))
    return answer(event, chosen.t("basics.setup.language_set",
                                  language=_language_name(chosen, language)))


def _language_name(ctx: Context[None], locale: str) -> str:
    """A language's own name for itself ("English", "Français"), from its catalogue."""
    return ctx.texts.render("language.name", locale=locale)


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
