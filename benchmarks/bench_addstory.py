"""Serving while a story is added: the bot's memory and readers' latency during the first
/addstory on a large briefing, with the story worker (bot/story_worker.py, the default)
and, as the baseline measured in the same run, with the story added in the bot's own
process (BRIEFBOT_STORY_WORKER=false).

Each way runs in a process of its own on a copy of the cached 100,000-event store:

    python -m benchmarks.bench_addstory worker|inline STORE  ->  one JSON object on stdout

It adds three synthetic articles as a maintainer, one after another, while a reader asks
for /timeline every 10 ms (the structured answer, as `briefbot ask` gets it: the point is
how long the event loop is held, not Telegram's path, which the latency table times). The
first story reads the whole briefing into the merge index; the next two reuse it.
Meanwhile a new chat's row is written every 50 ms, as a chat's first message does: that
write waits for the store's write lock, which the story's transaction holds.

The synthetic store holds no kept words (`match_words`): the first story finds every
event's words in its texts and keeps them. The worker then runs once more on the same copy,
as the bot started again would, with three other articles: its first story reads the kept
words (`worker_kept`).
"""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.latency_probe import percentile, rss_mb
from benchmarks.synthetic import cached_store
from benchmarks.synthetic_news import write_articles
from bot.answers import Services, answer
from bot.console import CONSOLE_CHAT
from bot.maintenance import add_story
from bot.story_worker import StoryWorker
from config.settings import Settings
from ingest.article import read_article
from store import Store

EVENTS = 100_000
STORIES = 3
READER_PAUSE_S = 0.01
WRITER_PAUSE_S = 0.05
NEW_CHATS = 10**9  # ids of the chats the writer records, clear of the store's
MAINTAINER = 1


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _children_peak_mb() -> float:
    # The largest child's: the story worker's (getrusage's peak of a child counts what it
    # had before exec, a copy of this process, far smaller than the worker's own).
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


async def _serve_while_adding(services: Services, folder: Path, seed: int) -> dict[str, Any]:
    articles = [read_article(p) for p in write_articles(folder, STORIES, seed=seed)]
    for _ in range(20):  # the reader's pages cached, as in a bot that has been serving
        await answer(services, CONSOLE_CHAT, "/timeline")
    before = _rss_mb()
    waits: list[float] = []
    writes: list[float] = []
    adding = True

    async def reader() -> None:
        while adding:
            started = time.perf_counter()
            await answer(services, CONSOLE_CHAT, "/timeline")
            waits.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(READER_PAUSE_S)

    async def writer() -> None:
        # A chat's first message writes its row: that must wait for the write lock.
        chat_id = NEW_CHATS
        while adding:
            started = time.perf_counter()
            await services.store.chats.ensure(chat_id, "private")
            writes.append((time.perf_counter() - started) * 1000)
            chat_id += 1
            await asyncio.sleep(WRITER_PAUSE_S)

    reading = asyncio.create_task(reader())
    writing = asyncio.create_task(writer())
    took = []
    for article in articles:
        started = time.perf_counter()
        outcome = await add_story(services, MAINTAINER, article)
        took.append(time.perf_counter() - started)
        assert outcome.answer.title.startswith("Added story"), outcome.answer.title
    adding = False
    await asyncio.gather(reading, writing)
    return {
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(_rss_mb(), 1),
        "first_story_s": round(took[0], 2),
        "next_stories_s": round(max(took[1:]), 2),
        "reader_answers": len(waits),
        "reader_p50_ms": round(percentile(waits, 0.5), 2),
        "reader_p99_ms": round(percentile(waits, 0.99), 2),
        "reader_max_ms": round(max(waits), 2),
        "new_chat_writes": len(writes),
        "new_chat_write_max_ms": round(max(writes), 2),
    }


async def _probe(mode: str, store_path: Path, folder: Path, seed: int) -> dict[str, Any]:
    settings = Settings(db=store_path, maintainers=[MAINTAINER], _env_file=None)  # type: ignore[call-arg]
    store = await Store.open(store_path)
    worker = StoryWorker(store_path, "WARNING") if mode == "worker" else None
    try:
        figures = await _serve_while_adding(Services(store, settings, worker), folder, seed)
    finally:
        if worker is not None:
            await worker.close()
        await store.close()
    figures["bot_peak_rss_mb"] = round(rss_mb(), 1)  # this program's own, as the probe's
    figures["worker_peak_rss_mb"] = round(_children_peak_mb(), 1)
    return figures


def _run(mode: str, store_path: Path, seed: int = 99) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_addstory", mode, str(store_path), str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(result.stdout)
    return figures


def _print(mode: str, f: dict[str, Any]) -> None:
    print(
        f"   {mode}: bot peak RSS {f['bot_peak_rss_mb']:.0f} MB (child"
        f" {f['worker_peak_rss_mb']:.0f} MB), first story {f['first_story_s']:.1f} s,"
        f" reader /timeline p50 {f['reader_p50_ms']:.1f} ms, p99"
        f" {f['reader_p99_ms']:.1f} ms, max {f['reader_max_ms']:.0f} ms"
        f" ({f['reader_answers']} answers); a new chat's row written in at most"
        f" {f['new_chat_write_max_ms']:.0f} ms",
        flush=True,
    )


def measure() -> dict[str, Any]:
    figures: dict[str, Any] = {"events": EVENTS, "stories": STORIES}
    runs = (("worker", "worker", 99), ("worker_kept", "worker", 98), ("inline", "inline", 99))
    with tempfile.TemporaryDirectory(prefix="briefbot-addstory-") as tmp:
        for name, mode, seed in runs:
            copy = Path(tmp) / f"{mode}.sqlite3"  # worker_kept: the worker's copy again
            if not copy.exists():
                shutil.copy(cached_store(EVENTS), copy)
            figures[name] = _run(mode, copy, seed)
            _print(name, figures[name])
    return figures


def main(argv: list[str]) -> None:
    mode, store_path, seed = argv
    with tempfile.TemporaryDirectory(prefix="briefbot-articles-") as folder:
        figures = asyncio.run(_probe(mode, Path(store_path), Path(folder), int(seed)))
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
