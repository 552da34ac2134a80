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


def weights(texts: list[str]) -> dict[str, float]:
    """Inverse document frequency over the briefing's events: words every event shares
    (the story's place, its main actor) say little about which happening this is."""
    frequency: dict[str, int] = {}
    for text in texts:
        for word in _words(text):
            frequency[word] = frequency.get(word, 0) + 1
    total = len(texts) + 1
    return {w: math.log(total / n) + 0.5 for w, n in frequency.items()}


def score(
    draft_text: str, draft: NewEvent, event: Event, event_text: str, idf: dict[str, float]
) -> tuple[float, int]:
    """How well a draft matches an event: (score, number of shared words)."""
    mine, theirs = _words(draft_text), _words(event_text)
    if not mine:
        return 0.0, 0
    shared = mine & theirs
    default = math.log(len(idf) + 2) + 0.5 if idf else 1.0
    weight = {w: idf.get(w, default) for w in mine}
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


async def find_match(
    store: Store, source_id: int, text: str, draft: NewEvent, *, support_only: bool
) -> Event | None:
    """The existing event this draft reports, if any."""
    draft_text = " ".join(text[s:e] for s, e in draft.citations)
    events = await store.events.all(include_hidden=True)
    idf = weights([_event_text(e) for e in events])
    best: tuple[float, Event] | None = None
    for event in events:
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
        value, shared = score(draft_text, draft, event, _event_text(event), idf)
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
) -> tuple[int, bool] | None:
    """Store the draft as a new event or attach it to a matching one: (event id, is new).
    A support-only draft (SupportingCitation) that matches nothing is dropped (None)."""
    support_only = support_only or isinstance(draft, SupportingCitation)
    draft = await _canonical_people(store, draft)
    match = await find_match(store, source_id, text, draft, support_only=support_only)
    if match is None:
        if support_only:
            return None
        return await store.events.add(conn, source_id, text, draft), True
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
    return match.id, False
