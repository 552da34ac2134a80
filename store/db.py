"""The one place that opens the SQLite database and hands out transactions.

One aiosqlite connection is one shared transaction, so every writer (handlers, jobs,
ingestion) goes through `async with db.transaction():`, serialised by a lock.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from store.errors import StoreBusy, StoreClosed, StoreReadOnly, StoreUnavailable

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Another process (`briefbot ingest` beside `briefbot run`) may hold the write lock for
# longer than BUSY_TIMEOUT_MS: adding an article to a large briefing first reads every
# event (about 10 s at 100,000). A transaction waits for it up to WRITE_WAIT_SECONDS,
# trying in short steps so that the connection's thread, which every read of this process
# also goes through, is never held for more than one step.
WRITE_WAIT_SECONDS = 300.0
BEGIN_STEP_MS = 50
# An ingested article writes about 240 pages: with SQLite's default of 1,000 the log was
# copied back into the database (and synced) every four articles. 10,000 pages lets the
# log grow to about 40 MB before that, and makes each commit of an article ~40% cheaper.
WAL_CHECKPOINT_PAGES = 10_000


def utc_now() -> str:
    """Current UTC time as an ISO string with seconds, the store's timestamp format."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_openable(path: Path) -> None:
    """Fail early, with the reason, on a file SQLite cannot open or read (a folder, a text
    file, no permission): when aiosqlite's own connect fails, its thread is left to report
    into an event loop that may be closed by then."""
    try:
        with closing(sqlite3.connect(path)) as probe:
            probe.execute("PRAGMA schema_version")
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"{path} cannot be opened: {exc}") from exc


def _probe(uri: str) -> None:
    """Fail here, with the reason, when SQLite cannot read `uri` (see _check_openable)."""
    with closing(sqlite3.connect(uri, uri=True)) as probe:
        probe.execute("PRAGMA schema_version")


class Database:
    """Owns the connection: `open()` once, `close()` once; use after close raises.

    `read_only` opens the file without the right to change it (SQLite's `mode=ro`), for
    readers of a store they may not write (see `_open_read_only`)."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        # Read as it is on disk, without SQLite's locks (see _connect_read_only): what the
        # file was when opened, to tell whether it changed while it was read.
        self._unlocked_at: tuple[int, int, int] | None = None
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self._owner: asyncio.Task[Any] | None = None  # the task inside transaction()
        self._depth = 0
        self._changes_at_begin = 0  # total_changes when the running transaction began
        self._after_commit: list[Callable[[], None]] = []  # see after_commit

    async def open(self) -> Database:
        from store.migrations import apply_migrations

        if self._closed:
            raise StoreClosed("the store was closed")
        if self._conn is not None:
            return self
        if self.read_only:
            return await self._open_read_only()
        if self.path.parent and not self.path.parent.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                # A file where a folder should be, or no right to make one: said in one
                # line like any other store that cannot be opened, not a traceback.
                raise StoreUnavailable(
                    f"{self.path} cannot be opened: its folder cannot be made: "
                    f"{exc.strerror or exc}"
                ) from exc
        _check_openable(self.path)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        pragmas = [
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}",
        ]
        return await self._adopt(conn, pragmas, apply_migrations)

    async def _open_read_only(self) -> Database:
        """Open without writing anything, the schema as it is: a store whose schema is
        behind this code's raises StoreOutdated, as it cannot be brought up to date."""
        from store.migrations import check_current

        conn = await self._connect_read_only()
        return await self._adopt(conn, [f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}"], check_current)

    async def _adopt(
        self,
        conn: aiosqlite.Connection,
        pragmas: list[str],
        check_schema: Callable[[Database], Awaitable[object]],
    ) -> Database:
        """Make `conn` this store's connection once its pragmas are set and its schema
        checked (or brought up to date)."""
        try:
            conn.row_factory = sqlite3.Row
            for pragma in pragmas:
                await conn.execute(pragma)
            self._conn = conn
            await check_schema(self)
        except BaseException as exc:
            # Closed here, or its thread would keep the process alive after the error.
            self._conn = None
            await conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise StoreUnavailable(f"{self.path} cannot be used: {exc}") from exc
            raise
        return self

    async def _connect_read_only(self) -> aiosqlite.Connection:
        """`mode=ro`; or, in a folder this user cannot write, `immutable=1`: reading a WAL
        store takes a shared-memory file beside it (`-shm`), which SQLite cannot make
        there (SQLITE_READONLY_DIRECTORY). No other process is writing then (a writer
        keeps its `-wal` file beside the store), and `snapshot` checks afterwards that
        none began: without the file's locks, its reads would not see it."""
        uri = self.path.resolve().as_uri()
        try:
            _probe(f"{uri}?mode=ro")
            return await aiosqlite.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            wal = self.path.with_name(self.path.name + "-wal")
            unshared = getattr(exc, "sqlite_errorname", "") == "SQLITE_READONLY_DIRECTORY"
            if not unshared or (wal.exists() and wal.stat().st_size > 0):
                raise StoreUnavailable(f"{self.path} cannot be opened: {exc}") from exc
        self._unlocked_at = self._file_state()
        _probe(f"{uri}?immutable=1")
        return await aiosqlite.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)

    def _file_state(self) -> tuple[int, int, int]:
        state = self.path.stat()
        return state.st_ino, state.st_size, state.st_mtime_ns

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        self._conn = None
        self._closed = True

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreClosed("the store is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; one writer at a time.

        Nested inside a transaction of the same task it becomes a savepoint, so a caller
        can make one atomic change out of steps that each open their own transaction
        (an ingested article and the audit entry that records it)."""
        if self.read_only:
            raise StoreReadOnly(f"{self.path} was opened read-only: this changes it")
        if self._owner is not None and self._owner is asyncio.current_task():
            async with self._savepoint() as conn:
                yield conn
            return
        async with self._lock:
            conn = self.conn
            await self._begin_immediate(conn)
            self._owner = asyncio.current_task()
            self._changes_at_begin = conn.total_changes
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
                for action in self._after_commit:
                    action()
            finally:
                self._owner = None
                self._after_commit.clear()

    async def _begin_immediate(self, conn: aiosqlite.Connection) -> None:
        """BEGIN IMMEDIATE, waiting while another process writes (see WRITE_WAIT_SECONDS).
        Each try is one script, so a write that finds the lock free costs one trip to the
        connection's thread, as a bare BEGIN did."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WRITE_WAIT_SECONDS
        attempt = (
            f"PRAGMA busy_timeout={BEGIN_STEP_MS}; BEGIN IMMEDIATE;"
            f" PRAGMA busy_timeout={BUSY_TIMEOUT_MS};"
        )
        while True:
            try:
                await conn.executescript(attempt)
                return
            except sqlite3.OperationalError as exc:
                busy = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                if busy and loop.time() < deadline:
                    await asyncio.sleep(BEGIN_STEP_MS / 1000)
                    continue
                # The script stopped at BEGIN: put the usual timeout back.
                await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                if not busy:
                    raise
                raise StoreBusy(
                    f"{self.path} is busy: another process has been writing to it"
                    f" for over {WRITE_WAIT_SECONDS:.0f} s"
                ) from exc

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[aiosqlite.Connection]:
        conn = self.conn
        self._depth += 1
        name = f"nested_{self._depth}"
        await conn.execute(f"SAVEPOINT {name}")
        actions_before = len(self._after_commit)
        try:
            yield conn
        except BaseException:
            del self._after_commit[actions_before:]  # what was undone will not commit
            await conn.execute(f"ROLLBACK TO {name}")
            await conn.execute(f"RELEASE {name}")
            raise
        else:
            await conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` when the running transaction commits, and not if it rolls back
        (nor if the savepoint it was called in does): for what a process keeps in memory
        that holds only once the transaction's writes are the store's."""
        assert self._owner is asyncio.current_task(), "only inside transaction()"
        self._after_commit.append(action)

    async def data_version(self, name: str) -> int:
        """How many writes the triggers counting for `name` have seen (data_versions, see
        store/migrations.py): unchanged means the tables they watch are as they were."""
        return int(await self.scalar("SELECT version FROM data_versions WHERE name = ?", (name,)))

    def written_in_transaction(self) -> bool:
        """Whether the running transaction has changed any row yet."""
        return self.conn.total_changes != self._changes_at_begin

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        """Reads that all see one committed state: a reader of several tables (the export)
        would otherwise see a write another process commits between two of its reads.
        Held like a transaction, so no writer of this connection comes in between."""
        async with self._lock:
            await self.conn.execute("BEGIN")  # deferred: no write lock, only a snapshot
            try:
                yield
            finally:
                await self.conn.execute("ROLLBACK")
            if self._unlocked_at is not None and self._file_state() != self._unlocked_at:
                raise StoreUnavailable(
                    f"{self.path} was changed by another process while it was read (its "
                    "folder is read-only to this user, so the reads could not be locked): "
                    "read it again"
                )

    @asynccontextmanager
    async def last_commit(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection of its own: it sees the database as last committed,
        without what the running transaction has written so far (the log keeps both)."""
        reader = await aiosqlite.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            await reader.execute("BEGIN")  # one snapshot for every read
            yield reader
        finally:
            await reader.close()

    # Each call is one trip to the connection's thread (execute, fetch and close there),
    # not three: a page of a list reads the store a dozen times.
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query that selects one row (by key, or with LIMIT 1)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]
