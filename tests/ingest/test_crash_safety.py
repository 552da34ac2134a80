"""A process killed in the middle of ingesting an article leaves no half-added article."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Runs the real pipeline in a child process and SIGKILLs it right after the source row
# was written inside the article's transaction, before the events and the commit.
CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from pathlib import Path
    import ingest.pipeline as pipeline
    from store import Store
    from store.models import NewEvent

    def events(text, published):
        return [NewEvent("2021-10-05", None, "Something happened.", citations=((0, 10),))]

    async def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    pipeline.extract_events = events
    pipeline.merge_event = die

    async def main():
        store = await Store.open(sys.argv[1])
        await pipeline.ingest_file(store, Path(sys.argv[2]))

    asyncio.run(main())
    """
)


def test_kill_mid_ingest_leaves_store_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite3"
    first = tmp_path / "first.txt"
    first.write_text("---\ntitle: First\n---\nA first article that is stored completely.\n")
    second = tmp_path / "second.txt"
    second.write_text("---\ntitle: Second\n---\nA second article whose ingest is killed.\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(first)],
        env={**env, "BRIEFBOT_DB": str(db)},
        capture_output=True,
        timeout=60,
    )
    assert ok.returncode == 0

    killed = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(second)], env=env, timeout=60
    )
    assert killed.returncode == -9

    with sqlite3.connect(db) as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM sources")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert titles == ["First"]
    # The article can be ingested normally afterwards.
    again = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(second)],
        env={**env, "BRIEFBOT_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and "added" in again.stdout
