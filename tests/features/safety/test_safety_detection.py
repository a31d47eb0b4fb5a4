"""The crisis-language detector, as a specification: what fires, at which tier, and what never fires."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from bot.features.safety.detection import MAX_CHARS, TIER_ORDER, Detection, Match, scan, tier_rank

ROOT = Path(__file__).resolve().parents[3]
LABELLED = ROOT / "tests" / "data" / "safety_labelled.jsonl"


def tier_of(text: str) -> str:
    return scan(text).tier


# --- tiers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I wish I could just disappear",
        "I hope I just don't wake up",
        "they'd all be fine without me",
        "I've been cutting again",
        "everyone would be better off without me",
        "I won't be a problem much longer",
        "I just want it all to stop forever",
        "I don't want to be here anymore",
        "i want to die",
    ],
)
def test_passive_ideation_and_self_harm_mentions_are_passive(text: str) -> None:
    d = scan(text)
    assert d.crisis and d.tier == "passive" and not d.third_party


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "kms",
        "I've been thinking about how I'd do it",
        "this is my goodbye, thank you all",
        "I wrote a letter for my family",
        "I feel suicidal",
        "I'm going to end it all",
    ],
)
def test_active_ideation_method_goodbye_and_note_are_active(text: str) -> None:
    d = scan(text)
    assert d.crisis and d.tier == "active" and not d.third_party


@pytest.mark.parametrize(
    "text",
    [
        "I have the pills in front of me",
        "tonight's the night",
        "I took 30 ibuprofen",
        "I'm on the bridge",
        "I have a plan",
        "going to kill myself tonight",
        "💊💊💊 goodbye",
        "i just took a whole bottle of tylenol",
    ],
)
def test_plan_means_timeframe_and_acts_are_imminent(text: str) -> None:
    d = scan(text)
    assert d.crisis and d.tier == "imminent"


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to wake up tomorrow",
        "i feel like dying",
        "I want it to end",
        "life isn't worth it anymore",
        "I can't go on",
        "I'm going to jump",
        "I relapsed and cut",
        "goodbye everyone, thank you for everything",
        "planning my suicide",
        "i want to stop living",
        "why am i still alive",
        "i think about dying all the time",
        "i want to be gone",
        "i'm done with everything. goodbye",
        "tonight i'm going to do it",
        "i'd be better off dead",
        "no one will miss me when i'm gone",
    ],
)
def test_common_plain_phrasings_are_a_crisis(text: str) -> None:
    assert scan(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "I want this meeting to end",
        "i'm going to jump in the pool",
        "bye guys, thanks for everything today, see you next week",
        "I think about death sometimes since my dad died, it's normal grief right?",
        "i feel like dying my hair pink",
        "why am i still here at work at 9pm",
        "i'm done with everything for today, going to bed",
        "tonight i'm going to do it: finally cook a lasagna",
        "I hate myself for eating the whole pizza lol",
        "I have a safety plan and I used it last night, it helped",
        "my phone is dying can someone call me",
        "Does anyone else take sertraline? side effects?",
    ],
)
def test_the_same_words_in_everyday_sentences_are_not(text: str) -> None:
    assert not scan(text).crisis


def test_the_matches_explain_the_decision() -> None:
    d = scan("I took 30 ibuprofen")
    assert d.matches and d.matches[0].kind == "act"
    assert "ibuprofen" in d.matches[0].text
    assert {m.kind for m in scan("got the pills ready 💊").matches} >= {"means"}
    assert {m.kind for m in scan("I'm going to kill myself tonight").matches} == {"ideation"}


def test_tiers_are_ordered_for_the_tier_rises_rule() -> None:
    assert list(TIER_ORDER) == ["none", "passive", "active", "imminent"]
    assert tier_rank("none") < tier_rank("passive") < tier_rank("active") < tier_rank("imminent")


# --- means need intent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I took ibuprofen for my headache",
        "taking 800mg of ibuprofen for my knee like the doc said",
        "I need to buy antifreeze for the car before winter",
        "jump rope workout today",
        "we walked across the golden gate bridge today",
        "💊 time for my vitamins",
        "Never take more than 4000mg of acetaminophen in a day.",
        "my cat knocked my pills off the counter lol",
    ],
)
def test_means_words_alone_are_not_a_crisis(text: str) -> None:
    assert not scan(text).crisis


# --- high places and weak signals -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm on the bridge",
        "standing on the edge of the roof right now",
        "Standing on the bridge. I can't do this anymore.",
    ],
)
def test_a_high_place_with_a_sign_of_danger_is_an_act(text: str) -> None:
    assert scan(text).tier == "imminent"


@pytest.mark.parametrize(
    "text",
    ["standing on the bridge taking pics of the sunset", "My cat is on the roof again and won't come down.",
     "im on the roof fixing the gutter"],
)
def test_a_high_place_on_an_ordinary_outing_is_not(text: str) -> None:
    assert not scan(text).crisis


def test_two_different_weak_signals_make_a_passive_cue_but_one_alone_does_not() -> None:
    assert scan("i cant do this anymore. im sorry").tier == "passive"
    assert not scan("I hate my job so much, I can't take it anymore.").crisis
    assert not scan("I'm sorry, I can't make it tonight.").crisis


def test_a_plain_goodbye_raises_another_cue_to_active() -> None:
    assert scan("Bye everyone. I love you all. Sorry for being such a burden.").tier == "active"
    assert not scan("ok bye everyone love you all have a good night").crisis


@pytest.mark.parametrize(
    "text",
    ["When someone says they feel suicidal, ask them directly and listen.",
     "how do i help a friend who self harms?"],
)
def test_advice_about_people_in_general_is_not_a_crisis(text: str) -> None:
    assert not scan(text).crisis


def test_an_announced_act_with_a_time_is_imminent_but_a_thought_with_a_time_is_not() -> None:
    assert scan("im going to kill myself tonight").tier == "imminent"
    assert scan("feeling really suicidal tonight").tier == "active"
    assert scan("unalive thoughts are loud today").tier == "active"


@pytest.mark.parametrize(
    "text",
    [
        "took my meds today",
        "I took my pills tonight",
        "taking my antidepressants today feels like a win",
        "I took melatonin tonight so I can sleep",
        "forgot to take my pills today",
        "took 2 advil rn",
        "I took 800mg of ibuprofen today",
    ],
)
def test_routine_medication_is_not_an_act(text: str) -> None:
    assert not scan(text).crisis


@pytest.mark.parametrize(
    "text",
    ["took 800mg and waiting", "my friend says shes taking pills tonight", "took like 20 pills idk"],
)
def test_taking_a_means_with_a_quantity_a_wait_or_no_owner_tonight_is_an_act(text: str) -> None:
    assert scan(text).tier == "imminent"


# --- what must not fire ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "these meetings are killing me",
        "I'd die for that cake",
        "my laptop died",
        "we finally killed that bug",
        "I'm dying to see that movie",
        "killing it at the gym",
        "lmao im dead 💀",
        "My phone battery is about to die.",
        "I'm going to end things with my boyfriend",
        "i'm on the edge of my seat watching this",
        "I could kill myself for forgetting her birthday",
        "tonight's the night! concert time 🎉",
        "sorry for everything I said yesterday, I was stressed",
    ],
)
def test_idioms_do_not_fire(text: str) -> None:
    assert scan(text) == Detection(crisis=False, tier="none", third_party=False, matches=())


@pytest.mark.parametrize(
    "text",
    [
        "this traffic makes me want to die lol",
        "ugh this spreadsheet makes me want to kms lol",
        "if i hear that song one more time im gonna kill myself lmao",
        "ugh I want to kill myself for saying that in the meeting lol",
        "im gonna kms if i have to watch one more ad lol",
    ],
)
def test_joking_hyperbole_about_a_trivial_cause_does_not_fire(text: str) -> None:
    assert not scan(text).crisis


def test_a_joke_marker_alone_does_not_hide_a_crisis() -> None:
    # "lol" is too often a mask; only a trivial cause plus a joke marker is hyperbole.
    assert scan("i want to die lol").crisis
    assert scan("this traffic makes me want to die lol no joke").crisis


@pytest.mark.parametrize(
    "text",
    [
        "I killed myself in minecraft by accident",
        "kill the boss",
        "accidentally killed myself with a creeper lol",
        "i keep dying on level 3",
    ],
)
def test_game_talk_does_not_fire(text: str) -> None:
    assert not scan(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "Did you read the article about suicide rates among farmers?",
        "New study links social media use and self-harm in teens.",
        "Join us Saturday for the community suicide prevention walk!",
        "Reminder: our suicide prevention training is on Thursday at 6pm.",
        "Don't use alone; keep naloxone nearby.",
    ],
)
def test_news_prevention_events_and_harm_reduction_do_not_fire(text: str) -> None:
    assert not scan(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "two years ago I tried to end my life, and today I'm doing okay",
        "i used to self harm in high school but im 3 years clean now",
        "Back in 2019 I was suicidal. Therapy really helped me.",
        "a year ago i wrote a goodbye note. so glad im still here",
    ],
)
def test_recovery_stories_in_the_past_tense_are_not_a_crisis_now(text: str) -> None:
    assert not scan(text).crisis


def test_a_relapse_brings_the_past_back_to_now() -> None:
    assert scan("relapsed on sh after 4 months clean").tier == "passive"


@pytest.mark.parametrize(
    "text",
    [
        'the chorus goes "i wanna die in your arms tonight" and its stuck in my head',
        'In the poem the narrator says "I wish I could disappear", which I am analysing for class.',
        "Her new song has a line about ending it all, and it's beautiful.",
    ],
)
def test_lyrics_and_quoted_fiction_do_not_fire(text: str) -> None:
    assert not scan(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "goodnight everyone, see you tomorrow!",
        "This is my last message before I go on holiday, see you in two weeks!",
        "tonight's the night we finally watch the finale!!",
        "my plan for tonight is pizza and a movie",
        "I don't want to be here at this party anymore, it's so loud.",
    ],
)
def test_everyday_goodbyes_and_plans_do_not_fire(text: str) -> None:
    assert not scan(text).crisis


# --- negation both ways ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just tired",
        "I don't want to kill myself, I just need a break.",
        "no im not thinking about hurting myself, its just been a rough week",
        "I've never self-harmed, but I understand why people do.",
    ],
)
def test_negated_cues_do_not_fire(text: str) -> None:
    assert not scan(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going to lie, I want to die",
        "not even joking i want to kill myself",
        "im not okay. i want to kill myself",
        "I don't know why, but I want to die",
    ],
)
def test_phrases_that_only_look_negative_do_not_negate(text: str) -> None:
    assert scan(text).crisis


# --- slang and misspellings ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["kms fr", "i want to unalive myself", "thinking about sewerslide again", "su1cide is on my mind",
     "i want to end it all", "been thinking about ctb", "i wanna dye no joke", "wanna kill myslef",
     "i wanna k1ll myself"],
)
def test_slang_and_misspellings_fire(text: str) -> None:
    assert scan(text).crisis


def test_kys_is_abuse_aimed_at_someone_else_not_the_authors_crisis() -> None:
    # Decision: "kys" / "kill yourself" is harassment for moderation; it says nothing of the author's risk.
    assert not scan("kys").crisis
    assert not scan("just kill yourself already").crisis


# --- third party -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("my friend said she wants to end it", "active"),
        ("my brother told me he has a plan", "imminent"),
        ("My girlfriend is cutting herself again and I'm scared.", "passive"),
        ("my roommate just told me he swallowed a bunch of pills", "imminent"),
        ('she texted me "i want to kill myself" what do i do', "active"),
    ],
)
def test_someone_else_in_danger_is_a_crisis_flagged_third_party(text: str, tier: str) -> None:
    d = scan(text)
    assert d.crisis and d.third_party and d.tier == tier


@pytest.mark.parametrize(
    "text",
    ["My friend is killing it at her new job.", "my brother said hes dying to try that ramen place",
     "My friend has a plan for our trip tonight.", "My grandma died last spring and I still miss her."],
)
def test_third_party_mentions_that_are_not_about_danger_do_not_fire(text: str) -> None:
    assert not scan(text).crisis


def test_the_author_at_risk_is_not_third_party_even_when_others_are_named() -> None:
    d = scan("my mom yelled at me again and now i want to kill myself")
    assert d.crisis and not d.third_party


# --- output shape and purity ----------------------------------------------------------------


def test_to_json_has_exactly_the_shared_shape() -> None:
    d = scan("I want to kill myself")
    assert d.to_json() == {
        "crisis": True,
        "tier": "active",
        "matches": [{"kind": "ideation", "text": "kill myself"}],
        "third_party": False,
    }
    assert scan("hello").to_json() == {"crisis": False, "tier": "none", "matches": [], "third_party": False}
    json.dumps(d.to_json())


def test_results_are_frozen_and_slotted() -> None:
    d = scan("kms")
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.crisis = False  # type: ignore[misc]
    assert not hasattr(d, "__dict__") and not hasattr(Match("ideation", "kms"), "__dict__")


def test_the_detector_is_a_leaf_module_using_only_the_standard_library() -> None:
    path = ROOT / "bot" / "features" / "safety" / "detection.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert roots <= {"__future__", "re", "dataclasses", "typing"}


def test_curly_quotes_and_case_are_normalised() -> None:
    assert scan("I DON\u2019T WANT TO BE HERE ANYMORE").tier == "passive"
    assert scan("They\u2019d all be fine without me").crisis


# --- hostile input ---------------------------------------------------------------------------


def test_a_one_megabyte_message_returns_without_error() -> None:
    assert isinstance(scan("a" * 1_000_000), Detection)
    assert isinstance(scan("kill " * 200_000), Detection)


def test_a_hundred_thousand_repeated_words_return_without_error() -> None:
    d = scan("myself " * 100_000)
    assert not d.crisis
    assert isinstance(scan("i want to " * 100_000 + "die"), Detection)


def test_a_repeated_cue_is_reported_once_and_matches_stay_few() -> None:
    d = scan("kms " * 1000)
    assert d.tier == "active" and d.matches == (Match("ideation", "kms"),)
    assert len(scan(" ".join(f"kms {w} i want to die" for w in range(500))).matches) <= 12


def test_only_the_first_max_chars_are_read() -> None:
    assert not scan("x" * MAX_CHARS + " I want to kill myself").crisis
    assert scan("I want to kill myself " + "x" * 100_000).crisis


@pytest.mark.parametrize("text", ["", " ", "\n\n", "💊", "\"", "\"\"\"", "'", "ok", "\x00\x01"])
def test_odd_small_inputs_are_fine(text: str) -> None:
    assert isinstance(scan(text), Detection)


# --- the labelled set ------------------------------------------------------------------------


def _labelled() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


HARD_NEGATIVES = {
    "idiom", "hyperbole", "game", "news", "recovery_story", "lyrics", "negation", "prevention_event",
    "harm_reduction", "third_party_benign", "benign_means",
}


def test_the_labelled_set_is_well_formed_and_balanced() -> None:
    rows = _labelled()
    assert len(rows) >= 420
    keys = {"text", "crisis", "tier", "third_party", "style", "category", "split", "batch"}
    for r in rows:
        assert set(r) == keys, r
        assert r["tier"] in TIER_ORDER and r["crisis"] == (r["tier"] != "none"), r
        assert r["style"] in ("chat", "plain") and r["split"] in ("dev", "holdout"), r
        assert not r["third_party"] or r["crisis"], r
    assert len({r["text"] for r in rows}) == len(rows)
    hard = [r for r in rows if not r["crisis"] and r["category"] in HARD_NEGATIVES]
    assert len(hard) >= len(rows) / 3
    assert sum(r["style"] == "chat" for r in rows) >= len(rows) / 3
    assert 0.35 <= sum(r["crisis"] for r in rows) / len(rows) <= 0.5
    # About a quarter was held out when written; later blind batches went to dev (see bench/safety_eval.py).
    assert 0.15 <= sum(r["split"] == "holdout" for r in rows) / len(rows) <= 0.4


@pytest.mark.parametrize("split", ["all", "dev", "holdout"])
def test_recall_and_false_positive_rate_meet_the_targets(split: str) -> None:
    rows = [r for r in _labelled() if split == "all" or r["split"] == split]
    crises = [r for r in rows if r["crisis"]]
    others = [r for r in rows if not r["crisis"]]
    missed = [r["text"] for r in crises if not scan(r["text"]).crisis]
    false_alarms = [r["text"] for r in others if scan(r["text"]).crisis]
    assert 1 - len(missed) / len(crises) >= 0.97, missed
    assert len(false_alarms) / len(others) <= 0.03, false_alarms


def test_no_labelled_crisis_is_under_tiered_by_more_than_a_few() -> None:
    crises = [r for r in _labelled() if r["crisis"]]
    under = [r["text"] for r in crises if tier_rank(scan(r["text"]).tier) < TIER_ORDER[r["tier"]]]
    assert len(under) <= len(crises) * 0.03, under
