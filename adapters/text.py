"""Cutting a long text into messages a platform accepts, shared by every adapter.

Why here and not in one adapter: Discord refuses a message over 2,000 characters and Slack asks
for fewer than 4,000, so every adapter must split, and a person should read the same sensible
pieces on either: whole paragraphs when they fit, then whole lines, then whole sentences, then
whole words. A hard cut happens only inside a single word longer than the limit. The limit comes
from the adapter's ``Capabilities.max_text``.
"""

from __future__ import annotations

import logging
import re

__all__ = ["fit_label", "split_text"]

log = logging.getLogger(__name__)

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


def fit_label(text: str, limit: int) -> str:
    """``text`` within a platform's ``limit`` for a label or title, as a last resort: the
    catalogue keeps every label short enough (a test checks the forms), so this only guards
    against a future text. It cuts at the last word that fits and adds "…", so nobody reads
    "Only you will se…", and logs it so the text gets fixed; a single word longer than the limit
    is cut where it must be."""
    if len(text) <= limit:
        return text
    log.warning("a text of %d characters was shortened to the platform's %d", len(text), limit)
    head = text[: limit - 1]
    if text[limit - 1] != " ":
        before, space, _ = head.rpartition(" ")
        if space and before.strip():
            head = before
    return head.rstrip(" ,;:-") + "…"
