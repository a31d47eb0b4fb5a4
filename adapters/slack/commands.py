"""One ``/warmline`` slash command whose subcommands are the core's :class:`CommandSpec` list.

Why one command: a Slack app's slash commands are declared in its manifest, by hand, once per
workspace; a single ``/warmline`` means a new core command needs no manifest change and no admin.
``/warmline checkin join`` runs the core's ``checkin join``; the core's own ``warmline …``
commands drop their first word (``/warmline setup status``); a bare ``/warmline`` is the core's
help. What a person typed after the command's words are its arguments, in the spec's order
(``/warmline checkin timezone Europe/Paris``), or by name (``zone=Europe/Paris``); the last text
argument takes the rest of the line, so a goal needs no quotes.

A core command that is also an action on a message (``CommandSpec.message_action``, "Reply with
care") is a message shortcut of that name (in the manifest, :mod:`adapters.slack.manifest`);
its ``callback_id`` is ``wlmsg:`` and the command's words joined by dots
(``wlmsg:listening.draft``), so a shortcut always finds its command after a restart.

Slack escapes what it recognises in command text (the manifest asks it to): a channel arrives
as ``<#C123|general>``, a person as ``<@U123|ana>``, a user group as ``<!subteam^S123|@mods>``.
Arguments take the id, which is what the core stores.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.feature import ArgSpec, CommandSpec

__all__ = ["HELP", "SHORTCUT_PATTERN", "SLASH_COMMAND", "CommandShapeError", "CommandTable",
           "ParsedCommand", "shortcut_id"]

SLASH_COMMAND = "/warmline"
HELP = "warmline help"
CORE_PREFIX = "warmline"

SHORTCUT_PREFIX = "wlmsg:"
SHORTCUT_PATTERN = re.compile(r"^wlmsg:")
SHORTCUT_NAME_MAX = 24
"""Slack's limit for a shortcut's name (and 150 for its description)."""

_ESCAPED = re.compile(r"^<(?:#(?P<channel>[CG][A-Z0-9]+)|@(?P<user>[UW][A-Z0-9]+)"
                      r"|!subteam\^(?P<group>[A-Z0-9]+))(?:\|[^>]*)?>$")
_NAMED = re.compile(r"^(?P<name>[a-z_]+)[=:](?P<value>.*)$", re.DOTALL)


class CommandShapeError(ValueError):
    """Two core commands would be typed the same way on Slack."""


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str
    args: dict[str, str] = field(default_factory=dict)


def slack_words(spec: CommandSpec) -> tuple[str, ...]:
    """What follows ``/warmline`` for ``spec``: ``checkin join``; ``warmline help`` → ``help``."""
    words = tuple(spec.name.split())
    if words[0] == CORE_PREFIX and len(words) > 1:
        return words[1:]
    return words


def shortcut_id(spec: CommandSpec) -> str:
    """The ``callback_id`` of ``spec``'s message shortcut."""
    return SHORTCUT_PREFIX + ".".join(spec.name.split())


def message_shortcuts(specs: Sequence[CommandSpec]) -> list[dict[str, str]]:
    """A message shortcut for every spec that is also a message action, as the manifest lists
    them; two with one name, or a name Slack would refuse, fail here."""
    out: list[dict[str, str]] = []
    for spec in specs:
        name = spec.message_action
        if not name:
            continue
        if not 1 <= len(name) <= SHORTCUT_NAME_MAX or name != name.strip():
            raise CommandShapeError(f"{spec.name!r}: a Slack shortcut needs a name of 1 to "
                                    f"{SHORTCUT_NAME_MAX} characters")
        if any(s["name"] == name for s in out):
            raise CommandShapeError(f"{spec.name!r}: the message action {name!r} is taken")
        out.append({"name": name, "type": "message", "callback_id": shortcut_id(spec),
                    "description": spec.description[:150]})
    return out


def unescape(token: str) -> str:
    """A Slack-escaped channel, person or user group becomes its id; anything else is kept."""
    match = _ESCAPED.match(token)
    if match is None:
        return token
    return next(v for v in match.groupdict().values() if v)


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: words as typed
        return text.split()


class CommandTable:
    """The core's commands as Slack subcommands, built once from the specs."""

    def __init__(self, specs: Sequence[CommandSpec]) -> None:
        self.by_words: dict[tuple[str, ...], CommandSpec] = {}
        for spec in specs:
            words = slack_words(spec)
            if words in self.by_words:
                raise CommandShapeError(
                    f"{spec.name!r} and {self.by_words[words].name!r} are both "
                    f"'{SLASH_COMMAND} {' '.join(words)}' on Slack")
            self.by_words[words] = spec
        self.longest = max((len(w) for w in self.by_words), default=0)
        message_shortcuts(specs)  # the same checks as the manifest's
        self.shortcuts = {shortcut_id(spec): spec.name for spec in specs if spec.message_action}
        """A message shortcut's ``callback_id`` → the core command it invokes."""

    def typed(self) -> dict[str, str]:
        """For ``Capabilities.command_names``: how help should show each command."""
        return {spec.name: f"{SLASH_COMMAND[1:]} {' '.join(words)}"
                for words, spec in self.by_words.items()}

    def one_tap(self) -> list[tuple[str, str]]:
        """``(as typed, core name)`` of every command a member may run with no argument to
        give: what the App Home offers as buttons (moderators' commands are left to
        ``/warmline``)."""
        return [(" ".join(words), spec.name) for words, spec in self.by_words.items()
                if not spec.moderator_only and not any(a.required for a in spec.args)]

    def parse(self, text: str) -> ParsedCommand:
        """The core command and its arguments for what followed ``/warmline``. A bare command
        is help; words that name no command go to the core as typed (it answers that it does
        not know them)."""
        tokens = _tokens(text.strip())
        if not tokens:
            return ParsedCommand(HELP)
        lowered = [t.lower() for t in tokens]
        for size in range(min(self.longest, len(tokens)), 0, -1):
            spec = self.by_words.get(tuple(lowered[:size]))
            if spec is not None:
                return ParsedCommand(spec.name, _arguments(spec.args, tokens[size:]))
        return ParsedCommand(" ".join(lowered[:2]))


def _arguments(specs: Sequence[ArgSpec], tokens: Sequence[str]) -> dict[str, str]:
    names = {a.name for a in specs}
    args: dict[str, str] = {}
    positional: list[str] = []
    for token in tokens:
        named = _NAMED.match(token)
        if named is not None and named.group("name") in names:
            args[named.group("name")] = unescape(named.group("value"))
        else:
            positional.append(token)
    free = [a for a in specs if a.name not in args]
    for i, arg in enumerate(free):
        if i >= len(positional):
            break
        if i == len(free) - 1 and arg.kind == "text":
            args[arg.name] = " ".join(positional[i:])  # the last text takes the rest
        else:
            args[arg.name] = unescape(positional[i])
    return args
