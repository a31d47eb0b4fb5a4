"""``warmline listening check [--json]``: run the listening analyser over lines of text.

Why a line protocol: it lets a moderator or a developer try drafts by hand (one reply per line) and
lets tools pipe a batch through (one JSON object per line, with the share as ``context``), without
a bot or a database. The function takes its input and output streams as arguments so the contract
is testable; the CLI wiring passes ``sys.stdin`` and ``sys.stdout``.

Input, one reply per line: plain text, or ``{"text": "...", "context": "..."}`` where ``context``
is the share being answered (optional). Blank lines are skipped. A line that starts with ``{`` but
is not valid JSON, or has no string ``text``, is reported on ``err`` (stderr by default) with its
line number, and the run goes on. Output, one line per analysed input: with ``as_json``, exactly
``{"nudge", "cues", "signals", "suggestion"}``; otherwise a short human-readable line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.features.listening.analysis import Assessment, analyse

__all__ = ["run_check"]


def _parse(line: str) -> tuple[str, str | None] | str:
    """(reply, share) for a usable line, or an error message for a malformed JSON line."""
    if not line.lstrip().startswith("{"):
        return line, None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg})"
    except RecursionError:
        return "not valid JSON (nested too deeply)"
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return 'a JSON line needs a string "text"'
    context = obj.get("context")
    if context is not None and not isinstance(context, str):
        return '"context" must be a string when given'
    return obj["text"], context


def _human(assessment: Assessment) -> str:
    """One short line: the verdict, what was seen, and the idea to try."""
    signals = ", ".join(s.kind for s in assessment.signals)
    if not assessment.nudge:
        return f"ok: no roadblock found{f' (listening: {signals})' if signals else ''}"
    cues = "; ".join(f"{c.kind} “{c.match}”" for c in assessment.cues)
    return f"nudge: {cues}. Try: {assessment.suggestion}"


def run_check(lines: Iterable[str], out: TextIO, *, as_json: bool, err: TextIO | None = None) -> int:
    """Analyse each non-blank line and write one result line per input line to ``out``.

    Malformed JSON lines go to ``err`` (default ``sys.stderr``) as ``line N: …`` and are skipped;
    the return value is 0 either way, because a bad line is the input's problem, not a failure.
    """
    errors = sys.stderr if err is None else err
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        parsed = _parse(line)
        if isinstance(parsed, str):
            print(f"line {number}: {parsed}; skipped", file=errors)
            continue
        reply, share = parsed
        assessment = analyse(reply, share)
        if as_json:
            out.write(json.dumps(assessment.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(_human(assessment) + "\n")
    out.flush()
    return 0
