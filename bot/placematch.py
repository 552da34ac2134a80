"""Finding the place a reader means: any case, spelling slips, Russian (Cyrillic) names.

Every stored name and alias and the reader's words are reduced to the same key
(transliterated to Latin, lower case, punctuation dropped, common words normalised),
then compared exactly and, failing that, fuzzily with rapidfuzz.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from store.models import Place

# A plain, reversible-enough transliteration: good for matching, not for display.
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip

# Words that mean the same in the reader's and the articles' spelling.
SYNONYMS = {
    "no": "no",
    "number": "no",
    "nr": "no",
    "num": "no",
    "oblast": "region",
    "oblasti": "region",
    "oblast'": "region",
    "province": "region",
    "kray": "krai",
    "krai": "krai",
    "hospital": "hospital",
    "bolnitsa": "hospital",
    "tuberculosis": "tb",
    "tuberkuleznaya": "tb",
    "protivotuberkuleznaya": "tb",
}
# Russian adjective endings after -sk: "Omskaya oblast" -> "omsk region",
# "Saratovskaya oblast" -> "saratovsk region" (close enough to "saratov region").
ADJECTIVE_ENDING = re.compile(r"(?<=sk)(aya|aia|oy|oi|iy|ii|y|ogo|oye|oe)$")

EXACT, CLOSE = 100.0, 82.0  # scores: an alias equal after normalising; a confident slip
SUGGEST = 55.0  # below this a name is not worth offering as a button
SLIP = 75.0  # a word this close to a word of a name is that word misspelt ("hospitl")
# A shorter query matches only a name it equals: fuzzy scoring finds one or two letters
# inside almost every name, all scoring alike ("a" would match every place with an "a").
MIN_FUZZY_KEY = 3


def transliterate(text: str) -> str:
    return "".join(CYRILLIC.get(ch, ch) for ch in text.casefold())


@functools.lru_cache(maxsize=16384)
def match_key(text: str) -> str:
    """The form names are compared in: 'ОТБ-1' -> 'otb 1', 'No. 1' -> 'no 1'."""
    text = transliterate(text).replace("№", " no ")
    words = re.findall(r"[a-z0-9]+", text)
    out = []
    for word in words:
        word = SYNONYMS.get(word, word)
        if len(word) > 5:
            word = ADJECTIVE_ENDING.sub("", word)
        out.append(word)
    return " ".join(out)


@dataclass(frozen=True)
class PlaceMatch:
    place: Place
    score: float


_prepared: tuple[list[Place], list[str], list[Place]] | None = None


def _choices(places: list[Place]) -> tuple[list[str], list[Place]]:
    """Every name's match key and its place; kept for the last list seen (the store hands
    out the same list object until the places change)."""
    global _prepared
    if _prepared is None or _prepared[0] is not places:
        keys: list[str] = []
        owners: list[Place] = []
        for place in places:
            for name in {place.name, *place.aliases}:
                if choice_key := match_key(name):
                    keys.append(choice_key)
                    owners.append(place)
        _prepared = (places, keys, owners)
    return _prepared[1], _prepared[2]


def rank_places(query: str, places: list[Place], limit: int = 5) -> list[PlaceMatch]:
    """Places best matching `query`, best first (one entry per place)."""
    key = match_key(query)
    if not key:
        return []
    keys, owners = _choices(places)
    # Only identical keys score 100 (WRatio scales every partial match below it), so an
    # exact name needs no fuzzy scoring of the rest.
    exact = [PlaceMatch(owners[i], EXACT) for i, k in enumerate(keys) if k == key]
    if exact or len(key) < MIN_FUZZY_KEY:
        return _best_per_place(exact, limit)
    # WRatio tolerates slips, word order and partial names; scored in one call.
    found = process.extract(key, keys, scorer=fuzz.WRatio, limit=None)
    numbered = any(word.isdigit() for word in key.split())
    # A query that is the name of a region (or its capital or a town in it) is no slip for
    # the name of another: "Tomsk" is not "Omsk".
    named = _regions_named().get(key)
    matches = []
    for name_key, score, i in found:
        place = owners[i]
        other_region = named is not None and not {place.name, place.region} & named
        if score >= CLOSE and (other_region or numbered and not _names_the_same(key, name_key)):
            score = CLOSE - 1  # offered, not answered for
        matches.append(PlaceMatch(place, score))
    return _best_per_place(matches, limit)


@functools.cache
def _regions_named() -> dict[str, frozenset[str]]:
    """The federal subjects each gazetteer form names (its names, capitals, towns), by
    match key."""
    from ingest.places import gazetteer  # read once, when a fuzzy match is first needed

    named: dict[str, set[str]] = {}
    for subject in gazetteer().subjects:
        for form in subject.forms:
            named.setdefault(match_key(form), set()).add(subject.name)
    return {key: frozenset(names) for key, names in named.items()}


def _names_the_same(query_key: str, name_key: str) -> bool:
    """Whether a name can be what a query with a number in it means (a facility's): its
    numbers are in the name, and each of its words too, give or take a slip. WRatio alone
    took 'SIZO-5' and 'Penal Colony No. 6' for 'Penal Colony No. 5'; such
    names are offered, not answered for."""
    query_words, name_words = query_key.split(), name_key.split()
    if not {w for w in query_words if w.isdigit()} <= {w for w in name_words if w.isdigit()}:
        return False
    return all(
        word.isdigit() or any(fuzz.ratio(word, name) >= SLIP for name in name_words)
        for word in query_words
    )


def _best_per_place(matches: list[PlaceMatch], limit: int) -> list[PlaceMatch]:
    best: dict[int, PlaceMatch] = {}
    for match in matches:
        if match.place.id not in best or match.score > best[match.place.id].score:
            best[match.place.id] = match
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.place.name))
    return ranked[:limit]


def resolve(query: str, places: list[Place]) -> tuple[list[Place], list[Place]]:
    """(matched places, suggestions): matched when one place (or several equally) match
    exactly or closely; otherwise the closest names to offer."""
    # Every place that fits: a word fifty names share must not stop at the eighth.
    ranked = rank_places(query, places, limit=len(places))
    if not ranked:
        return [], []
    top = ranked[0].score
    if top >= CLOSE:
        matched = [m.place for m in ranked if m.score == top]
        return matched, []
    return [], [m.place for m in ranked if m.score >= SUGGEST][:5]


def outermost(matched: list[Place]) -> list[Place]:
    """The matched places less those inside a matched region: 'Sarat' fits Saratov Oblast
    and a hospital named with it, and the region's answer holds the hospital's events."""
    regions = {p.name.casefold() for p in matched if p.kind == "region"}
    return [p for p in matched if not (p.region and p.region.casefold() in regions)]


def fits_alike(query: str, matched: list[Place]) -> bool:
    """Whether every word of `query` fits every one of several places: a word their names
    share ('Oblast', 'hospital'), which names none of them. 'omsk saratov' names two."""
    words = match_key(query).split()
    if len(matched) < 2 or not words:
        return False
    return all(
        any(_word_fits(word, key) for key in _keys_of(place))
        for place in matched
        for word in words
    )


def _word_fits(word: str, key: str) -> bool:
    return word in key or fuzz.partial_ratio(word, key) >= CLOSE


def _keys_of(place: Place) -> set[str]:
    return {key for name in (place.name, *place.aliases) if (key := match_key(name))}
