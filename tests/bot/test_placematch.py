"""Place matching at a few hundred places: the answers, and that a query is scored once."""

from __future__ import annotations

import random
from typing import Any

import pytest
from rapidfuzz import fuzz, process

from benchmarks.synthetic import gazetteer_places
from bot import placematch
from bot.console import answer_plain
from bot.placematch import SUGGEST, match_key, resolve
from config.settings import Settings
from store import Store
from store.models import Place, PlaceRef

NOWHERE = ["Xylophone", "zzqx wvvy", "Jjjjjj", "vvvvx", "ooooooo", "qqqq qqqq"]


@pytest.fixture(scope="module")
def places() -> list[Place]:
    """Every region, its capitals and towns, and three numbered facilities in each."""
    made = gazetteer_places(random.Random(7))
    return [Place(n, p.name, p.kind, p.region, p.aliases) for n, p in enumerate(made, 1)]


def slips(places: list[Place]) -> list[tuple[str, Place]]:
    """A letter dropped from the longest word of every other name that no other name shares
    a word starting so with: a slip whose place is known by construction."""
    made = []
    for place in places[::2]:
        longest = max(place.name.split(), key=len)
        if len(longest) < 7:
            continue
        if any(longest[:6] in other.name for other in places if other is not place):
            continue
        cut = len(longest) // 2
        made.append((place.name.replace(longest, longest[:cut] + longest[cut + 1 :]), place))
    return made


def test_a_slip_in_a_name_finds_that_place(places: list[Place]) -> None:
    cases = slips(places)
    assert len(cases) > 30
    for query, place in cases:
        assert resolve(query, places) == ([place], []), query


def best_three(query: str, places: list[Place]) -> list[Place]:
    """What a reader is offered when no name is close: the three best scoring places, best
    first, then by name (no name starts with the query's words, or it would be close)."""
    key = match_key(query)
    scored = [
        (max(fuzz.WRatio(key, match_key(name)) for name in (p.name, *p.aliases)), p)
        for p in places
    ]
    assert max(score for score, _ in scored) < SUGGEST, query
    return [p for _, p in sorted(scored, key=lambda sp: (-sp[0], sp[1].name))[:3]]


@pytest.mark.parametrize("query", NOWHERE)
def test_when_no_name_is_close_the_three_best_are_offered(places: list[Place], query: str) -> None:
    assert resolve(query, places) == ([], [])
    assert resolve(query, places, fallback=3) == ([], best_three(query, places))


def test_a_word_many_names_share_matches_them_all(places: list[Place]) -> None:
    prisons = [p for p in places if "Prison" in p.name]
    assert len(prisons) > 8
    matched, _ = resolve("prison", places)
    assert set(prisons) <= set(matched)


async def test_facility_scores_a_name_nothing_is_close_to_once(
    store: Store, settings: Settings, places: list[Place], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer offering the closest names scored every name twice: once to find none
    close, again for the three to offer."""
    async with store.db.transaction() as conn:
        await store.places.ensure_many(
            conn, [PlaceRef(p.name, p.kind, p.region, p.aliases) for p in places]
        )
    scorings = []
    extract = process.extract

    def counted(*args: Any, **kwargs: Any) -> Any:
        scorings.append(args[0])
        return extract(*args, **kwargs)

    monkeypatch.setattr(placematch.process, "extract", counted)
    text = await answer_plain(store, settings, "/facility Xylophone")
    offered = [p.name for p in best_three("Xylophone", places)]
    assert "No place called “Xylophone” in the briefing." in text
    assert all(f"/facility {name}" in text for name in offered)
    assert scorings == ["xylophone"]  # its match key
