"""Load the sample story for `make demo`: from a local corpus folder when there is one,
otherwise by fetching the article URLs listed in data/demo_sources.txt."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

import httpx

from bot.cli import EXIT_INTERRUPTED, cmd_ingest, configure_logging
from config.settings import Settings, SettingsError, load_settings
from ingest.errors import ArticleRejected
from ingest.fetch import FetchOptions, Resolver, fetch_article, system_resolver
from ingest.pipeline import ingest_article
from store import Store
from store.errors import StoreBusy, StoreUnavailable

SOURCE_LIST = Path(__file__).resolve().parent.parent / "data" / "demo_sources.txt"


async def fetch_and_ingest(
    db_path: Path,
    urls: list[str],
    client: httpx.AsyncClient | None = None,
    options: FetchOptions | None = None,
    resolver: Resolver = system_resolver,
) -> int:
    """Fetch each URL and ingest it; returns how many articles are now available. Pages are
    fetched as /addstory fetches them (ingest/fetch.py): within the size cap, public
    addresses only, every refusal one line."""
    loaded = 0
    store = await Store.open(db_path)
    own = client is None
    web = client or httpx.AsyncClient()
    try:
        for url in urls:
            try:
                fetched = await fetch_article(web, url, options, resolver)
                # The page's own canonical URL may differ; keep the one we were given.
                outcome = await ingest_article(store, replace(fetched, url=url))
            except ArticleRejected as exc:
                print(f"could not load {url}: {exc}")
                continue
            loaded += 1
            print(f"{outcome.status:9} {url}")
    finally:
        if own:
            await web.aclose()
        await store.close()
    return loaded


def main(argv: list[str]) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    configure_logging("WARNING")
    try:
        return _load(settings, Path(argv[0]) if argv else Path("../shared/corpus"))
    except (StoreUnavailable, StoreBusy) as exc:
        # As `briefbot` says it (a .demo store left by a newer checkout was a traceback).
        print(f"briefbot: BRIEFBOT_DB: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while loading: as `briefbot ingest` (was a traceback)
        print("briefbot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _load(settings: Settings, corpus: Path) -> int:
    if corpus.is_dir():
        print(f"Loading the sample articles from {corpus}")
        asyncio.run(cmd_ingest(settings, [corpus]))
        return 0
    urls = [u.strip() for u in SOURCE_LIST.read_text().splitlines() if u.strip()]
    print(f"No corpus folder at {corpus}; fetching {len(urls)} sample articles instead.")
    options = FetchOptions(
        max_bytes=settings.max_article_bytes, allow_private=settings.allow_private_urls
    )
    if asyncio.run(fetch_and_ingest(settings.db, urls, options=options)) == 0:
        print(
            "Could not load any sample article: there is no corpus folder and the article "
            "sites cannot be reached. Put the articles in a folder and run "
            "`make demo CORPUS=path/to/folder`, or ingest your own with `briefbot ingest`."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
