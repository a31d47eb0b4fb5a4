"""Commands: a member's region and alerts (``safety region``, ``safety alerts``), and the
moderators' ``safety setup``. Each answer is private; each change is in the audit log.

A member's region decides which resources they are offered: their own choice, else the
community's (``safety setup region``), else ``[safety] default_region``. Members can turn off the
moderators' alert about their messages, never the resources reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.actions import Action
from bot.answer import answer, quoted
from bot.events import CommandInvoked
from bot.feature import ArgSpec
from bot.features.safety.common import audit, community_region, known_region, regions
from bot.features.safety.declare import SafetyContext, handlers
from bot.features.safety.settings import CHAT_SETTINGS, REGION
from bot.overrides import BadValue

_ON, _OFF = "on", "off"


@handlers.command(
    "safety region", "Which country's crisis resources you are offered",
    args=(ArgSpec(name="region", description="e.g. US, GB, AU; 'default' for the community's",
                  required=False, max_length=20),),
)
async def region(event: CommandInvoked, ctx: SafetyContext) -> Sequence[Action]:
    assert ctx.member is not None  # commands always resolve their member
    typed = event.args.get("region", "").strip()
    available = ", ".join(regions(ctx))
    if not typed:
        current = known_region(ctx, (await ctx.repo.choices(ctx.member.id)).region)
        return answer(event, ctx.t("safety.region.current", region=current
                                   or community_region(ctx), regions=available))
    if typed.casefold() == "default":
        await ctx.repo.set_region(ctx.member.id, None)
        await audit(ctx, "safety region", "default", actor=event.user)
        return answer(event, ctx.t("safety.region.cleared", region=community_region(ctx)))
    chosen = known_region(ctx, typed)
    if chosen is None:
        return answer(event, ctx.t("safety.region.unknown", value=quoted(typed),
                                   regions=available))
    await ctx.repo.set_region(ctx.member.id, chosen)
    await audit(ctx, "safety region", chosen, actor=event.user)
    return answer(event, ctx.t("safety.region.set", region=chosen))


@handlers.command(
    "safety alerts", "Whether moderators are told when a message of yours sounds like a crisis",
    args=(ArgSpec(name="moderators", description="on or off", kind="choice",
                  choices=(_ON, _OFF)),),
)
async def alerts(event: CommandInvoked, ctx: SafetyContext) -> Sequence[Action]:
    assert ctx.member is not None
    choice = event.args.get("moderators", "").strip().lower()
    if choice not in (_ON, _OFF):
        return answer(event, ctx.t("safety.alerts.bad"))
    await ctx.repo.set_alerts_off(ctx.member.id, choice == _OFF)
    await audit(ctx, "safety alerts", choice, actor=event.user)
    return answer(event, ctx.t(f"safety.alerts.{choice}"))


@handlers.command("safety setup", "Crisis reply and alert settings for this community",
                  moderator_only=True,
                  args=tuple(setting.arg_spec() for setting in CHAT_SETTINGS))
async def setup(event: CommandInvoked, ctx: SafetyContext) -> Sequence[Action]:
    args = {k: v.strip() for k, v in event.args.items() if v.strip()}
    changes: dict[str, object] = {}
    for setting in CHAT_SETTINGS:
        if setting.arg not in args:
            continue
        try:
            value = setting.parse(args[setting.arg], ctx.settings)
            if setting is REGION:
                value = known_region(ctx, str(value))
                if value is None:
                    raise BadValue(", ".join(regions(ctx)))
        except BadValue as bad:
            return answer(event, ctx.t("safety.setup.bad_value", arg=setting.arg,
                                       value=quoted(args[setting.arg]), hint=bad.reason))
        changes[setting.key] = value
    if not changes:
        return answer(event, ctx.t("safety.setup.nothing"))
    community = await ctx.store.communities.update_settings(ctx.community.id, changes)
    ctx = replace(ctx, community=community)
    shown = [f"{s.arg} = {_shown(changes[s.key])}" for s in CHAT_SETTINGS if s.key in changes]
    for line in shown:
        await audit(ctx, "safety setup", line, actor=event.user)
    return answer(event, ctx.t("safety.setup.done", changes="; ".join(shown)))


def _shown(value: object) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


@handlers.setup_check
async def alerts_have_somewhere_to_go(ctx: SafetyContext) -> list[str]:
    """Alerts go to the moderators' channel, else (through the router) the supporters'."""
    for purpose in ("moderators", "supporters"):
        if await ctx.store.channels.for_purpose(ctx.community.id, purpose) is not None:
            return []
    return [ctx.t("safety.status.no_channel")]
