"""The whole briefing as JSON: the stable shape other tools rely on (see README).

`write_briefing` writes it as it reads it, a batch of sources or events at a time, so a
large briefing is never held whole (at 100,000 events the document alone is 80 MB, and
its objects several times that); what it writes is, byte for byte, `json.dumps` of
`export_briefing`'s whole with `ensure_ascii=False, indent=2`, and a newline.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from store import Store
from store.events import EventScope
from store.models import Event, Source

BATCH = 1_000  # sources or events read, and written, at a time
ITEM_INDENT = "    "  # a source's or event's lines, two levels into the document


async def export_briefing(store: Store) -> dict[str, Any]:
    """{"sources": [...], "events": [...]} with visible events in date order."""
    async with store.db.snapshot():
        sources = [item async for batch in _sources(store, BATCH) for item in batch]
        events = [item async for batch in _events(store, BATCH) for item in batch]
    return {"sources": sources, "events": events}


async def write_briefing(
    store: Store, write: Callable[[bytes], object], *, batch: int = BATCH
) -> None:
    """Write the briefing as UTF-8 JSON, a batch at a time, all from one snapshot."""
    # One snapshot: an article added by the bot or an ingest between reading the sources
    # and the events gave events citing a source the export did not list.
    async with store.db.snapshot():
        write(b'{\n  "sources": [')
        listed = await _write_items(_sources(store, batch), write)
        write(_list_end(listed) + b',\n  "events": [')
        listed = await _write_items(_events(store, batch), write)
        write(_list_end(listed) + b"\n}\n")


async def _write_items(
    batches: AsyncIterator[list[dict[str, Any]]], write: Callable[[bytes], object]
) -> int:
    """Write each item of each batch as an element of the list begun; how many."""
    written = 0
    async for items in batches:
        parts = []
        for item in items:
            text = json.dumps(item, ensure_ascii=False, indent=2)
            # No line break inside a JSON string (json.dumps escapes them): each line of
            # the item is a line of the document.
            indented = "\n".join(ITEM_INDENT + line for line in text.split("\n"))
            parts.append(("," if written else "") + "\n" + indented)
            written += 1
        write("".join(parts).encode("utf-8"))
    return written


def _list_end(listed: int) -> bytes:
    return b"\n  ]" if listed else b"]"


async def _sources(store: Store, batch: int) -> AsyncIterator[list[dict[str, Any]]]:
    async for sources in store.sources.in_batches(batch):
        yield [_source(s) for s in sources]


async def _events(store: Store, batch: int) -> AsyncIterator[list[dict[str, Any]]]:
    """Visible events in date order, by keyset: each batch starts after the last one."""
    after = None
    while events := await store.events.page(EventScope(), after=after, limit=batch):
        yield [_event(e) for e in events]
        after = (events[-1].date, events[-1].id)


def _source(s: Source) -> dict[str, Any]:
    return {
        "id": s.id,
        "file": s.file,
        "url": s.url,
        "outlet": s.outlet,
        "title": s.title,
        "published": s.published,
        "published_inferred": s.published_inferred,
    }


def _event(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "date": e.date,
        "end": e.end,
        "summary": e.summary,
        "places": list(e.places),
        "people": list(e.people),
        "status": e.status,
        "citations": [
            {"source": c.source_id, "excerpt": c.excerpt, "start": c.start, "end": c.end}
            for c in e.citations
        ],
        # Added after the first shape, so last: who says so, as "according to" shows it.
        "attribution": e.attribution,
    }
