"""``warmline safety check [--json]``: run the crisis-language detector over lines of text.

A moderator (or a test, or a script over an export) pipes messages in, one per line, as plain text or
as ``{"text": ...}`` JSON, and sees what the bot would have decided, with the cues that explain it.
One bad line never stops the run: it is reported on stderr with its line number, so a long export is
still checked in full. Only the cues are echoed, never the whole message: the output can be shared
with a moderator without copying anyone's words around.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.features.safety.detection import Detection, scan


def run_check(lines: Iterable[str], out: TextIO, *, as_json: bool, err: TextIO | None = None) -> int:
    """Scan each non-blank line and write one result line per message; always returns 0.

    A line whose first non-blank character is ``{`` is read as JSON and must carry a string
    ``"text"``; anything else is plain text. Malformed JSON goes to ``err`` (stderr by default)
    as ``line N: ...`` and the run continues.
    """
    errors = sys.stderr if err is None else err
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        text = _text_of(line, number, errors)
        if text is None:
            continue
        detection = scan(text)
        if as_json:
            out.write(json.dumps(detection.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(f"line {number}: {describe(detection)}\n")
    return 0


def describe(detection: Detection) -> str:
    """One short human line: the tier, whose crisis, and the cues found."""
    if not detection.crisis:
        return "no crisis"
    who = ", about someone else" if detection.third_party else ""
    cues = "; ".join(f'{m.kind} "{m.text}"' for m in detection.matches)
    return f"CRISIS {detection.tier}{who}: {cues}"


def _text_of(line: str, number: int, errors: TextIO) -> str | None:
    """The message in ``line``, or None after reporting why it cannot be read."""
    if not line.lstrip().startswith("{"):
        return line
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        errors.write(f"line {number}: malformed JSON ({exc.msg} at column {exc.colno}), skipped\n")
        return None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        errors.write(f'line {number}: JSON without a string "text" field, skipped\n')
        return None
    return text
