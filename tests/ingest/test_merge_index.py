"""The merge index's shortcuts find exactly what a full scan finds."""

# ruff: noqa: E501  (sample articles are prose, one paragraph a line)

from __future__ import annotations

import random
import re
from pathlib import Path

from benchmarks.synthetic_news import write_articles
from ingest.article import parse_article
from ingest.merge import (
    MERGE_SCORE,
    MIN_SHARED,
    SAME_SOURCE_SCORE,
    SUPPORT_SCORE,
    DateBuckets,
    Indexed,
    MergeIndex,
    _words,
    compatible,
    find_match,
    score,
    view,
)
from ingest.pipeline import ingest_article, ingest_file
from store import Store
from store.models import NewEvent, PersonRef, PlaceRef


def _random_date(rng: random.Random) -> str:
    year = rng.choice([1999, 2020, 2021, 2022])
    precision = rng.choice([4, 7, 10, 10])
    if precision == 4:
        return f"{year}"
    month = rng.randint(1, 12)
    if precision == 7:
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


def _random_span(rng: random.Random) -> tuple[str, str | None]:
    date = _random_date(rng)
    if rng.random() < 0.3:
        return date, _random_date(rng)  # sometimes reversed or odd: must still be found
    return date, None


def _candidates(buckets: DateBuckets, date: str, end: str | None) -> set[int] | None:
    """The events the buckets offer for [date, end] (None: every event)."""
    sets = buckets.bucket_sets(date, end)
    return None if sets is None else set().union(*sets)


def test_date_buckets_return_every_compatible_event() -> None:
    rng = random.Random(3)
    events = {i: _random_span(rng) for i in range(400)}
    buckets = DateBuckets()
    for event_id, (date, end) in events.items():
        buckets.put(event_id, date, end)
    for _ in range(300):
        date, end = _random_span(rng)
        expected = {i for i, (d, e) in events.items() if compatible(date, end, d, e)}
        found = _candidates(buckets, date, end)
        assert found is None or expected <= found, (date, end, expected - (found or set()))


def test_date_buckets_follow_a_changed_date() -> None:
    buckets = DateBuckets()
    buckets.put(1, "2021-10", None)
    buckets.put(1, "2021-10-05", None)
    assert 1 in (_candidates(buckets, "2021-10-05", None) or set())
    assert 1 not in (_candidates(buckets, "2021-10-06", None) or set())


ARTICLE = """---
title: Bridge closed
url: https://one.test/2023/05/10/bridge
published: 2023-05-10
---
The transport ministry closed the river bridge in the Kursk region on Tuesday after engineers found deep cracks in two of its supports.
"""
SAME = """---
title: Kursk bridge shut
url: https://two.test/2023/05/11/bridge
published: 2023-05-11
---
Engineers found deep cracks in two supports of the river bridge in the Kursk region, and the transport ministry closed it on May 9.
"""


async def test_a_change_between_articles_is_seen_by_the_next_merge(store: Store) -> None:
    await ingest_article(store, parse_article(ARTICLE.encode(), "one.txt"))
    [event] = [e for e in await store.events.all() if e.date == "2023-05-09"]
    # Another writer removes the event between the two articles: the kept index must not
    # attach the second article's report to an event that is gone.
    async with store.db.transaction() as conn:
        await store.events.delete(conn, event.id)
    outcome = await ingest_article(store, parse_article(SAME.encode(), "two.txt"))
    assert outcome.supported_events == []
    [again] = [e for e in await store.events.all() if e.date == "2023-05-09"]
    assert {c.source_id for c in again.citations} == {outcome.source_id}


async def test_the_second_article_merges_into_the_first_with_a_kept_index(store: Store) -> None:
    first = await ingest_article(store, parse_article(ARTICLE.encode(), "one.txt"))
    second = await ingest_article(store, parse_article(SAME.encode(), "two.txt"))
    assert set(second.supported_events) & set(first.new_events)


async def test_an_event_is_matched_on_its_first_excerpts_only(store: Store) -> None:
    """An event cited over and over does not grow a vocabulary that draws every later
    draft to it, and a fresh load sees the words the kept index saw."""
    from ingest.merge import MATCHED_CITATIONS
    from tests.bot.briefing import add_article, add_event

    lines = [f"Witness number {n} described the {w} near the gate." for n, w in
             enumerate(["smoke", "noise", "crowd", "sirens", "fence", "trucks", "flags",
                        "banners", "dogs", "lights", "barrels", "ladders"])]  # fmt: skip
    source = await add_article(store, " ".join(lines))
    event_id = await add_event(store, source, "2021-10-05", "Witnesses described the gate",
                               tuple(lines))  # fmt: skip
    index = await MergeIndex.load(store)
    words = set(index.words[event_id])
    first, late = _words(lines[0]), _words(lines[-1])
    assert len(lines) > MATCHED_CITATIONS
    assert first <= words and not (late - first) <= words  # only the first excerpts count


# A small vocabulary, so that many events share words and many scores tie.
VOCABULARY = (
    "bridge",
    "river",
    "engineers",
    "cracks",
    "supports",
    "ministry",
    "closed",
    "governor",
    "protest",
    "police",
    "court",
    "verdict",
    "prison",
    "guards",
    "inmates",
    "hospital",
    "doctors",
    "fire",
    "warehouse",
    "explosion",
)
PEOPLE = ("Anna Petrova", "Ivan Sokolov", "Oleg Markov")
REGIONS = ("Kursk Oblast", "Tver Oblast", "Perm Krai")


def _full_scan(
    index: MergeIndex, source_id: int, text: str, draft: NewEvent, support_only: bool
) -> Indexed | None:
    """What `find_match` answers, found the slow way: every event scored, in order."""
    words = _words(" ".join(text[s:e] for s, e in draft.citations))
    if not words:
        return None
    mine = view(draft, words, index.weights(words))
    best: tuple[float, Indexed] | None = None
    for event_id in sorted(index.events, key=index.order.__getitem__):
        event = index.events[event_id]
        if not support_only and not compatible(draft.date, draft.end, event.date, event.end):
            continue
        history = (
            not support_only
            and len(draft.date) == 4
            and draft.date == event.date
            and draft.status == event.status == "background"
        )
        common = words.intersection(index.words[event_id])
        cited = event.spans_from(source_id)
        if any(a < e and s < b for a, b in cited for s, e in draft.citations):
            continue
        if cited and not support_only and event.date != draft.date:
            continue
        threshold, minimum = (SUPPORT_SCORE if support_only else MERGE_SCORE), MIN_SHARED
        if cited and not support_only:
            threshold = SAME_SOURCE_SCORE
        if history:
            threshold, minimum = 0.1, 1
        if len(common) < minimum:
            continue
        value = score(mine, event, common)
        if value >= threshold and (best is None or value > best[0]):
            best = (value, event)
    return best[1] if best else None


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.sample(VOCABULARY, rng.randint(2, 8))) + "."


def _random_index(rng: random.Random, text: str, source_id: int) -> MergeIndex:
    index = MergeIndex()
    for event_id in range(1, 301):
        date, end = _random_span(rng)
        event = Indexed(
            event_id,
            date,
            end,
            rng.choice(["reported", "confirmed", "background"]),
            False,
            tuple(rng.sample(REGIONS, rng.randint(0, 1))),
            tuple(rng.sample(PEOPLE, rng.randint(0, 1))),
        )
        if rng.random() < 0.05:  # already cited by the article being merged
            start = rng.randrange(0, len(text) - 20)
            event.current = (source_id, {(start, start + 20)})
            event.cited = 1
        index.add(event, _words(_sentence(rng)))
        if rng.random() < 0.5:
            index.begin_article()  # some events listed by date, the newest after them
    return index


def test_find_match_chooses_what_a_full_scan_chooses() -> None:
    """The candidate shortcuts and the cut-off by words shared never change the choice,
    ties included (the first in the index's order wins)."""
    rng = random.Random(11)
    text = " ".join(_sentence(rng) for _ in range(60))
    source_id = 7
    chosen = 0
    for _ in range(20):
        index = _random_index(rng, text, source_id)
        for _ in range(40):
            start = rng.randrange(0, len(text) - 80)
            draft = NewEvent(
                *_random_span(rng),
                "A summary.",
                status=rng.choice(["reported", "confirmed", "background"]),
                places=tuple(PlaceRef(r) for r in rng.sample(REGIONS, rng.randint(0, 1))),
                people=tuple(PersonRef(p) for p in rng.sample(PEOPLE, rng.randint(0, 1))),
                citations=((start, start + rng.randint(15, 80)),),
            )
            for support_only in (False, True):
                expected = _full_scan(index, source_id, text, draft, support_only)
                found = find_match(index, source_id, text, draft, support_only=support_only)
                assert found is expected, (draft, support_only)
                chosen += expected is not None
    assert chosen > 100  # the drafts did match, often


async def test_an_articles_batch_leaves_the_search_index_as_the_triggers_would(
    store: Store, tmp_path: Path
) -> None:
    """New events get their search documents from the batch writer, stored ones are
    rebuilt: each holds the event's summary and all its excerpts, the full-text index
    agrees with them, and a word of a later excerpt finds its event."""
    for path in write_articles(tmp_path, 12, seed=3):
        await ingest_file(store, path)
    documents = await store.db.fetchall("SELECT rowid, summary, excerpts FROM event_search")
    expected = await store.db.fetchall(
        "SELECT id, summary, coalesce((SELECT group_concat(excerpt, ' ') FROM citations"
        " WHERE event_id = events.id), '') FROM events"
    )
    assert sorted(map(tuple, documents)) == sorted(map(tuple, expected))
    assert any(len(e.citations) > 1 for e in await store.events.all())
    async with store.db.transaction() as conn:
        # Raises if the index does not hold exactly the documents' words.
        await conn.execute("INSERT INTO event_search (event_search) VALUES ('integrity-check')")
    cited = max(await store.events.all(), key=lambda e: len(e.citations))
    word = max(re.findall(r"[a-z]{6,}", cited.citations[-1].excerpt.lower()), key=len)
    assert cited.id in (await store.events.search_ids(word, limit=500)).ids
