"""The publication date of an article: given, read from its URL, or inferred from its text.

Inference takes the latest date the text anchors explicitly: a full date with its year
(`October 5, 2021`, `5.10.2021`), or a day and month that a full date before it puts in a
year; a weekday written with it must agree, or the date is not trusted. Only day-precise
dates count, since a publication date is a day; an article that names only years or months
gets none.
"""

from __future__ import annotations

import re
from datetime import date

from ingest.article import Article, date_from_url
from ingest.clean import clean
from ingest.dates import TimeContext, advance, find_times


def infer_from_text(text: str, title: str | None = None) -> str | None:
    """The latest explicitly anchored day in the article's own paragraphs, if any: a full
    date, or a day and month whose year the text set before ("... 20 March 2025 ... on
    24 March") within a month after the latest full date; never a plan ("set for 3 May")."""
    full: list[str] = []
    contextual: list[str] = []
    ctx = TimeContext()
    for block in clean(text, title).paragraphs:
        for expr in find_times(block.text, ctx):
            day = expr.end_value if expr.end_value and len(expr.end_value) == 10 else expr.value
            if expr.precision in ("day", "span") and len(day) == 10:
                planned = re.search(
                    r"\b(?:for|until|till|by)\s+(?:\w+,?\s+)?$", block.text[: expr.start]
                )
                if expr.explicit_year:
                    full.append(day)
                elif ctx.year is not None and expr.kind in ("md", "dm") and not planned:
                    contextual.append(day)
            if expr.precision == "day":
                ctx = advance(ctx, expr)  # "in 2021" in passing sets no narrative year
    if not full:
        return None
    latest = date.fromisoformat(max(full))
    near = [d for d in contextual if 0 < (date.fromisoformat(d) - latest).days <= 31]
    return max([max(full), *near])


def publication_date(article: Article) -> tuple[str | None, bool]:
    """(ISO day or None, whether it was inferred rather than declared)."""
    if article.published:
        return article.published, False
    from_url = date_from_url(article.url)
    if from_url:
        return from_url, False
    inferred = infer_from_text(article.text, article.title)
    return inferred, inferred is not None
