"""The id codec: what a Warmline button or modal carries on Slack.

Why a codec of its own: a button sent yesterday must still mean the same after a restart, so
everything the core needs comes back with the press itself, never from memory. A button's
``action_id`` is ``wl:<action>:<n>`` (``n`` keeps the ids of one block unique, as Slack
requires, and means nothing else) and its ``value`` is the core's value; a modal's
``callback_id`` is ``wl:<form>`` and its ``private_metadata`` carries the form's context and
the channel it was opened from. The ``wl`` prefix tells Warmline's ids from any other app's, and
bolt routes on it (:data:`ACTION_PATTERN`).
"""

from __future__ import annotations

import json
import re

__all__ = [
    "ACTION_ID_MAX",
    "ACTION_PATTERN",
    "METADATA_MAX",
    "VALUE_MAX",
    "IdTooLong",
    "check_value",
    "decode_action_id",
    "decode_callback_id",
    "decode_metadata",
    "encode_action_id",
    "encode_callback_id",
    "encode_metadata",
]

ACTION_ID_MAX = 255
VALUE_MAX = 2000
METADATA_MAX = 3000
"""Slack's limits for an ``action_id``/``callback_id``, a button ``value`` and a view's
``private_metadata``."""

ACTION_PATTERN = re.compile(r"^wl:")
_ACTION_ID = re.compile(r"wl:(?P<action>[^:]+):(?P<n>\d+)")
_CALLBACK_ID = re.compile(r"wl:(?P<form>[^:]+)")


class IdTooLong(ValueError):
    """A button or form would carry more than Slack allows: a bug in the caller."""


def _checked(action: str) -> str:
    if not action or ":" in action:
        raise ValueError(f"a button/form action must be non-empty and contain no ':' ({action!r})")
    if len(action) > ACTION_ID_MAX - 8:
        raise IdTooLong(f"{action!r} is too long for a Slack action_id")
    return action


def encode_action_id(action: str, n: int = 0) -> str:
    return f"wl:{_checked(action)}:{n}"


def decode_action_id(action_id: str) -> str | None:
    """The core's action, or None for an id that is not Warmline's."""
    match = _ACTION_ID.fullmatch(action_id)
    return match.group("action") if match else None


def check_value(value: str) -> str:
    if len(value) > VALUE_MAX:
        raise IdTooLong(f"a button value of {len(value)} characters; Slack allows {VALUE_MAX}")
    return value


def encode_callback_id(form: str) -> str:
    return f"wl:{_checked(form)}"


def decode_callback_id(callback_id: str) -> str | None:
    match = _CALLBACK_ID.fullmatch(callback_id)
    return match.group("form") if match else None


def encode_metadata(context: str, channel: str | None) -> str:
    text = json.dumps({"c": context, "ch": channel}, separators=(",", ":"))
    if len(text) > METADATA_MAX:
        raise IdTooLong(f"a form context of {len(context)} characters is too long for Slack")
    return text


def decode_metadata(text: str) -> tuple[str, str | None]:
    """``(context, channel)``; an unreadable text is an empty context."""
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return "", None
    if not isinstance(data, dict):
        return "", None
    channel = data.get("ch")
    return str(data.get("c") or ""), str(channel) if channel else None
