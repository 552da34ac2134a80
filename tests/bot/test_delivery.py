"""The fan-out engine with a controllable clock and a recording sender (no Telegram here;
the same engine runs over HTTP against the fake Bot API in tests/telegram)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import digest_settings
from bot.delivery import (
    ChatGone,
    ChatMoved,
    Compose,
    DeliveryEngine,
    MessageRejected,
    RetryLater,
    RetryPolicy,
    TransientError,
)
from bot.schedule import iso, parse_digest_args
from config.settings import Settings
from store import Store
from store.models import Chat
from tests.bot.briefing import add_article, add_event
from tests.fakes.clock import FakeClock

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SUBSCRIBED_AT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


class Recorder:
    """A `send` that records what reached each chat, and fails on demand."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.faults: dict[int, list[Exception]] = {}
        self.on_send: Callable[[int, str], None] | None = None

    def fail(self, chat_id: int, *errors: Exception) -> None:
        self.faults.setdefault(chat_id, []).extend(errors)

    async def __call__(self, chat_id: int, text: str) -> None:
        queue = self.faults.get(chat_id)
        if queue:
            raise queue.pop(0)
        if self.on_send is not None:
            self.on_send(chat_id, text)
        self.sent.append((chat_id, text))

    def per_chat(self) -> Counter[int]:
        return Counter(chat for chat, _ in self.sent)


def parts_for(count: int) -> Compose:
    """A composer that sends `count` parts naming the chat and window."""

    async def compose(chat: Chat, since: str | None, until: str, manual: bool) -> list[str]:
        return [f"digest for {chat.id} [{since}, {until}) part {i + 1}" for i in range(count)]

    return compose


async def nothing_new(chat: Chat, since: str | None, until: str, manual: bool) -> list[str]:
    return ["No new developments."] if manual or chat.send_empty_digest else []


async def subscribe(
    store: Store,
    chat_id: int,
    *,
    zone: str = BERLIN,
    at: str = "09:00",
    weekday: int | None = None,
) -> None:
    await store.chats.ensure(
        chat_id, "private" if chat_id > 0 else "supergroup", f"chat {chat_id}"
    )
    await store.digests.subscribe(chat_id, at=iso(SUBSCRIBED_AT))
    await store.digests.set_schedule(
        chat_id,
        frequency="weekly" if weekday is not None else "daily",
        weekday=weekday,
        time_of_day=at,
        timezone=zone,
        configured_by=None,
        at=iso(SUBSCRIBED_AT),
    )


def engine(
    store: Store, send: Recorder, clock: FakeClock, compose: Compose | None = None, **kw: Any
) -> DeliveryEngine:
    return DeliveryEngine(store, send, compose or parts_for(1), clock=clock, **kw)


async def test_each_chat_gets_its_digest_at_its_local_time_once(store: Store) -> None:
    await subscribe(store, 1, zone=BERLIN)  # 09:00 CET = 08:00 UTC
    await subscribe(store, 2, zone=NEW_YORK)  # 09:00 EST = 14:00 UTC
    await subscribe(store, 3, zone="Asia/Tokyo")  # 09:00 JST = 00:00 UTC
    clock = FakeClock(datetime(2026, 3, 2, 7, 59, tzinfo=UTC))
    send = Recorder()
    fanout = engine(store, send, clock)

    await fanout.run_due()
    # Tokyo's 09:00 today has passed; New York's 09:00 yesterday came before the subscription
    assert send.per_chat() == {3: 1}
    clock.set(datetime(2026, 3, 2, 8, 0, 30, tzinfo=UTC))
    await fanout.run_due()
    await fanout.run_due()
    assert send.per_chat() == {3: 1, 1: 1}
    clock.set(datetime(2026, 3, 2, 14, 1, tzinfo=UTC))
    await fanout.run_due()
    assert send.per_chat() == {3: 1, 1: 1, 2: 1}
    rows = await store.digests.deliveries(1)
    assert [(r.period, r.status, r.parts_sent) for r in rows] == [
        ("daily:2026-03-02T09:00@Europe/Berlin", "sent", 1)
    ]
    subscription = await store.digests.subscription(1)
    assert subscription is not None and subscription.last_digest_at == "2026-03-02T08:00:30+00:00"


async def test_berlin_digest_follows_local_time_over_the_spring_change(store: Store) -> None:
    await subscribe(store, 1, zone=BERLIN)
    clock = FakeClock(datetime(2026, 3, 28, 7, 30, tzinfo=UTC))
    send = Recorder()
    fanout = engine(store, send, clock)
    await fanout.run_due()  # Friday's digest, owed since the subscription
    assert len(send.sent) == 1
    sent_at = []
    for _hour in range(24 * 3):  # one tick an hour over Sat 28 .. Mon 30 March
        before = len(send.sent)
        await fanout.run_due()
        if len(send.sent) > before:
            sent_at.append(clock.now().strftime("%d %H:%M"))
        clock.advance(hours=1)
    # 09:00 local each day: 08:00 UTC in CET, 07:00 UTC in CEST from Sunday
    assert sent_at == ["28 08:30", "29 07:30", "30 07:30"]
    periods = [r.period for r in await store.digests.deliveries(1)]
    assert periods == [
        "daily:2026-03-27T09:00@Europe/Berlin",
        "daily:2026-03-28T09:00@Europe/Berlin",
        "daily:2026-03-29T09:00@Europe/Berlin",
        "daily:2026-03-30T09:00@Europe/Berlin",
    ]


async def test_a_digest_the_spring_gap_pushes_past_midnight_still_goes_once(store: Store) -> None:
    # Nuuk springs forward at 23:00 on Saturday 28 March 2026 (01:00 UTC Sunday)
    await subscribe(store, 1, zone="America/Nuuk", at="23:30")
    clock = FakeClock(datetime(2026, 3, 28, 2, 0, tzinfo=UTC))  # Sat 00:00 local
    send = Recorder()
    fanout = engine(store, send, clock)
    await fanout.run_due()  # Friday's digest, owed since the subscription
    assert len(send.sent) == 1
    sent_at = []
    for _tick in range(4 * 24 * 2):  # a tick every quarter hour over Sat 28 .. Sun 29
        before = len(send.sent)
        await fanout.run_due()
        if len(send.sent) > before:
            sent_at.append(clock.now().astimezone(ZoneInfo("America/Nuuk")).strftime("%a %H:%M"))
        clock.advance(minutes=15)
    assert sent_at == ["Sun 00:30", "Sun 23:30"]  # Saturday's run, then Sunday's
    periods = [r.period for r in await store.digests.deliveries(1)]
    assert periods == [
        "daily:2026-03-27T23:30@America/Nuuk",
        "daily:2026-03-28T23:30@America/Nuuk",
        "daily:2026-03-29T23:30@America/Nuuk",
    ]


async def test_restart_after_downtime_sends_one_catch_up_not_one_per_missed_slot(
    db_path: Path,
) -> None:
    async with await Store.open(db_path) as store:
        await subscribe(store, 1, zone=BERLIN)
        await subscribe(store, 2, zone=NEW_YORK, weekday=0)
        clock = FakeClock(datetime(2026, 3, 2, 8, 5, tzinfo=UTC))  # Mon 09:05 Berlin
        send = Recorder()
        await engine(store, send, clock).run_due()
        assert send.per_chat() == {1: 1}
    # down from Monday until Thursday 12:00 UTC: three Berlin slots and one New York one missed
    clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    async with await Store.open(db_path) as store:
        restarted = engine(store, send, clock)
        await restarted.run_due()
        await restarted.run_due()
        assert send.per_chat() == {1: 2, 2: 1}
        periods = [r.period for r in await store.digests.deliveries(1)]
        assert periods == [
            "daily:2026-03-02T09:00@Europe/Berlin",
            "daily:2026-03-05T09:00@Europe/Berlin",
        ]
        assert [r.period for r in await store.digests.deliveries(2)] == [
            "weekly:2026-03-02T09:00@America/New_York"
        ]
        # the next regular run comes as usual
        clock.set(datetime(2026, 3, 6, 8, 1, tzinfo=UTC))
        await restarted.run_due()
        assert send.per_chat() == {1: 3, 2: 1}


async def test_retry_after_is_waited_out_and_the_same_message_sent_once(store: Store) -> None:
    for chat_id in (1, 2, 3):
        await subscribe(store, chat_id)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    send.fail(2, RetryLater(7))
    report = await engine(store, send, clock, concurrency=1).run_due()
    assert send.per_chat() == {1: 1, 2: 1, 3: 1}
    assert 7 in clock.sleeps
    assert report.flood_waits == 1 and report.outcomes == {"sent": 3}


async def test_transient_errors_back_off_then_deliver(store: Store) -> None:
    await subscribe(store, 1)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    send.fail(1, TransientError("500 Internal Server Error"), TransientError("timed out"))
    report = await engine(store, send, clock).run_due()
    assert send.per_chat() == {1: 1}
    assert clock.sleeps == [1.0, 2.0]
    assert report.transient_errors == 2


async def test_persistent_5xx_fails_the_run_and_a_later_run_retries(store: Store) -> None:
    await subscribe(store, 1)
    await subscribe(store, 2)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    send.fail(1, *[TransientError("502 Bad Gateway")] * 4)
    fanout = engine(store, send, clock, policy=RetryPolicy(max_attempts=4, max_runs=3))
    report = await fanout.run_due()
    assert report.outcomes == {"failed": 1, "sent": 1}
    assert send.per_chat() == {2: 1}
    row = await store.digests.delivery(1, "daily:2026-03-02T09:00@Europe/Berlin")
    assert row is not None and (row.status, row.attempts, row.error) == (
        "failed",
        1,
        "502 Bad Gateway",
    )
    clock.advance(minutes=1)
    await fanout.run_due()
    assert send.per_chat() == {1: 1, 2: 1}
    row = await store.digests.delivery(1, "daily:2026-03-02T09:00@Europe/Berlin")
    assert row is not None and (row.status, row.attempts) == ("sent", 2)


async def test_a_period_that_keeps_failing_is_left_to_the_next_one(store: Store) -> None:
    await subscribe(store, 1)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    send.fail(1, *[TransientError("timed out")] * 6)
    fanout = engine(store, send, clock, policy=RetryPolicy(max_attempts=2, max_runs=3))
    for _ in range(5):
        await fanout.run_due()
        clock.advance(minutes=1)
    row = await store.digests.delivery(1, "daily:2026-03-02T09:00@Europe/Berlin")
    assert row is not None and (row.status, row.attempts) == ("failed", 3)
    assert send.sent == []
    # the events were not lost: the next day's digest starts where the last delivered one ended
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    await fanout.run_due()
    assert len(send.sent) == 1 and f"[{iso(SUBSCRIBED_AT)}," in send.sent[0][1]


async def test_forbidden_pauses_the_subscription_with_the_reason(store: Store) -> None:
    await subscribe(store, 1)
    await subscribe(store, 2)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    send.fail(1, ChatGone("Forbidden: bot was blocked by the user"))
    fanout = engine(store, send, clock)
    report = await fanout.run_due()
    assert report.outcomes == {"paused": 1, "sent": 1}
    subscription = await store.digests.subscription(1)
    assert subscription is not None and not subscription.active
    assert subscription.paused_reason == "Forbidden: bot was blocked by the user"
    row = await store.digests.delivery(1, "daily:2026-03-02T09:00@Europe/Berlin")
    assert row is not None and row.status == "paused"
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    await fanout.run_due()
    assert send.per_chat() == {2: 2}
    # resubscribing resumes delivery
    await store.digests.subscribe(1, at=iso(clock.now()))
    clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    await fanout.run_due()
    assert send.per_chat() == {2: 3, 1: 1}


async def test_a_chat_that_cannot_be_told_of_its_pause_is_paused_all_the_same(
    store: Store,
) -> None:
    await subscribe(store, 1)
    await subscribe(store, 2)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    told: list[tuple[int, str]] = []

    async def notify(chat_id: int, reason: str) -> None:
        told.append((chat_id, reason))
        raise RuntimeError("the notice failed too")

    fanout = engine(store, send, clock, notify_paused=notify)
    reports = []
    for _day in range(3):  # three daily periods, each tried three times, all refused
        send.fail(1, *[MessageRejected("CHAT_SEND_PLAIN_FORBIDDEN")] * 3)
        for _ in range(3):
            reports.append(await fanout.run_due())
            clock.advance(seconds=30)
        clock.advance(days=1, seconds=-90)
    assert reports[-1].outcomes == {"paused": 1}
    reason = "Telegram refused the last 3 digests (CHAT_SEND_PLAIN_FORBIDDEN)"
    assert told == [(1, reason)]
    subscription = await store.digests.subscription(1)
    assert subscription is not None and (subscription.active, subscription.paused_reason) == (
        False,
        reason,
    )
    [*_, last] = await store.digests.deliveries(1)
    assert (last.status, last.error) == ("failed", "CHAT_SEND_PLAIN_FORBIDDEN")
    assert send.per_chat() == {2: 3}


async def test_quiet_days_between_refusals_do_not_start_the_count_again(store: Store) -> None:
    """A day with nothing new sends nothing, so it says nothing of whether the chat can be
    reached: refused, quiet, refused, quiet, refused is three refusals in a row."""
    await subscribe(store, 1)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    quiet = True

    async def compose(chat: Chat, since: str | None, until: str, manual: bool) -> list[str]:
        return [] if quiet else ["digest"]

    fanout = engine(store, send, clock, compose=compose)
    for day in range(5):
        quiet = day % 2 == 1
        send.fail(1, *[MessageRejected("TOPIC_CLOSED")] * 3)
        for _ in range(3):
            await fanout.run_due()
            clock.advance(seconds=30)
        clock.advance(days=1, seconds=-90)
        send.faults.clear()
    subscription = await store.digests.subscription(1)
    assert subscription is not None and not subscription.active
    assert subscription.paused_reason == "Telegram refused the last 3 digests (TOPIC_CLOSED)"
    assert [row.status for row in await store.digests.deliveries(1)] == [
        "failed", "empty", "failed", "empty", "failed",
    ]  # fmt: skip


async def test_group_migrated_to_supergroup_keeps_its_subscription(store: Store) -> None:
    await subscribe(store, -100, zone=NEW_YORK)
    clock = FakeClock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    send = Recorder()
    send.fail(-100, ChatMoved(-1009999))
    report = await engine(store, send, clock).run_due()
    assert send.per_chat() == {-1009999: 1}
    assert report.migrations == 1
    assert await store.chats.get(-100) is None
    chat = await store.chats.get(-1009999)
    assert chat is not None and chat.type == "supergroup"
    schedule = await store.digests.schedule(-1009999)
    assert schedule is not None and schedule.timezone == NEW_YORK
    subscription = await store.digests.subscription(-1009999)
    assert subscription is not None and subscription.active
    assert subscription.last_digest_at == "2026-03-02T14:00:00+00:00"


async def test_parts_are_a_second_apart_and_a_crash_between_them_resumes(store: Store) -> None:
    await subscribe(store, 1)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()

    class Killed(BaseException):
        """Stands in for the process dying: nothing after it runs."""

    def die_at_third(chat_id: int, text: str) -> None:
        if text.endswith("part 3"):
            raise Killed

    send.on_send = die_at_third
    with pytest.raises(Killed):
        await engine(store, send, clock, compose=parts_for(4)).run_due()
    assert [t[-6:] for _, t in send.sent] == ["part 1", "part 2"]
    assert clock.sleeps == [1.0, 1.0]
    row = await store.digests.delivery(1, "daily:2026-03-02T09:00@Europe/Berlin")
    assert row is not None and (row.status, row.parts_sent) == ("pending", 2)

    send.on_send = None
    clock.advance(minutes=5)
    # a new engine (the restarted bot) with a composer that would now write different text
    await engine(store, send, clock, compose=parts_for(9)).run_due()
    assert [t[-6:] for _, t in send.sent] == ["part 1", "part 2", "part 3", "part 4"]
    assert len({t.split(" part")[0] for _, t in send.sent}) == 1  # the same digest throughout


@pytest.mark.parametrize(
    "legacy", ["daily:2026-03-02T09:00", "daily:2026-03-02"], ids=["without-zone", "date-only"]
)
async def test_a_delivery_left_pending_under_an_older_key_is_resumed_as_its_slot(
    store: Store, legacy: str
) -> None:
    """A crash between two parts just before an upgrade that changed the period's key: the
    restarted bot sends the rest of that digest and no second one for the same slot."""
    await subscribe(store, 1)
    cutoff = "2026-03-02T08:00:05+00:00"
    await store.digests.claim(
        1, legacy, since=iso(SUBSCRIBED_AT), cutoff=cutoff, parts=["old 1", "old 2"], at=cutoff
    )
    await store.digests.part_sent(1, legacy, 1, at=cutoff)
    clock = FakeClock(datetime(2026, 3, 2, 8, 3, tzinfo=UTC))
    send = Recorder()
    fanout = engine(store, send, clock)
    await fanout.run_due()
    clock.advance(seconds=30)
    await fanout.run_due()
    assert send.sent == [(1, "old 2")]
    assert [(row.period, row.status) for row in await store.digests.deliveries(1)] == [
        (legacy, "sent")
    ]
    subscription = await store.digests.subscription(1)
    assert subscription is not None and subscription.last_digest_at == cutoff
    clock.set(datetime(2026, 3, 3, 8, 0, 30, tzinfo=UTC))  # the next day: from that cutoff
    await fanout.run_due()
    assert send.sent[1:] == [(1, f"digest for 1 [{cutoff}, {iso(clock.now())}) part 1")]


async def test_a_delivery_failed_part_way_under_an_older_key_goes_on_from_its_part(
    store: Store,
) -> None:
    await subscribe(store, 1)
    legacy, cutoff = "daily:2026-03-02T09:00", "2026-03-02T08:00:05+00:00"
    await store.digests.claim(
        1, legacy, since=iso(SUBSCRIBED_AT), cutoff=cutoff, parts=["old 1", "old 2"], at=cutoff
    )
    await store.digests.part_sent(1, legacy, 1, at=cutoff)
    await store.digests.fail(1, legacy, "502 Bad Gateway", slot=None, give_up=False, at=cutoff)
    send = Recorder()
    await engine(store, send, FakeClock(datetime(2026, 3, 2, 8, 3, tzinfo=UTC))).run_due()
    assert send.sent == [(1, "old 2")]
    [row] = await store.digests.deliveries(1)
    assert (row.period, row.status, row.attempts) == (legacy, "sent", 2)


async def test_nothing_new_sends_nothing_unless_the_chat_asked(store: Store) -> None:
    await subscribe(store, 1)
    await subscribe(store, 2)
    await store.digests.set_send_empty(2, True)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    report = await engine(store, send, clock, compose=nothing_new).run_due()
    assert send.sent == [(2, "No new developments.")]
    assert report.outcomes == {"empty": 1, "sent": 1}
    subscription = await store.digests.subscription(1)
    assert subscription is not None and subscription.last_digest_at is None


async def test_digest_now_is_delivered_at_once_and_moves_the_window(store: Store) -> None:
    await subscribe(store, 1)
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    send = Recorder()
    fanout = engine(store, send, clock)
    assert await fanout.deliver_now(1) == "sent"
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    await fanout.run_due()
    assert [t for _, t in send.sent] == [
        f"digest for 1 [{iso(SUBSCRIBED_AT)}, 2026-03-02T06:00:00+00:00) part 1",
        "digest for 1 [2026-03-02T06:00:00+00:00, 2026-03-02T08:00:00+00:00) part 1",
    ]


async def test_a_digest_now_while_the_chat_waits_in_a_fanout_is_not_followed_by_another(
    store: Store,
) -> None:
    await subscribe(store, 1)
    await subscribe(store, 2)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    admin_asks = [True]  # once, in the first run

    async def after(chat_id: int, outcome: object) -> None:
        if chat_id == 1 and admin_asks:  # chat 2 waits its turn; its admin sends now
            admin_asks.clear()
            clock.advance(minutes=5)
            assert await fanout.deliver_now(2) == "sent"

    fanout = engine(store, send, clock, concurrency=1, on_chat_done=after)
    await fanout.run_due()
    assert [t for chat, t in send.sent if chat == 2] == [
        f"digest for 2 [{iso(SUBSCRIBED_AT)}, 2026-03-02T08:05:00+00:00) part 1"
    ]
    subscription = await store.digests.subscription(2)
    assert subscription is not None
    assert subscription.last_digest_at == "2026-03-02T08:05:00+00:00"  # not back to 08:00
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    await fanout.run_due()
    assert send.sent[-1] == (
        2,
        "digest for 2 [2026-03-02T08:05:00+00:00, 2026-03-03T08:00:00+00:00) part 1",
    )


async def test_one_chats_unexpected_error_does_not_stop_the_others(store: Store) -> None:
    for chat_id in (1, 2, 3):
        await subscribe(store, chat_id)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    send.fail(2, ValueError("a bug"))
    report = await engine(store, send, clock).run_due()
    assert send.per_chat() == {1: 1, 3: 1}
    assert report.outcomes == {"sent": 2, "failed": 1}


async def test_a_chat_whose_zone_no_longer_loads_does_not_stop_the_others(store: Store) -> None:
    await subscribe(store, 1, zone="UTC")
    await subscribe(store, 2, zone="UTC")
    # as if the system's tzdata had dropped a zone the chat chose while it was there
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE digest_schedules SET timezone = 'Gone/Zone' WHERE chat_id = 1")
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC))
    send = Recorder()
    await engine(store, send, clock).run_due()
    assert send.per_chat() == {2: 1}


async def test_a_chat_whose_zone_no_longer_loads_is_told_how_to_fix_it(
    store: Store, settings: Settings
) -> None:
    await subscribe(store, 1, zone="UTC")
    async with store.db.transaction() as conn:  # a zone this system's tzdata dropped
        await conn.execute("UPDATE chats SET timezone = 'Gone/Zone' WHERE id = 1")
        await conn.execute("UPDATE digest_schedules SET timezone = 'Gone/Zone' WHERE chat_id = 1")
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    shown = await digest_settings.show(store, settings, 1, now, "this chat")
    assert (
        "Time zone Gone/Zone is not known on this server any more: /timezone ZONE sets one;"
        " no digests until then." in shown.intro
    )
    assert "Time zone: UTC (/timezone ZONE)." in shown.intro  # the bot's own, until then
    reply = await digest_settings.subscribe(store, settings, 1, 7, now, "this chat")
    assert "no digests until then" in " ".join(reply.intro)
    reply = await digest_settings.change(
        store, settings, 1, parse_digest_args(["daily", "10:00"]), 7, now, "this chat"
    )
    assert reply.intro == ("Next digest: Tue 03 Mar 2026, 10:00 UTC.",)  # mended


async def test_sends_are_paced_evenly_across_chats(store: Store) -> None:
    for chat_id in range(1, 6):
        await subscribe(store, chat_id)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    sent_at: list[datetime] = []
    send.on_send = lambda chat_id, text: sent_at.append(clock.now())
    policy = RetryPolicy(messages_per_second=4.0)
    await engine(store, send, clock, policy=policy, concurrency=3).run_due()
    gaps = [(b - a).total_seconds() for a, b in zip(sent_at, sent_at[1:], strict=False)]
    assert len(sent_at) == 5
    assert all(gap >= 0.25 for gap in gaps), gaps  # never a burst, even with 3 workers


async def test_chats_sharing_a_window_share_one_snapshot(store: Store) -> None:
    for chat_id in (1, 2, 3):
        await subscribe(store, chat_id)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    await engine(store, send, clock, policy=RetryPolicy(messages_per_second=1.0)).run_due()
    cutoffs = {row.cutoff for c in (1, 2, 3) for row in await store.digests.deliveries(c)}
    assert cutoffs == {"2026-03-02T08:00:00+00:00"}  # though the sends took seconds


async def test_a_stopping_bot_ends_the_fanout_between_chats_and_resumes(store: Store) -> None:
    for chat_id in range(1, 7):
        await subscribe(store, chat_id)
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    send = Recorder()
    fanout = engine(store, send, clock, concurrency=1)
    report = await fanout.run_due(keep_going=lambda: len(send.sent) < 2)
    assert report.outcomes == {"sent": 2}
    await fanout.run_due()
    assert send.per_chat() == {chat_id: 1 for chat_id in range(1, 7)}


# --- changes a chat makes to its digests: what the reply promises is what is sent ----------


async def daily_digest_sent(store: Store) -> tuple[FakeClock, Recorder, DeliveryEngine]:
    """Chat 1 with a daily digest at 09:00 UTC, which went out on 10 March 2026."""
    await subscribe(store, 1, zone="UTC")
    clock = FakeClock(datetime(2026, 3, 10, 9, 0, 30, tzinfo=UTC))
    send = Recorder()
    fanout = engine(store, send, clock)
    await fanout.run_due()
    assert send.per_chat() == {1: 1}
    return clock, send, fanout


async def test_moving_the_zone_east_sends_nothing_until_the_new_local_time(
    store: Store, settings: Settings
) -> None:
    clock, send, fanout = await daily_digest_sent(store)
    # 08:00 UTC next day: 09:00 in Tokyo (00:00 UTC) is already past today
    clock.set(datetime(2026, 3, 11, 8, 0, tzinfo=UTC))
    reply = await digest_settings.set_timezone(
        store, settings, 1, "Asia/Tokyo", clock.now(), "this chat"
    )
    assert "Next digest: Thu 12 Mar 2026, 09:00 JST." in " ".join(reply.intro)
    clock.advance(seconds=30)
    await fanout.run_due()
    assert send.per_chat() == {1: 1}  # nothing unscheduled
    clock.set(datetime(2026, 3, 12, 0, 0, 30, tzinfo=UTC))
    await fanout.run_due()
    assert send.per_chat() == {1: 2}


async def test_resubscribing_after_a_pause_waits_for_the_next_slot(
    store: Store, settings: Settings
) -> None:
    clock, send, fanout = await daily_digest_sent(store)
    await digest_settings.unsubscribe(store, 1, "this chat")
    clock.set(datetime(2026, 3, 13, 15, 0, tzinfo=UTC))
    reply = await digest_settings.subscribe(store, settings, 1, 7, clock.now(), "this chat")
    assert "Next digest: Sat 14 Mar 2026, 09:00 UTC." in " ".join(reply.intro)
    clock.advance(seconds=30)
    await fanout.run_due()
    assert send.per_chat() == {1: 1}  # the 13 March slot was missed while off: not owed
    clock.set(datetime(2026, 3, 14, 9, 0, 30, tzinfo=UTC))
    await fanout.run_due()
    assert send.per_chat() == {1: 2}


async def test_subscribing_again_while_on_keeps_a_slot_not_yet_delivered(
    store: Store, settings: Settings
) -> None:
    await subscribe(store, 1, zone="UTC")
    clock = FakeClock(datetime(2026, 3, 10, 9, 0, 10, tzinfo=UTC))  # before the tick
    await digest_settings.subscribe(store, settings, 1, 7, clock.now(), "this chat")
    send = Recorder()
    await engine(store, send, clock).run_due()
    assert send.per_chat() == {1: 1}


async def test_moving_todays_digest_later_after_it_went_sends_at_the_new_time(
    store: Store, settings: Settings
) -> None:
    clock, send, fanout = await daily_digest_sent(store)
    clock.set(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    reply = await digest_settings.change(
        store,
        settings,
        1,
        parse_digest_args(["daily", "18:00"]),
        7,
        clock.now(),
        "this chat",
    )
    assert reply.intro == ("Next digest: Tue 10 Mar 2026, 18:00 UTC.",)
    clock.set(datetime(2026, 3, 10, 18, 0, 30, tzinfo=UTC))
    await fanout.run_due()
    await fanout.run_due()
    assert send.per_chat() == {1: 2}
    windows = [text for _, text in send.sent]
    assert "[2026-03-10T09:00:30+00:00, 2026-03-10T18:00:30+00:00)" in windows[1]


async def test_a_digest_waits_for_a_writer_that_stamped_its_rows_before_the_cutoff(
    store: Store, db_path: Path
) -> None:
    """Another process (`briefbot ingest`) stamps a correction, then commits after the run
    has begun: the run must carry it, since the next run starts at this one's cutoff."""
    await subscribe(store, 1, zone="UTC")
    source = await add_article(store, "Guards were filmed.")
    event_id = await add_event(store, source, "2021", "First version", ("Guards",))
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE events SET updated_at = '2026-03-01T12:00:00+00:00'")

    async def summaries(chat: Chat, since: str | None, until: str, manual: bool) -> list[str]:
        _count, changed = await store.events.changed_last_between(since, until, limit=100)
        return [" | ".join(e.summary for e in changed)]

    clock = FakeClock(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC))
    send = Recorder()
    stamped = asyncio.Event()
    other = await Store.open(db_path)

    async def correct() -> None:
        async with other.db.transaction() as conn:
            await conn.execute(
                "UPDATE events SET summary = 'Corrected', updated_at = ? WHERE id = ?",
                ("2026-03-02T09:00:00+00:00", event_id),
            )
            stamped.set()
            await asyncio.sleep(0.2)  # the rest of its article

    writer = asyncio.create_task(correct())
    await stamped.wait()
    await engine(store, send, clock, compose=summaries).run_due()
    await writer
    await other.close()
    assert send.sent == [(1, "Corrected")]


async def test_moving_the_zone_west_after_todays_digest_sends_at_the_new_local_time(
    store: Store, settings: Settings
) -> None:
    clock, send, fanout = await daily_digest_sent(store)
    clock.set(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))  # 06:00 in New York
    reply = await digest_settings.set_timezone(
        store, settings, 1, "America/New_York", clock.now(), "this chat"
    )
    assert "Next digest: Tue 10 Mar 2026, 09:00 EDT." in " ".join(reply.intro)
    clock.set(datetime(2026, 3, 10, 13, 0, 30, tzinfo=UTC))
    await fanout.run_due()
    assert send.per_chat() == {1: 2}
