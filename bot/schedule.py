"""Digest schedules without Telegram: the `/digest` arguments, time zones, and when runs fall.

A schedule is a local wall-clock time ("09:00") in an IANA zone, daily or on one weekday, so
09:00 stays 09:00 local across daylight-saving changes. Two local times need a rule:

- a time that does not exist (skipped by a spring-forward gap, e.g. 02:30 in Berlin on the
  last Sunday of March) runs that day at the same distance after the gap's start, i.e. moved
  forward by the length of the gap (02:30 -> 03:30 CEST), past midnight when the gap ends
  the day (23:30 in Nuuk on its spring-forward Saturday runs at 00:30 on Sunday, as
  Saturday's run);
- a time that happens twice (fall-back, 02:30 on the last Sunday of October) runs once, at the
  first occurrence (still summer time).
A local date the zone skipped altogether (rare: Samoa, 30 Dec 2011) has no slot.

Each run has a *period*: the schedule's kind, and the local date, time and zone of its slot
(`daily:2026-03-29T09:00@Europe/Berlin`, `weekly:2026-03-30T09:00@UTC`). The delivery log
is keyed by (chat, period), which is what makes a run deliver once. The time and the zone are
part of the key because a chat may move its digest to later in a day whose digest has gone
(to 18:00, or to 09:00 in a zone further west): the reply then promises the new time today,
and the run at that time must not be taken for the one already sent.
After downtime only the latest missed slot is owed (`due_slot`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.zones import canonical_zone, zones_of_city
from store.models import DigestSchedule

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FREQUENCIES = ("daily", "weekly")
MAX_ZONE_LENGTH = 64
MAX_CITY_WORDS = 3  # "Ho Chi Minh": a zone typed as its city's name, with spaces

USAGE = (
    "Usage: /digest [@channel] daily HH:MM [Zone] | weekly DAY HH:MM [Zone] | off | now"
    " | empty on|off"
)


class ScheduleError(ValueError):
    """Arguments a user typed do not make a schedule; the message says what to fix."""


def iso(moment: datetime) -> str:
    """A UTC ISO timestamp with seconds, the store's format (comparable as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- time zones ----------------------------------------------------------------------------


# An offset typed as a zone: "UTC+3", "GMT-05:00", "+0530", "-5".
OFFSET = re.compile(r"(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
# POSIX-style fixed-offset zones, whose sign is the opposite of the offset's.
ETC_GMT = re.compile(r"Etc/GMT([+-])(\d{1,2})")


def parse_zone(text: str) -> str:
    """The canonical IANA name for `text` (case-insensitive), or a ScheduleError."""
    name = text.strip()
    unknown = f"Unknown time zone {_shown(name)}: use an IANA name like Europe/Berlin."
    # Spaces only between the words of a city's name ("/timezone New York").
    if not name or len(name) > MAX_ZONE_LENGTH or not re.fullmatch(r"[A-Za-z0-9_+\-/: ]+", name):
        raise ScheduleError(unknown)
    canonical = canonical_zone(name)
    if canonical is not None:
        return canonical
    # A city without its region ("Berlin"): the zone named after it, when only one is;
    # the reply names the zone in full, so the admin sees which was taken.
    cities = zones_of_city(name)
    if len(cities) == 1:
        return cities[0]
    if cities:
        raise ScheduleError(f"Which {_shown(name)}? Write {' or '.join(cities[:3])}.")
    raise ScheduleError(_offset_hint(name) or unknown)


def _offset_hint(name: str) -> str | None:
    """For an offset typed as a zone, what to write instead: a place's zone, which follows
    its summer time, or the fixed-offset zone, whose sign confuses everyone."""
    match = OFFSET.fullmatch(name)
    if match is None or name.lower() in ("utc", "gmt"):
        return None
    sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
    if hours > 14 or minutes > 59:
        return None
    offset = f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")
    advice = (
        f"{_shown(name)} is an offset, not a time zone: give a place's zone, as"
        " Continent/City (e.g. Europe/Berlin), so that its summer time is followed"
    )
    fixed = f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    if hours == 0 and minutes == 0:
        return f"{advice}, or UTC."
    if minutes or hours > (14 if sign == "+" else 12):
        return f"{advice}."
    return f"{advice}, or {fixed} for {offset} all year (such names count the other way)."


def zone_note(zone: str) -> str | None:
    """A warning for a fixed-offset zone whose name reads as the opposite offset."""
    match = ETC_GMT.fullmatch(zone)
    if match is None or int(match[2]) == 0:
        return None
    offset = f"UTC{'-' if match[1] == '+' else '+'}{int(match[2])}"
    return f"{zone} is {offset}: such names count the other way."


def _shown(text: str) -> str:
    """User text echoed back, shortened; the renderer escapes it."""
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


# --- schedules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    frequency: str  # daily | weekly
    at: time  # local wall-clock time, minutes precision
    zone: str  # IANA name
    weekday: int | None = None  # 0 = Monday; weekly only

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"unknown frequency {self.frequency!r}")
        if (self.frequency == "weekly") != (self.weekday is not None):
            raise ValueError("a weekly schedule needs a weekday, a daily one must not have one")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def time_of_day(self) -> str:
        return self.at.strftime("%H:%M")

    def describe(self) -> str:
        """'daily at 09:00 (Europe/Berlin)' or 'weekly on Monday at 09:00 (UTC)'."""
        when = "daily" if self.weekday is None else f"weekly on {WEEKDAYS[self.weekday].title()}"
        return f"{when} at {self.time_of_day} ({self.zone})"

    def slot_on(self, day: date) -> datetime | None:
        """The UTC instant of the run on local date `day`, None if there is none that day."""
        if self.weekday is not None and day.weekday() != self.weekday:
            return None
        # fold=0: a skipped time reads with the offset before the gap (moves it forward by
        # the gap), a repeated time is its first occurrence. See the module docstring.
        local = datetime.combine(day, self.at, tzinfo=self.tz)
        moment = local.astimezone(UTC)
        if moment.astimezone(self.tz).date() != day:
            # A gap at the end of the day moves the run past midnight (Nuuk springs forward
            # at 23:00): it is still this date's run. On a date the zone skipped whole it
            # lands on the next date's own run, which is then the only one.
            following = datetime.combine(day + timedelta(days=1), self.at, tzinfo=self.tz)
            if moment >= following.astimezone(UTC):
                return None
        return moment

    def next_run(self, after: datetime) -> datetime:
        """The first run strictly after `after` (UTC)."""
        day = after.astimezone(self.tz).date() - timedelta(days=1)
        for _ in range(16):
            slot = self.slot_on(day)
            if slot is not None and slot > after:
                return slot
            day += timedelta(days=1)
        raise AssertionError("no run within 16 days")  # unreachable: every week has one

    def latest_run(self, at: datetime) -> datetime | None:
        """The most recent run at or before `at` (UTC)."""
        day = at.astimezone(self.tz).date() + timedelta(days=1)
        for _ in range(16):
            slot = self.slot_on(day)
            if slot is not None and slot <= at:
                return slot
            day -= timedelta(days=1)
        return None

    def period(self, slot: datetime) -> str:
        """The delivery-log key of the run at `slot`: kind, local date, scheduled time (as
        set, not as moved by a daylight-saving gap) and zone."""
        day = slot.astimezone(self.tz).date()
        if self.slot_on(day) != slot:
            day -= timedelta(days=1)  # a gap moved the day before's run past midnight
        return f"{self.frequency}:{day.isoformat()}T{self.time_of_day}@{self.zone}"

    def due_slot(self, now: datetime, effective_from: datetime) -> datetime | None:
        """The slot owed at `now`: the latest one, if the schedule existed by then. Only the
        latest, so downtime over several slots owes one catch-up digest, not one per slot."""
        slot = self.latest_run(now)
        if slot is None or slot < effective_from:
            return None
        return slot


def schedule_of(record: DigestSchedule) -> Schedule:
    """The stored schedule as a Schedule."""
    hour, minute = (int(part) for part in record.time_of_day.split(":"))
    return Schedule(record.frequency, time(hour, minute), record.timezone, record.weekday)


def manual_period(moment: datetime) -> str:
    """The delivery-log key of a `/digest now`."""
    return f"now:{iso(moment)}"


# --- /digest arguments ---------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRequest:
    """What `/digest ...` asks for. `schedule` has zone None when the chat's zone applies."""

    action: str  # show | set | off | now | empty
    target: str | None = None  # @channel or -100... id, configuring it from a private chat
    frequency: str | None = None
    weekday: int | None = None
    at: time | None = None
    zone: str | None = None
    flag: bool | None = None  # for `empty on|off`

    def schedule(self, default_zone: str) -> Schedule:
        assert self.frequency is not None and self.at is not None
        return Schedule(self.frequency, self.at, self.zone or default_zone, self.weekday)


def parse_target(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """Split an optional leading channel off the arguments: @username, or the -100... id
    of a channel without one (a private channel)."""
    rest = list(args)
    if rest and rest[0].startswith("@"):
        name = rest.pop(0)
        if not re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,31}", name):
            raise ScheduleError(f"{_shown(name)} is not a channel username like @mychannel.")
        return name, rest
    # Channel ids are -100 and then up to 13 digits (well below 2**63). Other numbers are
    # left alone: "/timezone -5" is an attempt at a zone, answered as one.
    if rest and re.fullmatch(r"-100\d{1,13}", rest[0]):
        return rest.pop(0), rest
    return None, rest


# "am", "pm", "a.m.", "P.M." after a 12-hour time, written on to it or as the next word.
MERIDIEM = r"([ap])\.?m\.?"


def parse_time(text: str) -> time:
    """'09:00', '9.30', '9h30', and 12-hour times: '9am', '9:30pm', '12 a.m.' (00:00)."""
    twelve = re.fullmatch(rf"(\d{{1,2}})(?:[:.h](\d{{2}}))?\s*{MERIDIEM}", text.strip(), re.I)
    if twelve:
        hour, minute = int(twelve[1]), int(twelve[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise ScheduleError(f"{_shown(text)} is not a time of day (12:00am to 11:59pm).")
        return time(hour % 12 + (12 if twelve[3].lower() == "p" else 0), minute)
    match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", text.strip())
    if not match:
        raise ScheduleError(
            f"{_shown(text)} is not a time: write it as HH:MM, e.g. 09:00 (or 9am)."
        )
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{_shown(text)} is not a time of day (00:00 to 23:59).")
    return time(hour, minute)


def _is_time(text: str) -> bool:
    try:
        parse_time(text)
    except ScheduleError:
        return False
    return True


def _time_words(args: Sequence[str]) -> list[str]:
    """The arguments with an 'am'/'pm' written apart ('9:30 pm') joined to the time before
    it: otherwise 'pm' would be read as a time zone."""
    joined: list[str] = []
    for word in args:
        if joined and re.fullmatch(MERIDIEM, word, re.I) and re.fullmatch(r"[\d:.h]+", joined[-1]):
            joined[-1] = f"{joined[-1]} {word}"
        else:
            joined.append(word)
    return joined


def parse_weekday(text: str) -> int:
    word = text.strip().lower()
    if len(word) >= 2:
        matches = [i for i, name in enumerate(WEEKDAYS) if name.startswith(word)]
        if len(matches) == 1:
            return matches[0]
    raise ScheduleError(f"{_shown(text)} is not a weekday: use mon, tue, wed, thu, fri, sat, sun.")


def parse_digest_args(args: Sequence[str]) -> DigestRequest:
    """Read `/digest` arguments; a ScheduleError explains any mistake."""
    target, rest = parse_target(args)
    if not rest:
        return DigestRequest("show", target)
    rest = _time_words(rest)
    word, rest = rest[0].lower(), rest[1:]
    if word in ("off", "now"):
        if rest:
            raise ScheduleError(f"/digest {word} takes nothing after it. {USAGE}")
        return DigestRequest(word, target)
    if word == "empty":
        if len(rest) != 1 or rest[0].lower() not in ("on", "off"):
            raise ScheduleError("Usage: /digest empty on|off (send a note when nothing is new).")
        return DigestRequest("empty", target, flag=rest[0].lower() == "on")
    # The zone is the rest: one word, or a city's name of a few ("New York").
    if word == "daily":
        if not 1 <= len(rest) <= 1 + MAX_CITY_WORDS:
            raise ScheduleError("Usage: /digest daily HH:MM [Zone], e.g. /digest daily 09:00.")
        zone = parse_zone(" ".join(rest[1:])) if len(rest) > 1 else None
        return DigestRequest("set", target, "daily", None, parse_time(rest[0]), zone)
    if word == "weekly":
        if not 2 <= len(rest) <= 2 + MAX_CITY_WORDS:
            raise ScheduleError(
                "Usage: /digest weekly DAY HH:MM [Zone], e.g. /digest weekly mon 09:00."
            )
        day, clock = rest[0], rest[1]
        if _is_time(day) and not _is_time(clock):
            day, clock = clock, day  # "weekly 09:00 mon": the same, written the other way
        zone = parse_zone(" ".join(rest[2:])) if len(rest) > 2 else None
        return DigestRequest("set", target, "weekly", parse_weekday(day), parse_time(clock), zone)
    try:
        at = parse_time(word)
    except ScheduleError:
        raise ScheduleError(f"Unknown /digest option {_shown(word)}. {USAGE}") from None
    # A time without 'daily' or 'weekly': say how to write what was most likely meant.
    daily = " ".join(part for part in ("/digest", target, "daily", f"{at:%H:%M}") if part)
    raise ScheduleError(f"Every day at {at:%H:%M}? Write {daily} (or weekly DAY {at:%H:%M}).")


def describe_moment(moment: datetime, zone: str) -> str:
    """'Mon 30 Mar 2026, 09:00 CEST' in the chat's zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%a %d %b %Y, %H:%M ") + (local.tzname() or zone)
