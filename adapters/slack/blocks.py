"""Block Kit: the Slack form of the core's text, ``Button`` and ``Form``, made safe to post.

Why one module: every text Warmline posts goes through :func:`escape` here, so a member's words
quoted by the core (a goal, a note) can never become ``<!channel>``, ``<!here>``,
``<!everyone>``, a user-group ping (``<!subteam^…>``) or a link: ``&``, ``<`` and ``>`` are
escaped as Slack's mrkdwn asks. The core's own mentions (``<@U…>``, ``<#C…>``, see
:mod:`bot.names`) are kept. Posts go out with ``link_names`` off and no ``parse``, so a bare
"@here" typed by a member stays text.

Slack's limits are respected here, once: a section holds 3,000 characters, a message 25
blocks (we use far fewer), an actions block 5 buttons, a button label 75 characters and a value
2,000, a modal 100 blocks with a title and submit label of 24 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from adapters.slack.custom_ids import (
    check_value,
    encode_action_id,
    encode_callback_id,
    encode_metadata,
)
from adapters.text import fit_label
from bot.actions import Button, Form

__all__ = [
    "MAX_BLOCKS",
    "MAX_BUTTONS",
    "RUN_COMMAND",
    "SECTION_MAX",
    "escape",
    "home_view",
    "message_blocks",
    "modal_view",
    "trusted",
    "untrusted",
]

SECTION_MAX = 3000
MAX_BLOCKS = 25
MAX_MODAL_BLOCKS = 100
PER_ACTIONS_BLOCK = 5
MAX_BUTTONS = (MAX_BLOCKS - 1) * PER_ACTIONS_BLOCK
BUTTON_LABEL_MAX = 75
TITLE_MAX = 24
INPUT_LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
INPUT_MAX = 3000
FALLBACK_MAX = 3000
"""The top-level ``text`` (notifications, screen readers) of a message with blocks."""

_KEPT = re.compile(r"<(?:@[UW][A-Z0-9]{2,20}|#C[A-Z0-9]{2,20})>"
                   "|\ue000([^\ue000\ue001]*)\ue001")
TRUSTED_OPEN, TRUSTED_CLOSE = "\ue000", "\ue001"
"""Private-use characters around mrkdwn the adapter itself wrote (a message's permalink, a
channel mention): :func:`escape` keeps what is between them as it is. Texts from the core have
these characters removed first (:func:`untrusted`), so no text can forge one."""
_STYLES = {"primary": "primary", "danger": "danger", "success": "primary"}


def trusted(mrkdwn: str) -> str:
    """``mrkdwn`` the adapter wrote, marked to pass :func:`escape` unchanged."""
    return f"{TRUSTED_OPEN}{untrusted(mrkdwn)}{TRUSTED_CLOSE}"


def untrusted(text: str) -> str:
    """``text`` with the trusted marks removed: what the core hands over can never carry one."""
    if TRUSTED_OPEN in text or TRUSTED_CLOSE in text:
        return text.replace(TRUSTED_OPEN, "").replace(TRUSTED_CLOSE, "")
    return text


def escape(text: str) -> str:
    """``text`` as Slack mrkdwn: ``&``, ``<``, ``>`` escaped, the core's user and channel
    mentions kept, and what the adapter marked :func:`trusted` kept as written."""
    out: list[str] = []
    last = 0
    for match in _KEPT.finditer(text):
        out.append(_escape_plain(text[last:match.start()]))
        kept = match.group(1)
        out.append(match.group(0) if kept is None else kept)
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    return untrusted(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": fit_label(text, limit) or " ", "emoji": True}


def button_element(button: Button, n: int) -> dict[str, Any]:
    label = f"{button.emoji} {button.label}" if button.emoji else button.label
    element: dict[str, Any] = {
        "type": "button",
        "action_id": encode_action_id(button.action, n),
        "text": _plain(label, BUTTON_LABEL_MAX),
        "value": check_value(button.value),
    }
    style = _STYLES.get(button.style)
    if style:
        element["style"] = style
    return element


def message_blocks(text: str, buttons: Sequence[Button] = ()) -> list[dict[str, Any]]:
    """One section of ``text`` (already cut to :data:`SECTION_MAX` by the caller) and the buttons
    in actions blocks of five."""
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"{len(buttons)} buttons; a Slack message holds at most {MAX_BUTTONS}")
    blocks: list[dict[str, Any]] = []
    if text.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": escape(text)}})
    for start in range(0, len(buttons), PER_ACTIONS_BLOCK):
        row = buttons[start:start + PER_ACTIONS_BLOCK]
        blocks.append({"type": "actions", "block_id": f"wl{start // PER_ACTIONS_BLOCK}",
                       "elements": [button_element(b, start + i) for i, b in enumerate(row)]})
    return blocks


def fallback_text(text: str) -> str:
    """The plain ``text`` of a message with blocks (shown in notifications)."""
    return escape(text[:FALLBACK_MAX])


def modal_view(form: Form, channel: str | None) -> dict[str, Any]:
    """A modal for ``form``; each field is an input block whose ``block_id`` is the field's id."""
    if not form.fields or len(form.fields) > MAX_MODAL_BLOCKS:
        raise ValueError(f"a Slack modal holds 1 to {MAX_MODAL_BLOCKS} inputs, not "
                         f"{len(form.fields)}")
    blocks: list[dict[str, Any]] = []
    for f in form.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": f.multiline,
            "max_length": max(1, min(f.max_length, INPUT_MAX)),
        }
        if f.placeholder:
            element["placeholder"] = _plain(f.placeholder, PLACEHOLDER_MAX)
        if f.value:
            element["initial_value"] = f.value[:INPUT_MAX]
        blocks.append({"type": "input", "block_id": f.id, "optional": not f.required,
                       "label": _plain(f.label, INPUT_LABEL_MAX), "element": element})
    return {
        "type": "modal",
        "callback_id": encode_callback_id(form.id),
        "private_metadata": encode_metadata(form.context, channel),
        "title": _plain(form.title, TITLE_MAX),
        "submit": _plain(form.submit_label, TITLE_MAX),
        "blocks": blocks,
    }


RUN_COMMAND = "slack.run"
"""The action of an App Home button that runs a core command (its value is the command's name);
the adapter turns a press into ``CommandInvoked``, never ``ButtonPressed``."""


def home_view(sections: Sequence[str], commands: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """The App Home tab: a button per ``(label, core command)`` (five to a row), then each text
    a section (cut to fit), a divider between them; at most 100 blocks."""
    blocks: list[dict[str, Any]] = []
    for start in range(0, len(commands), PER_ACTIONS_BLOCK):
        row = commands[start:start + PER_ACTIONS_BLOCK]
        blocks.append({"type": "actions", "block_id": f"wlcmd{start // PER_ACTIONS_BLOCK}",
                       "elements": [button_element(Button(action=RUN_COMMAND, label=label,
                                                          value=name), start + i)
                                    for i, (label, name) in enumerate(row)]})
    for text in sections:
        if len(blocks) >= MAX_MODAL_BLOCKS - 1:
            break
        if blocks:
            blocks.append({"type": "divider"})
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": escape(text)[:SECTION_MAX]}})
    return {"type": "home", "blocks": blocks[:MAX_MODAL_BLOCKS]}
