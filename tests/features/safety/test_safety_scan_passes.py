"""The scan's quick passes (the trigger regex that turns ordinary messages away, and the emoji and
quotation-mark regex run apart) decide exactly what one full pass decides."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from bot.features.safety import detection

DATA = Path(__file__).resolve().parents[2] / "data" / "safety_labelled.jsonl"
EXTRAS = ['"', "💊", "😂", "💀", "🎵", "🎉", "lol", '"i want to die"', "💊💊", "“", "”", "800mg",
          "on the bridge", "sorry", "bye everyone", "cant do this anymore", "no joke"]


def _messages() -> list[str]:
    texts = [json.loads(line)["text"] for line in DATA.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    rnd = random.Random(5)
    mixed = []
    for _ in range(3000):
        words = f"{rnd.choice(texts)} {rnd.choice(EXTRAS)} {rnd.choice(texts)}".split()
        if rnd.random() < 0.3:
            rnd.shuffle(words)
        words.insert(rnd.randrange(len(words) + 1), rnd.choice(EXTRAS))
        mixed.append(("" if rnd.random() < 0.2 else " ").join(words))
    vocabulary = " ".join(texts).split()
    salads = [" ".join(rnd.choice(vocabulary) for _ in range(rnd.randrange(1, 20)))
              for _ in range(3000)]
    # A quotation mark or an emoji inside a phrase's gap ("took <any word> 30 pills"): one pass
    # steps over it, so the separate marker pass must drop it too.
    inside = ['i took "all" 30 pills', "took 💊💊 30 of them tonight", 'she swallowed "20" pills',
              'i took "them" all "lol"', "took 😂 40 tablets", '"i took "some" 30 pills"',
              'i took "all 30 pills and i want to die', "i took 🎵 40 tablets, goodbye",
              'i took "my meds with food and i want to die']  # an odd quote, swallowed
    return texts + mixed + salads + inside


def test_the_quick_passes_decide_as_one_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = _messages()
    quick = [detection.scan(t).to_json() for t in messages]
    # One full pass, as the scan was first written: every message goes through ONE regex holding
    # the phrases and the markers together.
    monkeypatch.setattr(detection, "_TRIGGERS", re.compile(""))  # always "maybe"
    monkeypatch.setattr(detection, "_SCAN", re.compile(
        f"{detection._SCAN.pattern}|{detection._MARKERS.pattern}"))
    monkeypatch.setattr(detection, "_MARKERS", re.compile(r"(?!)"))  # never
    full = [detection.scan(t).to_json() for t in messages]
    assert sum(r["crisis"] for r in full) > 1000  # the comparison covers many crises
    assert quick == full


def test_ordinary_chat_is_turned_away_by_the_trigger_pass() -> None:
    for text in ("these meetings are killing me", "anyone watching the match tonight?",
                 "thanks everyone, means a lot", "ok see you tomorrow"):
        assert detection._TRIGGERS.search(detection.normalise(text)) is None, text
