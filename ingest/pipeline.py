"""The thin orchestrator: article -> publication date -> events -> merged into the store.

An article is added in one transaction with all its events, so a crash mid-ingest leaves
either the whole article or nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.article import DEFAULT_MAX_BYTES, Article, read_article
from ingest.errors import ArticleRejected
from ingest.events import SupportingCitation, extract_events
from ingest.merge import MergeIndex, merge_event
from ingest.published import publication_date
from store import Store
from store.migrations import BRIEFING
from store.models import NewEvent, NewSource

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = {".txt", ".md", ".html", ".htm"}
ARTICLE_KINDS = ", ".join(sorted(ARTICLE_SUFFIXES))  # for messages
# More drafts than this is a list or a dump, not a news article; merging stays fast.
MAX_DRAFTS = 600
KEEP_WORDS_AT_ONCE = 1_000  # events whose words one short transaction writes (~10 ms)
# Between two of them the write lock is left free this long: another process's writer
# waiting for it sleeps in growing steps (SQLite's busy handler), and back-to-back
# transactions kept one from getting in for up to 0.65 s at 100,000 events; with the
# pause, 20 to 45 ms.
KEEP_WORDS_PAUSE_S = 0.01


@dataclass(frozen=True)
class IngestOutcome:
    status: str  # added | present
    source_id: int
    label: str  # title, or file name, for one-line reports
    new_events: list[int] = field(default_factory=list)
    supported_events: list[int] = field(default_factory=list)  # existing ones it also cites


def _label(article: Article) -> str:
    return article.title or article.file or article.url or "untitled article"


@dataclass(frozen=True)
class PreparedArticle:
    """An article with its publication date and event drafts, not yet stored."""

    article: Article
    published: str | None
    published_inferred: bool
    drafts: list[NewEvent | SupportingCitation]


def _read_article(
    article: Article,
) -> tuple[str | None, bool, list[NewEvent | SupportingCitation]]:
    """The publication date and the event drafts: the CPU work of ingestion."""
    published, inferred = publication_date(article)
    # The keyword only when it matters keeps the seam's plain two-argument form.
    extra: dict[str, Any] = {"inferred": True} if inferred else {}
    return published, inferred, extract_events(article.text, published, **extra)


async def prepare_article(article: Article) -> PreparedArticle:
    """Everything ingestion computes before touching the store. It is CPU work, the
    publication date included (a page of thousands of dates takes seconds): it runs off the
    event loop and outside any transaction, so the bot keeps answering and other writers
    are not held up meanwhile."""
    published, inferred, drafts = await asyncio.to_thread(_read_article, article)
    # Dated drafts first, so that supporting passages can also attach to this article's events.
    drafts.sort(key=lambda d: isinstance(d, SupportingCitation))
    if len(drafts) > MAX_DRAFTS:
        log.warning(
            "%s: %d event drafts, only the first %d kept", _label(article), len(drafts), MAX_DRAFTS
        )
        drafts = drafts[:MAX_DRAFTS]
    return PreparedArticle(article, published, inferred, drafts)


# Each store's merge index, kept from one article to the next (reading every event again
# for each article made ingestion quadratic, and a running bot's /addstory read the whole
# briefing every time). It is reused only while the briefing's tables are as they were
# when the article that kept it committed: the 'briefing' write count (store/migrations.py)
# tells, whoever wrote, on this connection or another; other writes (chats, reviews,
# digests) leave it be.
_indexes: weakref.WeakKeyDictionary[Store, tuple[int, MergeIndex]] = weakref.WeakKeyDictionary()


async def _merge_index(store: Store) -> MergeIndex:
    kept = _indexes.pop(store, None)
    if kept is not None and kept[0] == await store.db.data_version(BRIEFING):
        kept[1].begin_article()
        return kept[1]
    return await MergeIndex.load(store)


def _keep(store: Store, version: int, index: MergeIndex) -> None:
    _indexes[store] = (version, index)


async def ready_merge_index(store: Store) -> None:
    """Read the merge index now, outside any transaction, unless the kept one is current.
    Reading a large briefing takes a while (8 s at 100,000 events): inside the article's
    transaction, every other writer, in this process or another, would wait that long for
    the write lock. Read in one snapshot with its write count, the index serves the next
    `store_article` if nobody writes to the briefing meanwhile; if someone does, that reads
    it again under the lock, as before."""
    kept = _indexes.get(store)
    if kept is not None and kept[0] == await store.db.data_version(BRIEFING):
        return
    _indexes.pop(store, None)  # a stale index is not held while the new one is read
    del kept
    async with store.db.snapshot():
        version = await store.db.data_version(BRIEFING)
        index = await MergeIndex.load(store)
    _keep(store, version, index)
    await _keep_words(store, version, index)


async def _keep_words(store: Store, version: int, index: MergeIndex) -> None:
    """Have the store keep the words the read found in events' texts (MergeIndex.load), in
    short transactions of their own: writing them all in the article's (100,000 rows at
    100,000 events, say, after an upgrade or a large `briefbot ingest`) held the write lock
    that long. Only while the briefing is as read: words found in texts changed since
    would be wrong, and the article reads the index again anyway."""
    while index.unkept:
        async with store.db.transaction() as conn:
            if await store.db.data_version(BRIEFING) != version:
                return
            await index.keep_words(store, conn, KEEP_WORDS_AT_ONCE)
        await asyncio.sleep(KEEP_WORDS_PAUSE_S)


async def store_article(store: Store, prepared: PreparedArticle) -> IngestOutcome:
    """Add a prepared article and merge its events, in one transaction; an article already
    present (same URL or text) is reported and nothing changes."""
    article = prepared.article
    new_events: list[int] = []
    supported: list[int] = []
    async with store.db.transaction() as conn:
        # Checked inside the transaction: another writer may have added it meanwhile.
        existing = await store.sources.find_duplicate(article.url, article.content_hash)
        if existing is not None:
            return IngestOutcome("present", existing.id, existing.title or _label(article))
        # Before the source is added, so that the stamp compares with the last commit.
        index = await _merge_index(store)
        source_id = await store.sources.add(
            conn,
            NewSource(
                outlet=article.outlet,
                title=article.title,
                url=article.url,
                file=article.file,
                published=prepared.published,
                published_inferred=prepared.published_inferred,
                text=article.text,
                content_hash=article.content_hash,
            ),
        )
        for draft in prepared.drafts:
            merged = await merge_event(store, conn, source_id, article.text, draft, index=index)
            if merged is not None:
                event_id, is_new = merged
                (new_events if is_new else supported).append(event_id)
        await index.flush(store, conn)
        # Read under the write lock, so no one else's write is counted in; kept only once
        # the article commits (inside a caller's transaction it may still roll back).
        version = await store.db.data_version(BRIEFING)
        store.db.after_commit(functools.partial(_keep, store, version, index))
    log.debug("added %s with %d new events", _label(article), len(new_events))
    return IngestOutcome(
        "added", source_id, _label(article), new_events, sorted(set(supported) - set(new_events))
    )


async def ingest_article(store: Store, article: Article) -> IngestOutcome:
    """Add one article and its events, or report that it is already present."""
    existing = await store.sources.find_duplicate(article.url, article.content_hash)
    if existing is not None:  # checked first too, so a known article is not extracted again
        return IngestOutcome("present", existing.id, existing.title or _label(article))
    prepared = await prepare_article(article)
    await ready_merge_index(store)
    return await store_article(store, prepared)


def article_files(paths: list[Path]) -> list[Path]:
    """Files named on the command line, with folders expanded to their article files."""
    files: list[Path] = []
    for path in paths:
        files.extend(_folder_entries(path) if path.is_dir() else [path])
    return files


def _folder_entries(folder: Path) -> list[Path]:
    """The entries of `folder` and its subfolders with an article's suffix, in name order,
    and the folders that cannot be read: each is a line of the report, where an unreadable
    folder, or a link to a file that is gone, was passed over without a word. (Links to
    folders are not followed: a link back up would go round forever.)"""
    found: list[Path] = []

    def unreadable(error: OSError) -> None:
        found.append(Path(error.filename))

    for root, _folders, names in os.walk(folder, onerror=unreadable):
        found.extend(
            Path(root, name) for name in names if Path(name).suffix.lower() in ARTICLE_SUFFIXES
        )
    return sorted(found)


def _check_folder_readable(folder: Path) -> None:
    """A folder is among the files only when it could not be read (_folder_entries)."""
    try:
        with os.scandir(folder):
            pass
    except OSError as exc:
        raise ArticleRejected(f"cannot read folder: {exc.strerror or exc}") from None


async def ingest_file(
    store: Store, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> IngestOutcome:
    """Read and ingest one file; raises ArticleRejected with the reason."""
    if not path.exists():
        raise ArticleRejected(
            "a link to a file that does not exist" if path.is_symlink() else "no such file"
        )
    if path.is_dir():
        _check_folder_readable(path)
    if not path.is_file():
        raise ArticleRejected("not a regular file")
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        # As in a folder, and as /addstory asks: other files are not articles.
        raise ArticleRejected(f"not an article file ({ARTICLE_KINDS})")
    return await ingest_article(store, read_article(path, max_bytes=max_bytes))
