"""Maintainers' corrections to the briefing. Each is one audited transaction
(store/audit.py), so every one of them can be listed in /history and undone exactly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from store.audit import AuditRepo, Scope
from store.db import Database, utc_now
from store.errors import Conflict, NotFound
from store.events import EventRepo
from store.ids import next_id_sql
from store.maintainers import MaintainerRepo


async def _one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> Any:
    row = await (await conn.execute(sql, tuple(params))).fetchone()
    return row


async def _require_event(conn: aiosqlite.Connection, event_id: int) -> Any:
    row = await _one(conn, "SELECT * FROM events WHERE id = ?", (event_id,))
    if row is None:
        raise NotFound(f"there is no event {event_id}")
    return row


class Corrections:
    def __init__(
        self, db: Database, audit: AuditRepo, events: EventRepo, maintainers: MaintainerRepo
    ) -> None:
        self.db = db
        self.audit = audit
        self.events = events
        self.maintainers = maintainers

    async def edit_event(self, actor: int, event_id: int, what: str, **fields: Any) -> int:
        """Change columns of one event (summary, date and end_date, status, hidden...);
        returns the audit entry id. Raises Conflict when nothing would change."""
        scope = Scope.of(events=[event_id])
        async with self.audit.change(actor, f"edit {what}", f"event:{event_id}", scope) as ch:
            row = await _require_event(ch.conn, event_id)
            if all(row[name] == value for name, value in fields.items()):
                raise Conflict(f"event {event_id} already has that {what}")
            await self.events.update(ch.conn, event_id, **fields)
        assert ch.entry_id is not None
        return ch.entry_id

    async def set_places(self, actor: int, event_id: int, place_ids: Sequence[int]) -> int:
        scope = Scope.of(events=[event_id])
        async with self.audit.change(actor, "edit place", f"event:{event_id}", scope) as ch:
            await _require_event(ch.conn, event_id)
            rows = await (
                await ch.conn.execute(
                    "SELECT place_id FROM event_places WHERE event_id = ?", (event_id,)
                )
            ).fetchall()
            if {r[0] for r in rows} == set(place_ids):
                raise Conflict(f"event {event_id} already has those places")
            await self.events.set_places(ch.conn, event_id, place_ids)
        assert ch.entry_id is not None
        return ch.entry_id

    async def merge_events(self, actor: int, keep_id: int, gone_id: int) -> int:
        """Event `gone_id` becomes part of `keep_id`: its citations, places and people
        move over and it is removed."""
        if keep_id == gone_id:
            raise Conflict("an event cannot be merged into itself")
        scope = Scope.of(events=[keep_id, gone_id])
        action = f"merge {gone_id} into {keep_id}"
        async with self.audit.change(actor, action, f"event:{keep_id}", scope) as ch:
            conn = ch.conn
            await _require_event(conn, keep_id)
            gone = await _require_event(conn, gone_id)
            # A citation both events already share would break the unique rule when moved.
            await conn.execute(
                "DELETE FROM citations WHERE event_id = ? AND EXISTS (SELECT 1 FROM citations k"
                " WHERE k.event_id = ? AND k.source_id = citations.source_id"
                " AND k.start_offset = citations.start_offset"
                " AND k.end_offset = citations.end_offset)",
                (gone_id, keep_id),
            )
            await conn.execute(
                "UPDATE citations SET event_id = ? WHERE event_id = ?", (keep_id, gone_id)
            )
            for table, column in (("event_places", "place_id"), ("event_people", "person_id")):
                await conn.execute(
                    f"INSERT OR IGNORE INTO {table} (event_id, {column})"
                    f" SELECT ?, {column} FROM {table} WHERE event_id = ?",
                    (keep_id, gone_id),
                )
            await conn.execute("DELETE FROM events WHERE id = ?", (gone_id,))
            # Graphic excerpts moved over stay behind spoilers in the merged event.
            await conn.execute(
                "UPDATE events SET updated_at = ?, graphic = max(graphic, ?) WHERE id = ?",
                (utc_now(), gone["graphic"], keep_id),
            )
        assert ch.entry_id is not None
        return ch.entry_id

    async def split_citation(self, actor: int, event_id: int, citation_id: int) -> tuple[int, int]:
        """Move one citation off into a new event with the same date, summary, status,
        places and people; returns (new event id, audit entry id)."""
        scope = Scope.of(events=[event_id])
        async with self.audit.change(actor, "split citation", f"event:{event_id}", scope) as ch:
            conn = ch.conn
            row = await _require_event(conn, event_id)
            owner = await _one(conn, "SELECT event_id FROM citations WHERE id = ?", (citation_id,))
            if owner is None or owner[0] != event_id:
                raise NotFound(f"event {event_id} has no citation {citation_id}")
            count = await _one(
                conn, "SELECT count(*) FROM citations WHERE event_id = ?", (event_id,)
            )
            if count[0] < 2:
                raise Conflict(f"event {event_id} has only that citation; nothing to split")
            now = utc_now()
            cursor = await conn.execute(
                "INSERT INTO events (id, date, end_date, summary, status, attribution, graphic,"
                f" hidden, created_at, updated_at) VALUES ({next_id_sql('events')},"
                " ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row["date"],
                    row["end_date"],
                    row["summary"],
                    row["status"],
                    row["attribution"],
                    row["graphic"],
                    row["hidden"],
                    now,
                    now,
                ),
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            ch.scope = ch.scope | Scope.of(events=[new_id])
            await conn.execute(
                "UPDATE citations SET event_id = ? WHERE id = ?", (new_id, citation_id)
            )
            for table, column in (("event_places", "place_id"), ("event_people", "person_id")):
                await conn.execute(
                    f"INSERT INTO {table} (event_id, {column})"
                    f" SELECT ?, {column} FROM {table} WHERE event_id = ?",
                    (new_id, event_id),
                )
            await conn.execute("UPDATE events SET updated_at = ? WHERE id = ?", (now, event_id))
        assert ch.entry_id is not None
        return new_id, ch.entry_id

    async def remove_source(self, actor: int, source_id: int) -> tuple[list[int], int]:
        """Remove an article and the events only it supported; events other articles also
        cite just lose its citations. Returns (removed event ids, audit entry id)."""
        async with self.db.transaction() as conn:
            if await _one(conn, "SELECT 1 FROM sources WHERE id = ?", (source_id,)) is None:
                raise NotFound(f"there is no story {source_id}")
            rows = await (
                await conn.execute(
                    "SELECT DISTINCT event_id FROM citations WHERE source_id = ?", (source_id,)
                )
            ).fetchall()
            cited = [r[0] for r in rows]
            scope = Scope.of(sources=[source_id], events=cited)
            async with self.audit.change(
                actor, "remove story", f"source:{source_id}", scope
            ) as ch:
                await ch.conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
                removed = []
                for event_id in cited:
                    left = await _one(
                        ch.conn, "SELECT count(*) FROM citations WHERE event_id = ?", (event_id,)
                    )
                    if left[0] == 0:
                        await ch.conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
                        removed.append(event_id)
                    else:
                        await ch.conn.execute(
                            "UPDATE events SET updated_at = ? WHERE id = ?", (utc_now(), event_id)
                        )
        assert ch.entry_id is not None
        return removed, ch.entry_id

    async def add_maintainer(self, actor: int, user_id: int) -> int:
        scope = Scope.of(maintainers=[user_id])
        async with self.audit.change(actor, "add maintainer", f"user:{user_id}", scope) as ch:
            if not await self.maintainers.add(ch.conn, user_id, actor):
                raise Conflict(f"{user_id} is already a maintainer")
        assert ch.entry_id is not None
        return ch.entry_id

    async def remove_maintainer(self, actor: int, user_id: int) -> int:
        scope = Scope.of(maintainers=[user_id])
        async with self.audit.change(actor, "remove maintainer", f"user:{user_id}", scope) as ch:
            if not await self.maintainers.remove(ch.conn, user_id):
                raise NotFound(f"{user_id} is not a maintainer added by command")
        assert ch.entry_id is not None
        return ch.entry_id
