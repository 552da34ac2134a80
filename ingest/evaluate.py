"""The extraction quality gate: ingest a corpus into a temporary store, score it against gold.

Gold file (YAML): `events` (id, date, optional end, places, sources, optional), `background`
(date, end: history a briefing may show), `noise` (strings that must appear in no summary or
excerpt) and `aliases` (spellings of one person).

How a produced event matches a gold event:
- date: the produced date, cut to the gold date's precision, equals the gold date (a more
  precise produced date is fine, a coarser one is not); when the gold has a span end, the
  produced end (or its date, when it has no end) cut to that precision equals it;
- place: when the gold names places, the produced event has at least one of them (a
  facility counts for its region, a city abroad for its country; gold names are looked up
  in the gazetteer, so "Primorye" is Primorsky Krai, else in the world data, so any country,
  first-level subdivision or city of 15,000 people is accepted);
- source: the produced event cites at least one of the gold's source files.
Assignment is one-to-one and maximal (augmenting paths): each gold event is matched at most
once, each produced event at most once, first over the required gold events, then over the
optional and background ones with the produced events left.

Figures:
- recall: matched required gold events / required gold events;
- precision: matched produced events / produced events, where produced events assigned to an
  optional gold event or a background entry (a second one-to-one assignment over the events
  left) count neither for nor against;
- date-F1: over the sets of distinct dates (ISO strings at their precision) of the required
  gold events and of the produced events (neutral ones left out);
- citation validity: citations whose excerpt equals the stored article text at its offsets
  and occurs verbatim in the article file's body;
- noise hits: (noise string, event id) pairs where the string occurs, case-insensitively, in
  a summary or an excerpt;
- place filters: for each place named by a gold event, the produced events a user finds by
  filtering on that name (the store's alias lookup, facilities through their region):
  "missing" gold events of the place not found that way, "leaked" found events matched to a
  gold event that names other places only, or matched to none;
- people: for each gold alias group, how many stored people the spellings that occur in
  the store belong to (1 is merged).
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.article import read_article
from ingest.errors import ArticleRejected
from ingest.events import content_words
from ingest.pipeline import article_files, ingest_file
from ingest.places import canonical_place
from store import Store
from store.models import Event, Place


@dataclass(frozen=True)
class GoldEvent:
    id: str
    date: str
    end: str | None
    places: tuple[str, ...]  # canonical region names
    sources: tuple[str, ...]
    optional: bool = False
    background: bool = False
    what: str = ""

    @property
    def required(self) -> bool:
        return not self.optional and not self.background


@dataclass(frozen=True)
class Gold:
    events: tuple[GoldEvent, ...]
    noise: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]]
    place_names: dict[str, str]  # canonical region -> the name the gold file uses


def load_gold(path: Path) -> Gold:
    """Read a gold file; unknown place names are an error, not a silent miss."""
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    events: list[GoldEvent] = []
    names: dict[str, str] = {}

    def regions(raw: list[str]) -> tuple[str, ...]:
        found = []
        for name in raw or []:
            region = canonical_place(str(name))
            if region is None:
                raise ValueError(
                    f"gold place {name!r} is neither in the gazetteer nor a known place"
                )
            names.setdefault(region, str(name))
            found.append(region)
        return tuple(found)

    for raw in data.get("events", []):
        events.append(
            GoldEvent(
                id=str(raw["id"]),
                date=str(raw["date"]),
                end=str(raw["end"]) if raw.get("end") else None,
                places=regions(raw.get("places", [])),
                sources=tuple(raw.get("sources", [])),
                optional=bool(raw.get("optional", False)),
                what=str(raw.get("what", "")),
            )
        )
    for i, raw in enumerate(data.get("background", []) or []):
        events.append(
            GoldEvent(
                id=f"background-{i + 1}",
                date=str(raw["date"]),
                end=str(raw["end"]) if raw.get("end") else None,
                places=(),
                sources=(),
                background=True,
                what=str(raw.get("what", "")),
            )
        )
    aliases = {str(k): tuple(str(a) for a in v) for k, v in (data.get("aliases") or {}).items()}
    return Gold(tuple(events), tuple(str(n) for n in data.get("noise", []) or []), aliases, names)


@dataclass
class Produced:
    event: Event
    files: set[str]
    regions: set[str]


@dataclass
class Report:
    recall: float
    precision: float
    date_f1: float
    citation_validity: float
    noise_hits: list[tuple[str, int]]
    produced: int
    neutral: int
    matched: dict[str, int]  # gold id -> produced event id
    missed: list[str]
    unmatched: list[int]  # produced event ids counted against precision
    sources_per_gold: dict[str, int]  # gold id -> articles the matched event cites
    place_filters: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    people_groups: dict[str, int] = field(default_factory=dict)
    events: list[Produced] = field(default_factory=list)

    @property
    def noise_count(self) -> int:
        return len(self.noise_hits)

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        out = [
            f"event recall      {self.recall:.3f}  ({len(self.matched)} required gold events "
            f"matched, missed: {', '.join(self.missed) or 'none'})",
            f"precision         {self.precision:.3f}  ({self.produced} produced, "
            f"{self.neutral} neutral, {len(self.unmatched)} unmatched: "
            f"{', '.join(map(str, self.unmatched)) or 'none'})",
            f"date-F1           {self.date_f1:.3f}",
            f"citation validity {self.citation_validity:.3f}",
            f"noise hits        {self.noise_count}"
            + (f"  {self.noise_hits}" if self.noise_hits else ""),
        ]
        merged = sorted(
            ((n, gid) for gid, n in self.sources_per_gold.items() if n > 1), reverse=True
        )
        out.append(
            "merged across     "
            + (", ".join(f"{gid} ({n} articles)" for n, gid in merged) or "none")
        )
        for place, result in sorted(self.place_filters.items()):
            out.append(
                f"filter {place:<12} found {len(result['found'])}/"
                f"{len(result['found']) + len(result['missing'])}, "
                f"missing {result['missing'] or 'none'}, leaked {result['leaked'] or 'none'}"
            )
        for name, count in sorted(self.people_groups.items()):
            out.append(f"people {name}: spellings stored as {count} person(s)")
        return out


def _date_agrees(event: Event, gold: GoldEvent) -> bool:
    if len(event.date) < len(gold.date) or event.date[: len(gold.date)] != gold.date:
        return False
    if gold.end is None:
        return True
    end = event.end or event.date
    return len(end) >= len(gold.end) and end[: len(gold.end)] == gold.end


def matches(produced: Produced, gold: GoldEvent) -> bool:
    """The match rule of the module docstring."""
    if not _date_agrees(produced.event, gold):
        return False
    if gold.places and not set(gold.places) & produced.regions:
        return False
    return not gold.sources or bool(set(gold.sources) & produced.files)


def _closeness(produced: Produced, gold: GoldEvent) -> int:
    event = produced.event
    text = " ".join([event.summary, *(c.excerpt for c in event.citations)])
    return len(content_words(text) & content_words(gold.what))


def assign(weights: list[list[float | None]]) -> list[int | None]:
    """Maximum-weight assignment of rows to columns (Hungarian method, O(n^3)); None
    weights are forbidden pairs. Returns each row's column, or None."""
    rows, cols = len(weights), len(weights[0]) if weights else 0
    n = max(rows, cols)
    if n == 0:
        return []
    top = max((w for row in weights for w in row if w is not None), default=0.0)
    forbidden = top * n + 1.0

    def cost_of(r: int, c: int) -> float:
        weight = weights[r][c] if r < rows and c < cols else None
        return forbidden if weight is None else top - weight

    cost = [[cost_of(r, c) for c in range(n)] for r in range(n)]
    u, v = [0.0] * (n + 1), [0.0] * (n + 1)
    owner, way = [0] * (n + 1), [0] * (n + 1)
    for r in range(1, n + 1):
        owner[0], col = r, 0
        slack, used = [math.inf] * (n + 1), [False] * (n + 1)
        while owner[col]:
            used[col] = True
            row, delta, nxt = owner[col], math.inf, 0
            for c in range(1, n + 1):
                if not used[c]:
                    current = cost[row - 1][c - 1] - u[row] - v[c]
                    if current < slack[c]:
                        slack[c], way[c] = current, col
                    if slack[c] < delta:
                        delta, nxt = slack[c], c
            for c in range(n + 1):
                if used[c]:
                    u[owner[c]] += delta
                    v[c] -= delta
                else:
                    slack[c] -= delta
            col = nxt
        while col:
            prev = way[col]
            owner[col] = owner[prev]
            col = prev
    result: list[int | None] = [None] * rows
    for c in range(1, n + 1):
        r = owner[c] - 1
        if r < rows and c - 1 < cols and weights[r][c - 1] is not None:
            result[r] = c - 1
    return result


def _max_matching(golds: list[GoldEvent], produced: list[Produced], taken: dict[int, str]) -> None:
    """One-to-one assignment of gold events to produced events that match them: as many
    pairs as possible, and among those the one whose pairs share the most words (gold
    `what` against summary and excerpts), so that two events of the same day, place and
    article go to the gold events they tell. `taken` maps produced index -> gold id."""
    big = 1000.0
    weights: list[list[float | None]] = [
        [big + _closeness(p, g) if matches(p, g) else None for p in produced] for g in golds
    ]
    for g_index, p_index in enumerate(assign(weights)):
        if p_index is not None:
            taken[p_index] = golds[g_index].id


def _f1(produced: set[str], gold: set[str]) -> float:
    if not produced or not gold:
        return 0.0
    hits = len(produced & gold)
    p, r = hits / len(produced), hits / len(gold)
    return 0.0 if hits == 0 else 2 * p * r / (p + r)


async def _produced(store: Store) -> tuple[list[Produced], dict[str, Place]]:
    sources = {s.id: s for s in await store.sources.list_all()}
    places = {p.name: p for p in await store.places.list_all()}
    result = []
    for event in await store.events.all():
        files = {sources[c.source_id].file or "" for c in event.citations}
        regions = set()
        for name in event.places:
            place = places.get(name)
            if place is None:
                continue
            regions.add(place.region if place.kind == "facility" and place.region else name)
            if place.kind == "city" and place.region:
                regions.add(place.region)  # a city abroad counts for its country
        result.append(Produced(event, files, regions))
    return result, places


async def _place_filters(
    store: Store,
    gold: Gold,
    produced: list[Produced],
    taken: dict[int, str],
    neutral_taken: dict[int, str],
) -> dict[str, dict[str, list[Any]]]:
    by_id = {g.id: g for g in gold.events}
    index = {p.event.id: i for i, p in enumerate(produced)}
    result: dict[str, dict[str, list[Any]]] = {}
    for region, name in gold.place_names.items():
        found_places = await store.places.find_by_alias(name)
        place_ids = [p.id for p in found_places]
        found = await store.events.timeline(place_ids=place_ids) if place_ids else []
        found_ids = {e.id for e in found}
        expected = [g for g in gold.events if region in g.places and g.required]
        matched_ids = {
            gid: pid for pid, gid in ((produced[i].event.id, g) for i, g in taken.items())
        }
        missing = [g.id for g in expected if matched_ids.get(g.id) not in found_ids]
        leaked: list[int] = []
        for event_id in sorted(found_ids):
            i = index.get(event_id)
            gold_id = None if i is None else taken.get(i) or neutral_taken.get(i)
            target = by_id.get(gold_id) if gold_id else None
            if target is None or (target.places and region not in target.places):
                leaked.append(event_id)
        result[name] = {"found": sorted(found_ids), "missing": missing, "leaked": leaked}
    return result


async def _people_groups(store: Store, gold: Gold) -> dict[str, int]:
    people = await store.people.list_all()
    result = {}
    for name, aliases in gold.aliases.items():
        spellings = {s.casefold() for s in (name, *aliases)}
        owners = {p.id for p in people if {a.casefold() for a in (p.name, *p.aliases)} & spellings}
        result[name] = len(owners)
    return result


def corpus_fingerprint(corpus: Path) -> str:
    """sha256 over the corpus files (names and bytes), to pin floors to one corpus."""
    digest = hashlib.sha256()
    for path in sorted(corpus.iterdir()):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


async def evaluate(gold_path: Path, corpus: Path) -> Report:
    """Ingest every article of `corpus` into a fresh temporary store and score it."""
    gold = load_gold(gold_path)
    with tempfile.TemporaryDirectory(prefix="briefbot-eval-") as tmp:
        store = await Store.open(Path(tmp) / "eval.sqlite3")
        try:
            bodies: dict[int, str] = {}
            for path in article_files([corpus]):
                try:
                    outcome = await ingest_file(store, path)
                except ArticleRejected:
                    continue
                bodies[outcome.source_id] = read_article(path).text
            return await _score(store, gold, bodies)
        finally:
            await store.close()


async def _score(store: Store, gold: Gold, bodies: dict[int, str]) -> Report:
    produced, _places = await _produced(store)
    sources = {s.id: s for s in await store.sources.list_all()}
    required = [g for g in gold.events if g.required]
    extra = [g for g in gold.events if not g.required]
    taken: dict[int, str] = {}
    _max_matching(required, produced, taken)
    free = [i for i in range(len(produced)) if i not in taken]
    free_taken: dict[int, str] = {}
    _max_matching(extra, [produced[i] for i in free], free_taken)
    extra_taken = {free[i]: gid for i, gid in free_taken.items()}
    neutral = set(extra_taken)
    counted = len(produced) - len(neutral)
    matched = {gid: produced[i].event.id for i, gid in taken.items()}
    unmatched = [p.event.id for i, p in enumerate(produced) if i not in taken and i not in neutral]
    gold_dates = {g.date for g in required}
    produced_dates = {p.event.date for i, p in enumerate(produced) if i not in neutral}
    citations = [c for p in produced for c in p.event.citations]
    valid = sum(
        1
        for c in citations
        if sources[c.source_id].text[c.start : c.end] == c.excerpt
        and c.excerpt in bodies.get(c.source_id, sources[c.source_id].text)
    )
    noise_hits = [
        (noise, p.event.id)
        for p in produced
        for noise in gold.noise
        if noise.casefold()
        in " ".join([p.event.summary, *(c.excerpt for c in p.event.citations)]).casefold()
    ]
    return Report(
        recall=len(taken) / len(required) if required else 1.0,
        precision=len(taken) / counted if counted else 0.0,
        date_f1=_f1(produced_dates, gold_dates),
        citation_validity=valid / len(citations) if citations else 1.0,
        noise_hits=noise_hits,
        produced=len(produced),
        neutral=len(neutral),
        matched=matched,
        missed=[g.id for g in required if g.id not in matched],
        unmatched=unmatched,
        sources_per_gold={
            gid: len({c.source_id for c in produced[i].event.citations})
            for i, gid in taken.items()
        },
        place_filters=await _place_filters(store, gold, produced, taken, extra_taken),
        people_groups=await _people_groups(store, gold),
        events=produced,
    )
