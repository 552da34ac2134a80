"""The digest fan-out: which chats are owed a digest now, and delivering each one once.

No Telegram types here: the sender is an injected `send(chat_id, text)` coroutine, and the
Telegram layer translates python-telegram-bot's errors into these:

SendError
├── RetryLater       flood control (429): wait `retry_after` seconds, send the same message
├── TransientError   network error, timeout, 5xx: retry with exponential backoff, bounded
├── ChatGone         blocked, kicked, or not allowed to post (403): pause the subscription
├── ChatMoved        the group became a supergroup: move the chat's rows, send there
└── MessageRejected  400 Bad Request: this run fails for the chat, a later run retries;
                     after RetryPolicy.pause_after_runs scheduled runs refused in a row the
                     subscription pauses with the reason, and the chat is told if it can be

Delivery guarantee. The delivery log row for (chat, period) is claimed in a transaction with
the exact message parts before anything is sent; after Telegram accepts part i, `parts_sent =
i + 1` is committed (the last part commits the final `sent` status and moves the chat's last
digest in the same transaction). A restart resumes every `pending` row at `parts_sent`, and
the scheduler never claims a period twice. So a crash or kill *between* messages — between
chats, or between the parts of one chat's digest — gives every chat every part exactly once.

A kill *inside* one send — after Telegram accepted the message but before SQLite recorded it —
or a timeout on a request Telegram did carry out, repeats that one message after the restart:
at-least-once for the single message in flight. We chose that over at-most-once (recording
before sending) because a lost part silently drops events from the chat's record, while a
repeated part is visible and harmless; Telegram's sendMessage has no idempotency key that
would close the window from the client side.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfoNotFoundError

from bot.schedule import from_iso, iso, manual_period, schedule_of
from store import Store
from store.digests import FINAL_STATUSES
from store.models import Chat

log = logging.getLogger(__name__)


class SendError(Exception):
    """Sending one message failed."""


class RetryLater(SendError):
    def __init__(self, retry_after: float, message: str = "flood control") -> None:
        super().__init__(f"{message}: retry after {retry_after}s")
        self.retry_after = retry_after


class TransientError(SendError):
    """Worth retrying soon: the request may not have reached Telegram."""


class ChatGone(SendError):
    """The bot can no longer write to the chat; the message is the reason, kept for people."""


class ChatMoved(SendError):
    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat migrated to {new_chat_id}")
        self.new_chat_id = new_chat_id


class MessageRejected(SendError):
    """Telegram refused the request itself; retrying at once would fail the same way."""


def legacy_periods(period: str) -> tuple[str, ...]:
    """The keys earlier versions gave a scheduled period: without its zone
    ("daily:2026-03-29T09:00") and, before that, without its time ("daily:2026-03-29").
    A delivery a crash left pending under one of them, just before an upgrade, is this
    period's: read with the chat's zone, it is resumed as the slot's delivery, not
    followed by a second digest for the same slot."""
    without_zone = period.partition("@")[0]
    return (without_zone, without_zone.partition("T")[0])


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Pacer:
    """At most `rate` sends a second, evenly spaced: Telegram counts messages per second,
    so a burst at the start of a fan-out would be refused even if the average is fine."""

    def __init__(self, rate: float | None, clock: Clock) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.clock = clock
        self._next: datetime | None = None
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock:  # waiters queue up, each taking the next free slot
            now = self.clock.now()
            if self._next is not None and now < self._next:
                await self.clock.sleep((self._next - now).total_seconds())
                now = self._next
            self._next = now + timedelta(seconds=self.interval)


Send = Callable[[int, str], Awaitable[None]]
# compose(chat, since, until, manual) -> message parts; [] means nothing to send.
Compose = Callable[[Chat, str | None, str, bool], Awaitable[list[str]]]
ChatDone = Callable[[int, "Outcome"], Awaitable[None]]
# notify_paused(chat_id, reason): tell the chat its digests paused (best effort, never raises).
NotifyPaused = Callable[[int, str], Awaitable[None]]


class Outcome(StrEnum):
    SENT = "sent"
    EMPTY = "empty"  # nothing new, and the chat does not want a note
    FAILED = "failed"  # retried on a later run
    PAUSED = "paused"  # the bot may not write there any more
    SKIPPED = "skipped"  # already delivered, or the chat is busy with another delivery


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # tries of one message on transient errors, within a run
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    max_backoff: float = 60.0
    max_flood_waits: int = 5  # 429s waited out for one message before the run gives up
    part_interval: float = 1.0  # between the parts of one digest: Telegram's 1 msg/s per chat
    max_runs: int = 3  # runs that try a failed period before it is left to the next period
    # Scheduled periods Telegram refused in a row (each already tried `max_runs` times)
    # before the subscription pauses. Three: a refusal that outlasts three digests (three
    # days of a daily one) is a setting in the chat, such as a closed topic, that only its
    # admins can change, and they hear of it within days rather than never; one bad day
    # does not pause (a digest that goes out starts the count again), and pausing loses
    # nothing, since the next digest after resuming starts where the last delivered one
    # ended. More would leave a weekly digest silent for a month before anyone is told.
    pause_after_runs: int = 3
    # Evenly spaced sends, no bursts (None: unpaced). The Telegram layer sets 29/s, and its
    # flood limiter keeps the window, with replies to commands ahead of digests.
    messages_per_second: float | None = None


@dataclass
class FanoutReport:
    outcomes: dict[str, int] = field(default_factory=dict)
    messages: int = 0  # messages Telegram accepted
    flood_waits: int = 0  # 429s received
    transient_errors: int = 0
    migrations: int = 0

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@dataclass(frozen=True)
class Job:
    chat_id: int
    period: str
    slot: str | None  # UTC ISO of the scheduled slot; None for manual or resumed runs
    manual: bool = False
    cutoff: str | None = None  # the run's snapshot; None: the moment the job is composed


class DeliveryEngine:
    """Delivers digests through `send`, paced by `clock`; one instance per running bot."""

    def __init__(
        self,
        store: Store,
        send: Send,
        compose: Compose,
        *,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        concurrency: int = 8,
        on_chat_done: ChatDone | None = None,
        notify_paused: NotifyPaused | None = None,
    ) -> None:
        self.store = store
        self.send = send
        self.compose = compose
        self.clock: Clock = clock or SystemClock()
        self.policy = policy or RetryPolicy()
        self.concurrency = max(1, concurrency)
        self.on_chat_done = on_chat_done
        self.notify_paused = notify_paused
        self._run_lock = asyncio.Lock()
        self._pacer = Pacer(self.policy.messages_per_second, self.clock)
        self._busy: set[int] = set()
        self._flood_until: datetime | None = None

    # --- what is owed -------------------------------------------------------------------

    async def due_jobs(self, now: datetime) -> dict[int, list[Job]]:
        """Per chat, in order: deliveries a crash left pending, then the latest due slot."""
        jobs: dict[int, list[Job]] = {}
        for row in await self.store.digests.pending():
            jobs.setdefault(row.chat_id, []).append(Job(row.chat_id, row.period, None))
        for owed in await self.store.digests.scheduled_chats():
            schedule = schedule_of(owed.schedule)
            try:
                slot = schedule.due_slot(now, from_iso(owed.schedule.updated_at))
            except ZoneInfoNotFoundError:
                # The zone was valid when set but this system's tzdata lacks it (moved to
                # another machine, or the zone was dropped): that chat waits for a new
                # /timezone, and the fan-out to every other chat goes on.
                log.warning("chat %s: unknown time zone %r", owed.chat.id, schedule.zone)
                continue
            if slot is None:
                continue
            if owed.schedule.last_run_at and owed.schedule.last_run_at >= iso(slot):
                continue  # already delivered (or given up); no need to look at the log
            period = schedule.period(slot)
            chat_jobs = jobs.setdefault(owed.chat.id, [])
            keys = {period, *legacy_periods(period)}
            for n, job in enumerate(chat_jobs):
                if job.period in keys:
                    # The slot's own delivery, left pending by a crash: finishing it also
                    # records the slot as run, so no second digest is claimed for it.
                    chat_jobs[n] = replace(job, slot=iso(slot))
                    break
            else:
                chat_jobs.append(Job(owed.chat.id, period, iso(slot)))
        return jobs

    async def run_due(self, keep_going: Callable[[], bool] | None = None) -> FanoutReport:
        """One scheduler tick: deliver everything owed now. A tick that finds the previous
        one still running does nothing (the running one already covers those chats).
        When `keep_going()` turns false (the bot is stopping) workers stop between chats;
        the rest is owed, and found, on the next run."""
        report = FanoutReport()
        if self._run_lock.locked():
            return report
        async with self._run_lock:
            now = await self._settled_now()
            # One snapshot per run: every chat's digest ends at the same instant, so chats
            # whose previous digests ended together get the same (composed-once) digest.
            snapshot = iso(now)
            queue = deque(
                (chat_id, [replace(job, cutoff=snapshot) for job in jobs])
                for chat_id, jobs in (await self.due_jobs(now)).items()
            )
            if queue:
                log.info("digest fan-out to %d chats", len(queue))

            async def worker() -> None:
                while queue and (keep_going is None or keep_going()):
                    chat_id, chat_jobs = queue.popleft()
                    for job in chat_jobs:
                        outcome = await self.deliver(job, report)
                        if self.on_chat_done is not None:
                            await self.on_chat_done(chat_id, outcome)

            await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(queue)))))
        return report

    async def deliver_now(self, chat_id: int, report: FanoutReport | None = None) -> Outcome:
        """`/digest now`: compose and send at once, under its own period."""
        job = Job(chat_id, manual_period(self.clock.now()), None, manual=True)
        return await self.deliver(job, report or FanoutReport())

    # --- one chat -------------------------------------------------------------------------

    async def deliver(self, job: Job, report: FanoutReport) -> Outcome:
        """Deliver one (chat, period); never raises for one chat's trouble."""
        if job.chat_id in self._busy:
            report.count(Outcome.SKIPPED)
            return Outcome.SKIPPED
        self._busy.add(job.chat_id)
        try:
            outcome = await self._deliver(job, report)
        except Exception as exc:  # one chat's bug must not stop the fan-out to the others
            log.exception("digest %s to chat %s failed unexpectedly", job.period, job.chat_id)
            await self._fail(job, job.chat_id, f"internal error: {type(exc).__name__}")
            outcome = Outcome.FAILED
        finally:
            self._busy.discard(job.chat_id)
        report.count(outcome)
        return outcome

    async def _deliver(self, job: Job, report: FanoutReport) -> Outcome:
        digests = self.store.digests
        chat_id = job.chat_id
        row = await digests.delivery(chat_id, job.period)
        if row is None and job.slot is not None:
            # A delivery of this slot an earlier version began (failed part-way, or left
            # pending) is carried on under its own key, from the part it reached.
            for legacy in legacy_periods(job.period):
                row = await digests.delivery(chat_id, legacy)
                if row is not None:
                    job = replace(job, period=legacy)
                    break
        if row is not None and row.status in FINAL_STATUSES:
            if job.slot is not None:
                await digests.finish_slot(chat_id, job.slot)
            return Outcome.SKIPPED
        if row is None:
            chat = await self.store.chats.get(chat_id)
            if chat is None:
                return Outcome.SKIPPED  # moved or deleted since the job was planned
            subscription = await digests.subscription(chat_id)
            since = None
            if subscription is not None:
                since = subscription.last_digest_at or subscription.created_at
            cutoff = job.cutoff or iso(await self._settled_now())
            if not job.manual and since is not None and since >= cutoff:
                # A /digest now went out while the chat waited its turn in this run: it
                # covered the period. Composing [since, cutoff) would send a note for an
                # empty window and move the chat's last digest back to the cutoff, so the
                # next digest repeated what /digest now had sent.
                parts: list[str] = []
            else:
                parts = await self.compose(chat, since, cutoff, job.manual)
            row = await digests.claim(
                chat_id, job.period, since=since, cutoff=cutoff, parts=parts, at=self._now()
            )
        else:
            await digests.start_attempt(chat_id, job.period, at=self._now())
        if not row.parts:
            await digests.finish(chat_id, job.period, "empty", slot=job.slot, at=self._now())
            return Outcome.EMPTY
        total = len(row.parts)
        try:
            for index in range(row.parts_sent, total):
                if index > row.parts_sent:
                    await self.clock.sleep(self.policy.part_interval)
                chat_id = await self._send_one(chat_id, row.parts[index], report)
                report.messages += 1
                if index + 1 < total:
                    await digests.part_sent(chat_id, job.period, index + 1, at=self._now())
            await digests.finish(
                chat_id, job.period, "sent", slot=job.slot, parts_sent=total, at=self._now()
            )
            return Outcome.SENT
        except ChatGone as exc:
            log.warning("chat %s paused: %s", chat_id, exc)
            await digests.finish(
                chat_id, job.period, "paused", slot=job.slot, error=str(exc), at=self._now()
            )
            return Outcome.PAUSED
        except SendError as exc:
            log.warning("digest %s to chat %s failed: %s", job.period, chat_id, exc)
            refused = isinstance(exc, MessageRejected)
            if await self._fail(job, chat_id, str(exc), refused=refused):
                return Outcome.PAUSED
            return Outcome.FAILED

    async def _fail(self, job: Job, chat_id: int, error: str, *, refused: bool = False) -> bool:
        """Record the failed run; returns whether it paused the chat's digests. Only a
        scheduled period Telegram refused counts towards pausing: a network outage or a
        flood wait says nothing about the chat, and a failed /digest now is answered at
        once to the admin who asked."""
        row = await self.store.digests.delivery(chat_id, job.period)
        if row is None:
            return False
        give_up = job.manual or row.attempts >= self.policy.max_runs
        runs = self.policy.pause_after_runs
        reason = f"Telegram refused the last {runs} digests ({error})"
        paused = await self.store.digests.fail(
            chat_id,
            job.period,
            error,
            slot=job.slot,
            give_up=give_up,
            refused_run=refused and give_up and job.slot is not None,
            pause=(runs, reason),
            at=self._now(),
        )
        if paused:
            log.warning("chat %s paused: %s", chat_id, reason)
            if self.notify_paused is not None:
                try:
                    await self.notify_paused(chat_id, reason)
                except Exception:  # the pause is recorded; telling the chat is a courtesy
                    log.exception("chat %s not told of its paused digests", chat_id)
        return paused

    async def _send_one(self, chat_id: int, text: str, report: FanoutReport) -> int:
        """Send one message, riding out flood control, transient errors and a migration;
        returns the chat id it ended up in."""
        failures = flood_waits = migrations = 0
        while True:
            await self._wait_flood_gate()
            await self._pacer.wait()
            try:
                await self.send(chat_id, text)
                return chat_id
            except RetryLater as exc:
                report.flood_waits += 1
                flood_waits += 1
                if flood_waits > self.policy.max_flood_waits:
                    raise TransientError(f"still flood-limited after {flood_waits} waits") from exc
                self._close_flood_gate(exc.retry_after)
            except TransientError:
                report.transient_errors += 1
                failures += 1
                if failures >= self.policy.max_attempts:
                    raise
                delay = self.policy.backoff * 2 ** (failures - 1)
                await self.clock.sleep(min(delay, self.policy.max_backoff))
            except ChatMoved as exc:
                migrations += 1
                if migrations > 2:
                    raise MessageRejected("chat keeps migrating") from exc
                report.migrations += 1
                log.info("chat %s migrated to %s", chat_id, exc.new_chat_id)
                await self.store.digests.migrate_chat(chat_id, exc.new_chat_id)
                chat_id = exc.new_chat_id

    def _close_flood_gate(self, retry_after: float) -> None:
        """Telegram's retry_after holds for the bot, so every worker waits it out."""
        until = self.clock.now().timestamp() + retry_after
        if self._flood_until is None or until > self._flood_until.timestamp():
            self._flood_until = datetime.fromtimestamp(until, UTC)

    async def _wait_flood_gate(self) -> None:
        while self._flood_until is not None:
            remaining = (self._flood_until - self.clock.now()).total_seconds()
            if remaining <= 0:
                self._flood_until = None
                return
            await self.clock.sleep(remaining)

    async def _settled_now(self) -> datetime:
        """The clock, read while holding the database's write lock. A writer (another
        process, say) stamps its rows before it commits; once it holds no lock, whatever it
        stamped before this moment is committed, so a digest ending here misses nothing
        that the next one, starting here, would take for older than itself."""
        async with self.store.db.transaction():
            return self.clock.now()

    def _now(self) -> str:
        return iso(self.clock.now())
