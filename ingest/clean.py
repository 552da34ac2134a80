"""Separating an article from the page around it.

Scraped pages keep navigation, share buttons, donation appeals, newsletter and comment
prompts, "See also" teasers, captions of embedded videos about other stories and author bios.
Each line (a paragraph) is judged by general rules: its shape (short, no sentence ending,
credit-like), the prompts and appeals it contains, teaser and caption markers, repetition of
the title, its position (furniture gathers at the head and the tail) and topic drift (a
paragraph sharing almost no vocabulary with the rest of the article). Nothing is rewritten:
kept paragraphs are offsets into the text, so citations stay verbatim.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from ingest.patterns import by_first_letter

WORD = re.compile(r"[A-Za-zÀ-ÿА-Яа-яЁё][\w’'-]*")
SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*\s*$|[\"”]\s*$")

NAVIGATION = re.compile(
    r"^\W*(?:skip to(?: main)? content|main menu|menu|search|home|log ?in|sign ?in|sign up|"
    r"subscribe|share(?: this| to| on)?\b.*|read more|show more|see more|load more|"
    r"read (?:the )?full (?:story|article)|next|previous|advertisement|sponsored|"
    r"related(?: articles| stories| news)?|most read|trending|listen to (?:this )?article|"
    r"print|comments?|\d+ comments?|back to top|cookie.*|accept(?: all)?)\W*$",
    re.I,
)
SOCIAL = re.compile(
    r"\b(?:share|tweet|facebook|twitter|whatsapp|telegram|vkontakte|email|e-mail|copy link|"
    r"print)\b",
    re.I,
)
TEASER = re.compile(
    r"^\W*(?:see also|read also|read more|also read|also interesting|related|recommended|"
    r"more on (?:this|the topic)|more from|you may also like|don't miss|watch|listen)\b\s*:?",
    re.I,
)
# A caption of an embedded video or photo ends in its credit: "... Video: Agency".
CAPTION_CREDIT = re.compile(
    r"\b(?:Video|Photo|Photos|Reporter|Footage|Image|Credit|Source|Camera|Graphics?)\s*:\s*"
    r"[A-Z][^.!?]{0,80}(?:\.\s*)?$"
)
LABEL_CREDIT = re.compile(r"^\W*(?:Source|Photo|Image|Credit|Illustration|Cover)\s*:", re.I)
# What a donation, subscription or cookie appeal says.
APPEAL_PHRASES = [
    r"donat\w*",
    "recurring",
    r"subscri\w+",
    "newsletter",
    "sign(?:ing)? up",
    "leave a (?:reply|comment)",
    "your email",
    "required fields",
    "remind me later",
    "favou?r to ask",
    "thanks to (?:its|our|their) readers",
    "your (?:support|help|contribution)",
    "support (?:us|our|independent)",
    "please support",
    "become a (?:member|patron|supporter)",
    "pa[iy]ment methods?",
    "paywall",
    "not ready to support",
    "all rights reserved",
    "cookies?",
    "privacy policy",
    "terms of (?:use|service)",
    "can ?not play media",
    "media is not available",
    "not available in your (?:country|territory|region)",
    "enable javascript",
    "your browser",
]


# Asked only whether a line has one.
APPEAL = re.compile(by_first_letter(APPEAL_PHRASES), re.I)
# An author's bio at the foot of a page: "Our author ...", "Jane Roe is a freelance journalist".
BIO = re.compile(
    r"^(?:Our author|About the author|The author)\b"
    r"|^[A-Z][\w’'-]+(?: [A-Z][\w’'-]+){1,2} (?:is|was) "
    r"(?:a|an|the|our|(?:[A-Z][\w-]*\s)*[A-Z][\w-]*['’]s) (?:[\w’'-]+ ){0,4}"
    r"(?:journalist|correspondent|reporter|writer|editor|photographer|contributor|columnist)\b"
    r"|^[A-Z][\w’'-]+(?: [A-Z][\w’'-]+){1,2} (?:covers|writes about|reports on|has been "
    r"reporting|has reported)\b"
    r"|^(?:He|She|They) (?:has|have) (?:covered|reported|written|been (?:reporting|covering|"
    r"writing))\b"
)
# A bio told in the third person at the article's foot: a person (or "Our correspondent
# ...") who writes, reports or covers, for a publication or since a year. In the article's
# body such a sentence may be news about a journalist, so it only counts at the very end.
TAIL_BIO = re.compile(
    r"^(?:(?:Our|The) (?:[\w-]+ )?(?:author|correspondent|reporter|journalist|writer|editor|"
    r"contributor|columnist)\s+)?[A-Z][\w’'-]+(?: [A-Z][\w’'-]+){0,2}\s+"
    r"(?:(?:has|had) (?:also |long )?(?:written|reported|covered|worked|been (?:writing|"
    r"reporting|covering|working))|writes|reports|covers|worked|wrote)\b"
    r"(?=.*(?:\bfor (?:the )?[A-Z]|\bsince (?:19|20)\d\d\b))"
)
_ATTRIBUTED = re.compile(r"\b(?:said|says|told|according to)\b", re.I)
# A line that only announces a list of other stories.
MORE_MARKER = re.compile(
    r"^\W*(?:read more|see also|read also|also read|more on (?:this|the) (?:topic|story|subject)"
    r"|more (?:stories|news)|more from [\w ]{1,30}|related(?: articles| stories| news| content)?"
    r"|most read|recommended|you may also like|also interesting|top stories|latest news)\W*$",
    re.I,
)
CREDIT_LINE = re.compile(r"^[\w .’'-]{2,60}\s/\s[\w .’'-]{2,60}$")
TAGLINE = re.compile(r"[\"“][^\"“”]+[\"”]")
LINE = re.compile(r"[^\n]+")
EXPANDER = re.compile(r"\W*(?:show|see) more\W*", re.I)
SENTENCE_AND_CAPITAL = re.compile(r"[.!?]\s+[A-Z]")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
ABOUT_THE_SAME = re.compile(r"(?:He|She|They|His|Her|Their|Before|Previously|Prior)\b")
LABELLED = re.compile(r"^[\w ]{2,40}:\s")


@dataclass(frozen=True)
class Block:
    """One paragraph of the text: offsets, and why it was dropped (None when kept)."""

    start: int
    end: int
    text: str
    reason: str | None = None

    @property
    def kept(self) -> bool:
        return self.reason is None

    @cached_property  # asked by most rules
    def words(self) -> int:
        return len(WORD.findall(self.text))


@dataclass(frozen=True)
class CleanText:
    text: str
    blocks: tuple[Block, ...]

    @property
    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if b.kept]

    @property
    def dropped(self) -> list[Block]:
        return [b for b in self.blocks if not b.kept]


def split_blocks(text: str) -> list[Block]:
    """Non-blank lines with their offsets, surrounding spaces excluded."""
    blocks = []
    for match in LINE.finditer(text):
        line = match.group()
        stripped = line.strip().strip("\u00a0").strip()
        if not stripped:
            continue
        start = match.start() + line.index(stripped)
        blocks.append(Block(start, start + len(stripped), stripped))
    return blocks


def _norm(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


def _line_reason(
    block: Block, norm: str, title: str | None, title_norm: str, seen: set[str]
) -> str | None:
    """Why a line is page furniture (None when it may be the article); `norm` is its words,
    `title_norm` the title's."""
    text, words = block.text, block.words
    if not norm:
        return "no words"
    if title_norm and norm == title_norm:
        return "title"
    if norm in seen and words < 30:
        return "repeated line"
    if title is None and block.start == 0 and words <= 25 and not SENTENCE_END.search(text):
        return "title"
    if NAVIGATION.match(text):
        return "navigation"
    if TEASER.match(text) and (words < 25 or not SENTENCE_END.search(text)):
        return "teaser"
    if ":" in text and CAPTION_CREDIT.search(text):  # a credit follows a colon
        return "caption"
    if LABEL_CREDIT.match(text) and words < 12:
        return "credit"
    if CREDIT_LINE.match(text) and words <= 8:
        return "credit"
    if words <= 6 and SOCIAL.search(text):
        return "share prompt"
    if APPEAL.search(text):
        return "appeal"
    if words <= 8 and not SENTENCE_END.search(text):
        return "heading"
    if TAGLINE.fullmatch(text) and words <= 20:
        return "tagline"
    return None


def _followed_by_more_prompt(blocks: list[Block], i: int) -> bool:
    """A line an expander follows ("Show more") is a truncated caption; "Read more" after a
    line opens a list of other stories instead, and says nothing about the line."""
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    return bool(nxt and EXPANDER.fullmatch(nxt.text))


def _headline(block: Block) -> bool:
    """The shape of a headline: one short line starting with a capital, no full stop."""
    text = block.text
    return (
        block.words <= 20
        and text[:1].isupper()
        and not SENTENCE_END.search(text)
        and not SENTENCE_AND_CAPITAL.search(text)
    )


def _teasers(blocks: list[Block], reasons: list[str | None]) -> None:
    """Headlines of other stories: the run of headline-shaped lines after a "Read more"
    marker, and a headline-shaped line between two lines of furniture."""
    in_list = False
    for i, block in enumerate(blocks):
        if MORE_MARKER.match(block.text):
            in_list = True
            continue
        if in_list and (_headline(block) or reasons[i] in ("heading", "teaser")):
            reasons[i] = reasons[i] or "teaser"
            continue
        in_list = False
    for i in range(1, len(blocks) - 1):
        between = reasons[i - 1] is not None and reasons[i + 1] is not None
        if reasons[i] is None and between and _headline(blocks[i]):
            reasons[i] = "teaser"


def _about_one_person(text: str) -> bool:
    """A bio goes on about its person ("She previously worked ..."); a paragraph that goes
    on to other news ("Police searched his flat ...") is the article's."""
    sentences = SENTENCE_BREAK.split(text)
    return all(ABOUT_THE_SAME.match(s) for s in sentences[1:])


def _tail_bio(block: Block) -> bool:
    """A short third-person line telling who wrote the article: "Jane Roe has written about
    ... for the Herald since 2021." Only judged at the article's foot."""
    text = block.text
    first = SENTENCE_BREAK.split(text)[0]
    return (
        block.words <= 45
        and bool(TAIL_BIO.match(first))
        and not _ATTRIBUTED.search(text)
        and _about_one_person(text)
    )


# A short line that is a sentence of the article's, not a label, byline or stamp.
SHORT_LEDE = re.compile(r"^[A-Z][^:|]*[a-z0-9]{2}[.!?]$")
STAMP = re.compile(
    r"^(?:By|Published|Updated|Posted|Last updated|Photo|Image|Video|Edited|Editing|Reporting|"
    r"Additional reporting|Writing|Translated|Compiled)\b",
    re.I,
)
# A page speaking to its reader ("Let's stick together", "Thank you for reading"): no news.
ADDRESS = re.compile(r"\b(?:let[’']s|we|our|us|you|your|thank)\b", re.I)


def _short_lede(block: Block) -> bool:
    """A short sentence at the head or the foot: the article's news, however brief, not
    furniture."""
    text = block.text
    return (
        block.words >= 4
        and bool(SHORT_LEDE.match(text))
        and not STAMP.match(text)
        and not ADDRESS.search(text)
    )


def _weak(block: Block) -> bool:
    """Short lines that can only be furniture when they sit among furniture."""
    return block.words <= 8 or bool(TAGLINE.fullmatch(block.text))


COMMON = set(
    """
    about after also been before being could does from have into just like more most much
    only other over said says some such than that their them then there these they this
    those through under very were what when where which while will with would year years
    """.split()  # noqa: SIM905
)


def _vocabulary(lines: list[list[str]]) -> set[str]:
    """The content words of some lines (case folded words in, longer than three letters)."""
    return {w for words in lines for w in words if len(w) > 3 and w not in COMMON}


def _goes_on(block: Block, folded: list[str], told: set[str]) -> bool:
    """A paragraph of the article: a sentence of some length about what the article told
    (two of its content words), not a footer's line about the outlet."""
    return (
        block.words >= 12
        and bool(SENTENCE_END.search(block.text))
        and len(_vocabulary([folded]) & told) >= 2
    )


def _drifted(blocks: list[Block], folded_words: list[list[str]]) -> set[int]:
    """Indexes of paragraphs that share no content word with the rest of the article and
    sit among furniture: a story about something else dropped into the page.
    `folded_words`: each block's words, case folded."""
    vocab = [
        {
            w[:-2] if w.endswith(("’s", "'s")) else w  # "the region's" meets "the region"
            for w in set(words)
            if len(w) > 3 and w not in COMMON
        }
        if b.kept
        else set()
        for b, words in zip(blocks, folded_words, strict=True)
    ]
    if sum(1 for words in vocab if words) < 5:
        return set()  # too little article to tell its topic from a digression
    counts: Counter[str] = Counter(w for words in vocab for w in words)
    drifted = set()
    for i, words in enumerate(vocab):
        if len(words) < 8 or any(counts[w] > 1 for w in words):
            continue
        # Alone, a paragraph with new words may just be a new turn of the story; next to
        # page furniture (a teaser, a caption) or under a "Label:" it is an embedded story.
        beside_furniture = any(0 <= j < len(blocks) and not blocks[j].kept for j in (i - 1, i + 1))
        if beside_furniture or LABELLED.match(blocks[i].text):
            drifted.add(i)
    return drifted


def clean(text: str, title: str | None = None) -> CleanText:
    """Judge every paragraph of `text`; kept ones are the article."""
    blocks = split_blocks(text)
    seen: set[str] = set()
    reasons: list[str | None] = []
    # Each line's words, case folded: compared with the lines before, then for topic drift.
    folded_words = [WORD.findall(block.text.casefold()) for block in blocks]
    title_norm = _norm(title) if title else ""
    for i, block in enumerate(blocks):
        norm = " ".join(folded_words[i])  # as _norm(block.text)
        reason = _line_reason(block, norm, title, title_norm, seen)
        if reason is None and _followed_by_more_prompt(blocks, i):
            reason = "caption"
        reasons.append(reason)
        seen.add(norm)
    _teasers(blocks, reasons)
    # Furniture gathers at the head and the tail: short lines there go with it.
    for order in (range(len(blocks)), range(len(blocks) - 1, -1, -1)):
        head = order.step == 1
        for i in order:
            # At the head, a line that is no sentence is the headline or a kicker.
            # At the tail, one is the headline of another story.
            headline = (
                blocks[i].words <= 25 and not SENTENCE_END.search(blocks[i].text)
                if head
                else _headline(blocks[i])
            )
            if reasons[i] is None and not head and _tail_bio(blocks[i]):
                reasons[i] = "author bio"
                continue
            if reasons[i] is None and _short_lede(blocks[i]):
                # "A Moscow court jailed Ivan Petrov on Monday." opens the article; "He was
                # moved to a colony on Friday." may close it
                break
            if reasons[i] is None and not _weak(blocks[i]) and not headline:
                break
            reasons[i] = reasons[i] or ("head" if head else "tail")
    # An author's bio in the last part of the page is not the article.
    for i, block in enumerate(blocks):
        if (
            reasons[i] is None
            and i >= len(blocks) * 0.6
            and BIO.search(block.text)
            and _about_one_person(block.text)
        ):
            reasons[i] = "author bio"
    # An appeal in the last part of the page starts the page's footer, unless the article
    # goes on after it (a newsletter or cookie box set into the text).
    content = [i for i, r in enumerate(reasons) if r is None]
    if content:
        appeals = [
            i
            for i, r in enumerate(reasons)
            if r == "appeal" and i > len(blocks) * 0.6 and i > content[0]
        ]
        if appeals:
            told = _vocabulary([folded_words[i] for i in range(appeals[0]) if reasons[i] is None])
            cut = next(
                (
                    a
                    for a in appeals
                    if not any(
                        reasons[i] is None and _goes_on(blocks[i], folded_words[i], told)
                        for i in range(a + 1, len(blocks))
                    )
                ),
                None,
            )
            if cut is not None:
                for i in range(cut, len(blocks)):
                    reasons[i] = reasons[i] or "after appeal"
    marked = [Block(b.start, b.end, b.text, r) for b, r in zip(blocks, reasons, strict=True)]
    for i in _drifted(marked, folded_words):
        marked[i] = Block(marked[i].start, marked[i].end, marked[i].text, "off topic")
    return CleanText(text, tuple(marked))
