"""Alternations grouped by first letter find what the plain alternation finds."""

from __future__ import annotations

import re

import pytest

from ingest.attribution import ALLEGED
from ingest.events import NATIONAL, REACTION_WORD
from ingest.patterns import by_first_letter


def test_a_grouped_alternation_finds_each_phrase_as_a_word_in_any_case() -> None:
    pattern = re.compile(by_first_letter(["cat", "car(?:s)?", "dog"]), re.I)
    assert [m.group() for m in pattern.finditer("A CAT, two Cars and a dog.")] == [
        "CAT",
        "Cars",
        "dog",
    ]
    assert pattern.search("concat, cow, dogma") is None


def test_a_grouped_alternation_of_word_parts_finds_them_inside_words() -> None:
    pattern = re.compile(by_first_letter(["cat", "dog"], words=False), re.I)
    assert [m.group() for m in pattern.finditer("concat, dogma")] == ["cat", "dog"]


def test_a_phrase_must_start_with_a_plain_lower_case_letter() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        by_first_letter(["(?:a|b)c"])


@pytest.mark.parametrize(
    ("pattern", "phrase"),
    [
        *(
            (ALLEGED, phrase)
            for phrase in (
                "allegedly",
                "allegations",
                "claimed",
                "reportedly",
                "purportedly",
                "suspected",
                "rumours",
                "is said to",
                "were said to",
                "according to an anonymous source",
            )
        ),
        *(
            (NATIONAL, phrase)
            for phrase in (
                "Russia",
                "Russian",
                "Kremlin",
                "President",
                "State Duma",
                "nationwide",
                "across the country",
                "abroad",
                "the country's",
                "parliament",
            )
        ),
        *(
            (REACTION_WORD, phrase)
            for phrase in ("comments", "responded", "denied", "rejects", "called", "Appeal")
        ),
    ],
)
def test_every_grouped_phrase_is_found(pattern: re.Pattern[str], phrase: str) -> None:
    assert pattern.search(f"It was {phrase} here.")
