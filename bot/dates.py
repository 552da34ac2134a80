"""Dates as readers write and read them: parsing /timeline arguments, showing event dates.

Event dates are ISO strings at the precision known ("2021", "2021-10", "2021-10-05").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Russian month names so "октябрь 2021" and "5 октября 2021" work too.
RU_MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
    "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
RU_ENDINGS = "аяе"  # марта, октября, октябре: the forms a date is written in
ABBR = tuple(m[:3].title() for m in MONTHS)
RANGE_WORDS = {"to", "until", "till", "-", "–", "—", "..", "по", "до"}
# "5 октября 2021 г.", "октябрь 2021 года": Russian marks a year so; the word adds nothing.
YEAR_WORDS = {"г", "г.", "год", "года", "году"}
# A leading word that leaves the range open: "from Oct 2021", "until 2021".
OPEN_END_WORDS = {"from", "since", "с"}
OPEN_START_WORDS = {"to", "until", "till", "до", "по"}
# A leading word that leaves out the date it names: "before Oct 2021" ends with September.
BEFORE_WORDS = {"before", "перед"}
AFTER_WORDS = {"after", "после"}


class DateArgError(ValueError):
    """The arguments are not dates this bot understands; the message says why."""


def month_number(word: str) -> int | None:
    """1-12 for an English or Russian month name or abbreviation, else None."""
    word = word.casefold().rstrip(".,")
    if len(word) >= 3:
        for number, name in enumerate(MONTHS, start=1):
            if name.startswith(word):
                return number
    # A whole word: taking any word that starts like a month made "сентябрь-октябрь 2021"
    # September alone, a range silently cut to its first month.
    if not re.fullmatch(r"[а-яё]+", word):
        return None
    for number, name in enumerate(RU_MONTHS, start=1):
        stem = name.rstrip("ьй")  # "январ", "ма", "март"
        abbreviation = len(word) >= 3 and name.startswith(word)  # "окт", "сент"
        if abbreviation or word == name or word[:-1] == stem and word[-1] in RU_ENDINGS:
            return number
    return None


# The years a date argument may name (a briefing's dates are four-digit ISO years).
FIRST_YEAR, LAST_YEAR = 1000, 2999


def _year(token: str) -> int | None:
    if re.fullmatch(r"\d{4}", token):
        year = int(token)
        if FIRST_YEAR <= year <= LAST_YEAR:
            return year
    return None


def _day(token: str) -> int | None:
    token = token.rstrip(".,")
    if re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", token):
        return int(re.match(r"\d+", token).group())  # type: ignore[union-attr]
    return None


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        raise DateArgError(f"there is no month {month}")
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise DateArgError(f"there is no day {day} in {ABBR[month - 1]} {year}") from None


# Hyphens as phones and word processors write them (hyphen, non-breaking hyphen, figure
# dash, minus sign, small hyphen-minus): "2021‐10" is "2021-10".
HYPHENS = re.compile("[\u2010\u2011\u2012\u2212\ufe63]")
# Day first with dots, as Russian and most of Europe write dates: "05.10.2021", "10.2021".
DOTTED = re.compile(r"(?:(\d{1,2})\.)?(\d{1,2})\.(\d{4})")
# Month and year with a slash, "10/2021"; with a day too, "25/10/2021" or "10/25/2021",
# whose order only a day over 12 tells.
SLASHED = re.compile(r"(?:(\d{1,2})/)?(\d{1,2})/(\d{4})")


def _parse_iso(token: str) -> str | None:
    match = re.fullmatch(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?", token)
    if match is not None:
        year, month, day = match.groups()
    elif (dotted := DOTTED.fullmatch(token)) is not None:
        day, month, year = dotted.groups()
    elif (slashed := SLASHED.fullmatch(token)) is not None:
        day, month, year = _day_and_month(token, *slashed.groups())
    else:
        return None
    if _year(year) is None:
        raise DateArgError(f"{year} is not a year a briefing can hold ({FIRST_YEAR}-{LAST_YEAR})")
    return _iso(int(year), int(month) if month else None, int(day) if day else None)


def _day_and_month(
    token: str, first: str | None, second: str, year: str
) -> tuple[str | None, str, str]:
    """The day, month and year of a slashed date: day first (European) or month first
    (American), whichever can be; both can be when neither number is over 12: refused."""
    if first is None:
        return None, second, year
    if int(first) > 12:
        return first, second, year
    if int(second) > 12 or first == second:
        return second, first, year
    readings = [_iso(int(year), int(m), int(d)) for d, m in ((first, second), (second, first))]
    raise DateArgError(
        f"{token!r} could be {describe(readings[0])} or {describe(readings[1])}:"
        f" write {readings[0]} or {readings[1]}"
    )


def _take_date(tokens: list[str], i: int) -> tuple[str, int] | None:
    """Parse one date starting at tokens[i]; returns (iso, tokens used)."""
    first = tokens[i]
    rest = tokens[i + 1 :]
    iso = _parse_iso(first)
    if iso is not None:
        return iso, 1
    # 5 Oct 2021 / 5 October 2021
    day = _day(first)
    if day is not None and len(rest) >= 2:
        month, year = month_number(rest[0]), _year(rest[1])
        if month and year:
            return _iso(year, month, day), 3
    month = month_number(first)
    if month is not None and rest:
        # Oct 5 2021 / Oct 5, 2021
        day = _day(rest[0])
        if day is not None and len(rest) >= 2 and _year(rest[1]):
            return _iso(_year(rest[1]) or 0, month, day), 3
        year = _year(rest[0])
        if year:
            return _iso(year, month), 2
    return None


@dataclass(frozen=True)
class DateRange:
    start: str | None
    end: str | None

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None

    def as_args(self) -> str:
        """The range as /timeline arguments that parse back to it."""
        if self.start and self.end:
            return self.start if self.start == self.end else f"{self.start} {self.end}"
        if self.start:
            return f"from {self.start}"
        return f"until {self.end}" if self.end else ""


def parse_range(text: str) -> DateRange:
    """'' -> everything; one date -> that year/month/day; two dates -> from..to inclusive;
    'from DATE' or 'until DATE' -> open on one side."""
    tokens = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    lead = tokens[0].casefold() if tokens else ""
    if lead in BEFORE_WORDS | AFTER_WORDS:
        return _beyond(tokens[0], _dates(tokens[1:]), after=lead in AFTER_WORDS)
    if lead in OPEN_END_WORDS | OPEN_START_WORDS:
        dates = _dates(tokens[1:])
        if not dates:
            raise DateArgError(f"{tokens[0]} when? Give a date after it")
        if len(dates) == 2:
            if lead in OPEN_END_WORDS:
                return _ordered(dates)  # "from X to Y", X and Y perhaps the same
            raise DateArgError(f"give one date after {tokens[0]!r}")
        if lead in OPEN_END_WORDS:
            return DateRange(dates[0], None)
        return DateRange(None, dates[0])
    dates = _dates(tokens)
    return _ordered(dates) if dates else DateRange(None, None)


def _beyond(word: str, dates: list[str], *, after: bool) -> DateRange:
    """'after DATE' from the day, month or year after it; 'before DATE' until the one
    before it (at the date's own precision: "before Oct 2021" ends with September)."""
    if len(dates) != 1:
        raise DateArgError(
            f"give one date after {word!r}" if dates else f"{word} when? Give a date after it"
        )
    step = _neighbour(dates[0], 1 if after else -1)
    return DateRange(step, None) if after else DateRange(None, step)


def _neighbour(iso: str, step: int) -> str:
    """The year, month or day next to `iso` (step 1) or before it (step -1)."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 1:
        return f"{parts[0] + step:04d}"
    if len(parts) == 2:
        months = parts[0] * 12 + parts[1] - 1 + step
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    day = date(*parts).toordinal() + step
    return date.fromordinal(day).isoformat() if day >= 1 else iso


def _dates(tokens: list[str]) -> list[str]:
    """The one or two ISO dates the tokens give (none: no tokens)."""
    # "2021-10-01..2021-10-31" and "2021-10-01–2021-10-31" become two dates.
    split: list[str] = []
    for token in tokens:
        token = HYPHENS.sub("-", token)
        if re.fullmatch(r"\d{4}[/–—]\d{1,2}(?:[/–—]\d{1,2})?", token):
            # "2021/10/05" and "2021–10–05" are one date, written with slashes or dashes
            split.append(re.sub("[–—]", "-", token))
            continue
        if SLASHED.fullmatch(token):
            split.append(token)  # "10/2021", "25/10/2021": one date, not a range
            continue
        if re.fullmatch(r"\d{1,2}-\d{1,2}", token):
            parts = token.split("-")  # "5-7 Oct 2021": days, not a date
        else:
            parts = re.split(r"(?<=\d)(?:\.\.|–|—|/)(?=\d)", token)
        # The range between them stays a word of its own: "5–7 Oct" is "5 to 7 Oct".
        for n, part in enumerate(parts):
            split.extend(["–", part] if n else [part])
    tokens = split
    dates: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i].casefold() in RANGE_WORDS | YEAR_WORDS and dates:
            i += 1
            continue
        taken = _take_date(tokens, i) or _day_before(tokens, i)
        if taken is None:
            raise DateArgError(_not_a_date(tokens, i))
        dates.append(taken[0])
        i += taken[1]
    if len(dates) > 2:
        raise DateArgError("give at most two dates: from and to")
    return dates


def _day_before(tokens: list[str], i: int) -> tuple[str, int] | None:
    """A day whose month and year the date after a range word gives: the 5 of
    "5–7 Oct 2021" and of "с 5 по 7 октября 2021"."""
    day = _day(tokens[i])
    after = i + 1
    while after < len(tokens) and tokens[after].casefold() in RANGE_WORDS:
        after += 1
    if day is None or after == i + 1 or after >= len(tokens):
        return None
    later = _take_date(tokens, after)
    if later is None or len(later[0]) != len("YYYY-MM-DD"):
        return None
    year, month = int(later[0][:4]), int(later[0][5:7])
    return _iso(year, month, day), 1


def _not_a_date(tokens: list[str], i: int) -> str:
    """Why tokens[i] starts no date: a month or a day and month without their year are
    told so ("'Oct' needs its year"), anything else is no date."""
    words = tokens[i : i + 2]
    if month_number(words[0]) is None and not (
        len(words) == 2 and _day(words[0]) is not None and month_number(words[1]) is not None
    ):
        return f"{tokens[i]!r} is not a date"
    if _day(words[0]) is None:
        words = words[:1]
    given = " ".join(words)
    return f"{given!r} needs its year, e.g. '{given} 2021'"


def _ordered(dates: list[str]) -> DateRange:
    """The range from the first date to the last, refused when they are the wrong way round."""
    start, end = dates[0], dates[-1]
    # Compare at the coarser precision so "2021-10 2021" is accepted.
    shortest = min(len(start), len(end))
    if start[:shortest] > end[:shortest]:
        raise DateArgError("the first date is after the second")
    return DateRange(start, end)


def describe(iso: str) -> str:
    """'2021' -> '2021', '2021-10' -> 'Oct 2021', '2021-10-05' -> '5 Oct 2021'."""
    parts = iso.split("-")
    try:
        if len(parts) == 1:
            return parts[0]
        month = ABBR[int(parts[1]) - 1]
        if len(parts) == 2:
            return f"{month} {parts[0]}"
        return f"{int(parts[2])} {month} {parts[0]}"
    except (ValueError, IndexError):
        return iso  # stored data we cannot read is shown as it is, never dropped


def describe_span(start: str, end: str | None) -> str:
    """An event's date, or its span: '5–12 Oct 2021', 'Oct 2021 – Jan 2022'."""
    if not end or end == start:
        return describe(start)
    s, e = start.split("-"), end.split("-")
    if len(s) == len(e) == 3 and s[:2] == e[:2]:
        return f"{int(s[2])}–{describe(end)}"
    if len(s) == len(e) == 2 and s[0] == e[0]:
        return f"{ABBR[int(s[1]) - 1]}–{describe(end)}" if s[1].isdigit() else describe(start)
    return f"{describe(start)} – {describe(end)}"


def describe_range(span: DateRange) -> str:
    if span.start is None and span.end is None:
        return "all dates"
    if span.end is None:
        return f"from {describe(span.start or '')}"
    if span.start is None:
        return f"until {describe(span.end)}"
    if span.start == span.end:
        return describe(span.start)
    return f"{describe(span.start)} to {describe(span.end)}"
