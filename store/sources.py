"""Articles the briefing rests on."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence

import aiosqlite

from store.db import Database, utc_now
from store.errors import NotFound
from store.ids import next_id_sql
from store.models import NewSource, Source, SourceInfo

# The /sources order: by publication day, undated articles last ("~" sorts after digits),
# then by id. A page key is (that day or "~", id).
SourceKey = tuple[str, int]
LISTED = "coalesce(published, '~')"
INFO_COLUMNS = "id, outlet, title, url, published, published_inferred"


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


def _info(row: sqlite3.Row) -> SourceInfo:
    return SourceInfo(
        id=row["id"],
        outlet=row["outlet"],
        title=row["title"],
        url=row["url"],
        published=row["published"],
        published_inferred=bool(row["published_inferred"]),
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
            "INSERT INTO sources (id, outlet, title, url, file, published, published_inferred,"
            f" text, content_hash, added_at) VALUES ({next_id_sql('sources')},"
            " ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    async def in_batches(self, size: int = 500) -> AsyncIterator[list[Source]]:
        """Every article, `size` at a time in id order (as `list_all`), for a reader of
        the whole that keeps none of it (the export). Read inside a snapshot or
        transaction for one consistent state."""
        last = 0
        while rows := await self.db.fetchall(
            "SELECT * FROM sources WHERE id > ? ORDER BY id LIMIT ?", (last, size)
        ):
            yield [_source(r) for r in rows]
            last = rows[-1]["id"]

    async def info(self, ids: Sequence[int]) -> dict[int, SourceInfo]:
        """The articles with these ids, without their texts."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT {INFO_COLUMNS} FROM sources WHERE id IN ({marks})", tuple(ids)
        )
        return {r["id"]: _info(r) for r in rows}

    async def page(
        self, *, after: SourceKey | None = None, before: SourceKey | None = None, limit: int
    ) -> list[SourceInfo]:
        """Up to `limit` articles in list order, after or before a key (keyset paging)."""
        where, params, order = "1", [], f"{LISTED}, id"
        if after is not None:
            where, params = f"({LISTED}, id) > (?, ?)", list(after)
        elif before is not None:
            where, params = f"({LISTED}, id) < (?, ?)", list(before)
            order = f"{LISTED} DESC, id DESC"
        rows = await self.db.fetchall(
            f"SELECT {INFO_COLUMNS} FROM sources WHERE {where} ORDER BY {order} LIMIT ?",
            (*params, limit),
        )
        found = [_info(r) for r in rows]
        return found[::-1] if before is not None else found

    async def count(self, *, cap: int) -> int:
        """How many articles there are, counting no further than `cap`."""
        value = await self.db.scalar(
            "SELECT count(*) FROM (SELECT 1 FROM sources LIMIT ?)", (cap,)
        )
        return int(value or 0)

    async def outlets(self) -> tuple[int, set[str | None], list[str]]:
        """(articles, distinct outlet names, URLs of articles with no outlet name)."""
        total = await self.db.scalar("SELECT count(*) FROM sources")
        names = await self.db.fetchall("SELECT DISTINCT outlet FROM sources")
        urls = await self.db.fetchall(
            "SELECT url FROM sources WHERE outlet IS NULL AND url IS NOT NULL"
        )
        return int(total or 0), {r[0] for r in names}, [r[0] for r in urls]

    async def latest_title(self) -> str | None:
        value = await self.db.scalar(
            "SELECT title FROM sources WHERE title IS NOT NULL ORDER BY id DESC LIMIT 1"
        )
        return None if value is None else str(value)

    async def event_counts(self, ids: Sequence[int] | None = None) -> dict[int, int]:
        """Source id -> number of visible events it supports (for `ids`, or every source)."""
        where: str
        params: tuple[int, ...]
        where, params = "", ()
        if ids is not None:
            where = f" AND c.source_id IN ({','.join('?' * len(ids))})"
            params = tuple(ids)
        rows = await self.db.fetchall(
            "SELECT c.source_id, count(DISTINCT c.event_id) FROM citations c"
            f" JOIN events e ON e.id = c.event_id WHERE e.hidden = 0{where}"
            " GROUP BY c.source_id",
            params,
        )
        return {r[0]: r[1] for r in rows}

    async def delete(self, conn: aiosqlite.Connection, source_id: int) -> None:
        """Delete an article and its citations (events are the caller's concern)."""
        await conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
