"""Digest fan-out throughput against a fake Bot API that enforces Telegram's flood limits.

The sending side is the production path: the DeliveryEngine from `bot.telegram.digests`
(pacing, retries, the delivery log in a real SQLite file), python-telegram-bot's ExtBot with
AIORateLimiter, HTTP to 127.0.0.1. The fake server (tests/fakes/bot_api.py, in a process of
its own so the two sides do not share one core) answers 429 with retry_after=1 whenever a
message would exceed, in a sliding window at the moment it arrives:
  - 30 messages in the last second, overall;
  - 1 message in the last second to the same chat;
  - 20 messages in the last minute to the same group.
It counts what every chat really received, so duplicates and losses are counted, not
inferred from the client's view.

Two runs:
  - 10,000 chats with every limit (and the engine's pacing) multiplied by SCALE = 10, so the
    run takes ~40 s instead of ~7 minutes: it measures whether the machinery keeps up and
    stays inside limits at 10x Telegram's rate;
  - 1,000 chats at Telegram's real limits (scale 1), the rate a deployment would see.
One message per chat (a digest of a few events), 10% of the chats are groups.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.delivery import RetryPolicy
from bot.schedule import iso
from bot.telegram.digests import build_engine
from config.settings import Settings
from store import Store
from store.models import NewEvent, NewSource
from tests.fakes.bot_api import TOKEN, ApiError, FakeBotAPI

SCALE = 10
SCALED_CHATS = 10_000
REAL_CHATS = 1_000
OVERALL_PER_SECOND = 30
PER_CHAT_PER_SECOND = 1
PER_GROUP_PER_MINUTE = 20
ENGINE_RATE = 25  # the production pacing (bot/telegram/digests.py DIGEST_POLICY)


class LimitedBotAPI(FakeBotAPI):
    """The fake Bot API, refusing with 429 what Telegram's limits would refuse."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.overall_limit = OVERALL_PER_SECOND * scale
        self.chat_limit = PER_CHAT_PER_SECOND * scale
        self.group_limit = PER_GROUP_PER_MINUTE * scale
        self.overall: deque[float] = deque()
        self.per_chat: dict[int, deque[float]] = {}
        self.per_group: dict[int, deque[float]] = {}
        self.too_many = 0
        self.received: Counter[int] = Counter()
        self.busiest_second = 0
        self.first: float | None = None
        self.last: float | None = None

    @staticmethod
    def _count(window: deque[float], now: float, seconds: float) -> int:
        while window and window[0] <= now - seconds:
            window.popleft()
        return len(window)

    async def m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        chat_id = int(params["chat_id"])
        mine = self.per_chat.setdefault(chat_id, deque())
        over = self._count(self.overall, now, 1.0) >= self.overall_limit
        over = over or self._count(mine, now, 1.0) >= self.chat_limit
        group = self.per_group.setdefault(chat_id, deque()) if chat_id < 0 else None
        if group is not None:
            over = over or self._count(group, now, 60.0) >= self.group_limit
        if over:
            self.too_many += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        result = await super().m_sendMessage(params)
        self.overall.append(now)
        mine.append(now)
        if group is not None:
            group.append(now)
        self.busiest_second = max(self.busiest_second, len(self.overall))
        self.received[chat_id] += 1
        self.first = self.first if self.first is not None else now
        self.last = now
        return result

    def stats(self) -> dict[str, Any]:
        return {
            "received": dict(self.received),
            "too_many": self.too_many,
            "busiest_second": self.busiest_second,
            "span": (self.last - self.first) if self.first is not None and self.last else 0.0,
        }


def _serve(conn: Connection, scale: float, chat_ids: list[int]) -> None:
    asyncio.run(_serve_async(conn, scale, chat_ids))


async def _serve_async(conn: Connection, scale: float, chat_ids: list[int]) -> None:
    api = LimitedBotAPI(scale)
    await api.start()
    for chat_id in chat_ids:
        api.chat(chat_id, "private" if chat_id > 0 else "group")
    conn.send(api.url)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stats, please"
    conn.send(api.stats())
    await api.stop()


class RunningClock:
    def __init__(self, start: datetime) -> None:
        self.start, self.t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def chat_ids(count: int) -> list[int]:
    """90% private chats, 10% groups."""
    return [-(1_000_000 + i) if i % 10 == 0 else 100_000 + i for i in range(count)]


async def seed(store: Store, ids: Iterable[int], at: datetime) -> None:
    """Subscribed chats with a daily 09:00 UTC schedule and a few events to report.
    Bulk SQL here only because one transaction per row would make setup slower than the run."""
    stamp = iso(at)
    rows = list(ids)
    async with store.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO chats (id, type, created_at) VALUES (?, ?, ?)",
            [(c, "private" if c > 0 else "group", stamp) for c in rows],
        )
        await conn.executemany(
            "INSERT INTO subscriptions (chat_id, active, created_at) VALUES (?, 1, ?)",
            [(c, stamp) for c in rows],
        )
        await conn.executemany(
            "INSERT INTO digest_schedules (chat_id, frequency, time_of_day, timezone,"
            " updated_at) VALUES (?, 'daily', '09:00', 'UTC', ?)",
            [(c, stamp) for c in rows],
        )
    text = (
        "The council approved the budget on 3 March 2026. "
        "Protesters gathered outside the town hall on 4 March 2026. "
        "The mayor resigned on 5 March 2026, officials said."
    )
    async with store.db.transaction() as conn:
        source_id = await store.sources.add(
            conn,
            NewSource("Example Gazette", "Budget", "https://example.org/budget", None,
                      "2026-03-05", False, text, "bench-article"),
        )  # fmt: skip
        for day, sentence in enumerate(text.split(". "), start=3):
            start = text.index(sentence)
            draft = NewEvent(f"2026-03-0{day}", None, sentence[:60], citations=(
                (start, start + len(sentence)),))  # fmt: skip
            await store.events.add(conn, source_id, text, draft)


@dataclass
class Result:
    chats: int
    scale: float
    seconds: float
    server_span: float
    sent: int
    too_many: int
    duplicates: int
    losses: int
    busiest_second: int
    outcomes: dict[str, int]


async def run(count: int, scale: float) -> Result:
    ids = chat_ids(count)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(child, scale, ids), daemon=True)
    server.start()
    url = parent.recv()
    real_now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.sqlite3"
        store = await Store.open(db)
        await seed(store, ids, real_now - timedelta(days=2))
        settings = Settings(  # type: ignore[call-arg]
            db=db, token=SecretStr(TOKEN), base_url=url + "/bot", _env_file=None
        )
        limiter = AIORateLimiter(
            overall_max_rate=OVERALL_PER_SECOND * scale,
            group_max_rate=PER_GROUP_PER_MINUTE * scale,
            max_retries=3,
        )
        bot = ExtBot(
            TOKEN,
            base_url=url + "/bot",
            rate_limiter=limiter,
            request=HTTPXRequest(connection_pool_size=64),
        )
        await bot.initialize()
        engine = build_engine(
            bot,
            store,
            settings,
            clock=RunningClock(real_now + timedelta(days=1)),
            policy=RetryPolicy(messages_per_second=ENGINE_RATE * scale, part_interval=1.0 / scale),
            concurrency=32,
        )
        started = time.perf_counter()
        report = await engine.run_due()
        seconds = time.perf_counter() - started
        await bot.shutdown()
        await store.close()
    parent.send("stats")
    stats = parent.recv()
    server.join(timeout=10)
    received: dict[int, int] = stats["received"]
    return Result(
        chats=count,
        scale=scale,
        seconds=seconds,
        server_span=stats["span"],
        sent=sum(received.values()),
        too_many=stats["too_many"],
        duplicates=sum(1 for c in ids if received.get(c, 0) > 1),
        losses=sum(1 for c in ids if received.get(c, 0) == 0),
        busiest_second=stats["busiest_second"],
        outcomes={str(k): v for k, v in report.outcomes.items()},
    )


def describe(result: Result) -> str:
    limits = (
        f"{OVERALL_PER_SECOND * result.scale:g} msg/s overall, "
        f"{PER_CHAT_PER_SECOND * result.scale:g}/s per chat, "
        f"{PER_GROUP_PER_MINUTE * result.scale:g}/min per group"
    )
    how = "Telegram's limits" if result.scale == 1 else f"limits x{result.scale:g}"
    return (
        f"fanout {result.chats:,} chats, {how} ({limits}), pacing "
        f"{ENGINE_RATE * result.scale:g}/s:\n"
        f"  {result.sent:,} messages in {result.seconds:.1f} s = "
        f"{result.sent / result.seconds:.1f} msg/s end to end"
        f" ({result.sent / max(result.server_span, 1e-9):.1f} msg/s at the server,"
        f" {result.sent / result.scale / result.seconds:.1f} msg/s in Telegram time)\n"
        f"  429s received: {result.too_many}; duplicates: {result.duplicates}; "
        f"losses: {result.losses}; busiest second at the server: {result.busiest_second} "
        f"messages; outcomes: {result.outcomes}"
    )


def main() -> None:
    for count, scale in ((SCALED_CHATS, SCALE), (REAL_CHATS, 1)):
        print(describe(asyncio.run(run(count, scale))), flush=True)


if __name__ == "__main__":
    main()
