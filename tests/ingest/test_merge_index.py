"""The merge index's shortcuts find exactly what a full scan finds."""

# ruff: noqa: E501  (sample articles are prose, one paragraph a line)

from __future__ import annotations

import random

from ingest.article import parse_article
from ingest.merge import DateBuckets, compatible
from ingest.pipeline import ingest_article
from store import Store


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


def test_date_buckets_return_every_compatible_event() -> None:
    rng = random.Random(3)
    events = {i: _random_span(rng) for i in range(400)}
    buckets = DateBuckets()
    for event_id, (date, end) in events.items():
        buckets.put(event_id, date, end)
    for _ in range(300):
        date, end = _random_span(rng)
        expected = {i for i, (d, e) in events.items() if compatible(date, end, d, e)}
        found = buckets.candidates(date, end)
        assert found is None or expected <= found, (date, end, expected - (found or set()))


def test_date_buckets_follow_a_changed_date() -> None:
    buckets = DateBuckets()
    buckets.put(1, "2021-10", None)
    buckets.put(1, "2021-10-05", None)
    assert 1 in (buckets.candidates("2021-10-05", None) or set())
    assert 1 not in (buckets.candidates("2021-10-06", None) or set())


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
    from ingest.merge import MATCHED_CITATIONS, MergeIndex, _words
    from tests.bot.briefing import add_article, add_event

    lines = [f"Witness number {n} described the {w} near the gate." for n, w in
             enumerate(["smoke", "noise", "crowd", "sirens", "fence", "trucks", "flags",
                        "banners", "dogs", "lights", "barrels", "ladders"])]  # fmt: skip
    source = await add_article(store, " ".join(lines))
    event_id = await add_event(store, source, "2021-10-05", "Witnesses described the gate",
                               tuple(lines))  # fmt: skip
    index = await MergeIndex.load(store)
    words = index.words[event_id]
    first, late = _words(lines[0]), _words(lines[-1])
    assert len(lines) > MATCHED_CITATIONS
    assert first <= words and not (late - first) <= words  # only the first excerpts count
