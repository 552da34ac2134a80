"""Sentences and clauses with their offsets, so that every excerpt is a verbatim slice."""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = {
    "no",
    "nos",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "jr",
    "sr",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "gov",
    "sen",
    "rep",
    "prof",
    "vs",
    "etc",
    "inc",
    "ltd",
    "co",
    "corp",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "approx",
    "est",
    "fig",
    "p",
    "pp",
    "ch",
    "art",
    "para",
    "vol",
}
# A sentence may start lower-case: scraped pages drop linked names ("... prison. also shared").
BOUNDARY = re.compile(
    r"(?<=[.!?…])[\"”’)\]]*(?:\s+(?=[\"“‘(\[]?[A-Za-zА-Яа-я0-9–—-])|(?=[’']s\s))"
)
PAST_VERB = (
    r"(?:[a-z]\w*ed|said|told|took|made|began|sent|went|came|gave|left|met|held|found|wrote|"
    r"brought|kept|put|set|won|lost|paid|ran|fled|fell|rose|saw|became|struck|hit|led|shot|"
    r"sought|spoke|stood|threw|broke|chose|drove|flew|forbade|froze|grew|hid|hung|knew|"
    r"laid|lay|meant|quit|read|rode|rang|sold|shut|sank|slid|spent|spread|stole|stuck|"
    r"swore|taught|thought|tore|understood|woke|withdrew|wound|bought|built|caught|fought|"
    r"lent|bent|dealt|felt|slept|swept|struck|stole|did|had|was|were)"
)
# Clause boundaries inside a sentence: where a second happening may start.
CLAUSE_BREAK = re.compile(
    rf";\s+|,?\s+(?=(?:who|which)\s+(?:was|were|had|{PAST_VERB})\b)"
    rf"|,\s+(?=(?:after|before|when|as)\s+(?:[^\s,;]+\s+){{1,4}}{PAST_VERB}\b)"
    rf"|,?\s+(?=and\s+(?:the|a|an|its|his|her|their)\s+(?:[^\s,;]+\s+){{0,5}}{PAST_VERB}\b)"
    # a second predicate of the same subject: "broke out on 23 July and was contained on ..."
    rf"|,?\s+(?=(?:and|but)\s+(?:was|were)\s+(?:later\s+|finally\s+)?{PAST_VERB}\b)"
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


DOTTED_INITIALS = re.compile(r"\b[A-Za-z]\.[A-Za-z]\.$")
CAPITAL_NEXT = re.compile(r"\s+[A-Z“\"]")
WORD_AND_DOT = re.compile(r"([A-Za-z]+)\.$")
NUMBER_NEXT = re.compile(r"\s*\d")


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the full stop at `dot` ends an abbreviation or an initial, not a sentence."""
    window = text[max(0, dot - 20) : dot + 1]
    if DOTTED_INITIALS.search(window):
        # "a.m.", "U.S.": a sentence ends there only if a capital follows
        return not CAPITAL_NEXT.match(text[dot + 1 : dot + 4])
    match = WORD_AND_DOT.search(window)
    if not match:
        return False
    word = match.group(1)
    if word.lower() in ABBREVIATIONS:
        return not (word.lower() == "no" and not NUMBER_NEXT.match(text[dot + 1 : dot + 8]))
    # "Janet N. Vic", "U.S.": single capitals are initials
    return len(word) == 1 and word.isupper()


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of text[start:end] as spans into `text`, whitespace trimmed."""
    end = len(text) if end is None else end
    segment = text[start:end]
    spans, cursor = [], 0
    for match in BOUNDARY.finditer(segment):
        dot = match.start() - 1
        while dot > 0 and segment[dot] not in ".!?…":
            dot -= 1
        if segment[dot] == "." and _abbreviation_before(segment, dot):
            continue
        spans.append((cursor, match.start() + len(match.group().rstrip())))
        cursor = match.end()
    spans.append((cursor, len(segment)))
    result = []
    for s, e in spans:
        piece = segment[s:e]
        stripped = piece.strip()
        if not stripped:
            continue
        offset = start + s + piece.index(stripped)
        result.append(Span(offset, offset + len(stripped), stripped))
    return result


def split_clauses(text: str, span: Span) -> list[Span]:
    """Clauses of one sentence: at semicolons, before `who was`-style relative clauses and
    before `and` followed by a new subject. Each is a verbatim span of `text`."""
    pieces, cursor = [], span.start
    for match in CLAUSE_BREAK.finditer(span.text):
        cut = span.start + match.start()
        if cut > cursor:
            pieces.append((cursor, cut))
        cursor = span.start + match.end()
    pieces.append((cursor, span.end))
    result = []
    for s, e in pieces:
        piece = text[s:e]
        stripped = piece.strip(" ,")
        if stripped:
            offset = s + piece.index(stripped)
            result.append(Span(offset, offset + len(stripped), stripped))
    return result
