"""Deciding whether an event from a new article is one the briefing already holds.

A draft joins an existing event when their dates are compatible (one contains the other:
`2021-10` and `2021-10-05`, or their spans overlap), they do not name different places, and
their texts say the same thing: most of the draft's content words (crudely stemmed, dates
and function words left out) occur in the event's summary and excerpts, with shared people
and places counting in favour. Several happenings on one day stay apart because their
words differ ("launched an internal investigation" and "launched its own inquiry" share
little beyond the verb). A support-only draft (no date of its own) must match more closely
and is dropped when nothing matches. Merging keeps the most precise date and the events'
union of places, people and citations. Re-ingesting an article is caught earlier, by its
content hash, so it changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from itertools import chain

import aiosqlite

from ingest.events import SupportingCitation, code_text, content_word_rules, content_words
from ingest.people import KnownPeople
from store import Store
from store.events import FOR_MATCHING, CitationRow, EventToMatch, citation_rows
from store.models import NewEvent, PersonRef, PlaceRef
from store.people import PeopleIndex
from store.places import ref_aliases

log = logging.getLogger(__name__)

DATE_WORDS = {
    w
    for w in """
    monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december jan feb mar apr jun
    jul aug sep sept oct nov dec today yesterday week month year earlier later last
    """.split()  # noqa: SIM905
}
MERGE_SCORE = 0.38
SUPPORT_SCORE = 0.7
SAME_SOURCE_SCORE = 0.5
MIN_SHARED = 3
PEOPLE_BONUS = 0.15
PLACE_BONUS = 0.1
PLACE_PENALTY = -0.3
DATE_BONUS = 0.05
HISTORY_SCORE = 0.1  # the same year of a story's history told again: founding, exile, ...
# An event is matched on its summary and its first excerpts only: an event that every
# article's passing remark could join would share words with everything, draw every later
# draft to it and cost more with each one.
MATCHED_CITATIONS = 8
KEEP_BATCH = 10_000  # events whose words are sent to the store at a time


def _words(text: str) -> set[str]:
    # Years left out: a four-digit word (isdecimal: the digits regex \d matches).
    return {
        w
        for w in content_words(text)
        if w not in DATE_WORDS and not (len(w) == 4 and w.isdecimal())
    }


@cache
def words_basis() -> int:
    """A number for the rules that find an event's words (`_words` of its summary and first
    MATCHED_CITATIONS excerpts): the store keeps words found under these rules only
    (`EventRepo.keep_match_words`)."""
    rules = [content_word_rules(), code_text(_words), sorted(DATE_WORDS), MATCHED_CITATIONS]
    digest = hashlib.blake2b(repr([*rules, FOR_MATCHING]).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)  # fits SQLite's INTEGER


def _bounds(iso: str, end: str | None) -> tuple[str, str]:
    return iso, end or iso


def compatible(a: str, a_end: str | None, b: str, b_end: str | None) -> bool:
    """Whether two dates (ISO at any precision, optional span ends) can be one happening."""
    a1, a2 = _bounds(a, a_end)
    b1, b2 = _bounds(b, b_end)

    # Compare each pair at the coarser of the two precisions.
    def le(x: str, y: str) -> bool:
        n = min(len(x), len(y))
        return x[:n] <= y[:n]

    return le(a1, b2) and le(b1, a2)


def _precision(iso: str) -> int:
    return len(iso)


# ISO dates at any precision: 2021, 2021-10, 2021-10-05 (months 01-12, days 01-31).
ISO_DATE = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")
# Past these many keys a span is filed under the coarser level (a 3-month span by month, a
# 4-year one by year); a span of centuries, or a draft asking for that many, is not worth
# keys at all: it is compared with every event, as before the index.
MAX_KEYS = {10: 62, 7: 36, 4: 200}
MAX_QUERY_KEYS = 3000
MAX_LOOKED_UP = 4096  # ranges whose buckets are kept (`DateBuckets.bucket_sets`)


def _padded(iso: str, high: bool) -> str:
    """A date at any precision as the first or last day it can mean, as comparable text:
    '2021-10' -> '2021-10-00' (low) or '2021-10-99' (high). Two dates are `compatible`
    exactly when their padded intervals overlap."""
    pad = "-99" if high else "-00"
    while len(iso) < 10:
        iso += pad
    return iso


def _year_keys(year: int, level: int, first: str, last: str) -> list[str]:
    if level == 4:
        return [f"{year:04d}"]
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    months = [m for m in months if first[:7] <= m <= last[:7]]
    if level == 7:
        return months
    return [f"{m}-{d:02d}" for m in months for d in range(1, 32)]


@lru_cache(maxsize=16384)  # drafts and events share their dates: the same ranges come back
def _keys(low: str, high: str, level: int, limit: int) -> tuple[str, ...] | None:
    """The bucket keys of one level (4: years, 7: months, 10: days) within the padded
    interval [low, high]; None when there are more than `limit` or the interval is reversed."""
    if low > high:
        return None
    first, last = low[:level], high[:level]
    found: list[str] = []
    for year in range(int(first[:4]), int(last[:4]) + 1):
        for key in _year_keys(year, level, first, last):
            if first <= key <= last:
                found.append(key)
                if len(found) > limit:
                    return None
    return tuple(found)


class DateBuckets:
    """Which events a dated draft can be `compatible` with, without looking at them all.

    An event is filed under the keys of its coarsest precision (a day event under its
    days, an event known to the month under its months, ...) from its date to its end; a
    draft looks up its own range at every level. Two compatible dates always share a key
    at the level of the event (their padded intervals overlap, see `_padded`), so the
    lookup returns every compatible event (and a few more, which `compatible` drops)."""

    def __init__(self) -> None:
        self.buckets: dict[str, set[int]] = {}
        self.filed: dict[int, tuple[str, ...]] = {}
        self.everywhere: set[int] = set()  # odd or very long dates: always candidates
        # A range's buckets, as `bucket_sets` found them: the sets change in place as events
        # come and go, so a list stays right until some key gets its first bucket.
        self.looked_up: dict[tuple[str, str | None], list[set[int]] | None] = {}

    def put(self, event_id: int, date: str, end: str | None) -> None:
        self.remove(event_id)
        keys = self._event_keys(date, end)
        if keys is None:
            self.everywhere.add(event_id)
            return
        self.filed[event_id] = keys
        for key in keys:
            ids = self.buckets.get(key)
            if ids is None:
                ids = self.buckets[key] = set()
                self.looked_up.clear()
            ids.add(event_id)

    def remove(self, event_id: int) -> None:
        self.everywhere.discard(event_id)
        for key in self.filed.pop(event_id, ()):
            self.buckets[key].discard(event_id)

    @staticmethod
    @lru_cache(maxsize=65536)  # a briefing's events share their dates
    def _event_keys(date: str, end: str | None) -> tuple[str, ...] | None:
        last = end or date
        if not ISO_DATE.fullmatch(date) or not ISO_DATE.fullmatch(last):
            return None
        low, high = _padded(date, False), _padded(last, True)
        level = min(len(date), len(last))
        while level >= 4:
            keys = _keys(low, high, level, MAX_KEYS[level])
            if keys is not None:
                return keys
            level -= 3
        return None

    def bucket_sets(self, date: str, end: str | None) -> list[set[int]] | None:
        """The buckets whose union holds every event that may be compatible with
        [date, end] (a list kept for the next lookup of the range: not to be changed);
        None: look at all."""
        if (date, end) not in self.looked_up:
            if len(self.looked_up) >= MAX_LOOKED_UP:
                self.looked_up.clear()
            self.looked_up[date, end] = self._bucket_sets(date, end)
        return self.looked_up[date, end]

    def _bucket_sets(self, date: str, end: str | None) -> list[set[int]] | None:
        last = end or date
        if not ISO_DATE.fullmatch(date) or not ISO_DATE.fullmatch(last):
            return None
        low, high = _padded(date, False), _padded(last, True)
        found = [self.everywhere]
        for level in (4, 7, 10):
            keys = _keys(low, high, level, MAX_QUERY_KEYS)
            if keys is None:
                return None
            buckets = self.buckets
            found.extend([ids for key in keys if (ids := buckets.get(key)) is not None])
        return found


NOT_CITED: frozenset[tuple[int, int]] = frozenset()


@dataclass(slots=True)  # one per event of the briefing: no per-object __dict__
class Indexed:
    """An event as merging sees it. Kept current in memory as an article's drafts land;
    their rows are written in a few statements when the article is done (`flush`).
    Held for every event of the briefing, so kept small: names in tuples of shared strings
    (a set costs 216 bytes even empty), and of its citations only their number and the
    spans the article being merged cites. Every article is a new source, so no other
    article's spans are ever compared with a draft's."""

    id: int
    date: str
    end: str | None
    status: str
    graphic: bool
    places: tuple[str, ...]
    people: tuple[str, ...]
    cited: int = 0  # distinct (source, start, end) spans among its citations
    current: tuple[int, set[tuple[int, int]]] | None = None  # (source id, its spans)

    @classmethod
    def of(cls, event: EventToMatch) -> Indexed:
        return cls(
            event.id,
            event.date,
            event.end,
            event.status,
            event.graphic,
            _shared(event.places),
            _shared(event.people),
            event.cited,
        )

    def spans_from(self, source_id: int) -> set[tuple[int, int]] | frozenset[tuple[int, int]]:
        """The (start, end) spans of its citations from that source, as far as merging
        knows them (the article being merged)."""
        current = self.current
        return current[1] if current is not None and current[0] == source_id else NOT_CITED


@lru_cache(maxsize=65536)
def _shared(names: tuple[str, ...]) -> tuple[str, ...]:
    # The same places and people recur across events: one string each, not one per event,
    # and one tuple for each set of them that recurs (events are never changed in place).
    return tuple(sys.intern(name) for name in dict.fromkeys(names))


@dataclass
class PendingLinks:
    """Rows an article's merges add, sent at the end in one statement per kind."""

    events: list[tuple[int, NewEvent]] = field(default_factory=list)  # new: (id, draft)
    citations: list[CitationRow] = field(default_factory=list)
    places: list[tuple[int, PlaceRef]] = field(default_factory=list)
    people: list[tuple[int, int]] = field(default_factory=list)  # (event id, person id)
    changes: dict[int, dict[str, object]] = field(default_factory=dict)  # event id -> columns
    touched: list[int] = field(default_factory=list)


class MergeIndex:
    """The briefing's events as merging sees them, kept current as drafts are added or
    attached (instead of re-reading the store for every draft or article).
    Word document frequencies give the inverse-document-frequency weights: words every
    event shares (the story's place, its main actor) say little about which happening it is."""

    def __init__(self) -> None:
        self.events: dict[int, Indexed] = {}
        # Each event's words as a tuple of shared strings: a set per event cost about four
        # times the memory, and only ever gets intersected with a draft's set.
        self.words: dict[int, tuple[str, ...]] = {}
        # Word -> the events that have it; its size is the word's document frequency (an
        # event's words only grow, so a posting never loses an event).
        self.postings: dict[str, set[int]] = {}
        self.dates = DateBuckets()
        # The events that may have a draft's bonuses for sharing a person or its date.
        self.by_person: dict[str, set[int]] = {}
        self.by_date: dict[str, set[int]] = {}
        # Events are compared in the order a fresh load lists them: by the date they had
        # when the article began, then id; the article's own new events after them.
        self.order: dict[int, tuple[int, str, int]] = {}  # event id -> its sort key
        self.touched: set[int] = set()
        self.linked: list[Indexed] = []  # events the article being merged cites
        # The stored people, read with the first batch: spellings to match drafts' people
        # with, and names and ids to link events to (both kept current by `link`).
        self.people: KnownPeople | None = None
        self.directory: PeopleIndex | None = None
        # The id the next new event gets, read from the store with the first batch of
        # merges, then counted on: new events are written when a batch ends, and an index
        # outlives its article only while no one else writes (see ingest/pipeline.py).
        self.next_id: int | None = None
        self.pending = PendingLinks()
        # Events whose words `load` found in their texts, for the store to keep (`keep_words`).
        self.unkept: list[int] = []

    @classmethod
    async def load(cls, store: Store) -> MergeIndex:
        index = cls()
        basis = words_basis()
        # In batches: the index keeps far less of an event than its rows with excerpts.
        async for events in store.events.for_matching(MATCHED_CITATIONS, basis):
            for event in events:
                if event.words is not None:
                    words = set(event.words.split())
                else:
                    words = _words(" ".join([event.summary, *event.excerpts]))
                    index.unkept.append(event.id)
                index.add(Indexed.of(event), words)
        index.begin_article()
        return index

    def begin_article(self) -> None:
        """Take the events as they stand as the order of the next article's comparisons."""
        for event_id in self.touched:
            self.order[event_id] = (0, self.events[event_id].date, event_id)
        self.touched.clear()
        for event in self.linked:
            event.current = None  # the last article's spans: never compared again
        self.linked.clear()

    def add(self, event: Indexed, words: set[str]) -> None:
        self.events[event.id] = event
        self.order[event.id] = (1, "", event.id)  # after the events listed at the start
        self.words[event.id] = ()
        self._add_words(event.id, words)
        for name in event.people:
            self.by_person.setdefault(name, set()).add(event.id)
        self.redate(event, event.date, event.end)

    def redate(self, event: Indexed, date: str, end: str | None) -> None:
        self.by_date.get(event.date, set()).discard(event.id)
        self.by_date.setdefault(date, set()).add(event.id)
        event.date, event.end = date, end
        self.dates.put(event.id, date, end)
        self.touched.add(event.id)

    def _add_words(self, event_id: int, words: set[str]) -> None:
        # An event's words only grow (citations are added, summaries stay), and the words
        # of a text joined from pieces are the union of the pieces' words.
        have = self.words[event_id]
        new = [sys.intern(word) for word in words.difference(have)]
        postings = self.postings
        for word in new:
            ids = postings.get(word)
            if ids is None:
                ids = postings[word] = set()
            ids.add(event_id)
        if new:
            self.words[event_id] = (*have, *new)

    async def begin_batch(self, store: Store, conn: aiosqlite.Connection) -> None:
        """Read what deciding on new rows needs, the first time: the stored people and the
        ids the next event and person get."""
        if self.next_id is not None:
            return
        people = await store.people.list_all()
        self.people = KnownPeople([(p.name, p.aliases) for p in people])
        self.directory = PeopleIndex.of(people)
        self.next_id = await store.events.next_id(conn)
        self.directory.next_id = await store.people.next_id(conn)

    def new_event(self, draft: NewEvent) -> Indexed:
        """A new event for the draft, with the id SQLite would give it, written at `flush`."""
        assert self.next_id is not None, "begin_batch first"
        event_id, self.next_id = self.next_id, self.next_id + 1
        self.pending.events.append((event_id, draft))
        event = Indexed(event_id, draft.date, draft.end, draft.status, draft.graphic, (), ())
        self.add(event, _words(draft.summary))
        return event

    def change(self, event_id: int, changes: dict[str, object]) -> None:
        """Change an event's columns (`EventRepo.update`) at `flush`, once, to the last
        value each was given."""
        self.pending.changes.setdefault(event_id, {}).update(changes)

    def link(
        self, event: Indexed, source_id: int, text: str, draft: NewEvent, *, touch: bool
    ) -> None:
        """What `EventRepo.attach` does, with the rows kept for `flush`."""
        rows = citation_rows(event.id, source_id, text, draft)
        self.pending.citations.extend(rows)
        self.pending.places.extend((event.id, place) for place in draft.places)
        if draft.people:
            assert self.directory is not None and self.people is not None, "begin_batch first"
            for ref in draft.people:
                person_id, name = self.directory.ensure_named(ref)
                self.pending.people.append((event.id, person_id))
                if name not in event.people:
                    event.people = (*event.people, name)
                self.by_person.setdefault(name, set()).add(event.id)
                # The aliases `PersonRepo.ensure` stores for the ref, under that name.
                self.people.add(name, ref_aliases(ref))
        if touch:
            self.pending.touched.append(event.id)
        new_places = [p.name for p in draft.places if p.name not in event.places]
        if new_places:
            event.places = (*event.places, *_shared(tuple(new_places)))
        if event.current is None or event.current[0] != source_id:
            event.current = (source_id, set())
            self.linked.append(event)
        cited = event.current[1]
        words: set[str] = set()
        for _, _, excerpt, start, end in rows:
            if (start, end) not in cited:
                cited.add((start, end))
                if event.cited < MATCHED_CITATIONS:
                    words |= _words(excerpt)
                event.cited += 1
        self._add_words(event.id, words)

    async def flush(self, store: Store, conn: aiosqlite.Connection) -> None:
        """Write the rows collected since the last flush."""
        pending, self.pending = self.pending, PendingLinks()
        # Before the article's citations, whose triggers drop the rows of events they cite;
        # a batch at a time, so that the rows' text is never all made at once.
        while self.unkept:
            await self.keep_words(store, conn, KEEP_BATCH)
        # Events first: the other rows refer to them.
        await store.events.add_many(conn, pending.events, pending.citations)
        if self.directory is not None:
            await store.people.add_pending(conn, self.directory)
        await store.events.link_person_ids(conn, pending.people)
        await store.events.update_many(conn, list(pending.changes.items()))
        await store.events.link_places(conn, pending.places)
        if pending.touched:
            # An event several drafts matched is marked once.
            await store.events.touch(conn, list(dict.fromkeys(pending.touched)))

    async def keep_words(self, store: Store, conn: aiosqlite.Connection, most: int) -> None:
        """Have the store keep the words `load` found, as a fresh read finds them, of `most`
        events at most: all but those of the events the article being merged cites, whose
        words it has changed (their rows are dropped as its citations are written anyway).
        The caller sees that the briefing is as `load` read it."""
        ids = self.unkept[-most:]  # from the end: what is left is never copied
        del self.unkept[-most:]
        cited = {event.id for event in self.linked}
        kept = [(i, " ".join(self.words[i])) for i in ids if i not in cited]
        await store.events.keep_match_words(conn, words_basis(), kept)

    def weights(self, words: set[str]) -> dict[str, float]:
        total = len(self.events) + 1
        # A word no event has is the most telling of all.
        unseen = math.log(len(self.postings) + 2) + 0.5
        postings = self.postings
        return {
            w: math.log(total / len(ids)) + 0.5 if (ids := postings.get(w)) else unseen
            for w in words
        }


@dataclass(frozen=True)
class DraftView:
    """What scoring needs of one draft, computed once rather than per event compared."""

    draft: NewEvent
    words: set[str]
    weight: dict[str, float]
    top: float  # the sum of the 14 largest weights, the score's denominator
    people: set[str]
    places: set[str]  # regions
    heaviest: list[float]  # the weights, largest first
    lightest_first: list[str]  # the words by weight (then spelling), smallest first


def view(draft: NewEvent, words: set[str], weight: dict[str, float]) -> DraftView:
    heaviest = sorted(weight.values(), reverse=True)
    people = {p.name for p in draft.people}
    places = {p.name for p in draft.places if p.kind == "region"}
    lightest_first = sorted(words, key=lambda w: (weight[w], w))
    return DraftView(
        draft, words, weight, sum(heaviest[:14]), people, places, heaviest, lightest_first
    )


def score(mine: DraftView, event: Indexed, shared: set[str]) -> float:
    """How well a draft matches an event, given the words they share."""
    # fsum: exactly rounded, so the order a set yields its words in (it changes with the
    # process's hash seed) cannot break a tie between two events one way or the other.
    value = math.fsum(mine.weight[w] for w in shared) / mine.top
    if not mine.people.isdisjoint(event.people):
        value += PEOPLE_BONUS
    if mine.places and event.places:
        value += PLACE_PENALTY if mine.places.isdisjoint(event.places) else PLACE_BONUS
    if mine.draft.date == event.date:
        value += DATE_BONUS
    return value


def _max_bonus(mine: DraftView) -> float:
    """The most the people, places and date can add to a score for this draft."""
    return (
        (PEOPLE_BONUS if mine.people else 0.0)
        + (PLACE_BONUS if mine.places else 0.0)
        + (DATE_BONUS if mine.draft.date else 0.0)
    )


@dataclass(frozen=True)
class Bonuses:
    """What the people, places and date can add to a draft's score with an event: at most
    `most`, and at most `plain` unless the event is `lucky` (shares one of the draft's
    people, or its date when `_bonuses` was asked to tell those apart)."""

    lucky: set[int]
    plain: float
    most: float


def _bonuses(index: MergeIndex, mine: DraftView, *, date_apart: bool) -> Bonuses:
    lucky = set().union(*(index.by_person.get(name, ()) for name in mine.people))
    plain = PLACE_BONUS if mine.places else 0.0
    if date_apart:
        lucky |= index.by_date.get(mine.draft.date, set())
    elif mine.draft.date:
        plain += DATE_BONUS
    return Bonuses(lucky, plain, _max_bonus(mine))


def _word_sets(
    index: MergeIndex, mine: DraftView, threshold: float, bonuses: Bonuses
) -> list[set[int]]:
    """Sets whose union holds every event that can reach `threshold` with at least
    MIN_SHARED shared words. Only the lucky events can have every bonus: the others need
    more of the draft's words, so fewer postings hold them all (see `_postings_beyond`)."""
    sets = _postings_beyond(index, mine, threshold - bonuses.plain)
    if bonuses.lucky:
        sets += [
            bonuses.lucky & ids for ids in _postings_beyond(index, mine, threshold - bonuses.most)
        ]
    return sets


def _postings_beyond(index: MergeIndex, mine: DraftView, needed: float) -> list[set[int]]:
    """Postings whose union holds every event whose shared words weigh `needed` times the
    score's denominator, with at least MIN_SHARED of them: it must share a word beyond
    the draft's most common ones, those whose weights together fall short of that, and
    beyond its MIN_SHARED - 1 most common ones (most common = lightest, so both are a
    prefix of the same order)."""
    by_weight = mine.lightest_first
    allowance = needed * mine.top - 1e-9
    light = 0
    total = 0.0
    for word in by_weight:
        total += mine.weight[word]
        if total >= allowance:
            break
        light += 1
    light = max(light, MIN_SHARED - 1)
    return [index.postings[word] for word in by_weight[light:] if word in index.postings]


def _canonical_people(draft: NewEvent, index: MergeIndex) -> NewEvent:
    if not draft.people:
        return draft
    assert index.people is not None, "begin_batch first"
    people: list[PersonRef] = index.people.canonical(list(draft.people))
    return replace(draft, people=tuple(people))


def _candidates(
    index: MergeIndex, mine: DraftView, support_only: bool, bonuses: Bonuses
) -> set[int]:
    """Ids of the events a draft may match (unordered: `find_match` breaks ties by the
    index's order). Both the date buckets (compatible dates) and the word postings
    (enough telling words shared) hold every event that can match: the smaller is read,
    the other filters it, and `find_match`'s own tests drop the rest."""
    draft = mine.draft
    dated = None if support_only else index.dates.bucket_sets(draft.date, draft.end)
    # A year story needs one shared word: no word filter.
    worded = None
    if not _year_story(draft, support_only):
        worded = _word_sets(index, mine, _lowest_bar(support_only), bonuses)
    choices = [sets for sets in (dated, worded) if sets is not None]
    if not choices:
        return set(index.events)
    choices.sort(key=lambda sets: sum(len(s) for s in sets))
    found: set[int] = set().union(*choices[0])
    for sets in choices[1:]:
        # Intersecting with each set walks the smaller of the two, in C.
        kept: set[int] = set()
        for ids in sets:
            kept |= found & ids
        found = kept
    return found


def _year_story(draft: NewEvent, support_only: bool) -> bool:
    """Whether the draft tells a year of the story's history again (a founding, an exile):
    it matches an event of that year on one shared word and HISTORY_SCORE."""
    return not support_only and len(draft.date) == 4 and draft.status == "background"


def _lowest_bar(support_only: bool) -> float:
    """The lowest score any match needs, outside a year story."""
    return SUPPORT_SCORE if support_only else min(MERGE_SCORE, SAME_SOURCE_SCORE)


def _thresholds(support_only: bool, same_source: bool, history: bool) -> tuple[float, int]:
    """The score and the number of shared words a match needs."""
    if history:
        return HISTORY_SCORE, 1
    if support_only:
        return SUPPORT_SCORE, MIN_SHARED
    if same_source:
        return SAME_SOURCE_SCORE, MIN_SHARED  # the article itself told these apart
    return MERGE_SCORE, MIN_SHARED


def _by_words_shared(
    index: MergeIndex, mine: DraftView, candidates: set[int]
) -> tuple[list[tuple[int, int]], list[float]]:
    """The candidates with how many of the draft's words each has, most first; and for
    each number of words, the most they can add to a score (having that many words at
    best means having the heaviest ones)."""
    postings = index.postings
    # One count over every word's candidates, in C.
    shared = Counter(
        chain.from_iterable(candidates & postings[w] for w in mine.words if w in postings)
    )
    most = [0.0]
    for weight in mine.heaviest:
        most.append(most[-1] + weight)
    return shared.most_common(), [total / mine.top for total in most]


@dataclass
class Contest:
    """One draft compared with the candidate events: the best so far, and what a match
    needs. Of equal scores the event met first in the order a fresh load lists them
    (`MergeIndex.order`) wins, as in a scan in that order."""

    index: MergeIndex
    mine: DraftView
    source_id: int
    support_only: bool
    best: tuple[float, tuple[int, str, int], Indexed] | None = None

    def __post_init__(self) -> None:
        draft = self.mine.draft
        self.most_bonus = _max_bonus(self.mine)
        self.year_story = _year_story(draft, self.support_only)
        # The lowest threshold any event can be held to.
        self.floor = HISTORY_SCORE if self.year_story else _lowest_bar(self.support_only)
        self.debug = log.isEnabledFor(logging.DEBUG)
        # The score an event must reach to be chosen now: its threshold, and a tie with
        # the best so far (which the order may still break its way).
        self.bar = self.floor

    def consider(self, event_id: int) -> None:
        """Score the event if it can match the draft, and keep it if it is the best."""
        mine, draft, support_only = self.mine, self.mine.draft, self.support_only
        event = self.index.events[event_id]
        history = self.year_story and draft.date == event.date and event.status == "background"
        common = mine.words.intersection(self.index.words[event_id])
        if len(common) < (1 if history else MIN_SHARED):
            return  # cheapest test first: most events share too few words
        if not support_only and not compatible(draft.date, draft.end, event.date, event.end):
            return
        cited = event.spans_from(self.source_id)
        if cited and any(a < e and s < b for a, b in cited for s, e in draft.citations):
            return  # another clause of the same sentence: a different happening
        same_source = bool(cited)
        if same_source and not support_only and event.date != draft.date:
            return  # the article itself told these apart by their dates
        threshold, minimum = _thresholds(support_only, same_source, history)
        if len(common) < minimum:
            return
        # A plain sum is within a hair of the exact one: only an event it leaves well
        # short of the bar, even with every bonus, is passed over without scoring.
        rough = sum(map(mine.weight.__getitem__, common)) / mine.top
        if rough + self.most_bonus < max(threshold, self.bar) - 1e-9:
            return
        value = score(mine, event, common)
        if self.debug:
            log.debug(
                "draft %r vs event %d: score %.2f, %d shared (needs %.2f, %d)",
                draft.summary[:60],
                event_id,
                value,
                len(common),
                threshold,
                minimum,
            )
        if value < threshold:
            return
        order = self.index.order[event_id]
        best = self.best
        if best is None or value > best[0] or (value == best[0] and order < best[1]):
            self.best = (value, order, event)
            self.bar = max(self.floor, value)


def find_match(
    index: MergeIndex, source_id: int, text: str, draft: NewEvent, *, support_only: bool
) -> Indexed | None:
    """The existing event this draft reports, if any."""
    words = _words(" ".join(text[s:e] for s, e in draft.citations))
    if not words:
        return None  # nothing to compare: no event can share the words a match needs
    mine = view(draft, words, index.weights(words))
    contest = Contest(index, mine, source_id, support_only)
    # A dated draft's candidates are those of its dates: many have its very date.
    bonuses = _bonuses(index, mine, date_apart=support_only)
    candidates = _candidates(index, mine, support_only, bonuses)
    ranked, most = _by_words_shared(index, mine, candidates)
    for event_id, count in ranked:
        if most[count] + bonuses.most < contest.bar - 1e-9:
            break  # neither this event nor any after it can reach the bar
        if most[count] + bonuses.plain < contest.bar - 1e-9 and event_id not in bonuses.lucky:
            continue  # it could only with a bonus it cannot have
        contest.consider(event_id)
    return contest.best[2] if contest.best else None


async def merge_event(
    store: Store,
    conn: aiosqlite.Connection,
    source_id: int,
    text: str,
    draft: NewEvent,
    *,
    index: MergeIndex,
) -> tuple[int, bool] | None:
    """Store the draft as a new event or attach it to a matching one: (event id, is new).
    A support-only draft (SupportingCitation) that matches nothing is dropped (None).
    The merge is decided in memory and its rows wait for `index.flush` (in the same
    transaction): an article's drafts cost a few statements, not a trip to the database
    thread or more per draft."""
    support_only = isinstance(draft, SupportingCitation)
    await index.begin_batch(store, conn)
    draft = _canonical_people(draft, index)
    match = find_match(index, source_id, text, draft, support_only=support_only)
    if match is None:
        if support_only:
            return None
        event = index.new_event(draft)
        index.link(event, source_id, text, draft, touch=False)
        return event.id, True
    if support_only:
        # A passing mention confirms the event, not every place near it.
        draft = replace(draft, places=())
    index.link(match, source_id, text, draft, touch=True)
    changes: dict[str, object] = {}
    if not support_only and _precision(draft.date) > _precision(match.date):
        changes["date"] = draft.date
        changes["end_date"] = draft.end
    if draft.graphic and not match.graphic:
        changes["graphic"] = 1
    if draft.status == "confirmed" and match.status in ("reported", "alleged"):
        changes["status"] = "confirmed"
    if changes:
        index.change(match.id, changes)
        if "date" in changes:
            index.redate(match, draft.date, draft.end)
        match.graphic = match.graphic or "graphic" in changes
        match.status = str(changes.get("status", match.status))
    return match.id, False
