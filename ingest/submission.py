"""What a maintainer hands the bot with /addstory: a link, pasted text or a document.

Pure functions: the Telegram layer gives text or bytes, this module gives an `Article`
or an `ArticleRejected` with a one-line reason. Metadata may lead the text as lines such
as `outlet: ...`, `title: ...`, `url: ...`, `published: 2021-10-05`; what is not given is
extracted from HTML or inferred later by the pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePath

from ingest.article import (
    DEFAULT_MAX_BYTES,
    Article,
    decode,
    in_the_future,
    parse_article,
    parse_day,
    url_problem,
)
from ingest.errors import ArticleRejected

DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm")
METADATA_KEYS = {"outlet": "outlet", "title": "title", "url": "url", "published": "published"}
METADATA_LINE = re.compile(r"^\s*(outlet|title|url|published)\s*:\s*(.*?)\s*$", re.IGNORECASE)
LINK = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
RELATIVE = "yesterday|today|tomorrow|last (?:week|month|year)|this (?:week|month|year)"
DATE_HINT = re.compile(
    rf"\b(?:1[89]\d\d|20\d\d)\b|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b"
    rf"|\b(?:{MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{MONTHS})\b"
    rf"|\b(?:{WEEKDAYS})\b|\b(?:{RELATIVE})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    url: str


def split_metadata(text: str) -> tuple[dict[str, str], str]:
    """Leading `key: value` lines (outlet, title, url, published) and the rest."""
    fields: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        match = METADATA_LINE.match(line)
        if match:
            key, value = METADATA_KEYS[match.group(1).lower()], match.group(2)
            if value:
                fields[key] = value
        elif line.strip():
            break
        index += 1
    if "published" in fields:
        day = parse_day(fields["published"])
        if day is None:
            raise ArticleRejected("published: must be a date like 2021-10-05")
        if in_the_future(day):
            raise ArticleRejected(f"published: {day} is in the future")
        fields["published"] = day
    problem = url_problem(fields["url"]) if "url" in fields else None
    if problem:
        raise ArticleRejected(f"url: {problem}")
    return fields, "\n".join(lines[index:])


def classify(argument: str) -> Link | str:
    """An /addstory argument: a single link to fetch, or the article text itself."""
    stripped = argument.strip()
    if LINK.match(stripped):
        if not stripped.lower().startswith(("http://", "https://")):
            raise ArticleRejected("only http:// and https:// links can be fetched")
        return Link(stripped)
    return argument


def parse_text(
    text: str, file_name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Article:
    """Pasted or uploaded text (plain, Markdown or HTML) with optional metadata lines."""
    if not text.strip():
        raise ArticleRejected(
            "no article text: paste the article after /addstory, reply to it, "
            "or attach it as a .txt, .md or .html file"
        )
    fields, body = split_metadata(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not body.strip():
        raise ArticleRejected("no article text after the metadata lines")
    article = parse_article(body.encode("utf-8"), file_name, max_bytes=max_bytes)
    return replace(article, **fields)


def parse_document(
    data: bytes, file_name: str | None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Article:
    """An attached document: .txt, .md or .html, within the size limit, any encoding."""
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise ArticleRejected(
            f"send the article as a .txt, .md or .html file (not {suffix or 'a file without one'})"
        )
    if len(data) > max_bytes:
        raise ArticleRejected(f"file too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    return parse_text(decode(data), file_name, max_bytes=max_bytes)


def require_dates(article: Article) -> None:
    """The briefing is made of dated events: text without any date cannot add one."""
    if not DATE_HINT.search(article.text):
        raise ArticleRejected("no dates in that text, so it cannot add events to the briefing")
