"""Point 7 of the listening issue: every catalogue text that speaks to a member passes Warmline's
own listening analyser, read as a reply to someone sharing something hard (the strictest reading).

The one exception is a control's label ("Skip today", "Yes, delete everything"): it is the member's
own words on their button, not Warmline speaking to them. Each is listed here, and must stay a
short label, so the exception can never hide a sentence.
"""

from __future__ import annotations

import pytest

from bot.features.listening.analysis import analyse
from bot.texts import TextCatalogue

CONTROL_LABELS = frozenset({
    "basics.privacy.delete_no",
    "basics.privacy.delete_yes",
    "checkin.button.skip",
    "checkin.goal.button.change",
    "checkin.invite.button",
    "checkin.note.retry",
    "checkin.note.submit",
    "common.write_again",
    "duty.care.talk",
    "listening.note.off",
    "listening.note.on",
})


@pytest.fixture(scope="module")
def texts() -> TextCatalogue:
    return TextCatalogue.load()


def test_every_text_that_speaks_to_someone_holds_no_roadblock(texts: TextCatalogue) -> None:
    problems = []
    for key in sorted(texts.keys() - CONTROL_LABELS):
        for locale in texts.locales():
            text = texts.raw(key, locale)
            if text is None:
                continue
            cues = analyse(text).cues
            if cues:
                problems.append(f"{locale}:{key}: " + ", ".join(
                    f"{c.kind} “{c.match}”" for c in cues))
    assert problems == []


def test_the_exceptions_are_short_labels_that_exist(texts: TextCatalogue) -> None:
    for key in CONTROL_LABELS:
        label = texts.raw(key, "en")
        assert label is not None, key
        assert len(label.split()) <= 4 and not label.endswith((".", "?")), key


def test_the_check_catches_a_roadblock() -> None:
    """The analyser is the check: a catalogue sentence like these would fail it."""
    for sentence in ("Cheer up, it could be worse.", "Don't worry, you'll be fine.",
                     "You should just go to bed earlier."):
        assert analyse(sentence).cues, sentence
