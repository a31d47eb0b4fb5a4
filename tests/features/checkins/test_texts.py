"""Every check-in text is warm, plain and non-clinical; mood replies are at most two sentences;
every text the code asks for exists in the catalogue."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from bot.texts import flatten_texts

FORBIDDEN = ("cheer up", "you should", "don't worry", "it could be worse", "at least",
             "look on the bright side", "calm down", "streak", "symptom", "disorder",
             "patient", "diagnos", "!", "failed", "missed")


def _texts() -> dict[str, str]:
    entry = resources.files("bot.texts").joinpath("en").joinpath("checkin.toml")
    return flatten_texts(tomllib.loads(entry.read_text(encoding="utf-8")))


def test_every_key_is_a_checkin_key() -> None:
    assert all(key.startswith("checkin.") for key in _texts())


def test_no_roadblocks_or_clinical_words() -> None:
    for key, text in _texts().items():
        lowered = text.lower()
        for word in FORBIDDEN:
            assert word not in lowered, f"{key} contains {word!r}"


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
