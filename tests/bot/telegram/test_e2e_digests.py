"""Digests end to end: users configure them over the fake Bot API, the real Application
answers, and the fan-out sends through python-telegram-bot (FloodLimiter, HTTP) to the
fake server, which counts what each chat received. The scheduler's clock is a FakeClock."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.delivery import DeliveryEngine, RetryPolicy
from bot.digest import DIGEST_EVENTS
from bot.schedule import describe_moment, from_iso, iso
from bot.telegram.app import build_application
from bot.telegram.digests import JOB_NAME, install_engine
from config.settings import Settings
from store import Store
from tests.bot.briefing import add_article, add_event, sample_briefing
from tests.fakes.bot_api import BOT_ID, BOT_USERNAME, FakeBotAPI, Request, visible_text
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import quick_limiter, settings_for, start_polling, stop_polling

REPO = Path(__file__).resolve().parents[3]


def wall() -> datetime:
    """The wall clock, which stamps events the tests add (read when needed: the suite may
    run long after this module is imported)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class DigestBot:
    app: Application  # type: ignore[type-arg]
    api: FakeBotAPI
    store: Store
    engine: DeliveryEngine
    clock: FakeClock


@pytest.fixture
def clock() -> FakeClock:
    # A day behind the wall clock: what users set up now comes before the events the
    # tests add (stamped with the real time), and digests are sent a day or more later.
    return FakeClock(wall() - timedelta(days=1))


async def _running(
    api: FakeBotAPI, settings: Settings, store: Store, clock: FakeClock, *, tick: bool
) -> tuple[Application, DeliveryEngine]:  # type: ignore[type-arg]
    app = build_application(settings_for(api, settings), store=store, limiter=quick_limiter())
    # Unpaced (the 25/s pacing has its own test), with short timeouts for the timeout test.
    engine = install_engine(app, clock=clock, timeout=0.5, policy=RetryPolicy())
    if not tick:
        # Tests drive the fan-out themselves; the tick job is covered by its own test.
        assert app.job_queue is not None
        for job in app.job_queue.get_jobs_by_name(JOB_NAME):
            job.schedule_removal()
    await start_polling(app)
    return app, engine


@pytest.fixture
async def digest_bot(
    bot_api: FakeBotAPI, settings: Settings, store: Store, clock: FakeClock
) -> AsyncIterator[DigestBot]:
    app, engine = await _running(bot_api, settings, store, clock, tick=False)
    try:
        yield DigestBot(app, bot_api, store, engine, clock)
    finally:
        await stop_polling(app)


async def ask(bot: DigestBot, text: str, chat: int = 42, **kwargs: object) -> str:
    """Send `text` and return the visible text of the bot's next message in that chat."""
    before = len(delivered(bot.api, chat))
    bot.api.user_sends(text, chat=chat, **kwargs)  # type: ignore[arg-type]
    sent = await bot.api.sent("sendMessage", before + 1, chat_id=chat)
    return visible_text(sent[-1].text)


def delivered(api: FakeBotAPI, chat_id: int) -> list[Request]:
    """Messages the chat really received (requests answered with ok)."""
    return [r for r in api.of("sendMessage", chat_id) if r.answered == "ok"]


async def subscribe_directly(
    store: Store, api: FakeBotAPI, chat_id: int, at: datetime, chat_type: str = "private"
) -> None:
    api.chat(chat_id, chat_type)
    await store.chats.ensure(chat_id, chat_type, f"chat {chat_id}")
    await store.digests.subscribe(chat_id, at=iso(at))
    await store.digests.set_schedule(
        chat_id,
        frequency="daily",
        weekday=None,
        time_of_day="09:00",
        timezone="UTC",
        configured_by=None,
        at=iso(at),
    )


async def stamp(store: Store, event_id: int, at: datetime) -> None:
    """Set when an event last changed (the fake clock runs apart from the wall clock)."""
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE events SET updated_at = ? WHERE id = ?", (iso(at), event_id))


# --- configuring ---------------------------------------------------------------------------


async def test_subscribe_and_show_the_next_run_in_the_chats_zone(digest_bot: DigestBot) -> None:
    bot = digest_bot
    bot.clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))  # the day before Berlin's DST
    assert await ask(bot, "/timezone europe/berlin") == (
        "Time zone of this chat: Europe/Berlin.\nNo schedule: /digest daily 09:00 sets one."
    )
    text = await ask(bot, "/subscribe")
    assert text.startswith("Subscribed this chat to digests.")
    assert "Schedule: daily at 09:00 (Europe/Berlin)." in text
    assert "Next digest: Sun 29 Mar 2026, 09:00 CEST." in text
    text = await ask(bot, "/digest weekly mon 07:30 America/New_York")
    assert text == (
        "Digests for this chat: weekly on Monday at 07:30 (America/New_York).\n"
        "Next digest: Mon 30 Mar 2026, 07:30 EDT."
    )
    text = await ask(bot, "/digest")
    assert "Digests are on for this chat." in text
    assert "Next digest: Mon 30 Mar 2026, 07:30 EDT." in text
    schedule = await bot.store.digests.schedule(42)
    assert schedule is not None
    assert (schedule.frequency, schedule.weekday, schedule.time_of_day, schedule.timezone) == (
        "weekly", 0, "07:30", "America/New_York",
    )  # fmt: skip
    assert (await ask(bot, "/digest off")).startswith("Scheduled digests are off")
    text = await ask(bot, "/digest")
    assert "Digests are on for this chat, on request only (/digest now)." in text
    assert "No schedule: /digest daily 09:00 sets one." in text


@pytest.mark.parametrize(
    ("command", "schedule"),
    [
        ("/digest daily 9.30", "daily at 09:30 (UTC)"),
        ("/digest daily 9am", "daily at 09:00 (UTC)"),
        ("/digest daily 9:30 pm Asia/Kathmandu", "daily at 21:30 (Asia/Kathmandu)"),
        ("/digest weekly sun 12 a.m.", "weekly on Sunday at 00:00 (UTC)"),
        ("/digest daily 9am New York", "daily at 09:00 (America/New_York)"),
        ("/digest weekly fri 18:00 ho chi minh", "weekly on Friday at 18:00 (Asia/Ho_Chi_Minh)"),
        ("/digest weekly 7:30 pm fri", "weekly on Friday at 19:30 (UTC)"),
    ],
    ids=[
        "dot",
        "am",
        "pm-apart-zone",
        "midnight",
        "city-of-two-words",
        "city-of-three-words",
        "time-before-day",
    ],
)
async def test_times_as_people_write_them_make_the_schedule_they_mean(
    digest_bot: DigestBot, command: str, schedule: str
) -> None:
    digest_bot.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert (await ask(digest_bot, command)).startswith(f"Digests for this chat: {schedule}.")
    stored = await digest_bot.store.digests.schedule(42)
    assert stored is not None and schedule.startswith(stored.frequency)
    assert f"at {stored.time_of_day} ({stored.timezone})" in schedule


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("/timezone UTC+3", "'UTC+3' is an offset, not a time zone: give a place's zone"),
        ("/timezone -5", "or Etc/GMT+5 for UTC-5 all year (such names count the other way)."),
        ("/digest daily 09:00 GMT+05:30", "'GMT+05:30' is an offset, not a time zone"),
    ],
    ids=["utc-plus", "bare-minus", "half-hour"],
)
async def test_an_offset_given_as_a_zone_is_told_what_to_write(
    digest_bot: DigestBot, command: str, reply: str
) -> None:
    await ask(digest_bot, "/digest daily 08:00 Asia/Tokyo")
    text = await ask(digest_bot, command)
    assert reply in text
    chat = await digest_bot.store.chats.get(42)
    assert chat is not None and chat.timezone == "Asia/Tokyo"


async def test_a_zone_named_by_its_city_is_taken_when_only_one_fits(
    digest_bot: DigestBot,
) -> None:
    assert await ask(digest_bot, "/timezone berlin") == (
        "Time zone of this chat: Europe/Berlin.\nNo schedule: /digest daily 09:00 sets one."
    )
    assert (await ask(digest_bot, "/timezone Los Angeles")).startswith(
        "Time zone of this chat: America/Los_Angeles."
    )
    assert await ask(digest_bot, "/timezone Buenos_Aires") == (
        "Which 'Buenos_Aires'? Write America/Argentina/Buenos_Aires or America/Buenos_Aires."
    )
    chat = await digest_bot.store.chats.get(42)
    assert chat is not None and chat.timezone == "America/Los_Angeles"


async def test_a_fixed_offset_zone_is_said_to_count_the_other_way(digest_bot: DigestBot) -> None:
    digest_bot.clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    text = await ask(digest_bot, "/digest daily 09:00 Etc/GMT+3")
    assert text.splitlines() == [
        "Digests for this chat: daily at 09:00 (Etc/GMT+3).",
        "Next digest: Fri 27 Nov 2026, 09:00 -03.",
        "Etc/GMT+3 is UTC-3: such names count the other way.",
    ]
    text = await ask(digest_bot, "/timezone etc/gmt-14")
    assert text.splitlines()[-1] == "Etc/GMT-14 is UTC+14: such names count the other way."
    assert "Etc/GMT" not in await ask(digest_bot, "/timezone Europe/Berlin")


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("/digest daily 25:00", "'25:00' is not a time of day (00:00 to 23:59)."),
        ("/digest daily 24:00", "'24:00' is not a time of day (00:00 to 23:59)."),
        ("/digest daily 9 pm Mars/Base", "Unknown time zone 'Mars/Base'"),
        ("/digest weekly funday 09:00", "'funday' is not a weekday"),
        ("/digest daily 09:00 Mars/Olympus_Mons", "Unknown time zone 'Mars/Olympus_Mons'"),
        ("/digest hourly", "Unknown /digest option 'hourly'"),
        (
            "/digest 9:30 pm",
            "Every day at 21:30? Write /digest daily 21:30 (or weekly DAY 21:30).",
        ),
        ("/digest daily", "Usage: /digest daily HH:MM [Zone], e.g. /digest daily 09:00."),
        ("/timezone ../../etc/passwd", "Unknown time zone '../../etc/passwd'"),
        ("/timezone Europe", "Unknown time zone 'Europe'"),
        ("/digest weekly mon 09:00 America", "Unknown time zone 'America'"),
        ("/timezone right/UTC", "Unknown time zone 'right/UTC'"),
        ("/digest @x daily 09:00", "'@x' is not a channel username"),
        ("/subscribe please", "Usage: /subscribe [@channel]"),
    ],
    ids=[
        "hour",
        "hour-24",
        "pm-then-bad-zone",
        "weekday",
        "zone",
        "option",
        "time-alone",
        "daily-alone",
        "zone-path",
        "zone-region",
        "zone-region-weekly",
        "zone-leap-seconds",
        "channel-name",
        "subscribe-args",
    ],
)
async def test_malformed_arguments_get_a_reason_and_change_nothing(
    digest_bot: DigestBot, command: str, reply: str
) -> None:
    await ask(digest_bot, "/digest daily 08:00 Asia/Tokyo")
    before = await digest_bot.store.digests.schedule(42)
    text = await ask(digest_bot, command)
    assert reply in text
    assert "Traceback" not in text
    assert text.count("Usage:") <= 1  # one way to write it, not two run together
    assert await digest_bot.store.digests.schedule(42) == before
    chat = await digest_bot.store.chats.get(42)
    assert chat is not None and chat.timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("command", "told"),
    [
        ("/digest daily 09:00", "Next digest: Sat 28 Nov 2026, 09:00 CET (being sent)."),
        (
            "/digest daily 9:00 europe/berlin",
            "Next digest: Sat 28 Nov 2026, 09:00 CET (being sent).",
        ),
        ("/digest daily 10:00", "Next digest: Sat 28 Nov 2026, 10:00 CET."),
    ],
    ids=["same", "same-with-zone", "changed"],
)
async def test_the_same_schedule_sent_again_just_after_its_slot_keeps_that_run(
    digest_bot: DigestBot, command: str, told: str
) -> None:
    bot = digest_bot
    bot.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    await ask(bot, "/digest daily 09:00 Europe/Berlin")
    set_at = await bot.store.digests.schedule(42)
    for event_id in (await sample_briefing(bot.store)).values():
        await stamp(bot.store, event_id, bot.clock.now() + timedelta(hours=1))
    # 09:00:10 Berlin time on the 28th: the slot has passed, the scheduler's tick has not
    bot.clock.set(datetime(2026, 11, 28, 8, 0, 10, tzinfo=UTC))
    assert told in await ask(bot, command)
    schedule = await bot.store.digests.schedule(42)
    assert schedule is not None and set_at is not None
    assert (schedule.updated_at == set_at.updated_at) == ("being sent" in told)
    before = len(delivered(bot.api, 42))
    bot.clock.advance(seconds=20)
    await bot.engine.run_due()
    sent = [visible_text(r.text) for r in delivered(bot.api, 42)[before:]]
    if "being sent" in told:
        assert len(sent) == 1 and sent[0].startswith("Digest: new since")
    else:  # a real change counts from when it is made, as its reply says
        assert sent == []


async def test_a_chat_whose_zone_no_longer_loads_gets_digests_once_mended(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    await ask(bot, "/digest daily 08:00 Asia/Tokyo")
    async with bot.store.db.transaction() as conn:  # a zone this system's tzdata dropped
        await conn.execute("UPDATE chats SET timezone = 'Gone/Zone' WHERE id = 42")
        await conn.execute("UPDATE digest_schedules SET timezone = 'Gone/Zone'")
    text = await ask(bot, "/digest")
    assert "Time zone Gone/Zone is not known on this server any more" in text
    assert (await ask(bot, "/digest daily 08:00")).startswith(
        "Digests for this chat: daily at 08:00 (UTC)."
    )
    await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    assert visible_text(delivered(bot.api, 42)[-1].text).startswith("Digest: new since")


async def test_in_groups_only_admins_change_digests(digest_bot: DigestBot) -> None:
    bot, group = digest_bot, -300
    bot.api.chat(group, "group", "Newsroom")
    refused = "Only this group's administrators can change its digests."
    assert await ask(bot, "/digest daily 08:00", chat=group, user=42) == refused
    assert await ask(bot, "/subscribe", chat=group, user=42) == refused
    assert await ask(bot, "/timezone Europe/Berlin", chat=group, user=42) == refused
    assert await bot.store.digests.schedule(group) is None
    assert await bot.store.digests.subscription(group) is None
    # anyone may look
    assert "Digests are not set up for this chat" in await ask(bot, "/digest", chat=group, user=42)

    bot.api.member_status[(group, 43)] = "administrator"
    text = await ask(
        bot, "/digest@briefbot_test_bot daily 08:00 Europe/Berlin", chat=group, user=43
    )
    assert text.startswith("Digests for this chat: daily at 08:00 (Europe/Berlin).")
    schedule = await bot.store.digests.schedule(group)
    assert schedule is not None and schedule.configured_by == 43

    bot.api.member_status[(group, 44)] = "creator"
    bot.api.member_rights[(group, 44)] = {"is_anonymous": False}
    assert "Unsubscribed this chat" in await ask(bot, "/unsubscribe", chat=group, user=44)

    # an anonymous administrator writes as the group itself
    text = await ask(bot, "/digest weekly fri 17:00", chat=group, anonymous_admin=True)
    assert text.startswith("Digests for this chat: weekly on Friday at 17:00 (Europe/Berlin).")
    subscription = await bot.store.digests.subscription(group)
    assert subscription is not None and subscription.active
    # and a member still cannot turn it off
    assert await ask(bot, "/digest off", chat=group, user=42) == refused
    assert await bot.store.digests.schedule(group) is not None


async def test_channel_is_configured_from_a_private_chat_after_rights_checks(
    digest_bot: DigestBot,
) -> None:
    bot, channel = digest_bot, -100500
    bot.api.chat(channel, "channel", "Newsroom channel", username="newsroom")
    text = await ask(bot, "/digest @newsroom daily 08:00")
    assert text == (
        "Not changed: I am not an administrator of @newsroom: add me as one; "
        "you are not an administrator of @newsroom."
    )
    bot.api.member_status[(channel, BOT_ID)] = "administrator"
    bot.api.member_status[(channel, 42)] = "creator"
    bot.api.member_rights[(channel, 42)] = {"is_anonymous": False}
    text = await ask(bot, "/digest @newsroom daily 08:00")
    assert text == (
        "Not changed: I am an administrator of @newsroom but may not post: "
        "turn on \u201cPost messages\u201d for me."
    )
    assert await bot.store.digests.schedule(channel) is None

    bot.api.member_rights[(channel, BOT_ID)] = {"can_post_messages": True}
    text = await ask(bot, "/digest @newsroom daily 08:00")
    assert text.startswith("Digests for @newsroom: daily at 08:00 (UTC).")
    schedule = await bot.store.digests.schedule(channel)
    assert schedule is not None and schedule.configured_by == 42
    stored = await bot.store.chats.get(channel)
    assert stored is not None and (stored.type, stored.username) == ("channel", "newsroom")

    # someone who does not administer the channel cannot change it
    assert await ask(bot, "/digest @newsroom off", chat=77) == (
        "Not changed: you are not an administrator of @newsroom."
    )
    assert await ask(bot, "/digest @nosuchchannel daily 08:00") == (
        "I can't find @nosuchchannel. Check the username, and add me to the channel as an "
        "administrator allowed to post messages."
    )
    bot.api.chat(-100777, "supergroup", "Chatter", username="chatter")
    assert "@chatter is not a channel" in await ask(bot, "/subscribe @chatter")
    bot.api.chat(-301, "group", "Elsewhere")
    bot.api.member_status[(-301, 42)] = "administrator"
    assert await ask(bot, "/digest @newsroom off", chat=-301, user=42) == (
        "Configure a channel from a private chat with me."
    )

    # the channel then gets its digest, on schedule or on request
    await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    [post] = delivered(bot.api, channel)
    assert visible_text(post.text).startswith("Digest: new since")
    # readers of a channel cannot send commands: events are links that open the bot
    opener = f"https://t.me/{BOT_USERNAME}?start="
    first = (await bot.store.events.all())[0].id
    assert f'<a href="{opener}event_{first}">event {first}</a>' in post.text
    assert "/event" not in post.text and "/timeline" not in post.text
    assert f"Open the bot for the whole story: {opener}timeline" in visible_text(post.text)
    assert await ask(bot, "/digest @newsroom now") == "Sent the digest to @newsroom."
    assert visible_text(delivered(bot.api, channel)[-1].text).startswith("No new developments")


async def _newsroom(bot: DigestBot, channel: int = -100500) -> int:
    """A public channel administered by user 42, where the bot may post."""
    bot.api.chat(channel, "channel", "Newsroom channel", username="newsroom")
    bot.api.member_status[(channel, BOT_ID)] = "administrator"
    bot.api.member_rights[(channel, BOT_ID)] = {"can_post_messages": True}
    bot.api.member_status[(channel, 42)] = "creator"
    bot.api.member_rights[(channel, 42)] = {"is_anonymous": False}
    return channel


async def test_a_channel_admin_who_may_not_post_cannot_have_the_bot_post(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    channel = await _newsroom(bot)
    bot.api.member_status[(channel, 43)] = "administrator"  # may edit, not post
    refused = "Not changed: you may not post in @newsroom, so you cannot have me post there."
    for command in ("/subscribe @newsroom", "/digest @newsroom daily 08:00"):
        assert await ask(bot, command, chat=43, user=43) == refused
    assert await bot.store.digests.subscription(channel) is None
    assert (await ask(bot, "/digest @newsroom", chat=43, user=43)).startswith(
        "Digests for @newsroom"
    )  # looking needs no right to post
    bot.api.member_rights[(channel, 43)] = {"can_post_messages": True}
    assert "Subscribed @newsroom" in await ask(bot, "/subscribe @newsroom", chat=43, user=43)


async def test_channel_paused_for_lost_rights_can_be_seen_and_unsubscribed(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    channel = await _newsroom(bot)
    assert (await ask(bot, "/subscribe @newsroom")).startswith("Subscribed @newsroom")
    await sample_briefing(bot.store)
    # the bot is demoted: the next run is refused and pauses the channel
    lost = "Bad Request: need administrator rights in the channel chat"
    bot.api.fail("sendMessage", 400, lost, chat_id=channel, times=-1)
    bot.api.member_status[(channel, BOT_ID)] = "member"
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()

    shown = await ask(bot, "/digest @newsroom")
    assert shown.splitlines()[:2] == [
        "Digests for @newsroom",
        "Digests are paused for @newsroom: Need administrator rights in the channel chat. "
        "/subscribe @newsroom resumes them.",
    ]
    # what would post still needs the bot's rights, and says so
    assert await ask(bot, "/subscribe @newsroom") == (
        "Not changed: I am not an administrator of @newsroom: add me as one."
    )
    assert await ask(bot, "/digest @newsroom daily 10:00") == (
        "Not changed: I am not an administrator of @newsroom: add me as one."
    )
    schedule = await bot.store.digests.schedule(channel)
    assert schedule is not None and schedule.time_of_day == "09:00"
    # the user's own rights are still checked for a plain look
    assert await ask(bot, "/digest @newsroom", chat=77) == (
        "I can't show the digests of @newsroom: you are not an administrator of @newsroom."
    )
    # a bot without rights may be refused the member list: the one who set the digests up
    # may still stop them, nobody else
    inaccessible = "Bad Request: member list is inaccessible"
    bot.api.fail("getChatMember", 400, inaccessible, chat_id=channel, times=-1)
    assert await ask(bot, "/unsubscribe @newsroom", chat=77) == (
        "Not changed: I can't check that you administer @newsroom."
    )
    assert await ask(bot, "/unsubscribe @newsroom") == (
        "Unsubscribed @newsroom: no more digests. /subscribe @newsroom starts again."
    )
    stopped = await bot.store.digests.subscription(channel)
    assert stopped is not None and not stopped.active
    assert stopped.paused_reason == "unsubscribed"


_HINT = re.compile(r"/(?:subscribe|unsubscribe|digest|timezone)\b(?: (\S+))?")


@pytest.mark.parametrize(
    ("setup", "command"),
    [
        ((), "/digest @newsroom"),
        (("/subscribe @newsroom",), "/digest @newsroom"),
        (("/subscribe @newsroom", "/unsubscribe @newsroom"), "/digest @newsroom"),
        (("/subscribe @newsroom",), "/unsubscribe @newsroom"),
        (("/subscribe @newsroom",), "/digest @newsroom off"),
        ((), "/timezone @newsroom"),
        ((), "/digest @newsroom now"),
    ],
    ids=["not-set-up", "on", "unsubscribed", "unsubscribe", "off", "timezone", "now-first"],
)
async def test_every_command_a_channel_reply_suggests_names_the_channel(
    digest_bot: DigestBot, setup: tuple[str, ...], command: str
) -> None:
    bot = digest_bot
    await _newsroom(bot)
    for earlier in setup:
        await ask(bot, earlier)
    text = await ask(bot, command)
    hints = _HINT.findall(text)
    assert hints and all(argument == "@newsroom" for argument in hints), text
    # following the first hint as written changes the channel, never the private chat
    suggested = _HINT.search(text)
    assert suggested is not None
    await ask(bot, suggested.group(0))
    assert await bot.store.digests.subscription(42) is None
    assert await bot.store.digests.schedule(42) is None


async def test_digest_shows_runs_that_keep_failing_without_pausing(
    digest_bot: DigestBot,
) -> None:
    bot, group = digest_bot, -300
    bot.api.chat(group, "group", "Forum")
    bot.api.member_status[(group, 42)] = "administrator"
    await ask(bot, "/subscribe", chat=group, user=42)
    events = await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    for _ in range(2):  # two daily runs in a row, each with something new to send
        for event_id in events.values():
            await stamp(bot.store, event_id, bot.clock.now() - timedelta(hours=1))
        bot.api.fail("sendMessage", 400, "Bad Request: TOPIC_CLOSED", chat_id=group)
        await bot.engine.run_due()
        bot.clock.advance(days=1)
    [*_, last] = await bot.store.digests.deliveries(group)
    assert (last.status, last.error) == ("failed", "TOPIC_CLOSED")
    when = describe_moment(from_iso(last.updated_at), "UTC")

    shown = await ask(bot, "/digest", chat=group, user=42)
    assert shown.splitlines()[1:3] == [
        "Digests are on for this chat.",
        f"Last attempt failed on {when}: TOPIC_CLOSED (2 runs in a row).",
    ]
    # once a digest goes out again, the failures are history
    for event_id in events.values():
        await stamp(bot.store, event_id, bot.clock.now() - timedelta(hours=1))
    await bot.engine.run_due()
    assert visible_text(delivered(bot.api, group)[-1].text).startswith("Digest: new since")
    assert "failed" not in await ask(bot, "/digest", chat=group, user=42)


async def _refused_days(bot: DigestBot, days: int) -> None:
    """`days` daily runs, each tried as the scheduler does (three ticks 30 s apart)."""
    for _ in range(days):
        for _ in range(3):
            await bot.engine.run_due()
            bot.clock.advance(seconds=30)
        bot.clock.advance(days=1, seconds=-90)


async def went_to_general(bot: DigestBot, forum: int) -> None:
    """The forum's last digest (a short note) went to its General topic, and the topic it
    had been sent to is forgotten."""
    digest = delivered(bot.api, forum)[-1]
    assert visible_text(digest.text).startswith("No new developments since")
    assert "message_thread_id" not in digest.params
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.thread_id is None


async def subscribe_in_topic(bot: DigestBot, forum: int) -> str:
    """An admin (user 43) subscribes a forum (the fake's supergroups are forums) in topic 7;
    returns the reply."""
    bot.api.chat(forum, "supergroup", "Forum")
    bot.api.member_status[(forum, 43)] = "administrator"
    return await ask(bot, "/subscribe", chat=forum, user=43, chat_type="supergroup", thread_id=7)


async def test_digests_telegram_keeps_refusing_pause_tell_the_chat_and_resume_losing_nothing(
    digest_bot: DigestBot,
) -> None:
    bot, forum = digest_bot, -100901
    await subscribe_in_topic(bot, forum)
    events = await sample_briefing(bot.store)
    bot.api.closed_topics.add((forum, 7))  # a moderator closes the digests' topic
    bot.clock.set(wall() + timedelta(days=1))

    before = len(delivered(bot.api, forum))  # the reply to /subscribe
    await _refused_days(bot, 2)
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.active
    assert len(delivered(bot.api, forum)) == before
    await _refused_days(bot, 1)  # the third scheduled digest refused in a row
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and not subscription.active
    reason = "Telegram refused the last 3 digests (TOPIC_CLOSED)"
    assert subscription.paused_reason == reason
    [notice] = delivered(bot.api, forum)[before:]  # told in General, the topic being closed
    assert "message_thread_id" not in notice.params
    assert notice.text.startswith(f"Digests are paused: {reason}. An administrator can resume")

    tried = len(bot.api.of("sendMessage", forum))
    await _refused_days(bot, 2)  # paused: not tried again
    assert len(bot.api.of("sendMessage", forum)) == tried
    shown = await ask(bot, "/digest", chat=forum, user=43, chat_type="supergroup")
    assert f"Digests are paused for this chat: {reason}. /subscribe resumes them." in shown
    assert "Next digest" not in shown

    # resumed from another topic: the next digest brings every event never delivered
    await ask(bot, "/subscribe", chat=forum, user=43, chat_type="supergroup", thread_id=9)
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    digest = delivered(bot.api, forum)[-1]
    assert int(digest.params["message_thread_id"]) == 9
    text = visible_text(digest.text)
    assert text.startswith("Digest: new since")
    assert all(f"/event_{event_id}" in text for event_id in events.values())
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.active and subscription.failed_runs == 0


async def test_digest_now_refused_by_telegram_says_why(digest_bot: DigestBot) -> None:
    bot, forum = digest_bot, -100903
    await subscribe_in_topic(bot, forum)
    bot.api.closed_topics.add((forum, 7))
    text = await ask(bot, "/digest now", chat=forum, user=43, chat_type="supergroup")
    assert text == "The digest could not be sent to this chat (TOPIC_CLOSED); try again later."
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.active  # asked for: never pauses


async def test_digest_now_in_a_paused_chat_says_scheduled_ones_are_still_paused(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    await ask(bot, "/subscribe")
    await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    bot.api.fail("sendMessage", 403, chat_id=42)  # blocked, then unblocked
    await bot.engine.run_due()
    before = len(delivered(bot.api, 42))
    bot.api.user_sends("/digest now", chat=42)
    digest, note = (await bot.api.sent("sendMessage", before + 2, chat_id=42))[-2:]
    assert visible_text(digest.text).startswith("Digest: new since")
    assert visible_text(note.text) == (
        "Scheduled digests are still paused: /subscribe resumes them."
    )
    await bot.api.settle(0.2)
    assert len(delivered(bot.api, 42)) == before + 2
    # once unsubscribed on purpose, a digest on request is just that
    await ask(bot, "/unsubscribe")
    bot.clock.advance(minutes=1)
    assert (await ask(bot, "/digest now")).startswith("No new developments since")
    await bot.api.settle(0.2)
    assert not visible_text(delivered(bot.api, 42)[-1].text).startswith("Scheduled")


async def test_a_refusal_followed_by_a_digest_that_goes_out_starts_the_count_again(
    digest_bot: DigestBot,
) -> None:
    bot, forum = digest_bot, -100902
    await subscribe_in_topic(bot, forum)
    await bot.store.digests.set_send_empty(forum, True)
    bot.clock.set(wall() + timedelta(days=1))
    for _ in range(2):  # refused twice, then one gets through, then refused twice more
        bot.api.closed_topics.add((forum, 7))
        await _refused_days(bot, 2)
        bot.api.closed_topics.clear()
        await _refused_days(bot, 1)
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.active and subscription.failed_runs == 0
    bot.api.closed_topics.add((forum, 7))
    await _refused_days(bot, 2)
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.active and subscription.failed_runs == 2
    # a new schedule resumes a paused chat as /subscribe does, and starts the count again
    await _refused_days(bot, 1)
    assert "paused" in await ask(bot, "/digest", chat=forum, user=43, chat_type="supergroup")
    bot.api.closed_topics.clear()
    await ask(bot, "/digest daily 10:00", chat=forum, user=43, chat_type="supergroup")
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.active and subscription.failed_runs == 0
    before = len(delivered(bot.api, forum))
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    assert visible_text(delivered(bot.api, forum)[-1].text).startswith("No new developments")
    assert len(delivered(bot.api, forum)) == before + 1


async def test_channel_without_username_is_configured_by_its_id(digest_bot: DigestBot) -> None:
    bot, channel = digest_bot, -1001234567890
    bot.api.chat(channel, "channel", "Night <b>desk</b>")  # a title is outside input
    # an id that is no chat the bot can see: a clear answer, nothing stored
    assert await ask(bot, "/digest -1009999999 daily 08:00") == (
        "I can't find -1009999999. Check the id, and add me to the channel as an "
        "administrator allowed to post messages."
    )
    assert await bot.store.chats.get(-1009999999) is None
    assert await ask(bot, "/digest -1001234567890 daily 08:00") == (
        "Not changed: I am not an administrator of Night <b>desk</b>: add me as one; "
        "you are not an administrator of Night <b>desk</b>."
    )
    bot.api.member_status[(channel, BOT_ID)] = "administrator"
    bot.api.member_rights[(channel, BOT_ID)] = {"can_post_messages": True}
    bot.api.member_status[(channel, 42)] = "creator"
    bot.api.member_rights[(channel, 42)] = {"is_anonymous": False}
    text = await ask(bot, "/digest -1001234567890 daily 08:00")
    assert text.startswith("Digests for Night <b>desk</b>: daily at 08:00 (UTC).")
    schedule = await bot.store.digests.schedule(channel)
    assert schedule is not None and schedule.configured_by == 42
    stored = await bot.store.chats.get(channel)
    assert stored is not None and (stored.type, stored.title) == ("channel", "Night <b>desk</b>")
    shown = await ask(bot, "/digest -1001234567890")
    assert "Time zone: UTC (/timezone -1001234567890 ZONE)." in shown.splitlines()

    await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    [post] = delivered(bot.api, channel)
    assert visible_text(post.text).startswith("Digest: new since")


# --- what a digest contains ------------------------------------------------------------------


async def test_digest_groups_new_events_by_date_with_timeline_citations(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    await ask(bot, "/subscribe")
    ids = await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    await bot.engine.run_due()  # the same period again: nothing more
    _subscribed, message = delivered(bot.api, 42)
    html, text = message.text, visible_text(message.text)
    assert "5 events added or changed, by date." in text
    headings = re.findall(r"^— (.+) —$", text, flags=re.M)
    assert headings == ["2020", "5 Oct 2021", "6 Oct 2021", "7 Oct 2021"]
    assert text.index("— 5 Oct 2021 —") < text.index("Gulagu.net publishes footage")
    assert text.index("Videos show prisoners") < text.index("— 6 Oct 2021 —")
    # the same citation rendering as /timeline: linked outlet, quoted excerpt, spoilers
    assert '<a href="https://meduza.io/en/feature/2021/10/05/leak">Meduza</a>' in html
    assert (
        "<blockquote><tg-spoiler>The videos show prisoners being tortured by other inmates."
        "</tg-spoiler></blockquote>" in html
    )
    assert f"/event_{ids['case']}" in text  # a command a reader can tap
    assert message.params["parse_mode"] == "HTML"

    # a day with nothing new sends nothing ...
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    assert len(delivered(bot.api, 42)) == 2
    # ... unless the chat asked for a note
    await ask(bot, "/digest empty on")
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    note = visible_text(delivered(bot.api, 42)[-1].text)
    assert note.startswith("No new developments since ")

    # a new event, and a changed old one, make the next digest; nothing else repeats
    source = await add_article(
        bot.store, "Officials announced a new inquiry on 12 October 2021.", url=None
    )
    fresh = await add_event(
        bot.store, source, "2021-10-12", "New inquiry announced",
        ("Officials announced a new inquiry on 12 October 2021.",),
    )  # fmt: skip
    bot.clock.advance(days=1)
    await stamp(bot.store, fresh, bot.clock.now() - timedelta(hours=2))
    await stamp(bot.store, ids["beatings"], bot.clock.now() - timedelta(hours=1))
    await bot.engine.run_due()
    latest = visible_text(delivered(bot.api, 42)[-1].text)
    assert "2 events added or changed" in latest
    assert "New inquiry announced" in latest and "Beatings routine at OTB-1" in latest
    assert "Gulagu.net publishes" not in latest


async def test_a_digest_tells_readers_what_was_withdrawn_since_the_last(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    await ask(bot, "/subscribe")
    ids = await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    assert len(delivered(bot.api, 42)) == 2  # the reply, then a digest of every event

    fixes = bot.store.corrections
    undone = await fixes.edit_event(1, ids["leak"], "hide", hidden=1)
    await bot.store.audit.undo(1, undone)  # shown again: not withdrawn
    await fixes.merge_events(1, ids["case"], ids["torture"])
    await fixes.remove_source(1, ids["b"])  # takes the events only it supported
    # The corrections were made on the wall clock: into the window of the next digest.
    changed = iso(bot.clock.now() + timedelta(hours=1))
    async with bot.store.db.transaction() as conn:
        await conn.execute("UPDATE audit_log SET at = ?", (changed,))
        await conn.execute("UPDATE events SET updated_at = ?", (changed,))
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    message = delivered(bot.api, 42)[-1]
    text = visible_text(message.text)
    assert "2 events added or changed, by date." in text  # the merged-into and restored
    assert "3 events were withdrawn (listed last)." in text
    withdrawn = text[text.index("— No longer in the briefing —") :]
    assert re.findall(r"^(.+) · event (\d+)$", withdrawn, flags=re.M) == [
        ("2020", str(ids["beatings"])),
        ("5 Oct 2021", str(ids["torture"])),
        ("7 Oct 2021", str(ids["dismissal"])),
    ]
    merged = f"Videos show prisoners tortured by other inmates\nMerged into /event_{ids['case']}"
    assert merged in withdrawn
    assert withdrawn.count("Withdrawn from the briefing.") == 2
    assert "Gulagu.net publishes" not in withdrawn
    # A graphic event's summary stays behind a spoiler there too, and so does its excerpt
    # in the event it was merged into.
    assert "<tg-spoiler>Videos show prisoners tortured by other inmates</tg-spoiler>" in (
        message.text
    )
    assert (
        "<blockquote><tg-spoiler>The videos show prisoners being tortured by other inmates."
        "</tg-spoiler></blockquote>" in message.text
    )

    bot.clock.advance(days=1)
    await bot.engine.run_due()
    assert len(delivered(bot.api, 42)) == 3  # told once: nothing new the next day


async def test_digest_now_sends_at_once_in_the_chat(digest_bot: DigestBot) -> None:
    bot = digest_bot
    await ask(bot, "/subscribe")
    text = await ask(bot, "/digest now")
    assert text.startswith("No new developments since ")
    await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(minutes=1))
    text = await ask(bot, "/digest now")
    assert text.startswith("Digest: new since") and "5 events added or changed" in text
    # the scheduled digest that follows does not repeat them
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    assert len(delivered(bot.api, 42)) == 3  # subscribe reply, note, digest; nothing more


async def test_long_digest_is_split_into_messages_within_the_limit(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    await ask(bot, "/subscribe")
    parts = []
    for i in range(24):
        sentence = f"Событие {i}: 🚨 заключённые сообщили о пытках в колонии номер {i}. " * 6
        parts.append(sentence.strip())
    article = " ".join(parts)
    source = await add_article(bot.store, article, url=None)
    for i, sentence in enumerate(parts):
        await add_event(
            bot.store, source, f"2021-10-{1 + i % 28:02d}", f"Event {i} 🚨", (sentence,)
        )
    bot.clock.set(wall() + timedelta(days=1))
    bot.clock.sleeps.clear()
    await bot.engine.run_due()
    messages = delivered(bot.api, 42)[1:]  # after the /subscribe reply
    assert len(messages) > 2
    seen = []
    for message in messages:
        text = visible_text(message.text)
        assert len(text.encode("utf-16-le")) // 2 <= 4096
        seen += [int(n) for n in re.findall(r"^Event (\d+) 🚨$", text, flags=re.M)]
        lines = text.splitlines()
        for i, line in enumerate(lines):  # a date heading sits right above its first event
            if line.startswith("— "):
                assert lines[i + 1].startswith(line.strip("— ") + " · /event"), lines[i : i + 2]
    assert sorted(seen) == list(range(24))  # every event once, none split away or repeated
    assert bot.clock.sleeps == [1.0] * (len(messages) - 1)  # a second between the parts
    titles = [visible_text(m.text).splitlines()[0] for m in messages]
    assert titles == [
        f"{titles[0].rsplit(' (', 1)[0]} ({n}/{len(messages)})"
        for n in range(1, len(messages) + 1)
    ]


async def test_a_digest_of_very_many_changes_lists_those_changed_last(
    digest_bot: DigestBot,
) -> None:
    bot = digest_bot
    await ask(bot, "/subscribe")
    source = await add_article(bot.store, "Many things happened.", url=None)
    total = DIGEST_EVENTS + 10
    for i in range(total):
        await add_event(bot.store, source, f"2021-10-{1 + i % 28:02d}", f"Event {i}", ("Many",))
    async with bot.store.db.transaction() as conn:  # event i changed i minutes after noon
        for i in range(total):
            stamp = (wall() + timedelta(hours=12, minutes=i)).isoformat(timespec="seconds")
            await conn.execute(
                "UPDATE events SET updated_at = ? WHERE summary = ?", (stamp, f"Event {i}")
            )
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    texts = [visible_text(m.text) for m in delivered(bot.api, 42)[1:]]
    assert (
        f"{total} events added or changed; the {DIGEST_EVENTS} changed last are listed,"
        " by date. /timeline has the whole story." in texts[0]
    )
    listed = {int(n) for text in texts for n in re.findall(r"^Event (\d+)$", text, flags=re.M)}
    assert listed == set(range(10, total))


# --- delivery under faults -------------------------------------------------------------------


async def test_fanout_rides_out_429_500_timeouts_403_and_a_migration(
    digest_bot: DigestBot,
) -> None:
    bot, api, store = digest_bot, digest_bot.api, digest_bot.store
    for chat_id in (201, 202, 203, 204, 205):
        await subscribe_directly(store, api, chat_id, bot.clock.now())
    await subscribe_directly(store, api, -207, bot.clock.now(), "group")
    await subscribe_directly(store, api, -206, bot.clock.now(), "group")
    api.chat(-100207, "supergroup", "Upgraded")
    await sample_briefing(store)
    api.fail("sendMessage", 429, chat_id=201, retry_after=1)
    api.fail("sendMessage", 403, chat_id=202)
    muted = "Bad Request: not enough rights to send text messages to the chat"
    api.fail("sendMessage", 400, muted, chat_id=-206)
    api.fail("sendMessage", 500, chat_id=203)
    api.fail("sendMessage", 500, chat_id=204, delay=2.0)  # longer than the 0.5 s timeout
    api.fail(
        "sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
        chat_id=-207, migrate_to_chat_id=-100207,
    )  # fmt: skip
    bot.clock.set(wall() + timedelta(days=1))
    report = await bot.engine.run_due()

    received = {c: len(delivered(api, c)) for c in (201, 202, 203, 204, 205, -207, -100207)}
    assert received == {201: 1, 202: 0, 203: 1, 204: 1, 205: 1, -207: 0, -100207: 1}
    assert [r.answered for r in api.of("sendMessage", 201)][-1] == "ok"
    assert len(api.of("sendMessage", 201)) == 2  # refused once, then the same message again
    assert api.of("sendMessage", 201)[0].text == api.of("sendMessage", 201)[1].text
    assert report.outcomes == {"sent": 5, "paused": 2}
    assert report.transient_errors == 2

    blocked = await store.digests.subscription(202)
    assert blocked is not None and not blocked.active
    assert blocked.paused_reason == "Forbidden: bot was blocked by the user"
    muted_group = await store.digests.subscription(-206)
    assert muted_group is not None and not muted_group.active
    assert muted_group.paused_reason == "Not enough rights to send text messages to the chat"
    migrated = await store.digests.subscription(-100207)
    assert migrated is not None and migrated.active and migrated.last_digest_at is not None
    assert await store.chats.get(-207) is None
    assert await store.digests.schedule(-100207) is not None

    # the next day: the blocked chat is skipped, everyone else gets one more
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    assert len(delivered(api, 202)) == 0
    assert "paused for this chat: Forbidden: bot was blocked by the user" in await ask(
        bot, "/digest", chat=202
    )


async def test_a_forum_groups_digests_go_to_the_topic_they_were_set_up_in(
    digest_bot: DigestBot,
) -> None:
    bot, forum = digest_bot, -100900
    text = await subscribe_in_topic(bot, forum)
    assert text.startswith("Subscribed this chat to digests.")
    await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    digest = delivered(bot.api, forum)[-1]
    assert visible_text(digest.text).startswith("Digest: new since")
    assert int(digest.params["message_thread_id"]) == 7
    # asked for in another topic, it still goes to the digests' topic, and the asker is told
    before = len(delivered(bot.api, forum))
    bot.api.user_sends("/digest now", chat=forum, user=43, chat_type="supergroup", thread_id=9)
    note, told = (await bot.api.sent("sendMessage", before + 2, chat_id=forum))[-2:]
    assert visible_text(note.text).startswith("No new developments since")
    assert int(note.params["message_thread_id"]) == 7
    assert visible_text(told.text) == "Sent the digest to the topic this chat's digests go to."
    assert int(told.params["message_thread_id"]) == 9

    # the topic is deleted: the digest still reaches the group, in its General topic
    bot.api.fail("sendMessage", 400, "Bad Request: message thread not found", chat_id=forum)
    await bot.store.digests.set_send_empty(forum, True)
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    # ... and is forgotten: the next digest goes to General at once, in one request
    await went_to_general(bot, forum)
    tried = len(bot.api.of("sendMessage"))
    bot.clock.advance(days=1)
    await bot.engine.run_due()
    assert len(bot.api.of("sendMessage")) == tried + 1
    assert "message_thread_id" not in delivered(bot.api, forum)[-1].params

    # a schedule set in General sends them there from now on
    await ask(bot, "/digest daily 10:00", chat=forum, user=43, chat_type="supergroup")
    subscription = await bot.store.digests.subscription(forum)
    assert subscription is not None and subscription.thread_id is None


@pytest.mark.parametrize(
    "answer",
    ["Bad Request: message thread not found", "Bad Request: TOPIC_DELETED"],
    ids=["thread-not-found", "topic-deleted"],
)
async def test_a_digest_whose_topic_was_deleted_goes_to_general(
    digest_bot: DigestBot, answer: str
) -> None:
    bot, forum = digest_bot, -100904
    await subscribe_in_topic(bot, forum)
    await bot.store.digests.set_send_empty(forum, True)
    bot.api.fail("sendMessage", 400, answer, chat_id=forum)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    await went_to_general(bot, forum)


async def test_group_upgraded_to_supergroup_keeps_its_subscription(digest_bot: DigestBot) -> None:
    bot = digest_bot
    bot.api.chat(-308, "group", "Small group")
    bot.api.member_status[(-308, 42)] = "administrator"
    await ask(bot, "/digest daily 07:00 Europe/Berlin", chat=-308, user=42)
    bot.api.chat(-100308, "supergroup", "Small group")
    bot.api.user_sends("", chat=-308, chat_type="group", extra={"migrate_to_chat_id": -100308})
    for _ in range(500):
        if await bot.store.digests.schedule(-100308) is not None:
            break
        await asyncio.sleep(0.02)
    schedule = await bot.store.digests.schedule(-100308)
    assert schedule is not None and schedule.timezone == "Europe/Berlin"
    assert await bot.store.digests.subscription(-308) is None
    assert "Digests are on for this chat." in await ask(bot, "/digest", chat=-100308, user=42)


async def in_channel(bot: DigestBot, text: str, channel: int) -> str:
    """Post `text` in the channel; the visible text of the bot's next post there."""
    before = len(delivered(bot.api, channel))
    bot.api.channel_posts(text, chat=channel)
    sent = await bot.api.sent("sendMessage", before + 1, chat_id=channel)
    return visible_text(sent[-1].text)


async def test_a_channel_admin_can_set_digests_up_in_the_channel_itself(
    digest_bot: DigestBot,
) -> None:
    """Only a channel's admins can post in it, and the bot sees their posts only as an
    admin itself; yet /subscribe posted in the channel got no answer at all."""
    bot, channel = digest_bot, -100700
    bot.api.chat(channel, "channel", "News channel", username="newschannel")
    text = await in_channel(bot, "/subscribe", channel)
    assert text.startswith("Subscribed this chat to digests.")
    text = await in_channel(bot, "/digest daily 08:00 Europe/Berlin", channel)
    assert "daily at 08:00 (Europe/Berlin)" in text
    await sample_briefing(bot.store)
    bot.clock.set(wall() + timedelta(days=1))
    await bot.engine.run_due()
    digest = delivered(bot.api, channel)[-1]
    assert visible_text(digest.text).startswith("Digest: new since")
    assert f"t.me/{BOT_USERNAME}?start=event_" in digest.text  # readers cannot send commands
    # Readers' commands are not answered there: the answer would be the channel's post.
    before = len(delivered(bot.api, channel))
    bot.api.channel_posts("/timeline", chat=channel)
    # The channel's own copy of a post in its discussion group is not the group's command.
    forwarded = {"is_automatic_forward": True, "sender_chat": bot.api.chats[channel]}
    bot.api.user_sends("/unsubscribe", chat=-701, chat_type="supergroup", extra=forwarded)
    await bot.api.settle()
    assert len(delivered(bot.api, channel)) == before and delivered(bot.api, -701) == []
    assert (await bot.store.digests.subscription(channel)).active  # type: ignore[union-attr]


async def _paused(bot: DigestBot, chat: int) -> str | None:
    """The subscription's pause reason, once the bot has taken in the last update."""
    for _ in range(500):
        subscription = await bot.store.digests.subscription(chat)
        if subscription is not None and not subscription.active:
            return subscription.paused_reason
        await asyncio.sleep(0.02)
    return None


async def test_a_group_that_removes_the_bot_has_its_digests_paused_at_once(
    digest_bot: DigestBot,
) -> None:
    """They paused only when the next digest was refused; until then /digest, seen from
    elsewhere, said they were on, and the fan-out spent a send on the chat."""
    bot = digest_bot
    bot.api.chat(-309, "group", "Small group")
    bot.api.member_status[(-309, 42)] = "administrator"
    await ask(bot, "/digest daily 07:00 Europe/Berlin", chat=-309, user=42)
    await ask(bot, "/subscribe", chat=43, user=43)
    bot.api.bot_membership(-309, "left", user=42)
    bot.api.bot_membership(43, "kicked", user=43)
    assert await _paused(bot, -309) == "the bot was removed from this chat"
    assert await _paused(bot, 43) == "the bot was blocked here"
    schedule = await bot.store.digests.schedule(-309)
    assert schedule is not None and schedule.timezone == "Europe/Berlin"  # nothing lost
    sent = {chat: len(bot.api.of("sendMessage", chat)) for chat in (-309, 43)}
    bot.clock.set(wall() + timedelta(days=1))
    assert (await bot.engine.run_due()).outcomes == {}
    assert {chat: len(bot.api.of("sendMessage", chat)) for chat in (-309, 43)} == sent
    # added back, the group resumes when its admin says so, with the schedule it had
    bot.api.bot_membership(-309, "member", user=42, old="left")
    text = await ask(bot, "/digest", chat=-309, user=42)
    assert "paused for this chat: the bot was removed from this chat" in text
    text = await ask(bot, "/subscribe", chat=-309, user=42)
    assert "Schedule: daily at 07:00 (Europe/Berlin)." in text
    assert (await bot.store.digests.subscription(-309)).active  # type: ignore[union-attr]


# --- the scheduler tick and restarts -------------------------------------------------------


async def test_startup_tick_sends_one_catch_up_for_several_missed_runs(
    bot_api: FakeBotAPI, settings: Settings, store: Store
) -> None:
    down_since = wall() - timedelta(days=5)
    await subscribe_directly(store, bot_api, 42, down_since)
    await sample_briefing(store)
    clock = FakeClock(wall() + timedelta(days=1))  # four 09:00 runs missed, at least
    app, _engine = await _running(bot_api, settings, store, clock, tick=True)
    try:
        await bot_api.sent("sendMessage", 1, chat_id=42)
        await bot_api.settle(0.5)
    finally:
        await stop_polling(app)
    assert len(delivered(bot_api, 42)) == 1
    [row] = await store.digests.deliveries(42)
    assert row.status == "sent" and row.period.startswith("daily:")


async def _fanout_child(db: Path, api: FakeBotAPI, now: datetime, *extra: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bot.telegram.fanout_child", str(db), api.url, iso(now),
        *extra, cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await process.communicate()
    assert process.returncode in (0, -9), err.decode()[-2000:]
    return process.returncode


async def test_kill_between_chats_then_restart_gives_every_chat_exactly_one_digest(
    bot_api: FakeBotAPI, store: Store, db_path: Path
) -> None:
    chats = list(range(5001, 5031))
    for chat_id in chats:
        await subscribe_directly(store, bot_api, chat_id, wall() - timedelta(days=2))
    await sample_briefing(store)
    now = wall() + timedelta(days=1)

    assert await _fanout_child(db_path, bot_api, now, "--die-after", "12") == -9
    counts = {c: len(delivered(bot_api, c)) for c in chats}
    assert sum(counts.values()) == 12 and set(counts.values()) == {0, 1}

    assert await _fanout_child(db_path, bot_api, now + timedelta(minutes=1)) == 0
    assert await _fanout_child(db_path, bot_api, now + timedelta(minutes=2)) == 0  # no-op
    counts = {c: len(delivered(bot_api, c)) for c in chats}
    assert counts == {c: 1 for c in chats}
    for chat_id in chats:
        [row] = await store.digests.deliveries(chat_id)
        assert (row.status, row.parts_sent) == ("sent", 1)


async def test_kill_inside_one_send_repeats_only_that_message(
    bot_api: FakeBotAPI, store: Store, db_path: Path
) -> None:
    """The documented at-least-once window: Telegram accepted the message, the process died
    before SQLite recorded it, so that one chat sees it twice; nobody misses it."""
    chats = list(range(6001, 6011))
    for chat_id in chats:
        await subscribe_directly(store, bot_api, chat_id, wall() - timedelta(days=2))
    await sample_briefing(store)
    now = wall() + timedelta(days=1)
    bot_api.slow("sendMessage", 1.0, chat_id=6005)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bot.telegram.fanout_child", str(db_path), bot_api.url,
        iso(now), cwd=REPO, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(1500):  # wait (up to 30 s on a busy machine) for the request to 6005
        if bot_api.of("sendMessage", 6005):
            break
        await asyncio.sleep(0.02)
    assert bot_api.of("sendMessage", 6005), "the fan-out never reached chat 6005"
    process.kill()
    await process.wait()
    await asyncio.sleep(1.2)  # the server finishes carrying out the request it received

    assert await _fanout_child(db_path, bot_api, now + timedelta(minutes=1)) == 0
    counts = {c: len(delivered(bot_api, c)) for c in chats}
    assert counts == {c: 2 if c == 6005 else 1 for c in chats}


async def test_digest_now_needs_a_subscription(digest_bot: DigestBot) -> None:
    bot = digest_bot
    await sample_briefing(bot.store)
    text = await ask(bot, "/digest now")
    assert text == "No digests for this chat yet: /subscribe first."
    assert len(delivered(bot.api, 42)) == 1  # that reply, not the whole briefing
