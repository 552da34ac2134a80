"""Fetching an article page for /addstory URL.

The httpx client comes from outside (tests hand in one over `httpx.MockTransport`), and so
does the resolver, so no test touches the network. Every hop of a redirect chain is
checked: only http and https, and no loopback, private, link-local or reserved address
unless the settings allow them (a bot that fetches any URL it is given must not become a
way into the network it runs in). Every failure is an `ArticleRejected` with one line.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import httpx

from ingest.article import DEFAULT_MAX_BYTES, Article, date_from_url, decode, normalise
from ingest.errors import ArticleRejected
from ingest.html import html_to_text, looks_like_html

Resolver = Callable[[str, int], Awaitable[list[str]]]

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain", "text/markdown", "text/x-markdown"}
REDIRECTS = {301, 302, 303, 307, 308}
# The encodings of the WHATWG Encoding Standard that Python has, by Python's codec names
# (Latin-1 and ASCII too: pages label Windows-1252 so).
WEB_ENCODINGS = frozenset(
    codecs.lookup(label).name
    for label in (
        "utf-8", "utf-16", "utf-16-le", "utf-16-be", "ibm866", "iso-8859-2", "iso-8859-3",
        "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-10",
        "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "koi8-r", "koi8-u",
        "mac-roman", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255",
        "cp1256", "cp1257", "cp1258", "mac-cyrillic", "gbk", "gb18030", "big5", "euc-jp",
        "iso-2022-jp", "shift_jis", "euc-kr", "latin-1", "ascii",
    )
)  # fmt: skip
USER_AGENT = "briefbot/0.1 (+news briefing bot; fetches one page on a maintainer's request)"


@dataclass(frozen=True)
class FetchOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = 5
    allow_private: bool = False
    timeout: float = 15.0  # per network operation
    deadline: float = 60.0  # the whole fetch, so a slow drip of bytes cannot hold a task


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    content_type: str
    charset: str | None
    body: bytes


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the host resolves to, from the operating system's resolver."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ArticleRejected("that is not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise ArticleRejected("only http:// and https:// links can be fetched")
    if not parsed.host:
        raise ArticleRejected("that URL has no host name")
    return parsed


async def check_address(url: httpx.URL, resolver: Resolver, allow_private: bool) -> str:
    """The address to connect to; refuses hosts that are, or resolve to, addresses
    inside private networks."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(url.host))]
    except ValueError:
        addresses = []
    try:
        addresses = addresses or await resolver(url.host, port)
    except (OSError, UnicodeError):
        raise ArticleRejected(f"the host {url.host} could not be found") from None
    if not addresses:
        raise ArticleRejected(f"the host {url.host} could not be found")
    if not allow_private and any(_forbidden(a) for a in addresses):
        raise ArticleRejected(
            f"{url.host} is a local or private network address; only public sites are fetched"
        )
    return addresses[0]


def pinned_request(
    client: httpx.AsyncClient, url: httpx.URL, address: str, timeout: float
) -> httpx.Request:
    """A GET of `url` sent to the address that was checked, not to whatever the name
    resolves to a moment later (DNS rebinding); the Host header and, for https, the TLS
    server name (certificate check included) stay the site's."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html, text/plain;q=0.9",
        "Host": url.netloc.decode("ascii"),
    }
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    return client.build_request(
        "GET",
        url.copy_with(host=address),
        headers=headers,
        timeout=httpx.Timeout(timeout),
        extensions=extensions,
    )


def _refuse_status(status: int) -> None:
    if status in (404, 410):
        raise ArticleRejected(f"the page was not found (HTTP {status})")
    if 400 <= status < 500:
        raise ArticleRejected(f"the site refused the request (HTTP {status})")
    if status >= 500:
        raise ArticleRejected(f"the site failed to answer (HTTP {status}); try again later")
    if status != 200:
        raise ArticleRejected(f"unexpected answer from the site (HTTP {status})")


def _media_type(response: httpx.Response) -> tuple[str, str | None]:
    header = response.headers.get("content-type", "")
    media = header.split(";", 1)[0].strip().lower()
    if not media or media in HTML_TYPES or media in TEXT_TYPES:
        return media, response.charset_encoding
    if media == "application/pdf":
        raise ArticleRejected("that link is a PDF, not a web page: send its text as a .txt file")
    if media.startswith("image/"):
        raise ArticleRejected("that link is an image, not an article")
    if media.startswith(("video/", "audio/")):
        raise ArticleRejected("that link is a video or audio file, not an article")
    raise ArticleRejected(f"that link is not a web page ({media})")


async def _read_limited(response: httpx.Response, max_bytes: int, what: str = "page") -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ArticleRejected(
            f"the {what} is too large ({int(declared):,} bytes; limit {max_bytes:,})"
        )
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ArticleRejected(f"the {what} is too large (over {max_bytes:,} bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


async def _fetch(
    client: httpx.AsyncClient, url: str, options: FetchOptions, resolver: Resolver
) -> Page:
    current = _parse(url)
    for _hop in range(options.max_redirects + 1):
        address = await check_address(current, resolver, options.allow_private)
        request = pinned_request(client, current, address, options.timeout)
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.status_code in REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise ArticleRejected("the site redirected without saying where")
                current = _parse(str(current.join(location)))
                continue
            _refuse_status(response.status_code)
            media, charset = _media_type(response)
            body = await _read_limited(response, options.max_bytes)
            return Page(str(current), media, charset, body)
        finally:
            await response.aclose()
    raise ArticleRejected(f"too many redirects (more than {options.max_redirects})")


async def fetch_page(
    client: httpx.AsyncClient,
    url: str,
    options: FetchOptions | None = None,
    resolver: Resolver = system_resolver,
) -> Page:
    """GET one page within the limits of `options`; ArticleRejected says why not."""
    options = options or FetchOptions()
    try:
        async with asyncio.timeout(options.deadline):
            return await _fetch(client, url, options, resolver)
    except TimeoutError:
        raise ArticleRejected("the site did not answer in time") from None
    except httpx.TimeoutException:
        raise ArticleRejected("the site did not answer in time") from None
    except httpx.TooManyRedirects:
        raise ArticleRejected(f"too many redirects (more than {options.max_redirects})") from None
    except httpx.HTTPError as exc:
        raise ArticleRejected(f"the page could not be fetched ({type(exc).__name__})") from None


def _web_encoding(charset: str | None) -> str | None:
    """The codec of a declared charset when it is one web pages are written in (the WHATWG
    Encoding Standard's), else None: Python also knows codecs no page is written in, which
    fail on any page ('punycode', 'undefined') or rewrite it ('utf-7' reads '+ADw-' as '<',
    'unicode_escape' reads backslashes as escapes)."""
    try:
        name = codecs.lookup(charset or "").name
    except LookupError:
        return None
    return name if name in WEB_ENCODINGS else None


def _decode(page: Page) -> str:
    charset = _web_encoding(page.charset)
    if charset:
        try:
            text = page.body.decode(charset)
        except UnicodeError:
            pass
        else:
            # Still refuse binary that a server labelled as text.
            decode(text.encode("utf-8"))
            return normalise(text)
    return decode(page.body)


def page_to_article(page: Page) -> Article:
    """Main text and metadata of a fetched page (trafilatura for HTML)."""
    text = _decode(page)
    url = httpx.URL(page.url)
    article = Article(text=text, url=page.url)
    if page.content_type in HTML_TYPES or (not page.content_type and looks_like_html(text)):
        extracted = html_to_text(text, url=page.url)
        article = replace(
            article,
            text=extracted.text,
            title=extracted.title,
            outlet=extracted.outlet,
            published=_iso_day(extracted.published),
        )
    article = replace(
        article,
        outlet=article.outlet or url.host.removeprefix("www."),
        published=article.published or date_from_url(page.url),
    )
    if not article.text.strip():
        raise ArticleRejected("no article text found on that page")
    return article


def _iso_day(value: str | None) -> str | None:
    from datetime import date

    try:
        return date.fromisoformat(value[:10]).isoformat() if value else None
    except ValueError:
        return None


async def fetch_article(
    client: httpx.AsyncClient,
    url: str,
    options: FetchOptions | None = None,
    resolver: Resolver = system_resolver,
) -> Article:
    """Fetch a page and turn it into an Article, or raise ArticleRejected with the reason."""
    page = await fetch_page(client, url, options, resolver)
    return await asyncio.to_thread(page_to_article, page)


async def download_limited(client: httpx.AsyncClient, url: str, max_bytes: int) -> bytes:
    """A file from a trusted address (the Bot API's file server), streamed and cut off
    past `max_bytes`. Errors never repeat the URL: Bot API file URLs hold the token."""
    try:
        async with client.stream("GET", url, timeout=httpx.Timeout(30.0)) as response:
            if response.status_code != 200:
                raise ArticleRejected(
                    f"the file could not be downloaded (HTTP {response.status_code})"
                )
            return await _read_limited(response, max_bytes, "file")
    except httpx.HTTPError as exc:
        raise ArticleRejected(f"the file could not be downloaded ({type(exc).__name__})") from None
