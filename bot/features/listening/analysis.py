"""Rule-based active-listening analysis of a supporter's draft reply to someone's share.

Theory. Supporters help most when they reflect feelings, validate and ask open questions. Some
well-meant moves reliably land badly when someone is sharing a problem; Thomas Gordon called them
*roadblocks* to listening: advice before the person feels heard, minimising ("at least…"), comparing
or one-upping, false reassurance ("don't worry"), cheering up, judging, diagnosing, and "I know
exactly how you feel". This module finds those roadblocks (``Cue``) and also credits the listening
moves it sees (``Signal``), then decides whether a private, gentle nudge is worth showing.

Precision first. A wrong nudge tells a kind supporter that they did something hurtful; that is worse
than staying quiet about a borderline reply. So every rule is anchored: "at least" counts only at the
start of a clause and before a subject ("at least you…"), "just" only as an order ("just tell them")
or as a shrinker ("it's just a dog"), and a diagnosis only with a clinical word or a "just/probably"
label. Then the verdict is softened: advice after a reflection, validation or a permission question
is fine; "I know how you feel" or "me too" followed by a question back to the person is fine; and
roadblocks only matter when replying to something vulnerable, so a cheerful announcement is not
nudged.

Stories and offers. Brief self-disclosure is listening only when it turns back to the person ("I went
through something similar; how is today going?"); "same", "me too", "when I moved…" or "I know how
you feel" with no question back become comparing or "I know how you feel". An order that is really
an open door ("write back whenever", "call me if you want") or a caring closer ("get some rest if
you can", "be kind to yourself") is not advice.

Negation and reported speech. About half of the naive hits on real replies are quotes ("people keep
telling me 'it could be worse'") or negations ("I won't say 'at least'"). Text inside quotation
marks is blanked before matching, and each cue is dropped when the same sentence, shortly before
it, says that someone else says it or that the supporter is *not* going to say it.

Chat text. Before matching, the reply is lower-cased, curly quotes are straightened, apostrophes
inside words are dropped ("don't" → "dont"), common chat spellings are expanded ("u" → "you",
"rn" → "right now", "shoulda" → "should have") and emoji become clause breaks. Reported matches are
mapped back to the supporter's own words.

Speed. All patterns are compiled once, at import, into a handful of combined alternations with one
named group per rule, and the input is capped at ``MAX_CHARS``; patterns have bounded repetition
only, so the time per reply stays linear in its length.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, cast, get_args

__all__ = [
    "CUE_KINDS",
    "MAX_CHARS",
    "SIGNAL_KINDS",
    "Assessment",
    "Cue",
    "CueKind",
    "Signal",
    "SignalKind",
    "analyse",
    "is_vulnerable_share",
]

CueKind = Literal[
    "advice",
    "minimising",
    "comparing",
    "false_reassurance",
    "cheering_up",
    "judging",
    "diagnosing",
    "know_how_you_feel",
]
SignalKind = Literal[
    "reflection",
    "validation",
    "emotional_reaction",
    "open_question",
    "permission",
    "self_disclosure_turned_back",
]
CUE_KINDS: tuple[str, ...] = get_args(CueKind)
SIGNAL_KINDS: tuple[str, ...] = get_args(SignalKind)

#: Only the start of a reply is analysed, so hostile input costs the same as a long honest reply.
MAX_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Cue:
    """A roadblock found in the reply: its kind, the words that showed it, and why it can hurt."""

    kind: CueKind
    match: str
    why: str


@dataclass(frozen=True, slots=True)
class Signal:
    """A listening move found in the reply, credited so that coaching can say what went well."""

    kind: SignalKind
    match: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on one reply: whether to nudge, the cues behind it, signals, and one idea to try."""

    nudge: bool
    cues: tuple[Cue, ...]
    signals: tuple[Signal, ...]
    suggestion: str

    def to_json(self) -> dict[str, object]:
        """The stable wire shape used by the CLI and any adapter (plain dicts, lists, str, bool)."""
        return {
            "nudge": self.nudge,
            "cues": [{"kind": c.kind, "match": c.match, "why": c.why} for c in self.cues],
            "signals": [{"kind": s.kind, "match": s.match} for s in self.signals],
            "suggestion": self.suggestion,
        }


# Plain, kind lines shown next to a cue. They must never contain a roadblock themselves (tested).
WHY: dict[str, str] = {
    "advice": "Advice that arrives before someone feels heard can sound like their feelings were skipped.",
    "minimising": "Making it sound smaller can leave someone feeling their pain doesn't count.",
    "comparing": "Turning to your own story can pull the spotlight away from them when they need it most.",
    "false_reassurance": "Promises about how it turns out can feel hollow and make the worry harder to say.",
    "cheering_up": "Being nudged to feel positive can make someone feel their sadness isn't welcome here.",
    "judging": "Questions about what they did wrong can feel like blame, and people often go quiet then.",
    "diagnosing": "Putting a label on someone can feel like being analysed instead of listened to.",
    "know_how_you_feel": "Everyone's experience differs; claiming to know it exactly can end the talk.",
}

# One warm opening to try, for the first cue in the reply.
SUGGESTION: dict[str, str] = {
    "advice": "Before suggesting anything, you could try reflecting first: “It sounds like…”",
    "minimising": "You could name how big it feels to them: “That sounds really hard.”",
    "comparing": "You could keep the focus on them: “What has this been like for you?”",
    "false_reassurance": "You could acknowledge the worry instead: “It makes sense you're worried.”",
    "cheering_up": "You could make room for the feeling: “It's okay to feel sad about this.”",
    "judging": "You could get curious without blame: “What's been the hardest part?”",
    "diagnosing": "You could reflect what they said instead of naming it: “It sounds like you're worn out.”",
    "know_how_you_feel": "You could ask about their experience: “What's it been like for you?”",
}

# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------

# Length-preserving character fixes, so positions still line up with the original reply.
_CHAR_TABLE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2026": ".", "\u00a0": " ", "\n": "|", "\r": "|", "\t": " ",
})

# Emoji and pictographs (one code point each) act as clause breaks in chat; replaced one for one.
_EMOJI_RE = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f\u200d]")
_WARM_EMOJI_RE = re.compile(
    "[\u2764\u2665\U0001f494\U0001f495\U0001f496\U0001f497\U0001f499\U0001f49a\U0001f49b\U0001f49c"
    "\U0001f90d\U0001f9e1\U0001fac2\U0001f917\U0001f622\U0001f62d\U0001f61e\U0001f61f\U0001f629"
    "\U0001f623\U0001f97a\U0001f625\U0001f614]"
)

# Chat spellings → the apostrophe-free standard forms the patterns are written in.
_CHAT: dict[str, str] = {
    "u": "you", "ya": "yeah", "somethingll": "something will", "someonell": "someone will",
    "ur": "your", "urself": "yourself", "ure": "youre", "ull": "youll",
    "ud": "youd", "uve": "youve", "r": "are", "y": "why", "rn": "right now", "idk": "i dont know",
    "dunno": "dont know", "ik": "i know", "tbh": "to be honest", "tbf": "to be fair", "jus": "just",
    "shoulda": "should have", "coulda": "could have", "woulda": "would have", "gonna": "going to",
    "wanna": "want to", "gotta": "got to", "lemme": "let me", "kinda": "kind of", "dw": "dont worry",
    "ppl": "people", "tho": "though", "thru": "through", "kno": "know", "prob": "probably",
    "prolly": "probably", "probs": "probably", "def": "definitely", "defo": "definitely",
    "deffo": "definitely", "tmrw": "tomorrow", "tmr": "tomorrow", "tomoz": "tomorrow", "b4": "before",
    "cuz": "because", "coz": "because", "bc": "because", "w": "with", "esp": "especially",
    "ofc": "of course", "smth": "something", "ok": "okay", "pls": "please", "plz": "please",
    "abt": "about", "imo": "in my opinion", "ngl": "not going to lie", "txt": "text",
    "hru": "how are you", "wbu": "what about you", "hbu": "how about you", "lmk": "let me know",
    "yr": "year", "yrs": "years", "bday": "birthday", "sry": "sorry", "srry": "sorry", "thx": "thanks",
}
_REWRITE_RE = re.compile(
    r"(?<=[a-z0-9])'(?=[a-z])|\s{2,}|\b(?:"
    + "|".join(sorted((re.escape(k) for k in _CHAT), key=len, reverse=True))
    + r")\b(?!')"
)
# Quoted words are someone else's: blanked (length kept) so no rule can fire inside them.
_QUOTE_RE = re.compile(r"\"[^\"|]{1,300}\"|(?<![a-z0-9])'[^'|]{1,300}'(?![a-z0-9])")


@dataclass(frozen=True, slots=True)
class _Text:
    """The normalised reply, plus what is needed to show a match in the supporter's own words."""

    norm: str
    original: str
    starts: tuple[int, ...]  # normalised start of each segment
    segments: tuple[tuple[int, int, int, bool], ...]  # (norm start, orig start, orig length, rewritten)

    def original_span(self, start: int, end: int) -> str:
        """The original words behind a normalised span; identity when nothing was rewritten."""
        if not self.segments:
            return self.original[start:end]
        i = bisect_right(self.starts, start) - 1
        n0, o0, _olen, rewritten = self.segments[i]
        a = o0 if rewritten else o0 + (start - n0)
        j = bisect_right(self.starts, end - 1) - 1
        n1, o1, olen1, rewritten1 = self.segments[j]
        b = o1 + olen1 if rewritten1 else o1 + (end - n1)
        return self.original[a:b]


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # e.g. "İ" would grow


def _normalise(reply: str) -> _Text:
    """Lower-case, straighten quotes, expand chat spellings and blank quoted speech."""
    original = reply[:MAX_CHARS]
    fixed = _EMOJI_RE.sub("|", _lower_same_length(original.translate(_CHAR_TABLE)))
    pieces: list[str] = []
    starts: list[int] = []
    segments: list[tuple[int, int, int, bool]] = []
    last = 0
    npos = 0
    for m in _REWRITE_RE.finditer(fixed):
        s, e = m.span()
        if s > last:
            starts.append(npos)
            segments.append((npos, last, s - last, False))
            pieces.append(fixed[last:s])
            npos += s - last
        g = m.group()
        rep = "" if g == "'" else " " if g.isspace() else _CHAT[g]
        if rep:
            starts.append(npos)
            segments.append((npos, s, e - s, True))
            pieces.append(rep)
            npos += len(rep)
        last = e
    if not segments:
        norm = fixed
    else:
        if last < len(fixed):
            starts.append(npos)
            segments.append((npos, last, len(fixed) - last, False))
            pieces.append(fixed[last:])
        norm = "".join(pieces)
    if '"' in norm or "'" in norm:
        norm = _QUOTE_RE.sub(lambda q: q.group()[0] + " " * (len(q.group()) - 2) + q.group()[-1], norm)
    return _Text(norm, original, tuple(starts), tuple(segments))


# --------------------------------------------------------------------------------------------------
# Patterns. Written against the normalised text: lower case, no apostrophes inside words.
# --------------------------------------------------------------------------------------------------

_B = r"(?:^|(?<=[.!?;:|,(\"]))"  # a clause boundary (commas count: chat rarely has full stops)
_FILL = (
    r"(?:lol|lmao|haha+|ha|hah|omg|oh|okay|well|honestly|to be honest|to be fair|hey|look|listen|"
    r"i mean|but|and|like|ugh|aw+|yeah+|yea|meh|eh|bro|dude|man|mate|hun|babe|hmm+|um+|seriously|"
    r"literally|pfft|psh|also|then|plus|not going to lie|tbf|so yeah|anyway)"
)
_CS = _B + r" *(?:" + _FILL + r"[,.!]* +){0,3}"  # clause start, allowing a few fillers
_YOU_ARE = r"(?:you are|youre|your)"
_DX_CLINICAL = (
    r"(?:clinical depression|depression|depressed|an? anxiety disorder|anxiety disorder|social anxiety|"
    r"health anxiety|generali[sz]ed anxiety|panic disorder|insomnia|adhd|ptsd|c-ptsd|ocd|bipolar|"
    r"trauma|traumati[sz]ed|codependen(?:t|cy)|abandonment issues|attachment issues|trust issues|"
    r"an? narcissist|autis(?:m|tic)|seasonal depression|burnout|burn out|a breakdown|compassion fatigue|"
    r"(?:in )?the denial stage|in denial|an? addict|addicted|a personality disorder|a chemical imbalance|"
    r"alcoholism|an? alcoholic|"
    r"\w+phobia|\w+phobic|(?:\w+ )?disorder|(?:\w+ )?syndrome|separation anxiety|seasonal affective)"
)
_DX_LAY = (
    r"(?:burnt out|burned out|in shock|introverted|an introvert|a perfectionist|a people pleaser|"
    r"overthinking|overtired|hormonal|codependent|attention seeking|spoiled|spoilt)"
)
_INTENS = r"(?:just|probably|clearly|obviously|definitely|totally|simply|basically|literally|so)"
# A lay word ("burnt out") is a label only with a knowing adverb; "you're so burnt out" is a reflection.
_INTENS_LAY = r"(?:just|probably|clearly|obviously|definitely|simply|basically|prob)"
# Verbs that, first in a clause, give an order ("call your sponsor", "just ignore them").
_ORDER_VERB = (
    r"(?:try|make|get|go|call|text|ask|tell|delete|block|stop|put|update|download|move|start|join|"
    r"sign up|see|set|write|quit|leave|find|avoid|cut|limit|turn off|switch off|apply|look for|"
    r"reach out to|buy|google|confront|cram|sue|stay away|unfollow|mute|book|schedule|focus on|"
    r"push through|power through|move on|let (?:it|them|him|her) go|go out|drink|eat|sit|act|fake it|"
    r"give (?:it|them|him|her)|keep busy|stay busy|distract yourself|hit the|walk|run|pray|uninstall|"
    r"cancel|dump|ditch|drop|swap|switch|lock|hide|exercise|meditate|journal|ignore|sleep on it|"
    r"talk to|speak to|report|look into|read|listen to|use|do|say|be firmer|be stricter|be more|take|dont|"
    r"message|email|bring|document|pour|stay|foster|adopt|consider|invest|save|spend|pay|borrow|"
    r"remind yourself|force yourself|tell yourself|learn|practi[cs]e|clean|tidy|organi[sz]e|prioriti[sz]e|"
    r"list|note|record|ring|visit|invite|plan|prepare|study|revise|work on|change|fix|stop|skip|"
    r"go over|go to|go for|get out|get rid of|throw|sell|return|send|post|unplug|install|wear|clear|"
    r"show up|turn up|head over|pop over|drop by|go see|meal prep|remind|pull|turn|play|put on|watch|"
    r"facetime|video call|volunteer|travel|"
    r"keep (?!going|at it|in touch|your chin|your head up|me|us|posted))"
)
# ...except the gentle, caring imperatives ("take care", "be kind to yourself").
_NOT_ORDER = (
    r"(?! (?:care|your time|it easy|a breath|me|us|easy|gentle|kind|yourself|there|well|here|with you|"
    r"you|be sad|be so|worry|stress|feel|safe|strong|in touch|close|on|posted|a break|a breather|a minute|"
    r"a moment|a second|what you need|is|are|was|were|can|could|has|had|does|will|would|must|might|"
    r"sounds|seems|feels|days?|time|stuff|things|of|to be (?:kind|gentle|easy)|some (?:rest|sleep)|"
    r"sure you (?:look after|take care|rest|get some)|to (?:rest|look after)|not to|worrying|stressing|"
    r"overthinking|panicking|overthink|let (?:it|this|them) get|apologi[sz]e|be sorry|to me|it what)\b)"
)
_FUTURE = (
    r"(?:you will|youll|your going to|youre going to|you are going to|it will|itll|its going to|"
    r"it is going to|everything will|everythings going to|everything is going to|things will|"
    r"he will|hell|hes going to|she will|shell|shes going to|they will|theyll|theyre going to)"
)
_FINE = r"(?:fine|okay|alright|all right|great|good|better|back to normal|just fine)"
_PROMISED = (
    r"(?:(?:definitely|totally|100%|so|all|surely|probably|absolutely|soon|be) ){0,3}"
    r"(?:be " + _FINE + r"|be back|be over (?:it|them)|pass|get over (?:it|them|him|her)|make friends|"
    r"find (?:something|someone|another|a new|the one|a job|work|your people|your feet|your way)|"
    r"feel (?:better|relieved|normal|happy|okay|fine|like yourself)|smash it|ace it|nail it|crush it|"
    r"get through (?:this|it)|work out|grow out of it|figure it out|sort itself out|blow over|go away|"
    r"get (?:easier|better|bored|used to it)|settle in|forget (?:about )?(?:it|them|him|her)|"
    r"move on|meet someone|love it|look back and laugh|be laughing|bounce back|come through)"
)


def _rule(name: str, *alternatives: str) -> tuple[str, str]:
    """One named rule: a few alternatives that mean the same thing, joined into one pattern."""
    return name, "|".join(f"(?:{a})" for a in alternatives)


_CUE_RULES: list[tuple[str, str]] = [
    # ---- anchored at a clause start ---------------------------------------------------------
    _rule(
        "minimising__atleast",
        _CS + r"at least (?:you|yourself|your|youre|she|he|they|theyre|it|its|there|theres|we|the|this|"
        r"that|no one|nobody|shes|hes|his|her|their)\b",
    ),
    _rule(
        "comparing__thatsnothing",
        _CS + r"(?:thats|that is|this is) nothing[,.! ]+(?:i|my|mine|try|when|compared|you should|wait)\b",
    ),
    _rule(
        "comparing__same",
        _CS + r"(?:same|me too|same here|same thing happened to (?:me|my)|that happened to me too|"
        r"mine (?:used to|was|is|did))\b",
    ),
    _rule(
        "comparing__pfft",
        _CS + r"(?:pfft|pff|psh)\b",
        _CS + r"try (?:having|working|being|living|doing|dealing with) (?:my|a|an|with|three|two)\b",
        r"\bwelcome to my (?:life|world)\b",
    ),
    _rule(
        "comparing__when",
        _CS + r"when (?:i|we) (?:was|were|moved|had|lost|got|did|went|broke|quit|failed|started)\b",
    ),
    _rule("comparing__storystart", _B + r" *(?:lol|lmao|haha+|omg|ha|bro) +(?:(?:at|when|once) )?(?:i|my)\b"
        r"(?! (?:know|understand|feel|get|hear|can|am so sorry|am sorry|im sorry)\b)"),
    _rule(
        "cheering_up__imperative",
        _CS + r"(?:just )?(?:smile|cheer up|chin up|stay positive|think positive|be positive|be happy|"
        r"be grateful|be thankful|enjoy (?:it|the (?:peace|quiet|time|break|freedom|silence))|"
        r"count your blessings|cherish|treasure|stay strong|be strong|"
        r"forget (?:about )?(?:them|him|her|it|that)|look on the bright side|focus on the (?:good|positive)|"
        r"think (?:happy|positive|good) thoughts|turn that frown)\b",
    ),
    _rule(
        "advice__justdo",
        _CS + r"(?:maybe |you )?just " + _ORDER_VERB + r"\b" + _NOT_ORDER,
    ),
    _rule(
        "advice__imperative",
        _CS + r"(?:maybe |please |so )?" + _ORDER_VERB + r"\b" + _NOT_ORDER + r"(?! (?:me|us)\b)",
    ),
    _rule(
        "advice__timeto",
        _CS + r"(?:time to|the answer is to|all you (?:need|have) to do is|the trick is to|trust me)\b",
    ),
    # ---- anywhere ---------------------------------------------------------------------------
    _rule(
        "know_how_you_feel__know",
        r"\bi (?:completely |totally |really |fully |100% )?(?:know|understand|get|feel) "
        r"(?:exactly |totally |completely |just |fully )?(?:how|what) (?:you|youre|your|that|thats|"
        r"it|its|this)"
        r"(?: (?:feel|feels|mean|are going through|going through|is like|like|must feel|feels like|is|"
        r"are feeling))?\b",
    ),
    _rule(
        "know_how_you_feel__feeling",
        r"\bi (?:know|understand) (?:exactly |totally |100% )?(?:the|that) feeling\b",
        r"\bi feel (?:you|your pain)\b(?! (?:are|have|should|might|could|need)\b)",
    ),
    _rule(
        "judging__should_have",
        r"\b(?:you |your )?(?<!i )(?<!we )should(?:nt| not)? have (?!to\b|been there\b)(?:seen|started|done|"
        r"known|said|left|gone|asked|told|listened|thought|called|stayed|stopped|studied|been|taken|signed|"
        r"saved|spoken|noticed|realised|realized|tried|got|gotten|ended|quit)\b",
        r"\bif (?:youd|you had)(?: just| only)? \w+ed\b",
    ),
    _rule(
        "judging__why_did",
        r"\bwhy (?:did|didnt|did not|would|wouldnt|are|were|have|havent|do|is|was) (?:you|your)"
        r"(?! think\b| feel\b| ask\b)",
    ),
    _rule(
        "judging__blame",
        r"\byou (?:must have|mustve|must of) (?:done|said)\b",
        r"\bwhat did you (?:do|say|expect)\b(?! (?:this|last|over|on|for fun|today|tonight|at)\b)",
        r"\byou chose to\b|\b(?:its|thats) (?:all )?(?:your|on you)(?: own)? (?:fault|doing)\b|"
        r"\bthats on you\b",
        r"\byou brought (?:this|it) on\b|\byou asked for (?:it|this)\b",
        r"\b(?:you are|youre|your|you were) being (?:a bit |so |too |really |very |"
        r"kind of )?(?:dramatic|silly|"
        r"ridiculous|oversensitive|sensitive|selfish|ungrateful|lazy|paranoid|childish|irrational|naive)\b",
        r"\bungrateful\b|\boverreacting\b|\bmaking (?:it|this|a) (?:a )?bigger (?:deal )?than\b",
        r"\b(?:you )?(?:shouldnt|should not) (?:even )?(?:be (?!so hard\b)\w+|feel (?:that way|like that|"
        r"bad|guilty|that|so))\b",
        r"\byou should want to\b|\bgetting away with\b|\byou literally said\b|\byou said you were done\b",
        r"\byou knew (?:this|what|it|that|(?:\w+ ){1,2}(?:would|was|were))\b|\bbad with money\b",
        r"\byou (?:always|never) (?:do|listen|learn)\b",
        r"\bdid you not (?:have|think|check|ask|tell|see|know|read|try|say)\b|\bin the first place\b|"
        r"\bmaking (?:an|any|enough) effort\b|"
        r"\b(?:did|have) you (?:actually|even|really|honestly) (?:tell|told|try|tried|ask|asked|say|said|"
        r"talk|talked|make|made|do|done|think|thought|check|checked|listen|listened)\b|"
        r"\byou know (?:that )?(?:\w+ ){1,2}(?:makes|make|is|only|will) (?:it|things|you)? ?(?:worse|bad)\b|"
        r"\bthere must (?:be|have been) a reason\b|\binstead of (?:hiding|complaining|moping|sitting)\b",
    ),
    _rule(
        "diagnosing__subject",
        r"\b(?:" + _YOU_ARE + r"|you|he|she|they|theyre|hes|shes|he is|she is) (?:" + _INTENS + r" ){0,3}"
        r"(?:have |has |got |be |is |are )?(?:got )?(?:a |an |in )?" + _DX_CLINICAL + r"\b",
        r"\b(?:" + _YOU_ARE + r"|he is|hes|she is|shes) (?:" + _INTENS_LAY + r" ){1,3}" + _DX_LAY + r"\b",
        r"\b(?:" + _YOU_ARE + r") (?:(?:just|such|probably|clearly|obviously|a bit of) ){0,2}(?:a|an) "
        r"(?:people pleaser|perfectionist|overthinker|worrier|drama queen|snowflake|control freak)\b",
    ),
    _rule(
        "diagnosing__sounds",
        r"\b(?:sounds like|thats|that is|its|this is|classic|textbook|probably|definitely) "
        r"(?:(?:classic|textbook|just|definitely|probably|clearly|obviously|a case of|signs of|some|an?|"
        r"\w+) ){0,2}" + _DX_CLINICAL + r"\b",
    ),
    _rule(
        "diagnosing__generic",
        r"\b(?:you|he|she|they) (?:(?:probably|clearly|obviously|definitely|might|may|just) ){0,2}"
        r"(?:has|have|got|suffer from|suffers from) (?:some |an? |a bit of )?(?:\w+ ){0,2}"
        r"(?:syndrome|disorder|phobia|anxiety|depression|issues|adhd|ocd|ptsd)\b",
        r"\bsounds like (?:(?:\w+) ){0,2}(?:syndrome|disorder|phobia)\b",
        r"\b(?:imposter|impostor) syndrome\b",
    ),
    _rule(
        "diagnosing__talking",
        r"\b(?:thats|that is|its|it is) (?:just )?(?:your|the) (?:addiction|anxiety|depression|trauma|brain|"
        r"illness|disorder|adhd|ocd|hormones|ego|grief) (?:talking|making|lying|playing)\b",
        r"\b(?:thats|that is|this is) how (?:\w+ ){1,2}(?:starts|begins)\b|"
        r"\bthe real (?:issue|problem) (?:is|here)\b|\b(?:thats|that is) your (?:real |actual )?problem\b",
        r"\b(?:thats|that is) all (?:it|this|that) is\b",
    ),
    _rule(
        "false_reassurance__dontworry",
        r"\b(?:dont|do not|try not to|no need to) (?:worry|stress|panic|overthink)\b"
        r"(?! (?:about )?(?:replying|responding|answering|getting back|me|if)\b)",
    ),
    _rule(
        "false_reassurance__future",
        r"\b" + _FUTURE + r" " + _PROMISED + r"\b",
        r"\b" + _FUTURE + r" (?:\w+ ){1,3}(?:soon enough|in no time|before long|eventually)\b",
    ),
    _rule(
        "false_reassurance__fine",
        r"\b(?:" + _YOU_ARE + r"|hes|shes|theyre) (?:totally |completely )?fine\b(?! to\b)",
    ),
    _rule(
        "false_reassurance__sure",
        r"\b(?:im|i am) (?:so |100% )?sure (?:its nothing|it is nothing|it will|itll|youll|you will|you wont|"
        r"they|theyre|hes|shes|he|she|everything|it is|its fine|its just|its going to|you are|youre)\b",
        r"\bi bet (?:its nothing|youll|you will)\b",
    ),
    _rule(
        "false_reassurance__wont",
        r"\b(?:it|that|this) (?:wont|will not) happen again\b",
        r"\byou (?:wont|will not) (?:slip|fail|relapse|drink|use|go back|mess (?:it|anything|up)|"
        r"let (?:anyone|them) down)\b",
        r"\bnothing (?:bad )?(?:will|is going to) happen\b|\bnothing to worry about\b",
        r"\b(?:they|he|she|nobody|no one)(?: wont| will not| isnt going to) (?:report|judge|fire|leave|mind|"
        r"notice|care|remember|hate|blame)\b",
        r"\b(?:stop|quit) (?:worrying|stressing|panicking|overthinking)\b",
    ),
    _rule(
        "false_reassurance__proverb",
        r"\btime heals\b|\bit (?:always )?gets (?:easier|better)\b|\bin no time\b|\bbefore you know it\b",
        r"\bsomething better will come\b|\b(?:it )?always does\b",
        r"\byou always (?:are|pass|do|manage|say that)\b|\bi promise\b(?! (?:to|i)\b)",
        r"\bitll pass\b|\bit will pass\b|\bthis too shall pass\b|\bits going to be (?:fine|okay|alright)\b",
        r"\bgive it (?:time|a few (?:weeks|days|months))\b",
        r"\byour (?:time|turn|day) will come\b|\bim (?:so )?sure of it\b",
        r"\bit (?:will|is going to) be worth it\b",
        r"\b(?:theyre|they are|hes|he is|shes|she is|theyve|its|he|she|they) (?:probably|prob|most likely) "
        r"just\b",
        r"\b(?:something|someone|things)(?:ll| will) (?:turn up|come along|work out|get better)\b",
    ),
    _rule(
        "cheering_up__phrase",
        r"\b(?:bright side|silver lining|every cloud|happens for a reason|(?:in|to) a better place|"
        r"plenty (?:more )?(?:of )?fish|good vibes|positive vibes|vibes only|manifest\w*|chin up|cheer up|"
        r"positive mindset|positive attitude|good things (?:come|are coming|will come))\b",
        r"\bthe right (?:one|person) is (?:out there|coming)\b|\btomorrows? (?:is )?(?:a )?(?:new|"
        r"another) day\b",
        r"\b(?:wouldnt|would not) want (?:you|your) to be (?:sad|upset|crying|down)\b",
        r"\bdont be (?:so )?(?:sad|down|upset|negative|glum|gloomy|blue)\b",
        r"\bdont let (?:it|this|them) get to you\b|\btheyre only (?:little|young) once\b",
        r"\b(?:have|did) you seen this meme\b|\blets (?:go )?party\b|\blook at it this way\b",
        r"\bcount your blessings\b|\bthink of (?:all )?the (?:good|positives?)\b|\bthink of all the\b",
        r"\b(?:youve|you have|you) got this\b|\b(?:watching over|looking down on) (?:you|us|her|him)\b",
        r"\bin (?:\w+ )?heaven\b|\bat peace now\b|\bno longer (?:suffering|in pain)\b|\bno more pain\b",
        r"\brunning free\b|\brainbow bridge\b|\bthe universe (?:will|has|is)\b|\bmeant to (?:be|happen)\b",
        r"\b(?:their|his|her|its) loss\b|\bblessing in disguise\b|\bbest thing that (?:ever )?happen",
        r"\btoo good for (?:them|him|her)\b|\boverrated\b|\bnot missing (?:much|anything)\b|"
        r"\bnew chapter\b|\bexciting times\b|\bnew beginnings?\b|\bonwards and upwards\b|"
        r"\bfall into place\b|"
        r"\bdont (?:say|think) (?:that|like that)\b|\bfind someone (?:so much |way |even )?better\b",
    ),
    _rule(
        "minimising__phrase",
        r"\b(?:it |things |that )?could (?:be|have been) (?:way |much |a lot |so much )?worse\b",
        r"\b(?:others|other people|some people|lots of people|loads of people|many people|people) "
        r"(?:have|has|had|got) it (?:much |way |a lot |so much |far )?worse\b",
        r"\bnot the end of the world\b|\bno big deal\b|\bnot a big deal\b|\bnot (?:that|so) (?:bad|"
        r"serious|deep)\b",
        r"\ba good innings\b|\bjust a phase\b|\byou get used to it\b|\bit happens\b",
        r"\bhappens? (?:to (?:everyone|the best of us|all of us|everybody)|all the time)\b",
        r"\bwelcome to (?:adulthood|the club|adult life|the real world|being an adult)\b",
        r"\bpeople (?:drift apart|get busy|move on|grow apart)\b|\bget over it\b|\bnobody cares\b",
        r"\b(?:its|thats) not like (?:it was|you were|you have|youre) (?:your |a )?dream\b",
        r"\b(?:its|thats) (?:probably |prob |literally )?nothing\b(?! (?:wrong|to be|you)\b)",
        r"\b(?:its|thats) (?:all )?in your head\b|\b(?:its|thats) not real\b",
        r"\b(?:she|he|they) (?:had|lived) (?:a )?(?:good|long|full|great|happy) (?:long |full )?"
        r"(?:life|innings|run)\b",
        r"\byou always (?:panic|worry|stress|freak out|do this|say this)\b",
        r"\bits (?:literally )?what its for\b|\bhappens (?:in|to) every (?:\w+)\b",
        r"\b(?:isnt|is not|not) (?:that|so) (?:long|big|much|serious)\b|\bworst case(?: scenario)?,? you\b",
        r"(?<=[a-z] )so at least (?:you|your|youre|she|he|they|it|its|theres|we|hes|shes|theyre)\b",
    ),
    _rule(
        "minimising__only",
        r"\b(?:its|thats|it is|that is|this is|that was|it was|he is|hes|she was|she is|shes) "
        r"(?:literally |honestly |really |only |all )?(?:just|only) (?!that\b|me\b|how\b|so\b|too\b|really\b|"
        r"a lot\b|hard\b|awful\b|not\b|the worst\b|what\b|because\b|like\b|you\b|the start\b|human\b|been\b|"
        r"normal\b|natural\b|okay\b|fair\b|ok\b|one of those\b|my\b|i\b|beginning\b)",
    ),
    _rule(
        "minimising__everyone",
        r"\b(?:everyone|everybody|all kids|all parents|every family|every kid|every parent|all families|"
        r"loads of people|lots of people|most people|we all|all of us|kids|parents) (?:get|gets|fail|fails|"
        r"do that|does that|argue|argues|fight|fights|go through (?:this|that|it)|goes through (?:this|that|"
        r"it)|hate|hates|has bad|have bad|cry|cries|cried|panic|panics|get nervous|gets nervous|eat|eats|"
        r"drink|drinks)\b",
    ),
    _rule(
        "minimising__normal",
        r"\b(?:its|thats|that is|it is) (?:totally |completely |perfectly |pretty |so )?normal"
        r"(?= *(?:[.!|,]|$|lol|honestly|to be honest|though))",
    ),
    _rule(
        "comparing__worse",
        r"\b(?:i|my|mine|me)\b[^.!?|]{0,40}?\b(?:way|much|ten times|10x|10 times|so much|a lot|even|"
        r"twice as|far) worse\b",
        r"\bnothing compared to\b|\bso (?:i|trust me i) (?:know|get it|understand)\b",
        r"\b" + _YOU_ARE + r" (?:so )?lucky\b|\b(?:you have|youve|youve got|you got) it easy\b",
        r"\bso yours is\b|\byou think i (?:like|love|enjoy)\b|\bbest thing (?:that ever happened )?"
        r"(?:for|to) me\b",
    ),
    _rule(
        "comparing__anyway",
        r"(?<=[a-z.!?|,] )anyway\b(?!,? (?:im|i am|i just|if you|just know|sending|i hope|thinking of you|"
        r"i care|take care|what)\b)",
    ),
    _rule(
        "advice__should",
        # "you must be exhausted" is a guess at a feeling (a reflection), not an order
        r"\byou(?: really| probably| definitely| honestly)? must (?!be\b|feel\b|have\b|miss\b|hate\b|know\b)",
        r"\b(?:you|yourself)(?: really| probably| definitely| honestly)? (?:should|ought to|need to|"
        r"have to|got to|gotta)(?! have\b| not have\b)(?: really)? "
        r"(?!feel\b|be (?:proud|allowed|so proud|gentle|kind)\b|know\b|talk\b|vent\b|say\b)",
    ),
    _rule(
        "advice__tried",
        r"\b(?:have|did|do) you (?:ever )?(?:tried|thought about|considered|thought of|looked into)\b",
        r"\bwhy (?:dont|not|do not) (?:you )?(?:just )?(?=\w)(?!feel\b)",
        r"\bif i (?:were|was) you\b|\b(?:i would|id|i d) (?:suggest|recommend|advise)\b|\bmy advice\b",
        r"\bwhat you need (?:is|to do)\b|\bthe only way\b",
        r"\bmake sure (?:you|to)\b(?! (?:look after|take care|rest|are okay|eat something)\b)",
        r"\byou (?:should|must) (?:really |definitely )?try\b|\b(?:maybe|perhaps) (?:you should|try)\b",
        r"\bnext time (?:just |maybe |you should |try to )?" + _ORDER_VERB + r"\b",
        r"\b(?:(?:its|it is|was) a )?game ?changer\b|\bworks wonders\b|\bchanged my life\b|\bswear by\b",
        r"\b(?:works|worked) for me\b(?! (?:too|as well|to)\b)",
        r"\b(?<!i )(?:would|will|should) (?:fix|sort|solve|cure) (?:that|it|this|everything)\b",
        r"\bhave you (?:checked|asked|spoken to|talked to|called|looked at|been to|gone to|tried)\b",
        r"\byou (?:could|can) always\b|\bit (?:might|would|could|will|really) help\b(?! (?:me|us)\b)",
        r"\bwhat (?:helped|worked) (?:for )?"
        r"me (?:was|is)\b|\bbest way to\b",
    ),
]

_SIGNAL_RULES: list[tuple[str, str]] = [
    _rule(
        "permission__ask",
        r"\b(?:would|will|do|does|could) (?:it|you) (?:help|like|want|be (?:okay|alright|open|interested|"
        r"helpful)|mind)\b",
        r"\bwould it be (?:okay|alright|helpful|useful) (?:if|to)\b|\bis it (?:okay|alright|cool) if i\b",
        r"\b(?:do you |you )?want (?:me to|some|a tip|ideas|advice|to hear|to talk|tips|to study|to check)\b",
        r"\bif (?:it would|it might|you think it would|it) helps?\b|\b(?:only )?if you (?:want|like|"
        r"are up for it)\b",
        r"\bwhatever you need\b|\bor (?:do you|would you)(?: rather)? (?:just|prefer)\b|"
        r"\bor would you rather\b",
        r"\bor (?:just )?(?:vent|venting)\b|\bno pressure\b|\bhappy to (?:just )?listen\b|"
        r"\bwhen youre ready\b",
        r"\bor nah\b|\bjust (?:someone|somebody) to listen\b|\bjust need to vent\b",
    ),
    _rule(
        "self_disclosure_turned_back__story",
        r"\b(?:i (?:went|go) through|went through (?:something|the same|a|that)|been there|i had (?:a|an|"
        r"something|the same|that|cravings|those|them)|had a friend|i used to|i felt (?:exactly|the same|"
        r"like that|that|\w+ for)|i remember|i moved|i grew up|i couldnt|ive had|ive been through|"
        r"i was the same|i was like that|i know (?:that|the) feeling|i know how (?:that|it) feels|lost my|"
        r"i lost|i ate|my (?:son|daughter|dad|mum|mom|kid|grandad|grandma|dog|cat) (?:was|went|did|used)|"
        r"same thing happened|happened to me|i felt like that)\b",
    ),
    _rule(
        "reflection__stem",
        r"\b(?:(?:it|that|this) )?(?:sounds|seems|must be|must have been|must feel|must have felt|must hold|"
        r"feels) like\b",
        r"\b(?:it|that|this) (?:sounds|seems|must be|must feel|must have been|must have felt) "
        r"(?:(?:so|really|incredibly|genuinely|just|pretty|super|very|such) ){0,2}\w+",
        r"\b(?:it|that|this|the \w+|they|these) must (?:be|feel|have felt|have been|hold|sting|hurt)\b",
        r"\b(?:sounds|sound) (?:(?:so|really|incredibly|like) ){0,2}(?:exhausting|hard|awful|rough|terrible|"
        r"horrible|painful|scary|frightening|brutal|tough|miserable|draining|stressful|frustrating|lonely|"
        r"isolating|humiliating|overwhelming|heavy|terrifying|uncomfortable)\b",
        r"\bi hear (?:that|you|how)\b|\bi can (?:feel|hear|see|tell) how\b|\byou (?:said|mentioned)\b",
        r"\bwhat im hearing\b",
        r"\b(?:youre|you are|your) (?:feeling|still|stuck|carrying|left|hoping|missing|running|drowning|"
        r"really (?:missing|worried|scared|stretched|struggling)|worried|scared|afraid|exhausted|worn out|"
        r"doing all|caught|dreading|braced)\b",
        r"\byou (?:feel|felt) (?:like|so|really|that)\b|\byou dont have to (?!worry\b)\w+",
        r"\byou (?:just )?want (?:some|to be|someone)\b",
    ),
    _rule(
        "reflection__so",
        _B + r" *(?:and )?so (?:you|your|youre|youve|youd|they|theyre|the|its|it|sundays|home|payday)\b",
    ),
    _rule(
        "validation__phrase",
        r"\bmakes? (?:(?:total|complete|so much|perfect|a lot of|such|complete) )?sense\b",
        r"\banyone (?:would|in your|else would)\b|\b(?:flatten|rattle|wear|leave|break|upset|hurt|knock) "
        r"anyone\b|\bwould (?:\w+ ){0,2}anyone\b|\b(?:you are|youre|your) allowed\b",
        r"\b(?:its|it is|thats|that is) (?:(?:totally|completely|so|really|okay|perfectly) ){0,2}(?:okay|"
        r"alright|normal|natural|understandable|valid|fair|human|real) (?:to|that|for|way)\b",
        r"\bof course (?:you|your|youre|you are)\b|\bno wonder\b|\b(?:completely |totally )?understandable\b",
        r"\b(?:so |totally |completely )?valid\b|\b(?:totally |completely )?(?:get|see|understand) why\b",
        r"\btheres no (?:right|wrong|timetable|schedule|deadline)\b|\bno (?:timetable|schedule)\b",
        r"\bnot your fault\b|\bnobody should (?:have to|be)\b|\bno one (?:deserves|should)\b|"
        r"\bnobody deserves\b",
        r"\b(?:shouldnt|should not|dont|do not|dont need to|dont have to) (?:have to |"
        r"need to )?(?:carry|prove|"
        r"do|clear|listen|be)\b",
        r"\bis (?:so )?real\b|\bthats (?:so )?(?:fair|okay|valid|understandable)\b|\bits (?:okay|"
        r"alright) to\b",
        r"\bdoesnt (?:undo|mean youre|make you)\b|\bdont mean (?:your|youre) failing\b|\bthats okay\b|"
        r"\bits okay\b|\b(?:its|it is) (?:so )?hard when\b|\bfull stop\b",
        r"\bgenuinely (?:stressful|hard|too much|exhausting)\b|\bthats not okay\b|\breal achievement\b",
    ),
    _rule(
        "emotional_reaction__phrase",
        r"\b(?:im|i am) (?:(?:so|really|very|truly|deeply) ){0,2}sorry\b|\bso sorry\b",
        r"\bsorry (?:for|about|to hear|youre|you)\b",
        r"\bsending (?:you )?(?:(?:so much|lots of|a|big|a big|all my|some) )?(?:hugs?|love|strength|"
        r"good thoughts|good vibes)\b|\bhugs\b",
        r"\b(?:thats|that is|this is|that sounds|it sounds|sounds) (?:(?:so|really|incredibly|just|such a|"
        r"absolutely) ){0,2}(?:hard|awful|rough|terrible|horrible|painful|scary|brutal|tough|miserable|"
        r"draining|stressful|frustrating|unfair|heartbreaking|sad|messed up|a lot|the worst|exhausting|"
        r"lonely|so much)\b",
        r"\b(?:oh no|ugh|oof|nooo+|wtf|damn|aw+)\b|\b(?:im|i am) (?:here|there) (?:for you|"
        r"if you)\b|\bim here\b",
        r"\bproud of (?:you|your)\b|\bglad you (?:said|told|reached|shared|spoke)\b|\brespect\b|"
        r"\bthank you\b",
        r"\b(?:really|so) hurts\b|\bthat hurts\b|\bis the worst\b|\bsuch a (?:shock|horrible|hard|big)\b",
        r"\bthinking of you\b|\bmy heart\b|\bcongrat\w*\b|\bso happy for you\b|\bis so hard\b|\bsucks\b",
    ),
    _rule(
        "open_question__wh",
        _B + r" *(?:(?:and|so|but|okay|hey|also|oh|aw|wow|honestly|to be honest)[,.!]* +)?"
        r"(?:what|whats|how|hows|when|where|which|who|whos)\b(?! a\b| an\b| awful\b| terrible\b| horrible\b|"
        r" sad\b| hard\b| rough\b| scary\b| you need\b| you should\b| about you just\b)(?= +\w)",
    ),
    _rule(
        "open_question__more",
        r"\btell me (?:more|about|what|how)\b|\b(?:do you |want to |wanna )?talk about (?:it|what|them)\b",
        r"\bwhats on your mind\b|\bis it okay if i ask\b|\bwhat about you\b",
    ),
]


# Rules whose verdict needs more than their kind: orders (which may be offers) and mild "me too"s.
_GROUP_OF: dict[str, str] = {
    "advice__imperative": "advice__order",
    "advice__justdo": "advice__order",
    "advice__timeto": "advice__order",
    "comparing__same": "comparing__mild",
    "comparing__when": "comparing__mild",
    "comparing__storystart": "comparing__mild",
}


def _compile(rules: list[tuple[str, str]], order: tuple[str, ...] = ()) -> re.Pattern[str]:
    """One alternation for a whole group of rules, tried only where a word or clause can start.

    The leading look-behind fails in one step inside a word or on a space, so the long alternation
    runs at perhaps one position in four instead of at every character. Rules share one named group
    per kind (or per special group): every capturing group makes each failed branch dearer. Where two
    groups could match at the same place the earlier in ``order`` wins, so specific readings ("that's
    just your anxiety talking": a label) come before general ones ("that's just…": shrinking it).
    """
    groups: dict[str, list[str]] = {}
    for name, pattern in rules:
        groups.setdefault(_GROUP_OF.get(name, name.split("__", 1)[0]), []).append(pattern)
    ranked = sorted(groups.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    alternation = "|".join(f"(?P<{group}>{'|'.join(patterns)})" for group, patterns in ranked)
    # Every branch already starts where a word can start, so a leading \b is redundant there; without
    # it, the engine can skip a branch on its first letter.
    alternation = alternation.replace("(?:\\b", "(?:").replace("|\\b", "|")
    return re.compile(r"(?<![a-z0-9])(?:" + alternation + ")")


_CUE_RE = _compile(_CUE_RULES, (
    "know_how_you_feel", "diagnosing", "judging", "comparing", "comparing__mild", "false_reassurance",
    "cheering_up", "minimising", "advice__order", "advice",
))
_SIGNAL_RE = _compile(_SIGNAL_RULES)

# Said by someone else, or explicitly not said: looked for shortly before a cue, in its sentence.
_NEG_RE = re.compile(
    "|".join((
        r"\b(?:not|never) (?:going to |gonna )?(?:say|tell|give)\b",
        r"\b(?:wont|will not|dont|do not|wouldnt|would never|cant|refuse to) (?:say|tell|give|lecture)\b",
        r"\b(?:say|saying|said|says|tell|telling|told|tells|hear|hearing|heard)\b",
        r"\b(?:people|everyone|everybody|they|nobody|no one|others) (?:keep |always |just |will |get to )?"
        r"(?:say|tell|saying|telling)\b",
        r"\b(?:instead of|rather than|doesnt mean|dont mean|not just|not only|last thing you need)\b",
        r"\b(?:dont|do not) (?:feel like|think)\b|\byou dont (?:have|need) to\b|\bnot about\b",
    ))
)

_NEG_WINDOW = 60
_BOUNDARY_RE = re.compile(r"[.!?;|]")

# Leading clause-start fillers are part of a rule's context, not of what the supporter should see.
_LEAD_RE = re.compile(
    r"[ ,.!?;:|(\"]*(?:(?:lol|lmao|haha+|ha|hah|omg|oh|okay|well|honestly|to be honest|to be fair|hey|"
    r"i mean|but|and|ugh|aw+|yeah+|yea|meh|eh|bro|dude|man|mate|hun|babe|hmm+|um+|seriously|also|then|"
    r"plus|not going to lie|so yeah|anyway)[,.!]* +){0,3}"
)
# An open question is shown up to the end of its clause, so the supporter sees which one counted.
_CLAUSE_REST_RE = re.compile(r"[^.!?|]{0,80}\??")

# An order that is really an open door ("write back whenever", "call me if you want") is an offer.
_ORDER_GROUP = "advice__order"
_OFFER_RE = re.compile(
    r"\b(?:whenever|any ?time|if you (?:want|like|need|feel like)|(?:to|with|call|text|message|ping|tell|"
    r"ask|by|for) (?:me|us)|no rush|no pressure|the time you need|if that helps|what you want|however|"
    r"feels right|whatever feels|im (?:here|listening)|i am (?:here|listening)|were here|door)\b"
)

_SOFTENERS = frozenset({"reflection", "validation", "permission"})
# Mild "me too" moves are fine when the reply turns back to the person; one-upping never is.
_TURN_BACK_OK = frozenset({"know_how_you_feel", "comparing__mild"})

# Share gate: clearly happy or neutral announcements get no roadblock nudges.
_SHARE_DISTRESS_RE = re.compile(
    r"(?<![a-z0-9])(?:sad|scared|scary|afraid|worried|worry|worrying|anxious|anxiety|panic\w*|stress\w*|"
    r"hard|lonely|alone|miss\w*|tired|exhausted|died|dead|death|lost|loss|hurt\w*|cry\w*|cried|fail\w*|"
    r"sick|dread\w*|argu\w*|fight\w*|ignor\w*|craving\w*|sober|relapse\w*|drink\w*|ended|broke up|"
    r"dumped|laid off|fired|slept|sleep\w*|zombie|struggl\w*|overwhelm\w*|angry|upset|depress\w*|"
    r"worst|awful|terrible|rough|yelled|empty|meltdown\w*|hospital|grief|griev\w*|funeral|debt|rent|"
    r"broke|pain\w*|ill|results|mess\w*|ugh|help|numb|down|low|done|exam\w*|finals|shame\w*|"
    r"embarrass\w*|guilt\w*|ashamed|hate|sucks|bad|sorry|tough|ex|nervous|passed over|rejected|"
    r"left out|excluded|ghosted|behind|jealous|frustrat\w*|annoyed|confused|unsure|stuck|trapped|"
    r"not|no|never|nothing|nobody|no one|didnt|dont|doesnt|havent|hasnt|wasnt|isnt|wont|cant|cannot|"
    r"couldnt|shouldnt|again|anymore|idk|i dont know|without)\b"
)
_SHARE_HAPPY_RE = re.compile(
    r"!|\b(?:got the job|congrat\w*|finished|adopted|excited|yay|woo+|passed (?!over)|good news|happy|"
    r"engaged|promoted|proud|anyone|amazing|great|love|finally|new (?:job|puppy|kitten|flat|house))\b"
)
_HAPPY_EMOJI_RE = re.compile("[\U0001f389\U0001f973\U0001f60a\U0001f601\U0001f604\u263a]")


# Words of a diagnosing match that are not the label itself.
_LABEL_FILLER = frozenset({
    "you", "youre", "your", "are", "just", "probably", "prob", "clearly", "obviously", "sounds", "like",
    "have", "has", "thats", "that", "this", "classic", "textbook", "definitely", "def", "totally",
    "basically", "simply", "literally", "really", "the", "got", "its", "is", "he", "she", "they", "hes",
    "shes", "theyre", "some", "an", "a", "in", "be", "of", "case", "signs", "so",
})
_WORD_RE = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=512)
def _share_words(share: str) -> frozenset[str]:
    return frozenset(_WORD_RE.findall(_normalise(share[:MAX_CHARS]).norm))


def _their_own_label(norm: str, start: int, end: int, share: str | None) -> bool:
    """True when a "diagnosis" only repeats a word the person used about themselves ("I'm depressed")."""
    if share is None:
        return False
    label = {w for w in _WORD_RE.findall(norm, start, end) if w not in _LABEL_FILLER}
    return bool(label) and label <= _share_words(share)


@lru_cache(maxsize=512)
def _is_vulnerable_share(share: str | None) -> bool:
    """Whether the reply answers someone sharing a problem; assumed so when there is no share.

    Cached: a supporter's successive drafts, and everyone else's replies, answer the same share.
    """
    if share is None:
        return True
    norm = _normalise(share[:MAX_CHARS]).norm
    if not norm.strip():
        return True
    if _SHARE_DISTRESS_RE.search(norm):
        return True
    happy = _SHARE_HAPPY_RE.search(norm) or _HAPPY_EMOJI_RE.search(share)
    return not (happy or norm.rstrip().endswith("?"))


def _negated(norm: str, start: int) -> bool:
    """True when the words just before ``start`` report someone else's words or refuse to say them."""
    lo = max(0, start - _NEG_WINDOW)
    window = norm[lo:start]
    cut = -1
    for b in _BOUNDARY_RE.finditer(window):
        cut = b.end()
    return _NEG_RE.search(norm, lo + cut if cut >= 0 else lo, start) is not None


def _core(norm: str, start: int, end: int) -> tuple[int, int]:
    """The span without the clause break and fillers a rule needed as context ("lol same" → "same")."""
    lead = _LEAD_RE.match(norm, start, end)
    if lead is not None and end - lead.end() > 3:
        return lead.end(), end
    return start, end


def is_vulnerable_share(share: str) -> bool:
    """Whether someone posting ``share`` is sharing a problem (not a cheerful announcement).

    The bot keeps this one yes/no about a post instead of its words, and passes it back to
    :func:`analyse` as ``vulnerable`` when a reply to that post comes. Not cached, unlike the
    check inside :func:`analyse`: a member's post is not kept in memory after this answer."""
    return bool(_is_vulnerable_share.__wrapped__(share))


def analyse(reply: str, share: str | None = None, *, vulnerable: bool | None = None) -> Assessment:
    """Find roadblocks and listening signals in ``reply`` and decide whether to nudge, gently.

    ``share`` is what the reply answers; without it the reply is assumed to answer a vulnerable
    share. ``vulnerable``, when given, is :func:`is_vulnerable_share` of the share, worked out
    earlier, and replaces looking at ``share``. Pure and deterministic: same input, same
    assessment.
    """
    text = _normalise(reply)
    norm = text.norm

    signal_hits: list[tuple[int, int, str]] = []  # (start, end, kind)
    for m in _SIGNAL_RE.finditer(norm):
        name = m.lastgroup or ""
        s, e = _core(norm, *m.span(name))
        signal_hits.append((s, e, name.split("__", 1)[0]))

    cue_hits: list[tuple[int, int, str, str]] = []  # (start, end, kind, rule)
    for m in _CUE_RE.finditer(norm):
        name = m.lastgroup or ""
        s, e = _core(norm, *m.span(name))
        if _negated(norm, s):
            continue
        if name == _ORDER_GROUP:
            stop = _BOUNDARY_RE.search(norm, e)
            if _OFFER_RE.search(norm, s, stop.start() if stop else len(norm)):
                continue
        kind = name.split("__", 1)[0]
        if kind == "diagnosing" and _their_own_label(norm, s, e, share):
            continue
        cue_hits.append((s, e, kind, name))

    # A reflection stem that introduces a label ("sounds like depression") is not a reflection.
    if cue_hits:
        signal_hits = [
            h for h in signal_hits
            if not any(c[2] == "diagnosing" and h[0] <= c[0] + 1 and c[0] <= h[1] + 2 for c in cue_hits)
            and not any(c[0] <= h[0] < c[1] for c in cue_hits)
        ]
    question_starts = [s for s, _e, k in signal_hits if k == "open_question"]
    # Self-disclosure counts as listening only when a question turns back to the person.
    signal_hits = [
        h for h in signal_hits
        if h[2] != "self_disclosure_turned_back" or any(q > h[0] for q in question_starts)
    ]

    active: list[tuple[int, int, str]] = []
    for s, e, kind, rule in cue_hits:
        if kind == "advice" and any(h[0] < s and h[2] in _SOFTENERS for h in signal_hits):
            continue
        if rule in _TURN_BACK_OK and any(q > s for q in question_starts):
            continue
        active.append((s, e, kind))

    signals: list[Signal] = []
    seen_signals: set[str] = set()
    for s, e, kind in sorted(signal_hits):
        if kind not in seen_signals:
            seen_signals.add(kind)
            if kind == "open_question":
                rest = _CLAUSE_REST_RE.match(norm, e)
                e = rest.end() if rest else e
            signals.append(Signal(cast(SignalKind, kind), text.original_span(s, e).strip()))

    if vulnerable is None:
        vulnerable = _is_vulnerable_share(share)
    if not active or not vulnerable:
        return Assessment(False, (), tuple(signals), "")

    cues: list[Cue] = []
    seen_cues: set[str] = set()
    for s, e, kind in sorted(active):
        if kind not in seen_cues:
            seen_cues.add(kind)
            cues.append(Cue(cast(CueKind, kind), text.original_span(s, e).strip(), WHY[kind]))
    return Assessment(True, tuple(cues), tuple(signals), SUGGESTION[cues[0].kind])
