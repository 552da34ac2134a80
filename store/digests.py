"""Digest subscriptions, schedules, per-chat digest options and the delivery log.

Every write takes an optional `at` (UTC ISO) so the scheduler's clock, not the wall clock,
stamps what it does; callers without a clock get `utc_now()`.
"""

from __future__ import annotations

import json
import sqlite3

from store.db import Database, utc_now
from store.errors import NotFound
from store.models import Chat, Delivery, DigestSchedule, ScheduledChat, Subscription

FINAL_STATUSES = ("sent", "empty", "paused")
UNSUBSCRIBED = "unsubscribed"


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"],
        active=bool(row["active"]),
        paused_reason=row["paused_reason"],
        last_digest_at=row["last_digest_at"],
        created_at=row["created_at"],
        thread_id=row["thread_id"],
        failed_runs=row["failed_runs"],
    )


def _schedule(row: sqlite3.Row) -> DigestSchedule:
    return DigestSchedule(
        chat_id=row["chat_id"],
        frequency=row["frequency"],
        weekday=row["weekday"],
        time_of_day=row["time_of_day"],
        timezone=row["timezone"],
        configured_by=row["configured_by"],
        last_run_at=row["last_run_at"],
        updated_at=row["updated_at"],
    )


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        chat_id=row["chat_id"],
        period=row["period"],
        status=row["status"],
        attempts=row["attempts"],
        error=row["error"],
        since=row["since"],
        cutoff=row["cutoff"],
        parts=tuple(json.loads(row["parts"])),
        parts_sent=row["parts_sent"],
        updated_at=row["updated_at"],
    )


class DigestRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- subscriptions ----------------------------------------------------------------

    async def subscribe(
        self, chat_id: int, *, at: str | None = None, thread_id: int | None = None
    ) -> Subscription:
        """Start (or resume) digests for a known chat, to its forum topic `thread_id` (None:
        the chat itself); keeps when the last one went out. Resuming makes the schedule
        count from `at`: slots missed while paused are not owed, so the chat's next digest
        is its next slot, as the reply to /subscribe says. The count of refused runs starts
        again: the admin has acted on it (a new topic, rights given back)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE digest_schedules SET updated_at = ? WHERE chat_id = ?"
                " AND chat_id IN (SELECT chat_id FROM subscriptions WHERE active = 0)",
                (at or utc_now(), chat_id),
            )
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, active, created_at, thread_id)"
                " VALUES (?, 1, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET active = 1,"
                " paused_reason = NULL, thread_id = excluded.thread_id, failed_runs = 0",
                (chat_id, at or utc_now(), thread_id),
            )
        return await self._require_subscription(chat_id)

    async def forget_thread(self, chat_id: int, thread_id: int) -> None:
        """The chat's digests go to the chat itself from now on: Telegram no longer knows
        forum topic `thread_id` (unless the chat has since chosen another topic)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE subscriptions SET thread_id = NULL WHERE chat_id = ? AND thread_id = ?",
                (chat_id, thread_id),
            )

    async def unsubscribe(self, chat_id: int) -> bool:
        """Stop digests for good; returns whether that changed anything. A chat paused for
        another reason (the bot lost its rights) is unsubscribed too: its admins said they
        want no more, so `/digest` stops offering to fix the pause."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE subscriptions SET active = 0, paused_reason = ?"
                " WHERE chat_id = ? AND (active = 1 OR paused_reason IS NOT ?)",
                (UNSUBSCRIBED, chat_id, UNSUBSCRIBED),
            )
            return cursor.rowcount > 0

    async def pause(self, chat_id: int, reason: str) -> bool:
        """Stop digests and record why; returns whether the subscription was active."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE subscriptions SET active = 0, paused_reason = ?"
                " WHERE chat_id = ? AND active = 1",
                (reason, chat_id),
            )
            return cursor.rowcount > 0

    async def subscription(self, chat_id: int) -> Subscription | None:
        row = await self.db.fetchone("SELECT * FROM subscriptions WHERE chat_id = ?", (chat_id,))
        return _subscription(row) if row else None

    async def _require_subscription(self, chat_id: int) -> Subscription:
        subscription = await self.subscription(chat_id)
        if subscription is None:
            raise NotFound(f"no subscription for chat {chat_id}")
        return subscription

    # --- schedules --------------------------------------------------------------------

    async def set_schedule(
        self,
        chat_id: int,
        *,
        frequency: str,
        weekday: int | None,
        time_of_day: str,
        timezone: str,
        configured_by: int | None,
        at: str | None = None,
    ) -> DigestSchedule:
        """Replace the chat's schedule; slots before `at` are not owed to the chat. The same
        schedule sent again changes nothing: it keeps counting from when it was set, so a
        repeat just after a slot, before the scheduler's tick, does not lose that slot."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO digest_schedules (chat_id, frequency, weekday, time_of_day,"
                " timezone, configured_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(chat_id) DO UPDATE SET updated_at = CASE WHEN"
                " frequency = excluded.frequency AND weekday IS excluded.weekday"
                " AND time_of_day = excluded.time_of_day AND timezone = excluded.timezone"
                " THEN updated_at ELSE excluded.updated_at END,"
                " frequency = excluded.frequency, weekday = excluded.weekday,"
                " time_of_day = excluded.time_of_day, timezone = excluded.timezone,"
                " configured_by = excluded.configured_by",
                (
                    chat_id,
                    frequency,
                    weekday,
                    time_of_day,
                    timezone,
                    configured_by,
                    at or utc_now(),
                ),
            )
        schedule = await self.schedule(chat_id)
        assert schedule is not None
        return schedule

    async def schedule(self, chat_id: int) -> DigestSchedule | None:
        row = await self.db.fetchone(
            "SELECT * FROM digest_schedules WHERE chat_id = ?", (chat_id,)
        )
        return _schedule(row) if row else None

    async def clear_schedule(self, chat_id: int) -> bool:
        """Remove the chat's schedule; returns whether it had one."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM digest_schedules WHERE chat_id = ?", (chat_id,)
            )
            return cursor.rowcount > 0

    async def scheduled_chats(self) -> list[ScheduledChat]:
        """Every chat owed digests: active subscription and a schedule."""
        rows = await self.db.fetchall(
            "SELECT s.*, c.type, c.title, c.username, c.timezone AS chat_timezone, c.graphic,"
            " c.send_empty_digest, sub.active, sub.paused_reason, sub.last_digest_at,"
            " sub.created_at AS subscribed_at, sub.thread_id, sub.failed_runs"
            " FROM digest_schedules s JOIN subscriptions sub ON sub.chat_id = s.chat_id"
            " JOIN chats c ON c.id = s.chat_id WHERE sub.active = 1 ORDER BY s.chat_id"
        )
        return [
            ScheduledChat(
                chat=Chat(
                    id=r["chat_id"],
                    type=r["type"],
                    title=r["title"],
                    username=r["username"],
                    timezone=r["chat_timezone"],
                    graphic=bool(r["graphic"]),
                    send_empty_digest=bool(r["send_empty_digest"]),
                ),
                schedule=_schedule(r),
                subscription=Subscription(
                    chat_id=r["chat_id"],
                    active=bool(r["active"]),
                    paused_reason=r["paused_reason"],
                    last_digest_at=r["last_digest_at"],
                    created_at=r["subscribed_at"],
                    thread_id=r["thread_id"],
                    failed_runs=r["failed_runs"],
                ),
            )
            for r in rows
        ]

    # --- per-chat options ---------------------------------------------------------------

    async def set_timezone(self, chat_id: int, zone: str, *, at: str | None = None) -> None:
        """The chat's zone; an existing schedule moves with it (09:00 stays 09:00 local) and
        counts from `at`, as a new schedule would: a slot of the new zone that fell before
        the move is not owed (it would send an unscheduled digest at once)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE chats SET timezone = ? WHERE id = ?", (zone, chat_id)
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no chat {chat_id}")
            await conn.execute(
                "UPDATE digest_schedules SET timezone = ?, updated_at = ?"
                " WHERE chat_id = ? AND timezone != ?",
                (zone, at or utc_now(), chat_id, zone),
            )

    async def set_send_empty(self, chat_id: int, send: bool) -> None:
        """Whether a digest with nothing new still sends a short note."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE chats SET send_empty_digest = ? WHERE id = ?", (int(send), chat_id)
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no chat {chat_id}")

    # --- the delivery log ---------------------------------------------------------------

    async def delivery(self, chat_id: int, period: str) -> Delivery | None:
        row = await self.db.fetchone(
            "SELECT * FROM deliveries WHERE chat_id = ? AND period = ?", (chat_id, period)
        )
        return _delivery(row) if row else None

    async def deliveries(self, chat_id: int) -> list[Delivery]:
        rows = await self.db.fetchall(
            "SELECT * FROM deliveries WHERE chat_id = ? ORDER BY updated_at, period", (chat_id,)
        )
        return [_delivery(r) for r in rows]

    async def failures_since_success(self, chat_id: int) -> list[Delivery]:
        """The chat's failed deliveries since its last final one (sent, empty or paused),
        newest first: the runs that keep failing right now."""
        rows = await self.db.fetchall(
            "SELECT * FROM deliveries WHERE chat_id = ? AND status = 'failed' AND updated_at >"
            " coalesce((SELECT max(updated_at) FROM deliveries WHERE chat_id = ?"
            " AND status IN ('sent', 'empty', 'paused')), '')"
            " ORDER BY updated_at DESC, period DESC",
            (chat_id, chat_id),
        )
        return [_delivery(r) for r in rows]

    async def claim(
        self,
        chat_id: int,
        period: str,
        *,
        since: str | None,
        cutoff: str,
        parts: list[str],
        at: str | None = None,
    ) -> Delivery:
        """Record the digest for (chat, period) as pending with its exact parts, as the first
        attempt, unless a row exists already: then that row wins and is returned, so a period
        is composed once."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO deliveries (chat_id, period, status, attempts, since,"
                " cutoff, parts, parts_sent, updated_at)"
                " VALUES (?, ?, 'pending', 1, ?, ?, ?, 0, ?)",
                (chat_id, period, since, cutoff, json.dumps(parts), at or utc_now()),
            )
        claimed = await self.delivery(chat_id, period)
        assert claimed is not None
        return claimed

    async def start_attempt(self, chat_id: int, period: str, *, at: str | None = None) -> None:
        """Count one more run trying this delivery (a resumed or retried one included)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, status = 'pending',"
                " updated_at = ? WHERE chat_id = ? AND period = ?",
                (at or utc_now(), chat_id, period),
            )

    async def part_sent(
        self, chat_id: int, period: str, parts_sent: int, *, at: str | None = None
    ) -> None:
        """Telegram accepted the first `parts_sent` parts."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET parts_sent = ?, updated_at = ?"
                " WHERE chat_id = ? AND period = ?",
                (parts_sent, at or utc_now(), chat_id, period),
            )

    async def finish(
        self,
        chat_id: int,
        period: str,
        status: str,
        *,
        slot: str | None,
        parts_sent: int | None = None,
        error: str | None = None,
        at: str | None = None,
    ) -> None:
        """Give the delivery its final status in one transaction with what follows from it:
        `sent` moves the chat's last digest to the cutoff and ends a run of refusals (the chat
        is reachable; an `empty` run, which sent nothing, does not show that); any final
        status records the slot as run so the scheduler stops looking at it; `paused` pauses
        the subscription."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status!r}")
        now = at or utc_now()
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET status = ?, error = ?, updated_at = ?,"
                " parts_sent = coalesce(?, parts_sent) WHERE chat_id = ? AND period = ?",
                (status, error, now, parts_sent, chat_id, period),
            )
            if status == "sent":
                await conn.execute(
                    "UPDATE subscriptions SET last_digest_at = (SELECT cutoff FROM deliveries"
                    " WHERE chat_id = ? AND period = ?) WHERE chat_id = ?",
                    (chat_id, period, chat_id),
                )
                await conn.execute(
                    "UPDATE subscriptions SET failed_runs = 0 WHERE chat_id = ?", (chat_id,)
                )
            if status == "paused":
                await conn.execute(
                    "UPDATE subscriptions SET active = 0, paused_reason = ? WHERE chat_id = ?",
                    (error, chat_id),
                )
            if slot is not None:
                await self._mark_slot_run(conn, chat_id, slot)

    async def fail(
        self,
        chat_id: int,
        period: str,
        error: str,
        *,
        slot: str | None,
        give_up: bool,
        refused_run: bool = False,
        pause: tuple[int, str] | None = None,
        at: str | None = None,
    ) -> bool:
        """The run could not deliver; `give_up` stops retrying this period (the next period's
        digest still covers its events, since the chat's last digest did not move).
        `refused_run`: Telegram refused this scheduled period for good, one more in the
        chat's run of refusals; with `pause=(runs, reason)` the subscription pauses with
        `reason` once that run is `runs` long. Returns whether it paused, in the same
        transaction as the failure, so a crash cannot count a run without acting on it."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET status = 'failed', error = ?, updated_at = ?"
                " WHERE chat_id = ? AND period = ?",
                (error, at or utc_now(), chat_id, period),
            )
            if give_up and slot is not None:
                await self._mark_slot_run(conn, chat_id, slot)
            if not refused_run:
                return False
            await conn.execute(
                "UPDATE subscriptions SET failed_runs = failed_runs + 1 WHERE chat_id = ?",
                (chat_id,),
            )
            if pause is None:
                return False
            runs, reason = pause
            cursor = await conn.execute(
                "UPDATE subscriptions SET active = 0, paused_reason = ?"
                " WHERE chat_id = ? AND active = 1 AND failed_runs >= ?",
                (reason, chat_id, runs),
            )
            return cursor.rowcount > 0

    async def finish_slot(self, chat_id: int, slot: str) -> None:
        """Record that the scheduled slot needs nothing more (its delivery is final)."""
        async with self.db.transaction() as conn:
            await self._mark_slot_run(conn, chat_id, slot)

    @staticmethod
    async def _mark_slot_run(conn: object, chat_id: int, slot: str) -> None:
        await conn.execute(  # type: ignore[attr-defined]
            "UPDATE digest_schedules SET last_run_at = ? WHERE chat_id = ?"
            " AND (last_run_at IS NULL OR last_run_at < ?)",
            (slot, chat_id, slot),
        )

    async def pending(self) -> list[Delivery]:
        """Deliveries a crash left unfinished, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM deliveries WHERE status = 'pending' ORDER BY updated_at, chat_id"
        )
        return [_delivery(r) for r in rows]

    # --- chat migration -------------------------------------------------------------------

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup with a new id: move the chat and everything keyed by
        it (subscription, schedule, delivery log) to the new id. A row the bot may already
        have made for the new id is replaced, since the old chat's settings are the real ones."""
        if old_id == new_id:
            return
        async with self.db.transaction() as conn:
            old = await (
                await conn.execute("SELECT 1 FROM chats WHERE id = ?", (old_id,))
            ).fetchone()
            if old is None:
                return
            await conn.execute("DELETE FROM chats WHERE id = ?", (new_id,))
            # ON UPDATE CASCADE carries subscriptions, schedules and deliveries along.
            await conn.execute(
                "UPDATE chats SET id = ?, type = 'supergroup' WHERE id = ?", (new_id, old_id)
            )
