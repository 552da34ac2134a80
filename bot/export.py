"""The whole briefing as JSON: the stable shape other tools rely on (see README)."""

from __future__ import annotations

from typing import Any

from store import Store


async def export_briefing(store: Store) -> dict[str, Any]:
    """{"sources": [...], "events": [...]} with visible events in date order."""
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
        for s in await store.sources.list_all()
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
        for e in await store.events.all()
    ]
    return {"sources": sources, "events": events}
