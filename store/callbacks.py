"""Commands behind inline buttons: a short random token stands for the command text.

Telegram gives a button 64 bytes of callback data, too little for "/search many words",
and whatever a client sends back must be treated as hostile. So a button carries only a
token; the command it runs is kept here, bound to the chat it was sent to, and expires.
A chat asking the same thing again gets the same token back for a day: a reader paging
through /timeline every morning adds one row a day, and a reply costs no write.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from store.db import Database, utc_now

TOKEN_BYTES = 9  # 12 URL-safe characters
KEEP_DAYS = 30
PURGE_EVERY_S = 3600
REUSE_HOURS = 24  # a token this young is handed out again: it has KEEP_DAYS - 1 days left


class CallbackRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._next_purge = 0.0  # monotonic time of the next purge of expired tokens

    async def save(self, chat_id: int, command: str) -> str:
        """A token for `command` in `chat_id`: the one given in the last REUSE_HOURS, else a
        new one. Drops expired tokens once an hour."""
        recent = (datetime.now(UTC) - timedelta(hours=REUSE_HOURS)).isoformat(timespec="seconds")
        known = await self.db.scalar(
            "SELECT token FROM callback_commands WHERE chat_id = ? AND command = ?"
            " AND created_at >= ? ORDER BY created_at DESC LIMIT 1",
            (chat_id, command, recent),
        )
        if known is not None:
            return str(known)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = time.monotonic()
        async with self.db.transaction() as conn:
            if now >= self._next_purge:
                cutoff = (datetime.now(UTC) - timedelta(days=KEEP_DAYS)).isoformat(
                    timespec="seconds"
                )
                await conn.execute("DELETE FROM callback_commands WHERE created_at < ?", (cutoff,))
                self._next_purge = now + PURGE_EVERY_S
            await conn.execute(
                "INSERT INTO callback_commands (token, chat_id, command, created_at)"
                " VALUES (?, ?, ?, ?)",
                (token, chat_id, command, utc_now()),
            )
        return token

    async def command(self, token: str, chat_id: int) -> str | None:
        """The command saved under `token` for this chat, or None (unknown, other chat,
        or expired)."""
        cutoff = (datetime.now(UTC) - timedelta(days=KEEP_DAYS)).isoformat(timespec="seconds")
        value = await self.db.scalar(
            "SELECT command FROM callback_commands WHERE token = ? AND chat_id = ?"
            " AND created_at >= ?",
            (token, chat_id, cutoff),
        )
        return None if value is None else str(value)
