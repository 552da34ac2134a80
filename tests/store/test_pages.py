"""Lists read a page at a time by key: every page joined is the whole list in order, in
both directions, and the copies of an event's date and visibility that the place index
keeps follow every edit, hide, merge and undo."""

from __future__ import annotations

import random

import pytest

from store import Store
from store.events import SEARCH_WINDOW, EventScope
from store.models import NewEvent, PlaceRef
from tests.bot.briefing import add_article, add_event

OWNER = 1
PLACES = (PlaceRef("Alpha Oblast", "region"), PlaceRef("Beta Krai", "region"))


@pytest.fixture
async def spread(store: Store) -> list[int]:
    """30 events on shuffled dates (some sharing a date), at one place, the other or both."""
    rng = random.Random(5)
    text = " ".join(f"Item {n} happened." for n in range(30))
    source = await add_article(store, text)
    ids = []
    for n in range(30):
        date = f"2021-{rng.randint(1, 3):02d}" + (
            "" if n % 7 == 0 else f"-{rng.randint(1, 9):02d}"
        )
        places = (PLACES[n % 2],) if n % 5 else PLACES
        ids.append(await add_event(store, source, date, f"Item {n}", (f"Item {n} happened.",),
                                   places=places))  # fmt: skip
    await store.db.conn.execute("INSERT INTO maintainers VALUES (?, ?, '')", (OWNER, OWNER))
    return ids


async def place_ids(store: Store) -> tuple[int, ...]:
    return tuple(p.id for p in await store.places.list_all())


async def test_pages_joined_are_the_whole_list(store: Store, spread: list[int]) -> None:
    for scope in (EventScope(), EventScope(place_ids=await place_ids(store))):
        whole = [e.id for e in await store.events.timeline(place_ids=scope.place_ids)]
        for size in (1, 3, 4, 7):
            assert await pages_forward(store, scope, size) == whole
            assert await pages_backward(store, scope, size, whole) == whole


async def pages_forward(store: Store, scope: EventScope, size: int) -> list[int]:
    ids: list[int] = []
    after = None
    while page := await store.events.page(scope, after=after, limit=size):
        assert len(page) <= size
        ids.extend(e.id for e in page)
        after = (page[-1].date, page[-1].id)
    return ids


async def pages_backward(
    store: Store, scope: EventScope, size: int, whole: list[int]
) -> list[int]:
    last = await store.events.get(whole[-1])
    ids = [last.id]
    before = (last.date, last.id)
    while page := await store.events.page(scope, before=before, limit=size):
        ids[:0] = [e.id for e in page]
        before = (page[0].date, page[0].id)
    return ids


async def test_one_place_and_an_event_at_both(store: Store, spread: list[int]) -> None:
    alpha, beta = await place_ids(store)
    at_alpha = [e.id for e in await store.events.timeline(place_ids=[alpha])]
    assert await pages_forward(store, EventScope(place_ids=(alpha,)), 4) == at_alpha
    both = await pages_forward(store, EventScope(place_ids=(alpha, beta)), 4)
    assert len(both) == len(set(both)) == 30  # events at both places appear once
    assert await store.events.count(EventScope(place_ids=(alpha, beta)), cap=100) == 30
    assert await store.events.count(EventScope(place_ids=(alpha, beta)), cap=10) == 10


async def test_place_pages_follow_edits_hides_merges_and_undo(
    store: Store, spread: list[int]
) -> None:
    alpha, beta = await place_ids(store)
    scope = EventScope(place_ids=(alpha, beta))

    async def check() -> None:
        whole = [e.id for e in await store.events.timeline(place_ids=scope.place_ids)]
        assert await pages_forward(store, scope, 4) == whole
        assert await store.events.count(scope, cap=100) == len(whole)

    fixes = store.corrections
    await fixes.edit_event(OWNER, spread[3], "date", date="2020-01-01")
    await check()
    assert (await pages_forward(store, scope, 4))[0] == spread[3]
    hide = await fixes.edit_event(OWNER, spread[4], "hidden", hidden=1)
    await check()
    assert spread[4] not in await pages_forward(store, scope, 4)
    await fixes.merge_events(OWNER, spread[5], spread[6])
    await check()
    await fixes.set_places(OWNER, spread[7], [alpha])
    await check()
    await store.audit.undo(OWNER, hide)
    await check()
    assert spread[4] in await pages_forward(store, scope, 4)


async def test_a_broad_search_lists_the_newest_first(store: Store) -> None:
    text = " ".join(f"Common word number {n}." for n in range(SEARCH_WINDOW + 20))
    source = await add_article(store, text)
    async with store.db.transaction() as conn:
        for n in range(SEARCH_WINDOW + 20):
            await conn.execute(
                "INSERT INTO events (date, summary, created_at, updated_at)"
                " VALUES ('2021-01-01', ?, '', '')",
                (f"Common event {n}" + (" rare" if n % 100 == 0 else ""),),
            )
    del source
    broad = await store.events.search_ids("common", limit=10)
    assert broad.broad and list(broad.ids) == sorted(broad.ids, reverse=True)
    assert broad.ids[0] == SEARCH_WINDOW + 20
    narrow = await store.events.search_ids("common rare", limit=10)
    assert not narrow.broad and len(narrow.ids) == 6


async def test_a_narrow_search_lists_summaries_holding_every_word_first(store: Store) -> None:
    """Events whose summary holds every word come first, then the others, each part the
    most recently stored first: no weighing of how often a word occurs anywhere, which
    at a million events took bm25 40-60 ms for a rare word beside a common one."""
    text = "Guards searched the cells. Inmates rioted in the yard. Lawyers spoke."
    source = await add_article(store, text)
    in_yard = await add_event(store, source, "2021-01-01", "A riot in the yard, a riot",
                              ("Inmates rioted in the yard.",))  # fmt: skip
    excerpt_only = await add_event(store, source, "2021-01-02", "Guards searched cells",
                                   ("Inmates rioted in the yard.",))  # fmt: skip
    half = await add_event(store, source, "2021-01-03", "A riot spread",
                           ("Inmates rioted in the yard.",))  # fmt: skip
    latest = await add_event(store, source, "2021-01-04",
                             "Lawyers said a long riot began in the exercise yard at dawn",
                             ("Lawyers spoke.",))  # fmt: skip
    found = await store.events.search_ids("riot yard")
    assert not found.broad and found.matches == 4
    assert list(found.ids) == [latest, in_yard, half, excerpt_only]
    assert list((await store.events.search_ids("riot yard", limit=2)).ids) == [latest, in_yard]
    assert (await store.events.search_ids("riot yard", limit=2)).matches == 4


async def test_searches_never_list_hidden_events(store: Store) -> None:
    source = await add_article(store, "Common things happened.")
    ids = [
        await add_event(store, source, "2021-01-01", f"Common event {n}" + " rare" * (n % 2),
                        ("Common things happened.",))
        for n in range(SEARCH_WINDOW + 20)
    ]  # fmt: skip
    hidden = set(ids[-15:-5]) | set(ids[1:11])  # among the newest, and among the rare
    async with store.db.transaction() as conn:
        await conn.executemany("UPDATE events SET hidden = 1 WHERE id = ?", [(i,) for i in hidden])
    broad = await store.events.search_ids("common", limit=30)
    assert broad.broad and len(broad.ids) == 30 and not hidden & set(broad.ids)
    assert list(broad.ids) == [i for i in reversed(ids) if i not in hidden][:30]
    narrow = await store.events.search_ids("rare", limit=SEARCH_WINDOW)
    assert not narrow.broad and not hidden & set(narrow.ids)
    assert len(narrow.ids) == len({i for i in ids[1::2]} - hidden)
    async with store.db.transaction() as conn:
        await conn.executemany("UPDATE events SET hidden = 0 WHERE id = ?", [(i,) for i in hidden])
    shown_again = await store.events.search_ids("rare", limit=SEARCH_WINDOW)
    assert set(ids[1:11:2]) <= set(shown_again.ids)


async def test_the_places_kept_in_memory_follow_every_writer(store: Store, db_path) -> None:
    import sqlite3

    assert await store.places.list_all() == []
    async with store.db.transaction() as conn:
        await store.places.ensure(conn, PlaceRef("Alpha Oblast", "region", aliases=("Alpha",)))
    first = await store.places.list_all()
    assert [(p.name, p.aliases) for p in first] == [("Alpha Oblast", ("alpha", "alpha oblast"))]
    assert await store.places.list_all() is first  # unchanged: the same list, no re-read
    other = sqlite3.connect(db_path)  # another process (say `briefbot ingest`) writes
    with other:
        other.execute("INSERT INTO place_aliases (place_id, alias) VALUES (1, 'alfa')")
    other.close()
    assert (await store.places.list_all())[0].aliases == ("alfa", "alpha", "alpha oblast")


RANGES = [
    ("2021", None), ("2020-06", None), ("2020-06-15", None), ("2021-03-01", "2021-04"),
    ("2020-12", "2021"), (None, "2020-05"), ("2022", None),
]  # fmt: skip


async def add_dated_events(store: Store) -> None:
    """60 events dated by year, month or day in 2020 and 2021, every sixth a span."""
    rng = random.Random(9)
    text = " ".join(f"Item {n} happened." for n in range(60))
    source = await add_article(store, text)
    for n in range(60):
        year, month, day = rng.choice((2020, 2021)), rng.randint(1, 12), rng.randint(1, 28)
        date = rng.choice((f"{year}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}"))
        end = None
        if n % 6 == 0:  # spans, some reaching far
            end = f"{year + rng.randint(0, 1)}-{rng.randint(1, 12):02d}"
            end = max(end, date)
        await add_event(store, source, date, f"Item {n}", (f"Item {n} happened.",), end=end)


async def test_ranges_read_by_parts_select_what_the_plain_condition_selects(store: Store) -> None:
    await add_dated_events(store)
    for date_from, date_to in RANGES:
        scope = EventScope(date_from, date_to)
        expected = [e.id for e in await store.events.timeline(date_from, date_to)]
        assert await pages_forward(store, scope, 3) == expected, (date_from, date_to)
        assert await store.events.count(scope, cap=100) == len(expected)
        if expected:
            assert await pages_backward(store, scope, 3, expected) == expected


async def test_a_page_of_a_range_follows_or_precedes_any_key(store: Store) -> None:
    """Keys before the range's start (page 1 may end with a span begun earlier), inside it,
    past its end, or forged: the page holds the range's events right after (or before)
    the key in date order, whichever of the key and the range's bound is the nearer."""
    await add_dated_events(store)
    keys = [("2019", 0), ("2020", 10**6), ("2020-06", 0), ("2020-06-15", 30), ("2020-12-31", 5),
            ("2021", 0), ("2021-03", 99), ("2021-04-30", 0), ("2021-05", 0),
            ("2023", 1)]  # fmt: skip
    for date_from, date_to in RANGES:
        whole = await store.events.timeline(date_from, date_to)
        ordered = [(e.date, e.id) for e in whole]
        scope = EventScope(date_from, date_to)
        for key in keys + ordered[::7]:
            after = await store.events.page(scope, after=key, limit=3)
            assert [(e.date, e.id) for e in after] == [k for k in ordered if k > key][:3]
            before = await store.events.page(scope, before=key, limit=3)
            assert [(e.date, e.id) for e in before] == [k for k in ordered if k < key][-3:]


async def test_the_whole_briefing_is_read_for_matching_in_batches_by_id_hidden_events_too(
    store: Store, spread: list[int]
) -> None:
    await store.corrections.edit_event(OWNER, spread[3], "hide", hidden=1)
    # An event cited four times, last by its first article again: its first two excerpts
    # by citation id are not its first two by article.
    [first] = (await store.events.get(spread[5])).citations
    text = "Later: item five happened again, a report said."
    other = await add_article(store, text, url="https://other.example/2")
    first_text = (await store.sources.get(first.source_id)).text
    again = first_text.index("Item 6 happened.")
    async with store.db.transaction() as conn:
        cite = NewEvent("2021", None, "x", citations=((0, 5), (7, 30)))
        await store.events.attach(conn, spread[5], other, text, cite)
        cite = NewEvent("2021", None, "x", citations=((again, again + 16),))
        await store.events.attach(conn, spread[5], first.source_id, first_text, cite)
    batches = [batch async for batch in store.events.for_matching(2, None, size=7)]
    assert [len(batch) for batch in batches] == [7, 7, 7, 7, 2]
    read = [event for batch in batches for event in batch]
    assert [event.id for event in read] == sorted(spread)
    whole = await store.events.all(include_hidden=True)  # the same events, read whole
    cited_often = next(event for event in read if event.id == spread[5])
    assert cited_often.cited == 4 and cited_often.excerpts == (first.excerpt, "Later")
    for event, full in zip(read, sorted(whole, key=lambda event: event.id), strict=True):
        earliest = sorted(full.citations, key=lambda c: c.id)[:2]
        spans = {(c.source_id, c.start, c.end) for c in full.citations}
        assert event == (
            full.id,
            full.date,
            full.end,
            full.status,
            full.graphic,
            full.places,
            full.people,
            len(spans),
            tuple(c.excerpt for c in earliest),
            full.summary,
            None,  # no words kept
        )


async def test_a_search_finds_a_word_written_with_e_or_yo_either_way(store: Store) -> None:
    text = "Ёлкин сказал. Елена Фёдорова пишет. Фёдор ответил."
    source = await add_article(store, text)
    yo = await add_event(store, source, "2021-10-05", "Ёлкин сказал", ("Ёлкин сказал.",))
    e = await add_event(store, source, "2021-10-06", "Елена Федорова пишет", ("Елена",))
    for query, expected in [
        ("Елкин", [yo]),
        ("ёлкин СКАЗАЛ", [yo]),
        ("Фёдорова", [e]),
        ("Ёлена", [e]),
        ("федор", [e]),  # a Russian word is found by its start, in any spelling
        ("сказал Федорова", []),  # every word must match
    ]:
        found = await store.events.search_ids(query)
        assert list(found.ids) == expected, query


async def test_a_russian_word_is_found_in_its_other_case_forms(store: Store) -> None:
    """Russian words were matched as written: "больница" (a hospital) missed "в больнице"
    (at the hospital), and "Федоров" missed "Федорова". A stem too short to say which word
    it is, or a surname's -ов, is not cut: "видео" must not find "видел"."""
    text = "Видео из больницы. Он видел Фёдорова. Заключённые в колонии."
    source = await add_article(store, text)
    clinic = await add_event(store, source, "2021-10-05", "Видео из больницы", ("Видео",))
    saw = await add_event(store, source, "2021-10-06", "Он видел Фёдорова", ("Он видел",))
    camp = await add_event(store, source, "2021-10-07", "Заключённые в колонии", ("в",))
    for query, expected in [
        ("больница", [clinic]),
        ("больнице видео", [clinic]),
        ("Федоровым", [saw]),
        ("Федоров", [saw]),
        ("вид", []),  # a short word is matched whole
        ("видео", [clinic]),
        ("заключенных колония", [camp]),
    ]:
        found = await store.events.search_ids(query)
        assert sorted(found.ids) == expected, query


async def test_a_word_mixing_latin_and_cyrillic_look_alikes_is_found(store: Store) -> None:
    """ "tоrture" typed with a Cyrillic о looks right and found nothing."""
    source = await add_article(store, "Torture in a Tver prison. Пытки в больнице.")
    tver = await add_event(store, source, "2021-10-05", "Torture in a Tver prison", ("Torture",))
    clinic = await add_event(store, source, "2021-10-06", "Пытки в больнице", ("Пытки",))
    for query, expected in [
        ("t\u043erture", [tver]),  # Cyrillic о in a Latin word
        ("\u0422ver", [tver]),  # Cyrillic Т
        ("pr\u0456son", [tver]),  # Ukrainian і
        ("больницa", [clinic]),  # a Latin a in a Cyrillic word
        ("пытк\u0438 Tver", []),  # each word in its own script: both must match
    ]:
        assert list((await store.events.search_ids(query)).ids) == expected, query


async def test_a_window_of_changes_is_counted_whole_and_read_by_those_changed_last(
    store: Store,
) -> None:
    source = await add_article(store, "Many things happened.")
    ids = [
        await add_event(store, source, f"2021-10-{28 - n:02d}", f"Event {n}", ("Many",))
        for n in range(8)
    ]
    async with store.db.transaction() as conn:  # events 2n and 2n+1 changed at minute n
        for n, event_id in enumerate(ids):
            await conn.execute(
                "UPDATE events SET updated_at = ?, hidden = ? WHERE id = ?",
                (f"2030-01-01T00:0{n // 2}:00+00:00", int(n == 7), event_id),
            )
    changed = store.events.changed_last_between
    # Minutes 1 to 3: events 2 to 6 (7 is hidden); the three changed last, by date.
    count, events = await changed("2030-01-01T00:01:00+00:00", "2030-01-01T00:04:00+00:00", 3)
    assert count == 5
    assert [e.summary for e in events] == ["Event 6", "Event 5", "Event 4"]
    count, events = await changed("2030-01-01T00:01:00+00:00", "2030-01-01T00:03:00+00:00", 3)
    assert count == 4  # events 2 to 5; of 2 and 3, changed together, the later added
    assert [e.summary for e in events] == ["Event 5", "Event 4", "Event 3"]
    count, events = await changed(None, "2030-01-01T00:01:00+00:00", 10)
    assert count == 2
    assert [e.summary for e in events] == ["Event 1", "Event 0"]


async def test_place_counts_follow_every_writer(store: Store, spread: list[int]) -> None:
    """/facilities' counts, kept by triggers, equal a count of the visible events at each
    place after every kind of write."""

    async def check() -> None:
        counted = {}
        for place in await store.places.list_all():
            visible = len(await store.events.timeline(place_ids=[place.id]))
            if visible:
                counted[place.name] = visible
        kept = {place.name: n for place, n in await store.places.event_counts()}
        assert kept == counted

    await check()
    alpha, beta = await place_ids(store)
    fixes = store.corrections
    hide = await fixes.edit_event(OWNER, spread[4], "hidden", hidden=1)
    await check()
    merge = await fixes.merge_events(OWNER, spread[5], spread[6])  # at alpha into beta
    await check()
    await fixes.set_places(OWNER, spread[10], [beta])  # from both
    await check()
    await fixes.set_places(OWNER, spread[11], [alpha, beta])
    await check()
    await store.audit.undo(OWNER, merge)
    await check()
    await store.audit.undo(OWNER, hide)
    await check()
    text = "A third place. Item 40 happened there."
    source = await add_article(store, text, url="https://other.example/3")
    gamma = PlaceRef("Gamma Oblast", "region")
    added = await add_event(store, source, "2021-02", "Item 40", (text,), places=(gamma,))
    await fixes.edit_event(OWNER, added, "hidden", hidden=1)
    await check()
    await fixes.edit_event(OWNER, added, "hidden", hidden=0)
    await check()
    await fixes.remove_source(OWNER, source)
    await check()
    async with store.db.transaction() as conn:
        await store.events.delete(conn, spread[0])
    await check()
    assert {place.name for place, _ in await store.places.event_counts()} == {
        "Alpha Oblast",
        "Beta Krai",
    }
