"""Chats the bot talks in, and their per-chat preferences."""

from __future__ import annotations

import sqlite3

from store.db import Database, utc_now
from store.models import Chat


def _chat(row: sqlite3.Row) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        username=row["username"],
        timezone=row["timezone"],
        graphic=bool(row["graphic"]),
        send_empty_digest=bool(row["send_empty_digest"]),
    )


class ChatRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(
        self, chat_id: int, type_: str, title: str | None = None, username: str | None = None
    ) -> Chat:
        """Record the chat (or refresh its title) and return it."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO chats (id, type, title, username, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET type = excluded.type, title = excluded.title,"
                " username = excluded.username",
                (chat_id, type_, title, username, utc_now()),
            )
        chat = await self.get(chat_id)
        assert chat is not None
        return chat

    async def get(self, chat_id: int) -> Chat | None:
        row = await self.db.fetchone("SELECT * FROM chats WHERE id = ?", (chat_id,))
        return _chat(row) if row else None

    async def set_graphic(self, chat_id: int, shown: bool) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE chats SET graphic = ? WHERE id = ?", (int(shown), chat_id))

    async def graphic_shown(self, chat_id: int) -> bool:
        """Whether the chat chose to see graphic excerpts unhidden (default: hidden)."""
        value = await self.db.scalar("SELECT graphic FROM chats WHERE id = ?", (chat_id,))
        return bool(value)
