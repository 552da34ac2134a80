"""The publication date: declared, from the URL, or inferred from the text."""

from __future__ import annotations

from ingest.article import Article
from ingest.published import publication_date


def test_declared_then_url() -> None:
    assert publication_date(Article("x", published="2021-10-05")) == ("2021-10-05", False)
    assert publication_date(Article("x", url="https://a.test/2021/10/06/story")) == (
        "2021-10-06",
        False,
    )


def test_inferred_from_the_latest_anchored_day() -> None:
    text = (
        "The trial opened on March 3, 2020, in the regional court.\n"
        "The verdict came on Tuesday, June 8, 2021, after a long delay.\n"
        "The lawyer said on Friday that he would appeal.\n"
    )
    assert publication_date(Article(text)) == ("2021-06-08", True)


def test_a_contradicting_weekday_is_not_an_anchor() -> None:
    text = (
        "The trial opened on March 3, 2020, in the regional court.\n"
        "The verdict came on Monday, June 8, 2021, after a long delay.\n"
    )
    assert publication_date(Article(text)) == ("2020-03-03", True)


def test_years_alone_give_no_day() -> None:
    assert publication_date(Article("The group was founded in 2011 and moved in 2015.\n")) == (
        None,
        False,
    )
