"""The merge index outlives its article while the briefing's tables stay as they were, in
`briefbot ingest` and in a running bot's /addstory alike, and never outlives a rollback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.answers import Services
from bot.maintenance import add_story, decide_story
from config.settings import Settings
from ingest.article import parse_article
from ingest.merge import MergeIndex
from ingest.pipeline import ingest_article, prepare_article, ready_merge_index, store_article
from store import Store
from store.models import Event
from tests.ingest.test_merge_index import ARTICLE, SAME

OWNER = 1001


async def _the_event(store: Store) -> Event:
    """The one event of 9 May 2023 that ARTICLE and SAME both report."""
    [event] = [e for e in await store.events.all() if e.date == "2023-05-09"]
    return event


async def _sources_citing_the_event(store: Store) -> set[int]:
    return {c.source_id for c in (await _the_event(store)).citations}


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the whole briefing was read into a merge index (one entry a time)."""
    calls: list[int] = []
    load = MergeIndex.load.__func__  # type: ignore[attr-defined]

    async def counted(cls: type[MergeIndex], store: Store) -> MergeIndex:
        calls.append(1)
        return await load(cls, store)

    monkeypatch.setattr(MergeIndex, "load", classmethod(counted))
    return calls


async def test_addstory_after_other_writes_reuses_the_index(
    store: Store, settings: Settings, loads: list[int]
) -> None:
    services = Services(store, settings)
    first = await add_story(services, OWNER, parse_article(ARTICLE.encode(), "one.txt"))
    assert first.review is not None
    # What a running bot writes between two stories: a new chat, a kept review.
    await store.chats.ensure(-100123, "supergroup", "Newsroom")
    await decide_story(services, OWNER, first.review.audit_id, first.review.nonce, keep=True)
    second = await add_story(services, OWNER, parse_article(SAME.encode(), "two.txt"))
    assert second.review is not None
    assert len(loads) == 1
    assert await _sources_citing_the_event(store) == {
        first.review.source_id,
        second.review.source_id,
    }


async def test_a_correction_between_articles_makes_the_next_read_the_briefing(
    store: Store, loads: list[int]
) -> None:
    await ingest_article(store, parse_article(ARTICLE.encode(), "one.txt"))
    event = await _the_event(store)
    await store.corrections.edit_event(OWNER, event.id, "summary", summary="The bridge shut.")
    await ingest_article(store, parse_article(SAME.encode(), "two.txt"))
    assert len(loads) == 2


async def test_an_article_rolled_back_leaves_no_index_behind(store: Store) -> None:
    prepared = await prepare_article(parse_article(ARTICLE.encode(), "one.txt"))
    with pytest.raises(RuntimeError):
        async with store.db.transaction():
            await store_article(store, prepared)
            raise RuntimeError("the caller's own step failed")
    assert await store.events.all() == []
    # An index kept from the rolled-back article would attach this one to its event.
    outcome = await ingest_article(store, parse_article(SAME.encode(), "two.txt"))
    assert outcome.supported_events == []
    assert await _sources_citing_the_event(store) == {outcome.source_id}


@pytest.fixture
def writable_while_loading(monkeypatch: pytest.MonkeyPatch, store: Store) -> list[bool]:
    """Whether another process could take the write lock while the briefing was read into a
    merge index (one entry a read)."""
    seen: list[bool] = []
    load = MergeIndex.load.__func__  # type: ignore[attr-defined]

    async def probed(cls: type[MergeIndex], reading: Store) -> MergeIndex:
        other = sqlite3.connect(store.db.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append(True)
        except sqlite3.OperationalError:  # database is locked
            seen.append(False)
        finally:
            other.close()
        return await load(cls, reading)

    monkeypatch.setattr(MergeIndex, "load", classmethod(probed))
    return seen


async def test_ingest_reads_the_index_without_holding_the_write_lock(
    store: Store, writable_while_loading: list[bool]
) -> None:
    first = await ingest_article(store, parse_article(ARTICLE.encode(), "one.txt"))
    second = await ingest_article(store, parse_article(SAME.encode(), "two.txt"))
    assert writable_while_loading == [True]  # read once, with the lock free
    assert await _sources_citing_the_event(store) == {first.source_id, second.source_id}


async def test_addstory_reads_the_index_without_holding_the_write_lock(
    store: Store, settings: Settings, writable_while_loading: list[bool]
) -> None:
    services = Services(store, settings)
    first = await add_story(services, OWNER, parse_article(ARTICLE.encode(), "one.txt"))
    assert first.review is not None
    assert writable_while_loading == [True]
    assert await _sources_citing_the_event(store) == {first.review.source_id}


async def test_a_write_between_reading_the_index_and_storing_reads_it_again(
    store: Store, db_path: Path, loads: list[int]
) -> None:
    await ingest_article(store, parse_article(ARTICLE.encode(), "one.txt"))
    event = await _the_event(store)
    prepared = await prepare_article(parse_article(SAME.encode(), "two.txt"))
    other = await Store.open(db_path)  # another process correcting the briefing
    try:
        await other.corrections.edit_event(OWNER, event.id, "summary", summary="The bridge.")
        await ready_merge_index(store)
        assert len(loads) == 2  # the kept index was stale: read again, before the lock
        await other.corrections.edit_event(OWNER, event.id, "summary", summary="It shut.")
    finally:
        await other.close()
    outcome = await store_article(store, prepared)
    assert len(loads) == 3  # stale again by the time the lock was taken: read under it
    assert outcome.supported_events == [event.id]
    assert (await store.events.get(event.id)).summary == "It shut."
