"""Events, the citations they rest on, and their places and people."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import aiosqlite

from store.db import Database, utc_now
from store.errors import NotFound
from store.ids import next_id_sql
from store.migrations import BRIEFING, SEARCHED_EXCERPTS, SEARCHED_EXCERPTS_OF
from store.models import STATUSES, Citation, Event, NewEvent, PlaceRef
from store.people import PersonRepo
from store.places import PlaceRepo
from store.search_query import fts_query

EDITABLE_FIELDS = ("date", "end_date", "summary", "status", "attribution", "graphic", "hidden")


# (event id, source id, excerpt, start, end), as `citations` stores them.
CitationRow = tuple[int, int, str, int, int]


def citation_rows(
    event_id: int, source_id: int, source_text: str, draft: NewEvent
) -> list[CitationRow]:
    """A draft's citations as rows; offsets outside the article are refused."""
    rows = []
    for start, end in draft.citations:
        if not 0 <= start < end <= len(source_text):
            raise ValueError(f"citation offsets {start}..{end} outside the article")
        rows.append((event_id, source_id, source_text[start:end], start, end))
    return rows


BY_DATE = "date, id"  # the timeline's order
NEXT_EVENT_ID = next_id_sql("events")
SEARCH_WINDOW = 500  # most recent matches a search ranks by where they match (see search_ids)


@dataclass(frozen=True)
class SearchResult:
    ids: tuple[int, ...]  # best first
    broad: bool  # more than SEARCH_WINDOW matches: the newest first, summaries not preferred
    matches: int  # visible events that match; for a broad search, the ids' count


# How many visible events, from which date to which (`EventRepo.span`).
Span = tuple[int, str | None, str | None]

# Timeline order: an event's key is its (date, id).
EventKey = tuple[str, int]


@dataclass(frozen=True)
class EventScope:
    """Which events a list shows: a date range (ISO prefixes), places, or one article."""

    date_from: str | None = None
    date_to: str | None = None
    place_ids: tuple[int, ...] = ()
    source_id: int | None = None


# A compound SELECT has at most 500 parts in SQLite; a scope of more places than this
# (a region holding hundreds) is read the general way.
MAX_PLACE_ARMS = 200


def _only_places(scope: EventScope) -> bool:
    """Whether `scope` is just places, few enough to read each one's index."""
    return (
        0 < len(scope.place_ids) <= MAX_PLACE_ARMS
        and not (scope.date_from or scope.date_to)
        and scope.source_id is None
    )


def _conditions(
    scope: EventScope, include_hidden: bool, *, with_from: bool = True, with_to: bool = True
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) selecting `scope`'s events (without the
    range's start when `with_from` is False: `_from_arms` says it in indexable parts;
    without its end when `with_to` is False: a page's key says it)."""
    where: list[str] = ["hidden = 0"] if not include_hidden else ["1"]
    params: list[Any] = []
    if scope.date_from and with_from:
        # An event overlaps the range when it does not end before it starts, compared at
        # the event's own precision: "2021" and "2021-10" both overlap "from 2021-10-05".
        # Appending "~" (after every digit and "-") to its last date says exactly that.
        where.append("coalesce(end_date, date) || '~' >= ?")
        params.append(scope.date_from)
    if scope.date_to and with_to:
        # Starts no later than the range's end, at the range's precision.
        where.append("date <= ?")
        params.append(scope.date_to + "~")
    if scope.place_ids:
        marks = ",".join("?" * len(scope.place_ids))
        where.append(f"id IN (SELECT event_id FROM event_places WHERE place_id IN ({marks}))")
        params.extend(scope.place_ids)
    if scope.source_id is not None:
        where.append("id IN (SELECT event_id FROM citations WHERE source_id = ?)")
        params.append(scope.source_id)
    return " AND ".join(where), params


def _from_arms(
    date_from: str | None, after: EventKey | None = None
) -> list[tuple[str, str, list[Any]]]:
    """Disjoint conditions that together select the events overlapping a range starting at
    `date_from` (and, given `after`, following that key), each answerable from an index:
    events starting on or after it; events dated by its year or month ("2021" overlaps
    "from 2021-10-05"); and spans that start before it and end after (few, read by their
    end)."""
    key, key_params = ("(date, id) > (?, ?)", list(after)) if after else ("1", [])
    if not date_from:
        return [("events", key, key_params)]
    ends_after = "(end_date IS NULL OR end_date || '~' >= ?)"
    # The first arm starts at the range's start or after the key, whichever is later, and
    # says only that one: given both, SQLite bounded the date index by the range's start
    # and walked every event from there to the key (37 ms for page 2 of '/timeline
    # 2021-10' at a million events, whose page 1 ended with a span begun in 2020).
    if after is not None and after[0] >= date_from:
        arms = [("events", f"{key} AND {ends_after}", [*key_params, date_from])]
    else:  # events from the range's start on all follow a key dated before it
        arms = [("events", f"date >= ? AND {ends_after}", [date_from, date_from])]
    prefixes = [date_from[:n] for n in (4, 7) if n < len(date_from)]
    marks = ",".join("?" * len(prefixes))
    if prefixes:
        arms.append(
            (
                "events",
                f"date IN ({marks}) AND {key} AND {ends_after}",
                [*prefixes, *key_params, date_from],
            )
        )
    # A span reaching `date_from` ends in its year or later: the indexable bound.
    spans = f"end_date >= ? AND date < ? AND end_date || '~' >= ? AND {key}"
    spans_params: list[Any] = [date_from[:4], date_from, date_from, *key_params]
    if prefixes:
        spans += f" AND date NOT IN ({marks})"
        spans_params.extend(prefixes)
    # Named, or the planner walks every earlier event in date order instead.
    arms.append(("events INDEXED BY events_spans", spans, spans_params))
    return arms


class EventRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.places = PlaceRepo(db)
        self.people = PersonRepo(db)
        self._spans: tuple[int, tuple[Span, Span]] | None = None  # (version, (news, history))

    # --- writing (inside the caller's transaction) --------------------------------

    async def add(
        self, conn: aiosqlite.Connection, source_id: int, source_text: str, draft: NewEvent
    ) -> int:
        """Insert a new event with its citations into `source_id`; returns its id."""
        event_id = await self.insert(conn, draft)
        await self.attach(conn, event_id, source_id, source_text, draft, touch=False)
        return event_id

    async def insert(self, conn: aiosqlite.Connection, draft: NewEvent) -> int:
        """Insert the event's own row only (no citations, places or people); returns its id."""
        _check_status(draft)
        now = utc_now()
        cursor = await conn.execute(
            "INSERT INTO events (id, date, end_date, summary, status, attribution, graphic,"
            f" created_at, updated_at) VALUES ({NEXT_EVENT_ID}, ?, ?, ?, ?, ?, ?, ?, ?)",
            _event_row(draft, now),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def next_id(self, conn: aiosqlite.Connection) -> int:
        """The id the next event gets (never one a deleted event had: store/ids.py): a
        writer holding the write lock can decide on new events' ids before writing them
        (`add_many`)."""
        rows = await conn.execute_fetchall(f"SELECT {NEXT_EVENT_ID}")
        return int(list(rows)[0][0])

    async def add_many(
        self,
        conn: aiosqlite.Connection,
        drafts: list[tuple[int, NewEvent]],
        citations: list[CitationRow],
    ) -> None:
        """Insert new events' own rows with the ids given (from `next_id` on), and citation
        rows (`citation_rows`) for them or for stored events, in order (duplicates are
        ignored). Each event's search document is written once: a new one with its
        excerpts (migration 0010), a stored one rebuilt."""
        for _, draft in drafts:
            _check_status(draft)
        if not drafts and not citations:
            return
        now = utc_now()
        new = {event_id for event_id, _ in drafts}
        rows = await conn.execute_fetchall("SELECT coalesce(max(id), 0) FROM citations")
        last_before = int(list(rows)[0][0])
        async with self._search_batch(conn):
            await conn.executemany(
                "INSERT INTO events (id, date, end_date, summary, status, attribution,"
                " graphic, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(event_id, *_event_row(draft, now)) for event_id, draft in drafts],
            )
            await self._insert_citations(conn, citations)
            await conn.executemany(
                "INSERT INTO event_search (rowid, summary, excerpts) SELECT id, summary, "
                + SEARCHED_EXCERPTS_OF.format(event="?")
                + " FROM events WHERE id = ?",
                [(event_id, event_id) for event_id, _ in drafts],
            )
            cited = dict.fromkeys(row[0] for row in citations)
            await self._rebuild_excerpts(conn, [i for i in cited if i not in new], last_before)

    async def attach(
        self,
        conn: aiosqlite.Connection,
        event_id: int,
        source_id: int,
        source_text: str,
        draft: NewEvent,
        *,
        touch: bool = True,
    ) -> None:
        """Add a draft's citations, places and people to an existing event (a merge)."""
        await self.add_many(conn, [], citation_rows(event_id, source_id, source_text, draft))
        await self.link_places(conn, [(event_id, place) for place in draft.places])
        await self.link_person_ids(
            conn, [(event_id, await self.people.ensure(conn, person)) for person in draft.people]
        )
        if touch:
            await self.touch(conn, [event_id])

    # The pieces of `attach`, for a writer that collects one article's links and sends
    # each kind in one statement (executemany) instead of a round trip per row.

    @asynccontextmanager
    async def _search_batch(self, conn: aiosqlite.Connection) -> AsyncIterator[None]:
        """While inside, the search triggers on new events and citations stand aside
        (migrations 0007, 0010): the writer keeps the search documents current itself."""
        await conn.execute("INSERT INTO search_batch (id) VALUES (1)")
        try:
            yield
        finally:
            await conn.execute("DELETE FROM search_batch")

    async def _insert_citations(self, conn: aiosqlite.Connection, rows: list[CitationRow]) -> None:
        await conn.executemany(
            "INSERT OR IGNORE INTO citations (event_id, source_id, excerpt, start_offset,"
            " end_offset) VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    async def _rebuild_excerpts(
        self, conn: aiosqlite.Connection, event_ids: list[int], last_before: int
    ) -> None:
        """Rewrite stored events' search documents from their citations, those whose
        searched excerpts (migration 0015) were not all there before citation
        `last_before + 1`: the others' documents do not change."""
        await conn.executemany(
            "UPDATE event_search SET excerpts = "
            + SEARCHED_EXCERPTS_OF.format(event="?")
            + " WHERE rowid = ? AND (SELECT count(*) FROM (SELECT 1 FROM citations"
            " WHERE event_id = ? AND id <= ? LIMIT ?)) < ?",
            [
                (event_id, event_id, event_id, last_before, SEARCHED_EXCERPTS, SEARCHED_EXCERPTS)
                for event_id in event_ids
            ],
        )

    async def link_places(
        self, conn: aiosqlite.Connection, links: list[tuple[int, PlaceRef]]
    ) -> None:
        """Tie events to places (created, with their aliases, when new), in order."""
        if not links:
            return
        ids = await self.places.ensure_many(conn, [place for _, place in links])
        await conn.executemany(
            "INSERT OR IGNORE INTO event_places (event_id, place_id) VALUES (?, ?)",
            list(dict.fromkeys((event_id, ids[place.name]) for event_id, place in links)),
        )

    async def link_person_ids(
        self, conn: aiosqlite.Connection, links: list[tuple[int, int]]
    ) -> None:
        """Tie events to people already stored: (event id, person id) pairs."""
        if links:
            await conn.executemany(
                "INSERT OR IGNORE INTO event_people (event_id, person_id) VALUES (?, ?)", links
            )

    async def update_many(
        self, conn: aiosqlite.Connection, changes: list[tuple[int, dict[str, Any]]]
    ) -> None:
        """`update` for many events, one statement per set of columns changed (the
        triggers on a column fire only when it is set), in order within each set."""
        by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        now = utc_now()
        for event_id, fields in changes:
            _check_editable(fields)
            if fields:
                by_columns.setdefault(tuple(fields), []).append((*fields.values(), now, event_id))
        for columns, rows in by_columns.items():
            assignments = ", ".join(f"{name} = ?" for name in columns)
            await conn.executemany(
                f"UPDATE events SET {assignments}, updated_at = ? WHERE id = ?", rows
            )

    async def touch(self, conn: aiosqlite.Connection, event_ids: list[int]) -> None:
        """Mark events as changed now."""
        now = utc_now()
        await conn.executemany(
            "UPDATE events SET updated_at = ? WHERE id = ?", [(now, i) for i in event_ids]
        )

    async def update(self, conn: aiosqlite.Connection, event_id: int, **fields: Any) -> None:
        """Change editable columns of one event and mark it updated."""
        _check_editable(fields)
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        cursor = await conn.execute(
            f"UPDATE events SET {assignments}, updated_at = ? WHERE id = ?",
            (*fields.values(), utc_now(), event_id),
        )
        if cursor.rowcount == 0:
            raise NotFound(f"no event {event_id}")

    async def set_places(
        self, conn: aiosqlite.Connection, event_id: int, place_ids: Sequence[int]
    ) -> None:
        await conn.execute("DELETE FROM event_places WHERE event_id = ?", (event_id,))
        for place_id in place_ids:
            await conn.execute(
                "INSERT INTO event_places (event_id, place_id) VALUES (?, ?)",
                (event_id, place_id),
            )
        await conn.execute("UPDATE events SET updated_at = ? WHERE id = ?", (utc_now(), event_id))

    async def delete(self, conn: aiosqlite.Connection, event_id: int) -> None:
        await conn.execute("DELETE FROM events WHERE id = ?", (event_id,))

    # --- reading --------------------------------------------------------------------

    async def get(self, event_id: int, *, include_hidden: bool = True) -> Event:
        events = await self._load(
            "SELECT * FROM events WHERE id = ?" + ("" if include_hidden else " AND hidden = 0"),
            (event_id,),
        )
        if not events:
            raise NotFound(f"no event {event_id}")
        return events[0]

    async def timeline(
        self,
        date_from: str | None = None,
        date_to: str | None = None,
        *,
        place_ids: Sequence[int] = (),
        source_id: int | None = None,
        include_hidden: bool = False,
    ) -> list[Event]:
        """Every event in date order, optionally within [date_from, date_to] (ISO prefixes),
        at any of `place_ids`, or cited from `source_id` (for exports and evaluation; chat
        answers read one page at a time with `page`)."""
        scope = EventScope(date_from, date_to, tuple(place_ids), source_id)
        where, params = _conditions(scope, include_hidden)
        return await self._load(f"SELECT * FROM events WHERE {where}", params, order=BY_DATE)

    async def page(
        self,
        scope: EventScope,
        *,
        after: EventKey | None = None,
        before: EventKey | None = None,
        limit: int,
    ) -> list[Event]:
        """Up to `limit` visible events of `scope` in date order: the first ones, those
        right after the `after` key, or those right before the `before` key. Read by
        keyset on an index, so a deep page costs what the first one does."""
        if _only_places(scope):
            ids = await self._place_page_ids(scope.place_ids, after, before, limit)
            return sorted(await self._by_ids(ids), key=lambda e: (e.date, e.id))
        # A page before a key is bounded above by the key or by the range's end, whichever
        # is earlier, and says only that one: given both, SQLite walked the date index
        # down from the range's end to the key (36 ms for ◀ in '/timeline 2019 2020').
        upper_key = before is not None and (
            scope.date_to is None or before[0] < scope.date_to + "~"
        )
        where, params = _conditions(
            scope, include_hidden=False, with_from=False, with_to=not upper_key
        )
        order = BY_DATE
        if upper_key:
            assert before is not None
            where += " AND (date, id) < (?, ?)"
            params.extend(before)
        if before is not None:
            order = "date DESC, id DESC"
        parts, all_params = [], []
        for table, arm, arm_params in _from_arms(scope.date_from, after):
            parts.append(
                f"SELECT * FROM (SELECT * FROM {table} WHERE {where} AND {arm}"
                f" ORDER BY {order} LIMIT ?)"
            )
            all_params.extend([*params, *arm_params, limit])
        events = await self._load(
            " UNION ALL ".join(parts) + f" ORDER BY {order} LIMIT ?",
            [*all_params, limit],
            order=order,
        )
        return events[::-1] if before is not None else events

    async def _place_page_ids(
        self,
        place_ids: Sequence[int],
        after: EventKey | None,
        before: EventKey | None,
        limit: int,
    ) -> list[int]:
        """Ids of a page of the events at any of `place_ids`: each place's own index gives
        its next `limit`, and the page is the first `limit` distinct of them all."""
        arms: list[str] = []
        params: list[object] = []
        key, compare, order = after, ">", "event_date, event_id"
        if before is not None:
            key, compare, order = before, "<", "event_date DESC, event_id DESC"
        for place_id in place_ids:
            where = "place_id = ? AND visible = 1"
            params.append(place_id)
            if key is not None:
                where += f" AND (event_date, event_id) {compare} (?, ?)"
                params.extend(key)
            arms.append(
                f"SELECT * FROM (SELECT event_id, event_date FROM event_places WHERE {where}"
                f" ORDER BY {order} LIMIT ?)"
            )
            params.append(limit)
        rows = await self.db.fetchall(
            " UNION ".join(arms) + f" ORDER BY {order} LIMIT ?", (*params, limit)
        )
        return [row[0] for row in rows]

    async def count(self, scope: EventScope, *, cap: int) -> int:
        """How many visible events `scope` holds, counting no further than `cap` (an exact
        count of a million rows takes longer than a reader should wait)."""
        if _only_places(scope):
            marks = ",".join("?" * len(scope.place_ids))
            value = await self.db.scalar(
                "SELECT count(*) FROM (SELECT DISTINCT event_id FROM event_places"
                f" WHERE place_id IN ({marks}) AND visible = 1 LIMIT ?)",
                (*scope.place_ids, cap),
            )
            return int(value or 0)
        where, params = _conditions(scope, include_hidden=False, with_from=False)
        counts, all_params = [], []
        for table, arm, arm_params in _from_arms(scope.date_from):
            counts.append(
                f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} AND {arm} LIMIT ?))"
            )
            all_params.extend([*params, *arm_params, cap])
        counted = await self.db.scalar("SELECT " + " + ".join(counts), all_params)
        return min(int(counted or 0), cap)

    async def span(self, *, background: bool) -> Span:
        """(count, first date, last date) of the visible background history, or of the
        rest (the news). Kept until the briefing's tables change: counting a million
        events took 50 ms, and every reader's /start asks."""
        version = await self.db.data_version(BRIEFING)
        if self._spans is None or self._spans[0] != version:
            self._spans = (version, await self._read_spans())
        news, history = self._spans[1]
        return history if background else news

    async def _read_spans(self) -> tuple[Span, Span]:
        """The news's span and the background's, read from indexes: the news as all
        visible events but the background, their extremes by walking the date index from
        either end."""
        background_row = await self.db.fetchone(
            "SELECT count(*), min(date), max(coalesce(end_date, date)) FROM events"
            " WHERE hidden = 0 AND status = 'background'"
        )
        assert background_row is not None
        history = int(background_row[0]), background_row[1], background_row[2]
        # All events less the hidden ones: both counted from an index alone (the smallest
        # index, and the hidden events' own), where counting the visible ones read each
        # event's row: 11 ms at a million events instead of 35, after every change.
        total = int(
            await self.db.scalar(
                "SELECT (SELECT count(*) FROM events)"
                " - (SELECT count(*) FROM events WHERE hidden = 1)"
            )
            or 0
        )
        news = "hidden = 0 AND status != 'background'"
        first = await self.db.scalar(
            f"SELECT date FROM events WHERE {news} ORDER BY date, id LIMIT 1"
        )
        last_start = await self.db.scalar(
            f"SELECT date FROM events WHERE {news} ORDER BY date DESC, id DESC LIMIT 1"
        )
        last_end = await self.db.scalar(
            f"SELECT max(end_date) FROM events WHERE {news} AND end_date IS NOT NULL"
        )
        last = max((d for d in (last_start, last_end) if d), default=None)
        return (total - history[0], first, last), history

    async def by_ids(self, ids: Sequence[int]) -> list[Event]:
        """The visible events with these ids, in the order of `ids`."""
        found = {e.id: e for e in await self._by_ids(ids)}
        return [found[i] for i in ids if i in found]

    async def search_ids(self, words: str, limit: int = 50) -> SearchResult:
        """Ids of visible events matching every word, best match first.

        A narrow search (at most SEARCH_WINDOW matches) lists the events whose summary
        holds every word first, then those holding some only in their excerpts, each part
        the most recently stored first. (It was ranked by bm25, whose weight for a word
        counts every event holding it: a rare word beside a common one ("Omsk in") took
        40-60 ms at a million events, for at most 500 matches.) A broad search lists the
        most recently stored matches first: for so broad a search recency serves a reader
        better than any ranking."""
        query = fts_query(words)
        if not query:
            return SearchResult((), broad=False, matches=0)
        newest = await self.db.fetchall(
            "SELECT rowid FROM event_search WHERE event_search MATCH ?"
            " ORDER BY rowid DESC LIMIT ?",
            (query, SEARCH_WINDOW + 1),
        )
        if not newest:  # (and an empty list is no list of ids to look up)
            return SearchResult((), broad=False, matches=0)
        if len(newest) > SEARCH_WINDOW:
            ids = await self._visible_ids([row[0] for row in newest[: limit * 2]])
            return SearchResult(tuple(ids[:limit]), broad=True, matches=len(ids[:limit]))
        ids = await self._visible_ids([row[0] for row in newest])
        # Bounded by the matches just read: a summary holding the words is a match.
        in_summary = {
            row[0]
            for row in await self.db.fetchall(
                "SELECT rowid FROM event_search WHERE event_search MATCH ?",
                (f"{{summary}} : ({query})",),
            )
        }
        ranked = [i for i in ids if i in in_summary] + [i for i in ids if i not in in_summary]
        return SearchResult(tuple(ranked[:limit]), broad=False, matches=len(ids))

    async def _visible_ids(self, ids: Sequence[int]) -> list[int]:
        """The ids among `ids` (of stored events) that are not hidden, in their order. Read
        from the small index of hidden events: the events' own rows lie all over a large
        file, and reading a hundred of them from disk took longer than a reader should wait."""
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT id FROM events INDEXED BY events_hidden WHERE hidden = 1 AND id IN ({marks})",
            tuple(ids),
        )
        hidden = {row[0] for row in rows}
        return [i for i in ids if i not in hidden]

    async def search(self, words: str, limit: int = 50) -> list[Event]:
        """The events `search_ids` finds, best match first."""
        return await self.by_ids((await self.search_ids(words, limit)).ids)

    async def latest(self, limit: int = 10) -> list[Event]:
        """Events most recently added or changed, newest first."""
        newest = "updated_at DESC, id DESC"
        return await self._load(
            f"SELECT * FROM events WHERE hidden = 0 ORDER BY {newest} LIMIT ?",
            (limit,),
            order=newest,
        )

    async def changed_since(self, timestamp: str | None) -> list[Event]:
        """Visible events added or changed after `timestamp` (all when None), by date."""
        if timestamp is None:
            return await self._load("SELECT * FROM events WHERE hidden = 0", order=BY_DATE)
        return await self._load(
            "SELECT * FROM events WHERE hidden = 0 AND updated_at > ?", (timestamp,), order=BY_DATE
        )

    async def changed_last_between(
        self, since: str | None, until: str, limit: int
    ) -> tuple[int, list[Event]]:
        """(how many visible events changed in [since, until), the `limit` of them changed
        last, by date): a digest lists a few, and a window holding a large import must not
        read every event it changed."""
        window, params = "hidden = 0 AND updated_at < ?", [until]
        if since is not None:
            window, params = f"{window} AND updated_at >= ?", [until, since]
        count = await self.db.scalar(f"SELECT count(*) FROM events WHERE {window}", params)
        events = await self._load(
            f"SELECT * FROM events WHERE {window} ORDER BY updated_at DESC, id DESC LIMIT ?",
            [*params, limit],
            order=BY_DATE,
        )
        return int(count or 0), events

    async def all(self, *, include_hidden: bool = False) -> list[Event]:
        return await self.timeline(include_hidden=include_hidden)

    async def for_matching(
        self, excerpts: int, basis: int | None, size: int = 5_000
    ) -> AsyncIterator[list[EventToMatch]]:
        """Every event, hidden ones too, `size` at a time in id order, as the merge index
        keeps it: a large briefing is never held whole, and of its citations only their
        number and the first `excerpts` excerpts are read, not every citation as an object.
        An event whose words were kept under `basis` (`keep_match_words`) comes with them
        instead of its summary and excerpts. Read inside a transaction for one consistent
        state."""
        last = 0
        while rows := await self.db.fetchall(FOR_MATCHING, (basis, excerpts, last, size)):
            yield [_to_match(row) for row in rows]
            last = rows[-1]["id"]

    async def keep_match_words(
        self, conn: aiosqlite.Connection, basis: int, words: Sequence[tuple[int, str]]
    ) -> None:
        """Keep events' words, as computed under `basis` from what `for_matching` read, for
        the next read (the table's triggers drop a row when its event's summary or citations
        change). An event that is gone meanwhile is left out."""
        await conn.executemany(
            "INSERT INTO match_words (event_id, basis, words)"
            " SELECT id, ?, ? FROM events WHERE id = ?"
            " ON CONFLICT (event_id) DO UPDATE SET basis = excluded.basis, words = excluded.words",
            [(basis, text, event_id) for event_id, text in words],
        )

    async def _by_ids(self, ids: Sequence[int]) -> list[Event]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return await self._load(
            f"SELECT * FROM events WHERE hidden = 0 AND id IN ({marks})", tuple(ids)
        )

    async def _load(self, sql: str, params: Sequence[Any] = (), *, order: str = "") -> list[Event]:
        """The events `sql` selects (whole rows of `events`), each with its places, people
        and citations, in one read (each read is a trip to the connection's thread), in
        `order`: an ORDER BY inside `sql` does not bind the outer query."""
        rows = await self.db.fetchall(
            f"SELECT e.*, {_DETAILS} FROM ({sql}) AS e" + (f" ORDER BY {order}" if order else ""),
            params,
        )
        return [_event(row) for row in rows]


# An event's places, people and citations as JSON arrays, read beside the event's row.
_DETAILS = """
(SELECT json_group_array(p.name) FROM event_places ep JOIN places p ON p.id = ep.place_id
 WHERE ep.event_id = e.id) AS place_names,
(SELECT json_group_array(p.name) FROM event_people ep JOIN people p ON p.id = ep.person_id
 WHERE ep.event_id = e.id) AS person_names,
(SELECT json_group_array(json_array(c.id, c.source_id, c.excerpt, c.start_offset, c.end_offset))
 FROM citations c WHERE c.event_id = e.id) AS citation_rows
"""


def _check_editable(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")


def _check_status(draft: NewEvent) -> None:
    if draft.status not in STATUSES:
        raise ValueError(f"unknown status {draft.status!r}")


def _event_row(draft: NewEvent, now: str) -> tuple[Any, ...]:
    """An event's columns from date to updated_at, as `events` stores them."""
    return (
        draft.date,
        draft.end,
        draft.summary,
        draft.status,
        draft.attribution,
        int(draft.graphic),
        now,
        now,
    )


def _citations(event_id: int, encoded: str) -> tuple[Citation, ...]:
    """The citations of `_DETAILS`, by article and place in it."""
    found = [
        Citation(
            id=citation_id,
            event_id=event_id,
            source_id=source_id,
            excerpt=excerpt,
            start=start,
            end=end,
        )
        for citation_id, source_id, excerpt, start, end in json.loads(encoded)
    ]
    return tuple(sorted(found, key=lambda c: (c.source_id, c.start, c.id)))


class EventToMatch(NamedTuple):
    """What merging compares a draft with (ingest/merge.py)."""

    id: int
    date: str
    end: str | None
    status: str
    graphic: bool
    places: tuple[str, ...]  # names, sorted as SQLite sorts text
    people: tuple[str, ...]
    cited: int  # distinct (article, start, end) spans among its citations
    excerpts: tuple[str, ...]  # its first, by citation id; () when `words` are given
    summary: str  # "" when `words` are given
    words: str | None  # its words as kept (space-separated), or None: find them in the rest


# An event whose words are kept skips reading its summary and excerpts (SQLite evaluates
# only the CASE branch taken). Part of the merge's `words_basis`: which excerpts are read
# decides the words.
FOR_MATCHING = """
SELECT e.id, e.date, e.end_date, e.status, e.graphic, m.words,
CASE WHEN m.words IS NULL THEN e.summary END AS summary,
(SELECT json_group_array(p.name) FROM event_places ep JOIN places p ON p.id = ep.place_id
 WHERE ep.event_id = e.id) AS place_names,
(SELECT json_group_array(p.name) FROM event_people ep JOIN people p ON p.id = ep.person_id
 WHERE ep.event_id = e.id) AS person_names,
(SELECT count(*) FROM (SELECT DISTINCT source_id, start_offset, end_offset FROM citations
 WHERE event_id = e.id)) AS cited,
CASE WHEN m.words IS NULL THEN (SELECT json_group_array(excerpt) FROM (SELECT excerpt
 FROM citations WHERE event_id = e.id ORDER BY id LIMIT ?2)) END AS excerpts
FROM events e LEFT JOIN match_words m ON m.event_id = e.id AND m.basis = ?1
WHERE e.id > ?3 ORDER BY e.id LIMIT ?4
"""


@lru_cache(maxsize=65536)  # events share their places and people: decoded once each
def _names(encoded: str) -> tuple[str, ...]:
    """Names from a JSON array, sorted as SQLite sorts text."""
    return tuple(sorted(json.loads(encoded)))


def _to_match(row: sqlite3.Row) -> EventToMatch:
    return EventToMatch(
        row["id"],
        row["date"],
        row["end_date"],
        row["status"],
        bool(row["graphic"]),
        _names(row["place_names"]),
        _names(row["person_names"]),
        row["cited"],
        tuple(json.loads(row["excerpts"])) if row["excerpts"] is not None else (),
        row["summary"] or "",
        row["words"],
    )


def _event(row: sqlite3.Row) -> Event:
    """An event read with `_DETAILS`; names sorted as SQLite sorts text (by code point)."""
    return Event(
        id=row["id"],
        date=row["date"],
        end=row["end_date"],
        summary=row["summary"],
        status=row["status"],
        attribution=row["attribution"],
        graphic=bool(row["graphic"]),
        hidden=bool(row["hidden"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        places=tuple(sorted(json.loads(row["place_names"]))),
        people=tuple(sorted(json.loads(row["person_names"]))),
        citations=_citations(row["id"], row["citation_rows"]),
    )
