"""The ``quiet`` and ``snooze`` commands, and the platform's do-not-disturb signal.

Why a feature of its own, with no table: what it sets lives on the member (``quiet_hours``,
``snoozed_until``, ``dnd_until``), because the delivery pipeline's gate reads it for every
action of every feature (``bot.quiet``, ``bot.people``). This feature is how people set it, and
says back, in their own zone, what will happen.

Any change that may end a hold early (``quiet off``, ``snooze off``, do-not-disturb off) makes
what was held for the person due now: the releaser checks again and sends what may go.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.actions import Action, SendDirect
from bot.answer import answer, quoted
from bot.durations import parse_duration
from bot.events import CommandInvoked, DoNotDisturbChanged
from bot.feature import ArgSpec, Context, Feature, Handlers
from bot.model import Claim, Member
from bot.people import QUIET_DEFAULT, hold_of, member_zone, quiet_windows, windows_of
from bot.quiet import held_until
from bot.windows import WindowError, format_spec, parse, with_window

handlers: Handlers[None] = Handlers("quiet")

SNOOZE_END = "quiet.snooze_end"
SNOOZE_MAX = timedelta(days=30)
DND_FOREVER = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))
"""Do-not-disturb with no end the platform told us: held until it says "off"."""

HOURS = ArgSpec(name="hours", description="e.g. 22:00-07:00 (may run past midnight)",
                max_length=11)
DAYS = ArgSpec(name="days", description="Only on these days, e.g. fri,sat (optional)",
               kind="days", required=False, max_length=40)


class Quiet(Feature[None]):
    name = "quiet"
    handlers = handlers


def local_time(ctx: Context[None], instant: datetime, zone: str) -> str:
    """An instant as the person reads it: "07:00", or "Tuesday 6 January at 07:00" when it is
    not today in their zone."""
    local = instant.astimezone(ZoneInfo(zone))
    if local.date() == ctx.now.astimezone(ZoneInfo(zone)).date():
        return f"{local:%H:%M}"
    return ctx.t("quiet.when", day=f"{local:%A} {local.day} {local:%B}", time=f"{local:%H:%M}")


async def _release(ctx: Context[None], member: Member) -> int:
    return await ctx.store.deferred.release_now(member.id, ctx.now)


@handlers.command("quiet set", "Set your quiet hours: nothing that can wait reaches you then",
                  args=(HOURS, DAYS))
async def quiet_set(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    assert ctx.member is not None
    hours, days = event.args.get("hours", ""), event.args.get("days")
    try:
        window = parse(hours, days)
    except WindowError:
        return answer(event, ctx.t("quiet.bad_hours", value=quoted(hours)))
    own = quiet_windows(ctx.member, ctx.community) if ctx.member.quiet_hours not in (None, "off") \
        else ()
    windows = with_window(own, window) if days else (window,)
    member = await ctx.store.members.update(ctx.member.id, quiet_hours=format_spec(windows))
    await _release(ctx, member)
    zone = member_zone(member, ctx.community, ctx.settings)
    return answer(event, ctx.t("quiet.set", hours=format_spec(windows), zone=zone)
                  + _now_line(ctx, member))


@handlers.command("quiet show", "Your quiet hours, and whether anything is waiting for you")
async def quiet_show(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    assert ctx.member is not None
    member = ctx.member
    zone = member_zone(member, ctx.community, ctx.settings)
    windows = quiet_windows(member, ctx.community)
    if member.quiet_hours and member.quiet_hours != "off":
        lines = [ctx.t("quiet.show_own", hours=format_spec(windows), zone=zone)]
    elif windows:
        lines = [ctx.t("quiet.show_default", hours=format_spec(windows), zone=zone)]
    else:
        lines = [ctx.t("quiet.show_none")]
    if member.snoozed_until is not None and member.snoozed_until > ctx.now:
        lines.append(ctx.t("quiet.snooze.until", until=local_time(ctx, member.snoozed_until,
                                                                  zone)))
    until = held_until(hold_of(member, ctx.community, ctx.settings), ctx.now)
    if until is not None:
        lines.append(ctx.t("quiet.held_now", until=local_time(ctx, until, zone)))
    waiting = await ctx.store.deferred.waiting(member.id)
    if waiting:
        lines.append(ctx.t("quiet.waiting", count=waiting))
    return answer(event, "\n".join(lines))


@handlers.command("quiet off", "No quiet hours for you (messages come whenever they're sent)")
async def quiet_off(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    assert ctx.member is not None
    member = await ctx.store.members.update(ctx.member.id, quiet_hours="off")
    released = await _release(ctx, member)
    return answer(event, ctx.t("quiet.off") + (" " + ctx.t("quiet.released_now") if released else ""))


@handlers.command("quiet setup", "The community's default quiet hours (or off)",
                  moderator_only=True, args=(
                      ArgSpec(name="hours", description="e.g. 22:00-08:00, or off",
                              max_length=11), DAYS))
async def quiet_setup(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    hours, days = event.args.get("hours", "").strip(), event.args.get("days")
    if hours.lower() == "off":
        await ctx.store.communities.update_settings(ctx.community.id, {QUIET_DEFAULT: None})
        await ctx.store.audit.record(ctx.community.id, event.user, "quiet setup", "off", ctx.now)
        return answer(event, ctx.t("quiet.setup_off"))
    try:
        window = parse(hours, days)
    except WindowError:
        return answer(event, ctx.t("quiet.bad_hours", value=quoted(hours)))
    current = ctx.community.settings.get(QUIET_DEFAULT)
    windows = with_window(windows_of(current), window) if days else (window,)
    spec = format_spec(windows)
    await ctx.store.communities.update_settings(ctx.community.id, {QUIET_DEFAULT: spec})
    await ctx.store.audit.record(ctx.community.id, event.user, "quiet setup", spec, ctx.now)
    return answer(event, ctx.t("quiet.setup_set", hours=spec))


@handlers.command("snooze", "Pause everything that can wait, for a while (or: off)", args=(
    ArgSpec(name="for", description="How long, e.g. 2h or 3d (at most 30d), or off",
            max_length=12),))
async def snooze(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    assert ctx.member is not None
    value = event.args.get("for", "").strip()
    if value.lower() == "off":
        return await _snooze_off(event, ctx, ctx.member)
    try:
        length = parse_duration(value)
    except (ValueError, OverflowError):
        return answer(event, ctx.t("quiet.snooze.bad", value=quoted(value)))
    if length <= timedelta(0):
        return answer(event, ctx.t("quiet.snooze.bad", value=quoted(value)))
    if length > SNOOZE_MAX:
        return answer(event, ctx.t("quiet.snooze.too_long"))
    until = ctx.now + length
    member = await ctx.store.members.update(ctx.member.id, snoozed_until=until)
    await ctx.store.jobs.upsert(
        kind=SNOOZE_END, subject=f"member:{member.id}", community_id=ctx.community.id,
        member_id=member.id, rule=None, zone="UTC", next_run=until, payload={},
    )
    zone = member_zone(member, ctx.community, ctx.settings)
    return answer(event, ctx.t("quiet.snooze.set", until=local_time(ctx, until, zone)))


async def _snooze_off(event: CommandInvoked, ctx: Context[None],
                      member: Member) -> Sequence[Action]:
    if member.snoozed_until is None or member.snoozed_until <= ctx.now:
        return answer(event, ctx.t("quiet.snooze.not_snoozed"))
    member = await ctx.store.members.update(member.id, snoozed_until=None)
    await ctx.store.jobs.delete(SNOOZE_END, f"member:{member.id}")
    await _release(ctx, member)
    return answer(event, ctx.t("quiet.snooze.off"))


@handlers.job(SNOOZE_END)
async def snooze_ended(claim: Claim, ctx: Context[None]) -> Sequence[Action]:
    """One gentle line when a snooze ends by itself (it passes the gate like anything else: at
    the end of a snooze inside quiet hours, it waits for the morning)."""
    member = ctx.member
    if member is None or member.snoozed_until is None or member.snoozed_until > ctx.now:
        return ()
    await ctx.store.members.update(member.id, snoozed_until=None)
    return (SendDirect(platform=ctx.platform, community=ctx.community.platform_id,
                       recipient=member.platform_user_id, user=member.platform_user_id,
                       text=ctx.t("quiet.snooze.ended")),)


@handlers.event(DoNotDisturbChanged)
async def do_not_disturb(event: DoNotDisturbChanged, ctx: Context[None]) -> Sequence[Action]:
    """The platform's do-not-disturb, treated like quiet hours (Slack sends it; Discord's status
    would need the privileged presence intent, so it does not)."""
    member = ctx.member or (await ctx.store.members.find(ctx.community.id, event.user))
    if member is None:
        return ()
    if event.active and (event.until is None or event.until > ctx.now):
        await ctx.store.members.update(member.id, dnd_until=event.until or DND_FOREVER)
    else:
        member = await ctx.store.members.update(member.id, dnd_until=None)
        await _release(ctx, member)
    return ()


def _now_line(ctx: Context[None], member: Member) -> str:
    until = held_until(hold_of(member, ctx.community, ctx.settings), ctx.now)
    if until is None:
        return ""
    zone = member_zone(member, ctx.community, ctx.settings)
    return " " + ctx.t("quiet.held_now", until=local_time(ctx, until, zone))
