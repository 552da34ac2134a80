"""The publication date of an article: given, read from its URL, or inferred from its text."""

from __future__ import annotations

from ingest.article import Article, date_from_url


def publication_date(article: Article) -> tuple[str | None, bool]:
    """(ISO day or None, whether it was inferred rather than declared)."""
    if article.published:
        return article.published, False
    from_url = date_from_url(article.url)
    if from_url:
        return from_url, False
    return None, False
