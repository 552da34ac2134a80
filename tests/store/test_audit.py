"""Maintainers' corrections: each is audited, and undo restores the exact previous state."""

from __future__ import annotations

import asyncio
import json

import pytest

from store import Store
from store.audit import Scope
from store.db import utc_now
from store.errors import Conflict, NotFound
from store.models import NewEvent, NewSource, PersonRef, PlaceRef
from tests.store.rows import dump

TEXT_A = (
    "On October 5, 2021 activists published leaked videos from a prison hospital in Saratov. "
    "On October 6 the warden was dismissed."
)
TEXT_B = "Activists on October 5, 2021 released videos filmed inside the Saratov hospital."


def _source(text: str, url: str) -> NewSource:
    return NewSource("Outlet", "Title " + url, url, None, "2021-10-07", False, text, url)


async def _seed(store: Store) -> dict[str, int]:
    """Two articles; event `leak` is cited by both, `dismissal` only by the first."""
    async with store.db.transaction() as conn:
        a = await store.sources.add(conn, _source(TEXT_A, "https://a.example/1"))
        b = await store.sources.add(conn, _source(TEXT_B, "https://b.example/2"))
        leak = await store.events.add(
            conn,
            a,
            TEXT_A,
            NewEvent(
                "2021-10-05",
                None,
                "Activists publish leaked videos.",
                places=(PlaceRef("Saratov", "city"),),
                people=(PersonRef("Activist Group", "organisation"),),
                citations=((0, 87),),
            ),
        )
        await store.events.attach(
            conn, leak, b, TEXT_B, NewEvent("2021-10-05", None, "x", citations=((0, 40),))
        )
        dismissal = await store.events.add(
            conn,
            a,
            TEXT_A,
            NewEvent(
                "2021-10-06",
                None,
                "The warden is dismissed.",
                places=(PlaceRef("Saratov", "city"),),
                citations=((88, len(TEXT_A)),),
            ),
        )
    return {"a": a, "b": b, "leak": leak, "dismissal": dismissal}


async def test_edit_summary_is_audited_and_undo_restores_exactly(store: Store) -> None:
    ids = await _seed(store)
    before = await dump(store)
    entry_id = await store.corrections.edit_event(
        1001, ids["leak"], "summary", summary="Leaked videos are published."
    )
    assert (await store.events.get(ids["leak"])).summary == "Leaked videos are published."
    entry = await store.audit.get(entry_id)
    assert (entry.actor, entry.action, entry.target) == (1001, "edit summary", "event:1")
    assert (
        json.loads(entry.before or "")["events"][0]["summary"]
        == "Activists publish leaked videos."
    )
    assert json.loads(entry.after or "")["events"][0]["summary"] == "Leaked videos are published."
    assert [e.id for e in await store.events.search("Leaked videos published")] == [ids["leak"]]

    last = await store.audit.last_undoable(1001)
    assert last is not None and last.id == entry_id
    await store.audit.undo(1001, entry_id)
    assert await dump(store) == before
    assert await store.audit.last_undoable(1001) is None
    actions = [(e.action, e.undone) for e in await store.audit.all()]
    assert actions == [("edit summary", True), ("undo", False)]


async def test_merge_moves_citations_places_people_and_undo_restores(store: Store) -> None:
    ids = await _seed(store)
    before = await dump(store)
    await store.corrections.merge_events(1001, ids["dismissal"], ids["leak"])
    merged = await store.events.get(ids["dismissal"])
    assert {c.source_id for c in merged.citations} == {ids["a"], ids["b"]}
    assert len(merged.citations) == 3
    assert merged.people == ("Activist Group",)
    with pytest.raises(NotFound):
        await store.events.get(ids["leak"])
    entry = await store.audit.last_undoable(1001)
    assert entry is not None
    await store.audit.undo(1001, entry.id)
    assert await dump(store) == before


async def test_split_citation_makes_a_new_event_and_undo_removes_it(store: Store) -> None:
    ids = await _seed(store)
    before = await dump(store)
    leak = await store.events.get(ids["leak"])
    moved = next(c for c in leak.citations if c.source_id == ids["b"])
    new_id, entry_id = await store.corrections.split_citation(1001, ids["leak"], moved.id)
    new = await store.events.get(new_id)
    assert [c.id for c in new.citations] == [moved.id]
    assert (new.date, new.summary, new.places, new.people) == (
        leak.date,
        leak.summary,
        leak.places,
        leak.people,
    )
    assert [c.source_id for c in (await store.events.get(ids["leak"])).citations] == [ids["a"]]
    assert [e.id for e in await store.audit.for_event(new_id)] == [entry_id]
    await store.audit.undo(1001, entry_id)
    assert await dump(store) == before


async def test_split_needs_a_citation_of_that_event_and_a_second_one(store: Store) -> None:
    ids = await _seed(store)
    before = await dump(store)
    dismissal = await store.events.get(ids["dismissal"])
    with pytest.raises(Conflict):
        await store.corrections.split_citation(1001, ids["dismissal"], dismissal.citations[0].id)
    with pytest.raises(NotFound):
        await store.corrections.split_citation(1001, ids["leak"], dismissal.citations[0].id)
    assert await dump(store) == before
    assert await store.audit.all() == []


async def test_remove_story_keeps_events_other_articles_cite(store: Store) -> None:
    ids = await _seed(store)
    before = await dump(store)
    removed, entry_id = await store.corrections.remove_source(1001, ids["a"])
    assert removed == [ids["dismissal"]]
    leak = await store.events.get(ids["leak"])
    assert [c.source_id for c in leak.citations] == [ids["b"]]
    assert [s.id for s in await store.sources.list_all()] == [ids["b"]]
    await store.audit.undo(1001, entry_id)
    assert await dump(store) == before


async def test_ids_of_removed_articles_and_events_are_never_given_again(store: Store) -> None:
    ids = await _seed(store)
    await store.corrections.remove_source(1001, ids["a"])  # with the newest event, dismissal
    await store.corrections.remove_source(1001, ids["b"])  # with the last one, leak
    assert await store.sources.list_all() == []
    async with store.db.transaction() as conn:
        source = await store.sources.add(conn, _source(TEXT_A, "https://c.example/3"))
        event = await store.events.add(
            conn, source, TEXT_A, NewEvent("2021-10-06", None, "Again.", citations=((0, 87),))
        )
        assert await store.events.next_id(conn) == event + 1
    # Links to the removed ones (/event 2, /source 2) must not lead to these.
    assert source == ids["b"] + 1 and event == ids["dismissal"] + 1


async def test_undo_refuses_when_someone_changed_the_rows_since(store: Store) -> None:
    ids = await _seed(store)
    first = await store.corrections.edit_event(1001, ids["leak"], "status", status="alleged")
    await store.corrections.edit_event(1002, ids["leak"], "summary", summary="Other words.")
    after_both = await dump(store)
    with pytest.raises(Conflict, match="changed again"):
        await store.audit.undo(1001, first)
    assert await dump(store) == after_both
    assert not (await store.audit.get(first)).undone


LATER = "2030-01-01T00:00:00+00:00"


async def test_undo_stamps_what_it_restores_so_the_next_digest_carries_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _seed(store)
    entry_id = await store.corrections.edit_event(1001, ids["leak"], "summary", summary="Wrong.")
    monkeypatch.setattr("store.audit.utc_now", lambda: LATER)
    await store.audit.undo(1001, entry_id)
    restored = await store.events.get(ids["leak"])
    assert restored.updated_at == LATER
    _count, changed = await store.events.changed_last_between(
        "2029-12-31T23:59:59+00:00", "2030-01-02", limit=100
    )
    assert [(e.id, e.summary) for e in changed] == [
        (ids["leak"], "Activists publish leaked videos.")
    ]


async def test_undos_in_a_row_go_back_change_by_change(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _seed(store)
    before = await dump(store)
    first = await store.corrections.edit_event(1001, ids["leak"], "status", status="alleged")
    second = await store.corrections.edit_event(1001, ids["leak"], "summary", summary="New.")
    monkeypatch.setattr("store.audit.utc_now", lambda: LATER)
    await store.audit.undo(1001, second)
    # the first undo's stamp is not taken for someone else's change
    await store.audit.undo(1001, first)
    assert await dump(store) == before
    assert (await store.events.get(ids["leak"])).updated_at == LATER


async def test_undo_twice_is_refused(store: Store) -> None:
    ids = await _seed(store)
    entry_id = await store.corrections.edit_event(1001, ids["leak"], "hide", hidden=1)
    await store.audit.undo(1001, entry_id)
    with pytest.raises(Conflict, match="already undone"):
        await store.audit.undo(1001, entry_id)


async def test_refused_changes_write_no_audit_entry(store: Store) -> None:
    ids = await _seed(store)
    with pytest.raises(NotFound):
        await store.corrections.edit_event(1001, 999, "summary", summary="x")
    with pytest.raises(Conflict):
        await store.corrections.edit_event(1001, ids["leak"], "status", status="reported")
    with pytest.raises(Conflict):
        await store.corrections.merge_events(1001, ids["leak"], ids["leak"])
    with pytest.raises(NotFound):
        await store.corrections.remove_source(1001, 999)
    assert await store.audit.all() == []


async def test_maintainer_add_remove_and_undo(store: Store) -> None:
    await store.corrections.add_maintainer(1001, 42)
    assert await store.maintainers.ids() == [42]
    with pytest.raises(Conflict):
        await store.corrections.add_maintainer(1001, 42)
    entry_id = await store.corrections.remove_maintainer(1001, 42)
    assert await store.maintainers.ids() == []
    await store.audit.undo(1001, entry_id)
    assert await store.maintainers.ids() == [42]


async def test_history_lists_an_events_changes_in_order(store: Store) -> None:
    ids = await _seed(store)
    await store.corrections.edit_event(1001, ids["leak"], "status", status="alleged")
    await store.corrections.edit_event(1002, ids["dismissal"], "status", status="alleged")
    await store.corrections.merge_events(1002, ids["leak"], ids["dismissal"])
    history = await store.audit.for_event(ids["leak"])
    assert [(e.actor, e.action) for e in history] == [
        (1001, "edit status"),
        (1002, f"merge {ids['dismissal']} into {ids['leak']}"),
    ]
    assert [e.action for e in await store.audit.for_event(ids["dismissal"])] == [
        "edit status",
        f"merge {ids['dismissal']} into {ids['leak']}",
    ]


async def test_nested_transaction_is_one_atomic_change(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.db.transaction() as conn:
            await store.sources.add(conn, _source("one", "https://a.example/x"))
            async with store.db.transaction() as inner:
                await store.sources.add(inner, _source("two", "https://a.example/y"))
            raise RuntimeError("crash after the nested step")
    assert await store.sources.list_all() == []


async def test_discovering_change_records_new_places_people_and_aliases(store: Store) -> None:
    """A change that cannot say in advance what it touches (adding a story) records what
    changed, including places and people it created, and undo removes exactly that."""
    ids = await _seed(store)
    before = await dump(store)
    async with store.audit.change(1001, "add story", "source:?", Scope(), discover=True) as ch:
        source = await store.sources.add(ch.conn, _source(TEXT_B + " More.", "https://c.example/"))
        new = await store.events.add(
            ch.conn,
            source,
            TEXT_B,
            NewEvent(
                "2021-10-08",
                None,
                "A new event at a new place.",
                places=(
                    PlaceRef("Omsk", "city"),
                    PlaceRef("Saratov", "city", aliases=("Saratof",)),
                ),
                people=(PersonRef("New Person"), PersonRef("Activist Group", aliases=("AG",))),
                citations=((0, 20),),
            ),
        )
        await store.events.attach(
            ch.conn,
            ids["dismissal"],
            source,
            TEXT_B,
            NewEvent("x", None, "x", citations=((0, 9),)),
        )
        ch.scope = Scope.of(sources=[source], events=[new, ids["dismissal"]])
    assert ch.entry_id is not None
    entry = await store.audit.get(ch.entry_id)
    scope = Scope.from_json(entry.scope)
    assert ids["leak"] not in scope.events  # untouched events stay out of the record
    await store.audit.undo(1001, ch.entry_id)
    assert await dump(store) == before


async def _add_story(
    store: Store, url: str, places: tuple[PlaceRef, ...], people: tuple[PersonRef, ...] = ()
) -> int:
    """A discovering change as /addstory makes it: an article with one new event."""
    text = f"On October 9, 2021 something else happened, {url} wrote."
    async with store.audit.change(1001, "add story", "source:?", Scope(), discover=True) as ch:
        source = await store.sources.add(ch.conn, _source(text, url))
        event = await store.events.add(
            ch.conn,
            source,
            text,
            NewEvent(
                "2021-10-09",
                None,
                f"Something else, {url}.",
                places=places,
                people=people,
                citations=((0, len(text)),),
            ),
        )
        ch.scope = Scope.of(sources=[source], events=[event])
    assert ch.entry_id is not None
    return ch.entry_id


async def test_a_story_at_a_known_place_is_undone_after_later_stories_there(
    store: Store,
) -> None:
    """A story that puts an event at a place the briefing knew, and teaches it a spelling,
    records that place's own rows, not every event at it: a later story's event there
    touches nothing the first changed, so the first can still be undone, and the record
    does not grow with the place's events."""
    ids = await _seed(store)
    before = await dump(store)
    first = await _add_story(
        store,
        "https://c.example/",
        (PlaceRef("Saratov", "city", aliases=("Saratof",)),),
        (PersonRef("Activist Group", "organisation", aliases=("AG",)),),
    )
    entry = await store.audit.get(first)
    scope = Scope.from_json(entry.scope)
    for snap in (entry.before, entry.after):
        for table in ("event_places", "event_people"):
            rows = json.loads(snap or "{}").get(table, [])
            assert all(row["event_id"] in scope.events for row in rows), table
    assert {ids["leak"], ids["dismissal"]}.isdisjoint(scope.events)
    second = await _add_story(
        store,
        "https://d.example/",
        (PlaceRef("Saratov", "city"),),
        (PersonRef("Activist Group", "organisation"),),
    )
    await store.audit.undo(1001, first)
    assert await store.db.scalar("SELECT count(*) FROM place_aliases WHERE alias = 'Saratof'") == 0
    assert await store.db.scalar("SELECT count(*) FROM person_aliases WHERE alias = 'AG'") == 0
    await store.audit.undo(1001, second)
    assert await dump(store) == before


async def test_a_story_is_not_undone_once_another_uses_a_place_it_created(store: Store) -> None:
    """Undoing a story removes the places and people it created: not while a later story's
    event is at that place or names that person (removing them would take them from it)."""
    await _seed(store)
    first = await _add_story(
        store, "https://c.example/", (PlaceRef("Omsk", "city"),), (PersonRef("New Person"),)
    )
    await _add_story(store, "https://d.example/", (PlaceRef("Omsk", "city"),))
    after_both = await dump(store)
    with pytest.raises(Conflict, match="changed again"):
        await store.audit.undo(1001, first)
    assert await dump(store) == after_both
    third = await _add_story(store, "https://e.example/", (), (PersonRef("Someone"),))
    await _add_story(store, "https://f.example/", (), (PersonRef("Someone"),))
    with pytest.raises(Conflict, match="changed again"):
        await store.audit.undo(1001, third)


async def test_a_discovering_change_must_be_its_transactions_first_write(store: Store) -> None:
    # Its rows' earlier state is read from the last commit, which would miss that write.
    with pytest.raises(AssertionError, match="first write"):
        async with store.db.transaction() as conn:
            await store.sources.add(conn, _source(TEXT_A, "https://a.example/1"))
            async with store.audit.change(1001, "add story", "source:?", Scope(), discover=True):
                pass
    assert await store.sources.list_all() == []


async def test_withdrawn_events_are_those_taken_out_in_the_window_and_still_out(
    store: Store,
) -> None:
    ids = await _seed(store)
    async with store.db.transaction() as conn:
        again = NewEvent("2021-10-05", None, "Shown again.", citations=((0, 9),))
        extra = await store.events.add(conn, ids["b"], TEXT_B, again)
    created = utc_now()
    while (since := utc_now()) == created:  # a window opens after what existed before it
        await asyncio.sleep(0.05)
    await store.corrections.merge_events(1, ids["leak"], ids["dismissal"])
    shown_again = await store.corrections.edit_event(1, extra, "hide", hidden=1)
    await store.audit.undo(1, shown_again)
    until = "9999"
    (merged,) = await store.audit.withdrawn_between(since, until)
    assert (merged.event_id, merged.into, merged.summary) == (
        ids["dismissal"], ids["leak"], "The warden is dismissed.",
    )  # fmt: skip
    assert await store.audit.withdrawn_between(until, "99999") == []  # a later window

    # An event added and taken out within the window was never in an earlier digest.
    async with store.db.transaction() as conn:
        brief = await store.events.add(
            conn, ids["b"], TEXT_B, NewEvent("2021-10-05", None, "Brief.", citations=((10, 20),))
        )
    await store.corrections.edit_event(1, brief, "hide", hidden=1)
    # The event merged into is hidden later: the merged one is then simply withdrawn.
    await store.corrections.edit_event(1, ids["leak"], "hide", hidden=1)
    gone = await store.audit.withdrawn_between(since, until)
    assert [(g.event_id, g.into) for g in gone] == [(ids["leak"], None), (ids["dismissal"], None)]
