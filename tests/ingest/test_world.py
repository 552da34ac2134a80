"""Places outside the gazetteer: countries, subdivisions and cities from the world data."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from benchmarks.synthetic_news import write_articles
from ingest.places import canonical_place, find_places
from ingest.world import (
    WorldMention,
    _world_places,
    countries_named,
    find_world_places,
    within_article,
)
from tests.conftest import CORPUS

DATA = Path(__file__).resolve().parents[1] / "data"


def names(text: str, article: str | None = None) -> list[str]:
    if article is None:
        return [m.ref.name for m in find_places(text)]
    with within_article(article):
        return [m.ref.name for m in find_places(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A dam failed in Georgia's western Imereti region.", ["Georgia", "Imereti"]),
        ("Thousands marched in Kutaisi on Saturday.", ["Kutaisi"]),
        ("Wildfires spread across Greece and Italy.", ["Greece", "Italy"]),
        ("He was detained in São Paulo.", ["Sao Paulo"]),
    ],
    ids=["country-and-subdivision", "city", "two-countries", "diacritics"],
)
def test_places_abroad_are_found(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_a_city_abroad_belongs_to_its_country() -> None:
    (mention,) = find_places("Prosecutors in Split charged the captain.")
    assert mention.ref.kind == "city"
    assert mention.ref.region == "Croatia"


def test_a_russian_town_stands_for_its_region() -> None:
    assert names("He died in a Rybinsk detention centre.") == ["Yaroslavl Oblast"]
    assert names("inmates of the colony in Uglich") == ["Yaroslavl Oblast"]


@pytest.mark.parametrize(
    "text",
    [
        "Reading the report, Mobile phones were found.",
        "President Jackson met Victoria Beckham.",
        "a village 12 kilometres north of Split",
        "Chad said he would appeal.",
        "the Federal Prison Service said",
    ],
    ids=["common-words", "person-names", "distance", "person-not-country", "organisation"],
)
def test_words_and_names_that_are_also_places_are_not_places(text: str) -> None:
    assert names(text, article=text) == []


def test_a_city_counts_only_in_an_article_that_names_its_country() -> None:
    sentence = "The ferry sank near Split on Saturday."
    assert names(sentence, article="A Croatian ferry sank. " + sentence) == ["Split"]
    assert names(sentence, article="A Greek ferry sank. " + sentence) == []


def test_regular_country_adjectives_name_the_country() -> None:
    assert countries_named("Croatian and Brazilian officials met") == {"HR", "BR"}


def test_any_known_place_name_is_canonical() -> None:
    assert canonical_place("Primorye") == "Primorsky Krai"
    assert canonical_place("Croatia") == "Croatia"
    assert canonical_place("Kutaisi") == "Kutaisi"
    assert canonical_place("Narnia") is None


def _countries(mentions: Iterable[WorldMention]) -> set[str]:
    return {m.place.country_code for m in mentions if m.place.kind == "country"}


def test_reading_only_for_countries_finds_the_same_countries(tmp_path: Path) -> None:
    """Reading an article for its countries skips one-word places no country's name starts
    with: it finds the countries that reading all its places finds."""
    texts = [
        "Mexico City and New Mexico, Georgia Tech and Georgia, Papua New Guinea, South Africa",
        "Guinea-Bissau, the Dominican Republic, Trinidad and Tobago, Côte d'Ivoire, Türkiye",
        "Paris, Texas, and Jordan Peterson in Jordan; Chad said; Niger, Nigeria, Congo",
    ]
    files = [*DATA.glob("heldout*/*.txt"), *CORPUS.glob("*.txt")]
    files += write_articles(tmp_path, 20, seed=5)
    texts += [path.read_text("utf-8") for path in files]
    for text in texts:
        expected = _countries(find_world_places(text))
        assert _countries(_world_places(text, countries_only=True)) == expected, text[:80]
    assert _countries(_world_places(texts[0], countries_only=True)) >= {"GE", "PG", "ZA"}
