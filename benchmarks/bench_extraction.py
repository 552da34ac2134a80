"""Extraction speed on the sample corpus and Date-F1 on the Timeline17 topics."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from ingest.pipeline import article_files, ingest_file
from ingest.timeline17 import evaluate_topics
from store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = Path(os.environ.get("BRIEFBOT_BENCH_CORPUS", SHARED / "corpus"))
T17 = Path(os.environ.get("BRIEFBOT_BENCH_T17", SHARED / "benchmarks" / "t17"))
ROUNDS = 5


async def _ingest_once(files: list[Path]) -> float:
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
        store = await Store.open(Path(tmp) / "bench.sqlite3")
        try:
            started = time.perf_counter()
            for path in files:
                await ingest_file(store, path)
            return time.perf_counter() - started
        finally:
            await store.close()


def bench_ingest() -> None:
    files = article_files([CORPUS]) if CORPUS.is_dir() else []
    if not files:
        print(f"   ingest: no corpus at {CORPUS}, skipped")
        return
    times = [asyncio.run(_ingest_once(files)) for _ in range(ROUNDS)]
    best, worst = min(times), max(times)
    print(
        f"   ingest: {len(files)} articles in {best:.2f} s best / {worst:.2f} s worst of "
        f"{ROUNDS} (into a fresh store) = {len(files) / best:.1f} articles/s"
    )


def bench_t17() -> None:
    if not T17.is_dir():
        print(f"   t17: no benchmark at {T17}, skipped")
        return
    for result in evaluate_topics(T17):
        print(f"   {result.line()}")


def main() -> None:
    bench_ingest()
    bench_t17()
