"""One-line summaries built from the sentence itself.

The sentence is trimmed, never paraphrased: a wire dateline and an opening date phrase go
(the event's date says it), a name the page dropped (a scraped link: "published the video",
"’s website", "After announced") is filled in with the organisation the article names, a
leading pronoun becomes the person or organisation it stands for, and a long sentence is
cut at a clause boundary. At most SUMMARY_LIMIT characters, whatever the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.dates import MONTH, TimeContext, find_times
from ingest.sentences import PAST_VERB

SUMMARY_LIMIT = 200


@dataclass(frozen=True)
class Speakers:
    """Who a summary may name for a dropped name or a leading pronoun."""

    organisation: str  # "the prisoners' rights group", or a generic "the group"
    named_organisation: bool  # the article itself described the organisation
    person: str | None  # the person last named


# "MOSCOW, Oct 5 (Reuters) - ": where and when the wire filed, not part of the news.
DATELINE = re.compile(
    r"^[A-Z][A-Z .’'-]{1,40},?\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+(?:\d{4}\s+)?)?"
    r"(?:\([^)]{1,40}\)\s*)?[-–—]+\s+"
)
LEADING_FILLER = re.compile(
    r"^(?:(?:also|later|earlier|then|meanwhile|update\.?|and|but|in|on|at|from|since|by|"
    r"during|the|day|that|late|early|of|until)\s*,?\s*)*$",
    re.I,
)
# Words a summary should not end with (a preposition, an article, a possessive).
DANGLING_WORDS = (
    r"(?:by|of|to|from|with|at|in|on|for|and|or|but|the|a|an|that|which|who|as|about|"
    r"published|released|obtained|its|their|his|her|[\w-]+[’']s)"
)
DANGLING_END = re.compile(rf"(?:\s+{DANGLING_WORDS})+\s*$", re.I)
DANGLING_WORD = re.compile(DANGLING_WORDS, re.I)


def drop_dangling_end(text: str) -> str:
    """The text without a run of DANGLING_END words at its end, as `DANGLING_END.sub("",
    text)` gives it, read from the end word by word: the pattern itself tries every space of
    the text, and most texts end in no such word."""
    rest, cut = text.rstrip(), None
    while rest:
        parts = rest.rsplit(None, 1)
        if not DANGLING_WORD.fullmatch(parts[-1]):
            break
        if len(parts) == 1 and not rest[:1].isspace():
            break  # the text's first word: no space before it, so not part of the run
        rest = parts[0] if len(parts) == 2 else ""
        cut = len(rest)  # the run starts with the space after what is left
    return text if cut is None else text[:cut]


CUT_BEFORE = re.compile(
    r",\s+(?=(?:which|who|describing|citing|declining|emphasi[sz]ing|adding|saying|according|"
    r"while|when|as|following|along|after|although|but|because|in order)\b)|\s+–\s+|;\s+"
    r"|\s+(?=in response to\b)|\s+(?=(?:by|of|about|from)\s+[“\"])"
)
# A conjunction straight before a past verb lost its subject: "After announced the leak".
DROPPED_SUBJECT_AFTER = re.compile(r"^(After|Before|Since|When|Once|As|Because)\s+(?=[a-z]+ed\b)")
# Where a linked name was dropped mid-sentence: a possessive with no owner ("about’s
# reports"), a preposition before punctuation or a verb ("founder of lives"), "obtained by
# that reportedly ...". Ordinary sentence-final prepositions ("what it referred to.") are
# left alone.
DROPPED_NAME_GAP = re.compile(
    r"\b(by|about|of|from|with|to|founder of)(?=\s*(?:’s|'s)\b)"
    r"|\b(by)(?=\s*[.,;])"
    r"|\b(by)(?=\s+(?:that|which)\s+(?:reportedly|allegedly|shows?|[a-z]+ed)\b|\s+[“\"])"
    r"|\b(of)(?=\s+(?:lives|has|is|was|says|said|tells|told|plans)\b)"
)


LEADING_COMMA = re.compile(r"^\s*,?\s*")


def _strip_leading_time(text: str, ctx: TimeContext) -> str:
    """Drop an opening date phrase ("On Tuesday, October 5, ...", "Later, in November, ...");
    the event's date says it."""
    for _ in range(3):
        leading = [
            e
            for e in find_times(text[:80], ctx)
            if e.start <= 40 and LEADING_FILLER.match(text[: e.start])
        ]
        if not leading:
            break
        rest = LEADING_COMMA.sub("", text[leading[0].end :])
        if len(rest.split()) < 3 or POSSESSIVE_START.match(rest):
            break  # "Tuesday's earthquake killed ...": the date is part of the subject
        text = rest
    return text


# A summary that starts with a verb lost its subject (after a leading date phrase is gone,
# "inspectors found ..." or "more than 30,000 residents ..." start with a noun instead).
VERB_START = re.compile(
    rf"^(?:(?:also|then|later|has|have|had)\s+)*(?:{PAST_VERB}|says|maintains|plans|notes|"
    r"claims|reports|writes|tells|adds|publishes|announces|accuses|believes|promised)\b"
)


# What a person has, not an organisation: "’s lawyer", "’s trial" belong to someone.
PERSONAL_NOUN = re.compile(
    r"^(?:’s|'s)\s+(?:[\w-]+\s+)?(?:lawyer|attorney|wife|husband|sister|brother|mother|father|"
    r"son|daughter|family|relatives|partner|trial|sentence|arrest|appeal|detention|colleagues?)\b"
)


POSSESSIVE_START = re.compile(r"^(?:’s|'s)\b")


def _fill_dropped_name(text: str, who: Speakers, clause_piece: bool = False) -> str:
    referent = who.organisation
    if PERSONAL_NOUN.match(text):
        return who.person + text if who.person else "Their" + text[2:]
    if POSSESSIVE_START.match(text):
        return referent[0].upper() + referent[1:] + text
    if VERB_START.match(text) and not clause_piece:
        text = f"{referent} {text}"  # "published the recordings ...": the subject was a link
    text = DROPPED_SUBJECT_AFTER.sub(lambda m: f"{m.group(1)} {referent} ", text)
    return DROPPED_NAME_GAP.sub(lambda m: f"{m.group()} {referent}", text)


FEMALE_NAME = re.compile(r"^(?:\S+a\s.*|.*(?:ova|eva|ina|yna|skaya))$")
MALE_SURNAME = re.compile(r"(?:ov|ev|in|yn|sky|skiy)$")


def _gender_clash(pronoun: str, person: str) -> bool:
    """Whether a pronoun cannot refer to the name by the name's grammatical gender (Slavic
    surnames, first names ending in -a): then the pronoun is left as written."""
    female = bool(FEMALE_NAME.match(person))
    male = bool(MALE_SURNAME.search(person)) and not female
    if pronoun in ("He", "His"):
        return female
    return male


PERSONAL_PRONOUN_START = re.compile(r"^(He|She|His|Her)\b")
SPEAKING_PRONOUN_START = re.compile(
    r"^(It|They)\s+(?=(?:said|reported|announced|published|released)\b)"
)


def _resolve_pronoun(text: str, who: Speakers) -> str:
    person = who.person
    match = PERSONAL_PRONOUN_START.match(text)
    if match and person and not _gender_clash(match.group(1), person):
        word = match.group(1)
        replacement = person if word in ("He", "She") else f"{person}’s"
        return replacement + text[len(word) :]
    # "It said ...", "They announced ...": the organisation speaking. A possessive "Its"
    # may belong to anything (a city, a plant), so it is left as written.
    match = SPEAKING_PRONOUN_START.match(text)
    if match and who.named_organisation:
        referent = who.organisation
        return referent[0].upper() + referent[1:] + text[len(match.group(1)) :]
    return text


SHORT_BRACKETS = re.compile(r"\s*\((?:[^()]{0,60})\)")
# A comma before anything but a list of names ("Smith, Jones and ...").
CUTTABLE_COMMA = re.compile(r",\s(?![A-Z][\w-]*(?:,|\s+(?:and|or)\s))")


def shorten(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """At most `limit` characters, cut at a clause boundary when one is near."""
    if "(" in text:
        text = SHORT_BRACKETS.sub("", text)
    text = " ".join(text.split())  # white space runs as one space, none at the ends
    if len(text) <= limit:
        return text
    cuts = [m.start() for m in CUT_BEFORE.finditer(text) if 40 <= m.start() <= limit - 1]
    if cuts:
        return drop_dangling_end(text[: cuts[-1]]).rstrip(" ,;:") + "."
    commas = [m.start() for m in CUTTABLE_COMMA.finditer(text) if 60 <= m.start() <= limit - 1]
    if commas:
        return drop_dangling_end(text[: commas[-1]]).rstrip(" ,;:") + "."
    cut = text.rfind(" ", 0, limit - 1)
    if cut < limit // 2:
        cut = limit - 1  # no space to cut at: a word is cut
    return drop_dangling_end(text[:cut]).rstrip(" ,;:") + "…"


# A desk's label before the news ("Update.", "BREAKING:", "UPDATE 2-", "EXCLUSIVE-"): how the
# item was filed, not what happened.
UPDATE_LABEL = re.compile(
    r"^\s*(?:(?:Update|UPDATE)\.|(?:(?:BREAKING|UPDATE|UPDATED|EXCLUSIVE|URGENT|FLASH|CORRECTED|"
    r"REFILE|WRAPUP|FACTBOX|ANALYSIS)(?:\s+NEWS)?(?:\s*\d+)?|(?:Breaking|Updated?|Exclusive|"
    r"Urgent)(?:\s+news)?)\s*(?::|-|–|—)(?=\s*\S))\s*"
)
# A sentence's link to the one before it ("But ...", "However, ...") links to nothing on a
# line of its own. Words that may also start a noun phrase ("Still images", "Yet another")
# count only with their comma.
CONNECTIVE_OPENER = re.compile(
    r"^(?:(?:And|But|Meanwhile),?\s+|(?:However|Moreover|Furthermore|Nevertheless|Nonetheless|"
    r"Still|Yet|Also|Instead|Indeed|In addition|In turn|At the same time|By contrast|"
    r"In contrast|Besides|Even so|That said),\s+)"
)
CLAUSE_OPENER = re.compile(r"^(?:and|but|while)\s+")
# A subordinate clause cut from its sentence for a date of its own ("..., after Georgia
# requested assistance on Wednesday") is its own happening: the conjunction goes, when a
# subject and a past verb follow ("after the storm" is no clause).
SUBORDINATOR_OPENER = re.compile(
    rf"^(?:after|before|when|once|because|since|as)\s+(?=(?:[\w’'.-]+\s+){{1,6}}?{PAST_VERB}\b)"
)
DASH_OPENER = re.compile(r"^[–—-]\s+")
PRONOUN_OPENER = re.compile(r"^(?:he|she|it|they|his|her|its|their)\b")
QUOTED_TITLE = re.compile(r"\b(?:by|of|about|from)\s+[“\"][A-Z]")
QUOTED_TITLE_TAIL = re.compile(r"\s+(?:by|of|about|from)\s+[“\"].*$")


def summarize(text: str, ctx: TimeContext, who: Speakers) -> str:
    """A one-line summary built from the sentence (or clause) itself."""
    s = UPDATE_LABEL.sub("", text.strip())
    s = DATELINE.sub("", s)
    # A clause cut from its sentence ("and was contained ...") lost no linked name: its
    # subject is the sentence's, so no name is filled in for it.
    clause_piece = CLAUSE_OPENER.match(s) is not None
    s = CLAUSE_OPENER.sub("", s)
    s = SUBORDINATOR_OPENER.sub("", s)
    s = CONNECTIVE_OPENER.sub("", s)
    s = DASH_OPENER.sub("", s)
    s = _strip_leading_time(s, ctx)
    if PRONOUN_OPENER.match(s):
        s = s[0].upper() + s[1:]
    s = _fill_dropped_name(s, who, clause_piece)
    s = _resolve_pronoun(s, who)
    quoted = ("“" in s or '"' in s) and QUOTED_TITLE.search(s)
    s = QUOTED_TITLE_TAIL.sub("", s) if quoted else s
    s = _drop_deictic_time(_pair_quotes(s))  # paired first: quoted words stay as said
    s = shorten(s)
    s = s[:1].upper() + s[1:]
    if s and s[-1] not in '.!?…”"':
        s = drop_dangling_end(s).rstrip(" ,;:") + "."
    room = SUMMARY_LIMIT
    paired = _pair_quotes(s)
    while len(paired) > SUMMARY_LIMIT and room > 1:
        room -= 1
        paired = _pair_quotes(s[: room - 1].rstrip() + "…")
    return paired or text.strip()[: SUMMARY_LIMIT - 1]


# Time told from the day of writing ("earlier this week", "yesterday", "February of this
# year"): read later, in a briefing, it is wrong, and the event's date says when.
OF_THIS_YEAR = re.compile(rf"(?P<month>{MONTH})\s+of\s+(?:this|last)\s+year\b(?![’']s)")
DEICTIC_TIME = re.compile(
    r"\s+(?:(?:earlier|later)\s+)?(?:(?:this|last)\s+(?:week|month|year)|yesterday|today|"
    r"tonight|this\s+(?:morning|afternoon|evening))\b"
    # not one of two times ("this year and last year"): taken out, it would leave "and"
    r"(?![’'-]|\s+(?:and|or)\s+(?:earlier\s+|later\s+)?(?:this|last|yesterday|today|tonight)\b)"
)
# After these the time is needed ("until today", "since last year"): it is kept.
NEEDS_ITS_TIME = re.compile(
    r"\b(?:of|for|until|till|since|by|from|than|as of|before|after|through|during|and|or|"
    r"between)$",
    re.I,
)
LEFT_OVER_SPACE = re.compile(r"\s+(?=[,.;:!?])|(?<=,),+")
QUOTED_PIECE = re.compile(r"(“[^”]*”?|\"[^\"]*\"?)")  # split on it: odd pieces are quoted


def _drop_deictic_time(s: str) -> str:
    """The summary without time told from the day of writing, outside quotations."""
    if not any(word in s for word in ("this ", "last ", "yesterday", "today", "tonight")):
        return s
    pieces = QUOTED_PIECE.split(s)
    for i in range(0, len(pieces), 2):
        piece = OF_THIS_YEAR.sub(r"\g<month>", pieces[i])
        kept, at = [], 0
        for match in DEICTIC_TIME.finditer(piece):
            if NEEDS_ITS_TIME.search(piece[: match.start()]):
                continue
            kept.append(piece[at : match.start()])
            at = match.end()
        kept.append(piece[at:])
        pieces[i] = LEFT_OVER_SPACE.sub("", "".join(kept))
    return "".join(pieces)


STRAIGHT_OPENING = re.compile(r'"(?=\w)')


def _pair_quotes(s: str) -> str:
    """A summary from one sentence of a quotation that runs over several ("“The conditions
    yesterday were very hot.", "I've lost my brother today.”") gets the mark it lacks: an
    unpaired one read as a typo, and hid where the quoted words start or end."""
    opened, closed = s.count("“"), s.count("”")
    if opened > closed:
        s += "”" * (opened - closed)
    elif closed > opened:
        s = "“" * (closed - opened) + s
    if s.count('"') % 2:
        s = s + '"' if STRAIGHT_OPENING.search(s[s.rindex('"') :]) else '"' + s
    return s
