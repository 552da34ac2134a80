"""The digest repository: subscriptions, schedules, options, delivery log, chat migration."""

from __future__ import annotations

import pytest

from store import Store
from store.errors import NotFound


async def _chat(store: Store, chat_id: int, type_: str = "private") -> None:
    await store.chats.ensure(chat_id, type_, f"chat {chat_id}")


async def _daily(store: Store, chat_id: int, zone: str = "UTC") -> None:
    await store.digests.set_schedule(
        chat_id,
        frequency="daily",
        weekday=None,
        time_of_day="09:00",
        timezone=zone,
        configured_by=7,
        at="2026-03-01T00:00:00+00:00",
    )


async def test_subscribe_unsubscribe_and_resume_keep_the_last_digest(store: Store) -> None:
    await _chat(store, 1)
    first = await store.digests.subscribe(1, at="2026-03-01T00:00:00+00:00")
    assert first.active and first.paused_reason is None
    await store.digests.claim(
        1, "now:x", since=None, cutoff="2026-03-02T00:00:00+00:00", parts=["a"]
    )
    await store.digests.finish(1, "now:x", "sent", slot=None)
    assert await store.digests.unsubscribe(1) is True
    assert await store.digests.unsubscribe(1) is False
    paused = await store.digests.subscription(1)
    assert paused is not None and not paused.active and paused.paused_reason == "unsubscribed"
    again = await store.digests.subscribe(1, at="2026-04-01T00:00:00+00:00")
    assert again.active and again.paused_reason is None
    assert again.created_at == "2026-03-01T00:00:00+00:00"
    assert again.last_digest_at == "2026-03-02T00:00:00+00:00"


async def test_unsubscribing_a_paused_chat_stops_it_for_good(store: Store) -> None:
    await _chat(store, -100500, "channel")
    await store.digests.subscribe(-100500)
    assert await store.digests.pause(-100500, "Need administrator rights") is True
    assert await store.digests.unsubscribe(-100500) is True
    stopped = await store.digests.subscription(-100500)
    assert stopped is not None and stopped.paused_reason == "unsubscribed"
    assert await store.digests.unsubscribe(-100500) is False


async def test_failures_since_success_are_the_runs_failing_now(store: Store) -> None:
    await _chat(store, 1)
    await store.digests.subscribe(1)

    async def run(period: str, at: str, status: str) -> None:
        await store.digests.claim(1, period, since=None, cutoff=at, parts=["a"], at=at)
        if status == "failed":
            await store.digests.fail(1, period, f"E{period}", slot=None, give_up=True, at=at)
        else:
            await store.digests.finish(1, period, status, slot=None, at=at)

    await run("d1", "2026-03-01T09:00:00+00:00", "failed")
    await run("d2", "2026-03-02T09:00:00+00:00", "sent")
    assert await store.digests.failures_since_success(1) == []
    await run("d3", "2026-03-03T09:00:00+00:00", "failed")
    await run("d4", "2026-03-04T09:00:00+00:00", "failed")
    failing = await store.digests.failures_since_success(1)
    assert [(d.period, d.error) for d in failing] == [("d4", "Ed4"), ("d3", "Ed3")]
    await run("d5", "2026-03-05T09:00:00+00:00", "empty")
    assert await store.digests.failures_since_success(1) == []


async def test_subscription_needs_a_known_chat(store: Store) -> None:
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        await store.digests.subscribe(404)


async def test_only_active_subscriptions_with_a_schedule_are_owed(store: Store) -> None:
    for chat_id in (1, 2, 3, 4):
        await _chat(store, chat_id)
    await store.digests.subscribe(1)
    await _daily(store, 1, "Europe/Berlin")
    await store.digests.subscribe(2)  # no schedule
    await _daily(store, 3)  # schedule, never subscribed
    await store.digests.subscribe(4)
    await _daily(store, 4)
    await store.digests.pause(4, "Forbidden: bot was kicked from the group chat")
    owed = await store.digests.scheduled_chats()
    assert [(o.chat.id, o.schedule.timezone, o.chat.timezone) for o in owed] == [
        (1, "Europe/Berlin", None)
    ]


async def test_timezone_moves_the_schedule_and_clearing_removes_it(store: Store) -> None:
    await _chat(store, 1)
    await _daily(store, 1)
    await store.digests.set_timezone(1, "Asia/Tokyo")
    chat = await store.chats.get(1)
    schedule = await store.digests.schedule(1)
    assert chat is not None and chat.timezone == "Asia/Tokyo"
    assert schedule is not None and (schedule.timezone, schedule.time_of_day) == (
        "Asia/Tokyo",
        "09:00",
    )
    assert await store.digests.clear_schedule(1) is True
    assert await store.digests.schedule(1) is None
    assert await store.digests.clear_schedule(1) is False
    with pytest.raises(NotFound):
        await store.digests.set_timezone(99, "UTC")


async def test_a_period_is_claimed_once(store: Store) -> None:
    await _chat(store, 1)
    first = await store.digests.claim(
        1, "daily:2026-03-02T09:00", since=None, cutoff="c1", parts=["one", "two"]
    )
    second = await store.digests.claim(
        1, "daily:2026-03-02T09:00", since="other", cutoff="c2", parts=["three"]
    )
    assert second == first
    assert first.parts == ("one", "two") and first.status == "pending"
    await store.digests.part_sent(1, "daily:2026-03-02T09:00", 1)
    row = await store.digests.delivery(1, "daily:2026-03-02T09:00")
    assert row is not None and row.parts_sent == 1
    assert [r.period for r in await store.digests.pending()] == ["daily:2026-03-02T09:00"]
    with pytest.raises(ValueError):
        await store.digests.finish(1, "daily:2026-03-02T09:00", "pending", slot=None)


async def test_migration_moves_everything_and_replaces_a_stub_of_the_new_chat(
    store: Store,
) -> None:
    await _chat(store, -5, "group")
    await store.digests.subscribe(-5)
    await _daily(store, -5, "America/New_York")
    await store.digests.set_send_empty(-5, True)
    await store.digests.claim(-5, "daily:2026-03-02T09:00", since=None, cutoff="c", parts=["x"])
    await _chat(store, -1005, "supergroup")  # the bot already saw the new supergroup
    await store.digests.migrate_chat(-5, -1005)
    chat = await store.chats.get(-1005)
    assert chat is not None and chat.type == "supergroup" and chat.send_empty_digest
    assert await store.chats.get(-5) is None
    assert (await store.digests.subscription(-1005)) is not None
    schedule = await store.digests.schedule(-1005)
    assert schedule is not None and schedule.timezone == "America/New_York"
    assert [r.period for r in await store.digests.deliveries(-1005)] == ["daily:2026-03-02T09:00"]
    assert await store.digests.deliveries(-5) == []
    await store.digests.migrate_chat(-5, -1005)  # a repeated service message changes nothing
    assert (await store.digests.subscription(-1005)) is not None
