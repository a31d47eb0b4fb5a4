"""Posts and replies in the support channel, and the private notes replies may bring.

A *post* (a share) is a member's top-level message, or the message that starts a thread, in the
community's support channel. A *reply* is another member's message answering it within the reply
window: a platform reply to it, or a message in its thread (on Discord and Slack a thread started
from a message has that message's id). Only ids and instants are kept; the words are read once, in
memory, by :func:`bot.features.listening.analysis.analyse`, and forgotten.

A reply whose verdict is "nudge" brings its writer one short, private note (what was noticed, why
it matters, one opening to try), never public and never quoting anyone. Notes are on by default
for supporters and off for everyone else; each person switches with one tap on a note or
``listening nudges on|off``. At most one note per person per period, and never two about the same
post for the same person. With positive feedback switched on, an especially good reply may bring
a short thank-you instead, under the same limits.

Every message in the support channel passes here, so the common case (a post, or a reply that
needs no note) is decided from memory (see :mod:`bot.features.listening.repo`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.actions import Action, Button, SendPrivateNote
from bot.answer import answer
from bot.events import ButtonPressed, CommandInvoked, Event, MessagePosted
from bot.feature import ArgSpec
from bot.features.listening.analysis import Assessment, analyse, is_vulnerable_share
from bot.features.listening.declare import NOTES, UNANSWERED, ListeningContext, handlers
from bot.features.listening.repo import NoteKind, Room, Share
from bot.features.listening.settings import (
    enabled,
    nudge_period,
    positive_feedback,
    reply_window,
    unanswered_after,
)
from bot.features.listening.tips import ensure_tips_job
from bot.features.roles import is_supporter, supporter_roles
from bot.model import Member

GOOD_MOVES = frozenset({"reflection", "validation", "emotional_reaction", "open_question",
                        "permission", "self_disclosure_turned_back"})
"""Listening moves a thank-you can name."""
THANKS_AT = 3
"""A reply is especially good when it makes at least this many different listening moves."""


# -- what memory knows about the support channel ---------------------------------------------------


async def room(ctx: ListeningContext) -> Room:
    """The community's :class:`Room`: its support channel, settings and people's choices re-read
    when stale, and the posts still within the reply window loaded once after a start."""
    rooms = ctx.repo.rooms
    found = rooms.get(ctx.community.id)
    if found is None:
        found = rooms[ctx.community.id] = Room()
        await ensure_tips_job(ctx)
    if found.stale(ctx.now):
        found.enabled = enabled(ctx)
        found.window, found.delay = reply_window(ctx), unanswered_after(ctx)
        found.channel = await ctx.store.channels.for_purpose(ctx.community.id, "support")
        found.prefs = await ctx.repo.prefs(ctx.community.id)
        found.listened = (bool(supporter_roles(ctx.community, ctx.settings))
                          or any(found.prefs.values()))
        found.read_at = ctx.now
    if not found.warm and found.channel is not None:
        found.warm = True
        for share in await ctx.repo.recent(ctx.community.id, ctx.now - found.window):
            found.remember(share)
    return found


async def write_pending(ctx: ListeningContext, found: Room) -> None:
    """Store the posts and answered marks waiting in memory (see :mod:`.repo`)."""
    if found.pending:
        pending = list(found.pending.values())
        found.pending.clear()
        found.flushed_at = time.monotonic()
        await ctx.repo.write(ctx.community.id, pending, ctx.now)


async def ensure_check(ctx: ListeningContext, found: Room, due: datetime) -> None:
    """Make sure the unanswered-post check runs by ``due`` (one job per community: only a write
    when it is not already due sooner)."""
    if found.job_at is not None and found.job_at <= due:
        return
    subject = f"community:{ctx.community.id}"
    job = await ctx.store.jobs.get(UNANSWERED, subject)
    if job is not None and job.next_run is not None and job.next_run <= due:
        found.job_at = job.next_run
        return
    await ctx.store.jobs.upsert(kind=UNANSWERED, subject=subject, community_id=ctx.community.id,
                                member_id=None, rule=None, zone="UTC", next_run=due)
    found.job_at = due


# -- the message path ---------------------------------------------------------------------------


@handlers.event(MessagePosted)
async def on_message(event: MessagePosted, ctx: ListeningContext) -> Sequence[Action]:
    """The hot path: every message of every channel passes here. Decided from memory, except
    when a post or a note must be written."""
    if event.is_dm or event.actor.is_bot:
        return ()
    found = ctx.repo.rooms.get(ctx.community.id)
    if found is None or not found.current(ctx.now):
        found = await room(ctx)  # only then: a coroutine less on almost every message
    if event.channel != found.channel or not found.enabled:
        return ()
    if event.reply_to is None and (event.thread is None or event.thread == event.message_id):
        return await _posted(event, ctx, found)
    share = found.find(event.reply_to, event.thread)
    if share is None or share.author == event.user or ctx.now - share.posted_at > found.window:
        return ()
    if share.answered_at is None:
        share.answered_at = ctx.now
        if found.changed(share):
            await write_pending(ctx, found)
    return await _maybe_note(event, ctx, found, share)


async def _posted(event: MessagePosted, ctx: ListeningContext, found: Room) -> Sequence[Action]:
    now = ctx.now
    # Whether the post shares a problem matters only to replies that may bring a note: where
    # nobody can get one (no supporter role, nobody opted in), it is not worked out.
    share = Share(channel=event.thread or event.channel, message_id=event.message_id,
                  author=event.user, posted_at=now,
                  vulnerable=is_vulnerable_share(event.text) if found.listened else True)
    found.remember(share)
    if found.changed(share):
        found.forget_before(now - found.window)
        await write_pending(ctx, found)
    due = now + found.delay
    if found.job_at is None or found.job_at > due:
        await ensure_check(ctx, found, due)
    return ()


def wants_notes(event: MessagePosted, ctx: ListeningContext, found: Room) -> bool:
    """Notes are on for supporters and off for everyone else, unless the person chose."""
    chosen = found.prefs.get(event.user)
    if chosen is not None:
        return chosen
    return is_supporter(event.actor.roles, ctx.community, ctx.settings)


async def _maybe_note(event: MessagePosted, ctx: ListeningContext, found: Room,
                      share: Share) -> Sequence[Action]:
    if not wants_notes(event, ctx, found):
        return ()
    period = nudge_period(ctx)
    last = found.noted.get(event.user)
    if last is not None and ctx.now - last < period:
        return ()
    assessment = analyse(event.text, vulnerable=share.vulnerable)
    kind: NoteKind
    if assessment.nudge:
        kind = "nudge"
    elif positive_feedback(ctx) and len(_moves(assessment)) >= THANKS_AT:
        kind = "thanks"
    else:
        return ()
    member = await ctx.store.members.find(ctx.community.id, event.user)
    if member is not None and not await _may_note(ctx, found, member, period):
        return ()
    if member is None:
        member = await ctx.store.members.ensure(ctx.community.id, event.user, now=ctx.now)
    if share.id is None:
        await write_pending(ctx, found)
        share.id = await ctx.repo.share_id(ctx.community.id, share.message_id)
    if not await ctx.repo.record_note(member.id, share.id, kind, ctx.now):
        return ()
    found.noted[event.user] = ctx.now
    where = event.thread or event.channel
    text = (note_text(ctx, assessment, where) if kind == "nudge"
            else thanks_text(ctx, assessment, where))
    return [SendPrivateNote(
        platform=event.platform, community=event.community, recipient=event.user,
        kind=f"listening.{kind}", user=event.user, channel=event.channel, thread=event.thread,
        text=text,
        buttons=(Button(action=NOTES, value="off", label=ctx.t("listening.note.off")),),
    )]


async def _may_note(ctx: ListeningContext, found: Room, member: Member,
                    period: timedelta) -> bool:
    """The person's own choice, read again from the store (memory may be a little old), and the
    one-note-per-period limit (remembered, so the next replies in the period cost nothing)."""
    if await ctx.repo.pref(member.id) is False:
        found.prefs[member.platform_user_id] = False
        return False
    last = await ctx.repo.last_note(member.id)
    if last is not None and ctx.now - last < period:
        found.noted[member.platform_user_id] = last
        return False
    return True


def _moves(assessment: Assessment) -> list[str]:
    return [s.kind for s in assessment.signals if s.kind in GOOD_MOVES]


def moves_text(ctx: ListeningContext, assessment: Assessment) -> str:
    return ", ".join(
        ctx.t(f"listening.signal.{kind}") for kind in _moves(assessment))


def feedback_lines(ctx: ListeningContext, assessment: Assessment) -> list[str]:
    """What was noticed, why it matters and one opening to try, for the first roadblock."""
    kind = assessment.cues[0].kind
    return [f"{ctx.t(f'listening.cue.{kind}.noticed')} {ctx.t(f'listening.cue.{kind}.why')}",
            ctx.t(f"listening.cue.{kind}.try")]


def note_text(ctx: ListeningContext, assessment: Assessment, where: str) -> str:
    hours = int(nudge_period(ctx).total_seconds() // 3600)
    return "\n".join([ctx.t("listening.note.intro", channel=f"<#{where}>"),
                      *feedback_lines(ctx, assessment),
                      ctx.t("listening.note.footer", hours=hours)])


def thanks_text(ctx: ListeningContext, assessment: Assessment, where: str) -> str:
    hours = int(nudge_period(ctx).total_seconds() // 3600)
    return "\n".join([ctx.t("listening.note.thanks", channel=f"<#{where}>",
                            moves=moves_text(ctx, assessment)),
                      ctx.t("listening.note.footer", hours=hours)])


# -- switching notes on and off ---------------------------------------------------------------------


async def _switch(event: Event, ctx: ListeningContext, on: bool) -> list[Action]:
    member = ctx.member
    if member is None:
        return answer(event, ctx.t("common.use_in_server"))
    await ctx.repo.set_pref(member.id, on, ctx.now)
    cached = ctx.repo.rooms.get(ctx.community.id)
    if cached is not None:
        cached.prefs[event.user] = on
        cached.listened = cached.listened or on
    if on:
        hours = int(nudge_period(ctx).total_seconds() // 3600)
        return answer(event, ctx.t("listening.note.turned_on", hours=hours))
    back = Button(action=NOTES, value="on", label=ctx.t("listening.note.on"))
    return answer(event, ctx.t("listening.note.turned_off"), (back,))


@handlers.command("listening nudges", "Private notes about your replies: on or off",
                  args=(ArgSpec(name="state", description="on or off", kind="choice",
                                choices=("on", "off")),))
async def nudges_command(event: CommandInvoked, ctx: ListeningContext) -> Sequence[Action]:
    state = event.args.get("state", "").strip().lower()
    if state not in ("on", "off"):
        return answer(event, ctx.t("listening.note.bad_choice"))
    return await _switch(event, ctx, state == "on")


@handlers.button(NOTES, creates_member=True)
async def notes_button(event: ButtonPressed, ctx: ListeningContext) -> Sequence[Action]:
    return await _switch(event, ctx, event.value == "on")
