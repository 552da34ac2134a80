"""The publication date of an article: given, read from its URL, or inferred from its text.

Inference takes the latest date the text anchors explicitly: a full date with its year
(`October 5, 2021`, `5.10.2021`); a weekday written with it must agree, or the date is not
trusted. Only day-precise dates count, since a publication date is a day; an article that
names only years or months gets none.
"""

from __future__ import annotations

from ingest.article import Article, date_from_url
from ingest.clean import clean
from ingest.dates import TimeContext, find_times


def infer_from_text(text: str, title: str | None = None) -> str | None:
    """The latest explicitly anchored day in the article's own paragraphs, if any."""
    days = []
    for block in clean(text, title).paragraphs:
        for expr in find_times(block.text, TimeContext()):
            if expr.explicit_year and expr.precision in ("day", "span"):
                days.append(
                    expr.end_value if expr.end_value and len(expr.end_value) == 10 else expr.value
                )
    days = [d for d in days if len(d) == 10]
    return max(days) if days else None


def publication_date(article: Article) -> tuple[str | None, bool]:
    """(ISO day or None, whether it was inferred rather than declared)."""
    if article.published:
        return article.published, False
    from_url = date_from_url(article.url)
    if from_url:
        return from_url, False
    inferred = infer_from_text(article.text, article.title)
    return inferred, inferred is not None
