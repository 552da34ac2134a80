"""Events found in one article: sentences and clauses -> dated, placed, attributed drafts.

How a sentence becomes (part of) an event:
- A sentence or clause with a time expression that dates a happening is an event draft:
  its date (with precision and span end) comes from the expression, its excerpt is the
  sentence (or the clause, when one sentence dates several happenings).
- Inside a paragraph, the sentences after a dated one continue its story. A continuation
  with a new named actor doing something ("... and the Prosecutor's Office launched its own
  inquiry") is a new event on the same date; one that elaborates (quotes, pronoun subjects,
  the same people, "two days later") adds its excerpt to the dated event instead.
- "After/Following <something already told>, ..." is dated by the event it refers back to.
- Other sentences are kept as support only: they may add a citation to an event the
  briefing already holds (another outlet's report of it), never create one.
Dates that only name an earlier happening inside a noun phrase ("the videos leaked in
October") are references, not new events; plans (future dates) are not events.

Summaries are built from the sentence itself, trimmed: the leading date phrase goes, a name
the page dropped or a leading pronoun is filled in from the article, and long sentences are
cut at a clause boundary. Excerpts are always verbatim slices of the text.
"""

from __future__ import annotations

import inspect
import re
import types
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ingest.attribution import attribute, disclaims
from ingest.clean import clean
from ingest.dates import MONTH, TimeContext, TimeExpr, advance, find_times, in_future
from ingest.patterns import by_first_letter
from ingest.people import PeopleIndex, Person
from ingest.places import PlaceMention, canonical_region, find_places, region_ref
from ingest.sentences import PAST_VERB, Span, split_clauses, split_sentences
from ingest.summaries import Speakers, shorten, summarize
from ingest.world import within_article
from store.models import NewEvent, PersonRef, PlaceRef

# Longer "sentences" are lists, tables or garbage, not prose: they are not read for events
# (and reading them would cost time that grows with the square of their length).
MAX_SENTENCE = 1000
RECENT = 200  # drafts looked back at for "the same day" and "after <something told>"
BACKGROUND_YEARS = 5  # older than this before publication: context, not news

STOPWORDS = set(
    """
    a an the and or but of in on at to from for with by as is are was were be been being
    has have had it its this that these those he she they them his her their we our you
    i not no also after before than then there here which who whom whose what when where
    while will would could should may might can must do does did said says told say
    about into over under more most very just only so such other some any all each both
    one two three own according reported reports report since until during per via out
    up down off again further once new
    """.split()  # noqa: SIM905
)
SPEECH = re.compile(
    r"^(?:said|says|say|told|tells|tell|added|adds|noted|notes|stressed|emphasi[sz]ed|underscored|"
    r"wrote|writes|claimed|claims|maintained|maintains|insisted|argued|explained|stated|"
    r"reported|reports)$"
)
STATIVE = re.compile(
    r"^(?:is|are|was|were|be|been|has|have|had|seems|seemed|appears|appeared|remains|remained|remain|"
    r"shows|showed|knows|knew|wants|wanted|hopes|hoped|lives|lived|resides|ranks|ranked|"
    r"contains|includes|belongs|looks|looked|feels|felt|means|meant|did|does|do|believes|"
    r"believed|thinks|thought)$"
)
MODAL = re.compile(
    r"\b(?:will|would|may|might|could|should|must|shall|plans?\s+to|planning\s+to|going\s+to|"
    r"intends?\s+to|promised\s+to|vowed\s+to|hopes?\s+to|expects?\s+to)\b"
)
PAST = re.compile(rf"^{PAST_VERB}$")
QUOTE_START = re.compile(r"^\s*(?:[“\"‘«]|[–—-]\s)")
DEMONSTRATIVE_QUOTE = re.compile(r"^\s*[“\"‘«]\s*(?:This|These|That|Those|It|Such)\b")
ANAPHORIC_SUBJECT = re.compile(
    r"^(?:the|this|these|that|those|its|their|it|they|such|most|some|many|all|both|several|"
    r"few|none|others|each|one|two|three)\b(?:\s+(?:(?-i:[a-z])[\w’'-]*))?",
    re.I,
)
# An institution acting is news even when written in lower case ("the regional prison
# service responded ...").
# "(?=[...])" first: the characters a match can start with, so that the regex engine passes
# over the other places of a text quickly (no match changes).
INSTITUTION = re.compile(
    r"(?=[somcpgiadk])\b(?:service|office|ministry|court|police|committee|government|prosecutors?|"
    r"investigators|authorities|agency|department|administration|council|parliament|"
    r"commission|army|military|kremlin)\b",
    re.I,
)
PERSON_NOUN = re.compile(r"^(?:\w+(?:er|or|ist|man|woman|men|women|person|people)s?)$")
REFERENCE_AFTER = re.compile(r"^\s*(?:After|Following|Since|In the wake of|In response to)\s+")
ORG_REFERENT = re.compile(
    r"\b(?:[Tt]he|[Aa]n?)\s+((?:[\w’'-]+\s+){0,3}(?:group|organi[sz]ation|project|NGO|"
    r"movement|foundation|initiative|network|charity))\b"
)
# The nouns ORG_REFERENT cannot match without.
ORG_NOUNS = (
    "group",
    "organi",
    "project",
    "NGO",
    "movement",
    "foundation",
    "initiative",
    "network",
    "charity",
)
# A reaction to a happening, not a happening an editor would list: declining to comment,
# denying, labelling it with a quoted word. It supports the event it reacts to.
REACTION = re.compile(
    r"^[^,;:]{0,80}?\b(?:(?:declined|refused|declines|refuses)\s+to\s+comment"
    r"|(?:did|does|has|have)\s+not\s+(?:respond|reply|comment)"
    r"|(?:denies|denied|deny|rejects|rejected)\s+(?:the\s+|all\s+|any\s+|that\b|wrongdoing|"
    r"having\b|involvement|(?:the\s+)?(?:accusations?|allegations?|charges?|claims?))"
    r"|(?:called|calls|branded|brands|described|describes|dismissed|dismisses)\s+"
    r"(?:[\w’'-]+\s+){0,8}?(?:as\s+)?(?:[“\"‘«]|politically motivated\b|a provocation\b|"
    r"fabricated\b|absurd\b|unfounded\b|a sham\b))"
    # A press office confirming what was told ("the court's press service confirmed the
    # sentence") adds a source, not a happening.
    r"|^[^,;:]{0,60}?\b(?:press service|press office|press secretary|spokes(?:man|woman|person))"
    r"\s+(?:\w+\s+){0,2}?confirmed\s+(?:the|this|it|reports?)\b"
    # An announced appeal answers the ruling just told; the appeal itself is news later.
    r"|^[^;:.]{0,100}?\b(?:said|says|announced)\s+(?:that\s+)?(?:he|she|they|it|the\s+\w+)\s+"
    r"(?:would|will|planned\s+to|plans\s+to|intends\s+to|intended\s+to)\s+appeal\b",
    re.I,
)
# Words REACTION cannot match without (one in each of its branches), looked for first: most
# sentences have none, and this search is quicker than REACTION's.
REACTION_WORD = re.compile(  # asked only whether a sentence has one
    by_first_letter(
        [
            *("comment", "respond", "reply", "deni", "deny", "reject", "call", "brand"),
            *("describ", "dismiss", "confirmed", "appeal"),
        ],
        words=False,
    ),
    re.I,
)
# "Nobody was charged", "No one was hurt": what did not happen details the event before it.
NEGATIVE_SUBJECT = re.compile(r"^(?:Nobody|No one|No-one|None of|Nothing)\b")
# The toll or the rescue of a happening just told is a detail of it, not a happening of its
# own: "Eleven people died", "Two colleagues travelling with him were injured", "Rescuers
# pulled 82 people from the water".
TOLL = re.compile(
    r"^(?:(?:At least|More than|Some|About|Another|All)\s+)?(?:\d[\d,]*|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|eleven|twelve|dozens|hundreds|thousands|several|many)\b"
    r"[^,;:]{0,60}?\b(?:died|were killed|was killed|were injured|was injured|were hurt|"
    r"was hurt|were wounded|was wounded|were rescued|survived|are missing|were missing)\b"
    r"|^(?:Rescuers|Firefighters|Divers|Medics|Doctors|Paramedics)\s+(?:pulled|rescued|"
    r"evacuated|treated|saved)\b[^,;:]{0,40}?\b(?:\d[\d,]*|dozens|hundreds)\b",
    re.I,
)
GRAPHIC_TERMS = {
    r"\brap(?:e|ed|es|ing|ist)\b": 2,
    r"\bsexual(?:ly)?\s+(?:violence|abus\w*|assault\w*)": 2,
    r"\bsodomi\w*": 2,
    r"\bnaked\b": 2,
    r"\bgenital\w*": 2,
    r"\bmutilat\w*": 2,
    r"\bdecapitat\w*|\bdismember\w*|\bbehead\w*": 2,
    r"\b(?:tied|bound|strapped|chained|handcuffed)\s+(?:to|and)\b": 2,
    r"\b(?:with|using)\s+(?:a|an|the)\s+(?:\w+\s+){0,2}(?:object|stick|baton|bottle|pipe)\b": 1,
    r"\bhowl\w*|\bscream\w*|\bin\s+pain\b|\bbleed\w*|\bblood\w*": 1,
    r"\bbeat(?:en|ing|s)?\b|\btortur\w*|\bstab\w*|\bstrangl\w*|\bcorpses?\b": 1,
}
GRAPHIC_THRESHOLD = 5
GRAPHIC_PATTERNS = [(re.compile(term, re.I), weight) for term, weight in GRAPHIC_TERMS.items()]
# The lightest terms together stay under the threshold, so a graphic excerpt has one of the
# heavier ones: a single search for any of them clears most excerpts.
LIGHT_WEIGHT = min(GRAPHIC_TERMS.values())
if sum(w for w in GRAPHIC_TERMS.values() if w == LIGHT_WEIGHT) >= GRAPHIC_THRESHOLD:
    raise ValueError("the graphic terms' heavier-term shortcut no longer holds")
# "(?=[...])" first: the letters the heavier terms start with, so that the regex engine
# passes over the other places of an excerpt quickly (no match changes).
HEAVY_GRAPHIC = re.compile(
    "(?=[rsngmdbtch])(?:"
    + "|".join(f"(?:{term})" for term, weight in GRAPHIC_TERMS.items() if weight > LIGHT_WEIGHT)
    + ")",
    re.I,
)


@dataclass
class Draft:
    """An event as one article tells it. `date` None means support only: it may add a
    citation to an event the briefing already holds, never create one."""

    date: str | None
    end: str | None
    summary: str
    text: str  # the clause the draft rests on, for comparing with other reports
    paragraph: int
    status: str = "reported"
    attribution: str | None = None
    places: list[PlaceRef] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    citations: list[tuple[int, int]] = field(default_factory=list)
    graphic: bool = False
    lede: bool = False  # dated only by publication, from an undated first sentence
    # Its places are the story's or the paragraph's region, not named where it is told: a
    # sentence going on to say where it happened names them better.
    placed_by_context: bool = False

    @property
    def support_only(self) -> bool:
        return self.date is None

    def to_new_event(self, published: str | None = None) -> NewEvent:
        people = _unique_refs([p.ref for p in self.people])
        return NewEvent(
            date=self.date or published or "",
            end=self.end,
            summary=self.summary,
            status=self.status,
            attribution=self.attribution,
            graphic=self.graphic,
            places=tuple(_unique_places(self.places)),
            people=tuple(people),
            citations=tuple(dict.fromkeys(self.citations)),
        )


def _unique_places(places: list[PlaceRef]) -> list[PlaceRef]:
    seen: dict[str, PlaceRef] = {}
    for place in places:
        seen.setdefault(place.name, place)
    return list(seen.values())


def _unique_refs(refs: list[PersonRef]) -> list[PersonRef]:
    seen: dict[str, PersonRef] = {}
    for ref in refs:
        seen.setdefault(ref.name, ref)
    return list(seen.values())


# --- words and similarity ---------------------------------------------------------------


@lru_cache(maxsize=65536)  # merging stems every excerpt's words again: news repeats them
def stem(word: str) -> str:
    """A crude English stem: enough to meet "launched"/"launching", "videos"/"video"."""
    w = word.casefold().strip("’'")
    for suffix in ("ings", "ing", "edly", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


# Common news synonyms folded together, so that two outlets' wording of one happening meet.
SYNONYMS = {
    "dismiss": "fir",
    "sack": "fir",
    "oust": "fir",
    "leadership": "head",
    "chief": "head",
    "director": "head",
    "commander": "head",
    "employe": "staff",
    "employee": "staff",
    "worker": "staff",
    "personnel": "staff",
    "probe": "investigation",
    "inquiry": "investigation",
    "investigat": "investigation",
    "footage": "video",
    "recording": "video",
    "clip": "video",
    "tape": "video",
    "release": "publish",
    "releas": "publish",
    "post": "publish",
    "killed": "die",
    "dead": "die",
    "died": "die",
    "death": "die",
    "arrest": "detain",
    "rally": "protest",
    "rallied": "protest",
    "ralli": "protest",
    "collaps": "fail",
    "collapse": "fail",
    "burst": "fail",
    "breach": "fail",
    "breached": "fail",
    "fail": "fail",
    "failed": "fail",
    "demonstrat": "protest",
    "demonstration": "protest",
    "protester": "protest",
    "picket": "protest",
    "march": "protest",
    "marched": "protest",
    "detention": "detain",
}


CONTENT_WORD = re.compile(r"[A-Za-z][\w’'-]*|\d+(?:\.\d+)?")


@lru_cache(maxsize=4096)  # a draft's words are compared with each later clause's
def content_words(text: str) -> frozenset[str]:
    terms = set(map(_term, CONTENT_WORD.findall(text)))
    terms.discard("")
    return frozenset(terms)


@lru_cache(maxsize=65536)  # a text's words are mostly ones seen before: one lookup each
def _term(word: str) -> str:
    """What a word counts as among content words: its stem, or its synonyms' common one;
    "" for a function word or one too short to tell anything."""
    if word.casefold() in STOPWORDS or len(word) <= 2:
        return ""
    stemmed = stem(word)
    return SYNONYMS.get(stemmed, stemmed)


def content_word_rules() -> str:
    """Everything `content_words` depends on, as text: the code and data that compute a
    text's words (for a store that keeps words computed earlier, to tell whether they were
    computed the same way)."""
    data = [CONTENT_WORD.pattern, sorted(STOPWORDS), sorted(SYNONYMS.items())]
    # \w and casefold follow the Unicode tables of the Python that runs.
    return repr([code_text(content_words, _term, stem), data, unicodedata.unidata_version])


def code_text(*functions: Callable[..., object]) -> str:
    """The functions' compiled code as text that changes when their code does, the same
    in every process: the running code itself, not its file, which may have changed
    since it was imported (comments and line numbers left out)."""
    return repr([_stable(inspect.unwrap(f).__code__) for f in functions])


def _stable(value: object) -> object:
    # A set's order, and a nested function's address, differ from one process to the next.
    if isinstance(value, types.CodeType):
        return (value.co_code, value.co_names, [_stable(c) for c in value.co_consts])
    if isinstance(value, frozenset):
        return sorted(map(repr, value))
    if isinstance(value, tuple):
        return [_stable(v) for v in value]
    return repr(value)


def overlap(a: str, b: str) -> int:
    return len(content_words(a) & content_words(b))


@lru_cache(maxsize=1024)  # a sentence is often cited by more than one draft
def is_graphic(text: str) -> bool:
    """Whether an excerpt describes violence in detail (shown behind a spoiler)."""
    if not HEAVY_GRAPHIC.search(text):
        return False
    score = sum(weight for term, weight in GRAPHIC_PATTERNS if term.search(text))
    return score >= GRAPHIC_THRESHOLD


# --- reading one sentence ---------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    subject: str  # words before the main verb (leading adverbial phrase removed)
    verb: str | None
    kind: str  # event | speech | stative | modal | none


ADVERBIAL_OPENER = re.compile(
    r"^(?:To|According|After|Following|In|On|At|For|During|Since|Despite|As|With|Among|Under|"
    r"Once|When|While|Later|Earlier|Also|However|Meanwhile|Then|Citing|Before|By|From|Until|"
    r"Last|This|Next|Early|Late|Of|Over|Still|Yet|Now|Thus|Therefore|Instead|Besides|Moreover|"
    r"Update|Today|Yesterday|One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Several|A)\b"
)

ADVERBIAL_PHRASE = re.compile(r"^(?:[^,“\"]{0,60}),\s+(?=[a-zA-Z])")
PAST_WORD = re.compile(rf"\b{PAST_VERB}\b")
QUOTED_OR_BRACKETED = re.compile(r"“[^”]*”|\"[^\"]*\"|\([^)]*\)")
WORD_TOKEN = re.compile(r"[A-Za-z][\w’'-]*")
SUBORDINATOR = re.compile(r"\b(?:that|which|who|if|when|whether|because|while)\b")


def _strip_adverbial(text: str) -> str:
    """Drop a leading adverbial phrase ending in a comma ("To back up its claims, ...")."""
    if not ADVERBIAL_OPENER.match(text):
        return text
    match = ADVERBIAL_PHRASE.match(text)
    if match and not PAST_WORD.search(match.group()):
        return text[match.end() :]
    return text


def _blank(match: re.Match[str]) -> str:
    """As many spaces as the match is long: offsets in the text stay as they were."""
    return " " * len(match.group())


@lru_cache(maxsize=8192)  # clauses repeat their few verbs and function words
def _shape(lower: str) -> tuple[bool, bool, bool]:
    """Whether a (lower-case) word is a verb of speech, a stative verb, a past form."""
    return bool(SPEECH.match(lower)), bool(STATIVE.match(lower)), bool(PAST.match(lower))


class _Tokens:
    """A clause's words, cut only as far as they are read: the main verb comes early."""

    def __init__(self, body: str) -> None:
        self._rest = WORD_TOKEN.finditer(body)
        self._read: list[re.Match[str]] = []

    def at(self, index: int) -> re.Match[str] | None:
        while len(self._read) <= index:
            token = next(self._rest, None)
            if token is None:
                return None
            self._read.append(token)
        return self._read[index]

    def folded(self, index: int) -> str:
        """The word at `index` in lower case ("" past the end)."""
        token = self.at(index)
        return token.group().casefold() if token is not None else ""


def _subject(body: str, verb: re.Match[str]) -> str:
    return body[: verb.start()].strip()


@lru_cache(maxsize=4096)  # a clause's predicate is asked for by several rules
def predicate(text: str) -> Predicate:
    """The main verb of a clause and what comes before it, by word shape (no tagger)."""
    body = _strip_adverbial(text.strip())
    body = QUOTED_OR_BRACKETED.sub(_blank, body)
    tokens = _Tokens(body)
    # The words before a token hold a subordinator once the token starts past the end of
    # the first one (no token starts right at a word's end, so none is cut there).
    subordinator = SUBORDINATOR.search(body)
    subordinate_from = subordinator.end() if subordinator else len(body) + 1
    i = -1
    while (token := tokens.at(i + 1)) is not None:
        i += 1
        word = token.group()
        lower = word.casefold()
        if i and word[0].isupper():
            continue
        if token.start() >= subordinate_from:
            return Predicate(_subject(body, token), None, "none")
        if MODAL.match(body[token.start() :]):
            return Predicate(_subject(body, token), word, "modal")
        speech, stative, past = _shape(lower)
        if speech:
            return Predicate(_subject(body, token), word, "speech")
        if lower in ("was", "were", "has", "have", "had", "is", "are", "been"):
            nxt = tokens.folded(i + 1)
            if nxt in ("not", "yet", "never", "no"):
                return Predicate(_subject(body, token), word, "stative")
            if nxt == "been" and tokens.at(i + 2) is not None:
                nxt = tokens.folded(i + 2)
            if _shape(nxt)[2] and nxt not in ("was", "were", "had", "did"):
                # "was fired" happened; "is charged with" describes a state
                kind = "stative" if lower in ("is", "are") else "event"
                return Predicate(_subject(body, token), f"{word} {nxt}", kind)
            if lower in ("was", "were") and nxt.endswith("ing"):
                return Predicate(_subject(body, token), f"{word} {nxt}", "event")
            return Predicate(_subject(body, token), word, "stative")
        if stative:
            return Predicate(_subject(body, token), word, "stative")
        if past and i <= 12:
            before = tokens.folded(i - 1) if i else ""
            if before in ("to", "be", "being", "not", "the", "a", "an", "his", "her", "their"):
                continue  # an infinitive, a negation, or a noun ("the injured")
            return Predicate(_subject(body, token), word, "event")
    return Predicate(body, None, "none")


NAMED_BY_DATE = re.compile(
    r"\b(?i:the|a|an|this|that)\s+(?:[\w’'-]+\s+){0,2}"
    r"(?!(?:night|morning|evening|afternoon|day|week|weekend|end|start|beginning|middle|"
    r"summer|winter|spring|autumn|fall|year|month)\s)[a-z][\w’'-]*\s+of\s*$"
)
LEADING_PREPOSITION = re.compile(r"(?:on|in|of)\b", re.I)
DATED_SUBJECT = re.compile(r"^\s*(?:The|This|That)\s+(?:[\w’'-]+\s+){0,3}(?:on|in|of)\s*$")
DEFINITE_SUBJECT = re.compile(r"^\s*(?:The|This|That)\s+(?:[\w’'-]+\s+){0,3}$")
DESCRIBED_AFTER = re.compile(r"[\s,]*(?:\d{4}[\s,]*)?(?:was|were|is|are|remains|remained)\b")
CLAUSE_SPLIT = re.compile(r"[,;:]|\b(?:and|but)\b")
PARTICIPLE_PHRASE = re.compile(
    r"\b(?:of|in|to|from|with|about|on|than|like)\s+(?:the|these|those)\s+"
    r"(?:(?!(?:was|were|is|are|been|be|being|has|have|had)\b)[\w’'-]+\s+){0,3}?"
    r"(?P<verb>[a-z]+(?:ed|en)|shot|made|seen|sent|taken)\b(?P<rest>[^;]*)$"
)
AUXILIARY = re.compile(r"\b(?:was|were|is|are|been|had|has|have)\b")


def _is_reference(text: str, expr: TimeExpr) -> bool:
    """A date inside a noun phrase that names an earlier happening: "the video clips
    released on Tuesday", "reminiscent of the videos leaked ... in October 2021"."""
    before = text[: expr.start]
    # "the blaze of 03.03.2023", "the flood of 18 June": a happening named by its date.
    if before.rstrip().endswith("of") and NAMED_BY_DATE.search(before):
        return True
    # "The fire on March 3 was not the first warning": a dated subject of a description.
    leading_preposition = LEADING_PREPOSITION.match(expr.text) is not None
    if DATED_SUBJECT.search(before) or (leading_preposition and DEFINITE_SUBJECT.search(before)):
        rest = text[expr.end :]
        if DESCRIBED_AFTER.match(rest):
            return True
    clause = CLAUSE_SPLIT.split(before)[-1]
    match = PARTICIPLE_PHRASE.search(clause)
    if not match:
        return False
    if clause is before and predicate(text).verb == match.group("verb"):
        return False  # "Investigators in the region opened ...": the main verb, not a participle
    between = match.group("rest")
    return not AUXILIARY.search(between) and len(between.split()) <= 14


@dataclass
class ArticleState:
    ctx: TimeContext
    people: PeopleIndex
    protagonist: Person | None = None
    region: str | None = None  # the last region the text named
    region_paragraph: int = -10  # where it was named
    story_region: str | None = None  # the region the article is about, if one stands out
    person: Person | None = None  # the last person the text named
    referent: str | None = None  # the last "the ... group" the text named
    facilities: dict[str, PlaceMention] = field(default_factory=dict)  # last of each type


def _speakers(state: ArticleState) -> Speakers:
    return Speakers(
        _referent_phrase(state),
        state.referent is not None,
        state.person.name if state.person else None,
    )


def _referent_phrase(state: ArticleState) -> str:
    """What to call the organisation whose linked name the page dropped."""
    if state.referent:
        return f"the {state.referent}"
    if state.protagonist is not None and state.protagonist.kind == "organisation":
        return state.protagonist.name
    return "the group"


# --- summaries --------------------------------------------------------------------------

# --- the article walk -------------------------------------------------------------------


# Words that put a happening at the level of the country, not of the story's region.
NATIONAL = re.compile(  # asked only whether a clause has one
    by_first_letter(
        [
            *("russia", "russian", "kremlin", "president", "state duma", "duma", "nationwide"),
            *("across the country", "abroad", "the country's", "parliament"),
        ]
    ),
    re.I,
)


@lru_cache(maxsize=1024)  # a dated clause is asked by more than one placing rule
def _national(text: str) -> bool:
    return NATIONAL.search(text) is not None


def _story_region(sentences: list[str]) -> str | None:
    """The region a local story is about: named in at least two sentences, and more often
    than any other region."""
    counts: Counter[str] = Counter()
    for sentence in sentences:
        counts.update({m.region for m in find_places(sentence) if m.region})
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def _inherits_region(clause: str, state: ArticleState, paragraph: int) -> PlaceRef | None:
    """The story's region, for a clause whose subject points back at something ("The
    incidents were recorded ...", "The video, taken in 2020, ...")."""
    if QUOTE_START.match(clause) or state.story_region is None or _national(clause):
        return None
    subject = predicate(clause).subject.strip()
    match = ANAPHORIC_SUBJECT.match(subject)
    if not subject or not match or len(match.group().split()) < 2:
        return None  # dropped names, "It is said ...": no thing to point back at
    if PERSON_NOUN.match(match.group().split()[1]):
        return None
    return region_ref(state.story_region)


def _local_region(clause: str, state: ArticleState) -> PlaceRef | None:
    """A local story's happenings without a place of their own happen in its region,
    unless the sentence puts them at the level of the country or only quotes someone."""
    if state.story_region is None or QUOTE_START.match(clause):
        return None
    if _national(clause) and canonical_region(state.story_region) is not None:
        return None  # a Russian region's story: national happenings are not the region's
    return region_ref(state.story_region)


def _anaphoric_subject(subject: str) -> bool:
    match = ANAPHORIC_SUBJECT.match(subject.strip())
    if not match:
        return not subject.strip()
    words = match.group().split()
    return not (len(words) > 1 and PERSON_NOUN.match(words[1]))


NAME_WORD = re.compile(r"[A-Za-z][\w’'.-]*")


def _named_in(subject: str, mentions: list, sentence_start_word: bool = True) -> bool:
    words = NAME_WORD.findall(subject)
    capitalised = [w for i, w in enumerate(words) if w[0].isupper() and i > 0]
    return bool(capitalised) or bool(mentions)


def _place_refs(mentions: list[PlaceMention]) -> list[PlaceRef]:
    refs: list[PlaceRef] = []
    for mention in mentions:
        refs.append(mention.ref)
        if mention.region and mention.region != mention.ref.name:
            # a facility belongs to its region, a city abroad to its country
            region = region_ref(mention.region)
            if region is not None:
                refs.append(region)
    return refs


def _nearest_places(text: str, mentions: list[PlaceMention], expr: TimeExpr | None):
    """The places of the happening a date belongs to: those in its clause, and of those the
    ones nearest the date when the clause names far-apart places."""
    if expr is None or len(mentions) <= 1:
        return mentions
    distance = {id(m): min(abs(m.start - expr.end), abs(expr.start - m.end)) for m in mentions}
    best = min(distance.values())
    return [m for m in mentions if distance[id(m)] <= best + 60]


# A plan, also one told in the past that may not have come about ("the tour was due to
# start on 13 July"), and a schedule without its verb "to be" ("opening statements, due to
# begin on 24 March, ...").
FUTURE = re.compile(
    r"\b(?:will|shall|is|are|was|were|had\s+been)\s+(?:due|set|scheduled|expected|slated|going)"
    r"\s+to\b|\bwill\b|\bplans?\s+to\b|\bintends?\s+to\b"
    r"|\b(?:due|scheduled|slated)\s+to\s+(?:begin|start|commence|open|resume|close|end|finish|"
    r"take\s+place|be\s+held|appear|testify|stand)\b",
    re.I,
)


REPORTED_PLAN = re.compile(r"\bwould\s+(?!not\b|n[’']t\b|have\b|never\b|later\b)", re.I)
CLAUSE_BOUNDARY = re.compile(r"[,;:]\s|\s(?:and|but|while|whereas)\s")
COMMA_BOUNDARY = re.compile(r"[,;:]\s")
STRONG_BOUNDARY = re.compile(r"[;:]\s|\s(?:and|but|while|whereas)\s")
# What may stand before a date in a clause of its own: a preposition, "beginning".
DATE_ADJUNCT = re.compile(
    r"(?:(?:on|in|at|by|from|until|till|before|after|beginning|starting|as\s+of)\s+)*", re.I
)
DATE_ADJUNCT_END = re.compile(r"[\s.!?”\"’')]*")


def _clause_span(sentence: str, expr: TimeExpr) -> tuple[int, int]:
    """Where the clause around an expression starts and ends in the sentence. A date set
    off by a comma ("will begin, as scheduled, on 24 March") has no verb of its own: it
    dates the clause before it, so that clause is part of its stretch."""
    starts = [m.end() for m in CLAUSE_BOUNDARY.finditer(sentence, 0, expr.start)]
    after = CLAUSE_BOUNDARY.search(sentence, expr.end)
    start = starts[-1] if starts else 0
    end = after.start() if after else len(sentence)
    if (
        start
        and DATE_ADJUNCT.fullmatch(sentence, start, expr.start)
        and DATE_ADJUNCT_END.fullmatch(sentence, expr.end, end)
    ):
        strong = [m.end() for m in STRONG_BOUNDARY.finditer(sentence, 0, expr.start)]
        start = strong[-1] if strong else 0
    return start, end


PLANNED_FOR = re.compile(r"\bfor\s+$")
QUOTATION = re.compile(r"“[^”]*”?|\"[^\"]*\"?")


def _unquoted(sentence: str) -> str:
    """The sentence with quotations blanked: what someone said is not the outlet's plan."""
    quoted = "“" in sentence or '"' in sentence
    return QUOTATION.sub(_blank, sentence) if quoted else sentence


def _is_plan(expr: TimeExpr, sentence: str, unquoted: str) -> bool:
    """'a rally called for Saturday', 'scheduled for May 3', 'is due to begin on 8
    September': a plan, not a happening, and without a year its date is not the past. Only
    the clause around the date counts ("were detained on March 11 and will remain")."""
    if PLANNED_FOR.search(sentence[: expr.start]):
        return True
    if expr.explicit_year:
        return False
    start, end = _clause_span(unquoted, expr)
    if FUTURE.search(unquoted, start, end):
        return True
    # "said he would meet Bush and Clinton on Saturday": a plan as reported, though "and"
    # joins names there; "ruled on Monday that he would stay in custody" dates the ruling.
    commas = [m.end() for m in COMMA_BOUNDARY.finditer(unquoted, 0, expr.start)]
    return REPORTED_PLAN.search(unquoted, commas[-1] if commas else 0, expr.start) is not None


def _choose_times(
    exprs: list[TimeExpr], published: date | None, sentence: str = ""
) -> list[TimeExpr]:
    usable = [e for e in exprs if not in_future(e, published)]
    unquoted = _unquoted(sentence)
    usable = [e for e in usable if not _is_plan(e, sentence, unquoted)]
    if any(e.explicit_year for e in usable):
        usable = [e for e in usable if e.explicit_year or e.kind not in ("offset", "anaphoric")]
    distinct: dict[tuple[str, str | None], TimeExpr] = {}
    for expr in usable:
        distinct.setdefault((expr.value, expr.end_value), expr)
    return list(distinct.values())


def _status(draft_text: str, date_value: str, published: date | None, latest_year: int) -> str:
    reference_year = published.year if published else latest_year
    if reference_year and int(date_value[:4]) <= reference_year - BACKGROUND_YEARS:
        return "background"
    return attribute(draft_text).status


def _protagonist(people: PeopleIndex, paragraphs: list[str]) -> Person | None:
    counts: Counter[int] = Counter()
    for text in paragraphs:
        for mention in people.scan(text):
            counts[id(mention.person)] += 1
    if not counts:
        return None
    top_id, _ = counts.most_common(1)[0]
    return next(p for p in people.people if id(p) == top_id)


YEAR_NUMBER = re.compile(r"\b(?:19|20)\d\d\b")


def extract(
    text: str, published: str | None, title: str | None = None, *, inferred: bool = False
) -> list[Draft]:
    """Every draft (dated events and support-only citations) in one article."""
    with within_article(text):
        return _extract(text, published, title, inferred)


def _extract(text: str, published: str | None, title: str | None, inferred: bool) -> list[Draft]:
    cleaned = clean(text, title)
    pub = date.fromisoformat(published) if published else None
    people = PeopleIndex()
    paragraphs = cleaned.paragraphs
    state = ArticleState(TimeContext(published=pub, narrative=inferred), people)
    sentences = [
        [s for s in split_sentences(text, b.start, b.end) if len(s.text) <= MAX_SENTENCE]
        for b in paragraphs
    ]
    state.protagonist = _protagonist(people, [s.text for group in sentences for s in group])
    state.story_region = _story_region([s.text for group in sentences for s in group])
    latest_year = max(
        (int(y) for y in YEAR_NUMBER.findall(" ".join(b.text for b in paragraphs))),
        default=0,
    )
    drafts: list[Draft] = []
    last_dated: Draft | None = None
    for index, group in enumerate(sentences):
        anchor: Draft | None = None
        previous: Span | None = None
        for sentence in group:
            produced = _sentence_drafts(
                text, sentence, previous, index, anchor, drafts, state, pub, latest_year
            )
            dated = [d for d in produced if d.date is not None]
            if dated:
                anchor = dated[0] if not _continues(anchor, dated[0]) else anchor
                last_dated = dated[-1]
            drafts.extend(produced)
            if disclaims(sentence.text):
                # "We could not verify the content": about this paragraph's event, or, said
                # briefly on its own, about the event just before.
                brief = len(sentence.text.split()) <= 25
                target = anchor or (
                    last_dated
                    if brief and last_dated is not None and last_dated.paragraph >= index - 1
                    else None
                )
                if target is not None:
                    target.status = "unverified"
            _remember(state, sentence.text, index)
            previous = sentence
    drafts = _fold_lede(drafts)
    for draft in drafts:
        draft.graphic = any(is_graphic(text[s:e]) for s, e in draft.citations)
    return drafts


def _fold_lede(drafts: list[Draft]) -> list[Draft]:
    """An undated lede usually announces what a later sentence dates ("has released a new
    video" ... "published the recordings on Tuesday"): it joins that event when they share
    words, and stands alone otherwise."""
    lede = next((d for d in drafts if d.lede), None)
    if lede is None:
        return drafts
    lede_words = content_words(lede.text)
    same_day = [d for d in drafts if d is not lede and d.date == lede.date and not d.support_only]
    if not same_day:
        return drafts
    best = max(same_day, key=lambda d: len(lede_words & content_words(d.text)))
    if len(lede_words & content_words(best.text)) < 2:
        return drafts
    best.citations[:0] = lede.citations
    best.people.extend(p for p in lede.people if p not in best.people)
    if not best.places:
        best.places.extend(lede.places)
    return [d for d in drafts if d is not lede]


def _continues(anchor: Draft | None, draft: Draft) -> bool:
    return anchor is not None and draft.paragraph == anchor.paragraph and draft.date == anchor.date


# A definite reference to a facility of a type the article has named ("the colony" after
# "penal colony IK-6 in the Sverdlovsk region") means that facility, wherever the text is now.
FACILITY_REFERENCE = {
    "colony": re.compile(r"\b[Tt]he (?:penal |prison |correctional )?colony\b"),
    "detention": re.compile(
        r"\b[Tt]he (?:pre-?trial )?detention (?:centre|center|facility)\b|\b[Tt]he SIZO\b"
    ),
    "hospital": re.compile(r"\b[Tt]he (?:prison |tuberculosis )?hospital\b"),
    "any": re.compile(r"\b[Tt]he (?:prison|jail|facility)\b"),
}
# The nouns those patterns cannot match without, looked for first: most clauses have none.
FACILITY_NOUNS = ("colony", "detention", "SIZO", "hospital", "prison", "jail", "facility")


def _facility_type(name: str) -> str:
    lower = name.casefold()
    if "colony" in lower:
        return "colony"
    if "detention" in lower:
        return "detention"
    return "hospital" if "hospital" in lower else "other"


def _referred_facility(clause: str, state: ArticleState) -> list[PlaceRef]:
    """The facility a definite noun in the clause refers back to, with its region."""
    if not any(noun in clause for noun in FACILITY_NOUNS):
        return []
    for kind, pattern in FACILITY_REFERENCE.items():
        if not pattern.search(clause):
            continue
        if kind == "any":
            mentions = sorted(state.facilities.values(), key=lambda m: m.start)
            mention = mentions[-1] if len(state.facilities) == 1 else None
        else:
            mention = state.facilities.get(kind)
        if mention is not None:
            return _place_refs([mention])
    return []


def _paragraph_region(clause: str, state: ArticleState, paragraph: int) -> list[PlaceRef]:
    """A paragraph that named a region goes on about it: a later placeless happening in it
    ("On 5 May, special forces used tear gas") is there, unless it is national or quoted."""
    if state.region is None or state.region_paragraph != paragraph:
        return []
    if canonical_region(state.region) is None:
        return []  # a country: "tourists from Austria" says where people came from
    if QUOTE_START.match(clause) or _national(clause):
        return []
    ref = region_ref(state.region)
    return [ref] if ref is not None else []


def _remember(state: ArticleState, sentence: str, paragraph: int) -> None:
    for mention in find_places(sentence, state.region):
        if mention.ref.kind == "facility":
            state.facilities[_facility_type(mention.ref.name)] = mention
    regions = [m for m in find_places(sentence) if m.region]
    if regions:
        state.region = regions[-1].region
        state.region_paragraph = paragraph
    mentions = [m for m in state.people.scan(sentence) if m.person.kind == "person"]
    if mentions:
        state.person = mentions[-1].person
    # The fullest description of the organisation seen so far ("the prisoners' rights group"
    # rather than a later "the group") names it best when the page drops its name.
    organised = any(noun in sentence for noun in ORG_NOUNS)  # most sentences name none
    for referent in ORG_REFERENT.findall(sentence) if organised else ():
        referent = referent.strip()
        if state.referent is None or len(referent) > len(state.referent):
            state.referent = referent
    exprs = find_times(sentence, state.ctx)
    unquoted = _unquoted(sentence) if exprs else sentence
    for expr in exprs:
        # A plan's day ("the tour was due to start on 13 July") is no point in the story
        # that "the next day" could count from.
        if not in_future(expr, state.ctx.published) and not _is_plan(expr, sentence, unquoted):
            state.ctx = advance(state.ctx, expr)


# A wire agency's dateline standing as a sentence of its own: "MOSCOW, October 5. /TASS/.",
# "KYIV, 3 March (Agency) –".
WIRE_DATELINE = re.compile(
    rf"[A-Z][A-Z .’'-]{{1,40}},\s+(?:{MONTH}\.?\s+\d{{1,2}}|\d{{1,2}}\s+{MONTH})(?:,?\s+\d{{4}})?"
    r"\s*[.,]?\s*(?:/[^/\s]{2,20}/|\([^)]{2,30}\))?\s*[.:–—-]?\s*"
)


def _sentence_drafts(
    text: str,
    sentence: Span,
    previous: Span | None,
    paragraph: int,
    anchor: Draft | None,
    drafts: list[Draft],
    state: ArticleState,
    pub: date | None,
    latest_year: int,
) -> list[Draft]:
    s = sentence.text
    if WIRE_DATELINE.fullmatch(s):
        return []  # "MOSCOW, October 5. /TASS/.": where and when the agency filed
    if (REACTION_WORD.search(s) and REACTION.match(s)) or NEGATIVE_SUBJECT.match(s):
        # Without a happening in its paragraph, a reaction answers the story's latest one
        # (the latest date told so far), not a piece of history told in between.
        happenings = [d for d in drafts[-RECENT:] if d.date and d.status != "background"]
        target = anchor or max(reversed(happenings), key=lambda d: d.date or "", default=None)
        if target is not None:
            target.citations.append((sentence.start, sentence.end))
            return []
        return [
            Draft(None, None, shorten(s), s, paragraph, citations=[(sentence.start, sentence.end)])
        ]
    exprs = _choose_times(find_times(s, state.ctx), pub, s)
    exprs = [e for e in exprs if not _is_reference(s, e)]
    mentions = state.people.scan(s)
    cite = (sentence.start, sentence.end)

    if (
        exprs
        and anchor is not None
        and all(e.kind in ("offset", "anaphoric") and e.relative for e in exprs)
        and not _actor_named(_after_time(s, exprs))
        and not _fronted_relative_time(s, exprs)
    ):
        anchor.citations.append(cite)  # "he died two days later": the same story, told on
        return []
    if exprs and DEMONSTRATIVE_QUOTE.match(s):
        same_day = [d for d in drafts[-RECENT:] if d.date == exprs[0].value]
        if anchor is not None and anchor.date == exprs[0].value:
            quoted: Draft | None = anchor
        else:
            quoted = same_day[0] if same_day else anchor
        if quoted is not None:
            quoted.citations.append(cite)
            return []

    if exprs:
        return _dated_drafts(
            text, sentence, previous, paragraph, exprs, mentions, state, pub, latest_year
        )

    reference = REFERENCE_AFTER.match(s)
    if reference:
        head = s[reference.end() :].split(",")[0]

        def told(d: Draft) -> str:
            return " ".join(text[a:b] for a, b in d.citations)

        dated = [d for d in drafts[-RECENT:] if d.date is not None]
        referred = max(reversed(dated), key=lambda d: overlap(head, told(d)), default=None)
        if referred is not None and overlap(head, told(referred)) >= 1:
            places = _place_refs(find_places(s, state.region))
            return [
                _draft(
                    text,
                    s,
                    cite,
                    paragraph,
                    referred.date,
                    referred.end,
                    [],
                    state,
                    pub,
                    latest_year,
                    places,
                    [m.person for m in mentions],
                )
            ]

    if anchor is not None:
        return _continuation(text, sentence, paragraph, anchor, mentions, state, pub, latest_year)

    if paragraph <= 1 and pub is not None and anchor is None and not any(d.date for d in drafts):
        # The lede tells the news of the day without dating it ("Police have detained 40
        # protesters ..."): it happened by the publication day.
        pred = predicate(s)
        if pred.kind == "event" and not FUTURE.search(s) and not QUOTE_START.match(s):
            places = _place_refs(find_places(s, state.region))
            people = [m.person for m in mentions]
            lede = _draft(
                text,
                s,
                cite,
                paragraph,
                pub.isoformat(),
                None,
                [],
                state,
                pub,
                latest_year,
                places,
                people,
            )
            lede.lede = True
            return [lede]

    places = _place_refs(find_places(s, state.region))
    return [
        Draft(
            None,
            None,
            shorten(s),
            s,
            paragraph,
            places=places,
            people=[m.person for m in mentions],
            citations=[cite],
        )
    ]


def _draft(
    text: str,
    clause: str,
    cite: tuple[int, int],
    paragraph: int,
    value: str | None,
    end: str | None,
    exprs: list[TimeExpr],
    state: ArticleState,
    pub: date | None,
    latest_year: int,
    places: list[PlaceRef],
    people: list[Person],
    summary_source: str | None = None,
) -> Draft:
    source = summary_source or clause
    who = attribute(clause).who
    return Draft(
        date=value,
        end=end,
        summary=summarize(source, state.ctx, _speakers(state)),
        text=clause,
        paragraph=paragraph,
        status=_status(clause, value, pub, latest_year) if value else "reported",
        attribution=who,
        places=places,
        people=people,
        citations=[cite],
    )


RELATIVE_PRONOUN = re.compile(r"^(?:who|which)\s+")
COLON_OR_SEMICOLON = re.compile(r"[:;]\s+")


def _after_colon(text: str, date_at: int) -> str:
    """What a summary is made from: the clause after a colon or semicolon when the date is
    there ("The blaze was not its first brush with regulators: the previous month, the
    watchdog had fined the plant ..."), else the whole text."""
    if ":" not in text and ";" not in text:
        return text
    unquoted = QUOTATION.sub(_blank, text) if "“" in text or '"' in text else text
    breaks = [m.end() for m in COLON_OR_SEMICOLON.finditer(unquoted, 0, date_at)]
    if not breaks or len(text[breaks[-1] :].split()) < 5:
        return text
    return text[breaks[-1] :]


COORDINATOR = re.compile(r"^(?:and|but)\s+")
PASSIVE_AUXILIARY = re.compile(r"(?:was|were)\b")


def _dated_drafts(
    text: str,
    sentence: Span,
    previous: Span | None,
    paragraph: int,
    exprs: list[TimeExpr],
    mentions: list,
    state: ArticleState,
    pub: date | None,
    latest_year: int,
) -> list[Draft]:
    clauses = split_clauses(text, sentence) if len(exprs) > 1 else [sentence]
    if len(exprs) > 1:
        clauses = _split_coordinated(text, clauses, sentence, exprs)
    # Two dates in one clause: the first is when it happened, the other describes a part of
    # it ("Earlier this year, a court sentenced him for beating a prisoner in 2019").
    firsts: dict[int, TimeExpr] = {}
    for expr in exprs:
        owner = next(
            (i for i, c in enumerate(clauses) if c.start <= sentence.start + expr.start < c.end), 0
        )
        if owner in firsts and _in_relative_clause(sentence.text, firsts[owner]):
            firsts[owner] = expr  # "a ferry that sank on Saturday was charged ... on Thursday"
        firsts.setdefault(owner, expr)
    exprs = list(firsts.values())
    result = []
    for expr in exprs:
        absolute = (sentence.start + expr.start, sentence.start + expr.end)
        clause = next((c for c in clauses if c.start <= absolute[0] < c.end), sentence)
        clause_exprs = [e for e in exprs if clause.start <= sentence.start + e.start < clause.end]
        relative = RELATIVE_PRONOUN.match(clause.text) is not None
        # A relative clause alone ("who was released in February") is unreadable as a
        # quotation: such drafts cite their whole sentence.
        whole = len(exprs) == 1 or relative
        cite = (sentence.start, sentence.end) if whole else (clause.start, clause.end)
        relative_start = expr.start - (clause.start - sentence.start)
        shifted = TimeExpr(
            relative_start,
            relative_start + len(expr.text),
            expr.text,
            expr.value,
            expr.end_value,
            expr.precision,
            expr.kind,
            expr.explicit_year,
            expr.relative,
        )
        chosen = _nearest_places(clause.text, find_places(clause.text, state.region), shifted)
        places = _place_refs(chosen)
        summary_source = _after_colon(clause.text, shifted.start)
        clause_text = clause.text
        relative_clause = RELATIVE_PRONOUN.match(clause.text)
        if relative_clause and clause is not clauses[0]:
            antecedent = _antecedent(text[sentence.start : clause.start])
            if antecedent:
                summary_source = antecedent + " " + clause.text[relative_clause.end() :]
                places = places or _place_refs(find_places(antecedent, state.region))
        coordinated = COORDINATOR.match(clause.text)
        if coordinated and clause is not clauses[0]:
            # "... and was contained on July 28", "was arrested ... and sentenced in May":
            # the first clause's subject (and auxiliary) is this one's.
            first = predicate(clauses[0].text)
            rest = clause.text[coordinated.end() :]
            if first.subject and first.subject[0].isupper() and first.kind == "event":
                aux = first.verb.split()[0] if first.verb and " " in first.verb else ""
                if PASSIVE_AUXILIARY.match(rest) or not aux:
                    aux = ""
                summary_source = " ".join(w for w in (first.subject, aux, rest) if w)
        # A literal replace: a pattern built from each date's text missed the regex cache.
        content = content_words(clause.text.replace(expr.text, " "))
        inherited = _inherits_region(clause.text, state, paragraph)
        thin = (
            len(content) <= 3
            and inherited is not None
            or (len(content) <= 3 and _anaphoric_subject(predicate(clause.text).subject))
        )
        if thin and previous is not None and len(exprs) == 1:
            # "The recording is dated July 27, 2020." dates the sentence before it.
            cite = (previous.start, sentence.end)
            summary_source = previous.text
            clause_text = previous.text + " " + clause.text
            places = places or _place_refs(find_places(previous.text, state.region))
        recent = _status(clause_text, expr.value, pub, latest_year) != "background"
        if not places:
            places = _referred_facility(clause_text, state)
        named = bool(places)
        if not places and recent:
            places = _paragraph_region(clause_text, state, paragraph)
        if not places and recent:
            local = inherited or _local_region(clause_text, state)
            places = [local] if local else []
        draft = _draft(
            text,
            clause_text,
            cite,
            paragraph,
            expr.value,
            expr.end_value,
            clause_exprs,
            state,
            pub,
            latest_year,
            places,
            [m.person for m in mentions if clause.start <= sentence.start + m.start < clause.end]
            or [m.person for m in mentions],
            summary_source,
        )
        draft.placed_by_context = bool(places) and not named
        result.append(draft)
    return result


COORDINATED_VERB = re.compile(
    rf",?\s+(?=(?:and|but)\s+(?:later\s+|then\s+)?{PAST_VERB}\s+(?:by|in|on|at|to|for|with)\b)"
)


def _split_coordinated(
    text: str, clauses: list[Span], sentence: Span, exprs: list[TimeExpr]
) -> list[Span]:
    """Split "was arrested in April 2022 and sentenced by a court in September 2023" at the
    second verb when each side carries a date of its own: two happenings."""
    result: list[Span] = []
    for clause in clauses:
        inside = [
            sentence.start + e.start
            for e in exprs
            if clause.start <= sentence.start + e.start < clause.end
        ]
        cut = None
        for match in COORDINATED_VERB.finditer(clause.text):
            at = clause.start + match.start()
            if any(p < at for p in inside) and any(p > at for p in inside):
                cut = match
                break
        if cut is None:
            result.append(clause)
            continue
        left_end = clause.start + cut.start()
        right_start = clause.start + cut.end()
        result.append(Span(clause.start, left_end, text[clause.start : left_end]))
        result.append(Span(right_start, clause.end, text[right_start : clause.end]))
    return result


RELATIVE_CLAUSE_TAIL = re.compile(
    r"\b[a-z]+\s+(?:that|which|who)\s+(?:had\s+)?[a-z]+\b[^,;:“\"]*$"
)
# A participle set off by a comma after the subject: ", detained on", ", taken in".
APPOSITIVE_TAIL = re.compile(
    r",\s+(?:[a-z]+ed|taken|given|driven|beaten|chosen|stolen|written|broken|seen|hidden|"
    r"built|held|shot|caught|hit|made|sent|born|found|brought|kept|left|lost|sold|set)\b"
    r"[^,;:“\"]*$"
)
ANTECEDENT = re.compile(
    r"\b(?:from|by|to|with|of|for|about|on)\s+((?:a|an|the)\s+[^,;]+?)\s*,?\s*$"
)


def _in_relative_clause(sentence: str, expr: TimeExpr) -> bool:
    """Whether a date sits in a relative clause describing a noun of the subject ("The
    captain of a ferry that sank on Saturday has been charged ...", "The activist, detained
    on May 2, was jailed ..."): it dates the noun."""
    before = sentence[: expr.start]
    if RELATIVE_CLAUSE_TAIL.search(before) is not None and predicate(before).kind == "none":
        return True
    appositive = APPOSITIVE_TAIL.search(before)
    return appositive is not None and predicate(before[: appositive.start()]).kind == "none"


def _antecedent(before: str) -> str | None:
    """The noun phrase a relative clause hangs on: "... from a former inmate at the prison"."""
    match = ANTECEDENT.search(before)
    return match.group(1) if match else None


def _after_time(sentence: str, exprs: list[TimeExpr]) -> str:
    """The sentence without a leading time phrase ("Two days later, the court ...")."""
    first = min(exprs, key=lambda e: e.start)
    if first.start <= 3:
        return sentence[first.end :].lstrip(" ,")
    return sentence


COMMA_FIRST = re.compile(r"^\s*,")
CAPITALISED_RUN = re.compile(r"^(?:[A-Z][\w’'-]*\s+){2,}")


def _fronted_relative_time(sentence: str, exprs: list[TimeExpr]) -> bool:
    """ "The next day, divers recovered ...", "Two days later, parliament voted ...": a time
    counted from the narrative's last date, put first, opens a happening of its own; at the
    end ("he died two days later") it continues the one just told."""
    first = min(exprs, key=lambda e: e.start)
    lead = sentence[: first.start].strip()
    return (
        lead in ("", "On", "on")
        and COMMA_FIRST.match(sentence[first.end :]) is not None
        and predicate(sentence[first.end :].lstrip(" ,")).kind == "event"
    )


def _actor_named(text: str) -> bool:
    """Whether a clause's subject names someone (capitalised words past the first)."""
    subject = predicate(text).subject
    return _named_in(subject, []) or bool(CAPITALISED_RUN.match(subject))


ADVERB_ONLY = re.compile(r"(?:also|then|later|again|further|now)?")
LOWER_START = re.compile(r"^[a-z]")
HEDGE = re.compile(r"\b(?:allegedly|reportedly|purportedly|is said to)\b")


def _continuation(
    text: str,
    sentence: Span,
    paragraph: int,
    anchor: Draft,
    mentions: list,
    state: ArticleState,
    pub: date | None,
    latest_year: int,
) -> list[Draft]:
    """A sentence after a dated one in the same paragraph: new events for new actors doing
    new things; otherwise more of the anchor's story. History told as background spawns
    no new events: its details are context."""
    if QUOTE_START.match(sentence.text) or anchor.status == "background":
        anchor.citations.append((sentence.start, sentence.end))
        return []
    result: list[Draft] = []
    attached = False
    anchor_names = {p.name for p in anchor.people}
    for clause in split_clauses(text, sentence):
        pred = predicate(clause.text)
        clause_mentions = [
            m for m in mentions if clause.start <= sentence.start + m.start < clause.end
        ]
        subject_mentions = [
            m
            for m in clause_mentions
            if sentence.start + m.start
            < clause.start + len(clause.text) - len(clause.text.lstrip()) + len(pred.subject) + 1
        ]
        new_actor = (
            any(m.person.name not in anchor_names for m in subject_mentions)
            or (
                _named_in(pred.subject, [])
                and not anchor_names & {m.person.name for m in clause_mentions}
            )
            or bool(INSTITUTION.search(pred.subject))
        )
        protagonist = state.protagonist is not None and any(
            m.person is state.protagonist for m in subject_mentions
        )
        dropped_name = ADVERB_ONLY.fullmatch(pred.subject.strip()) and LOWER_START.match(
            clause.text
        )
        if pred.kind == "event" and dropped_name and _actor_named(anchor.text):
            # Someone else (whose name the page dropped) did something after the anchor's
            # actor: not the anchor's story, and too uncertain to be an event on its own.
            result.append(
                Draft(
                    None,
                    None,
                    shorten(clause.text),
                    clause.text,
                    paragraph,
                    people=[m.person for m in clause_mentions],
                    citations=[(clause.start, clause.end)],
                )
            )
            continue
        shares = overlap(clause.text, anchor.text) >= 1 or bool(
            anchor_names & {m.person.name for m in clause_mentions}
        )
        if TOLL.match(clause.text):
            attached = True
            continue
        hedged = HEDGE.search(clause.text)
        named_speaker = any(m.person.kind == "person" for m in subject_mentions)
        if (pred.kind == "speech" and shares and not named_speaker) or hedged:
            # A comment on the anchor's happening ("police said the rally passed without
            # incident") or a claim about it elaborates; a named person's reaction is news.
            attached = True
            continue
        new_actor_acts = (
            pred.kind in ("event", "speech") and new_actor and not protagonist and pred.subject
        )
        plain_event = pred.kind == "event" and not _anaphoric_subject(pred.subject) and not shares
        if new_actor_acts or plain_event:
            places = _place_refs(find_places(clause.text, state.region))
            if not places and not (new_actor_acts and _actor_named(clause.text)):
                # Unnamed local actors ("investigators") act where the story is; named
                # ones (a ministry, the Kremlin) are not placed by the story's place.
                places = list(anchor.places)
            result.append(
                _draft(
                    text,
                    clause.text,
                    (clause.start, clause.end),
                    paragraph,
                    anchor.date,
                    anchor.end,
                    [],
                    state,
                    pub,
                    latest_year,
                    places,
                    [m.person for m in clause_mentions],
                )
            )
            continue
        if shares or _anaphoric_subject(pred.subject) or pred.kind == "speech":
            attached = True
    if attached and not result:
        anchor.citations.append((sentence.start, sentence.end))
        if (not anchor.places or anchor.placed_by_context) and not _national(sentence.text):
            # "Police detained 40 people on Monday. The detentions took place in X and Y."
            mentions = find_places(sentence.text, state.region)
            named = _place_refs([m for m in mentions if not _origin(sentence.text, m)])
            if named:
                anchor.places[:] = named
                anchor.placed_by_context = False
    return result


# "four tourists from Germany and Austria": where people came from, not where it happened.
ORIGIN_BEFORE = re.compile(
    r"\bfrom\s+(?:the\s+)?(?:[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*(?:,\s+|,?\s+(?:and|or)\s+))*$"
)


def _origin(text: str, mention: PlaceMention) -> bool:
    """Whether a country is named as where someone comes from ("tourists from Germany")."""
    country = mention.ref.region is None and canonical_region(mention.ref.name) is None
    return (
        country
        and ORIGIN_BEFORE.search(text, max(0, mention.start - 120), mention.start) is not None
    )


@dataclass(frozen=True)
class SupportingCitation(NewEvent):
    """A passage with no date of its own: it may add a citation to an event the briefing
    already holds, never create one (its `date` is only a placeholder)."""


def extract_events(
    text: str, published: str | None, title: str | None = None, *, inferred: bool = False
) -> list[NewEvent]:
    """The pipeline's seam: dated events with citations into `text`, followed by
    SupportingCitation drafts for passages that can only support existing events.
    `inferred`: the publication day was read off the text's own dates."""
    drafts = extract(text, published, title, inferred=inferred)
    dated = [d.to_new_event() for d in drafts if not d.support_only]
    support = [d.to_new_event(published) for d in drafts if d.support_only]
    return dated + [SupportingCitation(**vars(event)) for event in support]
