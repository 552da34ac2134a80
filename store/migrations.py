"""Named, ordered schema steps. Each runs in one transaction together with its record,
so applying them twice is a no-op and a crash leaves either all of a step or none.
Append new steps at the end; never edit one that has shipped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.db import utc_now
from store.errors import StoreOutdated, StoreUnavailable

if TYPE_CHECKING:
    from store.db import Database

INITIAL_SCHEMA = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    outlet TEXT,
    title TEXT,
    url TEXT,
    file TEXT,
    published TEXT,
    published_inferred INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    added_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sources_url ON sources(url) WHERE url IS NOT NULL;

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    precision TEXT GENERATED ALWAYS AS
        (CASE length(date) WHEN 4 THEN 'year' WHEN 7 THEN 'month' ELSE 'day' END) VIRTUAL,
    end_date TEXT,
    summary TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'reported'
        CHECK (status IN ('reported', 'confirmed', 'alleged', 'unverified', 'background')),
    attribution TEXT,
    graphic INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX events_date ON events(date);
CREATE INDEX events_updated ON events(updated_at);

CREATE TABLE citations (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    excerpt TEXT NOT NULL,
    start_offset INTEGER NOT NULL CHECK (start_offset >= 0),
    end_offset INTEGER NOT NULL CHECK (end_offset > start_offset),
    UNIQUE (event_id, source_id, start_offset, end_offset)
);
CREATE INDEX citations_source ON citations(source_id);

CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('region', 'city', 'facility')),
    region TEXT
);
CREATE TABLE place_aliases (
    place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    PRIMARY KEY (place_id, alias)
);
CREATE INDEX place_aliases_alias ON place_aliases(alias);
CREATE TABLE event_places (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, place_id)
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'organisation'))
);
CREATE TABLE person_aliases (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    PRIMARY KEY (person_id, alias)
);
CREATE INDEX person_aliases_alias ON person_aliases(alias);
CREATE TABLE event_people (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, person_id)
);

CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    title TEXT,
    username TEXT,
    timezone TEXT,
    graphic INTEGER NOT NULL DEFAULT 0,
    send_empty_digest INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE subscriptions (
    chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    active INTEGER NOT NULL DEFAULT 1,
    paused_reason TEXT,
    last_digest_at TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE digest_schedules (
    chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    weekday INTEGER CHECK (weekday BETWEEN 0 AND 6),
    time_of_day TEXT NOT NULL,
    timezone TEXT NOT NULL,
    configured_by INTEGER,
    last_run_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE deliveries (
    chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    period TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'empty', 'failed', 'paused')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, period)
);

CREATE TABLE maintainers (
    user_id INTEGER PRIMARY KEY,
    added_by INTEGER NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor INTEGER NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT,
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_log_actor ON audit_log(actor, id);
"""

# The search index: one row per event (rowid = event id) holding its summary and the
# text of all its excerpts, kept current by triggers so no writer can forget it.
SEARCH_INDEX = """
CREATE VIRTUAL TABLE event_search USING fts5(
    summary, excerpts, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER events_search_insert AFTER INSERT ON events BEGIN
    INSERT INTO event_search(rowid, summary, excerpts) VALUES (new.id, new.summary, '');
END;
CREATE TRIGGER events_search_update AFTER UPDATE OF summary ON events BEGIN
    UPDATE event_search SET summary = new.summary WHERE rowid = new.id;
END;
CREATE TRIGGER events_search_delete AFTER DELETE ON events BEGIN
    DELETE FROM event_search WHERE rowid = old.id;
END;
CREATE TRIGGER citations_search_insert AFTER INSERT ON citations BEGIN
    UPDATE event_search SET excerpts = (
        SELECT group_concat(excerpt, ' ') FROM citations WHERE event_id = new.event_id
    ) WHERE rowid = new.event_id;
END;
CREATE TRIGGER citations_search_delete AFTER DELETE ON citations BEGIN
    UPDATE event_search SET excerpts = coalesce((
        SELECT group_concat(excerpt, ' ') FROM citations WHERE event_id = old.event_id
    ), '') WHERE rowid = old.event_id;
END;
CREATE TRIGGER citations_search_update AFTER UPDATE ON citations BEGIN
    UPDATE event_search SET excerpts = coalesce((
        SELECT group_concat(excerpt, ' ') FROM citations WHERE event_id = old.event_id
    ), '') WHERE rowid = old.event_id;
    UPDATE event_search SET excerpts = coalesce((
        SELECT group_concat(excerpt, ' ') FROM citations WHERE event_id = new.event_id
    ), '') WHERE rowid = new.event_id;
END;
"""

# Maintainers' changes: the row sets an audit entry's snapshots cover (so undo can check
# nothing else changed them since), and the keep/undo decision on each added story.
MAINTAINER_AUDIT = """
ALTER TABLE audit_log ADD COLUMN scope TEXT;
CREATE INDEX audit_log_target ON audit_log(target);
CREATE TABLE story_reviews (
    audit_id INTEGER PRIMARY KEY REFERENCES audit_log(id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL,
    actor INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'kept', 'undone')),
    decided_at TEXT
);
"""

# Digest delivery: each (chat, period) row keeps the exact message parts it will send and how
# many Telegram has accepted, so a run resumed after a crash sends the rest and nothing twice.
# `since`/`cutoff` bound the digest's window [since, cutoff) of event changes.
DIGEST_DELIVERY = """
ALTER TABLE deliveries ADD COLUMN since TEXT;
ALTER TABLE deliveries ADD COLUMN cutoff TEXT;
ALTER TABLE deliveries ADD COLUMN parts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE deliveries ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_status ON deliveries(status);
"""

# Commands behind inline buttons (pagination, "did you mean"), see store/callbacks.py.
CALLBACK_COMMANDS = """
CREATE TABLE callback_commands (
    token TEXT PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    command TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX callback_commands_created ON callback_commands(created_at);
"""


def _count_writes(table: str, counter: str, trigger_suffix: str = "version") -> str:
    """Triggers that add one to data_versions[counter] on every write to `table`, so a
    process keeping what it read from `table` in memory knows when it changed."""
    return "".join(
        f"CREATE TRIGGER {table}_{op.lower()}_{trigger_suffix} AFTER {op} ON {table} BEGIN\n"
        f"    UPDATE data_versions SET version = version + 1 WHERE name = '{counter}';\n"
        "END;\n"
        for op in ("INSERT", "UPDATE", "DELETE")
    )


# Pages of a list are read by keyset ("the next 4 after this date and id"), so each list's
# order has an index to walk: visible events by date, sources by date, and a place's
# visible events by date. For the last, event_places carries a copy of its event's date
# and visibility, kept by triggers whatever writes events or their places. /facility
# matches every place name; data_versions tells when the places it keeps in memory changed.
PAGE_INDEXES = (
    """
CREATE INDEX events_visible ON events(date, id) WHERE hidden = 0;
CREATE INDEX sources_listed ON sources(coalesce(published, '~'), id);
ALTER TABLE event_places ADD COLUMN event_date TEXT;
ALTER TABLE event_places ADD COLUMN visible INTEGER NOT NULL DEFAULT 1;
UPDATE event_places SET
    event_date = (SELECT date FROM events WHERE id = event_id),
    visible = (SELECT hidden = 0 FROM events WHERE id = event_id);
CREATE INDEX event_places_timeline ON event_places(place_id, event_date, event_id)
    WHERE visible = 1;
CREATE TRIGGER event_places_copy_event AFTER INSERT ON event_places BEGIN
    UPDATE event_places SET
        event_date = (SELECT date FROM events WHERE id = new.event_id),
        visible = coalesce((SELECT hidden = 0 FROM events WHERE id = new.event_id), 1)
    WHERE event_id = new.event_id AND place_id = new.place_id;
END;
CREATE TRIGGER events_insert_copy_to_places AFTER INSERT ON events BEGIN
    UPDATE event_places SET event_date = new.date, visible = (new.hidden = 0)
    WHERE event_id = new.id;
END;
CREATE TRIGGER events_update_copy_to_places AFTER UPDATE OF date, hidden ON events BEGIN
    UPDATE event_places SET event_date = new.date, visible = (new.hidden = 0)
    WHERE event_id = new.id;
END;
CREATE TABLE data_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO data_versions (name, version) VALUES ('places', 0);
"""
    + _count_writes("places", "places")
    + _count_writes("place_aliases", "places")
)

# A range's spans (events with an end) are read by their end; /start reads counts and
# extremes from indexes, not by reading every event and article; each place's count of
# events (/facilities) is kept in memory until event_places changes (hiding an event
# changes its copy there too).
OVERVIEW_INDEXES = """
CREATE INDEX events_spans ON events(end_date) WHERE end_date IS NOT NULL AND hidden = 0;
CREATE INDEX events_status ON events(status, date, end_date) WHERE hidden = 0;
CREATE INDEX sources_outlet ON sources(outlet);
INSERT INTO data_versions (name, version) VALUES ('event_places', 0);
""" + _count_writes("event_places", "event_places")

# The citations trigger rebuilds an event's whole search document for every citation
# inserted, so an event cited by many articles cost more with every article. A writer that
# inserts many citations at once (`EventRepo.add_many`) marks the batch in
# `search_batch`, during which the trigger stands aside, and rebuilds each event's document
# once; any other writer still gets the trigger.
SEARCH_BATCH = """
CREATE TABLE search_batch (id INTEGER PRIMARY KEY CHECK (id = 1));
DROP TRIGGER citations_search_insert;
CREATE TRIGGER citations_search_insert AFTER INSERT ON citations
WHEN NOT EXISTS (SELECT 1 FROM search_batch) BEGIN
    UPDATE event_search SET excerpts = (
        SELECT group_concat(excerpt, ' ') FROM citations WHERE event_id = new.event_id
    ) WHERE rowid = new.event_id;
END;
"""

# A chat's recent token for a command is looked up before a new one is made
# (store/callbacks.py), so that a reply needs no write.
CALLBACK_REUSE = """
CREATE INDEX callback_commands_chat ON callback_commands(chat_id, command, created_at);
"""

# An event inserted during a batch (`EventRepo.add_many`) gets its search document once,
# with its excerpts, from the writer: the trigger's empty document would be deleted and
# written again as soon as its citations arrive (tokenising its summary three times).
SEARCH_BATCH_EVENTS = """
DROP TRIGGER events_search_insert;
CREATE TRIGGER events_search_insert AFTER INSERT ON events
WHEN NOT EXISTS (SELECT 1 FROM search_batch) BEGIN
    INSERT INTO event_search(rowid, summary, excerpts) VALUES (new.id, new.summary, '');
END;
"""

# Search results are checked against this small index of hidden events (store/events.py)
# rather than by reading each matching event's row.
HIDDEN_EVENTS = """
CREATE INDEX events_hidden ON events(id) WHERE hidden = 1;
"""

# The highest id a table has given before a delete, so that no id is given twice
# (store/ids.py).
RETIRED_IDS = """
CREATE TABLE retired_ids (tbl TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
CREATE TRIGGER events_retire_id AFTER DELETE ON events BEGIN
    INSERT INTO retired_ids (tbl, last_id) VALUES ('events', old.id)
    ON CONFLICT (tbl) DO UPDATE SET last_id = max(last_id, excluded.last_id);
END;
CREATE TRIGGER sources_retire_id AFTER DELETE ON sources BEGIN
    INSERT INTO retired_ids (tbl, last_id) VALUES ('sources', old.id)
    ON CONFLICT (tbl) DO UPDATE SET last_id = max(last_id, excluded.last_id);
END;
"""

# Digests read the changes recorded in their window (events withdrawn: store/audit.py).
AUDIT_TIMES = """
CREATE INDEX audit_log_at ON audit_log(at);
"""

# An event's search document holds its summary and its first SEARCHED_EXCERPTS excerpts (by
# citation id), no more: each citation added to an event rewrote its whole document, so a
# central event cited by every article cost more with each one (at 1,000 synthetic
# articles, 3 ms an article). Later excerpts of one happening repeat the first ones' words;
# the event is still found by those, and /event shows every excerpt. An index by event
# lists an event's citations in id order, so the first ones are read without the rest.
SEARCHED_EXCERPTS = 16
SEARCHED_EXCERPTS_OF = (
    "coalesce((SELECT group_concat(excerpt, ' ') FROM (SELECT excerpt FROM citations"
    f" WHERE event_id = {{event}} ORDER BY id LIMIT {SEARCHED_EXCERPTS})), '')"
)
CAPPED_SEARCH = f"""
CREATE INDEX citations_event ON citations(event_id);
DROP TRIGGER citations_search_insert;
CREATE TRIGGER citations_search_insert AFTER INSERT ON citations
WHEN NOT EXISTS (SELECT 1 FROM search_batch) AND (SELECT count(*) FROM (SELECT 1 FROM citations
    WHERE event_id = new.event_id AND id < new.id LIMIT {SEARCHED_EXCERPTS})) < {SEARCHED_EXCERPTS}
BEGIN
    UPDATE event_search SET excerpts = {SEARCHED_EXCERPTS_OF.format(event="new.event_id")}
    WHERE rowid = new.event_id;
END;
DROP TRIGGER citations_search_delete;
CREATE TRIGGER citations_search_delete AFTER DELETE ON citations BEGIN
    UPDATE event_search SET excerpts = {SEARCHED_EXCERPTS_OF.format(event="old.event_id")}
    WHERE rowid = old.event_id;
END;
DROP TRIGGER citations_search_update;
CREATE TRIGGER citations_search_update AFTER UPDATE ON citations BEGIN
    UPDATE event_search SET excerpts = {SEARCHED_EXCERPTS_OF.format(event="old.event_id")}
    WHERE rowid = old.event_id;
    UPDATE event_search SET excerpts = {SEARCHED_EXCERPTS_OF.format(event="new.event_id")}
    WHERE rowid = new.event_id;
END;
UPDATE event_search SET excerpts = {SEARCHED_EXCERPTS_OF.format(event="event_search.rowid")}
WHERE rowid IN (
    SELECT event_id FROM citations GROUP BY event_id HAVING count(*) > {SEARCHED_EXCERPTS}
);
"""

# A forum group's digests go to the topic they were set up in (NULL: the chat itself, or a
# forum's General topic); they went to General, wherever the admin had asked for them.
DIGEST_TOPIC = """
ALTER TABLE subscriptions ADD COLUMN thread_id INTEGER;
"""

# Scheduled digests Telegram refused in a row (a closed forum topic, a 400 on every send):
# after a few the subscription pauses with the reason (bot/delivery.py); a digest that goes
# out, or the admin resuming, starts the count again.
DIGEST_FAILED_RUNS = """
ALTER TABLE subscriptions ADD COLUMN failed_runs INTEGER NOT NULL DEFAULT 0;
"""

# Ingestion keeps its merge index (ingest/merge.py) from one article to the next while the
# tables it was read from stay as they were. Counted apart from the rest of the database: a
# running bot writes between stories (chats, story reviews, digests), and every such write
# made the next /addstory read the whole briefing again.
BRIEFING_TABLES = (
    "events",
    "citations",
    "event_places",
    "event_people",
    "people",
    "person_aliases",
    "places",
    "place_aliases",
)
BRIEFING = "briefing"  # the write count's name in data_versions
BRIEFING_VERSION = "INSERT INTO data_versions (name, version) VALUES ('briefing', 0);\n" + "".join(
    _count_writes(table, BRIEFING, BRIEFING) for table in BRIEFING_TABLES
)

# Search finds a word in any of its English forms: the index kept words as written, so
# `/search hospitals` missed every event that says "hospital", and `tortur` found nothing.
# The Porter stemmer changes only English (ASCII) endings; other scripts are kept as written.
# The index is made again from the events, as SEARCHED_EXCERPTS says (the triggers name
# the table, so they serve the new one unchanged).
STEMMED_SEARCH = f"""
DROP TABLE event_search;
CREATE VIRTUAL TABLE event_search USING fts5(
    summary, excerpts, tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO event_search (rowid, summary, excerpts)
SELECT id, summary, {SEARCHED_EXCERPTS_OF.format(event="events.id")} FROM events;
"""

# A dated /timeline (`/timeline 2021-10`, `after June 2022`) took 10-30 ms at a million
# events: the spans reaching into its range (ended after it starts, started before) were
# found by their end alone, and each one's start read from its row; and the count beside
# the page ("3/17") read each event's row for its end. Both indexes now hold what those
# tests need, under their old names (queries name events_spans).
COVERING_DATE_INDEXES = """
DROP INDEX events_spans;
CREATE INDEX events_spans ON events(end_date, date, id) WHERE end_date IS NOT NULL AND hidden = 0;
DROP INDEX events_visible;
CREATE INDEX events_visible ON events(date, id, end_date) WHERE hidden = 0;
"""

# Reading the merge index (ingest/merge.py) for a large briefing was mostly finding each
# event's words again in its summary and first excerpts: 70 us an event, 70 s at a million.
# Each event's words are kept here, computed by a fresh read and written back after it
# (`basis` names the rules that computed them: rows of other rules are not used).
# Whatever changes what they were computed from (its summary, any of its citations, by any
# path: merging, corrections, undo, a hand edit) drops the row, so a kept row is always
# what a fresh read would compute. Not a briefing table: nothing else reads it.
MATCH_WORDS = """
CREATE TABLE match_words (
    event_id INTEGER PRIMARY KEY,
    basis INTEGER NOT NULL,
    words TEXT NOT NULL
);
CREATE TRIGGER match_words_citation_added AFTER INSERT ON citations BEGIN
    DELETE FROM match_words WHERE event_id = new.event_id;
END;
CREATE TRIGGER match_words_citation_changed AFTER UPDATE ON citations BEGIN
    DELETE FROM match_words WHERE event_id IN (old.event_id, new.event_id);
END;
CREATE TRIGGER match_words_citation_removed AFTER DELETE ON citations BEGIN
    DELETE FROM match_words WHERE event_id = old.event_id;
END;
CREATE TRIGGER match_words_summary_changed AFTER UPDATE OF summary ON events BEGIN
    DELETE FROM match_words WHERE event_id = new.id;
END;
CREATE TRIGGER match_words_event_removed AFTER DELETE ON events BEGIN
    DELETE FROM match_words WHERE event_id = old.id;
END;
"""

# /facilities ranks places by their visible events. Counting them (a GROUP BY over the
# place index) took up to 0.7 s at a million events, the first time after every story or
# correction. The counts are kept here instead: each statement on event_places adds what it
# changed (an inserted row its visibility, a deleted row minus its own, an update the
# difference), so they stay exact whoever writes and in whatever order the triggers run.
PLACE_COUNTS = """
CREATE TABLE place_counts (place_id INTEGER PRIMARY KEY, visible INTEGER NOT NULL);
INSERT INTO place_counts (place_id, visible)
SELECT place_id, sum(visible) FROM event_places GROUP BY place_id;
CREATE TRIGGER place_counts_added AFTER INSERT ON event_places BEGIN
    INSERT OR IGNORE INTO place_counts (place_id, visible) VALUES (new.place_id, 0);
    UPDATE place_counts SET visible = visible + new.visible WHERE place_id = new.place_id;
END;
CREATE TRIGGER place_counts_removed AFTER DELETE ON event_places BEGIN
    UPDATE place_counts SET visible = visible - old.visible WHERE place_id = old.place_id;
END;
CREATE TRIGGER place_counts_changed AFTER UPDATE OF visible, place_id ON event_places
WHEN old.visible != new.visible OR old.place_id != new.place_id BEGIN
    UPDATE place_counts SET visible = visible - old.visible WHERE place_id = old.place_id;
    INSERT OR IGNORE INTO place_counts (place_id, visible) VALUES (new.place_id, 0);
    UPDATE place_counts SET visible = visible + new.visible WHERE place_id = new.place_id;
END;
"""

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial_schema", INITIAL_SCHEMA),
    ("0002_event_search_index", SEARCH_INDEX),
    ("0003_digest_delivery", DIGEST_DELIVERY),
    ("0004_maintainer_audit", MAINTAINER_AUDIT),
    ("0006_callback_commands", CALLBACK_COMMANDS),
    ("0007_search_batch", SEARCH_BATCH),
    ("0008_page_indexes", PAGE_INDEXES),
    ("0009_overview_indexes", OVERVIEW_INDEXES),
    ("0010_search_batch_events", SEARCH_BATCH_EVENTS),
    ("0011_callback_reuse", CALLBACK_REUSE),
    ("0012_hidden_events", HIDDEN_EVENTS),
    ("0013_retired_ids", RETIRED_IDS),
    ("0014_audit_times", AUDIT_TIMES),
    ("0015_capped_search", CAPPED_SEARCH),
    ("0016_digest_topic", DIGEST_TOPIC),
    ("0017_digest_failed_runs", DIGEST_FAILED_RUNS),
    ("0018_briefing_version", BRIEFING_VERSION),
    ("0019_stemmed_search", STEMMED_SEARCH),
    ("0020_covering_date_indexes", COVERING_DATE_INDEXES),
    ("0021_match_words", MATCH_WORDS),
    ("0022_place_counts", PLACE_COUNTS),
]


def split_statements(script: str) -> list[str]:
    """Split a script into complete statements (trigger bodies contain semicolons)."""
    import sqlite3

    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


async def _applied(db: Database) -> set[str]:
    return {row[0] for row in await db.fetchall("SELECT name FROM migrations")}


def _refuse_newer(db: Database, applied: set[str]) -> None:
    unknown = sorted(applied - {name for name, _ in MIGRATIONS})
    if unknown:
        raise StoreUnavailable(
            f"{db.path} was made by a newer version of briefbot (its schema has "
            f"{', '.join(unknown)}): update briefbot to use it"
        )


async def check_current(db: Database) -> None:
    """Raise StoreOutdated unless every step is recorded, without writing anything (for a
    store opened read-only)."""
    listed = await db.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
    )
    applied = await _applied(db) if listed else set()
    _refuse_newer(db, applied)
    missing = [name for name, _ in MIGRATIONS if name not in applied]
    if missing:
        last = max(applied, default=None)
        at = f"schema step {last}" if last else "no schema step"
        raise StoreOutdated(
            f"{db.path} is at {at} ({len(applied)} of the {len(MIGRATIONS)} this briefbot "
            f"needs, up to {missing[-1]})",
            applied=len(applied),
            needed=len(MIGRATIONS),
        )


async def apply_migrations(db: Database) -> list[str]:
    """Apply the steps not yet recorded; returns the names applied now. A store recording
    a step this code does not know was made by a newer version: refused, not served."""
    await db.conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = await _applied(db)
    _refuse_newer(db, applied)
    done = []
    for name, script in MIGRATIONS:
        if name in applied:
            continue
        async with db.transaction() as conn:
            # Read again under the write lock: another process opening the same store
            # (`briefbot run` and `briefbot ingest` started together) may have applied it.
            if name in await _applied(db):
                continue
            for statement in split_statements(script):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, utc_now())
            )
        done.append(name)
    return done
