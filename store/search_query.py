"""A reader's search words as an FTS5 query for the `event_search` index.

Every word must match. Words are quoted, so reader input is never read as FTS5 syntax.
English words need nothing more: the index keeps them by their Porter stem (migration
0019), and a query word is stemmed the same way. Russian words are kept as written, so a
Russian word is searched by its Snowball stem as a prefix: "больница" finds "больнице" and
"больницы", a surname finds its other cases. Russian writes ё as е more often than not,
so both spellings are searched.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

# "inquiry's" is "inquiry" and "s" to the index: the "s" would have to occur somewhere in
# the event too. A reader asking for the inquiry's findings means the inquiry.
POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)
CYRILLIC = re.compile(r"[а-яё]+")
# A shorter stem would find unrelated words ("виде" of "видео", video, would find
# "видел", saw): such a word is searched whole, as a prefix ("видеозапись" is found).
MIN_PREFIX = 5
MIN_WORD = 4  # "суд" as a prefix would find "судно" (a ship): a short word is matched whole
# Endings that make surnames and towns (Федоров, Саратов, Пушкин): kept in the prefix, so
# "Федорова" finds "Федоров" and "Федоровым", not every "Федор".
NAME_ENDINGS = ("ов", "ев", "ёв", "ин", "ын")
MAX_YO_PLACES = 6


def fts_query(words: str) -> str:
    """The FTS5 query matching events that hold every one of the reader's words."""
    # Composed first: an accent typed as a combining mark ("Zu\u0308rich", as some systems
    # and PDFs write it) is no word character, and cut the word in two.
    words = POSSESSIVE.sub("", unicodedata.normalize("NFC", words))
    tokens = re.findall(r"\w+", words, flags=re.UNICODE)
    # '_' is a word character here but a separator to the index: a token of underscores
    # alone would be an empty phrase, which matches nothing, and with it the whole query.
    tokens = [token for token in tokens if token.strip("_")]
    groups = []
    for token in tokens:
        forms = _forms(_one_script(token))
        quoted = " OR ".join(forms)
        groups.append(f"({quoted})" if len(forms) > 1 else quoted)
    return " AND ".join(groups)


# Latin and Cyrillic letters drawn alike: a word typed half on a Russian keyboard layout,
# or pasted from a page that mixes them, looks right and matched nothing.
LOOK_ALIKE = dict(zip("aceopxyABCEHKMOPTX", "асеорхуАВСЕНКМОРТХ", strict=True))
# Ukrainian and Serbian і, ј, ѕ look Latin too; Russian has none, so none is written back.
LATIN_OF = {cyrillic: latin for latin, cyrillic in LOOK_ALIKE.items()} | dict(
    zip("іІјЈѕЅ", "iIjJsS", strict=True)
)
LATIN = re.compile(r"[a-zA-Z]")
CYRILLIC_LETTER = re.compile(r"[а-яёА-ЯЁіІјЈѕЅ]")


def _one_script(word: str) -> str:
    """A word mixing Latin and Cyrillic letters written in the script most of its letters
    are in, where the others have a look-alike there."""
    latin = len(LATIN.findall(word))
    cyrillic = len(CYRILLIC_LETTER.findall(word))
    if not latin or not cyrillic:
        return word
    table = LATIN_OF if latin >= cyrillic else LOOK_ALIKE
    return "".join(table.get(letter, letter) for letter in word)


def _forms(word: str) -> list[str]:
    """The word's spellings as FTS5 terms: quoted, and a Russian word as a prefix."""
    keep = _russian_prefix(word.lower())
    if keep is None:
        return [f'"{spelling}"' for spelling in _yo_spellings(word)]
    return [f'"{spelling[:keep]}"*' for spelling in _yo_spellings(word)]


def _russian_prefix(word: str) -> int | None:
    """How many letters of a Russian word to search as a prefix: its stem, or the whole
    word when the stem is too short to tell the word (None: not Russian, or too short)."""
    if not CYRILLIC.fullmatch(word) or len(word) < MIN_WORD:
        return None
    stem = _russian_stem(word.replace("ё", "е"))
    ending = word[len(stem) :]
    kept = next((e for e in NAME_ENDINGS if ending.startswith(e)), "")
    return len(stem) + len(kept) if len(stem) + len(kept) >= MIN_PREFIX else len(word)


@lru_cache(maxsize=1)
def _russian() -> Any:
    # Imported on the first Russian search: the package loads the stemmers of 30 languages
    # (14 ms and 3 MB), which a bot that is never asked in Russian does not need.
    import snowballstemmer

    return snowballstemmer.stemmer("russian")


def _russian_stem(word: str) -> str:
    stem: str = _russian().stemWord(word)
    # The stemmer may fold letters (ё to е); only a stem that starts the word is a prefix.
    return stem if word.startswith(stem) else word


def _yo_spellings(word: str) -> list[str]:
    """The word with every ё written е, and with any one е (of the first few) written ё
    (in lower case: the index folds case)."""
    if not {"е", "ё"} & set(word.lower()):
        return [word]
    plain = word.lower().replace("ё", "е")
    places = [i for i, letter in enumerate(plain) if letter == "е"][:MAX_YO_PLACES]
    return [plain, *(f"{plain[:i]}ё{plain[i + 1 :]}" for i in places)]
