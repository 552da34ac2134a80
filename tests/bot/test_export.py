"""The export: one consistent state of the briefing, even while another process writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.export import export_briefing
from ingest.pipeline import ingest_file
from store import Store
from store.models import Source


async def test_an_article_added_meanwhile_is_in_the_export_whole_or_not_at_all(
    store: Store, db_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot's /addstory (or an ingest) committing between the export's read of the
    sources and of the events gave events citing a source the export did not list."""
    first, second = sorted(corpus.glob("0*.txt"))[:2]
    await ingest_file(store, first)
    list_all = store.sources.list_all

    async def another_process_adds_an_article() -> list[Source]:
        listed = await list_all()
        other = await Store.open(db_path)  # a connection of its own, as another process
        try:
            await ingest_file(other, second)
        finally:
            await other.close()
        return listed

    monkeypatch.setattr(store.sources, "list_all", another_process_adds_an_article)
    data = await export_briefing(store)
    listed = {source["id"] for source in data["sources"]}
    cited = {c["source"] for event in data["events"] for c in event["citations"]}
    assert listed == {1} and cited == {1}
    monkeypatch.undo()
    data = await export_briefing(store)  # the next export has the article, whole
    assert {source["id"] for source in data["sources"]} == {1, 2}
    assert {c["source"] for event in data["events"] for c in event["citations"]} == {1, 2}
