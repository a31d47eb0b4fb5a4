"""Pure translations between Discord objects and Warmline's neutral events.

Why a module of pure functions: everything the adapter *decides* about an incoming payload (which
event it is, who acted, which command and arguments, what a form holds) lives here, with no I/O,
so it is tested directly and the networked adapter stays a thin shell around it. Its job is
payload → neutral event only: cutting outgoing text is :mod:`adapters.text`, and the custom-id
format buttons and forms share is :mod:`adapters.discord.custom_ids`.

Identifiers become strings (the core treats them as opaque). Event ids are prefixed by kind
(``m`` message, ``i`` interaction) so a message and an interaction can never collide in the
core's redelivery check; a gateway RESUME that replays a dispatch yields the same id, so the core
drops the duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord.commands import core_command_name
from adapters.discord.custom_ids import decode_custom_id
from bot.actions import MessageLink
from bot.events import Actor, ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted

PLATFORM = "discord"

THREAD_TYPES = frozenset(
    {
        discord.ChannelType.public_thread,
        discord.ChannelType.private_thread,
        discord.ChannelType.news_thread,
    }
)

UNREADABLE = "discord.unreadable"
"""The action (or form) of a component whose ``custom_id`` is not Warmline's format (a forged id,
a button from a version that wrote ids differently). No feature declares it, so the core answers
the person with its kind generic text: Discord shows "This interaction failed" to anyone whose
press goes unanswered, and the adapter itself decides no words."""

# Application command option types (Discord "Application Command Option Type").
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2


# -- actors ----------------------------------------------------------------------------------------


def actor_for(
    user: discord.abc.User, permissions: discord.Permissions | None = None, *,
    with_permissions: bool = True,
) -> Actor:
    """What Discord tells us about a person. ``roles`` holds role ids and, after them, role names
    (config files may name roles either way); ``@everyone`` is left out. ``is_admin`` means the
    person may manage the server, Discord's notion of a community admin.

    Plain messages pass ``with_permissions=False``: working out server permissions walks every
    role of the author and was the largest cost on the message hot path, while only commands and
    buttons (which carry their permissions from Discord anyway) act on it."""
    roles: tuple[str, ...] = ()
    if isinstance(user, discord.Member):
        if user._roles:  # the role ids: cheap, unlike building the sorted Role list
            held = [r for r in user.roles if not r.is_default()]
            roles = tuple(str(r.id) for r in held) + tuple(r.name for r in held)
        if permissions is None and with_permissions:
            permissions = user.guild_permissions
    return Actor(
        display_name=user.display_name,
        roles=roles,
        is_admin=bool(permissions is not None and permissions.manage_guild),
        is_bot=user.bot,
    )


# -- messages --------------------------------------------------------------------------------------


def message_event(message: discord.Message, *, bot_user_id: int | None) -> MessagePosted | None:
    """A guild or DM message as a neutral event; None for the bot's own messages and system
    messages that carry no member's words."""
    author = message.author
    if bot_user_id is not None and author.id == bot_user_id:
        return None
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return None
    channel = message.channel
    channel_id = str(channel.id)
    thread: str | None = None
    if getattr(channel, "type", None) in THREAD_TYPES:
        thread = str(channel.id)
        parent = getattr(channel, "parent_id", None)
        channel_id = str(parent) if parent is not None else channel_id
    reply_to: str | None = None
    reply_to_user: str | None = None
    ref = message.reference
    if (
        ref is not None
        and ref.message_id is not None
        and ref.type == discord.MessageReferenceType.reply
    ):
        reply_to = str(ref.message_id)
        resolved = ref.resolved
        if isinstance(resolved, discord.Message):
            reply_to_user = str(resolved.author.id)
    guild = message.guild
    return MessagePosted(
        platform=PLATFORM,
        event_id=f"m{message.id}",
        at=message.created_at,
        community=str(guild.id) if guild is not None else None,
        user=str(author.id),
        channel=channel_id,
        message_id=str(message.id),
        text=message.content,
        thread=thread,
        reply_to=reply_to,
        reply_to_user=reply_to_user,
        is_dm=guild is None,
        actor=actor_for(author, with_permissions=False),
    )


def message_url(guild: str | None, link: MessageLink) -> str | None:
    """Discord's jump link to a message in a server (its thread, when it is in one); None for a
    private message to the bot, which nobody else can open."""
    if link.is_dm or not guild:
        return None
    return f"https://discord.com/channels/{guild}/{link.thread or link.channel}/{link.message_id}"


def with_link(text: str, guild: str | None, link: MessageLink | None) -> str:
    """The text with the link on its own line under it (when there is one to show)."""
    url = message_url(guild, link) if link is not None else None
    return text if url is None else f"{text}\n{url}"


# -- interactions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandPath:
    """A slash command as the core names it, with its arguments as strings."""

    name: str
    args: dict[str, str]
    focused: str | None = None
    """For autocomplete: the option being typed."""


def command_path(data: Mapping[str, Any]) -> CommandPath:
    """Flatten ``/checkin join zone:Europe/Paris`` (nested sub-command options) into
    ``CommandPath("checkin join", {"zone": "Europe/Paris"})``. Channel, role and user options
    arrive as their ids, which is what the core stores. A moderator group's name comes back as
    the core's (``/checkin-admin setup`` → ``checkin setup``, see :mod:`.commands`)."""
    parts = [str(data.get("name", ""))]
    options: Sequence[Mapping[str, Any]] = data.get("options") or ()
    while len(options) == 1 and options[0].get("type") in (
        OPTION_SUB_COMMAND,
        OPTION_SUB_COMMAND_GROUP,
    ):
        parts.append(str(options[0]["name"]))
        options = options[0].get("options") or ()
    args: dict[str, str] = {}
    focused: str | None = None
    for opt in options:
        value = opt.get("value")
        args[str(opt["name"])] = "" if value is None else str(value)
        if opt.get("focused"):
            focused = str(opt["name"])
    return CommandPath(core_command_name(" ".join(parts)), args, focused)


def _interaction_common(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    guild_id = interaction.guild_id
    return {
        "platform": PLATFORM,
        "event_id": f"i{interaction.id}",
        "at": interaction.created_at,
        "community": str(guild_id) if guild_id is not None else None,
        "user": str(interaction.user.id),
        "channel": str(interaction.channel_id) if interaction.channel_id is not None else None,
        "interaction": str(interaction.id),
        "actor": actor_for(interaction.user, interaction.permissions if guild_id else None),
    }


def command_event(interaction: discord.Interaction[Any]) -> CommandInvoked:
    path = command_path(interaction.data or {})
    common = _interaction_common(interaction)
    return CommandInvoked(
        name=path.name,
        args=path.args,
        is_dm=interaction.guild_id is None,
        **common,
    )


MESSAGE_COMMAND = 3
"""Application command type 3: a command from a message's menu (Apps → …)."""


def is_message_command(interaction: discord.Interaction[Any]) -> bool:
    data: Mapping[str, Any] = interaction.data or {}
    return data.get("type") == MESSAGE_COMMAND


def message_action_event(interaction: discord.Interaction[Any], command: str) -> CommandInvoked:
    """A message-menu command as the core command it stands for (``command``), with the chosen
    message's ``channel`` and ``message`` ids as arguments. Its text is not passed on."""
    data: Mapping[str, Any] = interaction.data or {}
    common = _interaction_common(interaction)
    return CommandInvoked(
        name=command,
        args={"channel": common["channel"] or "", "message": str(data.get("target_id", ""))},
        is_dm=interaction.guild_id is None,
        **common,
    )


def button_event(interaction: discord.Interaction[Any], action: str, value: str) -> ButtonPressed:
    message = interaction.message
    return ButtonPressed(
        action=action,
        value=value,
        message_id=str(message.id) if message is not None else None,
        **_interaction_common(interaction),
    )


def form_values(components: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Text-input values of a modal submit, by input id (walks action rows and labels)."""
    values: dict[str, str] = {}
    stack = list(components)
    while stack:
        comp = stack.pop(0)
        if "custom_id" in comp and "value" in comp:
            values[str(comp["custom_id"])] = str(comp["value"] or "")
        inner = comp.get("components")
        if isinstance(inner, list):
            stack.extend(inner)
        single = comp.get("component")
        if isinstance(single, Mapping):
            stack.append(single)
    return values


def unreadable_custom_id(interaction: discord.Interaction[Any]) -> bool:
    """True for a component or modal whose ``custom_id`` Warmline cannot read (see
    :data:`UNREADABLE`); a readable button is routed by :class:`~.views.WarmlineButton`."""
    data: Mapping[str, Any] = interaction.data or {}
    return decode_custom_id(str(data.get("custom_id", ""))) is None


def form_event(interaction: discord.Interaction[Any]) -> FormSubmitted:
    """A modal submit; one whose id cannot be read names the form :data:`UNREADABLE`."""
    data: Mapping[str, Any] = interaction.data or {}
    form, context = decode_custom_id(str(data.get("custom_id", ""))) or (UNREADABLE, "")
    components: Sequence[Mapping[str, Any]] = data.get("components") or ()
    return FormSubmitted(
        form=form,
        context=context,
        values=form_values(components),
        **_interaction_common(interaction),
    )
