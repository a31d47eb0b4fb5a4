"""Answering a prompt: a mood, a skip, or a short private note, each in one tap.

Every press is checked in the same order (whose prompt, still enrolled, not expired, not already
answered) and each refusal is a kind, private answer that changes nothing. Replies vary with the
mood and are chosen by prompt id, so they are deterministic but not the same every day.

A mood or a skip pressed in the member's private conversation replaces the prompt itself: it then
shows the chosen mood and the reply, and keeps only the buttons that still do something (add a
note, the goal's answers, the offer of someone reaching out), so nobody is left facing mood
buttons that can only say "already answered". A prompt in a shared check-in thread is never
replaced, because everyone there would see the mood: it gets a private reply, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, Button, Form, FormField, OpenForm, Respond
from bot.answer import answer
from bot.events import ButtonPressed, Event, FormSubmitted
from bot.features.checkins.common import reach_channel, split_value
from bot.features.checkins.declare import GOAL, MOOD, NOTE, OFFER, SKIP, CheckinContext, handlers
from bot.features.checkins.prompts import prompt_buttons
from bot.features.checkins.repo import Prompt
from bot.numbers import small_int

VARIANTS = ("a", "b", "c")
LOW_MOODS = frozenset({1, 2})


def prompt_id_in(value: str) -> int | None:
    """The prompt id a button value or form context starts with (``"12"``, ``"12:3"``)."""
    parsed = split_value(value)
    return parsed[0] if parsed else None


async def checked_prompt(event: Event, ctx: CheckinContext, prompt_id: int | None,
                         *, allow_expired: bool = False) -> Prompt | list[Action]:
    """The prompt if this person may act on it now, else the kind answer to send instead."""
    checkins = ctx.repo
    prompt = None if prompt_id is None else await checkins.prompt(prompt_id)
    if prompt is None:
        return answer(event, ctx.t("checkin.answer.unknown"))
    if ctx.member is None or prompt.member_id != ctx.member.id:
        return answer(event, ctx.t("checkin.answer.not_yours"))
    if await checkins.enrolment(ctx.member.id) is None:
        return answer(event, ctx.t("checkin.answer.not_enrolled"))
    if not allow_expired and ctx.now >= prompt.expires_at:
        return answer(event, ctx.t("checkin.answer.expired"))
    return prompt


def mood_reply(ctx: CheckinContext, prompt_id: int, mood: int) -> str:
    return ctx.t(f"checkin.reply.{mood}.{VARIANTS[prompt_id % len(VARIANTS)]}")


def offer_buttons(ctx: CheckinContext, prompt_id: int) -> tuple[Button, ...]:
    return (
        Button(action=OFFER, value=f"{prompt_id}:yes", label=ctx.t("checkin.offer.yes"),
               style="primary"),
        Button(action=OFFER, value=f"{prompt_id}:no", label=ctx.t("checkin.offer.no")),
    )


def pressed_in_private(event: ButtonPressed, ctx: CheckinContext) -> bool:
    """Whether the button was on a message only this member sees: their private conversation
    with the bot, as the delivery remembered it. Unknown counts as shared, so a mood is never
    shown to others by mistake."""
    member = ctx.member
    return bool(event.interaction and member is not None and member.dm_channel
                and event.channel == member.dm_channel)


def buttons_after_answer(ctx: CheckinContext, prompt: Prompt) -> tuple[Button, ...]:
    """The prompt's buttons that still mean something once the mood is in: the note, and the
    goal's answers while the goal has none."""
    done = {MOOD, SKIP} | ({GOAL} if prompt.goal_answer is not None else set())
    return tuple(b for b in prompt_buttons(ctx, prompt) if b.action not in done)


def answered(event: ButtonPressed, ctx: CheckinContext, prompt: Prompt, text: str,
             buttons: Sequence[Button] = ()) -> list[Action]:
    """The reply to a mood or a skip: in a private conversation it replaces the prompt (``text``
    then names the choice), elsewhere it is a private reply with ``buttons`` only."""
    if not pressed_in_private(event, ctx):
        return answer(event, text, buttons)
    return [Respond(platform=event.platform, community=event.community, recipient=event.user,
                    interaction=event.interaction or "", text=text, replace=True,
                    buttons=(*buttons, *buttons_after_answer(ctx, prompt)))]


@handlers.button(MOOD)
async def on_mood(event: ButtonPressed, ctx: CheckinContext) -> Sequence[Action]:
    parsed = split_value(event.value)
    mood = (small_int(parsed[1], max_digits=1) or 0) if parsed else 0
    found = await checked_prompt(event, ctx, parsed[0] if parsed and 1 <= mood <= 5 else None)
    if not isinstance(found, Prompt):
        return found
    if not await ctx.repo.answer(found.id, mood, ctx.now):
        return answer(event, ctx.t("checkin.answer.already"))
    text = mood_reply(ctx, found.id, mood)
    if pressed_in_private(event, ctx):
        chosen = ctx.t("checkin.answer.chosen", emoji=ctx.t(f"checkin.mood.{mood}.emoji"),
                       label=ctx.t(f"checkin.mood.{mood}.label"))
        text = f"{chosen}\n{text}"
    if mood in LOW_MOODS and found.offer is None and await reach_channel(ctx) is not None:
        # Offered only when a request would reach someone (a supporters' or moderators'
        # channel is set): never a promise nobody keeps.
        return answered(event, ctx, found, f"{text}\n{ctx.t('checkin.offer.text')}",
                        offer_buttons(ctx, found.id))
    return answered(event, ctx, found, text)


@handlers.button(SKIP)
async def on_skip(event: ButtonPressed, ctx: CheckinContext) -> Sequence[Action]:
    found = await checked_prompt(event, ctx, prompt_id_in(event.value))
    if not isinstance(found, Prompt):
        return found
    if not await ctx.repo.answer(found.id, None, ctx.now):
        return answer(event, ctx.t("checkin.answer.already"))
    # The reply itself says it was skipped ("Skipped for today, …"): no separate line needed.
    return answered(event, ctx, found, ctx.t("checkin.reply.skip"))


def note_form(ctx: CheckinContext, prompt_id: int) -> Form:
    return Form(
        id=NOTE, title=ctx.t("checkin.note.title"), context=str(prompt_id),
        submit_label=ctx.t("checkin.note.submit"),
        fields=(FormField(id="note", label=ctx.t("checkin.note.label"), multiline=True,
                          required=False, max_length=ctx.settings.checkins.note_max_chars,
                          placeholder=ctx.t("checkin.note.placeholder")),),
    )


@handlers.button(NOTE)
async def on_note_button(event: ButtonPressed, ctx: CheckinContext) -> Sequence[Action]:
    found = await checked_prompt(event, ctx, prompt_id_in(event.value))
    if not isinstance(found, Prompt):
        return found
    if not ctx.repo.keeps_text:  # a prompt sent before the key went away still has the button
        return answer(event, ctx.t("checkin.note.not_kept"))
    if not event.interaction:
        return answer(event, ctx.t("checkin.note.unavailable"))
    return [OpenForm(platform=event.platform, community=event.community, recipient=event.user,
                     interaction=event.interaction, form=note_form(ctx, found.id))]


@handlers.form(NOTE)
async def on_note_form(event: FormSubmitted, ctx: CheckinContext) -> Sequence[Action]:
    found = await checked_prompt(event, ctx, prompt_id_in(event.context))
    if not isinstance(found, Prompt):
        return found
    note = event.values.get("note", "").strip()
    if not note:
        return answer(event, ctx.t("checkin.note.empty"))
    if not ctx.repo.keeps_text:
        return answer(event, ctx.t("checkin.note.not_kept"))
    limit = ctx.settings.checkins.note_max_chars
    if len(note) > limit:
        # A form cannot open another form on every platform: offer a button that opens it again.
        again = Button(action=NOTE, value=str(found.id),
                       label=ctx.t("checkin.note.retry"), style="primary")
        return answer(event, ctx.t("checkin.note.too_long", length=len(note), max=limit),
                     (again,))
    await ctx.repo.set_note(found.id, note)
    return answer(event, ctx.t("checkin.note.saved"))
