"""Time expressions in English news text, resolved to ISO dates at the precision the text gives.

Precision is part of the value: `2021` (year), `2021-10` (month), `2021-10-05` (day); spans
and seasons carry an end. Resolution needs context (`TimeContext`): the publication day for
`on Tuesday`, `last month`, `October 5`; the last date the text established for `two days
later`. A year the text leaves out is chosen so that a weekday the text gives agrees with it
and the date is not after publication (`Tuesday, October 5` in a January 2022 article is
2021-10-05).

Regular expressions do the finding because the grammar is small and they are fast; the
months, weekdays and number words are tables here, not calls to a parser in a loop.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple of": 2,
    "several": 3,
    "a few": 3,
}
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}

MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:1[5-9]\d\d|20\d\d)"
DASH = r"\s*(?:-|–|—|to|until|through|and)\s*"
NUM = (
    r"(?:\d+|a couple of|a few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve)"
)
PART = r"(?:(?P<part>early|mid|late|the (?:beginning|start|middle|end) of)[\s-]+)?"
# Words that make a bare four-digit number a year ("in 2011", "since 2015"), so that
# "18 employees", "over 30 years" or "survived 2024" never become dates.
YEAR_CUE = (
    r"(?:in|since|of|from|by|until|till|through|during|before|after|around|circa|early|late|mid"
    r"|the end of|the start of|the beginning of|spring|summer|autumn|fall|winter|year)"
)

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2021-10-05
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)\b")),
    # 05.10.2021, 05/10/2021
    ("numeric", re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})\b")),
    # November 1–14, 2021 / November 1 - December 3, 2021
    (
        "md_span",
        re.compile(
            rf"\b(?:(?i:from)\s+|(?P<btw>(?i:between))\s+)?(?P<m>{MONTH})\s+(?P<d>{DAY})\s*"
            # "and" joins a span only after "between": "on August 12 and 13 people" is no span
            rf"(?:-|–|—|to|until|through|(?(btw)and|(?!)))\s*"
            rf"(?:(?P<m2>{MONTH})\s+)?(?P<d2>{DAY})(?:,?\s+(?P<y>{YEAR}))?\b(?!\s*(?:%|percent))"
        ),
    ),
    # 1–14 November 2021
    (
        "dm_span",
        re.compile(
            rf"\b(?:(?i:from|between)\s+)?(?P<d>{DAY})\s*(?:-|–|—|to|until|and)\s*(?P<d2>{DAY})\s+"
            rf"(?P<m>{MONTH})"
            rf"(?:,?\s+(?P<y>{YEAR}))?\b"
        ),
    ),
    # from July 2015 to September 2020
    (
        "my_span",
        re.compile(
            rf"\b(?:from|between)\s+(?P<m>{MONTH})\s+(?P<y>{YEAR}){DASH}(?P<m2>{MONTH})\s+"
            rf"(?P<y2>{YEAR})\b"
        ),
    ),
    # from March to May, between March and May 2021 (without a year, the last such months)
    (
        "m_span",
        re.compile(
            rf"\b(?i:from|between)\s+(?P<m>{MONTH})\s*(?:-|–|—|to|until|till|through|and)\s*"
            rf"(?P<m2>{MONTH})\b(?:,?\s+(?P<y>{YEAR})\b)?(?!\.?\s*\d)"
        ),
    ),
    # Tuesday, October 5, 2021 / October 5 / Oct. 5th
    (
        "md",
        re.compile(
            rf"\b(?:(?P<wd>{WEEKDAY}),?\s+)?(?P<m>{MONTH})\s+(?P<d>{DAY})\b(?!\s*(?:%|percent|-|–))"
            rf"(?:,?\s+(?P<y>{YEAR})\b)?"
        ),
    ),
    # Tuesday, 5 October 2021 / 5th of October
    (
        "dm",
        re.compile(
            rf"\b(?:(?P<wd>{WEEKDAY}),?\s+)?(?:the\s+)?(?P<d>{DAY})\s+(?:of\s+)?(?P<m>{MONTH})\b"
            rf"(?:,?\s+(?P<y>{YEAR})\b)?"
        ),
    ),
    # between 2018-2020, from 1945 to 1950, 1921 and 1953 after between
    (
        "year_span",
        re.compile(rf"\b(?i:between|from)\s+(?P<y>{YEAR}){DASH}(?P<y2>{YEAR})\b"),
    ),
    ("year_span", re.compile(rf"\b(?P<y>{YEAR})\s*(?:-|–|—)\s*(?P<y2>{YEAR}|\d\d)\b")),
    # (early) October 2021, October of 2021, October of this year
    (
        "my",
        re.compile(
            rf"\b{PART}(?P<m>{MONTH}),?\s+(?:of\s+)?(?:(?P<y>{YEAR})\b|(?P<rel>this|last|next)\s+year\b)"
        ),
    ),
    # the summer of 2021, in the summer, last winter
    (
        "season",
        re.compile(
            rf"\b(?:(?P<cue>in|during|over|this|last|next|since|by|through)\s+)?(?:the\s+)?"
            rf"{PART}(?P<s>spring|summer|autumn|fall|winter)(?:\s+of\s+(?P<y>{YEAR}))?\b",
            re.I,
        ),
    ),
    # in (early) October, last March, since May
    (
        "month",
        re.compile(
            rf"\b(?P<cue>in|since|by|until|during|last|this|next|through|early|mid|late|of)\s+"
            rf"{PART}(?P<m>{MONTH})\b(?!\s+(?:\d|{YEAR}))",
            re.I,
        ),
    ),
    ("decade", re.compile(r"\b(?:in\s+)?the\s+(?P<y>1[5-9]\d0|20\d0)s\b")),
    # in 2011, since 2015, mid-2020
    (
        "year",
        re.compile(
            rf"\b(?P<cue>{YEAR_CUE})[\s-]+(?:the\s+(?:year\s+)?)?(?P<y>{YEAR})\b(?!\s*%)", re.I
        ),
    ),
    ("year_list", re.compile(rf"(?<=\d{{4}})(?:,|,? and|,? or)\s+(?P<y>{YEAR})\b")),
    # N days/weeks/months/years ago | later | earlier
    (
        "offset",
        re.compile(
            rf"\b(?P<n>{NUM})\s+(?P<unit>day|week|month|year)s?\s+(?P<dir>ago|later|earlier|after|before|afterwards|previously)\b",
            re.I,
        ),
    ),
    (
        "anaphoric",
        re.compile(
            r"\b(?:the\s+)?(?P<which>next|following|previous|preceding|same|prior)\s+"
            r"(?P<unit>day|week|month|year)\b|\b(?:the\s+)?(?P<which2>day)\s+(?:before|after)\b"
            r"|\blater\s+that\s+(?P<unit2>day|week|month|year)\b",
            re.I,
        ),
    ),
    (
        "relative",
        re.compile(
            r"\b(?P<mod>earlier|later|late|early)?\s*"
            r"(?P<rel>this|last|next|past|(?:over|at|on|during)\s+the)\s+"
            r"(?P<unit>week|month|year|weekend)\b",
            re.I,
        ),
    ),
    ("deictic", re.compile(r"\b(?P<word>today|yesterday|tomorrow|tonight)\b", re.I)),
    # on Tuesday, late on Friday, last Monday, Tuesday night
    (
        "weekday",
        re.compile(
            rf"\b(?:(?P<rel>last|next|this|on|late|early|late on|early on|by|until|since)\s+)?"
            rf"(?P<wd>{WEEKDAY})\b(?:\s+(?:night|morning|evening|afternoon))?",
        ),
    ),
]

# The characters a match of each pattern can start with, as the pattern reads case (its
# flags apply): "the"/"on" cues, a month's or weekday's capital, a digit. Put first as a
# lookahead, they let the regex engine pass over the other places of a text quickly; no
# match changes. ("anaphoric" starts with too many letters to gain from it.)
FIRST_CHARACTERS: list[tuple[str, str | None]] = [
    ("iso", r"\d"),
    ("numeric", r"\d"),
    ("md_span", "fbFBJMASOND"),  # from, between (any case), a month
    ("dm_span", "fbFB0-9"),  # from, between (any case), a day
    ("my_span", "fb"),
    ("m_span", "fbFB"),  # from, between (any case)
    ("md", "ADFJMNOSTW"),  # a weekday or a month
    ("dm", "MTWFSt0-9"),  # a weekday, "the", a day
    ("year_span", "bBfF"),
    ("year_span", "12"),
    ("my", "emltJFMASOND"),  # early, mid, late, the ..., a month
    ("season", "idotlnsbemafw"),  # its cues, "the", early/mid/late, a season
    ("month", "isbudltnemo"),
    ("decade", "it"),
    ("year", "isofbutdacelmwy"),
    ("year_list", ", "),
    ("offset", r"\dasotfen"),  # a number, in digits or words
    ("anaphoric", None),
    ("relative", r"eltnpoad\s"),  # with no modifier, a match may start at the space before
    ("deictic", "ty"),
    ("weekday", "lntoebusMTWFS"),  # its cues, a weekday
]
if [kind for kind, _ in FIRST_CHARACTERS] != [kind for kind, _ in PATTERNS]:
    raise ValueError("FIRST_CHARACTERS must list the PATTERNS in their order")
PATTERNS = [
    (kind, re.compile(f"(?=[{first}]){pattern.pattern}", pattern.flags) if first else pattern)
    for (kind, pattern), (_, first) in zip(PATTERNS, FIRST_CHARACTERS, strict=True)
]


@dataclass(frozen=True)
class TimeContext:
    """What a time expression is resolved against."""

    published: date | None = None
    anchor: date | None = None  # the last day-precise date the text established
    anchor_iso: str | None = None  # the last date established, at its precision
    year: int | None = None  # the last year the text named explicitly
    # The publication day was inferred from the text's own latest date: a bare weekday then
    # follows the narrative (the first such day after the last date told), not that day.
    narrative: bool = False


@dataclass(frozen=True)
class TimeExpr:
    start: int
    end: int
    text: str
    value: str  # ISO at precision
    end_value: str | None  # end of a span or season
    precision: str  # day | month | year | season | span
    kind: str  # which pattern found it
    explicit_year: bool  # the year is written in the text
    relative: bool  # resolved against context rather than read off the text

    @property
    def is_span(self) -> bool:
        return self.end_value is not None


# A match whose parts disagree ("Monday, October 5, 2021" when that was a Tuesday): it
# claims its text, so no shorter reading of it becomes a date either.
CONTRADICTION = TimeExpr(0, 0, "", "", None, "day", "contradiction", False, False)


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


LEADING_NUMBER = re.compile(r"\d+")


def _day(text: str) -> int:
    return int(LEADING_NUMBER.match(text).group())  # type: ignore[union-attr]


def _iso_day(d: date) -> str:
    return d.isoformat()


def _iso_month(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _shift_month(y: int, m: int, delta: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) + delta
    return index // 12, index % 12 + 1


def infer_year(month: int, day: int | None, weekday: int | None, ctx: TimeContext) -> int | None:
    """The year of a date written without one: not after publication (a week's grace for
    announced plans), agreeing with the weekday when one is given, nearest first."""
    reference = ctx.published or ctx.anchor
    if reference is None:
        return ctx.year
    base = ctx.year if ctx.published is None and ctx.year else reference.year
    candidates = _year_candidates(month, day, weekday, base)
    if not candidates and weekday is not None:
        # No year near the context fits the weekday: a slip in the weekday is likelier than
        # a jump of years, so the weekday is dropped rather than the context year.
        candidates = _year_candidates(month, day, None, base)
    if not candidates:
        return None
    if ctx.published is None:
        # Without a publication day the narrative may run on past its last date: the
        # nearest reading to that date wins, forward or back.
        return min(candidates, key=lambda c: abs((reference - c).days)).year
    limit = reference + timedelta(days=7 if day else 31)
    past = [c for c in candidates if c <= limit]
    if not past and weekday is not None:
        # The weekday only fits a year after publication: trust the year, not the weekday.
        past = [c for c in _year_candidates(month, day, None, base) if c <= limit]
    pool = past or candidates
    chosen = min(pool, key=lambda c: abs((reference - c).days))
    if day and (reference - chosen).days > 300:
        # "the concert at the stadium on 8 October" in a late-September article is that
        # coming day (a plan), not the same day almost a year back, which news would date
        # with its year.
        coming = [c for c in candidates if limit < c <= reference + timedelta(days=60)]
        if coming:
            return coming[0].year
    return chosen.year


def _year_candidates(month: int, day: int | None, weekday: int | None, base: int) -> list[date]:
    """Readings of a month and day near the context year; with a weekday, only the years
    next to it (a weekday recurs on a date every few years, so farther ones prove nothing)."""
    years: tuple[int, ...] = (base, base - 1, base + 1)
    if weekday is None:
        years += (base - 2, base - 3, base - 4, base - 5, base - 6)
    found = []
    for year in years:
        try:
            when = date(year, month, day or 1)
        except ValueError:
            continue
        if weekday is not None and day is not None and when.weekday() != weekday:
            continue
        found.append(when)
    return found


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _resolve(kind: str, m: re.Match[str], ctx: TimeContext) -> TimeExpr | None:
    g = m.groupdict()
    pub = ctx.published
    if kind == "iso":
        d = _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
        return _expr(m, _iso_day(d), None, "day", kind, True) if d else None
    if kind == "numeric":
        a, b, y = int(g["a"]), int(g["b"]), int(g["y"])
        # Dots are day-first (European); slashes month-first unless that cannot be.
        day_, month_ = (a, b) if g["sep"] == "." or a > 12 else (b, a)
        d = _safe_date(y, month_, day_)
        return _expr(m, _iso_day(d), None, "day", kind, True) if d else None
    if kind in ("md_span", "dm_span"):
        m1 = _month(g["m"])
        m2 = _month(g["m2"]) if g.get("m2") else m1
        d1, d2 = _day(g["d"]), _day(g["d2"])
        year = int(g["y"]) if g.get("y") else infer_year(m1, d1, None, ctx)
        if year is None:
            return None
        y = year
        first, last = _safe_date(y, m1, d1), _safe_date(y, m2, d2)
        if not first or not last or last < first:
            return None
        return _expr(m, _iso_day(first), _iso_day(last), "span", kind, bool(g.get("y")))
    if kind == "my_span":
        return _expr(
            m,
            _iso_month(int(g["y"]), _month(g["m"])),
            _iso_month(int(g["y2"]), _month(g["m2"])),
            "span",
            kind,
            True,
        )
    if kind == "m_span":
        from_month, to_month = _month(g["m"]), _month(g["m2"])
        y2 = int(g["y"]) if g.get("y") else infer_year(to_month, None, None, ctx)
        if y2 is None or from_month == to_month:
            return None
        y1 = y2 if from_month < to_month else y2 - 1  # "from November to February"
        span = (_iso_month(y1, from_month), _iso_month(y2, to_month))
        return _expr(m, *span, "span", kind, bool(g.get("y")), relative=not g.get("y"))
    if kind in ("md", "dm"):
        month_, day_ = _month(g["m"]), _day(g["d"])
        weekday = WEEKDAYS[g["wd"].lower()] if g.get("wd") else None
        if g.get("y"):
            d = _safe_date(int(g["y"]), month_, day_)
            if d is None or (weekday is not None and d.weekday() != weekday):
                return CONTRADICTION  # a weekday that contradicts the date: not trusted
            return _expr(m, _iso_day(d), None, "day", kind, True)
        inferred = infer_year(month_, day_, weekday, ctx)
        d = _safe_date(inferred, month_, day_) if inferred else None
        if d is None:
            return CONTRADICTION if weekday is not None else None
        return _expr(m, _iso_day(d), None, "day", kind, False, relative=True)
    if kind == "year_span":
        y1, y2s = int(g["y"]), g["y2"]
        y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
        if not y1 < y2 <= y1 + 200:
            return None
        return _expr(m, f"{y1:04d}", f"{y2:04d}", "span", kind, True)
    if kind == "my":
        month_ = _month(g["m"])
        if g.get("y"):
            return _expr(m, _iso_month(int(g["y"]), month_), None, "month", kind, True)
        if pub is None:
            return None
        y = pub.year + {"this": 0, "last": -1, "next": 1}[g["rel"].lower()]
        return _expr(m, _iso_month(y, month_), None, "month", kind, False, relative=True)
    if kind == "season":
        return _season(m, g, ctx)
    if kind == "month":
        cue = g["cue"].lower()
        if g["m"] == "May" and cue in ("of",):
            return None
        if g["m"].lower().startswith("may") and not g["m"][0].isupper():
            return None
        if not g["m"][0].isupper():
            return None
        month_ = _month(g["m"])
        if cue == "last" and pub:
            y = pub.year if month_ < pub.month else pub.year - 1
        elif cue == "next" and pub:
            y = pub.year if month_ > pub.month else pub.year + 1
        elif cue == "this" and pub:
            y = pub.year
        else:
            y = infer_year(month_, None, None, ctx)  # type: ignore[assignment]
        if y is None:
            return None
        return _expr(m, _iso_month(y, month_), None, "month", kind, False, relative=True)
    if kind == "decade":
        y = int(g["y"])
        return _expr(m, f"{y:04d}", f"{y + 9:04d}", "span", kind, True)
    if kind in ("year", "year_list"):
        return _expr(m, f"{int(g['y']):04d}", None, "year", kind, True)
    if kind == "offset":
        return _offset(m, g, ctx)
    if kind == "anaphoric":
        return _anaphoric(m, g, ctx)
    if kind == "relative":
        return _relative(m, g, ctx)
    if kind == "deictic":
        if pub is None:
            return None
        word = g["word"].lower()
        delta = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[word]
        return _expr(m, _iso_day(pub + timedelta(days=delta)), None, "day", kind, False, True)
    if kind == "weekday":
        return _weekday(m, g, ctx)
    return None


def _expr(
    m: re.Match[str],
    value: str,
    end_value: str | None,
    precision: str,
    kind: str,
    explicit_year: bool,
    relative: bool = False,
) -> TimeExpr:
    return TimeExpr(
        m.start(), m.end(), m.group(), value, end_value, precision, kind, explicit_year, relative
    )


def _season(m: re.Match[str], g: dict, ctx: TimeContext) -> TimeExpr | None:
    season = g["s"].lower()
    cue = (g.get("cue") or "").lower()
    if not g.get("y") and not cue:
        return None  # "fall" as a verb, "spring" as a noun, "the middle of summer" as a scene
    pub = ctx.published
    if g.get("y"):
        y = int(g["y"])
    elif pub is not None:
        y = pub.year + {"last": -1, "next": 1}.get(cue, 0)
        start_month = SEASONS.get(season, (12, 2))[0]
        if cue not in ("last", "next", "this") and date(y, start_month, 1) > pub:
            y -= 1
    elif ctx.year:
        y = ctx.year
    else:
        return None
    if season == "winter":
        first, last = _iso_month(y - 1, 12), _iso_month(y, 2)
    else:
        a, b = SEASONS[season]
        first, last = _iso_month(y, a), _iso_month(y, b)
    part = (g.get("part") or "").lower()
    if part in ("early", "the beginning of", "the start of"):
        last = first
    elif part in ("late", "the end of"):
        first = last
    if first == last:
        return _expr(m, first, None, "month", "season", bool(g.get("y")), not g.get("y"))
    return _expr(m, first, last, "season", "season", bool(g.get("y")), not g.get("y"))


def _offset(m: re.Match[str], g: dict, ctx: TimeContext) -> TimeExpr | None:
    n = NUMBER_WORDS.get(g["n"].lower()) if not g["n"].isdigit() else int(g["n"])
    if n is None:
        return None
    unit, direction = g["unit"].lower(), g["dir"].lower()
    sign = 1 if direction in ("later", "after", "afterwards") else -1
    if direction == "ago":
        base, base_iso = ctx.published, ctx.published.isoformat() if ctx.published else None
    else:
        base, base_iso = ctx.anchor, ctx.anchor_iso
    if base is None or base_iso is None:
        return None
    return _move(m, base, base_iso, unit, sign * n, "offset")


def _move(
    m: re.Match[str], base: date, base_iso: str, unit: str, n: int, kind: str
) -> TimeExpr | None:
    precision = {4: "year", 7: "month"}.get(len(base_iso), "day")
    if unit in ("day", "week") and precision == "day":
        moved = base + timedelta(days=n * (7 if unit == "week" else 1))
        if unit == "week":
            return _expr(m, _iso_month(moved.year, moved.month), None, "month", kind, False, True)
        return _expr(m, _iso_day(moved), None, "day", kind, False, True)
    if unit == "month" or (unit in ("day", "week") and precision == "month"):
        steps = n if unit == "month" else 0
        y, mo = _shift_month(base.year, base.month, steps)
        return _expr(m, _iso_month(y, mo), None, "month", kind, False, True)
    if unit == "year":
        return _expr(m, f"{base.year + n:04d}", None, "year", kind, False, True)
    return None


def _anaphoric(m: re.Match[str], g: dict, ctx: TimeContext) -> TimeExpr | None:
    if ctx.anchor is None or ctx.anchor_iso is None:
        return None
    which = (g.get("which") or "").lower()
    unit = (g.get("unit") or g.get("unit2") or "day").lower()
    if g.get("which2"):
        which = "previous" if "before" in m.group().lower() else "next"
    if g.get("unit2"):
        which = "same"
    n = {"next": 1, "following": 1, "previous": -1, "preceding": -1, "prior": -1}.get(which, 0)
    return _move(m, ctx.anchor, ctx.anchor_iso, unit, n, "anaphoric")


def _relative(m: re.Match[str], g: dict, ctx: TimeContext) -> TimeExpr | None:
    pub = ctx.published
    if pub is None:
        return None
    rel, unit = " ".join(g["rel"].lower().split()), g["unit"].lower()
    if unit == "weekend":
        return _weekend(m, rel, pub)
    if rel.endswith(" the"):
        return None  # "over the year" is a duration
    n = {"this": 0, "last": -1, "past": -1, "next": 1}[rel]
    if rel == "past":
        return None  # "the past year" is a duration
    if unit == "week":
        moved = pub + timedelta(days=7 * n)
        return _expr(
            m, _iso_month(moved.year, moved.month), None, "month", "relative", False, True
        )
    if unit == "month":
        y, mo = _shift_month(pub.year, pub.month, n)
        return _expr(m, _iso_month(y, mo), None, "month", "relative", False, True)
    return _expr(m, f"{pub.year + n:04d}", None, "year", "relative", False, True)


def _weekend(m: re.Match[str], rel: str, pub: date) -> TimeExpr | None:
    """'over the weekend', 'last weekend': the Saturday and Sunday before publication (the
    one under way when published on a weekend, except for 'last'). 'This weekend' on a
    weekday and 'next weekend' are to come."""
    on_weekend = pub.weekday() >= 5
    if rel == "next" or (rel == "this" and not on_weekend):
        return None
    saturday = pub - timedelta(days=(pub.weekday() - 5) % 7)
    if rel in ("last", "past") and on_weekend:
        saturday -= timedelta(days=7)
    sunday = saturday + timedelta(days=1)
    if sunday > pub:  # published on the Saturday: only that day so far
        return _expr(m, _iso_day(saturday), None, "day", "relative", False, True)
    return _expr(m, _iso_day(saturday), _iso_day(sunday), "span", "relative", False, True)


def _weekday(m: re.Match[str], g: dict, ctx: TimeContext) -> TimeExpr | None:
    pub = ctx.published
    if pub is None:
        return None
    target = WEEKDAYS[g["wd"].lower()]
    rel = (g.get("rel") or "").lower()
    back = (pub.weekday() - target) % 7
    anchor = ctx.anchor
    plain = rel in ("", "on", "late", "early", "late on", "early on")
    if ctx.narrative and plain and anchor and ctx.anchor_iso and len(ctx.anchor_iso) == 10:
        following = anchor + timedelta(days=(target - anchor.weekday()) % 7 or 7)
        if following <= pub:
            return _expr(m, _iso_day(following), None, "day", "weekday", False, True)
    if rel == "next":
        when = pub + timedelta(days=(target - pub.weekday()) % 7 or 7)
    elif rel == "last" and back == 0:
        when = pub - timedelta(days=7)
    else:
        when = pub - timedelta(days=back)  # news reports the past week: the latest such day
    return _expr(m, _iso_day(when), None, "day", "weekday", False, True)


# When two patterns overlap, the longer match wins; among equals, the earlier pattern.
def find_times(text: str, ctx: TimeContext) -> list[TimeExpr]:
    """Every time expression in `text`, resolved against `ctx`, in text order."""
    return list(_find_times(text, ctx))


# Extraction reads a sentence's times once for its drafts and once more to move the
# article's time context on, against the same context: the second reading is remembered.
@lru_cache(maxsize=1024)
def _find_times(text: str, ctx: TimeContext) -> tuple[TimeExpr, ...]:
    candidates = _candidates(text)
    chosen: list[tuple[TimeExpr, str, re.Match[str]]] = []
    # The spans taken so far, in text order: they never overlap, so the one starting last
    # before a candidate's end is the only one that can overlap it (a paragraph of
    # thousands of dates made comparing with each of them quadratic).
    taken_starts: list[int] = []
    taken_ends: list[int] = []
    unanchored: list[tuple[str, re.Match[str]]] = []
    for start, end, _order, kind, match in candidates:
        before = bisect_left(taken_starts, end)
        if before and taken_ends[before - 1] > start:
            continue
        if _not_a_date(text, start, end, kind):
            continue
        expr = _resolve(kind, match, ctx)
        if expr is None:
            if kind == "offset":
                unanchored.append((kind, match))  # may count from a date after it
            continue
        taken_starts.insert(before, start)
        taken_ends.insert(before, end)
        if expr is not CONTRADICTION:
            chosen.append((expr, kind, match))
    chosen.sort(key=lambda c: c[0].start)
    chosen = _count_from_the_date_after(chosen, unanchored, ctx)
    return tuple(_anchor_within(chosen, ctx))


# "three days after the raid on May 2": an offset and the date it counts from, with at most
# a few words and no comma between.
COUNTED_FROM = re.compile(r"[^,;:.]{0,40}")


def _count_from_the_date_after(
    chosen: list[tuple[TimeExpr, str, re.Match[str]]],
    unanchored: list[tuple[str, re.Match[str]]],
    ctx: TimeContext,
) -> list[tuple[TimeExpr, str, re.Match[str]]]:
    """ "Three days after the raid on May 2, a court jailed him": an offset counts from the
    date of the happening it names, not from the last date told before it."""
    resolved = {id(m): (e, k, m) for e, k, m in chosen if k == "offset"}
    if not resolved and not unanchored:
        return chosen
    result = [c for c in chosen if c[1] != "offset"]
    starts = [e.start for e, _, _ in result]
    offsets = [(k, m) for _, k, m in resolved.values()] + unanchored
    for kind, match in offsets:
        kept = resolved.get(id(match))
        if match.group("dir").lower() in ("after", "before"):
            # the dates starting within reach after it: COUNTED_FROM allows 40 characters
            index = bisect_left(starts, match.end())
            while index < len(result) and result[index][0].start <= match.end() + 40:
                after = result[index][0]
                if after.precision == "day" and COUNTED_FROM.fullmatch(
                    match.string, match.end(), after.start
                ):
                    again = _resolve(kind, match, advance(ctx, after))
                    if again is not None and again is not CONTRADICTION:
                        kept = (again, kind, match)
                    break
                index += 1
        if kept is not None:
            result.append(kept)
    return sorted(result, key=lambda c: c[0].start)


# What each pattern cannot match without, as quicker patterns of their own, each tested once
# per text for all the patterns that need it. Most sentences have none of these.
# Read in the text as written (the patterns that need them match case and digits exactly):
DIGIT = re.compile(r"\d")
FOUR_DIGITS = re.compile(r"\d{4}")  # a year, or the year of a numeric date
MONTH_NAME = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")  # starts MONTH
WEEKDAY_NAME = re.compile(WEEKDAY)
# A span's first day or year, then what joins it to the second (spans are rare, numbers not).
SPAN_JOIN = re.compile(r"\d(?:st|nd|rd|th)?\s*(?:-|–|—|to|until|through|and)")
# What ISO and numeric dates have between their numbers, and a decade after its year.
DATE_PUNCTUATION = re.compile(r"\d[-./]\d|\d0s")
# Read in the case folded text (for the patterns that ignore case; folding never skips a
# match): a month's name or abbreviation, a season, a unit, a day named from today.
MONTH_STEMS = re.compile("jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
SEASON_WORD = re.compile("spring|summer|autumn|fall|winter")
# A unit starting a word: the patterns want one after a space or a word boundary, not the
# "day" of "Monday" or "today". Folding leaves no ASCII word character where a character
# that is no word character was (a test checks every character), so the lookbehind skips no
# match. (Each lookbehind follows its unit's first letter, so that the regex engine looks
# only at those letters.)
UNIT_START = re.compile(
    "d(?<![a-z0-9_]d)ay|w(?<![a-z0-9_]w)eek|m(?<![a-z0-9_]m)onth|y(?<![a-z0-9_]y)ear"
)
DEICTIC_WORD = re.compile("today|yesterday|tomorrow|tonight")
# (FOUR_DIGITS and SPAN_JOIN need DIGIT; DATE_PUNCTUATION needs FOUR_DIGITS)
AS_WRITTEN = (DIGIT, FOUR_DIGITS, MONTH_NAME, WEEKDAY_NAME, SPAN_JOIN, DATE_PUNCTUATION)
NEEDS: dict[str, tuple[re.Pattern[str], ...]] = {
    "iso": (FOUR_DIGITS, DATE_PUNCTUATION),
    "numeric": (FOUR_DIGITS, DATE_PUNCTUATION),
    "md_span": (DIGIT, MONTH_NAME, SPAN_JOIN),
    "dm_span": (DIGIT, MONTH_NAME, SPAN_JOIN),
    "my_span": (FOUR_DIGITS, MONTH_NAME, SPAN_JOIN),
    "m_span": (MONTH_NAME,),
    "md": (DIGIT, MONTH_NAME),
    "dm": (DIGIT, MONTH_NAME),
    "year_span": (FOUR_DIGITS, SPAN_JOIN),
    "my": (MONTH_NAME,),
    "season": (SEASON_WORD,),
    "month": (MONTH_STEMS,),
    "decade": (FOUR_DIGITS, DATE_PUNCTUATION),
    "year": (FOUR_DIGITS,),
    "year_list": (FOUR_DIGITS,),
    "offset": (UNIT_START,),
    "anaphoric": (UNIT_START,),
    "relative": (UNIT_START,),
    "deictic": (DEICTIC_WORD,),
    "weekday": (WEEKDAY_NAME,),
}


IN_FOLDED = (MONTH_STEMS, SEASON_WORD, UNIT_START, DEICTIC_WORD)
CUES = (*AS_WRITTEN, *IN_FOLDED)
# Seasons and days named from today are rare: one search rules both out.
RARE_WORD = re.compile(f"{SEASON_WORD.pattern}|{DEICTIC_WORD.pattern}")


# The two Turkish i's that IGNORECASE matches with "i" but case folding leaves as other
# characters ("İ" folds to "i" and a combining dot): made plain i's before folding.
TURKISH_I = str.maketrans({"İ": "i", "ı": "i"})


def fold_for_cues(text: str) -> str:
    """`text` case folded so that each letter of a cue word is found wherever a pattern
    ignoring case matches that letter (a test checks every character)."""
    if not text.isascii():
        text = text.translate(TURKISH_I)
    return text.casefold()


def _runnable(text: str) -> tuple[tuple[int, str, re.Pattern[str]], ...]:
    """The patterns that may match `text` (with their order): the others need something
    the text does not have."""
    folded = fold_for_cues(text)
    digit = DIGIT.search(text) is not None
    four_digits = digit and FOUR_DIGITS.search(text) is not None
    rare = RARE_WORD.search(folded) is not None
    present = (  # in the order of CUES
        digit,
        four_digits,
        MONTH_NAME.search(text) is not None,
        WEEKDAY_NAME.search(text) is not None,
        digit and SPAN_JOIN.search(text) is not None,
        four_digits and DATE_PUNCTUATION.search(text) is not None,
        MONTH_STEMS.search(folded) is not None,
        rare and SEASON_WORD.search(folded) is not None,
        UNIT_START.search(folded) is not None,
        rare and DEICTIC_WORD.search(folded) is not None,
    )
    return _patterns_needing(present)


@cache  # one entry per combination of cues: at most 2 ** len(CUES)
def _patterns_needing(present: tuple[bool, ...]) -> tuple[tuple[int, str, re.Pattern[str]], ...]:
    """The patterns whose cues are all among those `present` (one flag per CUES entry)."""
    have = {cue for cue, there in zip(CUES, present, strict=True) if there}
    return tuple(
        (order, kind, pattern)
        for order, (kind, pattern) in enumerate(PATTERNS)
        if all(cue in have for cue in NEEDS[kind])
    )


# Extraction reads each sentence's times several times, against different contexts: the
# matching, which depends on the text alone, is done once.
@lru_cache(maxsize=4096)
def _candidates(text: str) -> tuple[tuple[int, int, int, str, re.Match[str]], ...]:
    """Every pattern's matches, longest first, then in pattern order."""
    candidates: list[tuple[int, int, int, str, re.Match[str]]] = []
    for order, kind, pattern in _runnable(text):
        for match in pattern.finditer(text):
            if match.group().strip():
                candidates.append((match.start(), match.end(), order, kind, match))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2]))
    return tuple(candidates)


def _anchor_within(
    chosen: list[tuple[TimeExpr, str, re.Match[str]]], ctx: TimeContext
) -> list[TimeExpr]:
    """ "The blaze in March ...: the previous month, ...": a date counted from another
    counts from the last one told before it, in this sentence if it tells one."""
    result = []
    local = ctx
    for expr, kind, match in chosen:
        counted = kind == "anaphoric" or (
            kind == "offset" and not match.group().lower().rstrip(" .,").endswith("ago")
        )
        if counted and local is not ctx:
            again = _resolve(kind, match, local)
            expr = again if again is not None and again is not CONTRADICTION else expr
        result.append(expr)
        if kind not in ("anaphoric", "offset") and expr.precision in ("day", "month"):
            local = advance(local, expr)
    return result


CURRENCY_BEFORE = re.compile(r"[$€£#№]\s*$")
QUANTITY_AFTER = re.compile(
    r"\s*(?:-|–)?\s*(?:gigabytes?|megabytes?|GB|MB|km|kilomet|people|prisoners|inmates|"
    r"employees|percent|%|dollars|rubles|roubles|euros)"
)


def _not_a_date(text: str, start: int, end: int, kind: str) -> bool:
    """Numbers that only look like dates: money, measures, scores."""
    before, after = text[max(0, start - 2) : start], text[end : end + 12]
    if CURRENCY_BEFORE.search(before):
        return True
    return kind in ("year", "year_span", "year_list") and bool(QUANTITY_AFTER.match(after))


def advance(ctx: TimeContext, expr: TimeExpr) -> TimeContext:
    """The context after the text established `expr`: later relative dates count from it."""
    value = expr.value
    year = int(value[:4]) if expr.explicit_year else ctx.year
    parts = [int(p) for p in value.split("-")]
    anchor = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    # Built field by field: dataclasses.replace costs more than the rest of this function.
    return TimeContext(ctx.published, anchor, value, year, ctx.narrative)


def in_future(expr: TimeExpr, published: date | None) -> bool:
    """Whether the expression lies after the publication day (plans, not events)."""
    if published is None:
        return False
    return expr.value > published.isoformat()[: len(expr.value)]


def month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
