"""Every check-in text is warm, plain and non-clinical and holds no roadblock to listening (Warmline's
own analyser says so); mood replies are at most two sentences; every text the code asks for exists
in the catalogue."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from bot.features.listening.analysis import analyse
from bot.texts import flatten_texts
from tests.texts.test_no_roadblocks import CONTROL_LABELS

NOT_OUR_VOICE = ("streak", "symptom", "disorder", "patient", "diagnos", "!", "failed", "missed")
"""Words of scores and clinics; roadblocks ("cheer up", "at least"…) are the analyser's to find."""


def _texts() -> dict[str, str]:
    entry = resources.files("bot.texts").joinpath("en").joinpath("checkin.toml")
    return flatten_texts(tomllib.loads(entry.read_text(encoding="utf-8")))


def test_every_key_is_a_checkin_key() -> None:
    assert all(key.startswith("checkin.") for key in _texts())


def test_no_roadblocks_or_clinical_words() -> None:
    for key, text in _texts().items():
        lowered = text.lower()
        for word in NOT_OUR_VOICE:
            assert word not in lowered, f"{key} contains {word!r}"
        if key not in CONTROL_LABELS:
            # As a reply to someone sharing something hard: the strictest reading.
            cues = analyse(text).cues
            assert not cues, f"{key}: {[(c.kind, c.match) for c in cues]}"


def test_mood_replies_are_at_most_two_sentences_and_vary() -> None:
    texts = _texts()
    for mood in range(1, 6):
        variants = [texts[f"checkin.reply.{mood}.{v}"] for v in "abc"]
        assert len(set(variants)) == 3
        for text in variants:
            assert len(re.findall(r"[.?]", text)) <= 2, text


def test_every_text_the_code_uses_exists() -> None:
    keys = set(_texts())
    source = Path(__file__).parents[3] / "bot" / "features" / "checkins"
    used: set[str] = set()
    for path in source.glob("*.py"):
        used.update(re.findall(r"ctx\.t\(\s*[\"'](checkin\.[a-z_.0-9]+)[\"']", path.read_text()))
    assert used, "no texts found: the pattern is wrong"
    assert used <= keys, sorted(used - keys)
