"""The export: one consistent state of the briefing, even while another process writes,
written as it is read, a batch at a time, as the JSON of the whole."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.export import export_briefing, write_briefing
from ingest.pipeline import ingest_file
from store import Store
from store.models import Source


async def written(store: Store, batch: int = 1_000) -> bytes:
    out = bytearray()
    await write_briefing(store, out.extend, batch=batch)
    return bytes(out)


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
async def test_an_article_added_meanwhile_is_in_the_export_whole_or_not_at_all(
    store: Store, db_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    """The bot's /addstory (or an ingest) committing between the export's read of the
    sources and of the events gave events citing a source the export did not list."""
    first, second = sorted(corpus.glob("0*.txt"))[:2]
    await ingest_file(store, first)
    in_batches = store.sources.in_batches

    async def another_process_adds_an_article(size: int) -> AsyncIterator[list[Source]]:
        async for batch in in_batches(size):
            yield batch
        other = await Store.open(db_path)  # a connection of its own, as another process
        try:
            await ingest_file(other, second)
        finally:
            await other.close()

    async def export() -> dict[str, Any]:
        if streamed:
            return dict(json.loads(await written(store, batch=1)))
        return await export_briefing(store)

    monkeypatch.setattr(store.sources, "in_batches", another_process_adds_an_article)
    data = await export()
    listed = {source["id"] for source in data["sources"]}
    cited = {c["source"] for event in data["events"] for c in event["citations"]}
    assert listed == {1} and cited == {1}
    monkeypatch.undo()
    data = await export()  # the next export has the article, whole
    assert {source["id"] for source in data["sources"]} == {1, 2}
    assert {c["source"] for event in data["events"] for c in event["citations"]} == {1, 2}


async def test_the_export_is_the_json_of_the_whole_briefing_in_any_batch_size(
    store: Store, corpus: Path
) -> None:
    """Each source and visible event once, events in date order, in the document
    `json.dumps` makes of the whole (the shape tools rely on), however it is batched."""
    for path in sorted(corpus.glob("0*.txt")):
        await ingest_file(store, path)
    events = await store.events.all()
    hidden = events[len(events) // 2]
    async with store.db.transaction() as conn:
        await store.events.update(conn, hidden.id, hidden=1)
    whole = await export_briefing(store)
    expected = (json.dumps(whole, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    shown = [e for e in events if e.id != hidden.id]
    assert len(shown) > 7 and any(not s.isascii() for s in json.dumps(whole, ensure_ascii=False))
    assert [e["id"] for e in whole["events"]] == [e.id for e in shown]
    assert [(e["date"], e["id"]) for e in whole["events"]] == sorted((e.date, e.id) for e in shown)
    assert [s["id"] for s in whole["sources"]] == [1, 2, 3, 4, 5]
    for batch in (1, 2, 3, 7, 1_000):
        assert await written(store, batch=batch) == expected, batch


async def test_an_empty_briefing_is_two_empty_lists(store: Store) -> None:
    assert await written(store) == b'{\n  "sources": [],\n  "events": []\n}\n'


async def test_the_export_is_written_as_it_is_read(
    store: Store, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole briefing was read before a byte was written: at 100,000 events the
    export took 780 MB. Now each batch is written before the next is read."""
    for path in sorted(corpus.glob("0*.txt")):
        await ingest_file(store, path)
    out = bytearray()
    seen_when_read: list[int] = []
    page = store.events.page

    async def counted_page(*args: Any, **kwargs: Any) -> Any:
        seen_when_read.append(out.count(b'"summary"'))
        return await page(*args, **kwargs)

    monkeypatch.setattr(store.events, "page", counted_page)
    await write_briefing(store, out.extend, batch=3)
    events = json.loads(out)["events"]
    # A read for each batch of three and one that finds none left, each after the
    # events read before it were written.
    assert seen_when_read == list(range(0, len(events) + 1, 3)) + (
        [len(events)] if len(events) % 3 else []
    )
