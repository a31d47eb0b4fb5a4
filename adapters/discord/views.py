"""Buttons and modals: the Discord form of the core's ``Button`` and ``Form``.

Why buttons are :class:`discord.ui.DynamicItem`: a check-in prompt sent yesterday must still work
after a restart. A dynamic item is matched by the *pattern* of its ``custom_id``
(``wl:<action>:<value>``) instead of by a view object kept in memory, so every Warmline button
ever sent is routed by the same registered class, and sending thousands of prompts stores nothing
per message (a view made only of dynamic items registers just the pattern).

Modal submits are routed by the adapter's own interaction handler (by the same ``custom_id``
pattern), not by the in-memory modal object, so a form opened just before a restart still
arrives after it. The modal object discord.py keeps is inert (its ``on_submit`` does nothing).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from adapters.discord.custom_ids import CUSTOM_ID_TEMPLATE, encode_custom_id
from adapters.text import fit_label
from bot.actions import Button, Form

log = logging.getLogger(__name__)

MAX_BUTTONS = 25  # 5 rows of 5
MAX_FIELDS = 5
TITLE_MAX = 45
LABEL_MAX = 80
INPUT_LABEL_MAX = 45
PLACEHOLDER_MAX = 100
INPUT_MAX = 4000

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
    "success": discord.ButtonStyle.success,
}


class ButtonHandler(Protocol):
    """What the running client offers the button class (the adapter's inbound side)."""

    async def on_button(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None: ...


class WarmlineButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(CUSTOM_ID_TEMPLATE, re.DOTALL),
):
    """Any Warmline button, now or from before a restart."""

    def __init__(self, button: Button | None = None, *, action: str = "", value: str = "") -> None:
        if button is not None:
            action, value = button.action, button.value
        self.action = action
        self.value = value
        super().__init__(
            discord.ui.Button(
                custom_id=encode_custom_id(action, value),
                label=fit_label(button.label, LABEL_MAX) if button is not None else None,
                style=_STYLES.get(button.style, discord.ButtonStyle.secondary)
                if button is not None
                else discord.ButtonStyle.secondary,
                emoji=button.emoji if button is not None else None,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> WarmlineButton:
        return cls(action=match.group("action"), value=match.group("value"))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: ButtonHandler | None = getattr(interaction.client, "warmline_inbound", None)
        if handler is not None:
            await handler.on_button(interaction, self.action, self.value)


def build_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """A persistent view (no timeout) of dynamic buttons, or None when there are none."""
    if not buttons:
        return None
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"{len(buttons)} buttons; Discord shows at most {MAX_BUTTONS}")
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(WarmlineButton(button))
    return view


class WarmlineModal(discord.ui.Modal):
    """A form. Submits are handled by the adapter's interaction handler (see module docstring)."""

    def __init__(self, form: Form) -> None:
        if not form.fields or len(form.fields) > MAX_FIELDS:
            raise ValueError(
                f"a Discord modal has 1 to {MAX_FIELDS} fields, not {len(form.fields)}"
            )
        super().__init__(
            title=fit_label(form.title, TITLE_MAX),
            timeout=None,
            custom_id=encode_custom_id(form.id, form.context),
        )
        for f in form.fields:
            self.add_item(
                discord.ui.TextInput(
                    custom_id=f.id,
                    label=fit_label(f.label, INPUT_LABEL_MAX),
                    style=discord.TextStyle.paragraph if f.multiline else discord.TextStyle.short,
                    required=f.required,
                    max_length=max(1, min(f.max_length, INPUT_MAX)),
                    placeholder=fit_label(f.placeholder, PLACEHOLDER_MAX) if f.placeholder else None,
                    default=f.value[:INPUT_MAX] if f.value else None,
                )
            )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Nothing: the adapter's ``on_interaction`` turns the submit into ``FormSubmitted``."""
