"""The listening analyser, as a specification: what it nudges, what it credits, and what it leaves alone.

Roadblocks (advice first, minimising, comparing, false reassurance, cheering up, judging, diagnosing,
"I know exactly how you feel") are nudged only when they stand unsoftened in a reply to a vulnerable
share. Listening moves are always credited and never nudged. Quoted or negated roadblocks are not
roadblocks. Precision first: a wrong nudge insults a kind supporter.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from bot.features.listening import analysis
from bot.features.listening.analysis import (
    CUE_KINDS,
    MAX_CHARS,
    SIGNAL_KINDS,
    SUGGESTION,
    WHY,
    Assessment,
    Cue,
    Signal,
    analyse,
)
from bot.texts import flatten_texts

DATA = Path(__file__).resolve().parents[2] / "data" / "listening_labelled.jsonl"


def cue_kinds(reply: str, share: str | None = None) -> list[str]:
    return [c.kind for c in analyse(reply, share).cues]


def signal_kinds(reply: str, share: str | None = None) -> list[str]:
    return [s.kind for s in analyse(reply, share).signals]


# --- each roadblock is found, with the words that showed it ---------------------------------------

@pytest.mark.parametrize(
    ("reply", "kind", "match"),
    [
        ("You should try going to bed earlier.", "advice", "You should"),
        ("Have you tried meditation?", "advice", "Have you tried"),
        ("Why don't you talk to your boss?", "advice", "Why don't you"),
        ("just try to relax a bit", "advice", "just try"),
        ("Call your sponsor tonight.", "advice", "Call"),
        ("At least you still have a job.", "minimising", "At least you"),
        ("It could be worse.", "minimising", "It could be worse"),
        ("Others have it much worse than you.", "minimising", "Others have it much worse"),
        ("It's only an exam.", "minimising", "It's only"),
        ("That's nothing, my week was way worse.", "comparing", "That's nothing, my"),
        ("lol same, anyway did u see the game", "comparing", "same"),
        ("Don't worry, it'll pass.", "false_reassurance", "Don't worry"),
        ("You'll be fine, I promise.", "false_reassurance", "You'll be fine"),
        ("Look on the bright side!", "cheering_up", "Look on the bright side"),
        ("Everything happens for a reason.", "cheering_up", "happens for a reason"),
        ("Cheer up!", "cheering_up", "Cheer up"),
        ("Don't be sad.", "cheering_up", "Don't be sad"),
        ("Why did you agree to all that work?", "judging", "Why did you"),
        ("You shouldn't have said yes.", "judging", "You shouldn't have said"),
        ("You're just burnt out.", "diagnosing", "You're just burnt out"),
        ("Sounds like depression.", "diagnosing", "Sounds like depression"),
        ("I know exactly how you feel.", "know_how_you_feel", "I know exactly how you feel"),
    ],
)
def test_each_roadblock_is_found_with_its_words(reply: str, kind: str, match: str) -> None:
    result = analyse(reply)
    assert result.nudge
    assert (kind, match) in [(c.kind, c.match) for c in result.cues]


def test_the_first_cue_chooses_the_suggestion_and_every_cue_explains_itself() -> None:
    result = analyse("Don't worry, you should just sleep more.")
    assert [c.kind for c in result.cues] == ["false_reassurance", "advice"]
    assert result.suggestion == SUGGESTION["false_reassurance"]
    assert all(c.why == WHY[c.kind] for c in result.cues)


# --- listening is credited, never nudged ------------------------------------------------------------

@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("It sounds like you're running on empty.", "reflection"),
        ("That must be exhausting.", "reflection"),
        ("You're feeling stuck and alone.", "reflection"),
        ("So you've been carrying this by yourself.", "reflection"),
        ("I hear that the evenings are the hardest.", "reflection"),
        ("That makes sense.", "validation"),
        ("Anyone would feel anxious after that.", "validation"),
        ("You're allowed to be angry about it.", "validation"),
        ("I'm so sorry.", "emotional_reaction"),
        ("Sending a hug.", "emotional_reaction"),
        ("That's so hard.", "emotional_reaction"),
        ("What happened after that?", "open_question"),
        ("How are you holding up?", "open_question"),
        ("Tell me more about it.", "open_question"),
        ("Would it help if I shared what worked for me?", "permission"),
        ("Would you like to hear what worked for me?", "permission"),
        ("I went through something similar; how is today going?", "self_disclosure_turned_back"),
    ],
)
def test_each_listening_move_is_credited_and_not_nudged(reply: str, kind: str) -> None:
    result = analyse(reply)
    assert kind in [s.kind for s in result.signals]
    assert not result.nudge
    assert result.cues == ()
    assert result.suggestion == ""


def test_a_signal_shows_the_words_that_earned_it() -> None:
    signals = analyse("Oh no. What's been the hardest part of the week?").signals
    assert Signal("open_question", "What's been the hardest part of the week?") in signals


# --- kind replies that merely contain a risky word --------------------------------------------------

@pytest.mark.parametrize(
    "reply",
    [
        "you don't have to push through this alone",
        "that sounds exhausting. would it help to hear what worked for me?",
        "it sounds like you're worn out, maybe rest could help?",
        "I went through something similar; how is today going?",
        "It sounds like you're worn out. You should rest if you can.",
        "That must be exhausting. At least, that's how it sounds from here.",
        "I just want to say how proud I am of you.",
        "You shouldn't have to carry this by yourself.",
        "It's okay to not be okay.",
        "I know exactly how that feels, I was the same before mine. What's worrying you most?",
        "Take care of yourself tonight.",
        # caring closers and nouns that look like orders
        "Change is hard, especially when you didn't choose it.",
        "Study days like that are so draining.",
        "Get some rest if you can 💛",
        "Try to be kind to yourself tonight.",
        "Make sure you look after yourself too, you're carrying a lot.",
        "At this point you must be exhausted.",
        "I wish I could fix it for you. I'm here.",
        "Go easy on yourself this week.",
        "Let me know if you want to talk more.",
        # orders that are really open doors
        "Write back whenever, no rush at all.",
        "take all the time u need",
        "dont apologise for venting, thats what im here for",
        "Stop by the group chat if you want company tonight.",
        "Call it what you want, it still hurts.",
        # questions that only look like blame
        "Did you even sleep last night? That sounds brutal.",
        "Are you really okay?",
    ],
)
def test_kind_replies_with_risky_words_are_not_nudged(reply: str) -> None:
    assert analyse(reply).nudge is False


def test_a_worry_told_away_is_reassurance_not_advice() -> None:
    assert cue_kinds("ur gonna smash it, stop worrying") == ["false_reassurance"]
    assert cue_kinds("It won't happen again, try not to think about it.") == ["false_reassurance"]


def test_a_story_about_yourself_is_comparing_unless_it_turns_back() -> None:
    assert cue_kinds("When we moved last year we slept on friends' sofas for two weeks.") == ["comparing"]
    assert not analyse("When we moved last year it took ages too. How's the search going?").nudge
    assert cue_kinds("omg i know exactly how u feel lol") == ["know_how_you_feel"]


def test_advice_after_a_reflection_is_fine_but_advice_first_is_not() -> None:
    assert not analyse("That sounds so stressful. Have you tried talking to HR?").nudge
    assert analyse("Have you tried talking to HR? That sounds so stressful.").nudge


def test_i_know_how_you_feel_alone_is_a_roadblock_but_turned_back_it_is_not() -> None:
    assert cue_kinds("I know exactly how you feel.") == ["know_how_you_feel"]
    assert not analyse("I know exactly how you feel. How are you doing today?").nudge


def test_at_least_counts_only_at_the_start_of_a_clause_before_a_subject() -> None:
    assert cue_kinds("At least you have your health.") == ["minimising"]
    assert cue_kinds("That's rough, at least you have your health.") == ["minimising"]
    assert not analyse("I can at least keep you company tonight.").nudge
    assert not analyse("At least, that is how it sounds to me.").nudge


# --- negation and reported speech -------------------------------------------------------------------

@pytest.mark.parametrize(
    "reply",
    [
        "people keep telling me 'it could be worse'",
        "I won't say 'at least'",
        "I'm not going to tell you to just get over it",
        "Everyone keeps saying “you'll be fine”, but right now it just hurts.",
        "im not gonna say dont worry, that was scary",
        "ppl keep saying at least she lived a long life but that doesnt make it hurt less",
        "Nobody gets to tell you to \"just move on\".",
        "I hate when people say everything happens for a reason.",
    ],
)
def test_quoted_or_negated_roadblocks_are_not_nudged(reply: str) -> None:
    assert analyse(reply).nudge is False


def test_a_real_roadblock_next_to_a_quote_is_still_found() -> None:
    assert cue_kinds('They said "it could be worse". You should ignore them.') == ["advice"]


# --- chat style -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("u should try melatonin", "advice"),
        ("jus take a nap lol", "advice"),
        ("dont worry ur gonna be fine", "false_reassurance"),
        ("dw itll pass", "false_reassurance"),
        ("shoulda started revising earlier tbh", "judging"),
        ("ur just codependent lol", "diagnosing"),
        ("i kno exactly how u feel", "know_how_you_feel"),
        ("its just a dog tho", "minimising"),
        ("idk cheer up 😊", "cheering_up"),
        ("AT LEAST U DIDNT GET MARRIED", "minimising"),
        ("You’ll be fine, don’t worry", "false_reassurance"),
    ],
)
def test_chat_spelling_case_and_curly_apostrophes_are_understood(reply: str, kind: str) -> None:
    assert kind in cue_kinds(reply)


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("sounds like ur drowning rn 😣", "reflection"),
        ("makes sense u feel that way tbh", "validation"),
        ("im so sorry 💔 hows today been", "open_question"),
        ("want some tips or just venting rn", "permission"),
    ],
)
def test_chat_style_listening_is_credited(reply: str, kind: str) -> None:
    assert kind in signal_kinds(reply)
    assert not analyse(reply).nudge


def test_the_match_is_shown_in_the_supporters_own_spelling() -> None:
    cue = analyse("tbh u should jus go to bed").cues[0]
    assert cue == Cue("advice", "u should", WHY["advice"])


# --- the share gate ---------------------------------------------------------------------------------

def test_roadblocks_matter_only_when_replying_to_a_vulnerable_share() -> None:
    assert analyse("You should celebrate tonight!", "I got the job!!! Starting Monday").nudge is False
    assert analyse("You should celebrate tonight!", "I got the job but I'm scared I'll fail").nudge is True
    assert analyse("You should rest.", None).nudge is True


def test_repeating_a_label_the_person_used_about_themselves_is_not_diagnosing() -> None:
    share = "I think I'm depressed, I can't get out of bed"
    assert not analyse("You're depressed and exhausted, and that makes sense.", share).nudge
    assert cue_kinds("Sounds like depression tbh", "I can't get out of bed") == ["diagnosing"]


# --- the shape of an assessment ---------------------------------------------------------------------

def test_to_json_has_exactly_the_documented_keys() -> None:
    data = analyse("Don't worry. What's been hardest?").to_json()
    assert list(data) == ["nudge", "cues", "signals", "suggestion"]
    assert data["nudge"] is True
    assert isinstance(data["cues"], list) and isinstance(data["signals"], list)
    assert all(list(c) == ["kind", "match", "why"] for c in data["cues"])
    assert all(list(s) == ["kind", "match"] for s in data["signals"])
    json.dumps(data)  # plain JSON types only


def test_assessments_are_frozen_slotted_values() -> None:
    result = analyse("You should rest.")
    for obj in (result, result.cues[0]):
        assert dataclasses.is_dataclass(obj)
        assert not hasattr(obj, "__dict__")
        # (Python 3.11 raises TypeError here for frozen slotted classes; either way nothing changes.)
        with pytest.raises((dataclasses.FrozenInstanceError, TypeError)):
            obj.nudge = False  # type: ignore[misc, union-attr]
    assert isinstance(result, Assessment)


def test_no_nudge_means_no_cues_and_no_suggestion() -> None:
    assert analyse("It sounds really hard.") == Assessment(
        False, (), (Signal("reflection", "It sounds really hard"),), ""
    )


def test_empty_emoji_only_and_very_long_replies_are_handled() -> None:
    assert analyse("").nudge is False
    assert analyse("🫂🫂🫂").nudge is False
    long_reply = "That sounds hard. " * 500 + "You should quit."
    assert len(long_reply) > MAX_CHARS
    assert analyse(long_reply).nudge is False  # only the first MAX_CHARS characters are read
    assert analyse("at least " * 5000).nudge is False  # "at least" with no subject: not minimising


# --- the coaching texts practise what they preach ---------------------------------------------------

@pytest.mark.parametrize("kind", CUE_KINDS)
def test_every_why_and_suggestion_is_short_and_itself_free_of_roadblocks(kind: str) -> None:
    for text in (WHY[kind], SUGGESTION[kind]):
        assert 0 < len(text) <= 160
        assert analyse(text).nudge is False, text


def test_kinds_are_exactly_the_documented_strings() -> None:
    assert set(CUE_KINDS) == {"advice", "minimising", "comparing", "false_reassurance", "cheering_up",
                              "judging", "diagnosing", "know_how_you_feel"}
    assert set(SIGNAL_KINDS) == {"reflection", "validation", "emotional_reaction", "open_question",
                                 "permission", "self_disclosure_turned_back"}
    assert set(WHY) == set(SUGGESTION) == set(CUE_KINDS)


def test_check_in_replies_pass_the_roadblock_detector() -> None:
    """The design note asks that every check-in reply template has zero roadblock cues."""
    entry = resources.files("bot.texts").joinpath("en").joinpath("checkin.toml")
    texts = flatten_texts(tomllib.loads(entry.read_text(encoding="utf-8")))
    prefixes = ("checkin.reply.", "checkin.offer.", "checkin.reachout.", "checkin.goal.reply.")
    replies = {k: v for k, v in texts.items() if k.startswith(prefixes)}
    assert replies
    assert {k: v for k, v in replies.items() if analyse(v).cues} == {}


def test_the_module_is_a_leaf_importing_only_the_standard_library() -> None:
    tree = ast.parse(Path(analysis.__file__).read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots <= {"__future__", "re", "bisect", "dataclasses", "functools", "typing", "unicodedata"}


# --- quality on the in-house labelled set -----------------------------------------------------------

def _labelled() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_labelled_set_is_what_it_claims_to_be() -> None:
    rows = _labelled()
    assert len(rows) >= 330
    for row in rows:
        assert set(row) >= {"share", "reply", "nudge", "cues", "style", "split"}
        assert row["style"] in ("chat", "plain") and row["split"] in ("dev", "holdout")
        assert bool(row["nudge"]) == bool(row["cues"])
    for kind in CUE_KINDS:
        assert sum(kind in row["cues"] for row in rows) >= 15, kind  # type: ignore[operator]
    for kind in SIGNAL_KINDS:
        assert sum(kind in row.get("signals", []) for row in rows) >= 15, kind  # type: ignore[operator]
    assert sum(row["style"] == "chat" for row in rows) * 3 >= len(rows)
    assert 0.20 <= sum(row["split"] == "holdout" for row in rows) / len(rows) <= 0.30
    assert 0.40 <= sum(bool(row["nudge"]) for row in rows) / len(rows) <= 0.50


def test_nudges_on_the_labelled_set_reach_the_precision_and_recall_targets() -> None:
    rows = _labelled()
    pairs = [(bool(r["nudge"]), analyse(str(r["reply"]), str(r["share"])).nudge) for r in rows]
    tp = sum(e and f for e, f in pairs)
    fp = sum(f and not e for e, f in pairs)
    fn = sum(e and not f for e, f in pairs)
    assert tp / (tp + fp) >= 0.92
    assert tp / (tp + fn) >= 0.85
