"""Readable one-line descriptions of events and actions, for the demo and the console."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.actions import (
    Action,
    AlertModerators,
    Button,
    MessageLink,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
    StartThread,
)
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, MessagePosted
from bot.names import MESSAGE_LINK


def when(at: datetime, zone: str = "UTC") -> str:
    local = at.astimezone(ZoneInfo(zone))
    return local.strftime("%a %d %b %H:%M ") + (local.tzname() or zone)


def buttons(items: tuple[Button, ...], numbered_from: int = 0) -> str:
    if not items:
        return ""
    parts = []
    for i, b in enumerate(items, start=numbered_from):
        label = f"{b.emoji} {b.label}" if b.emoji else b.label
        parts.append(f"[{i}] {label}" if numbered_from else f"[{label}]")
    return "\n        " + "  ".join(parts)


def indent(text: str) -> str:
    return text.replace("\n", "\n        ")


_MENTION = re.compile(r"<@([^<>\s]{1,128})>")
_CHANNEL = re.compile(r"<#([^<>\s]{1,128})>")


def shown(text: str, names: Mapping[str, str]) -> str:
    """Mentions rendered as a platform does: the person's name (``@Sam``), not their id; a
    message link (:func:`bot.names.message_link`) as a placeholder naming the message."""
    text = MESSAGE_LINK.sub(lambda m: f"[link to message {m.group(2)} in #{m.group(1)}]", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}", text)
    return _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)


def describe_action(action: Action, names: Mapping[str, str], numbered_from: int = 0) -> str:
    def who(user: str | None) -> str:
        return names.get(user or "", user or "someone")

    def indent(text: str) -> str:
        return shown(text, names).replace("\n", "\n        ")

    if isinstance(action, SendDirect):
        head = f"Warmline → {who(action.user)} (direct message)"
        return f"{head}: {indent(action.text)}{buttons(action.buttons, numbered_from)}"
    if isinstance(action, Respond):
        seen = "only they see this" if action.private else "everyone sees this"
        head = f"Warmline → {who(action.recipient)} ({seen})"
        attached = (f"\n        [attached: {action.attachment.filename},"
                    f" {len(action.attachment.content.encode())} bytes]"
                    if action.attachment else "")
        return f"{head}: {indent(action.text)}{attached}{buttons(action.buttons, numbered_from)}"
    if isinstance(action, SendPrivateNote):
        head = f"Warmline → {who(action.user)} (private note in #{action.channel})"
        return f"{head}: {indent(action.text)}{buttons(action.buttons, numbered_from)}"
    if isinstance(action, PostMessage):
        where = f"#{action.channel}" + (f" thread {action.thread}" if action.thread else "")
        where += " (a reply to the message)" if action.reply_to else ""
        pings = "".join(f"@{who(user)} " for user in action.pings)
        return (f"Warmline in {where}: {pings}{indent(action.text)}{_link(action.link)}"
                f"{buttons(action.buttons, numbered_from)}")
    if isinstance(action, StartThread):
        return f"Warmline opens a thread in #{action.channel} «{action.title}»: {indent(action.text)}"
    if isinstance(action, OpenForm):
        fields = ", ".join(f.label for f in action.form.fields)
        return f"Warmline shows {who(action.recipient)} a form «{action.form.title}» ({fields})"
    if isinstance(action, AlertModerators):
        where = f"#{action.channel}" if action.channel else "moderators"
        flag = " [PRIORITY]" if action.priority == "high" else ""
        return (f"Warmline → {where}{flag}: {indent(action.text)}{_link(action.link)}"
                f"{buttons(action.buttons, numbered_from)}")
    return f"Warmline does {type(action).__name__}"


def _link(link: MessageLink | None) -> str:
    """Where a platform shows a link to the message (the simulator has no URLs)."""
    if link is None or link.is_dm:
        return ""
    return f"\n        [link to the message in #{link.thread or link.channel}]"


def describe_event(event: Event, names: Mapping[str, str]) -> str:
    who = names.get(event.user, event.user)
    if isinstance(event, CommandInvoked):
        args = " ".join(f"{k}:{v}" for k, v in event.args.items())
        return f"{who} runs /{event.name}{(' ' + args) if args else ''}"
    if isinstance(event, ButtonPressed):
        return f"{who} taps «{event.action}{(' ' + event.value) if event.value else ''}»"
    if isinstance(event, FormSubmitted):
        return f"{who} fills in the form ({', '.join(sorted(event.values))})"
    if isinstance(event, MessagePosted):
        where = "in a direct message" if event.is_dm else f"in #{event.channel}"
        reply = " (replying)" if event.reply_to else ""
        return f"{who} writes {where}{reply}: “{event.text}”"
    return f"{who}: {type(event).__name__}"
