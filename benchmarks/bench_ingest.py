"""Ingest throughput: articles per second through the whole pipeline, against a baseline.

The pipeline is what `briefbot ingest` runs for each article: read and decode the file,
publication date, event extraction, then one transaction that adds the source and merges
its events into a fresh SQLite file (`ingest_file`). One process, one thread doing the work
(extraction's worker thread and aiosqlite's thread take turns with the event loop).

Absolute times on a shared machine are noisy, so each set is also run through the baseline
in the same run: the same articles read, decoded and stored as sources by the same
`store_article`, with no extraction and no events. `ratio_to_baseline` is pipeline time over
baseline time.

Sets: 1,000 seeded synthetic articles of ~800 words (benchmarks/synthetic_news.py), the
sample corpus (../shared/corpus) and the Timeline17 articles (../shared/benchmarks/t17,
detokenised as `ingest.timeline17` does, with their publication day).

The world place data (countries, subdivisions, cities: ingest/world.py) and the gazetteer
load once per process, on first use. That one-off cost is measured on its own in a fresh
process (`world_data_load_s`) and is NOT included in the timed sets: the process is warmed
up first, as a running bot is.

The target is for one core, so the timed sets run pinned to one CPU where the system lets
a process choose (Linux): the threads taking turns then share that core, as they would on a
one-core machine, instead of handing the work between cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.synthetic_news import write_articles
from ingest.article import Article, read_article
from ingest.events import extract_events
from ingest.pipeline import (
    PreparedArticle,
    article_files,
    ingest_article,
    ingest_file,
    store_article,
)
from ingest.timeline17 import detokenize
from store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = Path(os.environ.get("BRIEFBOT_BENCH_CORPUS", SHARED / "corpus"))
T17 = Path(os.environ.get("BRIEFBOT_BENCH_T17", SHARED / "benchmarks" / "t17"))
REPO = Path(__file__).resolve().parents[1]
SYNTHETIC_ARTICLES = 1000
SEED = 7
SAMPLE_ROUNDS = 5  # five articles are too few for one run to mean much: best of five

# One article in, stored: (store, item) -> awaitable.
Ingest = Callable[[Store, Any], Awaitable[object]]


async def _pipeline_file(store: Store, path: Path) -> None:
    await ingest_file(store, path)


async def _store_only(store: Store, article: Article) -> None:
    """The baseline's store step: the same transaction, no extraction, no events."""
    await store_article(store, PreparedArticle(article, article.published, False, []))


async def _baseline_file(store: Store, path: Path) -> None:
    await _store_only(store, read_article(path))


def _t17_article(line: str) -> Article:
    raw = json.loads(line)
    return Article(
        text=detokenize(str(raw.get("text", ""))),
        published=str(raw.get("pub_date") or "") or None,
        file=str(raw.get("id", "")),
    )


async def _pipeline_t17(store: Store, line: str) -> None:
    await ingest_article(store, _t17_article(line))


async def _baseline_t17(store: Store, line: str) -> None:
    await _store_only(store, _t17_article(line))


async def _timed(items: list[Any], ingest: Ingest) -> float:
    """Seconds to ingest every item, in order, into a fresh store file."""
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
        store = await Store.open(Path(tmp) / "bench.sqlite3")
        try:
            started = time.perf_counter()
            for item in items:
                await ingest(store, item)
            return time.perf_counter() - started
        finally:
            await store.close()


def _best(items: list[Any], ingest: Ingest, rounds: int = 1) -> float:
    return min(asyncio.run(_timed(items, ingest)) for _ in range(rounds))


def world_data_load_s() -> float:
    """The one-off load of the gazetteer and world place data, in a fresh process."""
    code = (
        "import time\n"
        "import ingest.events\n"
        "from ingest.places import gazetteer\n"
        "from ingest.world import home_region, world, WorldPlace\n"
        "started = time.perf_counter()\n"
        "gazetteer(); world(); home_region(WorldPlace('x', 'city', 'x', 'RU', '1'))\n"
        "print(time.perf_counter() - started)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return float(result.stdout.strip())


def _warm_up() -> None:
    """Load the place data now, so that the timed sets measure per-article work only."""
    extract_events("On 5 May 2021, floods hit Tver, the regional administration said.", None)


@contextmanager
def _one_core() -> Iterator[int | None]:
    """Run the body on one CPU (yielded; None where affinity cannot be set). Threads started
    inside (the event loop's worker, aiosqlite's) inherit it: each set starts its own."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    allowed = os.sched_getaffinity(0)
    cpu = max(allowed)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, allowed)


def _t17_lines() -> list[str]:
    if not T17.is_dir():
        return []
    lines: list[str] = []
    for jsonl in sorted(T17.glob("*/articles.jsonl")):
        lines.extend(line for line in jsonl.read_text("utf-8").splitlines() if line.strip())
    return lines


def _set_figures(
    name: str, items: Iterable[Any], pipeline: Ingest, baseline: Ingest, rounds: int = 1
) -> dict[str, Any]:
    """Pipeline and baseline times of one set of articles."""
    items = list(items)
    base = _best(items, baseline, rounds)
    took = _best(items, pipeline, rounds)
    return {
        f"{name}_articles": len(items),
        f"{name}_s": took,
        f"{name}_baseline_s": base,
        f"{name}_ratio_to_baseline": took / base if base else 0.0,
    }


def measure(synthetic_articles: int = SYNTHETIC_ARTICLES) -> dict[str, Any]:
    """Every figure of this benchmark (see the module docstring)."""
    figures: dict[str, Any] = {"world_data_load_s": world_data_load_s()}
    _warm_up()
    with tempfile.TemporaryDirectory(prefix="briefbot-synthetic-") as tmp, _one_core() as cpu:
        paths = write_articles(Path(tmp), synthetic_articles, seed=SEED)
        synthetic = _set_figures("synthetic", paths, _pipeline_file, _baseline_file)
        sample = article_files([CORPUS]) if CORPUS.is_dir() else []
        figures.update(
            _set_figures("sample_corpus", sample, _pipeline_file, _baseline_file, SAMPLE_ROUNDS)
        )
        figures.update(_set_figures("t17", _t17_lines(), _pipeline_t17, _baseline_t17))
    figures["one_core"] = cpu is not None
    figures.update(synthetic)
    figures["articles_per_s"] = synthetic_articles / synthetic["synthetic_s"]
    figures["baseline_articles_per_s"] = synthetic_articles / synthetic["synthetic_baseline_s"]
    figures["ratio_to_baseline"] = synthetic["synthetic_ratio_to_baseline"]
    figures["world_data_included"] = False  # reported on its own, see world_data_load_s
    return figures


def _line(label: str, figures: dict[str, Any], name: str) -> str:
    n, took, base = (
        figures[f"{name}_articles"],
        figures[f"{name}_s"],
        figures[f"{name}_baseline_s"],
    )
    if not n:
        return f"   {label}: no articles found, skipped"
    return (
        f"   {label}: {n} articles in {took:.2f} s = {n / took:.1f} articles/s; "
        f"store only {base:.2f} s = {n / base:.0f} articles/s; ratio {took / base:.1f}x"
    )


def main() -> dict[str, Any]:
    figures = measure()
    print(
        f"   world data load (once per process, not in the times below): "
        f"{figures['world_data_load_s']:.2f} s"
    )
    print(_line("synthetic", figures, "synthetic"))
    print(_line("sample corpus (best of 5)", figures, "sample_corpus"))
    print(_line("Timeline17", figures, "t17"))
    if not figures["one_core"]:
        print("   (could not pin to one core here: the threads may have used several)")
    target = "meets" if figures["articles_per_s"] >= 100 else "misses"
    print(f"   target >= 100 articles/s on the synthetic set: {target}")
    print("   " + json.dumps(figures, sort_keys=True))
    return figures


if __name__ == "__main__":
    main()
