"""The whole briefing as JSON: the stable shape other tools rely on (see README)."""

from __future__ import annotations

from typing import Any

from store import Store
from store.models import Event, Source


async def export_briefing(store: Store) -> dict[str, Any]:
    """{"sources": [...], "events": [...]} with visible events in date order."""
    # One snapshot: an article added by the bot or an ingest between reading the sources
    # and the events gave events citing a source the export did not list.
    async with store.db.snapshot():
        return _briefing(await store.sources.list_all(), await store.events.all())


def _briefing(listed_sources: list[Source], listed_events: list[Event]) -> dict[str, Any]:
    sources = [
        {
            "id": s.id,
            "file": s.file,
            "url": s.url,
            "outlet": s.outlet,
            "title": s.title,
            "published": s.published,
            "published_inferred": s.published_inferred,
        }
        for s in listed_sources
    ]
    events = [
        {
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
        for e in listed_events
    ]
    return {"sources": sources, "events": events}
