"""Parsing what a maintainer sends with /addstory: links, pasted text, documents."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from ingest.article import OUTLET_CHARS, TITLE_CHARS, Article
from ingest.errors import ArticleRejected
from ingest.submission import Link, classify, parse_document, parse_text, require_dates

BODY = (
    "On October 5, 2021 activists published videos filmed inside a prison hospital.\n\n"
    "The prison service opened an inquiry the next day."
)


def test_metadata_lines_lead_the_text() -> None:
    article = parse_text(
        "outlet: Example News\nTitle: Videos leaked\nurl: https://news.example/a\n"
        "published: 2021-10-06\n\n" + BODY
    )
    assert (article.outlet, article.title, article.url, article.published) == (
        "Example News",
        "Videos leaked",
        "https://news.example/a",
        "2021-10-06",
    )
    assert article.text == BODY


def test_a_password_in_a_metadata_url_is_not_kept() -> None:
    article = parse_text("url: https://user:secret@news.example/a\n\n" + BODY)
    assert article.url == "https://news.example/a"


def test_text_without_metadata_is_kept_verbatim() -> None:
    article = parse_text(BODY)
    assert article.text == BODY
    assert (article.outlet, article.title, article.url, article.published) == (None,) * 4


def test_a_line_that_only_looks_like_metadata_later_stays_in_the_text() -> None:
    text = BODY + "\ntitle: not metadata here"
    assert parse_text(text).text == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no article text"),
        ("   \n\t ", "no article text"),
        ("title: Only a title\n", "no article text after the metadata lines"),
        ("published: last Tuesday\n\n" + BODY, "published: must be a date like 2021-10-05"),
        ("url: javascript:alert(1)\n\n" + BODY, "url: must start with http:// or https://"),
        ("url: https://x.test/a b\n\n" + BODY, "url: must be one address, without spaces"),
        ("published: 5 October 2201\n\n" + BODY, "published: 2201-10-05 is in the future"),
    ],
    ids=["empty", "blank", "only-metadata", "bad-date", "bad-url", "url-with-space", "future"],
)
def test_bad_text_is_rejected(text: str, reason: str) -> None:
    with pytest.raises(ArticleRejected, match="^" + reason.replace("(", r"\(")):
        parse_text(text)


def test_html_document_is_extracted_with_its_title() -> None:
    html = (
        "<!doctype html><html><head><title>Leak</title><script>alert('x')</script></head>"
        f"<body><article><p>{BODY}</p><p>{BODY}</p></article></body></html>"
    )
    article = parse_document(html.encode("utf-8"), "leak.html")
    assert article.title == "Leak"
    assert "October 5, 2021" in article.text
    assert "alert" not in article.text
    assert article.file == "leak.html"


LONG_TITLE = "Very long headline " * 300  # 5,700 characters, as a paste gone wrong
LONG_OUTLET = "Outlet " * 100


@pytest.mark.parametrize(
    "read",
    [
        lambda: parse_text(f"outlet: {LONG_OUTLET}\ntitle: {LONG_TITLE}\n\n{BODY}"),
        lambda: parse_document(
            f"---\noutlet: {LONG_OUTLET}\ntitle: {LONG_TITLE}\n---\n{BODY}".encode(), "a.md"
        ),
        lambda: parse_document(
            f"<html><head><title>{LONG_TITLE}</title>"
            f'<meta property="og:site_name" content="{LONG_OUTLET}"></head>'
            f"<body><article><p>{BODY}</p><p>{BODY}</p></article></body></html>".encode(),
            "a.html",
        ),
    ],
    ids=["metadata-lines", "front-matter", "html-title"],
)
def test_overlong_titles_and_outlets_are_cut_where_they_are_read(
    read: Callable[[], Article],
) -> None:
    article = read()
    assert article.title is not None and article.outlet is not None
    # Cut between words, marked with "…".
    assert len(article.title) <= TITLE_CHARS and article.title.endswith("…")
    assert LONG_TITLE.startswith(article.title[:-1] + " ")
    assert len(article.outlet) <= OUTLET_CHARS and article.outlet.endswith("Outlet…")
    assert article.text.startswith("On October 5, 2021")


def test_titles_and_outlets_of_a_sane_length_are_kept_as_given() -> None:
    title, outlet = "T" * TITLE_CHARS, "O" * OUTLET_CHARS
    article = parse_text(f"outlet: {outlet}\ntitle: {title}\n\n{BODY}")
    assert (article.title, article.outlet) == (title, outlet)


def test_document_in_a_legacy_encoding_is_decoded() -> None:
    text = "outlet: Новая газета\n\n5 октября 2021 года правозащитники опубликовали видео. " * 3
    article = parse_document(text.encode("cp1251"), "story.txt")
    assert article.outlet == "Новая газета"
    assert "правозащитники" in article.text


def test_document_saved_as_utf16_is_decoded() -> None:
    text = "outlet: Новая газета\n\n5 октября 2021 года правозащитники опубликовали видео. " * 3
    article = parse_document(text.encode("utf-16"), "story.txt")
    assert article.outlet == "Новая газета"
    assert "правозащитники" in article.text


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", BODY * 5)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (_zip_bytes(), "story.txt", "binary file, not text"),
        (b"\x00\x01\x02" * 400, "story.txt", "binary file, not text"),
        (b"", "story.txt", "empty file"),
        (BODY.encode(), "story.pdf", "send the article as a .txt, .md or .html file (not .pdf)"),
        (BODY.encode(), None, "send the article as a .txt, .md or .html file"),
        (b"x" * 3000, "big.txt", "file too large (3,000 bytes; the limit is 2,000)"),
    ],
    ids=["zip-renamed-txt", "nul-bytes", "empty", "pdf-suffix", "no-name", "too-large"],
)
def test_bad_documents_are_rejected(data: bytes, name: str | None, reason: str) -> None:
    with pytest.raises(ArticleRejected) as caught:
        parse_document(data, name, max_bytes=2000)
    assert str(caught.value).startswith(reason)


def test_classify_tells_links_from_text() -> None:
    assert classify(" https://news.example/a?b=1 ") == Link("https://news.example/a?b=1")
    assert classify(BODY) == BODY
    with pytest.raises(ArticleRejected, match="only http"):
        classify("ftp://files.example/a.txt")


@pytest.mark.parametrize(
    "text",
    [
        "On Tuesday the court ruled.",
        "In 2019 a case was opened.",
        "It happened on 5 Oct.",
        "Reported on 05.10.2021 by the service.",
    ],
    ids=["weekday", "year", "day-month", "numeric"],
)
def test_texts_with_a_date_pass(text: str) -> None:
    require_dates(parse_text(text))


def test_text_with_no_dates_is_rejected() -> None:
    article = parse_text("Activists published videos filmed inside a prison hospital.")
    with pytest.raises(ArticleRejected, match="no dates in that text"):
        require_dates(article)
