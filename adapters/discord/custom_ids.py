"""The ``custom_id`` codec: what a Warmline button or form carries on Discord.

Why a codec of its own: a button sent yesterday must still mean the same after a restart, so
everything the core needs comes back in the ``custom_id`` itself (``wl:<action>:<value>``), never
from memory. Three parts rely on the one format: :mod:`adapters.discord.views` encodes buttons and
modals and registers the pattern that routes old buttons, and :mod:`adapters.discord.convert`
decodes modal submits. The ``wl`` prefix tells Warmline's ids from another bot's.
"""

from __future__ import annotations

import re

__all__ = [
    "CUSTOM_ID_MAX",
    "CUSTOM_ID_PREFIX",
    "CUSTOM_ID_TEMPLATE",
    "CustomIdTooLong",
    "decode_custom_id",
    "encode_custom_id",
]

CUSTOM_ID_PREFIX = "wl"
CUSTOM_ID_MAX = 100
"""Discord's limit for a component or modal ``custom_id``."""

CUSTOM_ID_TEMPLATE = r"wl:(?P<action>[^:]+):(?P<value>.*)"
"""What every Warmline button and modal id looks like; ``value`` may itself contain ``:``."""

_CUSTOM_ID_RE = re.compile(CUSTOM_ID_TEMPLATE, re.DOTALL)


class CustomIdTooLong(ValueError):
    """A button or form would carry more than Discord's 100 characters: a bug in the caller."""


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
