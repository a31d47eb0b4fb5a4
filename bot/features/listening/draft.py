"""Coaching before sending: a supporter checks a draft reply privately, before posting it.

``listening draft`` opens a form; on Discord the message action "Reply with care" on a post
opens the same form (the adapter turns it into this command with the post's ``channel`` and
``message``; Slack's message shortcut does the same). The draft is read once, in memory, with the
same analyser as replies, and the answer goes to the supporter alone. Nothing is stored: the
supporter always writes and sends the reply themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, Form, FormField, OpenForm
from bot.answer import answer
from bot.events import CommandInvoked, FormSubmitted
from bot.features.listening.analysis import MAX_CHARS, analyse
from bot.features.listening.declare import DRAFT, ListeningContext, handlers
from bot.features.listening.replies import feedback_lines, moves_text

REPLY_WITH_CARE = "Reply with care"
"""The name of the message action (Discord's message menu, Slack's message shortcut)."""


def draft_form(ctx: ListeningContext, about: str) -> Form:
    return Form(
        id=DRAFT, title=ctx.t("listening.draft.title"), context=about,
        submit_label=ctx.t("listening.draft.submit"),
        fields=(FormField(id="draft", label=ctx.t("listening.draft.label"), multiline=True,
                          required=True, max_length=MAX_CHARS,
                          placeholder=ctx.t("listening.draft.placeholder")),),
    )


@handlers.command("listening draft", "Check a reply privately before you post it",
                  message_action=REPLY_WITH_CARE)
async def draft(event: CommandInvoked, ctx: ListeningContext) -> Sequence[Action]:
    if not event.interaction:
        return answer(event, ctx.t("listening.draft.unavailable"))
    message = event.args.get("message", "")
    return [OpenForm(platform=event.platform, community=event.community, recipient=event.user,
                     interaction=event.interaction, form=draft_form(ctx, message))]


@handlers.form(DRAFT)
async def on_draft(event: FormSubmitted, ctx: ListeningContext) -> Sequence[Action]:
    text = event.values.get("draft", "")
    if not text.strip():
        return answer(event, ctx.t("listening.draft.empty"))
    found = ctx.repo.rooms.get(ctx.community.id)
    share = found.find(event.context) if found is not None and event.context else None
    assessment = analyse(text, vulnerable=None if share is None else share.vulnerable)
    if assessment.nudge:
        lines = [ctx.t("listening.draft.intro"), *feedback_lines(ctx, assessment)]
    else:
        lines = [ctx.t("listening.draft.clear")]
    moves = moves_text(ctx, assessment)
    if moves:
        lines.append(ctx.t("listening.draft.good", moves=moves))
    return answer(event, "\n".join(lines))
