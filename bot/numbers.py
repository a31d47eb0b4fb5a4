"""Reading a whole number someone typed or a button carried: ASCII digits only, and short.

Why: ``str.isdigit`` accepts "²" and "٣", which ``int`` then rejects or reads as something else,
and a 30-digit id overflows the database's 64-bit integers. Every number from outside goes
through :func:`small_int`, so each of those is a polite "that doesn't work", not a crash.
"""

from __future__ import annotations

MAX_ID_DIGITS = 18
"""Any 18-digit number fits in a signed 64-bit integer (the largest is 19 digits long)."""


def small_int(text: str, *, max_digits: int = MAX_ID_DIGITS) -> int | None:
    """The number ``text`` spells in ASCII digits, or None."""
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
