"""/addstory with the real extraction on the sample corpus: the preview names exactly
the events the article added or now also supports, and Undo restores the exact state."""

from __future__ import annotations

from pathlib import Path

from bot.answers import LineItem, Services
from bot.maintenance import PREVIEW_EVENTS, add_story, decide_story
from config.settings import Settings
from ingest.pipeline import article_files, ingest_file
from ingest.submission import parse_document
from store import Store
from tests.store.rows import dump


async def test_adding_the_last_corpus_article_previews_and_undoes_exactly(
    store: Store, settings: Settings, corpus: Path
) -> None:
    files = article_files([corpus])
    for path in files[:-1]:
        await ingest_file(store, path)
    before = await dump(store)
    events_before = {e.id for e in await store.events.all(include_hidden=True)}
    services = Services(store, settings)
    last = files[-1]
    outcome = await add_story(services, 1001, parse_document(last.read_bytes(), last.name))
    assert outcome.review is not None
    source_id = outcome.review.source_id
    cited = {e.id for e in await store.events.timeline(source_id=source_id, include_hidden=True)}
    assert cited, "the article should add or support at least one event"
    listed = {
        int(item.text.split()[0].lstrip("#"))
        for item in outcome.answer.items
        if isinstance(item, LineItem) and item.text.startswith("#")
    }
    new, supported = cited - events_before, cited & events_before
    if max(len(new), len(supported)) <= PREVIEW_EVENTS:
        assert listed == cited
    else:  # long previews name the first few of each group and count the rest
        assert listed < cited
    new_lines = outcome.answer.intro[2]
    assert new_lines.startswith(f"{len(new)} new events; ")
    assert f"{len(supported)} existing events" in new_lines

    again = await add_story(services, 1001, parse_document(last.read_bytes(), last.name))
    assert again.review is None and "already in the briefing" in again.answer.title

    notice, _ = await decide_story(
        services, 1001, outcome.review.audit_id, outcome.review.nonce, keep=False
    )
    assert notice == "Undone."
    assert await dump(store) == before
