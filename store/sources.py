"""Articles the briefing rests on."""

from __future__ import annotations

import sqlite3

import aiosqlite

from store.db import Database, utc_now
from store.errors import NotFound
from store.models import NewSource, Source


def _source(row: sqlite3.Row) -> Source:
    return Source(
        id=row["id"],
        outlet=row["outlet"],
        title=row["title"],
        url=row["url"],
        file=row["file"],
        published=row["published"],
        published_inferred=bool(row["published_inferred"]),
        text=row["text"],
        content_hash=row["content_hash"],
        added_at=row["added_at"],
    )


class SourceRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def find_duplicate(self, url: str | None, content_hash: str) -> Source | None:
        """The stored article with the same URL or the same text, if any."""
        row = await self.db.fetchone(
            "SELECT * FROM sources WHERE content_hash = ? OR (url IS NOT NULL AND url = ?)",
            (content_hash, url),
        )
        return _source(row) if row else None

    async def add(self, conn: aiosqlite.Connection, draft: NewSource) -> int:
        """Insert inside the caller's transaction; returns the new id."""
        cursor = await conn.execute(
            "INSERT INTO sources (outlet, title, url, file, published, published_inferred,"
            " text, content_hash, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.outlet,
                draft.title,
                draft.url,
                draft.file,
                draft.published,
                int(draft.published_inferred),
                draft.text,
                draft.content_hash,
                utc_now(),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, source_id: int) -> Source:
        row = await self.db.fetchone("SELECT * FROM sources WHERE id = ?", (source_id,))
        if row is None:
            raise NotFound(f"no source {source_id}")
        return _source(row)

    async def list_all(self) -> list[Source]:
        rows = await self.db.fetchall("SELECT * FROM sources ORDER BY id")
        return [_source(r) for r in rows]

    async def event_counts(self) -> dict[int, int]:
        """Source id -> number of visible events it supports."""
        rows = await self.db.fetchall(
            "SELECT c.source_id, count(DISTINCT c.event_id) FROM citations c"
            " JOIN events e ON e.id = c.event_id WHERE e.hidden = 0 GROUP BY c.source_id"
        )
        return {r[0]: r[1] for r in rows}

    async def delete(self, conn: aiosqlite.Connection, source_id: int) -> None:
        """Delete an article and its citations (events are the caller's concern)."""
        await conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
