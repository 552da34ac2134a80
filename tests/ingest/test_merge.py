"""Merging across outlets, in a real SQLite store."""

# ruff: noqa: E501  (sample articles are prose, one paragraph a line)
from __future__ import annotations

from ingest.article import parse_article
from ingest.merge import compatible
from ingest.pipeline import ingest_article
from store import Store

FIRST = """---
outlet: Daily One
title: Warden fired after prison riot
url: https://one.test/2023/05/10/riot
published: 2023-05-10
---
The regional prison service fired the warden of penal colony No. 3 in the Kursk region on Tuesday, after a riot in which two inmates were injured.
On Tuesday, the Kursk regional court also sentenced a former guard to six years for beating inmates.
"""
SECOND = """---
outlet: Other Paper
title: Kursk warden dismissed
url: https://two.test/news/warden
published: 2023-05-11
---
The warden of penal colony No. 3 in the Kursk region was fired on May 9 after a riot that left two inmates injured, the regional prison service said.
Separately, a lawyer for the inmates said on Wednesday that he would file complaints with prosecutors in Moscow.
"""


async def test_the_same_happening_from_two_outlets_is_one_event(store: Store) -> None:
    await ingest_article(store, parse_article(FIRST.encode(), "one.txt"))
    outcome = await ingest_article(store, parse_article(SECOND.encode(), "two.txt"))
    events = await store.events.all()
    fired = [e for e in events if "warden" in e.summary.lower() and e.date == "2023-05-09"]
    assert len(fired) == 1, [(e.date, e.summary) for e in events]
    assert {c.source_id for c in fired[0].citations} == {1, 2}
    assert fired[0].id in outcome.supported_events
    assert "Kursk Oblast" in fired[0].places


async def test_different_happenings_on_one_day_stay_apart(store: Store) -> None:
    await ingest_article(store, parse_article(FIRST.encode(), "one.txt"))
    on_tuesday = [e for e in await store.events.all() if e.date == "2023-05-09"]
    assert len(on_tuesday) == 2
    assert any("sentenced" in e.summary for e in on_tuesday)


async def test_reingesting_changes_nothing(store: Store) -> None:
    await ingest_article(store, parse_article(FIRST.encode(), "one.txt"))
    await ingest_article(store, parse_article(SECOND.encode(), "two.txt"))
    before = [(e.id, e.date, e.summary, e.citations) for e in await store.events.all()]
    again = await ingest_article(store, parse_article(SECOND.encode(), "two.txt"))
    assert again.status == "present"
    after = [(e.id, e.date, e.summary, e.citations) for e in await store.events.all()]
    assert before == after


async def test_a_vaguer_report_first_gets_the_precise_date_later(store: Store) -> None:
    vague = FIRST.replace("on Tuesday, after", "in May, after").replace(
        "url: https://one.test/2023/05/10/riot", "url: https://one.test/riot"
    )
    await ingest_article(store, parse_article(vague.encode(), "vague.txt"))
    await ingest_article(store, parse_article(SECOND.encode(), "two.txt"))
    fired = [e for e in await store.events.all() if "warden" in e.summary.lower()]
    assert [e.date for e in fired] == ["2023-05-09"]


def test_date_compatibility() -> None:
    assert compatible("2021-10", None, "2021-10-05", None)
    assert compatible("2021", None, "2021-10-05", None)
    assert compatible("2021-06", "2021-08", "2021-07-14", None)
    assert not compatible("2021-10-05", None, "2021-10-06", None)
    assert not compatible("2021-09", None, "2021-10-05", None)
