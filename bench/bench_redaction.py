"""Log redaction on long values: the old pattern set against the current one, in the same run.

Why: redaction runs inside every logging call, on the event loop. The old Discord-token pattern
``[\\w-]{24,}\\.[\\w-]{6}\\.[\\w-]{27,}`` rescanned a long run of word characters from every one of
its characters, so its cost grew with the square of the value's length (a 60,000-character value
blocked the loop for seconds). The current patterns are linear, and :func:`bot.logs.redact` cuts a
value to ``MAX_VALUE_CHARS`` before matching, so past that size its cost stops growing at all.

Columns, in µs per call:

- ``old``: the patterns as they were (copied below as the baseline), run only up to 60 KB since
  at 1 MB they take many minutes;
- ``new, whole``: the current patterns on the whole value (``redact(text, limit=None)``, what the
  formatters do with a finished line) — this is the column that shows the growth is linear: the
  ``ns/char`` beside it stays roughly flat;
- ``new``: ``redact(text)`` as the logging filter calls it, cut to ``MAX_VALUE_CHARS`` first.

Inputs: ``run`` is random ``[\\w-]`` characters with no dot or space (the old pattern's worst case);
``text`` is random printable ASCII (spaces, dots and all). Each is built once, before timing.

Run: ``.venv/bin/python bench/bench_redaction.py [--old-max 60000] [--seconds 0.3]``.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.logs import MAX_VALUE_CHARS, redact

# The pattern set before the fix, verbatim: the baseline.
OLD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(xox[abeoprs]|xapp)(?:\.xox[a-z])?-[A-Za-z0-9-]+"), r"\1-[redacted]"),
    (re.compile(r"[\w-]{24,}\.[\w-]{6}\.[\w-]{27,}"), "[redacted-discord-token]"),
    (re.compile(r"(://[^\s:/@]*:)[^\s@/]+@"), r"\1[redacted]@"),
)

SIZES = (100, 10_000, 60_000, 1_000_000)


def old_redact(text: str) -> str:
    for pattern, replacement in OLD_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def make_inputs(size: int, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    return {
        "run": "".join(rng.choices(string.ascii_letters + string.digits + "_-", k=size)),
        "text": "".join(rng.choices(string.printable, k=size)),
    }


def per_call_us(call: Callable[[str], str], text: str, seconds: float) -> float:
    """Mean µs per call: at least one call, and as many as fit in about ``seconds``."""
    calls, began = 0, time.perf_counter()
    while True:
        call(text)
        calls += 1
        elapsed = time.perf_counter() - began
        if elapsed >= seconds:
            return elapsed / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--old-max", type=int, default=60_000,
                        help="largest input the old patterns run on (they are quadratic)")
    parser.add_argument("--seconds", type=float, default=0.3, help="time spent per measurement")
    args = parser.parse_args(argv)

    print(f"redaction, µs per call (MAX_VALUE_CHARS = {MAX_VALUE_CHARS:,})")
    print(f"{'input':<6} {'size':>10} {'old':>14} {'new, whole':>14} {'ns/char':>8} {'new':>10}")
    for size in SIZES:
        for name, text in make_inputs(size, seed=size).items():
            if size <= args.old_max:
                old = f"{per_call_us(old_redact, text, args.seconds):14,.1f}"
            else:
                old = f"{'(skipped)':>14}"
            whole = per_call_us(lambda t: redact(t, limit=None), text, args.seconds)
            cut = per_call_us(redact, text, args.seconds)
            print(f"{name:<6} {size:>10,} {old} {whole:14,.1f} {whole * 1000 / size:8.1f} {cut:10,.1f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
