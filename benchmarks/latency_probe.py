"""One store size's command latencies and the process's memory, measured in a process of
its own (so one size's memory does not count against another's):

    python -m benchmarks.latency_probe STORE SAMPLES  ->  one JSON object on stdout

The full path of each command: a Telegram update as JSON is parsed, dispatched by the
real Application to the real handler, answered from the SQLite store, rendered to HTML and
sent through python-telegram-bot's Bot to a Bot API answering in process (no network, so
no flood limiter either: it would pace sends, not measure them). The baseline is the bare
SQL, run with the standard library's sqlite3 on the same file, that fetches the same rows
the reply shows: the page's events, their citations and their articles.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import resource
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop, CommandHandler
from telegram.request import BaseRequest, RequestData

from benchmarks.synthetic import WORDS
from bot.answers import EVENTS_PER_PAGE, SOURCES_PER_PAGE
from bot.telegram.app import APOLOGY, build_application
from config.settings import Settings
from store import Store
from store.events import SEARCH_WINDOW, EventScope
from store.search_query import fts_query

TOKEN = "123456:BENCHMARK"
BOT = {"id": 123456, "is_bot": True, "first_name": "Briefbot", "username": "brief_bot"}
CHATS = 50  # readers asking, each a private chat
WARMUP = 20
NAME_WORD = re.compile(r"[A-Za-z]{4,}")  # a word of a place's name, as a reader types it


class InProcessBotAPI(BaseRequest):
    """Answers the Bot API methods a reply uses, in process; keeps the last text sent."""

    def __init__(self) -> None:
        self.last_text = ""
        self.next_message = 1

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(  # the timeouts mean nothing in process
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: object = True
        if name == "getMe":
            result = BOT
        elif name in ("sendMessage", "editMessageText"):
            self.last_text = str(params.get("text", ""))
            self.next_message += 1
            result = {
                "message_id": self.next_message,
                "date": 0,
                "chat": {"id": params.get("chat_id"), "type": "private"},
                "text": self.last_text,
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB. Linux's VmHWM is this program's
    own: getrusage's peak carries over the parent's from before exec, so the figure
    depended on what `make bench` had run before (168 MB after the ingest benchmark)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Workload:
    """Inputs drawn from the store once, up front, with a seeded generator."""

    def __init__(self, sql: sqlite3.Connection, rng: random.Random) -> None:
        top = sql.execute("SELECT max(id) FROM events").fetchone()[0]
        self.rng = rng
        self.sql = sql
        # Visible events at random: their keys start deep pages, their ids /event.
        self.keys = [
            row
            for row in (
                sql.execute(
                    "SELECT date, id FROM events WHERE id = ? AND hidden = 0", (i,)
                ).fetchone()
                for i in (rng.randint(1, top) for _ in range(1000))
            )
            if row
        ]
        self.event_ids = [event_id for _date, event_id in self.keys]
        self.places = sql.execute("SELECT id, name FROM places").fetchall()

        self.narrow = self._narrow_searches()

    def words(self) -> str:
        return " ".join(self.rng.sample(WORDS, self.rng.choice((1, 2))))

    def _narrow_searches(self, wanted: int = 100, tries: int = 2000) -> list[str]:
        """A place's name and a common word that at most SEARCH_WINDOW events hold: the
        searches that are ranked. Common words alone match over SEARCH_WINDOW events even
        in the smallest store, so `words` never measured that path."""
        names = sorted({w for _id, name in self.places for w in NAME_WORD.findall(name)})
        found: list[str] = []
        for _ in range(tries):
            words = f"{self.rng.choice(names)} {self.rng.choice(WORDS)}"
            matches = self.sql.execute(
                "SELECT count(*) FROM (SELECT 1 FROM event_search WHERE event_search MATCH ?"
                " LIMIT ?)",
                (fts_query(words), SEARCH_WINDOW + 1),
            ).fetchone()[0]
            if 0 < matches <= SEARCH_WINDOW:
                found.append(words)
                if len(found) == wanted:
                    break
        if not found:
            raise RuntimeError("no search of a place and a word matches 1 to 500 events")
        return found


# --- the bare SQL -----------------------------------------------------------------


def bare_page(sql: sqlite3.Connection, event_ids: list[int]) -> None:
    """The rows a page of events shows: events, citations, their articles."""
    marks = ",".join("?" * len(event_ids))
    sql.execute(f"SELECT * FROM events WHERE id IN ({marks})", event_ids).fetchall()
    cited = sql.execute(
        f"SELECT * FROM citations WHERE event_id IN ({marks})", event_ids
    ).fetchall()
    sources = sorted({row[2] for row in cited})
    sql.execute(
        "SELECT id, outlet, title, url, published FROM sources"
        f" WHERE id IN ({','.join('?' * len(sources))})",
        sources,
    ).fetchall()


def bare_timeline(sql: sqlite3.Connection, key: tuple[str, int] | None) -> None:
    where, params = "hidden = 0", []
    if key:
        where, params = "hidden = 0 AND (date, id) > (?, ?)", list(key)
    ids = sql.execute(
        f"SELECT id FROM events WHERE {where} ORDER BY date, id LIMIT ?",
        (*params, EVENTS_PER_PAGE),
    ).fetchall()
    bare_page(sql, [r[0] for r in ids])


def bare_month(sql: sqlite3.Connection, month: str) -> None:
    """A month's first page by its events' start (the bot also lists the spans and the
    events dated by the year only that reach into it)."""
    ids = sql.execute(
        "SELECT id FROM events WHERE hidden = 0 AND date >= ? AND date <= ?"
        " ORDER BY date, id LIMIT ?",
        (month, month + "~", EVENTS_PER_PAGE),
    ).fetchall()
    bare_page(sql, [r[0] for r in ids] or [0])


def bare_month_next(sql: sqlite3.Connection, month: str, key: tuple[str, int]) -> None:
    """Page 2 of a month by its events' start: after page 1's last key, or from the
    month's start when that key lies before it (page 1 most often ends with a span)."""
    start = max(key, (month, 0))
    ids = sql.execute(
        "SELECT id FROM events WHERE hidden = 0 AND (date, id) > (?, ?) AND date <= ?"
        " ORDER BY date, id LIMIT ?",
        (*start, month + "~", EVENTS_PER_PAGE),
    ).fetchall()
    bare_page(sql, [r[0] for r in ids] or [0])


def bare_facility(sql: sqlite3.Connection, place_id: int) -> None:
    ids = sql.execute(
        "SELECT event_id FROM event_places WHERE place_id = ? AND visible = 1"
        " ORDER BY event_date, event_id LIMIT ?",
        (place_id, EVENTS_PER_PAGE),
    ).fetchall()
    bare_page(sql, [r[0] for r in ids] or [0])


def bare_search(sql: sqlite3.Connection, words: str) -> None:
    query = " ".join(f'"{w}"' for w in words.split())
    ids = sql.execute(
        "SELECT rowid FROM event_search WHERE event_search MATCH ? ORDER BY rowid DESC LIMIT ?",
        (query, EVENTS_PER_PAGE),
    ).fetchall()
    bare_page(sql, [r[0] for r in ids] or [0])


def bare_sources(sql: sqlite3.Connection) -> None:
    rows = sql.execute(
        "SELECT id, outlet, title, url, published FROM sources"
        " ORDER BY coalesce(published, '~'), id LIMIT ?",
        (SOURCES_PER_PAGE,),
    ).fetchall()
    ids = [r[0] for r in rows]
    sql.execute(
        "SELECT source_id, count(*) FROM citations"
        f" WHERE source_id IN ({','.join('?' * len(ids))}) GROUP BY source_id",
        ids,
    ).fetchall()


# --- the full path ------------------------------------------------------------------


async def month_pages(
    store: Store, work: Workload, first_chat: int, wanted: int = 20
) -> list[tuple[int, str, str, tuple[str, int]]]:
    """(chat, token, month, page 1's last key) for months with a second page, each month's
    /timeline saved for ▶ in a chat of its own: the button's token is bound to its chat."""
    months = sorted({date[:7] for date, _id in work.keys if len(date) >= 7})
    found: list[tuple[int, str, str, tuple[str, int]]] = []
    # A generator of its own: drawing from the workload's would change every later sample.
    for month in random.Random(13).sample(months, len(months)):
        scope = EventScope(month, month)
        if await store.events.count(scope, cap=EVENTS_PER_PAGE + 1) <= EVENTS_PER_PAGE:
            continue
        first = await store.events.page(scope, limit=EVENTS_PER_PAGE)
        chat_id = first_chat + len(found)
        token = await store.callbacks.save(chat_id, f"/timeline {month}")
        found.append((chat_id, token, month, (first[-1].date, first[-1].id)))
        if len(found) == wanted:
            break
    if not found:
        raise RuntimeError("no month with a second page")
    return found


def add_floor_command(app: Any, store: Store) -> None:
    """/floor: the least any command costs on this stack. The update goes the same way
    (parsed, dispatched by the Application, answered through PTB's Bot), but the handler
    only makes one trip to the store's thread (`SELECT 1`) and sends a fixed line. The
    gap between a command and the floor is the briefing's own work."""

    async def floor(update: Update, _context: Any) -> None:
        await store.db.scalar("SELECT 1")
        assert update.effective_message is not None
        await update.effective_message.reply_text("floor", parse_mode=ParseMode.HTML)
        raise ApplicationHandlerStop  # the bot's own handlers would answer it too

    app.add_handler(CommandHandler("floor", floor), group=-1)


def message_update(n: int, chat: int, text: str) -> dict[str, Any]:
    command = text.split()[0]
    return {
        "update_id": n,
        "message": {
            "message_id": n,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Reader"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


def button_update(n: int, chat: int, data: str) -> dict[str, Any]:
    return {
        "update_id": n,
        "callback_query": {
            "id": str(n),
            "from": {"id": chat, "is_bot": False, "first_name": "Reader"},
            "chat_instance": str(chat),
            "data": data,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "from": BOT,
                "text": "page",
            },
        },
    }


async def measure(store_path: Path, samples: int) -> dict[str, Any]:
    rss_start = rss_mb()
    rng = random.Random(11)
    sql = sqlite3.connect(store_path)
    work = Workload(sql, rng)
    store = await Store.open(store_path)
    api = InProcessBotAPI()
    settings = Settings(token=SecretStr(TOKEN), db=store_path)
    app = build_application(settings, store, request=api, rate_limited=False)
    add_floor_command(app, store)
    await app.initialize()
    tokens = {chat: await store.callbacks.save(chat, "/timeline") for chat in range(1, CHATS + 1)}
    counter = iter(range(1, 10**9))
    months = await month_pages(store, work, CHATS + 1)

    async def run(update: dict[str, Any], expect: str) -> float:
        started = time.perf_counter_ns()
        await app.process_update(Update.de_json(update, app.bot))
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if expect not in api.last_text or APOLOGY in api.last_text:
            raise AssertionError(f"unexpected reply {api.last_text[:200]!r}")
        return elapsed

    def chat() -> int:
        return rng.randint(1, CHATS)

    def month() -> str:
        return rng.choice(work.keys)[0][:7]

    def key_data(chat_id: int) -> str:
        date, event_id = rng.choice(work.keys)
        return f"pg:{tokens[chat_id]}:2:a{date}.{event_id}"

    def month_next() -> Awaitable[float]:
        chat_id, token, _month, (date, event_id) = rng.choice(months)
        data = f"pg:{token}:2:a{date}.{event_id}"
        return run(button_update(next(counter), chat_id, data), "Timeline")

    def bare_next() -> None:
        _chat, _token, month, key = rng.choice(months)
        bare_month_next(sql, month, key)

    # name -> (full path sample, bare SQL sample)
    commands: dict[str, tuple[Callable[[], Awaitable[float]], Callable[[], None]]] = {
        "timeline": (
            lambda: run(message_update(next(counter), chat(), "/timeline"), "Timeline"),
            lambda: bare_timeline(sql, None),
        ),
        "timeline_deep": (
            lambda: run(button_update(next(counter), (c := chat()), key_data(c)), "Timeline"),
            lambda: bare_timeline(sql, rng.choice(work.keys)),
        ),
        "timeline_month": (
            lambda: run(message_update(next(counter), chat(), f"/timeline {month()}"), "Timeline"),
            lambda: bare_month(sql, month()),
        ),
        # ▶ on a month's first page, which most often ends with a span begun before the
        # month: 37 ms at a million events until page keys and range bounds were untangled.
        "timeline_month_next": (month_next, bare_next),
        "facility": (
            lambda: run(
                message_update(next(counter), chat(), f"/facility {rng.choice(work.places)[1]}"),
                "Events at",
            ),
            lambda: bare_facility(sql, rng.choice(work.places)[0]),
        ),
        "search": (
            lambda: run(
                message_update(next(counter), chat(), f"/search {work.words()}"), "Search"
            ),
            lambda: bare_search(sql, work.words()),
        ),
        "search_narrow": (
            lambda: run(
                message_update(next(counter), chat(), f"/search {rng.choice(work.narrow)}"),
                "Search",
            ),
            lambda: bare_search(sql, rng.choice(work.narrow)),
        ),
        "sources": (
            lambda: run(message_update(next(counter), chat(), "/sources"), "Sources"),
            lambda: bare_sources(sql),
        ),
        "event": (
            lambda: run(
                message_update(next(counter), chat(), f"/event {rng.choice(work.event_ids)}"),
                "Event",
            ),
            lambda: bare_page(sql, [rng.choice(work.event_ids)]),
        ),
    }
    for _ in range(WARMUP):
        await run(message_update(next(counter), chat(), "/floor"), "floor")
    floor_times = [
        await run(message_update(next(counter), chat(), "/floor"), "floor") for _ in range(samples)
    ]
    results: dict[str, Any] = {}
    for name, (full, bare) in commands.items():
        for _ in range(WARMUP):
            await full()
        times = [await full() for _ in range(samples)]
        bare_times = []
        for _ in range(samples):
            started = time.perf_counter_ns()
            bare()
            bare_times.append((time.perf_counter_ns() - started) / 1e6)
        results[name] = {
            "p50_ms": round(percentile(times, 0.50), 3),
            "p99_ms": round(percentile(times, 0.99), 3),
            "sql_p50_ms": round(percentile(bare_times, 0.50), 3),
            "sql_p99_ms": round(percentile(bare_times, 0.99), 3),
            "samples": samples,
        }
    await app.shutdown()
    await store.close()
    events = sql.execute("SELECT count(*) FROM events").fetchone()[0]
    sql.close()
    return {
        "events": events,
        "commands": results,
        "floor": {
            "p50_ms": round(percentile(floor_times, 0.50), 3),
            "p99_ms": round(percentile(floor_times, 0.99), 3),
            "samples": samples,
        },
        "rss_at_start_mb": round(rss_start, 1),
        "peak_rss_mb": round(rss_mb(), 1),
    }


def main() -> None:
    store_path, samples = Path(sys.argv[1]), int(sys.argv[2])
    print(json.dumps(asyncio.run(measure(store_path, samples))))


if __name__ == "__main__":
    main()
