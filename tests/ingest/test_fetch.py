"""Fetching pages for /addstory URL, against pages served by httpx.MockTransport."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ingest.article import OUTLET_CHARS, TITLE_CHARS, Article
from ingest.errors import ArticleRejected
from ingest.fetch import FetchOptions, fetch_article
from tests.fakes.web import FakeWeb, article_page

URL = "https://news.example.org/2021/10/06/leak"
PARAGRAPHS = [
    "On October 5, 2021 human rights activists published videos filmed inside a prison "
    "hospital, showing the abuse of inmates over several years.",
    "The regional prison service said on Wednesday that it had opened an inquiry and "
    "suspended the head of the hospital pending its results.",
    "Prosecutors later said criminal cases had been opened against several staff members.",
]


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


async def _fetch(web: FakeWeb, url: str = URL, **options: object) -> Article:
    async with web.client() as client:
        return await fetch_article(client, url, FetchOptions(**options), web.resolve)  # type: ignore[arg-type]


async def _rejected(web: FakeWeb, url: str = URL, **options: object) -> str:
    with pytest.raises(ArticleRejected) as caught:
        await _fetch(web, url, **options)
    return str(caught.value)


async def test_article_page_gives_text_and_metadata_without_scripts(web: FakeWeb) -> None:
    web.page(URL, article_page("Prison videos leaked", "Example News", "2021-10-06", PARAGRAPHS))
    article = await _fetch(web)
    assert article.title == "Prison videos leaked"
    assert article.outlet == "Example News"
    assert article.published == "2021-10-06"
    assert article.url == URL
    assert "October 5, 2021" in article.text
    assert "SCRIPT-PAYLOAD" not in article.text
    assert "newsletter" not in article.text


async def test_a_page_with_an_overlong_title_gives_a_cut_one(web: FakeWeb) -> None:
    title, outlet = "Breaking " * 700, "Site " * 50
    web.page(URL, article_page(title, outlet, "2021-10-06", PARAGRAPHS))
    article = await _fetch(web)
    assert article.title is not None and article.outlet is not None
    assert len(article.title) <= TITLE_CHARS and article.title.endswith("Breaking…")
    assert len(article.outlet) <= OUTLET_CHARS and article.outlet.endswith("Site…")


async def test_redirects_are_followed_and_the_final_url_kept(web: FakeWeb) -> None:
    web.redirect("https://short.example/x", URL, status=301)
    web.page(URL, article_page("T", "O", "2021-10-06", PARAGRAPHS))
    article = await _fetch(web, "https://short.example/x")
    assert article.url == URL
    assert [str(r.url) for r in web.requests] == ["https://short.example/x", URL]


async def test_redirect_loop_is_cut_after_the_cap(web: FakeWeb) -> None:
    web.redirect("https://loop.example/a", "/b")
    web.redirect("https://loop.example/b", "/a")
    reason = await _rejected(web, "https://loop.example/a", max_redirects=5)
    assert reason == "too many redirects (more than 5)"
    assert len(web.requests) == 6


async def test_redirect_into_the_private_network_is_refused(web: FakeWeb) -> None:
    web.redirect(URL, "http://169.254.169.254/latest/meta-data/")
    reason = await _rejected(web)
    assert "private network" in reason
    assert [str(r.url) for r in web.requests] == [URL]


@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        ("http://127.0.0.1:8080/admin", {}),
        ("http://localhost/", {"localhost": ["127.0.0.1"]}),
        ("http://[::1]/", {}),
        ("http://intranet.example/", {"intranet.example": ["10.1.2.3"]}),
        ("http://mapped.example/", {"mapped.example": ["::ffff:192.168.0.1"]}),
        ("http://mixed.example/", {"mixed.example": ["93.184.215.14", "172.16.0.5"]}),
    ],
    ids=["loopback-ip", "localhost", "ipv6-loopback", "private", "v4-mapped", "one-private"],
)
async def test_private_addresses_are_refused_before_any_request(
    web: FakeWeb, url: str, hosts: dict[str, list[str]]
) -> None:
    web.hosts.update(hosts)
    reason = await _rejected(web, url)
    assert "local or private network address" in reason
    assert web.requests == []


async def test_private_addresses_allowed_when_the_setting_says_so(web: FakeWeb) -> None:
    web.page("http://127.0.0.1:8080/story", article_page("T", "O", "2021-10-06", PARAGRAPHS))
    article = await _fetch(web, "http://127.0.0.1:8080/story", allow_private=True)
    assert "October 5, 2021" in article.text


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda w: w.page(URL, "gone", status=404), "the page was not found (HTTP 404)"),
        (lambda w: w.page(URL, "oops", status=503), "the site failed to answer (HTTP 503)"),
        (lambda w: w.page(URL, "no", status=403), "the site refused the request (HTTP 403)"),
        (lambda w: w.page(URL, b"%PDF-1.7 ...", "application/pdf"), "that link is a PDF"),
        (lambda w: w.page(URL, b"\x89PNG\r\n", "image/png"), "that link is an image"),
        (
            lambda w: w.page(URL, b"PK\x03\x04", "application/zip"),
            "that link is not a web page (application/zip)",
        ),
        (lambda w: w.page(URL, b"PK\x03\x04\x00\x00", "text/plain"), "binary file"),
        (lambda w: w.timeout(URL), "the site did not answer in time"),
        (
            lambda w: w.page(URL, "<html><script>var a = 1;</script><script>b()</script></html>"),
            "no article text found on that page",
        ),
    ],
    ids=["404", "503", "403", "pdf", "image", "zip", "binary-as-text", "timeout", "only-scripts"],
)
async def test_bad_pages_are_rejected_with_one_line(web: FakeWeb, setup, expected: str) -> None:  # type: ignore[no-untyped-def]
    setup(web)
    reason = await _rejected(web)
    assert reason.startswith(expected)
    assert "\n" not in reason


async def test_declared_size_over_the_limit_is_refused_before_reading(web: FakeWeb) -> None:
    web.page(URL, "x" * 5000, headers={"content-length": "50000000"})
    assert "too large (50,000,000 bytes" in await _rejected(web, max_bytes=10_000)


async def test_size_is_enforced_while_streaming(web: FakeWeb) -> None:
    web.stream(URL, chunks=100, size=1000)
    assert await _rejected(web, max_bytes=10_000) == "the page is too large (over 10,000 bytes)"


async def test_a_slow_drip_hits_the_deadline(web: FakeWeb) -> None:
    web.stream(URL, chunks=1000, size=10, delay=0.01)
    assert await _rejected(web, deadline=0.05) == "the site did not answer in time"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://files.example/a.txt", "only http:// and https:// links can be fetched"),
        ("file:///etc/passwd", "only http:// and https:// links can be fetched"),
        ("https://unknown-host.example/", "the host unknown-host.example could not be found"),
    ],
    ids=["ftp", "file", "unknown-host"],
)
async def test_bad_urls(web: FakeWeb, url: str, expected: str) -> None:
    assert await _rejected(web, url) == expected


async def test_a_real_connection_goes_to_the_checked_address_with_the_sites_host() -> None:
    """Over a real socket: the name resolves (by our resolver) to 127.0.0.1, the request
    is sent there, and the server still sees the site's name in Host."""
    seen: list[bytes] = []
    page = article_page("Local", "Local News", "2021-10-06", PARAGRAPHS).encode()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(page)}\r\nConnection: close\r\n\r\n".encode()
            + page
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def resolve(host: str, _port: int) -> list[str]:
        assert host == "story.test"
        return ["127.0.0.1"]

    try:
        async with httpx.AsyncClient() as client:
            article = await fetch_article(
                client, f"http://story.test:{port}/a", FetchOptions(allow_private=True), resolve
            )
    finally:
        server.close()
        await server.wait_closed()
    assert article.title == "Local"
    assert f"host: story.test:{port}".encode() in seen[0].lower()


async def test_a_name_that_turns_private_between_hops_is_refused(web: FakeWeb) -> None:
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    web.redirect(URL, URL + "?again")
    async with web.client() as client:
        with pytest.raises(ArticleRejected, match="local or private network address"):
            await fetch_article(client, URL, FetchOptions(), rebinding)
    assert [str(r.url) for r in web.requests] == [URL]
    assert web.requests[0].headers["host"] == "news.example.org"


@pytest.mark.parametrize("charset", ["punycode", "undefined", "utf-7", "unicode_escape"])
async def test_a_charset_no_web_page_is_written_in_is_not_trusted(
    web: FakeWeb, charset: str
) -> None:
    """A page labelled with a codec of Python's that no web page is written in failed in it
    ('punycode', 'undefined': UnicodeError, so /addstory answered 'Sorry, adding that
    article failed.' with a traceback) or was rewritten by it ('utf-7' turns '+ADw-' into
    '<', and 'unicode_escape' reads backslashes as escapes)."""
    words = PARAGRAPHS + ["Its statement was headed +ADw-b+AD4-Inquiry\\u202e opened+ADw-/b+AD4-."]
    page = article_page("Prison videos leaked", "Example News", "2021-10-06", words)
    web.page(URL, page, content_type=f"text/html; charset={charset}")
    article = await _fetch(web)
    assert "October 5, 2021 human rights activists" in article.text
    assert "headed +ADw-b+AD4-Inquiry\\u202e opened+ADw-/b+AD4-." in article.text
