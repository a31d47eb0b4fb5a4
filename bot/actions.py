"""Outbound neutral actions: what the core asks an adapter to do.

The core decides; adapters only translate these into platform calls. Every action goes through the
outbox (one gate for quiet hours, pacing and delivery records) before it reaches an adapter.

``recipient`` names the person an action is *for* (the DM target, the replier who gets a nudge);
the outbox uses it for quiet hours. ``urgent`` actions (crisis resources) are never deferred.
``key`` is an optional idempotency key: the outbox records it and never sends the same key twice.
``kind`` names what a feature sends (``listening.nudge``, ``safety.reply``) for the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.jsonform import Registry

ACTIONS = Registry("action")


@dataclass(frozen=True, slots=True, kw_only=True)
class Button:
    """A button; pressing it produces ``ButtonPressed(action=action, value=value)``."""

    action: str
    label: str
    value: str = ""
    style: str = "secondary"  # "primary" | "secondary" | "danger"
    emoji: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A small text file sent with a message (a member's export): ``content`` is its text."""

    filename: str
    content: str
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True, kw_only=True)
class FormField:
    """One text box in a form; its ``id`` is the key in ``FormSubmitted.values``."""

    id: str
    label: str
    multiline: bool = False
    required: bool = False
    max_length: int = 500
    placeholder: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Form:
    """A small form (Discord modal, Slack view); submitting it yields ``FormSubmitted``."""

    id: str
    title: str
    fields: tuple[FormField, ...]
    context: str = ""
    submit_label: str = "Send"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageLink:
    """A pointer to one message, for people to open: the core knows ids, never URLs, so the
    adapter renders it (Discord: a jump link on its own line under the text). ``thread`` is the
    thread the message is in, if any; ``is_dm`` when it was a private message to the bot (no one
    else can open it, so adapters say so instead of linking)."""

    channel: str
    message_id: str
    thread: str | None = None
    is_dm: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """Fields every action has. ``recipient`` is the person the action is for (quiet hours
    apply to them); ``urgent`` actions (crisis resources) are never deferred; ``key`` is an
    optional idempotency key; ``kind`` names what a feature sends (``listening.nudge``), for the
    metrics only.

    A ``text`` may hold a link to a message as ``<message:CHANNEL/MESSAGE>``
    (``bot.names.message_link``): the core knows no URLs, so each adapter writes its own link
    there (Discord: ``https://discord.com/channels/GUILD/CHANNEL/MESSAGE``)."""

    platform: str
    community: str | None = None
    recipient: str | None = None
    urgent: bool = False
    key: str | None = None
    kind: str | None = None
    """What a feature calls this message (``listening.nudge``, ``safety.reply``), for counting
    only (the ``kind`` label of the outbox's metrics): a fixed name, never an id or text."""


@ACTIONS.register("send_dm")
@dataclass(frozen=True, slots=True, kw_only=True)
class SendDirect(Action):
    """A private message to one person. ``channel`` is the private conversation's id when the
    core already knows it (the core fills it in); otherwise the adapter opens one and reports
    its id back in ``SendResult.channel``."""

    user: str
    text: str
    buttons: tuple[Button, ...] = ()
    channel: str | None = None


@ACTIONS.register("post")
@dataclass(frozen=True, slots=True, kw_only=True)
class PostMessage(Action):
    """A message in a channel, or in ``thread`` when given. ``mention`` pings exactly that user.

    ``thread`` may be ``ref:<ref>``: the thread a ``StartThread`` with that ``ref`` opened earlier
    in the same delivery (the outbox fills in the platform's id)."""

    channel: str
    text: str
    thread: str | None = None
    buttons: tuple[Button, ...] = ()
    mention: str | None = None
    pings: tuple[str, ...] = ()
    """More people this post is for (the supporters a request picked): each is mentioned at the
    start and pinged, like ``mention``."""
    ref: str | None = None
    """A feature's name for this post: the platform's message id comes back to the feature
    (``Feature.on_posted``), so it can edit the post later."""
    reply_to: str | None = None
    """The message this post answers (in ``channel``, or ``thread``): shown as a reply to it
    where the platform can (Discord), in its thread where that is the platform's way (Slack)."""
    link: MessageLink | None = None
    """A message people should be able to open from this post; the adapter renders it."""


@ACTIONS.register("start_thread")
@dataclass(frozen=True, slots=True, kw_only=True)
class StartThread(Action):
    """A new thread in ``channel`` named ``title`` opened by a message ``text``.

    ``ref`` is the core's own name for the thread; the adapter reports the platform id back so
    later events in that thread can be recognised.
    """

    channel: str
    title: str
    text: str
    ref: str = ""


@ACTIONS.register("note")
@dataclass(frozen=True, slots=True, kw_only=True)
class SendPrivateNote(Action):
    """A note only ``user`` can see, about something in ``channel`` (Slack ephemeral; a DM where
    the platform cannot whisper outside an interaction)."""

    user: str
    channel: str
    text: str
    buttons: tuple[Button, ...] = ()
    thread: str | None = None
    """The thread in ``channel`` the note is about, when it is in one (as
    ``MessagePosted.thread`` gave it): Slack shows the note in that thread."""


@ACTIONS.register("respond")
@dataclass(frozen=True, slots=True, kw_only=True)
class Respond(Action):
    """The answer to a command, button or form, identified by its ``interaction`` token.

    ``private`` answers are seen only by the person who acted. ``replace`` updates the message
    the button was on (its text becomes ``text`` and its buttons ``buttons``, none when empty)
    instead of sending a new reply: an answered prompt then shows the answer and no longer offers
    buttons that would only say "already answered". The message keeps who can see it, so a
    feature replaces only a message that only this person sees. Where there is no such message
    (a command) or the platform cannot update it, it is an ordinary answer.
    """

    interaction: str
    text: str
    private: bool = True
    buttons: tuple[Button, ...] = ()
    replace: bool = False
    attachment: Attachment | None = None
    """A file that goes with the answer (shown under the last part of the text)."""


@ACTIONS.register("open_form")
@dataclass(frozen=True, slots=True, kw_only=True)
class OpenForm(Action):
    """Open ``form`` for the person behind ``interaction`` (must answer a button or command)."""

    interaction: str
    form: Form


@ACTIONS.register("alert")
@dataclass(frozen=True, slots=True, kw_only=True)
class AlertModerators(Action):
    """A message to the community's moderators (their channel, or DMs when none is set)."""

    channel: str | None
    text: str
    buttons: tuple[Button, ...] = ()
    priority: str = "normal"  # "normal" | "high"
    extra: dict[str, str] = field(default_factory=dict)
    ref: str | None = None
    """As for :class:`PostMessage`: the post's id comes back to the feature."""
    link: MessageLink | None = None
    """As for :class:`PostMessage`: a message to open, rendered by the adapter."""


@ACTIONS.register("edit")
@dataclass(frozen=True, slots=True, kw_only=True)
class EditMessage(Action):
    """Change a message Warmline posted earlier: its text, and its buttons (none when empty)."""

    channel: str
    message_id: str
    text: str
    buttons: tuple[Button, ...] = ()


def action_to_json(action: Action) -> dict[str, Any]:
    return ACTIONS.to_json(action)


def action_from_json(data: object) -> Action:
    action = ACTIONS.from_json(data)
    assert isinstance(action, Action)
    return action
