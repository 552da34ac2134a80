"""Patterns that start with "(?=[...])" name the characters a match can start with, so that
the regex engine passes over the rest of a sentence quickly. A character left out would
silently drop matches: taken off, every such pattern must find exactly the same."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic_news import write_articles
from tests.conftest import CORPUS

MODULES = ("attribution", "clean", "events", "people", "world", "places", "summaries")
GUARD = re.compile(r"^\(\?=\[[^\]]+\]\)")
DATA = Path(__file__).resolve().parents[1] / "data"


def guarded_patterns() -> list[Any]:
    found = []
    for module_name in MODULES:
        module = importlib.import_module(f"ingest.{module_name}")
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and GUARD.match(value.pattern):
                found.append(pytest.param(value, id=f"{module_name}.{name}"))
    return found


def texts(tmp_path: Path) -> list[str]:
    files = [*DATA.glob("heldout*/*.txt"), *CORPUS.glob("*.md"), *CORPUS.glob("*.txt")]
    files += write_articles(tmp_path, 20, seed=3)
    return [path.read_text("utf-8") for path in files]


def test_there_are_guarded_patterns_to_check() -> None:
    assert len(guarded_patterns()) >= 9


@pytest.mark.parametrize("pattern", guarded_patterns())
def test_a_guard_changes_no_match(pattern: re.Pattern[str], tmp_path: Path) -> None:
    unguarded = re.compile(GUARD.sub("", pattern.pattern), pattern.flags)
    for text in texts(tmp_path):
        for line in text.splitlines():
            expected = [m.span() for m in unguarded.finditer(line)]
            assert [m.span() for m in pattern.finditer(line)] == expected, line


# Patterns that read their first character before looking back at the one before it (so
# that the regex engine can pass over the places holding none of the characters a match may
# start with), each with the plain form it must agree with: the lookbehind first.
def _read_first_patterns() -> list[Any]:
    from ingest import attribution, people, world
    from ingest.places import gazetteer

    name = people.NAME_TOKEN
    initials = "".join(sorted({lead[0] for lead in gazetteer().by_lead}))
    pairs = [
        ("people.FULL_NAME", people.FULL_NAME, rf"(?<![\w.])({name})((?:\s+{name}){{1,2}})(?!\w)"),
        ("people.SINGLE", people.SINGLE, rf"(?<![\w.])({name})(?!\w|\.\w)"),
        ("people.ABBREVIATION", people.ABBREVIATION, r"\b[A-Z]{2,6}\b"),
        (
            "world.MAYBE_CAPITALISED",
            world.MAYBE_CAPITALISED,
            r"(?<![^\W\d_])[^\W\d_a-z][^\W_]*(?:-[^\W\d_][^\W_]*)*",
        ),
        ("places.lead_runs", gazetteer().lead_runs, rf"(?<![\w-])[{re.escape(initials)}][\w-]*"),
        (
            "attribution.ATTRIBUTIONS[2]",
            attribution.ATTRIBUTIONS[2][0],
            attribution.ATTRIBUTIONS[2][0].pattern.replace(
                attribution.SPEAKER_READ_FIRST, attribution.SPEAKER
            ),
        ),
    ]
    return [pytest.param(fast, re.compile(plain), id=name) for name, fast, plain in pairs]


EDGES = [
    "Moscow at the start, .Dot before, x-Hyphen, 5Digit, _Under, NATO, A.B.C. and TASS",
    "Ärzte in Šibenik and Đakovo, ÉTAT, São Paulo, «Kazan», (Tver), “Perm”, O’Brien-Smith",
    "First line\nSecond Line after a newline\n\nIvan Petrov Sidorov, NASA-RU, Jean-Luc",
    "The Federal Penitentiary Service (FSIN) said, Ivan A. Petrov Jr. told. Anna Ivanova wrote",
]


@pytest.mark.parametrize(("pattern", "plain"), _read_first_patterns())
def test_reading_the_first_character_first_changes_no_match(
    pattern: re.Pattern[str], plain: re.Pattern[str], tmp_path: Path
) -> None:
    lines = [line for text in texts(tmp_path) for line in text.splitlines()]
    for line in [*EDGES, *lines]:
        expected = [(m.span(), m.groups()) for m in plain.finditer(line)]
        assert [(m.span(), m.groups()) for m in pattern.finditer(line)] == expected, line
