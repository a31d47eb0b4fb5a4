"""Showing people to people: a platform mention, or a display name made safe to print.

Why: display names are not unique, can be faked, and can carry right-to-left overrides, invisible
characters or ``@everyone`` look-alikes. Where Warmline names someone to others (a supporters'
post, the DM saying who will reach out) it uses the platform's mention (``<@id>``, rendered as
the person's real name by Discord and Slack; adapters send it with pings switched off). Where a
name is shown as plain text (a greeting), it goes through :func:`safe_name`.
"""

from __future__ import annotations

import re

NAME_MAX = 32
_INVISIBLE = re.compile("[\u0000-\u001f\u007f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_LOOKALIKES = str.maketrans({"@": "\uff20", "<": "\u2039", ">": "\u203a", "#": "\uff03"})


def mention(user_id: str) -> str:
    """The platform's mention of a user: shows their real name, and pings nobody (adapters
    disable mention parsing)."""
    return f"<@{user_id}>"


MESSAGE_LINK = re.compile(r"<message:([^<>\s/]{1,128})/([^<>\s/]{1,128})>")
"""A link to a message, as the core writes it in a text: ``<message:CHANNEL/MESSAGE>``."""


def message_link(channel: str, message_id: str) -> str:
    """A link to a message, in words no platform has: the core does not know URLs, so each
    adapter replaces this token with its own link (Discord: ``https://discord.com/channels/…``)
    and the simulator with a readable placeholder. It names a message; it never holds its text."""
    return f"<message:{channel}/{message_id}>"


def safe_name(name: str | None, fallback: str = "there") -> str:
    """A display name safe to print: no control, direction or invisible characters, no
    mention syntax (``@``, ``<``, ``>``, ``#`` become look-alikes), at most 32 characters."""
    if not name:
        return fallback
    text = " ".join(_INVISIBLE.sub("", name).split()).translate(_LOOKALIKES)
    return text[:NAME_MAX].strip() or fallback
