"""A seeded synthetic briefing of any size, for the latency and memory benchmarks.

The store is the product's own schema (made by `Store.open`, i.e. the migrations), filled
with rows shaped like what ingestion stores: articles of ~800 words from made-up outlets,
about 20 events per article, each citing 1-3 verbatim excerpts (a fifth of them from a
second or third article, as merged events do), places from the gazetteer with a skewed
spread (a few places carry many events), people, a few spans, hidden and graphic events.
Rows are written with the standard library's sqlite3 in bulk, and the full-text index is
built once at the end rather than by its per-row triggers, which are restored afterwards:
same schema and same index contents, minutes faster at a million events.

The same (size, seed) gives the same store; built stores are cached under bench/cache/,
keyed by the schema too, so a changed migration builds a new one.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from store import Store
from store.migrations import MIGRATIONS, SEARCHED_EXCERPTS_OF

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "cache"
GAZETTEER = ROOT / "ingest" / "data" / "gazetteer.yaml"
GENERATOR_VERSION = "1"  # bump when the generated rows change shape
EVENTS_PER_ARTICLE = 20
STORY_START = date(2019, 1, 1)
STORY_DAYS = 5 * 365
NOW = "2026-01-01T00:00:00+00:00"

# General news vocabulary; frequencies follow Zipf's law by position.
_WORDS_TEXT = """
the of and to in a that said for on was with by as at from it his her their this is were
be had have has not after an but they which who its been also would more than will one two
three four five over into about when could may officials court report police people
government ministry year week month day month told statement according investigation video
prisoners prison colony inmates guards case judge lawyer lawyers hearing trial charges
charged detained arrested released sentence sentenced years human rights group activists
activist commission committee investigators prosecutor prosecutors office regional federal
service head director deputy minister president parliament bill law vote votes voted
members spokesman spokeswoman press conference interview documents files footage images
evidence testimony witness witnesses victims victim family families relatives complaint
complaints appeal appeals ruling decision dismissed fired resigned appointed inspection
checks check audit hospital doctors medical treatment conditions abuse allegations alleged
denied confirmed reported announced published leaked leak source sources journalists
newspaper outlet channel website online social media network thousands hundreds dozens
several many some most all every each other another first second last new old former
current local national international foreign public private security forces officers
officer staff employees workers union protest protests rally demonstrators crowd city town
village region district province border capital centre north south east west northern
southern eastern western night morning evening early late monday tuesday wednesday
thursday friday saturday sunday january february march april may june july august
september october november december million billion percent budget money funds payment
payments contract contracts company companies business bank market prices water power fire
storm flood damage damaged destroyed building buildings road roads bridge school schools
students teachers children women men residents citizens voters election elections
candidate candidates campaign party parties opposition coalition leader leaders meeting
talks agreement deal plan plans proposal proposed measures reform reforms policy
"""
WORDS = _WORDS_TEXT.split()

OUTLETS = [
    ("Daily Courier", "dailycourier.example"),
    ("Northern Herald", "northernherald.example"),
    ("The Evening Ledger", "eveningledger.example"),
    ("Riverside Gazette", "riversidegazette.example"),
    ("Metro Observer", "metroobserver.example"),
    ("Coastal Times", "coastaltimes.example"),
    ("Independent Monitor", "independentmonitor.example"),
    ("Capital Review", "capitalreview.example"),
    ("Frontier Post", "frontierpost.example"),
    ("Weekly Dispatch", "weeklydispatch.example"),
    ("The Sentinel", "sentinel.example"),
    ("Open Wire", "openwire.example"),
]
_FIRST_NAMES_TEXT = """
Anna Boris Clara Dmitri Elena Fyodor Galina Igor Irina Kirill Larisa Maxim Nadia Oleg
Pavel Raisa Sergei Tatiana Vadim Yulia Zoya Artem Vera Lev
"""
FIRST_NAMES = _FIRST_NAMES_TEXT.split()
_LAST_NAMES_TEXT = """
Abramov Belova Chernov Danilova Egorov Fomina Gromov Ilyina Karpov Lebedeva Markov
Nikitina Orlov Petrova Romanov Sokolova Tarasov Ulyanova Volkov Zaitseva Kuznetsov
Morozova Sidorov Pavlova
"""
LAST_NAMES = _LAST_NAMES_TEXT.split()
STATUS_WEIGHTS = {"reported": 70, "confirmed": 10, "alleged": 12, "unverified": 5, "background": 3}


@dataclass(frozen=True)
class SyntheticPlace:
    name: str
    kind: str
    region: str | None
    aliases: tuple[str, ...]


def gazetteer_places(rng: random.Random) -> list[SyntheticPlace]:
    """Every region, its capitals and towns, and a few numbered facilities in each."""
    data = yaml.safe_load(GAZETTEER.read_text(encoding="utf-8"))
    labels = sorted({f["label"] for f in data["facilities"]})
    places: list[SyntheticPlace] = []
    seen: set[str] = set()

    def add(place: SyntheticPlace) -> None:
        if place.name not in seen:
            seen.add(place.name)
            places.append(place)

    for subject in data["subjects"]:
        region, short = subject["name"], subject.get("short", subject["name"])
        add(SyntheticPlace(region, "region", None, (short, *subject.get("aliases", []))))
        for town in [*subject.get("capitals", []), *subject.get("cities", [])]:
            add(SyntheticPlace(town, "city", region, ()))
        for label in rng.sample(labels, 3):
            name = f"{label.format(n=rng.randint(1, 40))} ({short})"
            add(SyntheticPlace(name, "facility", region, ()))
    return places


class Writer:
    """Deterministic text from the seeded generator."""

    def __init__(self, rng: random.Random, places: list[SyntheticPlace]) -> None:
        self.rng = rng
        self.places = places
        self.word_weights = [1 / (rank + 1) for rank in range(len(WORDS))]
        self.place_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(places))]

    def words(self, n: int) -> str:
        return " ".join(self.rng.choices(WORDS, self.word_weights, k=n))

    def place(self) -> int:
        return self.rng.choices(range(len(self.places)), self.place_weights)[0]

    def sentence(self, day: date) -> str:
        rng = self.rng
        body = self.words(rng.randint(10, 24))
        if rng.random() < 0.3:
            body += f" in {self.places[self.place()].name}"
        if rng.random() < 0.3:
            body = f"On {day.day} {day:%B %Y} {body}"
        if rng.random() < 0.2:
            body = f"“{body.capitalize()},” {self.words(2)} said"
        return body[0].upper() + body[1:] + "."

    def article(self, day: date, target_words: int = 800) -> tuple[str, list[tuple[int, int]]]:
        """Page text and the offsets of its sentences (excerpts are sentences)."""
        parts = ["Subscribe to our newsletter", "Share this article"]
        spans: list[tuple[int, int]] = []
        offset = sum(len(p) + 1 for p in parts)
        words = 0
        while words < target_words:
            sentence = self.sentence(day)
            spans.append((offset, offset + len(sentence)))
            parts.append(sentence)
            offset += len(sentence) + 1
            words += sentence.count(" ") + 1
        parts.append("Read more: related stories")
        return "\n".join(parts), spans


def _day_iso(day: date, precision: str) -> str:
    return {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[precision]


def _rows(events: int, seed: int) -> Iterator[tuple[str, list[tuple]]]:
    """(table, rows) batches for the whole store, one article at a time."""
    rng = random.Random(seed)
    places = gazetteer_places(rng)
    writer = Writer(rng, places)
    yield "places", [(i + 1, p.name, p.kind, p.region) for i, p in enumerate(places)]
    yield (
        "place_aliases",
        [
            (i + 1, " ".join(alias.casefold().split()))
            for i, p in enumerate(places)
            for alias in {p.name, *p.aliases}
        ],
    )
    people = sorted({f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES})
    yield "people", [(i + 1, name, "person") for i, name in enumerate(people)]
    articles = max(1, events // EVENTS_PER_ARTICLE)
    texts: list[tuple[str, list[tuple[int, int]]]] = []  # recent articles, for merged events
    event_id = 0
    for source_id in range(1, articles + 1):
        published = STORY_START + timedelta(days=STORY_DAYS * source_id // articles)
        text, spans = writer.article(published)
        outlet, domain = OUTLETS[rng.randrange(len(OUTLETS))]
        yield "sources", [(
            source_id, outlet, writer.words(8).capitalize(),
            f"https://{domain}/news/{source_id}", None, published.isoformat(), 0, text,
            hashlib.sha256(text.encode()).hexdigest(), NOW,
        )]  # fmt: skip
        texts = [*texts[-4:], (text, spans)]
        batch: dict[str, list[tuple]] = {"events": [], "citations": [], "ep": [], "epp": []}
        for _ in range(EVENTS_PER_ARTICLE if source_id < articles else events - event_id):
            event_id += 1
            _event_rows(rng, writer, batch, event_id, source_id, published, texts, len(people))
        yield "events", batch["events"]
        yield "citations", batch["citations"]
        yield "event_places", batch["ep"]
        yield "event_people", batch["epp"]


def _event_rows(
    rng: random.Random,
    writer: Writer,
    batch: dict[str, list[tuple]],
    event_id: int,
    source_id: int,
    published: date,
    texts: list[tuple[str, list[tuple[int, int]]]],
    people: int,
) -> None:
    day = published - timedelta(days=int(rng.expovariate(1 / 20)))
    precision = rng.choices(("day", "month", "year"), (85, 10, 5))[0]
    end = None
    if rng.random() < 0.02:
        end = _day_iso(day + timedelta(days=rng.randint(2, 60)), precision)
    place = writer.place()
    summary = f"{writer.words(rng.randint(12, 28)).capitalize()} in {writer.places[place].name}."
    status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
    batch["events"].append((
        event_id, _day_iso(day, precision), end, summary, status,
        writer.words(2) if rng.random() < 0.3 else None,
        int(rng.random() < 0.03), int(rng.random() < 0.01), NOW, NOW,
    ))  # fmt: skip
    cited = 1 + (rng.random() < 0.2) + (rng.random() < 0.1)
    for k in range(cited):
        back = min(k, len(texts) - 1)
        text, spans = texts[-1 - back]
        first = rng.randrange(len(spans))
        start, _ = spans[first]
        _, end_offset = spans[min(len(spans) - 1, first + rng.randint(0, 1))]
        batch["citations"].append(
            (event_id, source_id - back, text[start:end_offset], start, end_offset)
        )
    for place_id in {place, *(writer.place() for _ in range(rng.random() < 0.3))}:
        batch["ep"].append((event_id, place_id + 1))
    for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
        batch["epp"].append((event_id, rng.randint(1, people)))


INSERTS = {
    "places": "INSERT INTO places (id, name, kind, region) VALUES (?, ?, ?, ?)",
    "place_aliases": "INSERT OR IGNORE INTO place_aliases (place_id, alias) VALUES (?, ?)",
    "people": "INSERT INTO people (id, name, kind) VALUES (?, ?, ?)",
    "sources": "INSERT INTO sources (id, outlet, title, url, file, published,"
    " published_inferred, text, content_hash, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "events": "INSERT INTO events (id, date, end_date, summary, status, attribution, graphic,"
    " hidden, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "citations": "INSERT OR IGNORE INTO citations (event_id, source_id, excerpt, start_offset,"
    " end_offset) VALUES (?, ?, ?, ?, ?)",
    "event_places": "INSERT OR IGNORE INTO event_places (event_id, place_id) VALUES (?, ?)",
    "event_people": "INSERT OR IGNORE INTO event_people (event_id, person_id) VALUES (?, ?)",
}


def _fill(path: Path, events: int, seed: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        # The search index is built in one pass below; its triggers come back after.
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'trigger' AND sql LIKE '%event_search%'"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        for table, rows in _rows(events, seed):
            conn.executemany(INSERTS[table], rows)
        conn.execute(
            "INSERT INTO event_search (rowid, summary, excerpts) SELECT e.id, e.summary, "
            + SEARCHED_EXCERPTS_OF.format(event="e.id")
            + " FROM events e"
        )
        for _name, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
        # No ANALYZE and no index 'optimize': the product never runs them, so neither
        # does its benchmark (the query planner sees what it would see in production).
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def schema_fingerprint() -> str:
    text = GENERATOR_VERSION + "".join(name + script for name, script in MIGRATIONS)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


async def _migrate(path: Path) -> None:
    store = await Store.open(path)
    await store.close()


def build_store(path: Path, events: int, seed: int = 7) -> Path:
    """A new store at `path` holding `events` synthetic events."""
    path.unlink(missing_ok=True)
    asyncio.run(_migrate(path))
    _fill(path, events, seed)
    return path


def cached_store(events: int, seed: int = 7) -> Path:
    """The store for (events, seed, schema), built on first use and kept in bench/cache/."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"store-{events}-{seed}-{schema_fingerprint()}.sqlite3"
    if not path.exists():
        # Stores for an older schema are never read again: at a million events each is
        # 1.6 GB of a disk that can run short.
        for stale in CACHE.glob(f"store-{events}-{seed}-*"):
            stale.unlink()
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        build_store(partial, events, seed)
        partial.rename(path)
        print(f"   built a {events:,}-event store in {time.perf_counter() - started:.0f} s")
    return path
