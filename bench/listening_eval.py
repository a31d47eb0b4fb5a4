"""Quality and speed of the listening analyser on Warmline's own labelled replies.

Why: the analyser is only useful if its nudges are right (precision first: a wrong nudge insults a
kind supporter) and cheap enough to run on every draft. This script reports, on
``tests/data/listening_labelled.jsonl``:

1. precision and recall of the nudge verdict: overall, on the ``dev`` and ``holdout`` splits, and on
   the chat-style subset; also on each batch of ``tests/data/listening_blind.jsonl`` when present.
   Those batches were written after the rules existed and measured once before any rule change they
   prompted, so only their *first* measurement (kept in the commit history and the hand-over notes)
   estimates how the rules generalise; today's figure on them is no longer blind;
2. a confusion table per cue kind (expected in the label vs found by the analyser, per reply);
3. up to 10 mistakes each way (wrong nudges, missed nudges);
4. timing: median and p99 microseconds per reply over the whole set repeated ``--passes`` times,
   with a baseline in the same run (``str.lower()`` plus one simple regex search on the same replies)
   so the figure can be read against the machine.

Exit status is non-zero only on errors (a missing or malformed data file), never on metrics.

Run: ``.venv/bin/python bench/listening_eval.py [--passes 20]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.features.listening.analysis import CUE_KINDS, analyse  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "listening_labelled.jsonl"
BLIND = ROOT / "tests" / "data" / "listening_blind.jsonl"
_BASELINE_RE = re.compile(r"\b(?:you should|at least|don't worry|dont worry)\b")


@dataclass(frozen=True, slots=True)
class Row:
    share: str
    reply: str
    nudge: bool
    cues: frozenset[str]
    style: str
    split: str


def load(path: Path) -> list[Row]:
    """The labelled rows; raises ValueError naming the line on anything malformed."""
    rows: list[Row] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            rows.append(Row(str(obj["share"]), str(obj["reply"]), bool(obj["nudge"]),
                            frozenset(obj["cues"]), str(obj["style"]), str(obj.get("split", "dev"))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name}:{number}: {exc}") from exc
    return rows


def precision_recall(pairs: Sequence[tuple[bool, bool]]) -> tuple[float, float, int, int, int, int]:
    """(precision, recall, tp, fp, fn, n) for (expected, found) pairs; 1.0 when undefined."""
    tp = sum(1 for e, f in pairs if e and f)
    fp = sum(1 for e, f in pairs if f and not e)
    fn = sum(1 for e, f in pairs if e and not f)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn, len(pairs)


def line(name: str, pairs: Sequence[tuple[bool, bool]]) -> str:
    p, r, tp, fp, fn, n = precision_recall(pairs)
    return f"  {name:<14} n={n:<4} precision={p:.3f} recall={r:.3f}  (tp={tp} fp={fp} fn={fn})"


def quality(rows: list[Row], blind: list[Row]) -> None:
    found = [analyse(r.reply, r.share) for r in rows]
    pairs = [(r.nudge, a.nudge) for r, a in zip(rows, found, strict=True)]
    print("Nudge verdict")
    print(line("overall", pairs))
    for split in ("dev", "holdout"):
        print(line(split, [p for p, r in zip(pairs, rows, strict=True) if r.split == split]))
    print(line("chat style", [p for p, r in zip(pairs, rows, strict=True) if r.style == "chat"]))
    print(line("plain style", [p for p, r in zip(pairs, rows, strict=True) if r.style == "plain"]))
    for split in sorted({r.split for r in blind}):
        print(line(split, [(r.nudge, analyse(r.reply, r.share).nudge) for r in blind if r.split == split]))

    print("\nPer cue kind (per reply: expected in label vs found by analyser)")
    print(f"  {'kind':<18} {'both':>5} {'missed':>7} {'extra':>6} {'precision':>10} {'recall':>7}")
    for kind in CUE_KINDS:
        both = missed = extra = 0
        for r, a in zip(rows, found, strict=True):
            expected = kind in r.cues
            got = any(c.kind == kind for c in a.cues)
            both += expected and got
            missed += expected and not got
            extra += got and not expected
        p = both / (both + extra) if both + extra else 1.0
        rc = both / (both + missed) if both + missed else 1.0
        print(f"  {kind:<18} {both:>5} {missed:>7} {extra:>6} {p:>10.3f} {rc:>7.3f}")

    wrong = [(r, a) for r, a in zip(rows, found, strict=True) if a.nudge and not r.nudge]
    missed_rows = [(r, a) for r, a in zip(rows, found, strict=True) if r.nudge and not a.nudge]
    print(f"\nWrong nudges ({len(wrong)}, up to 10 shown)")
    for r, a in wrong[:10]:
        print(f"  [{r.split}] {r.reply!r} -> {[(c.kind, c.match) for c in a.cues]}")
    print(f"Missed nudges ({len(missed_rows)}, up to 10 shown)")
    for r, _a in missed_rows[:10]:
        print(f"  [{r.split}] {r.reply!r} expected {sorted(r.cues)}")


def percentile(sorted_values: Sequence[int], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return float(sorted_values[index])


def timing(rows: list[Row], passes: int) -> None:
    work = [(r.reply, r.share) for r in rows]
    for reply, share in work:  # warm up: compile caches, allocator
        analyse(reply, share)
    ours: list[int] = []
    base: list[int] = []
    cpu: list[int] = []
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()  # a collection landing inside one call would be timed as that reply's cost
    try:
        _timed_passes(work, passes, ours, base)
        _cpu_passes(work, passes, cpu)
    finally:
        gc.enable()
    for values in (ours, base, cpu):
        values.sort()
    print(f"\nTiming over {len(ours)} calls ({passes} passes over {len(work)} replies; "
          f"load average {_load()})")
    print(f"  analyse():   median {statistics.median(ours) / 1000:7.1f} µs   "
          f"p99 {percentile(ours, 0.99) / 1000:7.1f} µs   max {ours[-1] / 1000:7.1f} µs   (wall clock)")
    print(f"  baseline:    median {statistics.median(base) / 1000:7.1f} µs   "
          f"p99 {percentile(base, 0.99) / 1000:7.1f} µs   (str.lower() + one regex search)")
    print(f"  analyse():   median {statistics.median(cpu) / 1000:7.1f} µs   "
          f"p99 {percentile(cpu, 0.99) / 1000:7.1f} µs   (CPU time of this thread: a busy machine's "
          f"preemptions excluded)")
    hostile = "at least " * 5000
    t0 = clock()
    analyse(hostile)
    print(f"  hostile 45,000-char reply (capped): {(clock() - t0) / 1000:.1f} µs")


def _timed_passes(work: list[tuple[str, str]], passes: int, ours: list[int], base: list[int]) -> None:
    """Each reply timed alone, and the baseline on the same reply right after, so load hits both."""
    clock = time.perf_counter_ns
    for _ in range(passes):
        for reply, share in work:
            t0 = clock()
            analyse(reply, share)
            t1 = clock()
            _BASELINE_RE.search(reply.lower())
            t2 = clock()
            ours.append(t1 - t0)
            base.append(t2 - t1)


def _cpu_passes(work: list[tuple[str, str]], passes: int, cpu: list[int]) -> None:
    """The same calls timed in this thread's CPU time, which a preemption does not inflate."""
    clock = time.thread_time_ns
    for _ in range(passes):
        for reply, share in work:
            t0 = clock()
            analyse(reply, share)
            cpu.append(clock() - t0)


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--passes", type=int, default=20)
    args = parser.parse_args(argv)
    try:
        rows = load(LABELLED)
        blind = load(BLIND) if BLIND.exists() else []
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(rows)} labelled replies ({sum(r.nudge for r in rows)} nudge), "
          f"{sum(r.split == 'holdout' for r in rows)} holdout, "
          f"{sum(r.style == 'chat' for r in rows)} chat style")
    quality(rows, blind)
    timing(rows, args.passes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
