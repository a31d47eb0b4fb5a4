"""Pure translations between Discord objects and Warmline's neutral events.

Why a module of pure functions: everything the adapter *decides* about a payload (which event it
is, who acted, what a button carries, where a long text is cut) lives here, with no I/O, so it is
tested directly and the networked adapter stays a thin shell around it.

Identifiers become strings (the core treats them as opaque). Event ids are prefixed by kind
(``m`` message, ``i`` interaction) so a message and an interaction can never collide in the
core's redelivery check; a gateway RESUME that replays a dispatch yields the same id, so the core
drops the duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.events import Actor, ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted

PLATFORM = "discord"

CUSTOM_ID_PREFIX = "wl"
CUSTOM_ID_MAX = 100
"""Discord's limit for a component or modal ``custom_id``."""

CUSTOM_ID_TEMPLATE = r"wl:(?P<action>[^:]+):(?P<value>.*)"
"""What every Warmline button and modal id looks like; ``value`` may itself contain ``:``."""

_CUSTOM_ID_RE = re.compile(CUSTOM_ID_TEMPLATE, re.DOTALL)

THREAD_TYPES = frozenset(
    {
        discord.ChannelType.public_thread,
        discord.ChannelType.private_thread,
        discord.ChannelType.news_thread,
    }
)

# Application command option types (Discord "Application Command Option Type").
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2


class CustomIdTooLong(ValueError):
    """A button or form would carry more than Discord's 100 characters: a bug in the caller."""


# -- custom ids ------------------------------------------------------------------------------------


def encode_custom_id(action: str, value: str = "") -> str:
    """``wl:<action>:<value>``. Raises :class:`CustomIdTooLong` (or ValueError for an action
    containing ``:``) instead of letting Discord reject the whole message later."""
    if not action or ":" in action:
        raise ValueError(f"a button/form action must be non-empty and contain no ':' ({action!r})")
    custom_id = f"{CUSTOM_ID_PREFIX}:{action}:{value}"
    if len(custom_id) > CUSTOM_ID_MAX:
        raise CustomIdTooLong(
            f"custom_id for {action!r} is {len(custom_id)} characters; Discord allows "
            f"{CUSTOM_ID_MAX}. Carry an id in the value, not the data itself."
        )
    return custom_id


def decode_custom_id(custom_id: str) -> tuple[str, str] | None:
    """``(action, value)`` for a Warmline id, None for anything else (another bot's button)."""
    match = _CUSTOM_ID_RE.fullmatch(custom_id)
    if match is None:
        return None
    return match.group("action"), match.group("value")


# -- text ------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…](?:[\"')\]]*)\s")


def split_text(text: str, limit: int = 2000) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, preferring paragraph breaks,
    then line breaks, then sentence ends, then spaces; a hard cut only for a single unbroken
    word longer than the limit. Nothing is lost: the pieces, re-joined with what was cut at,
    make the original text (whitespace at the cut points aside)."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = _best_cut(window, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            pieces.append(head)
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def _best_cut(window: str, limit: int) -> int:
    floor = limit // 3  # never make a tiny first piece just to honour a boundary
    for sep in ("\n\n", "\n"):
        at = window.rfind(sep, floor, limit + 1)
        if at > 0:
            return at + len(sep)
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if floor <= m.end() <= limit]
    if ends:
        return ends[-1]
    at = window.rfind(" ", floor, limit + 1)
    if at > 0:
        return at + 1
    return limit


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
    arrive as their ids, which is what the core stores."""
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
    return CommandPath(" ".join(parts), args, focused)


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


def form_event(interaction: discord.Interaction[Any]) -> FormSubmitted | None:
    data: Mapping[str, Any] = interaction.data or {}
    decoded = decode_custom_id(str(data.get("custom_id", "")))
    if decoded is None:
        return None
    form, context = decoded
    components: Sequence[Mapping[str, Any]] = data.get("components") or ()
    return FormSubmitted(
        form=form,
        context=context,
        values=form_values(components),
        **_interaction_common(interaction),
    )
