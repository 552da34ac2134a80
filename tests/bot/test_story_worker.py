"""/addstory's child process (bot/story_worker.py): the story it stores is the one the bot
would store itself, the bot's own process never reads the briefing into a merge index,
and a child that dies or idles loses nothing and is replaced by the next story."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from bot.answers import Services
from bot.maintenance import add_story
from bot.story_worker import StoryWorker, StoryWorkerFailed
from bot.telegram.maintainers import WORKING
from config.settings import Settings
from ingest import pipeline
from ingest.article import Article
from store import Store
from tests.fakes.bot_api import visible_text
from tests.fakes.telegram import RunningBot
from tests.processes import eventually, gone
from tests.store.rows import dump

OWNER = 1001
STORY = (
    "On 5 October 2021, inspectors visited the regional hospital after the reports. "
    "The ministry said on 6 October 2021 that two officials had been suspended pending the "
    "inquiry into the hospital. Prosecutors opened a criminal case on 7 October 2021."
)
SECOND = (
    "On 12 November 2021, the regional court heard the first appeal in the hospital case. "
    "Lawyers for the officials said on 13 November 2021 that they would appeal again."
)


def article(text: str, url: str) -> Article:
    return Article(text=text, url=url, outlet="Example News", published="2021-11-14")


async def briefing(store: Store) -> list[tuple[object, ...]]:
    """The stored events as readers see them, without the times they were written."""
    return [
        (e.id, e.date, e.end, e.summary, e.status, e.places, e.people, e.citations)
        for e in await store.events.all(include_hidden=True)
    ]


def child() -> BaseProcess | None:
    """The worker's process while one runs (the only child these tests start)."""
    return next(iter(multiprocessing.active_children()), None)


@pytest.fixture
async def worker(db_path: Path) -> AsyncIterator[StoryWorker]:
    made = StoryWorker(db_path, "WARNING", idle_s=60)
    yield made
    await made.close()


async def test_the_worker_stores_what_the_bot_would_and_the_bot_reads_no_index(
    store: Store, settings: Settings, worker: StoryWorker, tmp_path: Path
) -> None:
    by_worker = Services(store, settings, worker)
    first = await add_story(by_worker, OWNER, article(STORY, "https://news.example.org/a"))
    second = await add_story(by_worker, OWNER, article(SECOND, "https://news.example.org/b"))

    inline_store = await Store.open(tmp_path / "inline.sqlite3")
    try:
        inline = Services(inline_store, settings)
        expected = [
            await add_story(inline, OWNER, article(STORY, "https://news.example.org/a")),
            await add_story(inline, OWNER, article(SECOND, "https://news.example.org/b")),
        ]
        assert [o.answer for o in (first, second)] == [o.answer for o in expected]
        assert first.answer.title.startswith("Added story 1:")
        stored = await briefing(store)
        assert len(stored) >= 4
        assert stored == await briefing(inline_store)
    finally:
        await inline_store.close()
    assert child() is not None
    assert store not in pipeline._indexes  # the index lives in the child, not here


async def test_an_article_already_present_changes_nothing(
    store: Store, settings: Settings, worker: StoryWorker
) -> None:
    services = Services(store, settings, worker)
    await add_story(services, OWNER, article(STORY, "https://news.example.org/a"))
    before = await dump(store)
    again = await add_story(services, OWNER, article(STORY, "https://news.example.org/other"))
    assert again.answer.is_error
    assert "is already in the briefing as story 1; nothing changed." in again.answer.title
    assert await dump(store) == before


async def test_an_idle_worker_stops_and_the_next_story_starts_another(
    store: Store, settings: Settings, db_path: Path
) -> None:
    worker = StoryWorker(db_path, "WARNING", idle_s=0.2)
    try:
        services = Services(store, settings, worker)
        await add_story(services, OWNER, article(STORY, "https://news.example.org/a"))
        await eventually(lambda: child() is None)
        added = await add_story(services, OWNER, article(SECOND, "https://news.example.org/b"))
        assert added.answer.title.startswith("Added story 2:")
    finally:
        await worker.close()
    assert len(await store.sources.list_all()) == 2


async def test_a_worker_killed_while_idle_is_replaced(
    store: Store, settings: Settings, worker: StoryWorker
) -> None:
    services = Services(store, settings, worker)
    await add_story(services, OWNER, article(STORY, "https://news.example.org/a"))
    process = child()
    assert process is not None and process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    await eventually(lambda: child() is None)
    added = await add_story(services, OWNER, article(SECOND, "https://news.example.org/b"))
    assert added.answer.title.startswith("Added story 2:")


async def test_a_worker_killed_while_adding_keeps_nothing_and_says_so(
    store: Store, settings: Settings, worker: StoryWorker, db_path: Path
) -> None:
    services = Services(store, settings, worker)
    before = await dump(store)
    # Another writer holds the lock: the child waits for it, and is killed waiting.
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        adding = asyncio.create_task(
            add_story(services, OWNER, article(STORY, "https://news.example.org/a"))
        )
        await eventually(lambda: child() is not None)
        await asyncio.sleep(1.0)
        process = child()
        assert process is not None and process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(StoryWorkerFailed, match="nothing of the story was kept"):
            await adding
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await dump(store) == before
    added = await add_story(services, OWNER, article(STORY, "https://news.example.org/a"))
    assert added.answer.title.startswith("Added story 1:")


async def test_addstory_in_the_running_bot_goes_through_the_worker(
    telegram_bot: RunningBot,
) -> None:
    assert telegram_bot.settings.story_worker  # the default
    telegram_bot.api.user_sends("/addstory " + STORY, chat=OWNER)
    [working] = await telegram_bot.api.sent("sendMessage", 1)
    assert visible_text(working.text) == WORKING
    [edit] = await telegram_bot.api.sent("editMessageText", 1, timeout=60)
    assert visible_text(edit.text).startswith("Added story 1:")
    assert [s.url for s in await telegram_bot.store.sources.list_all()] == [None]
    assert telegram_bot.store not in pipeline._indexes


async def test_closing_waits_for_the_story_being_added(
    store: Store, settings: Settings, worker: StoryWorker, db_path: Path
) -> None:
    services = Services(store, settings, worker)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the child waits for this lock
    adding = asyncio.create_task(
        add_story(services, OWNER, article(STORY, "https://news.example.org/a"))
    )
    await eventually(lambda: child() is not None)
    closing = asyncio.create_task(worker.close())
    await asyncio.sleep(0.5)
    assert not closing.done() and not adding.done()
    other.execute("ROLLBACK")
    other.close()
    added = await adding
    await closing
    assert added.answer.title.startswith("Added story 1:")
    assert [s.id for s in await store.sources.list_all()] == [1]
    await eventually(lambda: child() is None)


KILLED_BOT = """
import asyncio, multiprocessing, os, signal, sys
from pathlib import Path
from bot.story_worker import StoryWorker
from ingest.article import Article

async def main():
    worker = StoryWorker(Path(sys.argv[1]), "WARNING")
    await worker.add(1001, Article(text=sys.argv[2], url="https://news.example.org/a"), "n")
    print(multiprocessing.active_children()[0].pid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would

if __name__ == "__main__":
    asyncio.run(main())
"""


async def test_the_worker_ends_when_the_bot_is_killed(store: Store, db_path: Path) -> None:
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_BOT,
        str(db_path),
        STORY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    out, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == -signal.SIGKILL, err.decode()[-2000:]
    worker_pid = int(out)
    await eventually(lambda: gone(worker_pid))
    assert [s.url for s in await store.sources.list_all()] == ["https://news.example.org/a"]
