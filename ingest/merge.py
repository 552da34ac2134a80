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

import logging
import math
import re
from collections import Counter

import aiosqlite

from ingest.events import SupportingCitation, content_words
from ingest.people import canonical
from store import Store
from store.models import Event, NewEvent, PersonRef

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


def _words(text: str) -> set[str]:
    return {
        w for w in content_words(text) if w not in DATE_WORDS and not re.fullmatch(r"\d{4}", w)
    }


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


class MergeIndex:
    """The briefing's events as merging sees them, loaded once per article and kept
    current as its drafts are added or attached (instead of re-reading the store each time).
    Word document frequencies give the inverse-document-frequency weights: words every
    event shares (the story's place, its main actor) say little about which happening it is."""

    def __init__(self) -> None:
        self.events: dict[int, Event] = {}
        self.words: dict[int, set[str]] = {}
        self.frequency: Counter[str] = Counter()

    @classmethod
    async def load(cls, store: Store) -> MergeIndex:
        index = cls()
        for event in await store.events.all(include_hidden=True):
            index._put(event)
        return index

    def _put(self, event: Event) -> None:
        old = self.words.get(event.id, set())
        self.frequency.subtract(old)
        words = _words(_event_text(event))
        self.frequency.update(words)
        self.events[event.id] = event
        self.words[event.id] = words

    async def refresh(self, store: Store, event_id: int) -> None:
        self._put(await store.events.get(event_id))

    def weights(self, words: set[str]) -> dict[str, float]:
        total = len(self.events) + 1
        # A word no event has is the most telling of all.
        unseen = math.log(sum(1 for n in self.frequency.values() if n > 0) + 2) + 0.5
        return {
            w: math.log(total / n) + 0.5 if (n := self.frequency.get(w, 0)) > 0 else unseen
            for w in words
        }


def score(
    mine: set[str], draft: NewEvent, event: Event, theirs: set[str], weight: dict[str, float]
) -> tuple[float, int]:
    """How well a draft (its words) matches an event (its words): (score, shared words)."""
    if not mine:
        return 0.0, 0
    shared = mine & theirs
    ranked = sorted(weight.values(), reverse=True)[:14]
    value = sum(weight[w] for w in shared) / sum(ranked)
    draft_people = {p.name for p in draft.people}
    if draft_people & set(event.people):
        value += 0.15
    draft_places = {p.name for p in draft.places if p.kind == "region"}
    event_places = set(event.places)
    if draft_places and event_places:
        value += 0.1 if draft_places & event_places else -0.3
    if draft.date == event.date:
        value += 0.05
    return value, len(shared)


def _event_text(event: Event) -> str:
    return " ".join([event.summary, *(c.excerpt for c in event.citations)])


async def _canonical_people(store: Store, draft: NewEvent) -> NewEvent:
    if not draft.people:
        return draft
    known = [(p.name, p.aliases) for p in await store.people.list_all()]
    people: list[PersonRef] = canonical(list(draft.people), known)
    return NewEvent(
        draft.date,
        draft.end,
        draft.summary,
        draft.status,
        draft.attribution,
        draft.graphic,
        draft.places,
        tuple(people),
        draft.citations,
    )


def find_match(
    index: MergeIndex, source_id: int, text: str, draft: NewEvent, *, support_only: bool
) -> Event | None:
    """The existing event this draft reports, if any."""
    draft_text = " ".join(text[s:e] for s, e in draft.citations)
    mine = _words(draft_text)
    weight = index.weights(mine)
    best: tuple[float, Event] | None = None
    for event in index.events.values():
        if not support_only and not compatible(draft.date, draft.end, event.date, event.end):
            continue
        if any(
            c.source_id == source_id and c.start < e and s < c.end
            for c in event.citations
            for s, e in draft.citations
        ):
            continue  # another clause of the same sentence: a different happening
        same_source = any(c.source_id == source_id for c in event.citations)
        if same_source and not support_only and event.date != draft.date:
            continue  # the article itself told these apart by their dates
        value, shared = score(mine, draft, event, index.words[event.id], weight)
        threshold, minimum = (
            (SUPPORT_SCORE, MIN_SHARED) if support_only else (MERGE_SCORE, MIN_SHARED)
        )
        if same_source and not support_only:
            threshold = SAME_SOURCE_SCORE  # the article itself told these apart
        if (
            not support_only
            and len(draft.date) == 4
            and draft.date == event.date
            and draft.status == event.status == "background"
        ):
            # The same year of a story's history, told again: founding, exile, ...
            threshold, minimum = 0.1, 1
        log.debug(
            "draft %r vs event %d: score %.2f, %d shared (needs %.2f, %d)",
            draft_text[:60],
            event.id,
            value,
            shared,
            threshold,
            minimum,
        )
        if value >= threshold and shared >= minimum and (best is None or value > best[0]):
            best = (value, event)
    return best[1] if best else None


async def merge_event(
    store: Store,
    conn: aiosqlite.Connection,
    source_id: int,
    text: str,
    draft: NewEvent,
    *,
    support_only: bool = False,
    index: MergeIndex | None = None,
) -> tuple[int, bool] | None:
    """Store the draft as a new event or attach it to a matching one: (event id, is new).
    A support-only draft (SupportingCitation) that matches nothing is dropped (None)."""
    support_only = support_only or isinstance(draft, SupportingCitation)
    draft = await _canonical_people(store, draft)
    if index is None:
        index = await MergeIndex.load(store)
    match = find_match(index, source_id, text, draft, support_only=support_only)
    if match is None:
        if support_only:
            return None
        event_id = await store.events.add(conn, source_id, text, draft)
        await index.refresh(store, event_id)
        return event_id, True
    if support_only:
        # A passing mention confirms the event, not every place near it.
        draft = NewEvent(
            draft.date,
            draft.end,
            draft.summary,
            draft.status,
            draft.attribution,
            draft.graphic,
            (),
            draft.people,
            draft.citations,
        )
    await store.events.attach(conn, match.id, source_id, text, draft)
    changes: dict[str, object] = {}
    if not support_only and _precision(draft.date) > _precision(match.date):
        changes["date"] = draft.date
        changes["end_date"] = draft.end
    if draft.graphic and not match.graphic:
        changes["graphic"] = 1
    if draft.status == "confirmed" and match.status in ("reported", "alleged"):
        changes["status"] = "confirmed"
    if changes:
        await store.events.update(conn, match.id, **changes)
    await index.refresh(store, match.id)
    return match.id, False
