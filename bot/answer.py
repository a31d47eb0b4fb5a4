"""Answering the person who acted: the one helper every handler and the core use.

Why one helper: "answer privately" means a different action on each path (the reply to an
interaction, which the platform shows only to that person, or else a direct message), and the
choice must be the same everywhere, including for apologies the core sends on a handler's behalf.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, Button, Respond, SendDirect
from bot.events import Event


def answer(event: Event, text: str, buttons: Sequence[Button] = (), *,
           dm_fallback: bool = True) -> list[Action]:
    """A private answer to whoever acted: ``Respond`` when there is an interaction to answer,
    else a direct message (or nothing, with ``dm_fallback=False``: the core does not start a
    private conversation just to say it cannot help)."""
    interaction = getattr(event, "interaction", None)
    if interaction:
        return [Respond(platform=event.platform, community=event.community, recipient=event.user,
                        interaction=interaction, text=text, buttons=tuple(buttons))]
    if not dm_fallback:
        return []
    return [SendDirect(platform=event.platform, community=event.community, recipient=event.user,
                       user=event.user, text=text, buttons=tuple(buttons))]


QUOTE_MAX = 60


def quoted(text: str) -> str:
    """What someone typed, short enough to repeat back to them (a 300-character "timezone" is
    shown as its start and an ellipsis)."""
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX - 1] + "…"
