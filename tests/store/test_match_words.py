"""Kept words (match_words) are read instead of an event's texts, under the rules that
computed them only, and any change to what they were computed from drops them, whoever
makes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from store import Store
from store.events import EventToMatch
from store.models import NewEvent
from tests.bot.briefing import add_article, add_event

OWNER = 1
BASIS = 42
TEXT = "Guards beat an inmate. A court heard the case. Officials denied it. Later, a fine."


@pytest.fixture
async def events(store: Store) -> list[int]:
    """Three events of one article, with words kept for each; a maintainer to correct them."""
    source = await add_article(store, TEXT)
    ids = [
        await add_event(store, source, "2021-10-05", "Guards beat an inmate", ("Guards beat",)),
        await add_event(store, source, "2021-10-06", "A court heard it", ("A court heard",)),
        await add_event(store, source, "2021-10-07", "Officials denied it", ("Officials",)),
    ]
    async with store.db.transaction() as conn:
        await store.events.keep_match_words(conn, BASIS, [(i, f"kept{i} word") for i in ids])
    await store.db.conn.execute("INSERT INTO maintainers VALUES (?, ?, '')", (OWNER, OWNER))
    return ids


async def _read(store: Store, basis: int | None = BASIS) -> dict[int, EventToMatch]:
    return {e.id: e async for batch in store.events.for_matching(8, basis) for e in batch}


async def _kept(store: Store) -> set[int]:
    return {row[0] for row in await store.db.fetchall("SELECT event_id FROM match_words")}


async def test_kept_words_are_read_instead_of_the_texts(store: Store, events: list[int]) -> None:
    read = await _read(store)
    for event_id in events:
        assert read[event_id].words == f"kept{event_id} word"
        assert read[event_id].summary == "" and read[event_id].excerpts == ()
    assert read[events[0]].cited == 1 and read[events[0]].date == "2021-10-05"


@pytest.mark.parametrize("basis", [BASIS + 1, None])
async def test_words_kept_under_other_rules_are_not_read(
    store: Store, events: list[int], basis: int | None
) -> None:
    read = await _read(store, basis)
    assert read[events[0]].words is None
    assert read[events[0]].summary == "Guards beat an inmate"
    assert read[events[0]].excerpts == ("Guards beat",)


async def test_words_kept_again_replace_the_old_and_skip_events_gone(
    store: Store, events: list[int]
) -> None:
    async with store.db.transaction() as conn:
        await store.events.keep_match_words(conn, BASIS + 1, [(events[0], "new"), (999, "gone")])
    assert (await _read(store, BASIS + 1))[events[0]].words == "new"
    assert await _kept(store) == set(events)


async def _attach(store: Store, events: list[int]) -> None:
    text = "Another outlet: guards beat an inmate."
    source = await add_article(store, text, url="https://b.test/1")
    start = text.index("guards")
    async with store.db.transaction() as conn:
        draft = NewEvent("2021-10-05", None, "x", citations=((start, len(text)),))
        await store.events.attach(conn, events[0], source, text, draft)


async def _edit_summary(store: Store, events: list[int]) -> None:
    await store.corrections.edit_event(OWNER, events[0], "summary", summary="Guards beat a man")


async def _merge(store: Store, events: list[int]) -> None:
    await store.corrections.merge_events(OWNER, events[0], events[1])


async def _delete(store: Store, events: list[int]) -> None:
    async with store.db.transaction() as conn:
        await store.events.delete(conn, events[0])


async def _split(store: Store, events: list[int]) -> None:
    await _attach(store, events)
    async with store.db.transaction() as conn:
        await store.events.keep_match_words(conn, BASIS, [(events[0], "again")])
    [_, second] = sorted(c.id for c in (await store.events.get(events[0])).citations)
    await store.corrections.split_citation(OWNER, events[0], second)


async def _remove_source(store: Store, events: list[int]) -> None:
    [citation] = (await store.events.get(events[0])).citations
    await store.corrections.remove_source(OWNER, citation.source_id)


async def _undo(store: Store, events: list[int]) -> None:
    entry = await store.corrections.edit_event(OWNER, events[0], "summary", summary="Changed")
    async with store.db.transaction() as conn:
        await store.events.keep_match_words(conn, BASIS, [(events[0], "changed")])
    await store.audit.undo(OWNER, entry)


Change = Callable[[Store, list[int]], Awaitable[None]]


@pytest.mark.parametrize(
    ("change", "dropped"),
    [
        (_attach, [0]),
        (_edit_summary, [0]),
        (_merge, [0, 1]),
        (_delete, [0]),
        (_split, [0]),  # and the new event has none
        (_remove_source, [0, 1, 2]),
        (_undo, [0]),
    ],
)
async def test_a_change_to_an_events_texts_drops_its_words(
    store: Store, events: list[int], change: Change, dropped: list[int]
) -> None:
    await change(store, events)
    assert await _kept(store) == set(events) - {events[i] for i in dropped}


async def test_changes_that_leave_the_texts_keep_the_words(
    store: Store, events: list[int]
) -> None:
    await store.corrections.edit_event(OWNER, events[0], "date", date="2021-10-04")
    await store.corrections.edit_event(OWNER, events[1], "hide", hidden=1)
    await store.corrections.edit_event(OWNER, events[2], "status", status="confirmed")
    assert await _kept(store) == set(events)
    assert (await _read(store))[events[1]].words == f"kept{events[1]} word"
