"""Discord application commands built from the core's :class:`~bot.feature.CommandSpec` list.

Why JSON and not decorated callbacks: the core owns the command list, so the adapter must build
commands at run time from data. The application-command payload *is* Discord's command tree;
building it here (pure, tested) and syncing it with one bulk PUT keeps every new core command
free of adapter changes. Incoming command interactions are flattened back into the core's
space-separated names by :func:`adapters.discord.convert.command_path`.

Shape: the first word of a spec's name is the top-level command (``/checkin``, ``/warmline``),
the rest become sub-command groups and sub-commands (Discord allows two levels below the top).

Permissions: Discord grants ``default_member_permissions`` per *top-level* command, so a group
mixing member and moderator commands would show ``/warmline setup …`` to every member. Every
``moderator_only`` command of two or three words is therefore registered under its own top-level
group, the first word plus ``-admin`` (the core's ``checkin setup`` is ``/checkin-admin setup``,
``warmline audit`` is ``/warmline-admin audit``), and a top-level command whose every command is
moderator-only carries Manage Server by default. The name depends on the spec alone, so adding a
member command never renames a moderator's; :func:`core_command_name` maps it back for the core.
It is a hint that hides commands from members; the core still checks every call, because server
admins can change command permissions in Discord's settings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.feature import ArgSpec, CommandSpec

MANAGE_GUILD = 1 << 5
ADMIN_SUFFIX = "-admin"
"""Appended to the first word of a moderator-only command: its own top-level group on Discord."""

# Option types (Discord "Application Command Option Type").
STRING, INTEGER, CHANNEL, ROLE = 3, 4, 7, 8
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
CHAT_INPUT, MESSAGE = 1, 3
GUILD_TEXT, GUILD_ANNOUNCEMENT, PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM = 0, 5, 11, 12, 15

TIME_MAX_LENGTH = max(len("HH:MM"), len("default"))
"""A time option holds ``09:00`` or ``default``; Discord refuses longer input as it is typed."""

_NAME = re.compile(r"^[-_\w]{1,32}$")
MAX_CHOICES = 25


class CommandShapeError(ValueError):
    """A CommandSpec cannot be expressed as a Discord command (bad name, too deep, clash)."""


def _check_name(name: str, where: str) -> str:
    if not _NAME.match(name) or name != name.lower():
        raise CommandShapeError(
            f"{where}: {name!r} is not a valid Discord command name (1-32 lowercase letters, "
            "digits, - or _)"
        )
    return name


def discord_words(spec: CommandSpec) -> list[str]:
    """The words of ``spec`` as registered on Discord (``checkin setup`` → ``checkin-admin
    setup`` when moderator-only; a one-word command is its own top level and keeps its name)."""
    words = spec.name.split()
    if spec.moderator_only and len(words) > 1:
        words[0] += ADMIN_SUFFIX
    return words


def core_command_name(name: str) -> str:
    """The core's name for a command invoked on Discord: ``checkin-admin setup`` → ``checkin
    setup``. Only a group name (a first word followed by more) carries the suffix."""
    first, sep, rest = name.partition(" ")
    if sep and first.endswith(ADMIN_SUFFIX):
        return f"{first.removesuffix(ADMIN_SUFFIX)} {rest}"
    return name


def _description(text: str) -> str:
    text = " ".join(text.split()) or "-"
    return text if len(text) <= 100 else text[:99] + "…"


def option_payload(arg: ArgSpec, where: str) -> dict[str, Any]:
    """One option. Timezones are autocompleted; choices become Discord choices (≤ 25)."""
    option: dict[str, Any] = {
        "name": _check_name(arg.name, where),
        "description": _description(arg.description),
        "required": arg.required,
    }
    if arg.kind == "int":
        option["type"] = INTEGER
    elif arg.kind == "channel":
        option["type"] = CHANNEL
        option["channel_types"] = [
            GUILD_TEXT,
            GUILD_ANNOUNCEMENT,
            PUBLIC_THREAD,
            PRIVATE_THREAD,
            GUILD_FORUM,
        ]
    elif arg.kind == "role":
        option["type"] = ROLE
    else:
        option["type"] = STRING
        if arg.kind != "choice":
            option["max_length"] = max(1, min(arg.max_length, 6000))
        if arg.kind == "timezone":
            option["autocomplete"] = True
        elif arg.kind == "time":
            # "HH:MM" or the word "default" (the description offers it): the longer of the two
            option["max_length"] = min(option["max_length"], TIME_MAX_LENGTH)
        elif arg.kind == "choice":
            if not arg.choices or len(arg.choices) > MAX_CHOICES:
                raise CommandShapeError(f"{where}: a choice needs 1 to {MAX_CHOICES} choices")
            option["choices"] = [{"name": c, "value": c} for c in arg.choices]
    return option


def _leaf(spec: CommandSpec, name: str, kind: int) -> dict[str, Any]:
    # Discord requires every required option to come before the optional ones.
    args = sorted(spec.args, key=lambda a: not a.required)
    node: dict[str, Any] = {
        "type": kind,
        "name": name,
        "description": _description(spec.description),
    }
    options = [option_payload(a, spec.name) for a in args]
    if options:
        node["options"] = options
    return node


def build_commands(specs: Sequence[CommandSpec]) -> list[dict[str, Any]]:
    """The bulk-overwrite payload for ``PUT /applications/{id}/commands`` (or the guild route).

    Raises :class:`CommandShapeError` when the specs cannot be expressed (so a bad spec fails at
    start and in tests, not as a 400 from Discord)."""
    tops: dict[str, dict[str, Any]] = {}
    moderator_only: dict[str, bool] = {}
    for spec in specs:
        words = spec.name.split()
        if not 1 <= len(words) <= 3:
            raise CommandShapeError(f"{spec.name!r}: Discord commands have 1 to 3 words")
        for word in words:
            _check_name(word, spec.name)
        if len(words) > 1 and words[0].endswith(ADMIN_SUFFIX):
            raise CommandShapeError(
                f"{spec.name!r}: a group name ending in {ADMIN_SUFFIX!r} is kept for moderator groups"
            )
        words = discord_words(spec)
        top_name = _check_name(words[0], spec.name)
        moderator_only[top_name] = moderator_only.get(top_name, True) and spec.moderator_only
        if len(words) == 1:
            if top_name in tops:
                raise CommandShapeError(f"{spec.name!r} is both a command and a group")
            top = _leaf(spec, top_name, CHAT_INPUT)
            top["_leaf"] = True
            tops[top_name] = top
            continue
        top = tops.setdefault(
            top_name,
            {
                "type": CHAT_INPUT,
                "name": top_name,
                "description": _description(
                    f"Warmline: {words[0].removesuffix(ADMIN_SUFFIX)}, for moderators"
                    if spec.moderator_only
                    else f"Warmline: {top_name}"
                ),
                "options": [],
            },
        )
        if top.get("_leaf"):
            raise CommandShapeError(f"{spec.name!r}: /{top_name} is already a plain command")
        parent: dict[str, Any] = top
        if len(words) == 3:
            parent = _group(top, words[1], spec.name)
        existing = [o["name"] for o in parent["options"]]
        if words[-1] in existing:
            raise CommandShapeError(f"{spec.name!r} is declared twice or clashes with a group")
        parent["options"].append(_leaf(spec, words[-1], SUB_COMMAND))
        if len(parent["options"]) > 25:
            raise CommandShapeError(f"{spec.name!r}: more than 25 sub-commands in one group")
    out: list[dict[str, Any]] = []
    for name, top in tops.items():
        top.pop("_leaf", None)
        if moderator_only[name]:
            top["default_member_permissions"] = str(MANAGE_GUILD)
        out.append(top)
    return out + message_commands(specs)


def message_commands(specs: Sequence[CommandSpec]) -> list[dict[str, Any]]:
    """A message-menu command ("Apps → Reply with care" on a message) for each spec that is also
    a message action. Discord names these in words (1-32 characters, spaces and capitals allowed)
    and gives them no description or options."""
    out: list[dict[str, Any]] = []
    for spec in specs:
        label = spec.message_action
        if not label:
            continue
        if not 1 <= len(label) <= 32 or label != label.strip():
            raise CommandShapeError(f"{spec.name!r}: a message action needs a name of 1 to 32 "
                                    "characters")
        if any(o["name"] == label for o in out):
            raise CommandShapeError(f"{spec.name!r}: the message action {label!r} is taken")
        node: dict[str, Any] = {"type": MESSAGE, "name": label}
        if spec.moderator_only:
            node["default_member_permissions"] = str(MANAGE_GUILD)
        out.append(node)
    return out


def message_actions(specs: Sequence[CommandSpec]) -> dict[str, str]:
    """The message action's name → the core command it invokes."""
    return {spec.message_action: spec.name for spec in specs if spec.message_action}


def _group(top: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    for option in top["options"]:
        if option["name"] == name:
            if option["type"] != SUB_COMMAND_GROUP:
                raise CommandShapeError(f"{where!r}: {name!r} is both a sub-command and a group")
            found: dict[str, Any] = option
            return found
    group: dict[str, Any] = {
        "type": SUB_COMMAND_GROUP,
        "name": name,
        "description": _description(f"{top['name']} {name}"),
        "options": [],
    }
    top["options"].append(group)
    return group


def autocomplete_kinds(specs: Sequence[CommandSpec]) -> dict[tuple[str, str], str]:
    """``(core command name, option name) → ArgSpec.kind`` for every autocompleted option."""
    return {
        (spec.name, arg.name): arg.kind
        for spec in specs
        for arg in spec.args
        if arg.kind == "timezone"
    }
