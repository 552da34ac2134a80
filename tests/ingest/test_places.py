"""Places: every federal subject, its forms and capitals, facilities and their regions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.places import canonical_region, find_facilities, find_places, gazetteer


def names(text: str, context: str | None = None) -> list[str]:
    return [m.ref.name for m in find_places(text, context)]


def test_the_gazetteer_covers_all_85_federal_subjects() -> None:
    assert len(gazetteer().subjects) == 85
    assert len({s.name for s in gazetteer().subjects}) == 85


@pytest.mark.parametrize(
    ("form", "region"),
    [
        ("Saratov", "Saratov Oblast"),
        ("Saratov region", "Saratov Oblast"),
        ("Saratovskaya oblast", "Saratov Oblast"),
        ("Primorye", "Primorsky Krai"),
        ("Primorsky Krai", "Primorsky Krai"),
        ("Vladivostok", "Primorsky Krai"),
        ("Zabaykalsky", "Zabaykalsky Krai"),
        ("Zabaikalsky Krai", "Zabaykalsky Krai"),
        ("Trans-Baikal", "Zabaykalsky Krai"),
        ("Kamchatka", "Kamchatka Krai"),
        ("Yekaterinburg", "Sverdlovsk Oblast"),
        ("Yakutia", "Sakha Republic"),
        ("Chechnya", "Chechen Republic"),
        ("Krasnoyarsk Territory", "Krasnoyarsk Krai"),
        ("Khanty-Mansi", "Khanty-Mansi Autonomous Okrug"),
        ("krasnoyarsk", "Krasnoyarsk Krai"),
        ("Saratof", "Saratov Oblast"),
    ],
)
def test_region_forms_and_spellings(form: str, region: str) -> None:
    assert canonical_region(form) == region


def test_unknown_names_are_not_guessed() -> None:
    assert canonical_region("Atlantis") is None
    assert names("Nothing happened in Narnia or Gotham.") == []


def test_first_names_and_outlets_are_not_places() -> None:
    assert names("President Vladimir Putin met Vladimir Smith.") == []
    assert names("The Moscow Times reported it.") == []
    assert names("a town 730 kilometers southeast of Moscow") == []


def test_an_ambiguous_name_counts_in_a_place_context() -> None:
    assert names("prisons in the Irkutsk, Vladimir and Saratov regions") == [
        "Irkutsk Oblast",
        "Vladimir Oblast",
        "Saratov Oblast",
    ]
    assert names("a court in Vladimir ruled") == ["Vladimir Oblast"]


@pytest.mark.parametrize(
    ("text", "facility"),
    [
        ("at Tuberculosis Hospital No. 1 in the Saratov region", "Tuberculosis Hospital No. 1"),
        ("inmates of penal colony No. 6 in Omsk", "Penal Colony No. 6"),
        ("held in IK-17 near Krasnoyarsk", "Penal Colony No. 17"),
        ("moved to OTB-1 in Saratov", "Tuberculosis Hospital No. 1"),
        ("in pre-trial detention centre No. 2 in Kazan", "Pre-trial Detention Centre No. 2"),
        ("in SIZO-1 in Tver", "Pre-trial Detention Centre No. 1"),
    ],
)
def test_facilities_take_the_region_named_with_them(text: str, facility: str) -> None:
    found = [m for m in find_places(text) if m.ref.kind == "facility"]
    assert len(found) == 1
    ref = found[0].ref
    assert ref.name.startswith(facility)
    assert ref.region is not None and ref.name.endswith(ref.region)


# A mention of every facility type, in each way its pattern allows the number to be marked.
FACILITY_MENTIONS = [
    "Tuberculosis Hospital No. 1",
    "TB hospital #3",
    "OTB-1",
    "penal colony No.6",
    "labour colony number 12",
    "IK-17",
    "IK5",
    "ИК-2",
    "pre-trial detention centre № 2",
    "detention center No 4",
    "SIZO-1",
    "SIZO No. 3",
    "prison hospital No. 9",
    "regional hospital No. 8",
    "LIU-3",
    "prison # 2",
]


def test_every_facility_match_holds_its_cue() -> None:
    """The cues are looked for before the patterns: a cue that misses a mention its pattern
    matches would lose that facility."""
    facilities = gazetteer().facilities
    covered = set()
    for mention in FACILITY_MENTIONS:
        matches = [(f, m) for f in facilities if (m := f.pattern.search(mention))]
        assert matches, mention
        for facility, match in matches:
            covered.add(facility.pattern.pattern)
            assert gazetteer().facility_cue.search(match.group()), (mention, facility.label)
        assert find_facilities(mention, None), mention
    assert covered == {f.pattern.pattern for f in facilities}  # a new type needs a mention


def test_the_region_refers_back_to_the_context() -> None:
    assert names("a prison hospital in the region", "Omsk Oblast") == ["Omsk Oblast"]
    assert names("a prison hospital in the region") == []


def _alternation_matches(text: str) -> list[tuple[int, int, str]]:
    """The gazetteer scan as one regular expression of every form, longest first."""
    gaz = gazetteer()
    forms = "|".join(re.escape(f) for f in sorted(gaz.by_form, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])")
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "In Saratov region, Saratov Oblast and Saratovskaya Oblast-Kuzbass, near Tver.",
        "Nizhny Novgorod-based, St. Petersburg and St Petersburg, Rostov-on-Don's port",
        "xSaratov, -Saratov, Saratov-, Kemerovo Oblast-Kuzbass, Mari El Republic, Mari-El",
        "Republic of Tatarstan Republic, Tatarstan Republic of Altai; Altai Krai region.",
    ],
    ids=["designators", "punctuation", "word-edges", "overlaps"],
)
def test_the_form_scan_finds_what_one_alternation_would(text: str) -> None:
    assert list(gazetteer().matches(text)) == _alternation_matches(text)


def test_the_form_scan_agrees_on_whole_articles(corpus: Path) -> None:
    for path in sorted(corpus.glob("*.txt")):
        text = path.read_text("utf-8")
        assert list(gazetteer().matches(text)) == _alternation_matches(text), path.name
