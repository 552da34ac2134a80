from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from store import Store
from store.db import Database
from store.errors import StoreClosed, StoreUnavailable
from store.events import EventScope
from store.migrations import MIGRATIONS, SEARCHED_EXCERPTS
from store.models import NewEvent, NewSource, PersonRef, PlaceRef


async def _schema(path: Path) -> list[tuple[str, str]]:
    async with Database(path) as db:
        rows = await db.fetchall("SELECT name, sql FROM sqlite_master ORDER BY name")
        return [(r[0], r[1]) for r in rows]


async def test_migrations_apply_once_and_twice_give_the_same_schema(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    first = await _schema(path)
    second = await _schema(path)
    assert first == second
    async with Database(path) as db:
        names = [r[0] for r in await db.fetchall("SELECT name FROM migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]


async def test_connection_pragmas(store: Store) -> None:
    assert await store.db.scalar("PRAGMA journal_mode") == "wal"
    assert await store.db.scalar("PRAGMA foreign_keys") == 1
    assert await store.db.scalar("PRAGMA busy_timeout") == 5000


async def test_using_a_closed_store_raises(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.close()
    with pytest.raises(StoreClosed):
        await store.sources.list_all()


async def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.db.transaction() as conn:
            await store.sources.add(conn, _source("abc"))
            raise RuntimeError("crash mid-ingest")
    assert await store.sources.list_all() == []


def _source(text: str) -> NewSource:
    return NewSource("Outlet", "Title", None, None, "2021-10-05", False, text, text)


async def test_event_round_trip_with_citation_places_people_and_search(store: Store) -> None:
    text = "On Tuesday the regional governor resigned in Tver, a court in Zürich heard."
    async with store.db.transaction() as conn:
        source_id = await store.sources.add(conn, _source(text))
        event_id = await store.events.add(
            conn,
            source_id,
            text,
            NewEvent(
                date="2021-10-05",
                end=None,
                summary="The regional governor resigns.",
                places=(PlaceRef("Tver", aliases=("Tver Oblast",)),),
                people=(PersonRef("Ivan Petrov", aliases=("Petrov",)),),
                citations=((0, len(text)),),
            ),
        )
    event = await store.events.get(event_id)
    assert event.precision == "day"
    assert event.places == ("Tver",)
    assert event.people == ("Ivan Petrov",)
    assert event.citations[0].excerpt == text
    assert [e.id for e in await store.events.search("governor")] == [event_id]
    assert [e.id for e in await store.events.search("Tver")] == [event_id]
    assert await store.events.search('") OR *') == []
    # Accents typed as combining marks (decomposed) find the composed word, and back.
    assert [e.id for e in await store.events.search("Zu\u0308rich")] == [event_id]
    assert [e.id for e in await store.events.search("Zürich")] == [event_id]
    assert [p.name for p in await store.places.find_by_alias("tver oblast")] == ["Tver"]


async def test_a_much_cited_event_is_searched_on_its_first_excerpts(store: Store) -> None:
    # Each article citing an event rewrote its whole search document, so an event every
    # outlet covered cost more with each article; now only its first excerpts are searched.
    texts = [f"Report marker{n} said the governor resigned." for n in range(1, 21)]
    async with store.db.transaction() as conn:
        sources = [await store.sources.add(conn, _source(text)) for text in texts]
        draft = NewEvent("2021-10-05", None, "The governor resigns.", citations=((0, 15),))
        event_id = await store.events.add(conn, sources[0], texts[0], draft)
    for source_id, text in zip(sources[1:], texts[1:], strict=True):
        async with store.db.transaction() as conn:  # one article at a time, as ingest does
            await store.events.attach(conn, event_id, source_id, text, draft)
    found = [[e.id for e in await store.events.search(f"marker{n}")] for n in range(1, 21)]
    assert found == [[event_id]] * SEARCHED_EXCERPTS + [[]] * (20 - SEARCHED_EXCERPTS)
    assert len((await store.events.get(event_id)).citations) == 20  # all still cited

    # A citation split off takes its words along, and the next excerpt becomes searched.
    second = (await store.events.get(event_id)).citations[1]
    split_id, _ = await store.corrections.split_citation(1, event_id, second.id)
    assert [e.id for e in await store.events.search("marker2")] == [split_id]
    after = [e.id for e in await store.events.search(f"marker{SEARCHED_EXCERPTS + 1}")]
    assert after == [event_id]


@asynccontextmanager
async def _older_store(
    path: Path, monkeypatch: pytest.MonkeyPatch, first_missing: str
) -> AsyncIterator[Store]:
    """A store made by an older version: every migration before `first_missing`. Opened
    again after this, it gets the rest."""
    from store import migrations

    before = [name for name, _ in MIGRATIONS].index(first_missing)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", MIGRATIONS[:before])
        async with await Store.open(path) as older:
            yield older


async def test_a_much_cited_events_search_text_is_capped_when_an_older_store_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "older.sqlite3"
    async with _older_store(path, monkeypatch, "0015_capped_search") as older:
        async with older.db.transaction() as conn:
            text = " ".join(f"Report marker{n}." for n in range(1, 21))
            source_id = await older.sources.add(conn, _source(text))
            spans = tuple((m.start(), m.end()) for m in re.finditer(r"Report marker\d+", text))
            draft = NewEvent("2021-10-05", None, "The governor resigns.", citations=spans)
            event_id = await older.events.add(conn, source_id, text, draft)
            # As the code of that version wrote it: every excerpt.
            await conn.execute(
                "UPDATE event_search SET excerpts = (SELECT group_concat(excerpt, ' ')"
                " FROM citations WHERE event_id = ?) WHERE rowid = ?",
                (event_id, event_id),
            )
        assert [e.id for e in await older.events.search("marker20")] == [event_id]
    async with await Store.open(path) as store:
        assert [e.id for e in await store.events.search("marker16")] == [event_id]
        assert await store.events.search("marker17") == []


async def _one_event(store: Store, summary: str, excerpt: str) -> int:
    async with store.db.transaction() as conn:
        source_id = await store.sources.add(conn, _source(excerpt))
        draft = NewEvent("2021-10-05", None, summary, citations=((0, len(excerpt)),))
        return await store.events.add(conn, source_id, excerpt, draft)


async def test_a_search_finds_a_word_in_its_other_english_forms(store: Store) -> None:
    """Words were matched as written: /search hospitals missed "hospital", and the stem
    a reader types, 'tortur', found nothing."""
    summary, excerpt = "Inmates were tortured at the hospital.", "Их пытали в больнице."
    event_id = await _one_event(store, summary, excerpt)
    for words in ("hospitals", "torture", "tortur", "torturing hospital", "больнице"):
        assert [e.id for e in await store.events.search(words)] == [event_id], words
    for words in ("hospice", "tort"):
        assert await store.events.search(words) == [], words


async def test_an_older_stores_search_finds_other_forms_once_it_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "older.sqlite3"
    async with _older_store(path, monkeypatch, "0019_stemmed_search") as older:
        event_id = await _one_event(older, "The governor resigns.", "Inmates were tortured.")
        assert await older.events.search("torture") == []
    async with await Store.open(path) as store:
        # its excerpt and its summary, and what is stored later
        assert [e.id for e in await store.events.search("torture")] == [event_id]
        assert [e.id for e in await store.events.search("governors")] == [event_id]
        later = await _one_event(store, "Guards beat inmates.", "Guards were beating them.")
        assert [e.id for e in await store.events.search("beats")] == [later]


async def test_a_citation_written_outside_a_batch_is_searched(store: Store) -> None:
    # As an undo restores one: the trigger keeps the search document current.
    text = "The governor resigned. A court in Tver heard the case."
    async with store.db.transaction() as conn:
        source_id = await store.sources.add(conn, _source(text))
        draft = NewEvent("2021-10-05", None, "The governor resigns.", citations=((0, 22),))
        event_id = await store.events.add(conn, source_id, text, draft)
        await conn.execute(
            "INSERT INTO citations (event_id, source_id, excerpt, start_offset, end_offset)"
            " VALUES (?, ?, ?, 23, 55)",
            (event_id, source_id, text[23:55]),
        )
    assert [e.id for e in await store.events.search("court")] == [event_id]


async def test_timeline_range_compares_at_each_events_precision(store: Store) -> None:
    text = "x" * 100
    async with store.db.transaction() as conn:
        source_id = await store.sources.add(conn, _source(text))
        for date in ("2020", "2021", "2021-10", "2021-10-05", "2022-01-18"):
            await store.events.add(
                conn, source_id, text, NewEvent(date, None, f"event {date}", citations=((0, 5),))
            )
    in_october = await store.events.timeline("2021-10-01", "2021-10-31")
    assert [e.date for e in in_october] == ["2021", "2021-10", "2021-10-05"]


async def test_two_processes_opening_one_new_store_at_once_both_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `briefbot run` and `briefbot ingest` started together: each read which steps were
    # applied before either had applied one, and the second applied them again
    # ("duplicate column name") and refused the store.
    path = tmp_path / "both.sqlite3"
    first, second = Database(path), Database(path)
    both_read = asyncio.Barrier(2)
    waited: set[int] = set()
    fetchall = Database.fetchall

    async def fetch_then_wait_for_the_other(db: Database, sql: str, params=()):  # type: ignore[no-untyped-def]
        rows = await fetchall(db, sql, params)
        if sql.startswith("SELECT name FROM migrations") and id(db) not in waited:
            waited.add(id(db))
            await both_read.wait()  # the other process has read them too
        return rows

    monkeypatch.setattr(Database, "fetchall", fetch_then_wait_for_the_other)
    try:
        await asyncio.gather(first.open(), second.open())
        names = [r[0] for r in await first.fetchall("SELECT name FROM migrations ORDER BY name")]
        assert names == [name for name, _ in MIGRATIONS]
    finally:
        await first.close()
        await second.close()


async def test_a_store_from_a_newer_version_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    async with Database(path) as db, db.transaction() as conn:
        await conn.execute(
            "INSERT INTO migrations (name, applied_at) VALUES ('0999_from_the_future', 'x')"
        )
    before = path.read_bytes()
    with pytest.raises(StoreUnavailable, match="newer version of briefbot.*0999_from_the_future"):
        await (await Store.open(path)).close()
    assert path.read_bytes() == before


async def test_an_older_store_is_brought_up_to_date_and_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store import migrations

    path = tmp_path / "older.sqlite3"
    # As a version of the code that had only the first steps left it: an article, a
    # visible and a hidden event at one place.
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS[:4])
    async with Database(path) as db, db.transaction() as conn:
        at = "2021-10-06T00:00:00+00:00"
        await conn.execute(
            "INSERT INTO sources (id, outlet, text, content_hash, added_at, published)"
            " VALUES (1, 'Outlet', 'On Tuesday the governor resigned in Tver.', 'h', ?,"
            " '2021-10-06')",
            (at,),
        )
        for event_id, hidden in ((1, 0), (2, 1)):
            await conn.execute(
                "INSERT INTO events (id, date, summary, hidden, created_at, updated_at)"
                " VALUES (?, '2021-10-05', 'The governor resigned.', ?, ?, ?)",
                (event_id, hidden, at, at),
            )
            await conn.execute(
                "INSERT INTO citations (event_id, source_id, excerpt, start_offset, end_offset)"
                " VALUES (?, 1, 'the governor resigned', 11, 32)",
                (event_id,),
            )
        await conn.execute(
            "INSERT INTO places (id, name, kind) VALUES (1, 'Tver Oblast', 'region')"
        )
        await conn.execute("INSERT INTO event_places (event_id, place_id) VALUES (1, 1), (2, 1)")
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS)
    async with await Store.open(path) as store:
        assert [e.id for e in await store.events.timeline()] == [1]
        assert [e.id for e in await store.events.search("governor")] == [1]
        at_place = await store.events.page(EventScope(place_ids=(1,)), limit=4)
        assert [e.id for e in at_place] == [1]
        names = [r[0] for r in await store.db.fetchall("SELECT name FROM migrations")]
        assert sorted(names) == sorted(name for name, _ in MIGRATIONS)


async def test_a_write_waits_out_another_process_holding_the_lock_while_reads_go_on(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `briefbot ingest` holds the write lock while it reads every event, about 10 s at
    # 100,000 events: past SQLite's busy timeout, the bot's writes failed with "database is
    # locked" (a traceback and an apology), and its reads stood behind the waiting write.
    import sqlite3

    import store.db

    monkeypatch.setattr(store.db, "BUSY_TIMEOUT_MS", 100)  # the wait stands for a long one
    opened = await Store.open(db_path)
    other_process = sqlite3.connect(db_path, isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")
        write = asyncio.create_task(opened.chats.ensure(42, "private"))
        await asyncio.sleep(0.3)  # three busy timeouts
        assert await opened.db.scalar("SELECT count(*) FROM chats") == 0  # not held up
        assert not write.done()
        other_process.execute("COMMIT")
        chat = await asyncio.wait_for(write, 5)
        assert chat.id == 42
        assert await opened.db.scalar("PRAGMA busy_timeout") == 100
    finally:
        other_process.close()
        await opened.close()


async def test_after_commit_runs_once_the_outermost_transaction_commits(store: Store) -> None:
    ran: list[str] = []
    async with store.db.transaction():
        store.db.after_commit(lambda: ran.append("outer"))
        with pytest.raises(RuntimeError):
            async with store.db.transaction():  # a savepoint: undone, its action dropped
                store.db.after_commit(lambda: ran.append("undone"))
                raise RuntimeError("inner step failed")
        async with store.db.transaction():
            store.db.after_commit(lambda: ran.append("inner"))
        assert ran == []  # nothing is committed yet
    assert ran == ["outer", "inner"]
    with pytest.raises(RuntimeError):
        async with store.db.transaction():
            store.db.after_commit(lambda: ran.append("rolled back"))
            raise RuntimeError("failed")
    assert ran == ["outer", "inner"]


async def test_the_briefing_count_sees_event_writes_not_chat_writes(store: Store) -> None:
    before = await store.db.data_version("briefing")
    await store.chats.ensure(5, "private")
    assert await store.db.data_version("briefing") == before
    text = "On Tuesday the regional governor resigned."
    async with store.db.transaction() as conn:
        source_id = await store.sources.add(conn, _source(text))
        assert await store.db.data_version("briefing") == before  # an article alone
        draft = NewEvent("2021-10-05", None, "The governor resigns.", citations=((0, len(text)),))
        await store.events.add(conn, source_id, text, draft)
    assert await store.db.data_version("briefing") > before


async def test_an_older_stores_place_counts_are_counted_when_it_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "older.sqlite3"
    places = (PlaceRef("Alpha Oblast", "region"), PlaceRef("Beta Krai", "region"))
    async with _older_store(path, monkeypatch, "0022_place_counts") as older:
        async with older.db.transaction() as conn:
            text = "One. Two. Three."
            source_id = await older.sources.add(conn, _source(text))
            for n, at in enumerate([places, places[:1], places[:1]]):
                draft = NewEvent("2021-10-05", None, f"Event {n}", citations=((0, 4),), places=at)
                await older.events.add(conn, source_id, text, draft)
        await older.corrections.edit_event(1, 3, "hide", hidden=1)
    async with await Store.open(path) as store:
        counts = [(place.name, n) for place, n in await store.places.event_counts()]
        assert counts == [("Alpha Oblast", 2), ("Beta Krai", 1)]
