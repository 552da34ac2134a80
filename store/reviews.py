"""The keep-or-undo decision on each story a maintainer added by command.

A review is tied to the audit entry that added the story; its nonce goes into the
buttons' callback data so that data made up by someone else never matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from store.db import Database, utc_now
from store.errors import NotFound

REVIEW_STATES = ("pending", "kept", "undone")


@dataclass(frozen=True)
class StoryReview:
    audit_id: int
    source_id: int
    actor: int
    nonce: str
    state: str  # pending | kept | undone
    decided_at: str | None


class ReviewRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, conn: aiosqlite.Connection, audit_id: int, source_id: int, actor: int, nonce: str
    ) -> None:
        await conn.execute(
            "INSERT INTO story_reviews (audit_id, source_id, actor, nonce) VALUES (?, ?, ?, ?)",
            (audit_id, source_id, actor, nonce),
        )

    async def get(self, audit_id: int) -> StoryReview:
        row = await self.db.fetchone("SELECT * FROM story_reviews WHERE audit_id = ?", (audit_id,))
        if row is None:
            raise NotFound(f"no story review {audit_id}")
        return StoryReview(*(row[k] for k in row.keys()))  # noqa: SIM118 (sqlite3.Row)

    async def decide(self, conn: aiosqlite.Connection, audit_id: int, state: str) -> bool:
        """Move a pending review to `state`; False when it was decided already."""
        if state not in REVIEW_STATES[1:]:
            raise ValueError(f"unknown review state {state!r}")
        cursor = await conn.execute(
            "UPDATE story_reviews SET state = ?, decided_at = ?"
            " WHERE audit_id = ? AND state = 'pending'",
            (state, utc_now(), audit_id),
        )
        return cursor.rowcount == 1

    async def undone(self, conn: aiosqlite.Connection, audit_id: int) -> None:
        """Mark the review undone whatever was decided before: the story it asks about
        was undone by /undo, and a review still reading 'kept' would answer later presses
        about a story no longer there."""
        await conn.execute(
            "UPDATE story_reviews SET state = 'undone', decided_at = ?"
            " WHERE audit_id = ? AND state != 'undone'",
            (utc_now(), audit_id),
        )
