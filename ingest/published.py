"""The publication date of an article: given, read from its URL, or inferred from its text.

Inference takes the latest day the article's own paragraphs (page furniture excluded) anchor
explicitly: a full date with its year (`October 5, 2021`, `5.10.2021`), or a day and month
without one that the text's year context places. A weekday written with a date must agree
with it: a contradicted full date is not trusted, and a yearless date with a weekday takes
the context year only if the weekday fits that year (`Monday, 1 August` is 2022-08-01 in a
story told in 2022, wherever it stands in the text). Only day-precise dates count, since a
publication date is a day; an article that names only years or months gets none. The result
is never earlier than any explicitly anchored date: background history ("in July 2018")
cannot pull it back, since it is the latest such day.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.article import Article, date_from_url
from ingest.clean import clean
from ingest.dates import WEEKDAY, WEEKDAYS, TimeContext, TimeExpr, find_times

# A leap year stands in for the year the text leaves out, so that `find_times` reports
# yearless days (29 February included); the real year is chosen here, from the whole text.
_PLACEHOLDER_YEAR = 2000
# "set for 3 May", "until 12 November": a plan or a limit, not a day that has come.
_PLANNED = re.compile(r"\b(?:for|until|till|by)\s+(?:\w+,?\s+)?$")
_PLANNED_REACH = 200  # characters before a date that _PLANNED may span
# "will open on Monday, 5 September", "is due on 3 May 2023": announced, not yet come.
_FUTURE = re.compile(
    r"\b(?:will|shall)\b|\b(?:is|are)\s+(?:due|set|scheduled|expected|planned|going)\b"
    r"|\b(?:was|were)\s+(?:due|scheduled|expected|planned)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z\"“])")
_LEADING_WEEKDAY = re.compile(rf"^(?P<wd>{WEEKDAY})\b")
# A yearless date without a weekday is only trusted shortly after the latest full date.
_NEAR_DAYS = 31
# A weekday that fits only the year after the context year is a turn of the year when the
# day falls shortly after the latest full date ("28 December 2021 ... Monday, 3 January").
_ROLLOVER_DAYS = 62


@dataclass(frozen=True)
class _Yearless:
    """A day and month the text gives without a year."""

    month: int
    day: int
    weekday: int | None
    local_year: int | None  # the year of the last full date read before it


@dataclass
class _Dates:
    full: list[date]  # days with their year written
    yearless: list[_Yearless]
    years: list[int]  # years written with a day or a month: the story's year context


def _day_of(expr: TimeExpr) -> str:
    """The last day an expression covers (the end of a span)."""
    return expr.end_value if expr.end_value and len(expr.end_value) == 10 else expr.value


def _collect(paragraphs: list[str]) -> _Dates:
    found = _Dates([], [], [])
    local_year: int | None = None
    placeholder = TimeContext(year=_PLACEHOLDER_YEAR)
    for text in paragraphs:
        sentences = _sentence_starts(text)
        plans = [(m.start(), m.end()) for m in _FUTURE.finditer(text)]
        for expr in find_times(text, placeholder):
            if _announced(expr.start, sentences, plans):
                continue
            if expr.explicit_year:
                if expr.precision in ("day", "month") or (
                    expr.precision == "span" and len(expr.value) >= 7
                ):
                    found.years.append(int(_day_of(expr)[:4]))
                if expr.precision in ("day", "span") and len(_day_of(expr)) == 10:
                    day = date.fromisoformat(_day_of(expr))
                    found.full.append(day)
                    local_year = day.year
                continue
            if expr.kind not in ("md", "dm", "md_span", "dm_span") or len(_day_of(expr)) != 10:
                continue
            # Only the words just before the date can match: the search stops at the date
            # and starts a few words back, not at the paragraph's start (quadratic in a
            # paragraph of thousands of dates). Word boundaries still see the text before.
            if _PLANNED.search(text, max(expr.start - _PLANNED_REACH, 0), expr.start):
                continue
            weekday = _LEADING_WEEKDAY.match(expr.text)
            day = date.fromisoformat(_day_of(expr))
            found.yearless.append(
                _Yearless(
                    day.month,
                    day.day,
                    WEEKDAYS[weekday.group("wd").lower()] if weekday else None,
                    local_year,
                )
            )
    return found


def _sentence_starts(text: str) -> list[int]:
    """Where each sentence after the first begins, in order."""
    return [m.end() for m in _SENTENCE_END.finditer(text)]


def _announced(start: int, sentences: list[int], plans: list[tuple[int, int]]) -> bool:
    """Whether the sentence leading to a date announces it as a plan: one of the text's
    `plans` (the spans _FUTURE matches, in order) lies between the sentence's start and the
    date. Both are looked up, not searched for: splitting the text before each date made a
    paragraph of thousands of dates quadratic, and so did searching the sentence before
    each date when the sentence never ends (2 MB of dated words without a full stop took
    over an hour)."""
    index = bisect_left(sentences, start)  # a sentence starting at the date is not before it
    begins = sentences[index - 1] if index else 0
    first = bisect_left(plans, (begins, -1))  # the first plan starting in the sentence
    return first < len(plans) and plans[first][1] <= start


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _place(item: _Yearless, context_year: int | None, latest_full: date | None) -> date | None:
    """The day a yearless date stands for, or None when the text does not anchor it."""
    if item.weekday is not None:
        # The year of the narrative around it first, then the story's latest year.
        for year in dict.fromkeys(y for y in (item.local_year, context_year) if y is not None):
            when = _safe(year, item.month, item.day)
            if when and when.weekday() == item.weekday:
                return when
        if latest_full is not None:
            when = _safe(latest_full.year + 1, item.month, item.day)
            if (
                when
                and when.weekday() == item.weekday
                and (when - latest_full).days <= _ROLLOVER_DAYS
            ):
                return when
        return None
    if latest_full is None:
        return None
    for year in (latest_full.year, latest_full.year + 1):
        when = _safe(year, item.month, item.day)
        if when and timedelta(0) < when - latest_full <= timedelta(days=_NEAR_DAYS):
            return when
    return None


def infer_from_text(text: str, title: str | None = None) -> str | None:
    """The latest explicitly anchored day in the article's own paragraphs, if any: a full
    date, a yearless day whose weekday fits the story's year, or a yearless day shortly
    after the latest full date; never a plan ("set for 3 May")."""
    found = _collect([block.text for block in clean(text, title).paragraphs])
    latest_full = max(found.full, default=None)
    context_year = max(found.years, default=None)
    anchored = [
        when
        for item in found.yearless
        if (when := _place(item, context_year, latest_full)) is not None
    ]
    days = found.full + anchored
    return max(days).isoformat() if days else None


def publication_date(article: Article) -> tuple[str | None, bool]:
    """(ISO day or None, whether it was inferred rather than declared)."""
    if article.published:
        return article.published, False
    from_url = date_from_url(article.url)
    if from_url:
        return from_url, False
    inferred = infer_from_text(article.text, article.title)
    return inferred, inferred is not None
