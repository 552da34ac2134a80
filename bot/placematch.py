"""Finding the place a reader means: any case, spelling slips, Russian (Cyrillic) names.

Every stored name and alias and the reader's words are reduced to the same key
(transliterated to Latin, lower case, accents and punctuation dropped, common words
normalised), then compared exactly and, failing that, fuzzily with rapidfuzz. The reader's
Russian words are also tried without their case endings ("в Омске" -> "omsk"), and a name
is found by the start of its words ("Сарат", "tuber").
"""

from __future__ import annotations

import functools
import re
import unicodedata
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

# Words that mean the same in the reader's and the articles' spelling; Russian words also
# by the stem match_key(..., stem=True) leaves ("больнице" -> "bolnits").
SYNONYMS = {
    "no": "no",
    "number": "no",
    "nr": "no",
    "num": "no",
    "nomer": "no",
    "oblast": "region",
    "oblasti": "region",
    "oblast'": "region",
    "province": "region",
    "kray": "krai",
    "krai": "krai",
    "kra": "krai",  # the stem of края, крае, краю
    "respublika": "republic",
    "respublik": "republic",
    "hospital": "hospital",
    "bolnitsa": "hospital",
    "bolnits": "hospital",
    "tuberculosis": "tb",
    "tuberkuleznaya": "tb",
    "tuberkulezn": "tb",
    "protivotuberkuleznaya": "tb",
    "protivotuberkulezn": "tb",
    "koloniya": "colony",
    "koloni": "colony",
    "ispravitelnaya": "penal",
    "ispraviteln": "penal",
    "tyurma": "prison",
    "tyurm": "prison",
}
# Russian adjective endings after -sk: "Omskaya oblast" -> "omsk region",
# "Saratovskaya oblast" -> "saratovsk region" (close enough to "saratov region").
ADJECTIVE_ENDING = re.compile(r"(?<=sk)(aya|aia|oy|oi|iy|ii|y|ogo|oye|oe)$")
# Russian case endings, longest first: "в Омске", "Саратовской области", "в Чите" name a
# place in another case than its name's. -ов, -ев and -ин are left alone: they end names
# (Саратов, Пушкин), and "-ск" stays, as ADJECTIVE_ENDING keeps it in the Latin spelling.
CASE_ENDINGS = (
    "ого", "его", "ому", "ему", "ыми", "ими", "ами", "ями",
    "ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ую", "юю", "ых", "их",
    "ым", "им", "ом", "ем", "ам", "ям", "ах", "ях", "ью",
    "а", "е", "и", "у", "ю", "я", "ы", "о",
)  # fmt: skip
# Short words that name a kind of place ("tb"), searched for although short.
GENERIC = frozenset(SYNONYMS.values()) - {"no"}
MIN_COMPLETED = 4  # letters of a partial word taken for the word of SYNONYMS it starts
# "в Омске", "под Саратовом": words before a place's name, not of it.
PREPOSITIONS = frozenset({"в", "во", "на", "из", "под", "около", "близ", "у", "до", "от"})
MIN_STEM = 3  # "Чите" -> "Чит"; "Уфе" stays as it is
CYRILLIC_WORD = re.compile(r"[а-яёіїєґ]+")

EXACT, CLOSE = 100.0, 82.0  # scores: an alias equal after normalising; a confident slip
PREFIX = 90.0  # every word of the query starts a word of the name: "tuber", "Sarat"
SUGGEST = 55.0  # below this a name is not worth offering as a button
SLIP = 75.0  # a word this close to a word of a name is that word misspelt ("hospitl")
# A shorter query matches only a name it equals: fuzzy scoring finds one or two letters
# inside almost every name, all scoring alike ("a" would match every place with an "a").
MIN_FUZZY_KEY = 3


def transliterate(text: str) -> str:
    return "".join(CYRILLIC.get(ch, ch) for ch in text.casefold())


def _stem(word: str) -> str:
    """A Russian word less its case ending, when a stem of MIN_STEM letters is left."""
    if not CYRILLIC_WORD.fullmatch(word):
        return word
    for ending in CASE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def _fold(text: str) -> str:
    """Latin letters without their accents ('Zürich' -> 'zurich'), compatibility forms
    as their plain letters ('Ｏｍｓｋ' -> 'omsk')."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=16384)
def match_key(text: str, stem: bool = False) -> str:
    """The form names are compared in: 'ОТБ-1' -> 'otb 1', 'No. 1' -> 'no 1'; with `stem`,
    Russian words lose their case endings ('в Омске' -> 'v omsk')."""
    text = text.casefold().replace("№", " no ")
    if stem:
        text = CYRILLIC_WORD.sub(lambda m: _stem(m.group()), text)
        text = " ".join(word for word in text.split() if word not in PREPOSITIONS)
    # Transliterated first: NFKD would split й into и and a breve.
    text = _fold(transliterate(text))
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


@dataclass(frozen=True)
class _Choices:
    """Every name's match key and its place, kept for the last list of places seen (the
    store hands out the same list object until the places change)."""

    places: list[Place]
    keys: list[str]
    owners: list[Place]
    padded: list[str]  # each key between spaces, where _starts_words looks


_prepared: _Choices | None = None


def _choices(places: list[Place]) -> _Choices:
    global _prepared
    if _prepared is None or _prepared.places is not places:
        keys: list[str] = []
        owners: list[Place] = []
        for place in places:
            for name in {place.name, *place.aliases}:
                if choice_key := match_key(name):
                    keys.append(choice_key)
                    owners.append(place)
        _prepared = _Choices(places, keys, owners, [f" {key} " for key in keys])
    return _prepared


@dataclass(frozen=True)
class _Scores:
    """A query's fuzzy scores against every name, computed once: `_ranked` reads the places
    it matches at any floor or limit from them."""

    key: str
    choices: _Choices
    found: list[tuple[str, float, int]]  # (name key, WRatio, index of the name), best first
    prefixed: frozenset[int]  # the names with words the query's words start
    named: frozenset[str] | None  # the regions the query names, if it names any
    numbered: bool  # whether the query holds a number (a facility's)


def rank_places(query: str, places: list[Place], limit: int = 5) -> list[PlaceMatch]:
    """Places best matching `query`, best first (one entry per place)."""
    scores = _score(query, places)
    if isinstance(scores, list):
        return scores[:limit]
    return _ranked(scores, limit=limit)


def _score(query: str, places: list[Place]) -> _Scores | list[PlaceMatch]:
    """The query's scores, or the places it matches without fuzzy scoring (by an exact
    name, or none for a key too short to score)."""
    key = match_key(query)
    if not key:
        return []
    choices = _choices(places)
    keys, owners = choices.keys, choices.owners
    # Only identical keys score 100 (WRatio scales every partial match below it), so an
    # exact name needs no fuzzy scoring of the rest. A Russian name in another case
    # ("в Омске") is its name all the same.
    exact = [PlaceMatch(owners[i], EXACT) for i, k in enumerate(keys) if k == key]
    stemmed = match_key(query, stem=True)
    # A partial word of a kind of place ('tuber') is taken for it, unless names of their
    # own start so ('Prov' is no 'province' where Provence is a place).
    completed = _completed(stemmed)
    if completed != stemmed:
        starts = _word_starts(stemmed)
        if starts is None or not any(_starts_words(starts, name_key) for name_key in keys):
            stemmed = completed
    if not exact and stemmed != key:
        key = stemmed
        exact = [PlaceMatch(owners[i], EXACT) for i, k in enumerate(keys) if k == key]
    if exact or (len(key) < MIN_FUZZY_KEY and key not in GENERIC):
        return _best_per_place(exact, len(places))
    # WRatio tolerates slips, word order and partial names; scored in one call, best first.
    found = process.extract(key, keys, scorer=fuzz.WRatio, limit=None)
    starts = _word_starts(key)
    prefixed: frozenset[int] = frozenset()
    if starts is not None:
        prefixed = frozenset(
            i for i, padded in enumerate(choices.padded) if all(s in padded for s in starts)
        )
    numbered = any(word.isdigit() for word in key.split())
    # A query that is the name of a region (or its capital or a town in it) is no slip for
    # the name of another: "Tomsk" is not "Omsk".
    named = _regions_named().get(key)
    return _Scores(key, choices, found, prefixed, named, numbered)


def _adjusted(scores: _Scores, i: int, score: float) -> float:
    """The score of name `i` as a match: WRatio's, raised for a name the query's words
    start, lowered below CLOSE for one the query cannot mean."""
    if score < PREFIX and i in scores.prefixed:
        score = PREFIX  # WRatio scores a short start of a long name low
    if score >= CLOSE:
        place, name_key = scores.choices.owners[i], scores.choices.keys[i]
        other_region = scores.named is not None and not {place.name, place.region} & scores.named
        if other_region or scores.numbered and not _names_the_same(scores.key, name_key):
            score = CLOSE - 1  # offered, not answered for
    return score


def _ranked(scores: _Scores, *, floor: float = 0.0, limit: int | None = None) -> list[PlaceMatch]:
    """The places scoring at least `floor`, best first, at most `limit` of them. Only the
    names that can be among them are looked at: a name's score is raised only for a prefix
    (those names are looked at first), else kept or lowered, and `found` is best first."""
    owners = scores.choices.owners
    best: dict[int, PlaceMatch] = {}

    def take(i: int, score: float) -> None:
        score = _adjusted(scores, i, score)
        place = owners[i]
        if score >= floor and (place.id not in best or score > best[place.id].score):
            best[place.id] = PlaceMatch(place, score)

    if scores.prefixed:
        raw = {i: score for _key, score, i in scores.found}
        for i in scores.prefixed:
            take(i, raw[i])
    bar, unset = floor, limit  # below `bar` no name can be among the places asked for
    for _key, score, i in scores.found:
        if score < bar:
            break
        take(i, score)
        if unset is not None and len(best) >= unset:
            # The limit-th best so far: a later name, scoring no more than this one, can
            # still tie with it (and come first by its name), not pass it. Set once: the
            # true bar only rises, and a lower one costs a few more names looked at.
            bar, unset = max(floor, sorted(m.score for m in best.values())[-unset]), None
    return _best_per_place(list(best.values()), len(best) if limit is None else limit)


def _completed(key: str) -> str:
    """`key` with each word that starts one word of SYNONYMS only ('tuber', 'hosp') taken
    for it: names hold the word's short form ('tb'), which a partial word does not start."""
    out = []
    for word in key.split():
        meant = {short for long, short in SYNONYMS.items() if long.startswith(word)}
        out.append(meant.pop() if len(word) >= MIN_COMPLETED and len(meant) == 1 else word)
    return " ".join(out)


def _word_starts(key: str) -> tuple[str, ...] | None:
    """What names with a word starting with each word of `key` hold: ' word' (a number
    only as itself, ' 1 ': '1' does not start '12'); None for words too short to tell."""
    words = key.split()
    if any(
        len(word) < MIN_FUZZY_KEY and not word.isdigit() and word not in GENERIC for word in words
    ):
        return None
    return tuple(f" {word} " if word.isdigit() else f" {word}" for word in words)


def _starts_words(starts: tuple[str, ...], name_key: str) -> bool:
    padded = f" {name_key} "
    return all(start in padded for start in starts)


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


def resolve(
    query: str, places: list[Place], *, fallback: int = 0
) -> tuple[list[Place], list[Place]]:
    """(matched places, suggestions): matched when one place (or several equally) match
    exactly or closely; otherwise the closest names to offer, and when none is close,
    the `fallback` best all the same (from the same scores: scoring is most of the work)."""
    scores = _score(query, places)
    # Every place that fits: a word fifty names share must not stop at the eighth.
    ranked = scores if isinstance(scores, list) else _ranked(scores, floor=SUGGEST)
    if not ranked:
        if fallback and isinstance(scores, _Scores):
            return [], [m.place for m in _ranked(scores, limit=fallback)]
        return [], []
    top = ranked[0].score
    if top >= CLOSE:
        matched = [m.place for m in ranked if m.score == top]
        return matched, []
    return [], [m.place for m in ranked][:5]


def outermost(matched: list[Place]) -> list[Place]:
    """The matched places less those inside a matched region: 'Sarat' fits Saratov Oblast
    and a hospital named with it, and the region's answer holds the hospital's events."""
    regions = {p.name.casefold() for p in matched if p.kind == "region"}
    return [p for p in matched if not (p.region and p.region.casefold() in regions)]


def fits_alike(query: str, matched: list[Place]) -> bool:
    """Whether every word of `query` fits every one of several places: a word their names
    share ('Oblast', 'hospital'), which names none of them. 'omsk saratov' names two."""
    words = _completed(match_key(query, stem=True)).split()
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
