"""Who says so, and how sure it is.

Status of a claim, strongest evidence first:
- unverified: the outlet says it could not check ("was unable to independently verify",
  "has yet to be confirmed", "unconfirmed");
- confirmed: an authority states or does it ("the Federal Prison Service announced",
  "the court confirmed");
- alleged: hedged or one side's claim ("allegedly", "claims", "reportedly",
  "according to an informed source");
- reported: plain reporting, the default.
`background` (remote history given as context) is decided from the date by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.dates import MONTH, WEEKDAY
from ingest.patterns import by_first_letter

# A pattern that starts "(?=[...])" names first the characters its matches can start with:
# the regex engine then passes over the other places of a text quickly. No match changes.
UNVERIFIED = re.compile(
    r"(?=[wiabcnhu])\b(?:(?:was|were|is|are|been)\s+unable\s+to\s+(?:independently\s+)?(?:verify|confirm)|"
    r"(?:could|can|cannot|can't|couldn't)(?:\s+not)?\s+(?:be\s+)?(?:independently\s+)?"
    r"(?:verif|confirm)\w*|not\s+(?:been\s+)?(?:independently\s+)?verified|not\s+in\s+a\s+position"
    r"\s+to\s+verify|(?:has|have)\s+yet\s+to\s+(?:be\s+)?confirm\w*|unconfirmed|"
    r"not\s+(?:been\s+)?confirmed)\b",
    re.I,
)
ALLEGED = re.compile(  # asked only whether a sentence has one
    by_first_letter(
        [
            *("alleged(?:ly)?", "allegations?", "claim(?:s|ed)?", "reported(?:ly|edly)"),
            *("purported(?:ly)?", "suspected(?:ly)?", "rumou?rs?"),
            *(rf"{be}\s+said\s+to" for be in ("is", "are", "was", "were")),
            r"according\s+to\s+(?:an?\s+)?(?:informed|anonymous|unnamed)\s+source",
        ]
    ),
    re.I,
)
AUTHORITY = (
    r"(?:[A-Z][\w’'-]*\s+){0,4}(?:Service|Ministry|Office|Kremlin|Government|Court|Police|"
    r"Prosecutor(?:'s|’s)?(?:\s+Office)?|Committee|Duma|Parliament|President|Governor|FSIN|FSB|"
    r"MVD)|(?:the\s+)?(?:government|authorities|police|prosecutors?|court|officials?|"
    r"(?:press\s+)?service|spokes(?:man|woman|person|people))"
)
CONFIRMING = re.compile(
    rf"(?=[A-Zgapcost])\b(?:{AUTHORITY})\b(?:\s+\([A-Z]+\))?\s+(?:has\s+|have\s+|had\s+)?(?:officially\s+)?"
    r"(?:announced|confirmed|said|stated|launched|opened|fired|dismissed|sentenced|detained|"
    r"arrested|ordered|charged|approved|signed)\b"
)
SPEAKER = r"(?P<who>(?:[A-Z][\w.’'-]*\s+){0,3}[A-Z][\w.’'-]*)"
# The same words, grouped from the first capital on: a pattern that starts by reading one of
# a set of characters lets the regex engine pass quickly over the places holding none (each
# word's rest and the spaces after it come before the next capital; no match changes).
SPEAKER_READ_FIRST = r"(?P<who>[A-Z](?:[\w.’'-]*\s+[A-Z]){0,3}[\w.’'-]*)"
# Each pattern with what it cannot match without (any one of these strings; none: no
# such string), looked for first: most sentences cite no one "according to" and quote no one.
ATTRIBUTIONS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(rf"\b[Aa]ccording to (?:the\s+)?(?:founder\s+)?{SPEAKER}"), ("ccording to ",)),
    (
        re.compile(
            r"\b[Aa]ccording to (?P<who>an? (?:informed|anonymous|unnamed|official) source)"
        ),
        ("ccording to ",),
    ),
    (
        re.compile(
            rf"{SPEAKER_READ_FIRST}(?:\s+\([^)]{{1,20}}\))?\s+(?:said|says|told|reported|reports|added|claimed|claims|stated|announced|"
            r"wrote|noted|emphasi[sz]ed|underscored|confirmed|alleged|maintains)\b"
        ),
        (),
    ),
    # After a quotation: "“...,” said the ministry's spokeswoman Anna Volkova".
    (
        re.compile(
            r"[”\"],?\s+(?:said|says|told|added|wrote)\s+(?:[a-z]+\s+){0,3}"
            r"(?P<who>(?:[A-Z][\w.’'-]*\s+){0,3}[A-Z][\w.’'-]*)"
        ),
        ("”", '"'),
    ),
    (re.compile(rf"(?=c)\bciting\s+(?:the\s+)?{SPEAKER}"), ("citing",)),
]
# A source told by what it is, not by name: "police said", "his lawyer told reporters", "the
# regional emergencies service said". Asked after the named sources.
SOURCE_NOUN = (
    r"(?:police|officials?|prosecutors?|investigators?|witnesses|rescuers|doctors|medics|"
    r"residents|activists|authorities|lawyers?|attorneys?|spokes(?:man|woman|person)|sources|"
    r"diplomats|organi[sz]ers|relatives|ministry|court|agency|service|office|committee|"
    r"department|governor|mayor)"
)
# The words that may stand before it: a determiner, a possessive, an adjective of kind or
# level, a nationality ("Turkish officials").
SOURCE_MODIFIERS = (
    "the",
    "local",
    "regional",
    "federal",
    "state",
    "city",
    "district",
    "provincial",
    "senior",
    "top",
    "government",
    "military",
    "security",
    "health",
    "emergency",
    "emergencies",
    "border",
    "rescue",
    "prison",
    "court",
    "police",
    "press",
    "defence",
    "defense",
    "family",
    "company",
    "hospital",
    "a",
    "an",
    "one",
    "law",
    "enforcement",
    "diplomatic",
    "intelligence",
    "industry",
    "his",
    "her",
    "their",
    "its",
    "two",
    "three",
    "several",
    "some",
    "other",
)
SOURCE_MODIFIER = rf"(?:(?i:{'|'.join(SOURCE_MODIFIERS)})|[A-Z][a-z]+(?:an|ese|ish|i)|[\w-]+[’']s)"
DESCRIBED_SOURCE = re.compile(
    rf"(?<![\w’'-])(?P<who>(?:(?i:a|an|one|the)\s+(?:{SOURCE_MODIFIER}\s+){{0,3}}(?i:source)"
    rf"|(?:{SOURCE_MODIFIER}\s+){{0,3}}(?i:{SOURCE_NOUN}))"
    # "a source close to the investigation", "sources familiar with the matter"
    r"(?:\s+(?:close\s+to|familiar\s+with)\s+(?:[\w’'-]+\s+){0,3}?[\w’'-]+)?)"
    r"\s+(?:said|says|say|told|reported|reports|added|confirmed|stated)\b"
)
SOURCE_NOUN_WORD = re.compile(SOURCE_NOUN, re.I)
# A capitalised word just before, not starting the sentence, nor a day's or month's name.
NAME_BEFORE = re.compile(rf"(?<=[\w,;:])\s+(?!(?:{WEEKDAY}|{MONTH})\b)[A-Z][\w’'-]*\s+$")
OBJECT_OF = re.compile(r"\b(?:to|by|from|with|of|for|against|at)\s+$", re.I)
PLACED_SOURCE = re.compile(
    rf"(?<![\w’'-])(?:{SOURCE_MODIFIER}\s+){{0,3}}(?i:{SOURCE_NOUN})\s+(?:in|at|from)\s+$"
)
DESCRIBED_NEEDS = (" said", " say", " told", " report", " added", " confirmed", " stated")
NOT_SPEAKERS = set(
    """
    The A An He She It They We I You This That These Those On In At Update After Before
    Since When While Once Also Later Earlier Then Meanwhile Following Because As If But And
    Yesterday Today Last Next
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Attribution:
    who: str | None
    status: str


# A name may hold lower-case links: "the Ministry of Defence", "the Committee to Protect
# Journalists". The patterns above stop at the link, so their match is widened over one on
# either side: cut there, the source read "according to Defence".
CAPITALISED_RUN = r"[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3}"
LINKED_BEFORE = re.compile(
    rf"(?:^|(?<=\s))(?!According\b){CAPITALISED_RUN}\s+(?:of|for|to)\s+(?:the\s+)?$"
)
# A full stop after a word of two letters or more ends the sentence, not an initial ("Jr.").
FULL_STOP = re.compile(r"(?<=[a-z]{2})\.$")
LINKED_AFTER = re.compile(rf"\s+(?:of|for|to)\s+(?:the\s+)?{CAPITALISED_RUN}")
THE_BEFORE = re.compile(r"(?:^|(?<=\s))[Tt]he\s+$")


def _named_source(text: str, start: int, end: int) -> str | None:
    """The source named from `start` to `end`, widened over a lower-case link in its name;
    "the" is kept before an institution's name ("according to the Ministry of Defence")."""
    for _ in range(2):
        before = LINKED_BEFORE.search(text[max(0, start - 120) : start])
        if before is None:
            break
        start -= len(before.group())
    # "prosecutors in Split said": the place is where the source is, not the source
    placed = PLACED_SOURCE.search(text[max(0, start - 80) : start])
    if placed is not None:
        start -= len(placed.group())
    for _ in range(2):
        after = LINKED_AFTER.match(text, end)
        if after is None:
            break
        end = after.end()
    words = text[start:end].split()
    definite = bool(THE_BEFORE.search(text[max(0, start - 4) : start]))
    article = "the " if definite else ""
    while words and words[0] in NOT_SPEAKERS:
        article = {"The": "the ", "A": "a ", "An": "an "}.get(words[0], "")
        words = words[1:]
    if not words:
        return None
    return article + FULL_STOP.sub("", " ".join(words))


def speaker(text: str) -> str | None:
    """The source a sentence names for its claim, if any."""
    for pattern, needs in ATTRIBUTIONS:
        if needs and not any(needed in text for needed in needs):
            continue
        for match in pattern.finditer(text):
            who = _named_source(text, *match.span("who"))
            if who:
                return _sentence_case(who)
    if any(needed in text for needed in DESCRIBED_NEEDS):
        for match in DESCRIBED_SOURCE.finditer(text):
            if OBJECT_OF.search(text, max(0, match.start() - 12), match.start()):
                continue  # "people who spoke to police said": the people did
            if NAME_BEFORE.search(text, max(0, match.start() - 40), match.start()):
                continue  # "the Kremlin press service said": a part of a name is no source
            who = _named_source(text, *match.span("who"))
            if who:
                return _sentence_case(who)
    return None


def _sentence_case(who: str) -> str:
    """A source told by what it is, capitalised only as its sentence's first word ("Police
    said", "Local police said"), as it reads inside a line: "according to local police"."""
    words = who.split()
    if len(words) == 1:
        described = SOURCE_NOUN_WORD.fullmatch(who) is not None
    else:  # a common noun last, not a name's ("the Federal Security Service")
        described = words[0].lower() in SOURCE_MODIFIERS and words[-1].islower()
    return who[:1].lower() + who[1:] if described else who


def status_of(text: str) -> str:
    """How sure the sentence is about what it reports."""
    if disclaims(text):
        return "unverified"
    if CONFIRMING.search(text):
        return "confirmed"
    if ALLEGED.search(text):
        return "alleged"
    return "reported"


@lru_cache(maxsize=1024)  # a draft's clause is asked once for its status, once for its source
def attribute(text: str) -> Attribution:
    """Who says so and how sure, from one sentence."""
    return Attribution(speaker(text), status_of(text))


@lru_cache(maxsize=1024)  # a sentence is asked, and as a clause for its status
def disclaims(text: str) -> bool:
    """Whether a sentence says the outlet could not verify what precedes it."""
    return bool(UNVERIFIED.search(text))
