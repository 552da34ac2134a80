"""/addstory's work done in a child process, so that serving readers never pays for it.

Adding a story extracts the article's events and merges them with the briefing's, through
a merge index that holds every event as merging sees it (ingest/merge.py). The index is
kept for the next story, and it grows with the briefing: 250 MB at 100,000 events, 1.7 GB
at a million. Held by the bot's own process, that memory would stay for as long as the bot
runs, and the CPU work would hold up every reader's command meanwhile. Held by a child, the
bot's memory stays that of serving, readers are answered on another core, and the memory
goes back to the system when the child has had no story for `IDLE_S`.

The child is started on the first story, not at startup. It opens the same SQLite file;
its write is one transaction, as in-process, so a child that dies (killed, out of memory)
leaves nothing half-written, and the next story starts a new child.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.util
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.article import Article

if TYPE_CHECKING:
    from bot.maintenance import StoryAdded, StoryPresent
    from store import Store

log = logging.getLogger(__name__)

IDLE_S = 600.0  # a maintainer adding several stories in a row keeps the index read once


class StoryWorkerFailed(Exception):
    """The child stopped before the story was stored; nothing of it was kept."""


class StoryWorker:
    """The child process that adds stories, one at a time, started when first needed."""

    def __init__(self, db: Path, log_level: str = "INFO", *, idle_s: float = IDLE_S) -> None:
        self._db = db.resolve()
        self._log_level = log_level
        self._idle_s = idle_s
        self._pool: ProcessPoolExecutor | None = None
        self._busy = 0  # stories handed over and not yet answered
        self._retiring: asyncio.TimerHandle | None = None

    async def add(self, user_id: int, article: Article, nonce: str) -> StoryAdded | StoryPresent:
        """`bot.maintenance.store_story`, done by the child."""
        future = self._submit(_add_story, user_id, article, nonce)
        self._busy += 1
        if self._retiring is not None:
            self._retiring.cancel()
            self._retiring = None
        try:
            result: StoryAdded | StoryPresent = await asyncio.wrap_future(future)
            return result
        except BrokenProcessPool as exc:
            self._pool = None  # the next story starts a new child
            raise StoryWorkerFailed(
                "the process adding stories stopped before it finished (out of memory?); "
                "nothing of the story was kept"
            ) from exc
        finally:
            self._busy -= 1
            if self._busy == 0 and self._pool is not None:
                loop = asyncio.get_running_loop()
                self._retiring = loop.call_later(self._idle_s, self._retire)

    async def close(self) -> None:
        """Stop the child, after the story it may be adding."""
        if self._retiring is not None:
            self._retiring.cancel()
            self._retiring = None
        pool, self._pool = self._pool, None
        if pool is not None:
            # The child ends after the story it may be adding (closing its store on its way).
            await asyncio.to_thread(pool.shutdown, wait=True)

    def _submit(self, fn: Any, *args: Any) -> Future[Any]:
        # A child that died while idle is noticed at the next story: start a new one.
        for _ in range(2):
            if self._pool is None:
                self._pool = self._start()
            try:
                return self._pool.submit(fn, *args)
            except BrokenProcessPool:
                log.warning("the process adding stories had stopped; starting a new one")
                self._pool = None
        raise StoryWorkerFailed("the process adding stories could not be started")

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: a fork would copy the bot's event loop, threads and connections.
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_child_start,
            initargs=(str(self._db), self._log_level),
        )

    def _retire(self) -> None:
        self._retiring = None
        pool, self._pool = self._pool, None
        if pool is not None:
            log.info("no story for %.0f s: the process adding stories stops", self._idle_s)
            pool.shutdown(wait=False)


# The child's side: one event loop and one store for its whole life, so that the merge
# index (kept per store, ingest/pipeline.py) serves story after story.
_runner: asyncio.Runner | None = None
_db: Path | None = None
_store: Store | None = None


def _child_start(db: str, log_level: str) -> None:
    global _runner, _db
    # Ctrl-C reaches the whole process group, and systemd's stop every process of the
    # service: the bot stops the child itself, once the story it is adding is stored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from bot.cli import configure_logging

    configure_logging(log_level)
    _runner = asyncio.Runner()
    _db = Path(db)
    # Run as the child ends, however its end comes (the bot stopping it, or the bot's own
    # exit when a second Ctrl-C cut its shutdown short), before Python waits for threads:
    # an open store's thread would keep the child, and so the bot, from ever exiting.
    multiprocessing.util.Finalize(None, _child_close, exitpriority=10)
    threading.Thread(target=_end_with_the_bot, name="bot-watch", daemon=True).start()


def _end_with_the_bot() -> None:
    """End when the bot's process does, however it ends. Killed (SIGKILL, the kernel out
    of memory), it sends no word, and the child's queue never reports it (the child holds
    the queue's write end too): the child would wait for work for ever, holding the merge
    index. A story it was adding is rolled back by SQLite, as for any process killed."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    multiprocessing.connection.wait([parent.sentinel])
    log.warning("the bot's process has ended: the process adding stories ends too")
    os._exit(1)


def _add_story(user_id: int, article: Article, nonce: str) -> StoryAdded | StoryPresent:
    assert _runner is not None, "started by _child_start"
    return _runner.run(_add_story_async(user_id, article, nonce))


async def _add_story_async(
    user_id: int, article: Article, nonce: str
) -> StoryAdded | StoryPresent:
    global _store
    from bot.maintenance import store_story
    from store import Store

    if _store is None:
        assert _db is not None, "started by _child_start"
        _store = await Store.open(_db)
    return await store_story(_store, user_id, article, nonce)


def _child_close() -> None:
    global _store
    if _runner is not None and _store is not None:
        _runner.run(_store.close())
        _store = None
