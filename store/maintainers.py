"""Maintainers added by the owner at run time (those in settings are not stored here)."""

from __future__ import annotations

import aiosqlite

from store.db import Database, utc_now


class MaintainerRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ids(self) -> list[int]:
        rows = await self.db.fetchall("SELECT user_id FROM maintainers ORDER BY added_at, user_id")
        return [r[0] for r in rows]

    async def contains(self, user_id: int) -> bool:
        row = await self.db.fetchone("SELECT 1 FROM maintainers WHERE user_id = ?", (user_id,))
        return row is not None

    async def add(self, conn: aiosqlite.Connection, user_id: int, added_by: int) -> bool:
        """Add inside the caller's transaction; False when already there."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO maintainers (user_id, added_by, added_at) VALUES (?, ?, ?)",
            (user_id, added_by, utc_now()),
        )
        return cursor.rowcount == 1

    async def remove(self, conn: aiosqlite.Connection, user_id: int) -> bool:
        cursor = await conn.execute("DELETE FROM maintainers WHERE user_id = ?", (user_id,))
        return cursor.rowcount == 1
