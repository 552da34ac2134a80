"""A store the operator may only read: `briefbot export` and `ask` read it without writing,
and a store whose schema is behind, which cannot be brought up to date, is one line.

Permissions do not bind root, so as root the command runs in a child process that has
given up root for `nobody` (the store, its folder and the way to them readable by all);
as another user, with the store and its folder made read-only."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import READ_ONLY
from bot.export import export_briefing
from store import Store, migrations
from store.errors import StoreUnavailable
from tests.bot.briefing import sample_briefing

NOBODY = 65534


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder outside pytest's own (which only its owner may enter)."""
    made = Path(tempfile.mkdtemp(prefix="briefbot-ro-"))
    os.chmod(made, 0o755)
    yield made
    for path in (made, *made.iterdir()):
        os.chmod(path, 0o755)
    shutil.rmtree(made)


def lock(store: Path, *, folder_too: bool) -> None:
    """The store (and its folder, when asked) read-only for everyone."""
    os.chmod(store, 0o444)
    os.chmod(store.parent, 0o555 if folder_too else 0o777)


def as_reader(store: Path, *args: str, typed: str = "") -> tuple[int, str, str]:
    """`briefbot ARGS` on `store` by a user who cannot write it, `typed` its input:
    (exit code, stdout, stderr)."""
    if os.geteuid() != 0:
        if os.access(store, os.W_OK):
            pytest.skip("this user can write a read-only file")
        return as_owner(store, *args, typed=typed)
    return _in_child_as_nobody(store, args, typed)


def as_owner(store: Path, *args: str, typed: str = "") -> tuple[int, str, str]:
    """`briefbot ARGS` on `store` by this user, in this process."""
    os.environ["BRIEFBOT_DB"] = str(store)
    buffer, err = io.BytesIO(), io.StringIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8")
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(typed), out, err
    try:
        code = main(list(args))
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        out.flush()
    text = buffer.getvalue().decode()
    out.detach()
    return code, text, err.getvalue()


def _in_child_as_nobody(store: Path, args: tuple[str, ...], typed: str) -> tuple[int, str, str]:
    # The child cannot read the interpreter's own files as nobody: every module the
    # command imports lazily is imported here first, by running it once as root on a copy.
    warm = store.parent.parent / f"{store.parent.name}-warm.sqlite3"
    shutil.copyfile(store, warm)
    try:
        as_owner(warm, *args, typed=typed)
    finally:
        for path in warm.parent.glob(f"{warm.name}*"):
            path.unlink()
    os.environ["BRIEFBOT_DB"] = str(store)

    def run() -> int:
        sys.stdin = io.StringIO(typed)
        return main(list(args))

    return as_nobody(store.parent, run)


def as_nobody(cwd: Path, run: Callable[[], int]) -> tuple[int, str, str]:
    """`run()` in a child process of user nobody: (its exit code, stdout, stderr)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # forking with threads (3.12)
        pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 70
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.chdir(cwd)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            code = run()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    with os.fdopen(out_r, "rb") as out, os.fdopen(err_r, "rb") as err:
        stdout, stderr = out.read(), err.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stdout.decode(), stderr.decode()


async def make_store(path: Path, steps: int | None = None) -> None:
    """A store with the sample briefing; with `steps`, of the first schema steps only, as
    an older briefbot left it."""
    listed = migrations.MIGRATIONS
    if steps is not None:
        migrations.MIGRATIONS = listed[:steps]
    try:
        store = await Store.open(path)
        try:
            if steps is None:
                await sample_briefing(store)
        finally:
            await store.close()
    finally:
        migrations.MIGRATIONS = listed


def export_now(store: Path) -> str:
    """The export as the store's owner makes it."""
    code, out, err = as_owner(store, "export")
    assert code == 0, err
    return out


@pytest.mark.parametrize("folder_too", [False, True], ids=["file", "file-and-folder"])
def test_export_of_a_store_this_user_may_only_read(folder: Path, folder_too: bool) -> None:
    store = folder / "briefing.sqlite3"
    asyncio.run(make_store(store))
    expected = export_now(store)
    before = store.read_bytes()
    lock(store, folder_too=folder_too)
    code, out, err = as_reader(store, "export", "--format", "json")
    assert (code, err) == (0, "")
    assert out == expected and '"citations"' in out
    assert store.read_bytes() == before


def test_export_of_an_older_store_this_user_cannot_update_is_one_line(folder: Path) -> None:
    """Its schema must be brought up to date, which only a user who can write it can do:
    said in one line (it was 'attempt to write a readonly database'), and nothing changes."""
    store = folder / "briefing.sqlite3"
    steps = migrations.MIGRATIONS
    asyncio.run(make_store(store, steps=len(steps) - 1))
    before = store.read_bytes()
    lock(store, folder_too=True)
    code, out, err = as_reader(store, "export")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"briefbot: BRIEFBOT_DB: {store} is at schema step {steps[-2][0]} ({len(steps) - 1} of "
        f"the {len(steps)} this briefbot needs, up to {steps[-1][0]}), and this user cannot "
        "write to it: run `briefbot ingest` or `briefbot run` once as a user who can write to "
        "it and its folder; nothing was changed"
    ]
    assert store.read_bytes() == before
    os.chmod(store, 0o644)
    os.chmod(folder, 0o755)
    code, out, err = as_owner(store, "export")  # its owner's export updates it, as before
    assert code == 0 and json.loads(out) == {"sources": [], "events": []}


def test_ask_reads_a_store_this_user_may_only_read(folder: Path) -> None:
    """A question is answered; a command that would change the briefing is refused in one
    line (it was the apology, with a traceback in the log), and nothing changes."""
    store = folder / "briefing.sqlite3"
    asyncio.run(make_store(store))
    before = store.read_bytes()
    lock(store, folder_too=True)
    code, out, err = as_reader(store, "ask", "/timeline", "2021-10")
    assert (code, err) == (0, "")
    assert "criminal case" in out
    code, out, err = as_reader(store, "ask", "/graphic", "on")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"briefbot: BRIEFBOT_DB: {store} cannot be written by this user, and this command "
        "changes the briefing; nothing was changed"
    ]
    assert store.read_bytes() == before


def change(store: Path) -> None:
    """What another process writing the store does to its file (on closing, SQLite copies
    its log into the file)."""
    os.chmod(store.parent, 0o755)
    os.chmod(store, 0o644)
    with closing(sqlite3.connect(store)) as conn, conn:
        conn.execute("UPDATE events SET summary = summary || '.'")


async def export_once_changed(store: Path, changed: Callable[[], None]) -> str:
    """Open the store read-only, let `changed()` change it, then export: what came of it."""
    reader = await Store.open(store, read_only=True)
    try:
        changed()
        try:
            await export_briefing(reader)
        except StoreUnavailable as exc:
            return str(exc)
        return "exported"
    finally:
        await reader.close()


def test_a_store_read_without_locks_that_changes_meanwhile_is_not_trusted(folder: Path) -> None:
    """In a folder this user cannot write, SQLite reads a store without its locks: a
    process writing it meanwhile could mix two states into one export."""
    store = folder / "briefing.sqlite3"
    asyncio.run(make_store(store))
    lock(store, folder_too=True)
    if os.geteuid() != 0:
        if os.access(store, os.W_OK):
            pytest.skip("this user can write a read-only file")
        said = asyncio.run(export_once_changed(store, lambda: change(store)))
    else:
        ready_r, ready_w = os.pipe()
        go_r, go_w = os.pipe()

        def wait_for_the_change() -> None:
            os.write(ready_w, b"open")
            os.read(go_r, 1)

        def child() -> int:
            print(asyncio.run(export_once_changed(store, wait_for_the_change)))
            return 0

        pid_result: list[tuple[int, str, str]] = []
        runner = threading.Thread(target=lambda: pid_result.append(as_nobody(folder, child)))
        runner.start()
        assert os.read(ready_r, 4) == b"open"
        change(store)
        os.write(go_w, b"g")
        runner.join(timeout=60)
        code, said, err = pid_result[0]
        assert (code, err) == (0, ""), err
        said = said.strip()
    assert said == (
        f"{store} was changed by another process while it was read (its folder is read-only "
        "to this user, so the reads could not be locked): read it again"
    )


def test_the_console_reads_a_store_this_user_may_only_read(folder: Path) -> None:
    """It failed to start ('attempt to write a readonly database'); now it answers, and a
    command that would change the briefing is answered that it cannot (it was the
    apology, with a traceback in the log)."""
    store = folder / "briefing.sqlite3"
    asyncio.run(make_store(store))
    before = store.read_bytes()
    lock(store, folder_too=True)
    code, out, err = as_reader(store, "console", typed="/timeline 2021-10\n/graphic on\n")
    assert (code, err) == (0, "")
    assert "criminal case" in out
    assert f"you> {READ_ONLY}" in out.splitlines()
    assert store.read_bytes() == before
