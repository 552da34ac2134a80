"""The audit log of maintainers' changes, and undo from row snapshots.

Every change a maintainer makes runs in one transaction that also writes its audit entry.
The entry names a *scope* (sets of ids: sources, events, places, people, maintainers) and
holds a snapshot of every row the scope covers before and after the change. Undo is then
generic: check the scope's rows still look exactly like `after` (nobody changed them
since), and write `before` back, with the same ids, so the previous state is restored
exactly. Rows only in `before` are inserted, rows only in `after` deleted, rows in both
updated in place (an update never cascades, a delete would).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import aiosqlite

from store.db import Database, utc_now
from store.errors import Clash, Conflict, NotFound
from store.models import AuditEntry, Withdrawal

Row = dict[str, Any]
Snapshot = dict[str, list[Row]]

# Entries that record a decision rather than change the briefing.
NOT_UNDOABLE = ("undo", "keep story")

SCOPE_KINDS = ("sources", "events", "places", "people", "maintainers", "place_rows", "person_rows")

# Tables in foreign-key order (parents first), each with its primary key and the
# columns that tie its rows to a scope: a row is covered when any of them is in scope.
# A place in `places` covers its row, its aliases and which events are at it; one in
# `place_rows` only its row and aliases (the same for people).
TABLES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "sources": (("id",), (("id", "sources"),)),
    "events": (("id",), (("id", "events"),)),
    "places": (("id",), (("id", "places"), ("id", "place_rows"))),
    "people": (("id",), (("id", "people"), ("id", "person_rows"))),
    "place_aliases": (("place_id", "alias"), (("place_id", "places"), ("place_id", "place_rows"))),
    "person_aliases": (
        ("person_id", "alias"),
        (("person_id", "people"), ("person_id", "person_rows")),
    ),
    "citations": (("id",), (("event_id", "events"), ("source_id", "sources"))),
    "event_places": (("event_id", "place_id"), (("event_id", "events"), ("place_id", "places"))),
    "event_people": (
        ("event_id", "person_id"),
        (("event_id", "events"), ("person_id", "people")),
    ),
    "maintainers": (("user_id",), (("user_id", "maintainers"),)),
}


@dataclass(frozen=True)
class Scope:
    """The ids whose rows (and dependent rows) a change may touch."""

    sources: frozenset[int] = frozenset()
    events: frozenset[int] = frozenset()
    places: frozenset[int] = frozenset()
    people: frozenset[int] = frozenset()
    maintainers: frozenset[int] = frozenset()
    place_rows: frozenset[int] = frozenset()
    person_rows: frozenset[int] = frozenset()

    def __or__(self, other: Scope) -> Scope:
        return Scope(*(getattr(self, k) | getattr(other, k) for k in SCOPE_KINDS))

    def to_json(self) -> str:
        return json.dumps({k: sorted(getattr(self, k)) for k in SCOPE_KINDS if getattr(self, k)})

    @classmethod
    def from_json(cls, text: str | None) -> Scope:
        data = json.loads(text) if text else {}
        return cls(**{k: frozenset(int(i) for i in data.get(k, ())) for k in SCOPE_KINDS})

    @classmethod
    def of(cls, **ids: Any) -> Scope:
        return cls(**{k: frozenset(v) for k, v in ids.items()})


async def _columns(conn: aiosqlite.Connection, table: str) -> list[str]:
    # table_xinfo marks generated columns hidden (2, 3): they are derived, never written.
    rows = await (await conn.execute(f"PRAGMA table_xinfo({table})")).fetchall()
    return [r[1] for r in rows if r[6] == 0]


def _key(table: str, row: Row) -> tuple[Any, ...]:
    return tuple(row[c] for c in TABLES[table][0])


async def snapshot(conn: aiosqlite.Connection, scope: Scope) -> Snapshot:
    """Every row the scope covers, table by table, ordered by primary key."""
    result: Snapshot = {}
    for table, (pk, links) in TABLES.items():
        clauses, params = [], []
        for column, kind in links:
            ids = sorted(getattr(scope, kind))
            if ids:
                clauses.append(f"{column} IN ({','.join('?' * len(ids))})")
                params.extend(ids)
        if not clauses:
            continue
        columns = await _columns(conn, table)
        cursor = await conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {' OR '.join(clauses)}"
            f" ORDER BY {', '.join(pk)}",
            params,
        )
        rows = [dict(zip(columns, r, strict=True)) for r in await cursor.fetchall()]
        if rows:
            result[table] = rows
    return result


def restrict(snap: Snapshot, scope: Scope) -> Snapshot:
    """The part of a snapshot that a narrower scope covers (same rule as `snapshot`)."""
    result: Snapshot = {}
    for table, rows in snap.items():
        links = TABLES[table][1]
        kept = [r for r in rows if any(r[col] in getattr(scope, kind) for col, kind in links)]
        if kept:
            result[table] = kept
    return result


def changed_scope(before: Snapshot, after: Snapshot) -> Scope:
    """The ids tied to every row that was added, removed or changed between snapshots."""
    ids: dict[str, set[int]] = {k: set() for k in SCOPE_KINDS}
    for table in TABLES:
        old = {_key(table, r): r for r in before.get(table, [])}
        new = {_key(table, r): r for r in after.get(table, [])}
        for key in old.keys() | new.keys():
            if old.get(key) != new.get(key):
                row = new.get(key) or old[key]
                for column, kind in TABLES[table][1]:
                    ids[kind].add(row[column])
    return Scope(**{k: frozenset(v) for k, v in ids.items()})


async def write_back(conn: aiosqlite.Connection, current: Snapshot, target: Snapshot) -> None:
    """Make the rows of `current` look like `target`: insert parents first, then update,
    then delete children first, so foreign keys hold at every step."""
    plans = []
    for table in TABLES:
        have = {_key(table, r): r for r in current.get(table, [])}
        want = {_key(table, r): r for r in target.get(table, [])}
        plans.append((table, have, want))
    for table, have, want in plans:
        for key in want.keys() - have.keys():
            row = want[key]
            cols = list(row)
            await conn.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                [row[c] for c in cols],
            )
    for table, have, want in plans:
        pk = TABLES[table][0]
        for key in want.keys() & have.keys():
            if want[key] == have[key]:
                continue
            cols = [c for c in want[key] if c not in pk]
            await conn.execute(
                f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in cols)}"
                f" WHERE {' AND '.join(f'{c} = ?' for c in pk)}",
                [want[key][c] for c in cols] + list(key),
            )
    for table, have, want in reversed(plans):
        pk = TABLES[table][0]
        for key in have.keys() - want.keys():
            await conn.execute(
                f"DELETE FROM {table} WHERE {' AND '.join(f'{c} = ?' for c in pk)}", list(key)
            )


def _without_change_times(snap: Snapshot) -> Snapshot:
    """The snapshot without events' `updated_at`, which an undo sets to its own time. Every
    real change also changes some other column or row in scope, so none goes unnoticed."""
    return {
        table: [{k: v for k, v in row.items() if k != "updated_at"} for row in rows]
        if table == "events"
        else rows
        for table, rows in snap.items()
    }


async def _mark_changed_now(conn: aiosqlite.Connection, restored: Snapshot) -> None:
    """Stamp the events an undo brought back as changed now, not when they last were: the
    next digest then carries the restored version to readers who got the undone one."""
    ids = [(row["id"],) for row in restored.get("events", [])]
    await conn.executemany(
        "UPDATE events SET updated_at = ? WHERE id = ?", [(utc_now(),) + i for i in ids]
    )


async def _newest_ids(conn: aiosqlite.Connection) -> dict[str, int]:
    """The highest place and person ids: rows above them are the change's own."""
    newest = {}
    for table in ("places", "people"):
        row = await (await conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}")).fetchone()
        newest[table] = row[0] if row else 0
    return newest


# Places and people: their table, the table linking events to them, its column, and the
# scope kind covering only their own rows.
NAMED = (
    ("places", "event_places", "place_id", "place_rows"),
    ("people", "event_people", "person_id", "person_rows"),
)


async def _tied_to(conn: aiosqlite.Connection, scope: Scope, newest: dict[str, int]) -> Scope:
    """The places and people tied to the scope's events, and those created since `newest`
    was read: every place or person a story's events may have changed or added. Of those
    that existed before, only their own rows: which events are at them is covered by the
    events, and a popular place has thousands."""
    events = sorted(scope.events)
    marks = ",".join("?" * len(events))
    ids: dict[str, set[int]] = {}
    for table, link, column, own_rows in NAMED:
        rows = await (
            await conn.execute(
                f"SELECT {column} FROM {link} WHERE event_id IN ({marks})"
                f" UNION SELECT id FROM {table} WHERE id > ?",
                [*events, newest[table]],
            )
        ).fetchall()
        tied = {r[0] for r in rows}
        ids[table] = {i for i in tied if i > newest[table]}
        ids[own_rows] = tied - ids[table]
    return Scope.of(**ids)


def _discovered(changed: Scope, newest: dict[str, int]) -> Scope:
    """What a discovering change records, of the ids tied to the rows it changed: the
    places and people it created whole (undo removes them, so none may have gained another
    event since), and of those that existed before only their own rows, when it changed
    them (a spelling it taught). An event it put at a known place leaves the place out:
    later stories' events there then touch nothing it changed, and it can still be undone."""
    ids: dict[str, frozenset[int]] = {}
    for table, _link, _column, own_rows in NAMED:
        mine = frozenset(i for i in getattr(changed, table) if i > newest[table])
        ids[table] = mine
        ids[own_rows] = getattr(changed, own_rows) - mine
    return replace(changed, **ids)


def _withdrawn(before: Snapshot, after: Snapshot, since: str) -> list[Withdrawal]:
    """The events visible before a change and gone or hidden after it, of those that
    existed at `since`; a merged event's `into` is the event its citations moved to."""
    after_events = {row["id"]: row for row in after.get("events", [])}
    owner_after: dict[int, int] = {
        row["id"]: row["event_id"] for row in after.get("citations", [])
    }
    merged_into: dict[int, int] = {}  # event id -> the event its citations moved to
    for citation in before.get("citations", []):
        owner = owner_after.get(citation["id"])  # None: the citation was deleted
        if owner is not None and owner != citation["event_id"]:
            merged_into.setdefault(citation["event_id"], owner)
    withdrawn = []
    for row in before.get("events", []):
        now = after_events.get(row["id"])
        if row["hidden"] or row["created_at"] >= since or (now is not None and not now["hidden"]):
            continue
        withdrawn.append(
            Withdrawal(
                row["id"],
                row["date"],
                row["end_date"],
                row["summary"],
                bool(row["graphic"]),
                merged_into.get(row["id"]),
            )
        )
    return withdrawn


def _normalise(snap: Snapshot) -> Snapshot:
    # Snapshots are compared after a JSON round trip, as they are stored.
    loaded: Snapshot = json.loads(json.dumps(snap))
    return loaded


@dataclass
class Change:
    """A change in progress: its connection, and the scope (grow it with new ids)."""

    conn: aiosqlite.Connection
    scope: Scope
    target: str
    details: dict[str, Any] = field(default_factory=dict)
    entry_id: int | None = None


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        target=row["target"],
        before=row["before"],
        after=row["after"],
        undone=bool(row["undone"]),
        scope=row["scope"],
    )


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def change(
        self, actor: int, action: str, target: str, scope: Scope, *, discover: bool = False
    ) -> AsyncIterator[Change]:
        """One audited transaction. The body may widen `change.scope` with ids it creates.

        With `discover` the body cannot say in advance which existing rows it will touch
        (adding a story merges into events, places and people found on the way): it sets
        `change.scope` to the sources and events it added or touched, and the record then
        holds exactly what changed among those and the places and people tied to them.
        Their earlier state is read from the last commit, so `discover` needs the change
        to be its transaction's first write."""
        async with self.db.transaction() as conn:
            if discover:
                if self.db.written_in_transaction():
                    raise AssertionError("a discovering change must be the first write")
                newest = await _newest_ids(conn)
                before_all: Snapshot = {}
            else:
                before_all = await snapshot(conn, scope)
            change = Change(conn, scope, target)
            yield change
            if discover:
                reach = change.scope | await _tied_to(conn, change.scope, newest)
                async with self.db.last_commit() as committed:
                    before_all = await snapshot(committed, reach)
                changed = changed_scope(before_all, await snapshot(conn, reach))
                change.scope = _discovered(changed, newest) | scope
            # Taken afresh: places or people the body created were not in scope before.
            after = await snapshot(conn, change.scope)
            before = restrict(before_all, change.scope)
            change.entry_id = await self._record(
                conn, actor, action, change.target, change.scope, before, after
            )

    async def _record(
        self,
        conn: aiosqlite.Connection,
        actor: int,
        action: str,
        target: str,
        scope: Scope,
        before: Snapshot,
        after: Snapshot,
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO audit_log (at, actor, action, target, before, after, scope)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                utc_now(),
                actor,
                action,
                target,
                json.dumps(before),
                json.dumps(after),
                scope.to_json(),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, entry_id: int) -> AuditEntry:
        row = await self.db.fetchone("SELECT * FROM audit_log WHERE id = ?", (entry_id,))
        if row is None:
            raise NotFound(f"no audit entry {entry_id}")
        return _entry(row)

    async def last_undoable(self, actor: int, *, before: int | None = None) -> AuditEntry | None:
        """The actor's most recent change (older than entry `before`, if given) that has
        not been undone (undos and decisions to keep a story are records, not changes one
        undoes)."""
        row = await self.db.fetchone(
            "SELECT * FROM audit_log WHERE actor = ? AND undone = 0 AND id < ?"
            f" AND action NOT IN ({', '.join(repr(a) for a in NOT_UNDOABLE)})"
            " ORDER BY id DESC LIMIT 1",
            (actor, before if before is not None else 2**63 - 1),
        )
        return _entry(row) if row else None

    async def for_event(self, event_id: int, limit: int = 50) -> list[AuditEntry]:
        """Changes whose scope covered the event, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM (SELECT * FROM audit_log WHERE EXISTS (SELECT 1 FROM"
            " json_each(audit_log.scope, '$.events') WHERE value = ?) ORDER BY id DESC LIMIT ?)"
            " ORDER BY id",
            (event_id, limit),
        )
        return [_entry(r) for r in rows]

    async def merged_into(self, event_id: int) -> int | None:
        """The event `event_id` was last merged into by a merge not undone, or None. Read
        only for a number /event does not find: the log is scanned, it has no index by
        action."""
        target = await self.db.scalar(
            "SELECT target FROM audit_log WHERE action LIKE ? AND undone = 0"
            " ORDER BY id DESC LIMIT 1",
            (f"merge {event_id} into %",),
        )
        if not isinstance(target, str) or not target.startswith("event:"):
            return None
        number = target.removeprefix("event:")
        return int(number) if number.isdigit() else None

    async def latest(self, target: str, action: str) -> AuditEntry | None:
        """The most recent entry doing `action` to `target` (e.g. who removed a story)."""
        row = await self.db.fetchone(
            "SELECT * FROM audit_log WHERE target = ? AND action = ? ORDER BY id DESC LIMIT 1",
            (target, action),
        )
        return _entry(row) if row else None

    async def withdrawn_between(self, since: str, until: str) -> list[Withdrawal]:
        """Events that existed at `since`, were visible, and that changes recorded in
        [since, until) took out of the briefing, by date: what a digest for that window
        tells readers is gone. Those visible again (the change was undone) are left out,
        and an `into` event hidden or removed since is dropped."""
        rows = await self.db.fetchall(
            "SELECT before, after FROM audit_log WHERE at >= ? AND at < ? ORDER BY id",
            (since, until),
        )
        found: dict[int, Withdrawal] = {}
        for row in rows:
            before, after = json.loads(row["before"] or "{}"), json.loads(row["after"] or "{}")
            for gone in _withdrawn(before, after, since):
                found.setdefault(gone.event_id, gone)  # as readers last saw it
        if not found:
            return []
        ids = sorted(found.keys() | {w.into for w in found.values() if w.into is not None})
        visible = {
            row[0]
            for row in await self.db.fetchall(
                f"SELECT id FROM events WHERE hidden = 0 AND id IN ({','.join('?' * len(ids))})",
                ids,
            )
        }
        return sorted(
            (
                gone if gone.into in visible else replace(gone, into=None)
                for gone in found.values()
                if gone.event_id not in visible
            ),
            key=lambda gone: (gone.date, gone.event_id),
        )

    async def all(self) -> list[AuditEntry]:
        return [_entry(r) for r in await self.db.fetchall("SELECT * FROM audit_log ORDER BY id")]

    async def undo(self, actor: int, entry_id: int) -> AuditEntry:
        """Restore the state before entry `entry_id`, in one transaction that records the
        undo too. Raises Conflict when it was undone already or its rows changed since."""
        async with self.db.transaction() as conn:
            row = await (
                await conn.execute("SELECT * FROM audit_log WHERE id = ?", (entry_id,))
            ).fetchone()
            if row is None:
                raise NotFound(f"no audit entry {entry_id}")
            entry = _entry(row)
            if entry.undone:
                raise Conflict("that change was already undone")
            if entry.action in NOT_UNDOABLE:
                raise Conflict(f"a record of {entry.action!r} cannot be undone")
            scope = Scope.from_json(entry.scope)
            current = _normalise(await snapshot(conn, scope))
            recorded_after: Snapshot = json.loads(entry.after or "{}")
            if _without_change_times(current) != _without_change_times(recorded_after):
                raise Conflict("what it changed has been changed again since")
            before: Snapshot = json.loads(entry.before or "{}")
            try:
                await write_back(conn, current, before)
            except sqlite3.IntegrityError as exc:
                # A row it restores equals one added since (the same article added again):
                # the transaction rolls back and the caller can say what clashes.
                clash = "what it would bring back clashes with something added since"
                raise Clash(clash) from exc
            await _mark_changed_now(conn, before)
            await conn.execute("UPDATE audit_log SET undone = 1 WHERE id = ?", (entry_id,))
            restored = _normalise(await snapshot(conn, scope))
            await self._record(conn, actor, "undo", entry.target, scope, current, restored)
        return replace(entry, undone=True)
