"""Digest schedules: parsing /digest, IANA zones, runs across DST changes, catch-up slots."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import (
    Schedule,
    ScheduleError,
    describe_moment,
    parse_digest_args,
    parse_zone,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ("show", None, None, None, None, None)),
        (["daily", "09:00"], ("set", None, "daily", None, time(9, 0), None)),
        (
            ["daily", "9:05", "europe/moscow"],
            ("set", None, "daily", None, time(9, 5), "Europe/Moscow"),
        ),
        (["weekly", "Mon", "09:00", "UTC"], ("set", None, "weekly", 0, time(9, 0), "UTC")),
        (["weekly", "sunday", "23:59"], ("set", None, "weekly", 6, time(23, 59), None)),
        (["OFF"], ("off", None, None, None, None, None)),
        (["now"], ("now", None, None, None, None, None)),
        (["@my_channel", "daily", "08:00"], ("set", "@my_channel", "daily", None, time(8), None)),
        (["@my_channel"], ("show", "@my_channel", None, None, None, None)),
        (["-1001234567890", "now"], ("now", "-1001234567890", None, None, None, None)),
        (["daily", "9am"], ("set", None, "daily", None, time(9), None)),
        (["daily", "9.30"], ("set", None, "daily", None, time(9, 30), None)),
        (
            ["daily", "9:30", "pm", "Asia/Tokyo"],
            ("set", None, "daily", None, time(21, 30), "Asia/Tokyo"),
        ),
        (["weekly", "fri", "12", "a.m."], ("set", None, "weekly", 4, time(0), None)),
        (["daily", "12:15PM"], ("set", None, "daily", None, time(12, 15), None)),
        (["weekly", "9am", "Tue", "UTC"], ("set", None, "weekly", 1, time(9), "UTC")),
    ],
    ids=[
        "show",
        "daily",
        "daily-zone",
        "weekly-zone",
        "weekly-full-day",
        "off",
        "now",
        "channel-set",
        "channel-show",
        "channel-id-now",
        "am",
        "dot",
        "pm-apart-zone",
        "midnight-am-apart",
        "noon-pm",
        "weekly-time-first",
    ],
)
def test_parse_digest_args(args: list[str], expected: tuple[object, ...]) -> None:
    request = parse_digest_args(args)
    got = (
        request.action,
        request.target,
        request.frequency,
        request.weekday,
        request.at,
        request.zone,
    )
    assert got == expected


def test_parse_empty_option() -> None:
    assert parse_digest_args(["empty", "on"]).flag is True
    assert parse_digest_args(["empty", "OFF"]).flag is False


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["daily"], "Usage"),
        (["daily", "25:00"], "not a time of day"),
        (["daily", "13pm"], "not a time of day \\(12:00am to 11:59pm\\)"),
        (["daily", "0am"], "not a time of day"),
        (["daily", "9"], "not a time: write it as HH:MM"),
        (["daily", "pm"], "not a time"),
        (["daily", "09:00", "Mars/Olympus"], "Unknown time zone"),
        (["daily", "09:00", "../../etc/passwd"], "Unknown time zone"),
        (["daily", "09:00", "x" * 500], "Unknown time zone"),
        (["weekly", "funday", "09:00"], "not a weekday"),
        (["weekly", "09:00", "10:00"], "'09:00' is not a weekday"),
        (["weekly", "t", "09:00"], "not a weekday"),  # ambiguous: tue or thu
        (["weekly", "09:00"], "Usage"),
        (["hourly"], "Unknown /digest option"),
        (["now", "please"], "takes nothing"),
        (["@x", "daily", "09:00"], "not a channel username"),
        (["empty", "maybe"], "empty on|off"),
        # not channel ids: a bare -100, a group's id, more digits than any chat id has
        (["-100", "now"], "Unknown /digest option '-100'"),
        (["-300", "now"], "Unknown /digest option '-300'"),
        (["-100" + "1" * 14, "now"], "Unknown /digest option"),
    ],
    ids=[
        "no-time",
        "hour-25",
        "pm-13",
        "am-0",
        "bare-hour",
        "pm-alone",
        "unknown-zone",
        "path-zone",
        "huge-zone",
        "bad-day",
        "two-times",
        "ambiguous-day",
        "weekly-no-day",
        "unknown-word",
        "now-extra",
        "bad-channel",
        "empty-bad",
        "bare-minus-100",
        "group-id",
        "huge-id",
    ],
)
def test_parse_digest_args_rejects_with_a_reason(args: list[str], fragment: str) -> None:
    with pytest.raises(ScheduleError, match=fragment) as info:
        parse_digest_args(args)
    assert len(str(info.value)) < 300  # one short line, even for a 500-character zone


def test_parse_zone_is_case_insensitive_and_canonical() -> None:
    assert parse_zone("america/new_york") == NEW_YORK
    assert parse_zone("UTC") == "UTC"
    with pytest.raises(ScheduleError):
        parse_zone("")


@pytest.mark.parametrize(
    "text",
    ["Europe", "america", "right/UTC", "posix/Europe/Berlin", "posixrules", "localtime"],
    ids=["region", "region-lower", "leap-seconds", "posix-copy", "posixrules", "localtime"],
)
def test_parse_zone_takes_only_listed_zones(text: str) -> None:
    with pytest.raises(ScheduleError, match="^Unknown time zone"):
        parse_zone(text)


# --- runs across time zones and DST ------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "after", "expected_utc"),
    [
        # Berlin, spring forward on Sun 29 Mar 2026: 09:00 CET the day before, 09:00 CEST after
        (BERLIN, utc(2026, 3, 28, 9, 0), utc(2026, 3, 29, 7, 0)),
        (BERLIN, utc(2026, 3, 27, 9, 0), utc(2026, 3, 28, 8, 0)),
        # Berlin, fall back on Sun 25 Oct 2026: 09:00 CET again from that day
        (BERLIN, utc(2026, 10, 24, 8, 0), utc(2026, 10, 25, 8, 0)),
        # New York, spring forward on Sun 8 Mar 2026 (EST -5 -> EDT -4)
        (NEW_YORK, utc(2026, 3, 7, 14, 0), utc(2026, 3, 8, 13, 0)),
        # New York, fall back on Sun 1 Nov 2026
        (NEW_YORK, utc(2026, 10, 31, 13, 0), utc(2026, 11, 1, 14, 0)),
        # Zones without DST and east of UTC: Asia/Kolkata +5:30, Australia/Sydney (DST south)
        ("Asia/Kolkata", utc(2026, 3, 28, 0, 0), utc(2026, 3, 28, 3, 30)),
        ("Australia/Sydney", utc(2026, 4, 4, 12, 0), utc(2026, 4, 4, 23, 0)),
    ],
    ids=[
        "berlin-spring",
        "berlin-before",
        "berlin-fall",
        "ny-spring",
        "ny-fall",
        "kolkata",
        "sydney-fall",
    ],
)
def test_daily_nine_stays_nine_local_across_dst(
    zone: str, after: datetime, expected_utc: datetime
) -> None:
    schedule = Schedule("daily", time(9, 0), zone)
    run = schedule.next_run(after)
    assert run == expected_utc
    assert run.astimezone(ZoneInfo(zone)).time() == time(9, 0)


def test_a_week_of_daily_runs_across_berlin_spring_forward() -> None:
    schedule = Schedule("daily", time(9, 0), BERLIN)
    runs, moment = [], utc(2026, 3, 26, 12, 0)
    for _ in range(5):
        moment = schedule.next_run(moment)
        runs.append(moment)
    assert [r.astimezone(ZoneInfo(BERLIN)).strftime("%d %H:%M %Z") for r in runs] == [
        "27 09:00 CET",
        "28 09:00 CET",
        "29 09:00 CEST",
        "30 09:00 CEST",
        "31 09:00 CEST",
    ]
    assert [r.hour for r in runs] == [8, 8, 7, 7, 7]


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    schedule = Schedule("daily", time(2, 30), BERLIN)
    run = schedule.next_run(utc(2026, 3, 28, 12, 0))
    assert run == utc(2026, 3, 29, 1, 30)
    assert run.astimezone(ZoneInfo(BERLIN)).strftime("%H:%M %Z") == "03:30 CEST"
    assert schedule.period(run) == "daily:2026-03-29T02:30@Europe/Berlin"
    # and the day after is back to 02:30 local
    assert schedule.next_run(run).astimezone(ZoneInfo(BERLIN)).strftime("%H:%M") == "02:30"


def test_ambiguous_local_time_runs_once_at_the_first_occurrence() -> None:
    schedule = Schedule("daily", time(2, 30), BERLIN)
    first = schedule.next_run(utc(2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    following = schedule.next_run(first)
    # not at 02:30 CET an hour later: the next run is the next day
    assert following == utc(2026, 10, 26, 1, 30)
    assert schedule.period(first) != schedule.period(following)


def test_new_york_gap_and_overlap() -> None:
    schedule = Schedule("daily", time(2, 15), NEW_YORK)
    spring = schedule.next_run(utc(2026, 3, 7, 12, 0))
    assert spring.astimezone(ZoneInfo(NEW_YORK)).strftime("%d %H:%M %Z") == "08 03:15 EDT"
    # 01:30 happens twice on 1 Nov (EDT, then EST): the first one
    schedule = Schedule("daily", time(1, 30), NEW_YORK)
    fall = schedule.next_run(utc(2026, 10, 31, 12, 0))
    assert fall.astimezone(ZoneInfo(NEW_YORK)).strftime("%d %H:%M %Z") == "01 01:30 EDT"
    assert schedule.next_run(fall).astimezone(ZoneInfo(NEW_YORK)).strftime("%d %Z") == "02 EST"


def test_weekly_runs_on_its_weekday_in_local_time() -> None:
    # Monday 00:30 in Auckland is still Sunday in UTC
    schedule = Schedule("weekly", time(0, 30), "Pacific/Auckland", weekday=0)
    run = schedule.next_run(utc(2026, 3, 25, 0, 0))
    assert run.astimezone(ZoneInfo("Pacific/Auckland")).strftime("%a %H:%M") == "Mon 00:30"
    assert run.weekday() == 6
    assert schedule.period(run) == "weekly:2026-03-30T00:30@Pacific/Auckland"
    assert (schedule.next_run(run) - run).days == 7


def test_weekly_across_dst_is_a_week_minus_an_hour() -> None:
    schedule = Schedule("weekly", time(9, 0), BERLIN, weekday=6)
    before = schedule.next_run(utc(2026, 3, 20, 0, 0))
    after = schedule.next_run(before)
    assert (after - before).total_seconds() == 7 * 24 * 3600 - 3600


def test_a_gap_at_the_end_of_the_day_moves_the_run_past_midnight_once() -> None:
    # Nuuk springs forward at 23:00 on Saturday 28 March 2026, straight to Sunday 00:00
    nuuk = ZoneInfo("America/Nuuk")
    daily = Schedule("daily", time(23, 30), "America/Nuuk")
    runs, moment = [], utc(2026, 3, 27, 12, 0)
    for _ in range(3):
        moment = daily.next_run(moment)
        runs.append((daily.period(moment), moment.astimezone(nuuk).strftime("%a %d %H:%M")))
    assert runs == [
        ("daily:2026-03-27T23:30@America/Nuuk", "Fri 27 23:30"),
        ("daily:2026-03-28T23:30@America/Nuuk", "Sun 29 00:30"),
        ("daily:2026-03-29T23:30@America/Nuuk", "Sun 29 23:30"),
    ]
    weekly = Schedule("weekly", time(23, 30), "America/Nuuk", weekday=5)
    run = weekly.next_run(utc(2026, 3, 27, 12, 0))
    assert run.astimezone(nuuk).strftime("%a %d %H:%M") == "Sun 29 00:30"
    assert weekly.period(run) == "weekly:2026-03-28T23:30@America/Nuuk"
    assert weekly.latest_run(utc(2026, 3, 29, 12, 0)) == run


def test_zone_that_skipped_a_whole_day_has_no_slot_that_day() -> None:
    schedule = Schedule("daily", time(9, 0), "Pacific/Apia")
    runs, moment = [], utc(2011, 12, 28, 0, 0)
    for _ in range(3):
        moment = schedule.next_run(moment)
        runs.append(moment.astimezone(ZoneInfo("Pacific/Apia")).strftime("%d %H:%M"))
    assert runs == ["28 09:00", "29 09:00", "31 09:00"]


# --- the slot owed after downtime ------------------------------------------------------------


def test_due_slot_is_only_the_latest_missed_one() -> None:
    schedule = Schedule("daily", time(9, 0), BERLIN)
    configured = utc(2026, 3, 1, 12, 0)
    # down from 2 March to 5 March 10:00 local: only 5 March's run is owed
    owed = schedule.due_slot(local(BERLIN, 2026, 3, 5, 10, 0), configured)
    assert owed is not None and schedule.period(owed) == "daily:2026-03-05T09:00@Europe/Berlin"
    # at 08:59 on 5 March the latest slot is 4 March's
    owed = schedule.due_slot(local(BERLIN, 2026, 3, 5, 8, 59), configured)
    assert owed is not None and schedule.period(owed) == "daily:2026-03-04T09:00@Europe/Berlin"


def test_no_slot_is_owed_from_before_the_schedule_was_set() -> None:
    schedule = Schedule("daily", time(9, 0), BERLIN)
    set_at = local(BERLIN, 2026, 3, 5, 9, 30)
    assert schedule.due_slot(local(BERLIN, 2026, 3, 5, 9, 45), set_at) is None
    assert schedule.due_slot(local(BERLIN, 2026, 3, 6, 9, 0), set_at) is not None


def test_describe() -> None:
    assert Schedule("weekly", time(9), BERLIN, 0).describe() == (
        "weekly on Monday at 09:00 (Europe/Berlin)"
    )
    assert describe_moment(utc(2026, 3, 29, 7, 0), BERLIN) == "Sun 29 Mar 2026, 09:00 CEST"
