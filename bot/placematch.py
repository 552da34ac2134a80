"""Finding the place a reader means: any case, spelling slips, Russian (Cyrillic) names.

Every stored name and alias and the reader's words are reduced to the same key
(transliterated to Latin, lower case, punctuation dropped, common words normalised),
then compared exactly and, failing that, fuzzily with rapidfuzz.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

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


def transliterate(text: str) -> str:
    return "".join(CYRILLIC.get(ch, ch) for ch in text.casefold())


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


def rank_places(query: str, places: list[Place], limit: int = 5) -> list[PlaceMatch]:
    """Places best matching `query`, best first (one entry per place)."""
    key = match_key(query)
    if not key:
        return []
    choices: list[tuple[str, Place]] = []
    for place in places:
        for name in {place.name, *place.aliases}:
            choices.append((match_key(name), place))
    best: dict[int, PlaceMatch] = {}
    for choice_key, place in choices:
        if not choice_key:
            continue
        # WRatio tolerates slips, word order and partial names.
        score = EXACT if choice_key == key else fuzz.WRatio(key, choice_key)
        if place.id not in best or score > best[place.id].score:
            best[place.id] = PlaceMatch(place, score)
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.place.name))
    return ranked[:limit]


def resolve(query: str, places: list[Place]) -> tuple[list[Place], list[Place]]:
    """(matched places, suggestions): matched when one place (or several equally) match
    exactly or closely; otherwise the closest names to offer."""
    ranked = rank_places(query, places, limit=8)
    if not ranked:
        return [], []
    top = ranked[0].score
    if top >= CLOSE:
        matched = [m.place for m in ranked if m.score == top]
        return matched, []
    return [], [m.place for m in ranked if m.score >= SUGGEST][:5]
