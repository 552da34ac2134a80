"""Time expressions: every form the briefing relies on, resolved against a publication day."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from ingest.dates import (
    FIRST_CHARACTERS,
    PATTERNS,
    TimeContext,
    _candidates,
    advance,
    find_times,
    fold_for_cues,
    infer_year,
)

PUB_2021 = TimeContext(published=date(2021, 10, 6))  # a Wednesday


def one(text: str, ctx: TimeContext = PUB_2021) -> tuple[str, str | None, str]:
    found = find_times(text, ctx)
    assert len(found) == 1, found
    return found[0].value, found[0].end_value, found[0].precision


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It happened on July 27, 2020.", ("2020-07-27", None, "day")),
        ("It happened on 27 July 2020.", ("2020-07-27", None, "day")),
        ("It happened on 27.07.2020.", ("2020-07-27", None, "day")),
        ("It happened on 2020-07-27.", ("2020-07-27", None, "day")),
        ("Filed on Sept. 3rd, 2019 in court.", ("2019-09-03", None, "day")),
        ("The raids ran from November 1–14, 2021.", ("2021-11-01", "2021-11-14", "span")),
        ("The raids ran 1-14 November 2021.", ("2021-11-01", "2021-11-14", "span")),
        ("Films shot between 2018-2020 leaked.", ("2018", "2020", "span")),
        ("He served from July 2015 to September 2020.", ("2015-07", "2020-09", "span")),
        ("It was founded in 2011.", ("2011", None, "year")),
        ("He has lived abroad since 2015.", ("2015", None, "year")),
        ("They left in the summer of 2021.", ("2021-06", "2021-08", "season")),
        ("It began in early October 2021.", ("2021-10", None, "month")),
        ("It began in December 2020.", ("2020-12", None, "month")),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_absolute_forms(text: str, expected: tuple) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The group said on Tuesday that", "2021-10-05"),
        ("Police came late on Friday.", "2021-10-01"),
        ("On Wednesday, the court ruled", "2021-10-06"),
        ("the ministry told reporters Tuesday.", "2021-10-05"),
        ("Yesterday the mayor resigned.", "2021-10-05"),
        ("It was published on October 5.", "2021-10-05"),
        ("They were freed in February of this year.", "2021-02"),
        ("Footage arrived in March from a source.", "2021-03"),
        ("Last month, activists published photos.", "2021-09"),
        ("Earlier this month, the site was hacked.", "2021-10"),
        ("The law passed earlier this year.", "2021"),
        ("The guard was fired last year.", "2020"),
        ("It started in early October.", "2021-10"),
    ],
)
def test_relative_forms_resolve_against_publication(text: str, expected: str) -> None:
    assert one(text)[0] == expected


def test_month_after_publication_month_belongs_to_the_previous_year() -> None:
    ctx = TimeContext(published=date(2022, 1, 18))
    assert one("Later, in November, the director was fired.", ctx)[0] == "2021-11"


def test_weekday_decides_the_missing_year() -> None:
    # October 5 was a Tuesday in 2021, not in 2022 (a Wednesday).
    ctx = TimeContext(published=date(2022, 1, 18))
    assert one("On Tuesday, October 5, the group reported", ctx)[0] == "2021-10-05"
    assert infer_year(10, 5, 1, TimeContext(published=date(2022, 11, 1))) == 2021


def test_a_weekday_contradicting_a_full_date_is_not_trusted() -> None:
    assert find_times("on Monday, October 5, 2021", PUB_2021) == []
    assert one("on Tuesday, October 5, 2021")[0] == "2021-10-05"


def test_in_the_summer_without_a_year_is_the_last_summer() -> None:
    assert one("activists left in the summer.") == ("2021-06", "2021-08", "season")


def test_offsets_count_from_the_last_date_told() -> None:
    ctx = advance(PUB_2021, find_times("The recording is dated July 27, 2020.", PUB_2021)[0])
    assert one("The inmate died two days later.", ctx)[0] == "2020-07-29"
    assert one("The next day, he was moved.", ctx)[0] == "2020-07-28"
    assert one("It had begun the previous month.", ctx)[0] == "2020-06"
    assert one("He was detained three years ago.")[0] == "2018"


@pytest.mark.parametrize(
    "text",
    [
        "The outlet survived 2024 thanks to its readers.",
        "an independent news source for over 30 years",
        "along with 18 employees of the department",
        "punishable by up to 12 years in prison",
        "more than 40 gigabytes of files",
        "between 1.5 and 1.7 million people",
        "You may have heard about it.",
        "they will march on the capital",
        "a 2020-gigabyte archive",
        "it costs $2021 a month",
        "for a period of two weeks",
    ],
)
def test_numbers_and_words_that_are_not_dates(text: str) -> None:
    assert find_times(text, PUB_2021) == []


def test_without_a_publication_date_relative_forms_stay_unresolved() -> None:
    assert find_times("It happened on Tuesday, last month.", TimeContext()) == []
    assert one("It happened in 2011.", TimeContext()) == ("2011", None, "year")


def _every_pattern(text: str) -> list[tuple[int, int, str]]:
    return sorted(
        (m.start(), m.end(), kind)
        for kind, pattern in PATTERNS
        for m in pattern.finditer(text)
        if m.group().strip()
    )


@pytest.mark.parametrize(
    "text",
    [
        "On Tuesday, 5 October 2021, and in SEPT. 2020, the ſpring of 2019, two weeks later",
        "Between 1921 and 1953; 05.10.2021; 2021-10-05; in the 1990s; yesterday and tonight",
        "No date at all here, only words: the council met and the mayor spoke.",
        "From May 1 to 5, 3rd and 5th June, from July 2015 to September 2020, 2018–2020",
        "The day before, (day after, the following week, three days ago, later that month",
        "DAY BEFORE this YEAR; 5/10/2021 and 1990s, 2019, 2020 or 2021; Monday;today",
        "In the SPR\u0130NG of 2019, last w\u0131nter, TON\u0130GHT and to\u0131ght, \u212aelvin",
    ],
    ids=["words", "numbers", "none", "spans", "units", "cases", "turkish-i"],
)
def test_skipping_patterns_never_skips_a_match(text: str) -> None:
    assert sorted((c[0], c[1], c[3]) for c in _candidates(text)) == _every_pattern(text)


def test_folding_keeps_every_letter_a_pattern_ignoring_case_matches() -> None:
    """What lets the cues read in the folded text stand for patterns that ignore case: every
    character such a pattern matches with an ASCII letter folds to that letter."""
    everything = "".join(chr(code) for code in range(0x110000))
    for letter in string.ascii_lowercase:
        same = re.findall(letter, everything, re.I)
        assert {fold_for_cues(char) for char in same} == {letter}, letter


def test_folding_puts_no_ascii_word_character_where_none_was() -> None:
    """What lets the unit cue (read in the folded text) skip a unit right after an ASCII
    letter, digit or underscore: every character that is no word character (where a
    pattern's word boundary or space may be) folds to no such character."""
    everything = "".join(chr(code) for code in range(0x110000))
    clashes = [
        char
        for char in re.findall(r"\W", everything)
        if re.search(r"[a-z0-9_]", fold_for_cues(char))
    ]
    assert clashes == []


def test_skipping_patterns_never_skips_a_match_in_articles(corpus: Path) -> None:
    for path in sorted(corpus.glob("*.txt")):
        for line in path.read_text("utf-8").splitlines():
            assert sorted((c[0], c[1], c[3]) for c in _candidates(line)) == _every_pattern(line)


def _without_first_characters(text: str) -> list[tuple[int, int, str]]:
    """Every pattern's matches with its leading first-character lookahead taken off."""
    found = []
    for (kind, pattern), (_, first) in zip(PATTERNS, FIRST_CHARACTERS, strict=True):
        plain = pattern.pattern.removeprefix(f"(?=[{first}])") if first else pattern.pattern
        found += [
            (m.start(), m.end(), kind)
            for m in re.finditer(plain, text, pattern.flags)
            if m.group().strip()
        ]
    return sorted(found)


@pytest.mark.parametrize(
    "text",
    [
        "FROM May 1 to 5, Between 3 and 5 June, from July 2015 to September 2020",
        "late on Friday, Tuesday night, early 2020, mid-2020, the end of 2019, in the 1990s",
        "the next day, the day before, later that week, this year, last  month, 2019 and 2020",
        "Two days later; a few weeks earlier; several years ago; 12 months afterwards",
        "In Spring, during the winter of 2020, TODAY, Yesterday, 3rd of March, Sept. 4th",
        "Tuesday, October 5, 2021; Wednesday, 21 September; Thursday 6 May; Sunday, Dec. 1",
    ],
    ids=["spans", "parts", "anaphoric", "offsets", "cases", "weekdays"],
)
def test_first_characters_change_no_match(text: str) -> None:
    assert _every_pattern(text) == _without_first_characters(text)


def test_first_characters_change_no_match_in_articles(corpus: Path) -> None:
    for path in sorted(corpus.glob("*.txt")):
        for line in path.read_text("utf-8").splitlines():
            assert _every_pattern(line) == _without_first_characters(line)
