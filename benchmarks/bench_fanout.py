"""Digest fan-out throughput against a fake Bot API that enforces Telegram's flood limits.

The sending side is the production path: the DeliveryEngine from `bot.telegram.digests`
(its pacing, retries, the delivery log in a real SQLite file), python-telegram-bot's ExtBot
with the bot's FloodLimiter (bot/telegram/flood.py), HTTP to 127.0.0.1. The fake server
(tests/fakes/bot_api.py, in a process of its own so the two sides do not share one event loop)
answers 429 with retry_after=1 whenever a message would exceed, in a sliding window at the
moment it handles it:
  - 30 messages in the last second, overall;
  - 1 message in the last second to the same chat;
  - 20 messages in the last minute to the same group.
It counts what every chat really received, so duplicates and losses are counted, not
inferred from the client's view, and the rate is the server's: messages between the first
and the last one it accepted, divided by the time between them.

`measure()` is the figure: 10,000 subscribed chats (10% groups, one digest message each) at
Telegram's real limits, about six minutes (BRIEFBOT_BENCH_FANOUT_CHATS shrinks it for a
quick look). `main()` also runs 10,000 chats with every limit, the pacing and the limiter's
budgets multiplied by 10 (~40 s): whether the machinery (SQLite commits, composing, HTTP)
keeps up with ten times Telegram's rate and still stays inside the limits.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.schedule import iso
from bot.telegram.app import RATE_LIMIT_RETRIES
from bot.telegram.digests import DIGEST_POLICY, build_engine
from bot.telegram.flood import CHAT_LIMIT, GROUP_LIMIT, OVERALL_LIMIT, FloodLimiter
from config.settings import Settings
from store import Store
from store.models import NewEvent, NewSource
from tests.fakes.bot_api import TOKEN, ApiError, FakeBotAPI

CHATS = int(os.environ.get("BRIEFBOT_BENCH_FANOUT_CHATS", "10000"))
SCALE = 10  # the quick check's limits, pacing and budgets, times Telegram's
SCALED_CHATS = 10_000
# Ten times the rate needs more chats in flight than the bot's 8 workers: each chat spends
# ~35 ms end to end (SQLite reads and commits, composing, HTTP), so 8 workers top out near
# 215/s.
SCALED_CONCURRENCY = 32
OVERALL_PER_SECOND = OVERALL_LIMIT  # what the server enforces: Telegram's stated limits
PER_CHAT_PER_SECOND = CHAT_LIMIT
PER_GROUP_PER_MINUTE = GROUP_LIMIT


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
    seconds: float  # the engine's run_due, end to end (composing and the delivery log too)
    server_span: float  # first to last message accepted, on the server's clock
    sent: int
    too_many: int
    duplicates: int
    losses: int
    busiest_second: int
    outcomes: dict[str, int]

    @property
    def msgs_per_s(self) -> float:
        """The server's rate: the gaps between its first and last accepted message."""
        return (self.sent - 1) / self.server_span if self.sent > 1 and self.server_span else 0.0


def flood_limiter(scale: float) -> FloodLimiter:
    """The bot's limiter (bot/telegram/app.py); at scale 1 exactly as production builds it."""
    if scale == 1:
        return FloodLimiter(max_retries=RATE_LIMIT_RETRIES)
    return FloodLimiter(
        overall_budget=int((OVERALL_LIMIT - 1) * scale),
        group_budget=int((GROUP_LIMIT - 1) * scale),
        chat_budget=int(CHAT_LIMIT * scale),
        max_retries=RATE_LIMIT_RETRIES,
    )


async def run(count: int, scale: float, concurrency: int | None = None) -> Result:
    """Deliver one digest to each of `count` chats; `concurrency` None: the bot's workers."""
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
        bot = ExtBot(
            TOKEN,
            base_url=url + "/bot",
            rate_limiter=flood_limiter(scale),
            request=HTTPXRequest(connection_pool_size=64),
        )
        await bot.initialize()
        rate = DIGEST_POLICY.messages_per_second
        assert rate is not None
        policy = replace(
            DIGEST_POLICY,
            messages_per_second=rate * scale,
            part_interval=DIGEST_POLICY.part_interval / scale,
        )
        engine = build_engine(
            bot,
            store,
            settings,
            clock=RunningClock(real_now + timedelta(days=1)),
            policy=policy,
            **({"concurrency": concurrency} if concurrency else {}),
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


def measure(chats: int = CHATS) -> dict[str, Any]:
    """`chats` subscribed chats, one digest each, at Telegram's real limits."""
    result = asyncio.run(run(chats, 1))
    return {
        "chats": result.chats,
        "msgs_per_s": round(result.msgs_per_s, 2),
        "limit_per_s": OVERALL_PER_SECOND,
        "fraction_of_limit": round(result.msgs_per_s / OVERALL_PER_SECOND, 3),
        "retry_after_429": result.too_many,
        "duplicates": result.duplicates,
        "lost": result.losses,
        "seconds": round(result.seconds, 1),
        "busiest_second": result.busiest_second,
        "pacing_per_s": DIGEST_POLICY.messages_per_second,
        "outcomes": result.outcomes,
    }


def describe(result: Result) -> str:
    limits = (
        f"{OVERALL_PER_SECOND * result.scale:g} msg/s overall, "
        f"{PER_CHAT_PER_SECOND * result.scale:g}/s per chat, "
        f"{PER_GROUP_PER_MINUTE * result.scale:g}/min per group"
    )
    how = "Telegram's limits" if result.scale == 1 else f"limits x{result.scale:g}"
    pacing = (DIGEST_POLICY.messages_per_second or 0) * result.scale
    limit = OVERALL_PER_SECOND * result.scale
    return (
        f"fanout {result.chats:,} chats, {how} ({limits}), pacing {pacing:g}/s:\n"
        f"  {result.sent:,} messages at {result.msgs_per_s:.1f} msg/s at the server"
        f" = {result.msgs_per_s / limit:.3f} of the limit"
        f" ({result.seconds:.1f} s end to end, {result.sent / result.seconds:.1f} msg/s)\n"
        f"  429s: {result.too_many}; duplicates: {result.duplicates}; "
        f"losses: {result.losses}; busiest second at the server: {result.busiest_second} "
        f"messages; outcomes: {result.outcomes}"
    )


def main() -> None:
    print(describe(asyncio.run(run(SCALED_CHATS, SCALE, SCALED_CONCURRENCY))), flush=True)
    print(describe(asyncio.run(run(CHATS, 1))), flush=True)


if __name__ == "__main__":
    main()
