"""Crisis-language detection: suicidal and self-harm language in one chat message, explained.

Tiers (Columbia scale; design notes, "Crisis language")
-------------------------------------------------------
- ``passive``: a wish to be dead, an indirect form or a self-harm mention ("I wish I could just
  disappear", "they'd all be fine without me", "I've been cutting again", "I want to die": the
  Columbia "wish to be dead" is passive; "I want to kill myself" is active). Resources to the
  author, a quiet notice to moderators.
- ``active``: thoughts of killing oneself, a method, a goodbye or a note ("I want to kill myself",
  "kms", "I've been thinking about how I'd do it", "I wrote a letter for my family").
- ``imminent``: a plan, means with intent, a timeframe for an act, or an act in progress ("I have the
  pills in front of me", "tonight's the night", "I took 30 ibuprofen", "I'm on the bridge").
  A stated plan ("I have a plan") or stockpiling counts as imminent on its own, and so does an
  announced act with a time ("going to kill myself tonight"); a thought with a time stays active
  ("feeling suicidal tonight"). A miss costs far more than a gentle, unneeded message.

``third_party`` is a flag, not a tier: "my brother told me he has a plan" is a crisis (``imminent``)
whose resources go to the helper.

One pass, then cheap logic
--------------------------
The text is capped at :data:`MAX_CHARS`, lowercased, its apostrophes dropped ("don't" → "dont", so
one spelling covers both) and its whitespace collapsed. ONE compiled regex is run once with
``finditer``. Its phrases (:data:`_GROUPS`) are either *cues* (they can make the message a crisis) or
*context markers* (negation, a joke, a song, the past, a third person, a benign purpose for a
medicine...); each phrase names its group in an empty named group at its end, and the phrases are
bucketed by first letter (see :func:`_compile`): that is what keeps an ordinary message at ~10 µs.
(A second, tiny regex finds emoji and quotation marks, only in a text that can hold one; and a
third, holding only the phrases that can make a crisis, turns most ordinary messages away first.)
Leetspeak is handled inside the few words where it occurs ("su1cide", "k1ll"), not by rewriting
digits, so "800mg" and "30 pills" survive. Patterns are literal phrases with bounded gaps only, so
the scan stays linear on hostile input. The decision is then plain Python over the few matches:

1. A cue is **negated** when "not", "don't", "never", "no"... stands at most two words before it in
   the same clause ("I'm not suicidal, just tired", "not trying to kill myself"). Phrases that merely
   look negative are consumed first by the regex so they never negate: "not going to lie", "not even
   joking", "no joke"
   ("I'm not going to lie, I want to die" IS a crisis). Cues that contain their own negation
   ("I don't want to be here anymore", "hope I don't wake up") are phrases of their own.
2. A cue is **someone else's** when it names them ("kill himself") or the nearest pronoun before it
   is third-person ("she said she wants to end it"), or when it is neutral ("cutting again", "a
   suicide note") and the message is about "my sister", "a friend"... Any first-person cue makes the
   author the person at risk. Second person ("you", "kill yourself", "kys") never fires: "kys" is
   abuse aimed at someone else, a job for moderation, not a crisis of the author; a supporter asking
   "are you thinking of suicide?" is good practice, not a crisis. Talk about people in general
   ("when someone says they feel suicidal, listen", "how do I help a friend who self-harms") is
   advice, not a person in danger.
3. **Means** ("pills", 💊, "ibuprofen", "800mg", "antifreeze", "rope", "bridge") never fire alone.
   They become an imminent cue with intent (any ideation, a goodbye, "I'm ready", "it's happening"),
   when ready at hand ("in front of me", "lined up", "loaded"), or taken in quantity ("took 30",
   "a whole bottle", "all my pills"), unless a benign purpose is given ("for my headache", "with
   food", "like the doc said") and no quantity. Routine medication is not an act: "took my meds
   today" has an owner and no quantity; "she's taking pills tonight" has neither. A high place is
   the same: "I'm on the bridge" fires, "standing on the bridge" only beside a time ("right now"),
   another cue or a weak signal, and "on the bridge taking pics" never.
4. **Weak signals** ("I can't do this anymore", "I'm sorry", "hopeless", "no way out") and plain
   goodbyes ("bye everyone", "thank you all for everything") are too common alone; two different ones
   together are a cue ("I can't do this anymore. I'm sorry" is passive; "I'm done with everything.
   goodbye" is an active goodbye), and a plain goodbye raises any other cue to active. A goodbye
   with a way back ("see you tomorrow", "off to bed", "holiday") is never one.
5. **Suppressed contexts** (deliberately not fired on):
   - idioms and everyday phrasing never match a cue at all ("these meetings are killing me", "I'd die
     for that cake", "my laptop died", "dying to see that movie", "killing it at the gym");
   - hyperbole: a joking marker ("lol", "lmao", 😂, 💀) together with a trivial cause in the same
     clause ("this traffic makes me want to die lol", "if I hear that song again I'll kms lmao"),
     unless "no joke", "fr", "for real", "not kidding" is said. A bare "I want to die lol" still
     fires: a joke marker alone is too often a mask;
   - past tense and recovery: "two years ago I tried to end my life, and today I'm doing okay",
     "3 years clean", unless "again", "relapsed", "still", "lately" brings it back to now;
   - games ("killed myself in minecraft", "kill the boss") and news, studies, prevention walks and
     training ("the article about suicide rates"): these name no first-person act, and a topic word
     ("self-harm", "suicidal") is dropped when the message is about a study, course or campaign;
   - song lyrics, poems and fiction: a cue inside quotation marks, or a non-first-person cue, in a
     message about a song, lyric, poem, book or character. Quoted words without such a marker are
     reported speech: "she texted "I want to die"" is a third-party crisis;
   - harm-reduction advice ("never take more than 4000mg", "carry naloxone");
   - self-reproach idioms ("I could kill myself for forgetting her birthday"), celebrations
     ("tonight's the night! concert time 🎉") and grief ("I think about death since my dad died");
   - ordinary goodbyes ("bye all, see you tomorrow", "last message before my holiday").

Limits, said plainly: a lexicon finds what it was told about. Batches written blind against an
already-tuned version found only about half of their crises on first sight (pooled recall 0.55,
false-positive rate 0.07; table in ``bench/safety_eval.py``), far below the figures on the set it
was tuned on. It is a first net under a human moderator, never a replacement for one; new misses
belong in the labelled set and then in a rule.

The result names what was found (:class:`Match`) so a moderator can see *why*; the module is a leaf
(stdlib only, nothing else from ``bot``) and never needs a model or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal

Tier = Literal["none", "passive", "active", "imminent"]

TIER_ORDER: Final[dict[Tier, int]] = {"none": 0, "passive": 1, "active": 2, "imminent": 3}
"""Rank of each tier, for "tell moderators again only if the tier rises"."""

MAX_CHARS: Final = 4000
"""Only the first 4,000 characters are read: a crisis is said early, and a cap keeps time bounded."""


def tier_rank(tier: Tier) -> int:
    """The tier's position in :data:`TIER_ORDER` (none=0 … imminent=3)."""
    return TIER_ORDER[tier]


@dataclass(frozen=True, slots=True)
class Match:
    """One cue that made the decision: its kind (``ideation``, ``means``...) and the words found."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Detection:
    """The verdict for one message: crisis or not, the tier, and the cues that explain it."""

    crisis: bool
    tier: Tier
    third_party: bool
    matches: tuple[Match, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON shape shared with the CLI and logs (message text beyond the cues is never kept)."""
        return {
            "crisis": self.crisis,
            "tier": self.tier,
            "matches": [{"kind": m.kind, "text": m.text} for m in self.matches],
            "third_party": self.third_party,
        }


NO_CRISIS: Final = Detection(crisis=False, tier="none", third_party=False, matches=())

# --- vocabulary -------------------------------------------------------------------------------
# Written after normalisation: lowercase, no apostrophes, single spaces.

_SELF = r"(?:myself|my ?self|myslef|meself|himself|herself|themselves|themself)"
_SUI = r"(?:s[uü][i1!]c[i1!]d|suisid|suicd|sewer ?slid|sooicid)"  # suicide, su1cide, sewerslide
# "suicide" followed by these is a topic (a campaign, a statistic), never a person's own words.
_NOT_TOPIC = (
    r"(?! (?:prevention|awareness|rates?|hotline|line|statistics|research|stigma|walk|training|runs?|drills?|"
    r"doors?|squad|sprints?|mission|king|blonde|warning|signs|risk|loss|bereave\w*|survivors?|data|cases))"
)
_KILL = r"(?:k[i1!]ll?|kil)"
_WANT = r"(?:want|wants|wanna|wan|wish|wishes|hope|hoping|ready|deserve)"
_PILLS = (
    r"(?:pills?|tablets?|meds|medication|ibuprofen|advil|tylenol|acetaminophen|paracetamol|"
    r"antifreeze|bleach|sleeping pills|painkillers|medicine|antidepressants|antipsychotics|benzos|xanax|"
    r"valium|insulin|opioids|oxy|oxycodone|codeine|aspirin|lithium|sertraline|prozac|melatonin|\d+ ?mg)"
)
_PLACE = r"(?:bridge|roof|rooftop|ledge|edge|train tracks|tracks|cliff)"
# An ordinary outing at a high place: "on the roof fixing the gutter", "at the bridge for the race".
_NOT_OUTING = (
    r"(?! (?:fixing|cleaning|watching|for|with|having|eating|to watch|to see|to take|taking (?:pics|photos|"
    r"pictures|a photo)|and (?:the|its) view|terrace|garden|deck|bar|party|top|of (?:my|your|our|their|his|"
    r"her) seats?|of glory))"
)
_END = r"(?= ?(?:$|[.!?,;]))"  # the phrase ends its clause: "I'm going to jump." but not "jump in the pool"
_NUMWORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|a|\d+)"
_RELATION = (
    r"(?:best friend|friend|bestie|bff|bf|gf|boyfriend|girlfriend|partner|husband|wife|brother|bro|"
    r"sister|sis|mom|mum|mother|dad|father|son|daughter|kid|child|roommate|flatmate|cousin|coworker|"
    r"colleague|classmate|student|uncle|aunt|niece|nephew)"
)

# Order matters only where two alternatives start at the same place: cues come before the
# context markers (so "no one would miss me" is a cue, not the negation "no").
_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Act in progress.
    ("act", (
        r"(?:im|i am) (?:on|at) (?:the|a|this) " + _PLACE + _NOT_OUTING,
        r"(?:i|i just|just|ive|i have|i think i|i already) (?:overdosed|odd|od)\b",
        r"overdosed (?:an hour|a few hours|minutes|earlier|tonight|today|just now|a bit)\b",
        r"(?:cutting|hurting myself) (?:right now|rn|now)\b",
        r"drank (?:the |some |a bottle of )?(?:antifreeze|bleach)",
        r"on (?:the|a|this) (?:ledge|bridge|roof|rooftop|edge|tracks)(?: [a-z]+){0,2}? "
        r"(?:now|rn|right now)\b",
        r"(?:swallowed|downed|took|taken) (?:everything|every pill|all of (?:them|it)|them all|it all)\b",
    )),
    # Swallowing a means: weighed later (quantity, purpose).
    # Someone at a high place: an act only with a sign of danger (a time, a cue, a weak signal).
    ("place", (
        r"(?:standing|sitting|is|are|were|at|on) (?:on|at) (?:the|a|this) " + _PLACE + _NOT_OUTING,
    )),
    ("ingest", (
        r"(?:took|take|takes|taking|taken|swallowed|swallow|swallowing|downed|drank|ate) "
        r"(?:[^ .!?,]+ ){0,4}?" + _PILLS + r"\b",
        r"(?:take|taking|took|swallow|swallowed|taken) (?:it|them) all\b",
    )),
    ("plan", (
        r"(?:have|has|got|made|making|with) a plan(?= ?(?:$|[.!,?;]|to (?:die|end|kill|do it|unalive)"
        r"|and\b|for (?:it|tonight|this weekend|tomorrow)\b))",
        r"(?:planned|figured out|worked out) (?:how|when|where|it all|everything)\b",
        r"(?:know|decided) (?:exactly |already )?(?:when|how|where)(?: and (?:when|how|where))? "
        r"(?:im|i am|ill|i will|to do it|its happening|i)\b",
        r"got everything i need\b",
        r"(?:planning|planned|plan|planning out|writing) (?:my|his|her|their) (?:own )?" + _SUI + r"e\b",
        r"(?:have|got) everything (?:ready|sorted|planned)\b(?! for)",
        r"(?:have|got) it all (?:planned|worked out|figured out)(?: out)?\b(?! for (?:the|my|our|a|your)\b)",
        r"(?:ive|i have|i) (?:picked|chosen|chose|set) (?:a |the )?(?:day|date|night)\b(?! (?:for|of))",
        r"(?:saved up|saving up|stockpiled|stockpiling|hoarded|hoarding|collected|collecting) (?:\w+ ){0,2}?"
        r"(?:pills|meds|tablets|painkillers)\b",
    )),
    ("final", (
        r"tonights? (?:is )?the night(?= ?(?:$|[.!?,;:…]|i (?:end|do|die|kill|leave|go)\b|"
        r"im (?:doing|ending|going|gone)\b|its happening))",
        r"(?:tonight is|this is|its) (?:my|the) last (?:night|day)\b",
        r"my last (?:night|day) (?:alive|on earth|here)\b",
        r"(?:tomorrow|today|tonight|friday|saturday|sunday|monday|tuesday|wednesday|thursday) (?:is|will be) "
        r"the (?:day|night)" + _END,
    )),
    ("intent_now", (
        r"(?:im|i am|gonna|going to|ready to|about to) (?:do|doing) it (?:tonight|today|tomorrow|now|rn|"
        r"this weekend)\b",
        r"(?:doing|do) it (?:tonight|today|tomorrow|this weekend)\b",
        r"(?:tonight|today|tomorrow|tmrw) (?:im|i am|i|ill|i will) (?:going to |gonna )?"
        r"(?:do it|doing it|end it)"
        + _END,
    )),
    # Active ideation with intent: the words for killing oneself.
    ("kill", (
        _KILL + r"(?:ing)? " + _SELF + r"(?! (?:laughing|in (?:minecraft|the game|game)))",
        r"kms\b(?!l)",
        r"un-?aliv(?:e|ing)\b(?! by)",
        r"ctb\b",
        r"end(?:ing)? (?:it all|my life|my own life|his life|her life|their life|everything|things)\b"
        r"(?! (?:with|between|off|for now|at work))",
        r"end(?:ing)? it\b(?! (?:with|between|here|there|for now|for today|early|off))",
        r"tak(?:e|ing) (?:my|his|her|their) (?:own )?life\b",
        r"hang(?:ing)? " + _SELF,
        r"(?:commit|comit|committing|commiting|attempt|attempting) " + _SUI + r"e\b" + _NOT_TOPIC,
        r"(?:want|wants|wanna|going|gonna|about|ready) to " + _SUI + r"e\b",
        r"(?:shoot|shooting|drown|drowning|poison|poisoning|off|offing|gas|gassing) " + _SELF,
        r"(?:going to|gonna|want to|wanna|will|plan to|planning to|thinking (?:about|of)) "
        r"(?:overdose|overdosing|od)\b",
        r"slit(?:ting)? my wrists?",
        r"(?:going to|gonna|about to|ready to|want to|wanna|im gonna|i will|ill) jump" + _END,
        r"(?:i|ill|i will|im going to|im gonna|gonna|going to) end (?:this|everything|it all)\b"
        r"(?! (?:call|meeting|conversation|convo|chat|game|stream|relationship|thread|discussion|"
        r"semester|week|day|year|friendship))",
        r"(?:what|something) i (?:might|could|would|will|may) do to " + _SELF,
        _SUI + r"e(?: [a-z]+){0,6}? (?:as )?(?:an|the|my|only) (?:option|answer|way out|solution)\b",
    )),
    # Active ideation as a state: suicidal, suicide thoughts.
    ("sui", (
        r"(?:thinking|think|thinks|thought|talks?|talking|considering|contemplating)(?: [a-z]+){0,3}? "
        r"(?:about |of )?" + _SUI + r"e\b" + _NOT_TOPIC,
        _SUI + r"e (?:is|seems|feels|looks) (?:like )?(?:the|my) only\b",
        _SUI + r"e (?:is )?(?:on my mind|all i think about)",
        _SUI + r"(?:e|al) (?:thoughts|ideation|urges|feelings)\b",
        _SUI + r"al\b",
        r"(?:imagining|imagine|planning|picturing|thinking about) my (?:own )?funeral\b",
        r"sewer ?slide\b",
    )),
    ("method", (
        r"(?:ways?|methods?|how) to (?:die|" + _KILL + r" (?:myself|my ?self)|end (?:my life|it)|not wake up|"
        r"unalive|commit)\b",
        r"painless (?:ways?|death|method)",
        r"how (?:id|i would|i could|ill|i will|im gonna|im going to) do it\b",
        r"thinking (?:about|of) how(?= ?(?:$|[.!?,]|i (?:would|could|might|will|d)\b|to (?:do it|die|end)))",
        r"how many (?:pills|tablets|mg)\b",
        r"(?:lethal|fatal|deadly) (?:dose|amount|overdose)\b",
        r"(?:reading|read|looking|looked|searching|searched|googling|googled|researching|researched) (?:up )?"
        r"(?:about )?(?:how|ways|methods?)(?: [a-z]+){0,3}? (?:overdose|od|die|kill themselves|kill myself|"
        r"end (?:their|my) li(?:fe|ves))\b",
        r"how (?:much|long|many) (?:[a-z]+ ){0,4}?(?:to|would|will|does it take to) "
        r"(?:die|kill|overdose|od)\b",
        r"how (?:high|tall|far) (?:does|do|would|is|should) (?:a|the|it) (?:bridge|building|fall|drop|jump)",
        r"(?:which|what) (?:pills|meds|method|way|dose)(?: [a-z]+){0,2}? (?:would|will|could|might) "
        r"(?:work|do it|kill|be enough)\b",
        r"jump(?:ing)? (?:off|from) (?:a|the|this|that) (?:bridge|roof|building|cliff|ledge)",
    )),
    ("goodbye", (
        r"this is (?:my )?goodbye\b",
        r"(?:wrote|written|writing|left|leaving) (?:everyone|my family|them|my parents|my kids|all of you) "
        r"(?:a )?(?:letters?|notes?)\b",
        r"(?:theyll|they will|someone will|youll) find "
        r"(?:them|the (?:note|letters?)|my (?:note|letters?)|me)\b",
        r"before i (?:go|leave)(?= ?(?:$|[.!?,;]))",
        r"(?:because|cause|cuz|its because|means) (?:im|i am|ill be|i will be) gone\b",
        r"(?:good ?bye|farewell) (?:cruel )?world\b",
        r"last time (?:you(?:ll| will)|anyone(?:ll| will)) (?:ever )?(?:hear from|see|talk to) me\b",
        r"(?:you(?:ll| will)|no one will|nobody will) never (?:hear from|see) me again\b",
        r"giving my (?:stuff|things|belongings|possessions) away\b",
        r"if (?:anyone|someone|you) (?:finds|find|reads|read|sees|see) this\b",
        r"(?:goodbye|bye) (?:forever|for good)\b",
        r"(?:say|saying|said) (?:my )?goodbyes? to (?:everyone|you all|all of you|yall)\b",
        r"(?:said|saying|say|made) my goodbyes\b",
        r"(?:in case|if) i (?:dont|do not|wont) (?:make it|wake up|survive|come back)(?= ?(?:$|[.!?,;]|i\b))",
        r"(?:im not going to|im not gonna|i wont|i will not) be (?:here|around|alive) "
        r"(?:after|by|anymore|any ?more|tomorrow|much longer)\b",
        r"(?:wanted|want) to say goodbye\b",
        r"(?:its|it has|has) been nice knowing (?:you|u|everyone|yall)",
        r"(?:this is|this will be|its) my last (?:message|post|text)\b",
        r"sorry for (?:everything|being (?:such |so much of )?a burden)\b"
        r"(?! (?:i|that|earlier|yesterday|last))",
        r"(?:wrote|written|writing|write|left|leaving|leave) (?:a |my |the )?(?:" + _SUI
        + r"e |goodbye )?(?:note|letters?)(?: (?:for|to) (?:my |the )?(?:family|mom|mum|parents|dad|"
        + r"sister|brother|kids|wife|husband|partner|friends|everyone|loved ones))",
        _SUI + r"e (?:note|letter)\b",
        r"goodbye (?:note|letter|message|post|video)\b(?! (?:to|for) (?:my |the |our )?(?:old |former )?"
        r"(?:job|team|boss|company|coworkers|colleagues|class|students|school|office|manager|clients|followers))",
        r"(?:please |pls |plz )?tell (?:my|them|him|her|everyone) (?:[a-z]+ ){0,2}?"
        r"(?:i love (?:her|him|them|you|u)|(?:that )?im sorry)\b",
        r"giving away (?:all )?my (?:stuff|things|belongings|possessions)",
        r"wont (?:need|be needing) (?:it|them|my \w+) (?:anymore|soon|much longer|where im going)",
        r"wont be around (?:after|much|for|anymore|soon|any ?more)",
        r"(?:i|ill) (?:wont|will not|will no longer) be (?:here|alive|around|in your way) "
        r"(?:anymore|any ?more|much longer|for long|by)\b",
    )),
    # Passive ideation: a wish to be dead.
    ("passive", (
        _WANT + r"(?: to)? (?:just |simply |really |kinda |honestly )?(?:die|dye|d1e|be dead)\b"
        r"(?! (?:for|of|from|laughing|if|when|trying))",
        r"(?:rather|better off|wish(?:es)? (?:i|he|she|they) (?:was|were)) (?:be )?dead\b",
        r"wish i (?:could|would) (?:just )?(?:die|be dead)\b",
        r"(?:envy|jealous of|jealous of all) (?:people|those|anyone|everyone)(?: who| that)? (?:get to )?"
        r"(?:die|died|are dead|dont wake up)\b",
        r"(?:should|might as well) (?:just )?(?:die|be dead)\b",
        r"(?:stop waking up|never wak(?:e|ing) up(?: again)?)\b",
        r"(?:want|wanna|wish i could|wish to|hope i|like to|just)(?: to)? (?:go to |fall )?(?:a)?sleep "
        r"forever\b",
        r"(?:dont|do not|cant|cannot) trust myself (?:right now|rn|tonight|anymore|any ?more|to stay safe)\b",
        r"better off (?:in the ground|in a grave|six feet under|not (?:here|existing|alive|born))\b",
        r"(?:six feet under|being dead|death|dying|not existing|not being alive|the void|eternal sleep) "
        r"(?:sounds|seems|feels|would be|looks) (?:so |really |kinda |pretty )?(?:nice|good|peaceful|better|"
        r"like a relief|appealing|tempting|easier|like rest|like peace|like freedom|restful|"
        r"like an escape)\b",
        r"done (?:with )?(?:life|living|being alive|existing)\b",
        r"(?:nothing|no one|nobody) (?:left )?to live for\b",
        r"(?:no|any) reason to (?:live|keep living|be alive|go on|stay)\b",
        r"cant go on(?: anymore| any ?more| any longer| living)?\b(?= ?(?:$|[.!?,;]|i\b|im\b))",
        r"cant go on like this (?:anymore|any ?more|any longer)\b",
        r"(?:hope|hoping|wish|pray|praying)(?: that)? i (?:just |really )?"
        r"(?:dont|do not|never|wont|will not|wouldnt|would not) wake up",
        r"(?:take me|die|pass away|go) in my sleep\b",
        r"(?:god|lord|the universe|death|someone) (?:would |will |could |to |just )?(?:just )?takes? me\b"
        r"(?! (?:to|home|out|with|there|back))",
        r"(?:sleep|asleep) and (?:never|not) wake up",
        r"tired of (?:being alive|living|life|existing)\b",
        r"(?:dont|do not|doesnt|no longer|dont really) (?:want|wanna|wish) (?:to )?(?:live|be alive|exist"
        r"|be here (?:anymore|any ?more|no more)|wake up)\b",
        r"not (?:be|being) alive\b",
        r"(?:want|wanna|wish|hope|prefer|rather|nice|better|easier) (?:to )?(?:just )?not "
        r"(?:wake up|exist|be here|be alive)\b",
        r"(?:wish|wishing|hope|hoping|pray|praying)(?: that)? (?:[a-z]+ ){1,3}?(?:would|will|could|might) "
        r"(?:just )?(?:hit|kill|run over|crash into) me\b",
        r"(?:whether|if) i live or die\b",
        r"disappear and never (?:come back|return|be seen again)\b",
        r"(?:dont|do not) deserve to (?:live|be alive|exist|be here)\b",
        r"(?:shouldnt|should not) (?:be alive|exist|have been born)\b",
        r"(?:stop|stopped) existing\b",
        r"(?:want|wanna|going|ready) to stop (?:living|existing|breathing)\b",
        r"(?:im|i am) (?:so |just )?over (?:living|life|being alive|existing)\b",
        r"why (?:am i|do i|should i) (?:still )?(?:alive|exist|keep living|bother living|even live)\b",
        r"why am i still here" + _END,
        r"(?:think|thinking|thought|dream|dreaming|fantasi[sz]e|fantasi[sz]ing) (?:about|of) "
        r"(?:dying|death|being dead|"
        r"not being here|not existing|my death)\b(?! (?:of|from|in (?:the|a) (?:game|movie|book|show)))",
        r"feel(?:ing)? like dying\b(?! (?:my|her|his|the|it|of|laughing))",
        r"(?:want|wanna|wish i (?:was|were|could be)) (?:to )?(?:just )?be gone"
        r"(?= ?(?:$|[.!?,;]| forever| for good))",
        r"(?:wish|want) (?:i |to )?(?:didnt|not|did not) exist\b",
        r"(?:wish|wishes|wishing) (?:i|he|she|they) (?:was|were|had) never (?:been )?born",
        r"wish i could (?:just )?(?:disappear|vanish|not exist)\b(?! (?:from|for|into|to|off|under|on))",
        r"disappear (?:forever|for good|permanently)\b",
        r"(?:isnt|not|no longer) worth living\b",
        r"life (?:is |s )?(?:not|isnt|no longer|aint) worth (?:it|living)\b",
        r"(?:point|reason) (?:of|in|to) (?:me )?(?:being alive|being here|existing|living|going on|life|"
        r"keep living|live)\b",
        r"(?:dont|do not|cant|cannot) (?:really |even |honestly )?see (?:a|any|the) "
        r"(?:future|way out|point)\b",
        r"(?:no|not any|isnt any|isnt a|not a) (?:point|reason) (?:of|in|to) (?:living|being alive|going on|"
        r"life|live|keep living|staying alive|existing)\b",
    )),
    ("indirect", (
        r"(?:better|fine|happier|easier|okay|ok|good|relieved|best)(?: [a-z]+){0,3}? without me\b",
        r"(?:theyd|they would|theyll|they will|everyone would|everyone will|everybody would|"
        r"my (?:family|kids|children|friends|parents) would)(?: all)? be "
        r"(?:so much |much |a lot |honestly |just )?better off\b"
        r"(?! (?:with|if (?:we|they|you)|at|in|going|using|doing))",
        r"if i (?:just )?(?:was|were) (?:gone|dead|not here|not around)\b",
        r"if i (?:just )?(?:died|disappeared|wasnt (?:here|around|alive|born)|werent (?:here|around|born))\b",
        r"(?:wasnt|werent|was never|had never been) born\b",
        r"(?:the world|anyone|everyone|nobody|no one|noone)(?: really)? "
        r"(?:doesnt|dont|wont|wouldnt|would not|will not|needs?|would) (?:need|miss|care about) me\b",
        r"(?:wont|will not) be (?:anyones|anybodys|everyones|your|a) (?:problem|burden)(?! for)",
        r"(?:being|im|i am|feel like|feel like im) (?:such |just |only )?a burden\b",
        r"(?:better|happier|easier|fine) (?:off )?if i (?:wasnt|werent|was not|wasnt|was|were|died|am) "
        r"(?:around|here|gone|dead|alive)?",
        r"wont be (?:a |your )?(?:problem|burden|bother) (?:much |for )?(?:longer|long|anymore)\b",
        r"(?:want|need|wish) (?:it all|everything|it|this|things|the pain|my life|life) to (?:stop|end) "
        r"(?:forever|for good|permanently)\b",
        r"(?:want|need|wish) (?:it|it all|everything|my life|life) to (?:end|stop|be over)" + _END,
        r"(?:want|wish) (?:it all|everything) to (?:end|be over)\b",
        r"(?:nobody|no one|noone|no1) (?:would|will|wud|gonna|is gonna)(?: even)? (?:miss me|(?:notice|care) "
        r"if i (?:died|disappeared|vanished|was gone|were gone|was dead|wasnt here|wasnt around|left forever"
        r"|disappeared forever))",
        r"(?:im|i am) (?:just )?a burden to (?:everyone|everybody|all|my)",
        r"(?:the )?burden of (?:me|my existence|having me)\b",
        r"(?:it|this|everything|it all)(?:ll| will) (?:all )?be over (?:soon|tonight|tomorrow)\b",
        r"soon (?:it|this|everything)(?:ll| will) (?:all )?be over\b",
    )),
    ("selfharm", (
        r"(?:cut|cutting|cuts|hurt|hurting|hurts|harm|harming|burn|burning|burned|burnt|hitting|scratching|"
        r"starving) " + _SELF + r"(?! (?:shaving|cooking|on|while|by accident|accidentally|at the gym))",
        r"(?:cutting|cut|sh|self ?harm(?:ing|ed)?) (?:again|relapse)\b",
        r"(?:burning|cutting|scratching|hitting|punching|hurting|carving|bruising) (?:my|his|her) "
        r"(?:skin|arms?|legs?|wrists?|thighs?|body|stomach)\b",
        r"(?:new|fresh) (?:scars|cuts|burns)\b",
        r"(?:scars|cuts|burns) (?:on my [a-z]+ )?(?:are|look) (?:new|fresh)\b",
        r"(?:started|start|been|keep|back to|relapsed on|relapse on|relapsed into|urge to) "
        r"(?:cutting|sh|self ?harming?|selfharming?)\b",
        r"(?:sh|self ?harm) urges?\b",
        r"relapsed? (?:and |on |into )?(?:cut\w*|sh|self ?harm\w*|hurt myself|hurting myself)\b",
        r"(?:urges?|want|wanna|need) to (?:cut|self ?harm|sh|burn myself)"
        r"(?= ?(?:$|[.!?,]|again|so|tonight|rn|is|are|really|badly))",
        r"scratching my (?:arms|skin|legs|wrists)",
        r"(?:until|till|til|untill) (?:it|i|they|my [a-z]+) (?:hurts?|bleeds?|bled|bleeding)\b",
        r"(?:covered in|hiding|hide|fresh|new|deep) (?:my |the )?(?:cuts|burns|self harm scars)\b",
    )),
    ("sh_topic", (r"self[ -]?harm(?:ing|ed|s)?\b(?! free)", r"selfharm(?:ing|ed)?\b(?! free)")),
    # Context: means and how they are held.
    ("means", (_PILLS + r"\b", r"the means\b", r"(?:rope|noose|gun|razor|blade|knife|" + _PLACE + r")\b")),
    ("ready", (
        r"(?:in front of me|next to me|lined up|in my hand|at hand|loaded|ready|(?:are|is) here|holding)\b",

    )),
    ("amount", (
        r"(?:all|each) (?:of )?(?:my|the|them|her|his|their|your)\b",
        r"enough (?:pills|meds|tablets)\b",
        r"(?:whole|entire|full) (?:bottle|pack|box|packet|strip)\b",
        r"(?:a )?(?:bunch|handful|lot) of\b",
        r"(?:too|so) many\b",
        r"[1-9]\d+(?= (?:pills?|tablets?|of (?:them|my|the)|ibuprofen|advil|tylenol|acetaminophen|"
        r"paracetamol|painkillers))",
    )),
    ("benign", (
        r"for (?:my|the|her|his|our|your|a|an|their) (?!(?:family|parents|mom|mum|dad|kids|sister|brother|"
        r"loved ones)\b)",
        r"(?:with|after|before) (?:food|breakfast|lunch|dinner|a meal|water|bed)\b",
        r"(?:doctor|doc|pharmacist|pharmacy|prescri\w*|as directed|vitamins?|headache|migraine|cramps|fever|"
        r"the car|winter|workout|forgot|forget|remember|remembered|remind\w*|refill\w*|so i can sleep|"
        r"to (?:help me )?sleep\b(?! forever| and))\b",
    )),
    ("intent", (
        r"(?:im|i am) (?:ready|done)\b(?! (?:with|for))",
        r"(?:its|it is) (?:happening|time|done)\b",
        r"going through with it\b",
        r"(?:going to|gonna|about to|will|ready to) take (?:them|it|all of them|them all)\b",
        r"(?:and |now )?(?:waiting|we wait|see what happens|what happens now)\b",
        r"(?:gonna|going to|will|about to|im|i am) (?:use|using) (?:it|them)\b",
        r"(?:this is it)\b",
    )),
    ("time", (
        r"(?:tonight|tonite|tmrw|tmr|tomorrow|today|right now|rn|this (?:weekend|week|morning|evening|"
        r"afternoon)|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|after (?:my|the) "
        r"(?:shift|exam|class|party)|in an hour|in a few hours)\b",
    )),
    # Context: how to read the cues.
    ("negfalse", (
        r"(?:not|no) (?:even )?(?:going to|gonna|gunna) (?:lie|pretend|kid)\w*",
        r"not (?:even )?(?:joking|kidding)\b",
        r"no (?:joke|kidding|cap|lie)\b",
        r"(?:im |i am )?not (?:okay|ok|fine|alright)\b",
        r"(?:cant|can not|cannot) (?:stop|help)\b",
    )),
    ("antijoke", (
        r"(?:no joke|not joking|not kidding|fr|for real|seriously|i mean it|srsly|deadass|no cap)\b",
    )),
    ("joke", (r"(?:lol+|lmao+|lmfao|rofl|ha(?:ha)+|hehe|jk|xd|jkjk)\b",)),
    ("hyper", (
        r"(?:makes?|made|making) me\b",
        r"if\b",
        r"for (?:saying|doing|forgetting|being so|eating|buying|missing|not|that|this)\b",
    )),
    # Grief: thinking about death after a loss is mourning, not a wish to die.
    ("grief", (
        r"(?:grief|grieving|bereave\w*|passed away|funeral|"
        r"since (?:my|her|his|our) [a-z]+ (?:died|passed))\b",
    )),
    # Self-reproach idioms, consumed here so the cue inside never fires.
    ("idiom", (
        r"could (?:just |honestly |literally |seriously )?" + _KILL
        + r" (?:myself|my ?self) (?:for|over|when)\b",
    )),
    # A celebration: "tonight's the night! concert time 🎉" is not a farewell.
    ("festive", (
        r"(?:concert|party|show|gig|game|match|date|finale|premiere|wedding|prom|birthday|celebrat\w*|excited|"
        r"cant wait|yay|woo+|lets go|so hyped)\b",
    )),
    ("music", (
        r"(?:songs?|lyrics?|chorus|verse|poem|poetry|quote|the line|a line|album|singing|sings|sang|"
        r"playlist|book|novel|villain|character|narrator|movie|film|episode|fanfic|"
        r"story i(?:m| am) writing)\b",
    )),
    ("news", (
        r"(?:article|study|studies|report|reports|research|researchers|documentary|podcast|lecture|course|"
        r"class|thesis|paper|statistics|stats|rates|prevention|awareness|hotline|crisis line|training|"
        r"walk|fundraiser|media|news|survey|campaign|covers|workshop|webinar|seminar|session|sign up|"
        r"conference|panel|how to (?:talk about|respond to)|literature|portray\w*|depict\w*|on tv|"
        r"thread about|representation|warning signs|recogni[sz]\w*|textbook|chapter|syllabus|module)\b",
    )),
    ("recovery", (
        _NUMWORDS + r" (?:years?|months?|weeks?|days?) (?:clean|free|sober)\b",
        r"(?:self[ -]?harm|selfharm|sh|cutting) free\b",
        r"clean from\b",
        r"(?:glad|happy|grateful) (?:that )?(?:im|i am) still here",
        r"(?:im|i am) (?:in )?(?:a )?(?:much )?(?:better|good) place",
        r"(?:im|i am) (?:doing )?(?:okay|ok|better|well|fine|good)(?: now)?\b",
        r"(?:therapy|treatment|meds|medication|help) (?:really )?helped",
        r"proud of (?:how far|myself|my progress)",
        r"survived\b",
        r"(?:things|life|it|everything) (?:is|are|got|has gotten|have gotten|feels?) "
        r"(?:so much |much |a lot |way )?better(?: now)?\b",
        r"(?:help|helps|helped) (?:run|out at|others)\b",
        r"(?:talk|speak) about it openly",
        r"volunteer\w*",
    )),
    ("pasttime", (
        r"(?:used to|back in|back then|years back|when i was|in (?:19|20)\d\d|a while back|long ago|ages ago|"
        r"a while ago|last (?:year|winter|summer|spring|fall|autumn|month|decade))\b",
        r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|several|many|some|couple of|"
        r"couple)(?: [a-z]+)? (?:years?|months?|decades?) ago\b",
    )),
    ("pastlead", (r"(?:tried to|attempted to|used to|i was|was|were)\b",)),
    ("recur", (
        r"(?:again|relapsed?|relapsing|still (?:want|feel|think|have)|lately|these days|anymore)\b",
    )),
    ("return", (
        r"(?:see (?:you|u|ya|yall)|cya|ttyl|talk (?:to you |to u )?(?:tomorrow|later|soon)|"
        r"back (?:on|in|next|tomorrow|soon|later)|off to bed|going to bed|holiday|vacation|trip|camping|"
        r"weekend|moving|"
        r"signing off|good ?night|gn|good morning)\b",
    )),
    ("weak", (
        r"(?:cant|cannot|can not) (?:do|take|handle) (?:this|it|any of this)(?: [a-z]+){0,2}? "
        r"(?:anymore|any ?more|any longer)\b",
        r"(?:im|i am) (?:so )?sorry\b(?! for)",
        r"(?:give|giving|gave) up on (?:everything|life|myself|living)\b",
        r"no way out\b",
        r"nothing (?:matters|will ever get better|ever gets better)\b",
        r"(?:im|i am) (?:so |just )?(?:done|finished)\b(?! with)",
        r"tired of (?:everything|it all|fighting|trying)\b",
        r"(?:so |completely |totally )?hopeless\b",
        r"waste of (?:space|oxygen|air|a life|life)\b",
        r"done with (?:everything|it all|all of it|all of this)\b",
        r"(?:please|pls|plz|someone|somebody) (?:please |just )?kill me\b(?! (?:now|lol|lmao))",
        r"kill me (?:please|pls|plz)\b",
        r"i cant do this" + _END,
        r"(?:want|need|wish) (?:it all|everything|it|this|things) to (?:stop|end)\b",
    )),
    ("bye", (
        r"(?:good ?bye|bye|farewell)(?: (?:everyone|every1|all|guys|yall|friends|world))?\b",
        r"(?:love|loved) (?:you|u) all\b",
        r"(?:thank you|thanks|thank u) (?:all )?for everything\b",
        r"(?:deleted|deleting) (?:all )?(?:my|his|her|their) (?:accounts|socials|profiles)\b",
    )),
    ("third", (
        r"my " + _RELATION + r"\b",
        r"(?:a|one|another|this) (?:friend|guy|girl|kid|member|student|classmate|coworker|person)\b",
        r"someone (?:i know|in|at|on|here)\b",
        r"(?:he|she|they|hes|shes|theyre) (?:said|says|told|keeps saying|texted|posted|wrote|just)\b",
        r"told me (?:that )?(?:he|she|they)\b",
    )),
    # Someone in general, not a person in danger: advice, training, questions about "people who".
    ("generic", (
        r"(?:if|when) (?:someone|somebody|a person|people|anyone|a friend|your friend|a loved one|they)\b",
        r"(?:people|anyone|those|someone|somebody|a person|person) (?:who|that)\b",
        r"help (?:a friend|someone|somebody|a person|people) (?:who|that)\b",
    )),
    ("game", (
        r"(?:minecraft|fortnite|roblox|respawn\w*|boss|level|lvl|games?|gaming|gg|creeper|grenade|among us|"
        r"elden ring|dark souls|the sims|my sim|quest|npc|mobs?|raid|dungeon|speedrun\w*|fall damage|"
        r"valorant|overwatch|apex|warzone|csgo|cs2|pubg|gta|zelda|mario|pokemon|ranked|lobby|spawn\w*|"
        r"(?:every|this|next|last) round|in game|ingame)\b",
    )),
    ("harmred", (
        r"(?:naloxone|narcan|test strips?|harm reduction|start low|never (?:use|take|mix)|"
        r"(?:no )?more than)\b",
    )),
    ("neg", (r"(?:not|dont|do not|doesnt|didnt|never|no|wont|isnt|arent|aint|nor)\b",)),
)


def _structure(p: str) -> list[tuple[int, str, int]]:
    """Each structural character of a pattern (``(``, ``)``, ``|``) with its index and the group
    depth after it; escapes and character classes are skipped. One walk serves both helpers."""
    found: list[tuple[int, str, int]] = []
    depth, j, in_class = 0, 0, False
    while j < len(p):
        c = p[j]
        if c == "\\":
            j += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[c]
            found.append((j, c, depth))
        j += 1
    return found


def _close(p: str, i: int) -> int:
    """Index of the ``)`` closing the group opened at ``p[i]``."""
    for j, c, depth in _structure(p[i:]):
        if c == ")" and depth == 0:
            return i + j
    raise ValueError(f"unbalanced pattern {p!r}")


def _split(body: str) -> list[str]:
    """The top-level alternatives of a group body."""
    cuts = [j for j, c, depth in _structure(body) if c == "|" and depth == 0]
    starts = [0, *(j + 1 for j in cuts)]
    ends = [*cuts, len(body)]
    return [body[a:b] for a, b in zip(starts, ends, strict=True)]


def _expand(p: str) -> list[str]:
    """Unfold a leading ``(?:a|b)`` group so every alternative starts with a literal character."""
    if not p.startswith("(?:"):
        return [p]
    j = _close(p, 0)
    body, rest = p[3:j], p[j + 1 :]
    if rest[:1] in ("*", "+", "{"):
        return [p]
    optional = rest[:1] == "?"
    rest = rest[1:] if optional else rest
    out = [q for alt in _split(body) for q in _expand(alt + rest)]
    return out + (_expand(rest) if optional and rest else [])


_TRIE_DEPTH: Final = 4
_QUANTIFIERS: Final = ("?", "*", "+", "{")


def _trie(items: list[tuple[str, str]], depth: int = 0) -> str:
    """An alternation of ``(phrase, group)`` items, factored on their leading literal characters.

    Items that share a first literal character go under one branch (recursively, a few levels deep);
    the others keep their place after the branches. Two phrases with different first characters can
    never match at the same place, so regrouping them changes no result; within a branch the written
    order is kept, and a phrase that is a prefix of a longer one is tried after it.
    """
    buckets: dict[str, list[tuple[str, str]]] = {}
    rest_items: list[str] = []
    for phrase, group in items:
        first, rest = phrase[:1], phrase[1:]
        if depth < _TRIE_DEPTH and (first.isalnum() or first == " ") and not rest.startswith(_QUANTIFIERS):
            buckets.setdefault(first, []).append((rest, group))
        else:
            rest_items.append(f"{phrase}(?P<{group}>)")
    branches = []
    for char, sub in buckets.items():
        if len(sub) == 1:
            branches.append(f"{re.escape(char)}{sub[0][0]}(?P<{sub[0][1]}>)")
        else:
            branches.append(f"{re.escape(char)}(?:{_trie(sub, depth + 1)})")
    return "|".join(branches + rest_items)


_TRIGGERS_OF: Final = ("means", "place", "weak", "bye")
"""Besides the cues, the groups that can make a message worth deciding about (see :func:`scan`)."""


def _compile() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """Build the scanning regexes: a trie of literal-first phrases, each naming its group at its end,
    and the few single-character markers (emoji, a quotation mark).

    CPython's regex engine skips an alternative in one comparison when it starts with a literal, but
    enters every alternative that starts with a group. So each phrase carries its name in an EMPTY
    group at its _END, and phrases are factored on their first letters (:func:`_trie`): at a word
    start the engine compares ~30 first letters and walks down one short branch. That is what keeps
    an ordinary message at ~10 µs instead of hundreds.

    The markers are a regex of their own, run only when the text can hold one (a quotation mark,
    or any non-ASCII character): in one alternation with the phrases, the engine tried them at
    every position of every message, which cost about a third of the scan. Neither kind can match
    where the other starts, so running them apart finds the same matches, once a marker inside a
    phrase's match is dropped (one pass would have stepped over it).

    The third regex holds only the phrases that can make a message worth deciding about (the cues
    and :data:`_TRIGGERS_OF`): most messages match none of them, and it says so in a fraction of
    the time (see :func:`scan`).
    """
    items: list[tuple[str, str]] = []
    triggers: list[tuple[str, str]] = []
    kind_of: dict[str, str] = {}
    for name, alts in _GROUPS:
        for n, phrase in enumerate(q for alt in alts for q in _expand(alt)):
            group = f"{name}__{n}"
            kind_of[group] = name
            items.append((phrase, group))
            if name in _CUE_KINDS or name in _TRIGGERS_OF:
                triggers.append((phrase, group))
    extras = []
    for name, phrase in (
        ("pill_emoji", "💊+"),
        ("joke_emoji", "[😂🤣💀😅😆]+"),
        ("music_emoji", "[🎵🎶🎤🎧]+"),
        ("festive_emoji", "[🎉🥳🎊🎂]+"),
        ("quote", '"'),
    ):
        kind_of[name] = name
        extras.append(f"{phrase}(?P<{name}>)")
    return (re.compile(r"\b(?:" + _trie(items) + ")"), re.compile("|".join(extras)),
            re.compile(r"\b(?:" + _trie(triggers) + ")"), kind_of)


_NORMALISE: Final = str.maketrans({
    "\u2019": None, "\u2018": None, "\u02bc": None, "'": None, "`": None,
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
})

# Who a cue is about: the cue's own words first, then the nearest pronoun before it.
_PERSON: Final = re.compile(
    r"\b(?:(?P<third>my " + _RELATION + r"|he|she|they|hes|shes|theyre|theyd|hed|shed|him|her|them|"
    + r"himself|herself|themselves|themself)|(?P<second>you|u|ur|youre|yourself)|"
    + r"(?P<first>i|im|ive|id|ill|me|myself))\b"
)
_CLAUSE_BREAK: Final = re.compile(r"[.!?;,]| but | and then | because ")
_INTENT: Final = re.compile(
    r"\b(?:going to|gonna|gunna|will|ill|about to|ready to|planning to|plan to|decided to|doing)\b[^.!?]*$"
)
_NOW: Final = re.compile(r"\b(?:now|rn|right now|tonight|at the moment)\b")
_ROUTINE: Final = re.compile(r"\b(?:my|your|his|her|their|our|a|one|two|2|1|\d+ ?mg)\b")
_SENTENCE_END: Final = re.compile(r"[.!?]")
_OWN_THIRD: Final = re.compile(r"\b(?:himself|herself|themselves|themself|(?:he|she|they) (?:was|were))\b")
_OWN_FIRST: Final = re.compile(r"\b(?:myself|my ?self|myslef|meself|me|i|im|my (?:life|own|last))\b")
_AMOUNT: Final = re.compile(
    r"\b(?:(?:all|each) (?:of )?(?:my|the|them|her|his|their|your)|enough "
    r"|(?:whole|entire|full) (?:bottle|pack|box|packet|strip)"
    r"|(?:a )?(?:bunch|handful|lot) of|(?:too|so) many|[1-9]\d+ (?!mg))|all$"
)

_CUE_KINDS: Final[dict[str, str]] = {
    "act": "act", "plan": "plan", "final": "timeframe", "intent_now": "timeframe", "kill": "ideation",
    "sui": "ideation", "method": "method", "goodbye": "goodbye", "passive": "ideation",
    "indirect": "indirect", "selfharm": "self_harm", "sh_topic": "self_harm", "ingest": "act",
}
_CUE_TIER: Final[dict[str, Tier]] = {
    "act": "imminent", "plan": "imminent", "final": "imminent", "intent_now": "imminent",
    "kill": "active", "sui": "active", "method": "active", "goodbye": "active",
    "passive": "passive", "indirect": "passive", "selfharm": "passive", "sh_topic": "passive",
    "ingest": "imminent",
}
_HYPERBOLE_CUES: Final = frozenset({"kill", "passive", "method", "indirect"})
_TOPIC_CUES: Final = frozenset({"sh_topic", "sui"})

_SCAN, _MARKERS, _TRIGGERS, _KIND_OF = _compile()
_NEG_WINDOW: Final = 30
_MAX_CUES: Final = 64  # a real message has a handful; hostile input must not cost cues x markers
_MAX_MATCHES: Final = 12  # enough to explain; the same cue repeated is reported once
_CLAUSE_OPENERS: Final = ("because", "cause", "cuz", "its because", "if ")
_PERSON_WINDOW: Final = 24


def normalise(text: str) -> str:
    """Lowercase, straight quotes, no apostrophes, single spaces: the form every pattern is written in."""
    t = text[:MAX_CHARS].lower()
    t = t.replace("'", "").replace("`", "") if t.isascii() else t.translate(_NORMALISE)
    return " ".join(t.split())


def scan(text: str) -> Detection:
    """Decide whether one chat message is crisis language, and which tier; pure and fast."""
    t = normalise(text)
    if t.isascii() and _TRIGGERS.search(t) is None:
        # No cue and no trigger anywhere (and no emoji: ASCII), so the full pass below could only
        # end at its early return: say so at once. A phrase matches where it matches whatever
        # else the regex holds, so this never turns away a message the full pass would keep.
        return NO_CRISIS
    cues: list[tuple[str, int, int]] = []
    found: dict[str, list[tuple[int, int]]] = {}
    kind_of, cue_kinds = _KIND_OF, _CUE_KINDS
    spans: list[tuple[int, int]] = []
    for m in _SCAN.finditer(t):
        name = kind_of[m.lastgroup or ""]
        span = m.span()
        spans.append(span)
        if name in cue_kinds:
            cues.append((name, *span))
        elif name in found:
            found[name].append(span)
        else:
            found[name] = [span]
    if '"' in t or not t.isascii():
        _markers(t, spans, found)
    if not cues and not (
        "means" in found or "pill_emoji" in found or "place" in found or "weak" in found or "bye" in found
    ):
        return NO_CRISIS
    return _decide(t, cues, found)


def _markers(t: str, spans: list[tuple[int, int]], found: dict[str, list[tuple[int, int]]]) -> None:
    """Add the emoji and quotation marks outside the phrases already found (each marker kind is a
    group of its own, so its list stays in text order)."""
    for m in _MARKERS.finditer(t):
        s = m.start()
        if any(a <= s < b for a, b in spans):
            continue
        found.setdefault(_KIND_OF[m.lastgroup or ""], []).append(m.span())


def _decide(t: str, cues: list[tuple[str, int, int]], found: dict[str, list[tuple[int, int]]]) -> Detection:
    """Weigh the cues against their context; split out of :func:`scan` so the common case stays tiny."""
    has = found.__contains__
    music = has("music") or has("music_emoji")
    serious = has("antijoke") or any(
        w in t[s:e] for s, e in found.get("negfalse", ()) for w in ("jok", "kid", "cap")
    )
    joking = (has("joke") or has("joke_emoji")) and not serious
    recur = has("recur") or any(w in t[s:e] for _, s, e in cues for w in ("again", "relapse", "still"))
    recovered = (has("recovery") or has("pasttime")) and not recur
    third_marker = has("third")
    quotes = found.get("quote", ())
    past_leads = found.get("pastlead", []) + found.get("pasttime", [])

    kept: list[tuple[str, int, int, str]] = []  # (group, start, end, person)
    for name, s, e in cues[:_MAX_CUES]:
        inside_quotes = bool(quotes) and sum(1 for q, _ in quotes if q < s) % 2 == 1
        if inside_quotes and music:
            continue  # lyrics, poems, fiction
        if _negated(t, s, found.get("neg", ())):
            continue
        if recovered and (has("recovery") or _preceded_by(t, s, past_leads, 4)):
            continue  # a recovery story told in the past tense
        person = "third" if inside_quotes else _person(t, s, e)
        if person == "second":
            continue
        if music and person != "first":
            continue
        if has("generic") and (person != "first" or _preceded_by(t, s, found["generic"], 3)):
            continue  # "when someone says they feel suicidal, listen", "help a friend who self harms"
        if name in _TOPIC_CUES and has("news") and person != "first":
            continue
        if name in _HYPERBOLE_CUES and joking and _hyperbole(t, s, e, found.get("hyper", ())):
            continue
        if name == "ingest" and not _ingest_is_act(t, s, e, found):
            continue
        if name == "passive" and has("grief") and t.startswith(("think", "thought", "dream"), s):
            continue
        if name in ("final", "plan") and (has("festive") or has("festive_emoji")):
            continue
        if name == "goodbye" and has("return"):
            continue
        if has("game") and name in ("kill", "passive", "method") and person != "third" and not recur:
            continue
        kept.append((name, s, e, person))

    # "standing on the bridge" is an act only beside a sign of danger; "taking pics" never is.
    place = found.get("place")
    if place and not recovered and not music:
        s, e = place[0]
        danger = bool(kept) or has("weak") or has("intent") or _NOW.search(t) is not None
        person = _person(t, s, e)
        if danger and person != "second" and not _negated(t, s, found.get("neg", ())):
            kept.append(("act", s, e, person))

    matches: list[Match] = []
    tier: Tier = "none"
    for name, s, e, _ in kept:
        kind = _CUE_KINDS[name]
        cue_tier = _CUE_TIER[name]
        if name == "kill" and (has("final") or (has("time") and _intends(t, s, e))):
            cue_tier = "imminent"  # "going to kill myself tonight"
        elif name == "goodbye" and has("time") and "be " in t[s:e]:
            cue_tier = "imminent"  # "by tomorrow I won't be here anymore"
        matches.append(Match(kind, t[s:e]))
        if TIER_ORDER[cue_tier] > TIER_ORDER[tier]:
            tier = cue_tier

    # A plain goodbye ("bye everyone", "love you all") counts only beside another cue.
    if kept and has("bye") and not has("return"):
        s, e = found["bye"][0]
        matches.append(Match("goodbye", t[s:e]))
        if TIER_ORDER[tier] < TIER_ORDER["active"]:
            tier = "active"

    # Weak signals ("I can't do this anymore", "I'm sorry", a plain goodbye) count when two
    # different ones meet: "I'm done with everything. goodbye", "goodbye all, thank you for everything".
    byes = [] if has("return") else found.get("bye", [])
    weak = found.get("weak", []) + byes
    if not kept and len({t[s:e] for s, e in weak}) >= 2 and not recovered and not joking:
        s, e = weak[0]
        matches.append(Match("goodbye" if byes else "indirect", t[s:e]))
        tier = "active" if byes else "passive"
        kept.append(("weak", s, e, _person(t, s, e)))

    means_tier = _means(t, found, kept, recovered)
    if means_tier is not None:
        matches.append(means_tier)
        tier = "imminent"

    if tier == "none":
        return NO_CRISIS
    matches = list(dict.fromkeys(matches))[:_MAX_MATCHES]
    persons = {p for *_, p in kept}
    third_party = "first" not in persons and ("third" in persons or third_marker)
    return Detection(crisis=True, tier=tier, third_party=third_party, matches=tuple(matches))


def _negated(t: str, start: int, negs: list[tuple[int, int]] | tuple[()]) -> bool:
    """True when a negation stands at most two words before the cue, in the same clause."""
    if t.startswith(_CLAUSE_OPENERS, start):
        return False  # "if I don't reply tomorrow it's because I'm gone": a new clause
    for _, ne in negs:
        if ne > start or start - ne > _NEG_WINDOW:
            continue
        between = t[ne:start]
        if not _CLAUSE_BREAK.search(between) and between.count(" ") <= 3:
            return True
    return False


def _preceded_by(t: str, start: int, spans: list[tuple[int, int]] | tuple[()], words: int) -> bool:
    """True when one of ``spans`` ends at most ``words`` words before ``start``, in the same clause."""
    for _, se in spans:
        if se <= start and start - se <= 40:
            between = t[se:start]
            if between.count(" ") <= words and not _CLAUSE_BREAK.search(between):
                return True
    return False


def _person(t: str, s: int, e: int) -> str:
    """``first``, ``second``, ``third`` or ``neutral``: who the cue is about.

    The cue's own words decide first ("kill himself", "me"); otherwise the nearest pronoun before it
    in the same clause ("she said she wants to end it"); otherwise nobody is named (``neutral``).
    """
    own = t[s:e]
    if _OWN_THIRD.search(own):
        return "third"
    if _OWN_FIRST.search(own):
        return "first"
    window = t[max(0, s - _PERSON_WINDOW) : s]
    brk = max(window.rfind("."), window.rfind("!"), window.rfind("?"), window.rfind(";"), window.rfind(","))
    before = _PERSON.findall(window, brk + 1)
    if before:
        third, second, _ = before[-1]
        return "third" if third else "second" if second else "first"
    return "neutral"


def _intends(t: str, s: int, e: int) -> bool:
    """An act announced ("going to", "ready to", "ending it", "kms") rather than a thought."""
    cue = t[s:e]
    return (
        cue.startswith(("ending", "kms", "what i", "something i", "i end", "ill end", "i will end"))
        or _INTENT.search(t, max(0, s - 22), s) is not None
    )


def _hyperbole(t: str, start: int, end: int, hypers: list[tuple[int, int]] | tuple[()]) -> bool:
    """A trivial cause ("makes me", "if ...") in the same sentence as the cue: joking hyperbole."""
    for hs, he in hypers:
        if he <= start and start - he <= 80 and not _SENTENCE_END.search(t, he, start):
            return True
        if end <= hs and hs - end <= 40 and not _SENTENCE_END.search(t, end, hs):
            return True
    return False


def _ingest_is_act(t: str, s: int, e: int, found: dict[str, list[tuple[int, int]]]) -> bool:
    """Taking a means is an act when in quantity, or with nothing benign said about it."""
    if "harmred" in found:
        return False
    span = t[s:e]
    quantity = _AMOUNT.search(span) is not None or _AMOUNT.match(t[e : e + 14]) is not None
    if quantity:
        return True
    if "benign" in found:
        return False
    if any(w in span for w in ("swallow", "downed", "antifreeze", "bleach")):
        return True
    # "took my meds today" is a routine; "she's taking pills tonight" (no owner, no dose) is not.
    routine = _ROUTINE.search(span) is not None
    return "intent" in found or "ready" in found or ("time" in found and not routine)


def _means(
    t: str, found: dict[str, list[tuple[int, int]]], kept: list[tuple[str, int, int, str]], recovered: bool
) -> Match | None:
    """Means at hand with intent, ready, or in quantity: the imminent signal (CTL: means words)."""
    spans = found.get("means", []) + found.get("pill_emoji", [])
    if not spans or recovered or "harmred" in found:
        return None
    s, e = spans[0]
    intent = any(name not in ("method", "ingest") for name, *_ in kept) or "intent" in found
    bye = "bye" in found and "return" not in found
    emoji_many = any(ee - es >= 2 for es, ee in found.get("pill_emoji", ()))
    benign = "benign" in found and "amount" not in found
    if benign:
        return None
    ready = "ready" in found
    timed = "time" in found and ("amount" in found or emoji_many)
    if intent or bye or ready or timed:
        return Match("means", t[s:e])
    return None
