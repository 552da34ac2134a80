from __future__ import annotations

from pathlib import Path

import pytest

from store import Store
from store.db import Database
from store.errors import StoreClosed
from store.migrations import MIGRATIONS
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
    text = "On Tuesday the regional governor resigned in Tver."
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
    assert [p.name for p in await store.places.find_by_alias("tver oblast")] == ["Tver"]


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
