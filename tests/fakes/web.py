"""A fake web for /addstory URL: pages served by `httpx.MockTransport`, and a resolver
that maps host names to addresses, so no test touches the network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx

Handler = Callable[[httpx.Request], httpx.Response]

ARTICLE_HTML = """<!doctype html>
<html><head><title>{title}</title>
<meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="{published}">
<script>window.tracker = "SCRIPT-PAYLOAD";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{title}</h1>
{paragraphs}
</article>
<footer>Subscribe to our newsletter</footer>
</body></html>"""


def article_page(title: str, outlet: str, published: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return ARTICLE_HTML.format(title=title, outlet=outlet, published=published, paragraphs=body)


async def _slow_body(chunks: int, size: int, delay: float) -> AsyncIterator[bytes]:
    for _ in range(chunks):
        await asyncio.sleep(delay)
        yield b"a" * size


@dataclass
class FakeWeb:
    """Routes by full URL; every request is recorded in order; unknown URLs are 404."""

    routes: dict[str, Handler] = field(default_factory=dict)
    hosts: dict[str, list[str]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def page(
        self,
        url: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        content = body.encode("utf-8") if isinstance(body, str) else body
        extra = dict(headers or {})

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                status, content=content, headers={"content-type": content_type, **extra}
            )

        self.routes[url] = handler
        self._host(url)

    def redirect(self, url: str, location: str, status: int = 302) -> None:
        self.routes[url] = lambda request: httpx.Response(status, headers={"location": location})
        self._host(url)

    def stream(self, url: str, chunks: int, size: int, delay: float = 0.0) -> None:
        """A page sent in chunks without a content-length (a server that lies or drips)."""
        self.routes[url] = lambda request: httpx.Response(
            200, headers={"content-type": "text/html"}, content=_slow_body(chunks, size, delay)
        )
        self._host(url)

    def held(self, url: str, body: str, release: asyncio.Event) -> None:
        """A page whose body is sent only once the test sets `release` (a slow site)."""

        async def content() -> AsyncIterator[bytes]:
            await release.wait()
            yield body.encode("utf-8")

        self.routes[url] = lambda request: httpx.Response(
            200, headers={"content-type": "text/html"}, content=content()
        )
        self._host(url)

    def timeout(self, url: str) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        self.routes[url] = handler
        self._host(url)

    def _host(self, url: str) -> None:
        host = httpx.URL(url).host
        if not host.replace(".", "").isdigit() and ":" not in host:  # names, not addresses
            self.hosts.setdefault(host, ["93.184.215.14"])

    def handle(self, request: httpx.Request) -> httpx.Response:
        # The fetcher connects to the address it checked and names the site in Host.
        url = httpx.URL(
            f"{request.url.scheme}://{request.headers['host']}{request.url.raw_path.decode()}"
        )
        assert request.url.host in self.hosts.get(url.host, [url.host]), "not the checked address"
        self.requests.append(httpx.Request(request.method, url, headers=request.headers))
        handler = self.routes.get(str(url))
        if handler is None:
            return httpx.Response(404, text="not found", headers={"content-type": "text/html"})
        return handler(self.requests[-1])

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    async def resolve(self, host: str, port: int) -> list[str]:
        try:
            return self.hosts[host]
        except KeyError:
            raise OSError(f"unknown host {host}") from None
