"""The merge index keeps each event's words in the store after reading them from its
texts, and the next read takes them from there: the same index, the same merges."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synthetic_news import write_articles
from bot.export import export_briefing
from ingest import merge
from ingest.merge import MATCHED_CITATIONS, MergeIndex, _words, words_basis
from ingest.pipeline import IngestOutcome, ingest_file
from store import Store

BASIS = words_basis()  # taken before any test changes it
ROOT = Path(__file__).resolve().parents[2]


async def _ingest(
    db: Path, paths: list[Path], *, each_in_a_new_process: bool = False
) -> list[IngestOutcome]:
    """Ingest the files as `briefbot ingest` does; or, with `each_in_a_new_process`, each
    by a store opened afresh (as one story worker after another), so each reads the index."""
    groups = [[p] for p in paths] if each_in_a_new_process else [paths]
    outcomes = []
    for group in groups:
        store = await Store.open(db)
        try:
            outcomes += [await ingest_file(store, path) for path in group]
        finally:
            await store.close()
    return outcomes


async def _kept(db: Path) -> dict[int, set[str]]:
    """The words kept for each event under the rules that run."""
    store = await Store.open(db)
    try:
        rows = await store.db.fetchall(
            "SELECT event_id, words FROM match_words WHERE basis = ?", (BASIS,)
        )
        return {row["event_id"]: set(row["words"].split()) for row in rows}
    finally:
        await store.close()


def _other_rules_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules that change from one call to the next: no read finds words kept under them."""
    numbers = itertools.count(BASIS + 1)
    monkeypatch.setattr(merge, "words_basis", lambda: next(numbers))


async def _fresh_words(db: Path) -> dict[int, set[str]]:
    """Every event's words as found in its summary and first excerpts by citation id."""
    store = await Store.open(db)
    try:
        found = {}
        for event in await store.events.all(include_hidden=True):
            first = sorted(event.citations, key=lambda c: c.id)[:MATCHED_CITATIONS]
            found[event.id] = _words(" ".join([event.summary, *(c.excerpt for c in first)]))
        return found
    finally:
        await store.close()


@pytest.fixture
def articles(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "articles"
    folder.mkdir()
    return write_articles(folder, 24, seed=11)


async def test_the_next_article_keeps_what_a_fresh_read_found(
    tmp_path: Path, articles: list[Path]
) -> None:
    db = tmp_path / "briefing.sqlite3"
    await _ingest(db, articles[:20])
    assert await _kept(db) == {}  # one index for all: read once, from an empty briefing
    before = await _fresh_words(db)
    # A new process: it reads the 20 articles' events from their texts.
    [outcome] = await _ingest(db, articles[20:21])
    assert outcome.supported_events
    kept = await _kept(db)
    # Every event but those the new article cites (their words may have changed) and its own.
    assert kept.keys() == before.keys() - set(outcome.supported_events)
    assert len(kept) > 100
    assert kept == {i: words for i, words in (await _fresh_words(db)).items() if i in kept}


async def test_an_index_read_from_kept_words_is_the_index_read_from_the_texts(
    tmp_path: Path, articles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "briefing.sqlite3"
    await _ingest(db, articles[:20])
    [last] = await _ingest(db, articles[20:21])
    store = await Store.open(db)
    try:
        kept = await MergeIndex.load(store)
        _other_rules_each_time(monkeypatch)
        read = await MergeIndex.load(store)
    finally:
        await store.close()
    assert {i: set(w) for i, w in kept.words.items()} == {i: set(w) for i, w in read.words.items()}
    assert kept.postings == read.postings
    assert kept.events == read.events and kept.order == read.order
    # Read from their texts: only the events the last article cited or added.
    assert set(kept.unkept) == {*last.new_events, *last.supported_events}
    assert len(read.unkept) == len(read.events)  # none kept under other rules


async def test_merges_come_out_the_same_with_kept_words_as_without(
    tmp_path: Path, articles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_kept, without = tmp_path / "kept.sqlite3", tmp_path / "read.sqlite3"
    await _ingest(with_kept, articles[:16])
    shutil.copy(with_kept, without)
    await _ingest(with_kept, articles[16:], each_in_a_new_process=True)
    assert await _kept(with_kept)  # later stories read kept words
    _other_rules_each_time(monkeypatch)  # each story reads every event's texts
    await _ingest(without, articles[16:], each_in_a_new_process=True)
    assert await _kept(without) == {}
    exports = []
    for db in (with_kept, without):
        store = await Store.open(db)
        try:
            exports.append(await export_briefing(store))
        finally:
            await store.close()
    assert exports[0] == exports[1]


def test_words_are_kept_under_a_number_that_changes_with_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ingest import events

    rules = events.content_word_rules()
    assert words_basis() == BASIS
    monkeypatch.setitem(events.SYNONYMS, "quake", "tremor")
    assert events.content_word_rules() != rules
    monkeypatch.setattr(events, "STOPWORDS", events.STOPWORDS | {"quake"})
    monkeypatch.delitem(events.SYNONYMS, "quake")
    assert events.content_word_rules() != rules
    # The code's own text, not its file's: another suffix rule is another number.
    assert events.code_text(events.stem) == events.code_text(events.stem)
    assert events.code_text(events.stem) != events.code_text(_stem_otherwise)


def _stem_otherwise(word: str) -> str:
    w = word.casefold().strip("’'")
    for suffix in ("ings", "ing", "edly", "ed", "es"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def test_every_process_finds_the_same_number_for_the_rules() -> None:
    # Sets and nested functions print differently from one process to the next.
    code = "from ingest.merge import words_basis; print(words_basis())"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        assert int(done.stdout) == BASIS


async def test_words_read_before_another_writer_changed_the_briefing_are_not_kept(
    tmp_path: Path, articles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "briefing.sqlite3"
    await _ingest(db, articles[:20])
    load = MergeIndex.load.__func__  # type: ignore[attr-defined]
    kept_when_read_again: list[dict[int, set[str]]] = []

    async def then_corrected(cls: type[MergeIndex], store: Store) -> MergeIndex:
        index = await load(cls, store)
        if not kept_when_read_again:  # the first read: another process corrects an event
            other = await Store.open(db)
            try:
                await other.corrections.edit_event(1, 1, "summary", summary="Ships collided")
            finally:
                await other.close()
        kept_when_read_again.append(await _kept(db))
        return index

    monkeypatch.setattr(MergeIndex, "load", classmethod(then_corrected))
    [outcome] = await _ingest(db, articles[20:21])
    # Nothing was kept from the first read; the article read the briefing again under the
    # write lock, and its words were kept with the article.
    assert kept_when_read_again == [{}, {}]
    kept, fresh = await _kept(db), await _fresh_words(db)
    assert kept.keys() == fresh.keys() - {*outcome.new_events, *outcome.supported_events}
    assert kept == {i: words for i, words in fresh.items() if i in kept}
    assert _words("Ships collided") <= kept[1]
