"""Places outside the gazetteer: countries, subdivisions and cities from the world data."""

from __future__ import annotations

import pytest

from ingest.places import canonical_place, find_places
from ingest.world import countries_named, within_article


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
