"""Quality and speed of the crisis-language detector on the in-house labelled set.

Run: ``python bench/safety_eval.py`` (``--mistakes N`` to list more). Prints recall on crisis lines and the
false-positive rate on the rest (overall, dev, holdout, chat), tier accuracy and the confusion matrix
on the true crises, the mistakes, and the time per message (median and p99, in µs) next to a trivial
baseline measured in the same run, so figures compare across machines.

Read the set's figures as "what it was built on", not as what to expect in the wild. Every batch of
lines (the ``batch`` field, in writing order) was written blind, before the detector saw it; what it
scored on FIRST sight is the honest estimate. Each batch's misses then became rules, and the later
batches were written to be harder:

    batch  split    lines  written                    recall, first sight   false positives
    1      holdout   113   before any code               43/47  0.91          0/66  0.00
    2      dev       355   before any code              149/158 0.94          3/197 0.02
    3      holdout    60   after the first tuning        19/27  0.70          0/33  0.00
    4      dev        60                                 12/27  0.44          3/33  0.09
    5      dev        42                                  5/21  0.24          2/21  0.10
    6      dev        52   mostly everyday feelings      10/12  0.83          8/40  0.20
    7      dev        60                                 17/24  0.71          3/36  0.08
    8      dev        60                                 15/25  0.60          1/35  0.03
    9      dev        60                                 10/24  0.42          0/36  0.00
    batches 3-9 pooled (written against a tuned detector)  88/160 0.55        17/234 0.07

So the holdout split (batches 1 and 3) is no longer unseen: its misses were fixed too.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.features.safety.detection import TIER_ORDER, scan  # noqa: E402

DATA = ROOT / "tests" / "data" / "safety_labelled.jsonl"
TIERS = list(TIER_ORDER)

# Ordinary support-chat messages (none a crisis): the speed of the common case.
ORDINARY = [
    "good morning everyone, how did you all sleep?",
    "thanks for checking in, today was a bit better than yesterday",
    "anyone else find mondays really hard to get going?",
    "i went for a short walk and it helped a little",
    "my therapist suggested journaling, has anyone tried it?",
    "lol same, i forgot to drink water all day",
    "ugh work was so stressful, my manager moved the deadline again",
    "I made pancakes this morning and they were actually good!",
    "does anyone have tips for falling asleep when your mind is racing?",
    "Feeling anxious about the exam tomorrow but I studied a lot.",
    "hey welcome to the group 👋 glad you're here",
    "can we talk about something fun for a bit? what are you all watching?",
    "i'm proud of myself for getting out of bed today honestly",
    "The weather is finally nice, going to sit in the park after lunch.",
    "sorry i've been quiet, busy week with the kids",
    "that podcast episode you shared was really good, thank you",
    "My cat knocked over my coffee again 😂",
    "i think i need to set better boundaries with my family",
    "we should do a movie night on friday!",
    "Remember to drink water and take breaks, everyone 💛",
]


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def rates(rows: Iterable[dict[str, Any]]) -> tuple[str, str]:
    rows = list(rows)
    pos = [r for r in rows if r["crisis"]]
    neg = [r for r in rows if not r["crisis"]]
    hit = sum(scan(r["text"]).crisis for r in pos)
    fp = sum(scan(r["text"]).crisis for r in neg)
    recall = f"{hit / len(pos):.3f} ({hit}/{len(pos)})" if pos else "n/a"
    fpr = f"{fp / len(neg):.3f} ({fp}/{len(neg)})" if neg else "n/a"
    return recall, fpr


def timings(texts: list[str], fn: Callable[[str], object], passes: int) -> tuple[float, float]:
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(passes):
        for text in texts:
            t0 = clock()
            fn(text)
            samples.append(clock() - t0)
    samples.sort()
    return statistics.median(samples) / 1000, samples[int(len(samples) * 0.99)] / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mistakes", type=int, default=30, help="how many mistakes to list")
    parser.add_argument("--passes", type=int, default=50, help="timing passes over each set")
    args = parser.parse_args(argv)

    rows = load()
    n_crisis = sum(r["crisis"] for r in rows)
    n_holdout = sum(r["split"] == "holdout" for r in rows)
    n_chat = sum(r["style"] == "chat" for r in rows)
    print(f"labelled set: {len(rows)} lines, {n_crisis} crisis, {n_holdout} holdout, {n_chat} chat")
    print(f"{'subset':<10} {'recall':<22} {'false-positive rate':<22}")
    subsets = {
        "all": rows,
        "dev": [r for r in rows if r["split"] == "dev"],
        "holdout": [r for r in rows if r["split"] == "holdout"],
        "chat": [r for r in rows if r["style"] == "chat"],
        "plain": [r for r in rows if r["style"] == "plain"],
    }
    for batch in sorted({r["batch"] for r in rows}):
        subsets[f"batch {batch}"] = [r for r in rows if r["batch"] == batch]
    for name, subset in subsets.items():
        recall, fpr = rates(subset)
        print(f"{name:<10} {recall:<22} {fpr:<22}")

    crises = [r for r in rows if r["crisis"]]
    confusion: Counter[tuple[str, str]] = Counter()
    third_ok = 0
    for r in crises:
        d = scan(r["text"])
        confusion[(r["tier"], d.tier)] += 1
        third_ok += d.third_party == r["third_party"]
    exact = sum(n for (want, got), n in confusion.items() if want == got)
    under = sum(n for (want, got), n in confusion.items() if TIER_ORDER[got] < TIER_ORDER[want])  # type: ignore[index]
    print(f"\ntier accuracy on true crises: {exact / len(crises):.3f}; under-tiered {under}; "
          f"third_party flag right {third_ok}/{len(crises)}")
    print("confusion (rows: labelled tier, columns: detected tier)")
    print(" " * 10 + "".join(f"{t:>10}" for t in TIERS))
    for want in TIERS[1:]:
        print(f"{want:<10}" + "".join(f"{confusion[(want, got)]:>10}" for got in TIERS))

    mistakes = []
    for r in rows:
        d = scan(r["text"])
        wrong_tier = r["crisis"] and (d.tier != r["tier"] or d.third_party != r["third_party"])
        if d.crisis != r["crisis"] or wrong_tier:
            mistakes.append((r, d))
    print(f"\nmistakes ({len(mistakes)}, crisis or tier or third-party flag; first {args.mistakes}):")
    for r, d in mistakes[: args.mistakes]:
        label = f"{r['tier']}{'+3p' if r['third_party'] else ''}"
        got = f"{d.tier}{'+3p' if d.third_party else ''}"
        cues = ", ".join(f"{m.kind}:{m.text}" for m in d.matches)
        where = f"[{r['split']:<7} {r['category']:<18}]"
        print(f"  {where} want {label:<13} got {got:<13} {r['text']!r}  <{cues}>")

    texts = [r["text"] for r in rows]
    trivial = re.compile(r"\bsuicid")

    def baseline(text: str) -> object:
        return trivial.search(text.lower())

    print(f"\nspeed ({args.passes} passes; µs per message, median / p99)")
    for name, sample in (("labelled set", texts), ("ordinary chat", ORDINARY)):
        med, p99 = timings(sample, scan, args.passes)
        bmed, bp99 = timings(sample, baseline, args.passes)
        print(f"  {name:<14} scan {med:6.2f} / {p99:6.2f}    "
              f"baseline lower()+1 regex {bmed:5.2f} / {bp99:5.2f}")
    long_text = "so tired of everything, " * 200
    med, p99 = timings([long_text], scan, args.passes)
    print(f"  {'4,800-char msg':<14} scan {med:6.2f} / {p99:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
