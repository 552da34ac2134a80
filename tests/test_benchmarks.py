"""The benchmark's machinery, at a tiny size: the synthetic store is a store the product
reads correctly, and the latency probe's replies are real answers. No timing is asserted
here (speed lives in `make bench`)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from benchmarks import synthetic
from benchmarks.report import readme_table
from benchmarks.synthetic import build_store
from store import Store
from store.events import EventScope

ROOT = Path(__file__).resolve().parents[1]


def test_the_synthetic_store_keeps_the_products_invariants(tmp_path: Path) -> None:
    path = build_store(tmp_path / "synthetic.sqlite3", 300, seed=3)
    sql = sqlite3.connect(path)
    assert sql.execute("SELECT count(*) FROM events").fetchone()[0] == 300
    # Every excerpt is verbatim, as the export promises.
    for excerpt, text, start, end in sql.execute(
        "SELECT c.excerpt, s.text, c.start_offset, c.end_offset"
        " FROM citations c JOIN sources s ON s.id = c.source_id"
    ):
        assert text[start:end] == excerpt
    # The search index and the place copies match what their triggers would have written.
    assert sql.execute("SELECT count(*) FROM event_search").fetchone()[0] == 300
    stale = sql.execute(
        "SELECT count(*) FROM event_places ep JOIN events e ON e.id = ep.event_id"
        " WHERE ep.event_date IS NOT e.date OR ep.visible != (e.hidden = 0)"
    ).fetchone()[0]
    assert stale == 0
    triggers = {r[0] for r in sql.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert {"citations_search_insert", "events_search_insert"} <= triggers
    sql.close()


def test_a_store_built_for_a_new_schema_replaces_the_stale_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(synthetic, "CACHE", tmp_path)
    stale, partial = tmp_path / "store-120-3-0ld.sqlite3", tmp_path / "store-120-3-0ld.partial"
    other_size = tmp_path / "store-1200-3-0ld.sqlite3"
    for path in (stale, partial, other_size):
        path.write_bytes(b"old")
    built = synthetic.cached_store(120, seed=3)
    assert "built a 120-event store" in capsys.readouterr().out
    assert sorted(tmp_path.iterdir()) == sorted([built, other_size])
    with closing(sqlite3.connect(built)) as sql:
        assert sql.execute("SELECT count(*) FROM events").fetchone()[0] == 120
    assert synthetic.cached_store(120, seed=3) == built
    assert capsys.readouterr().out == ""  # kept, not built again


async def test_a_synthetic_store_reads_like_any_other(tmp_path: Path) -> None:
    # build_store runs its own event loop, so not on this one.
    path = await asyncio.to_thread(build_store, tmp_path / "synthetic.sqlite3", 200, 4)
    store = await Store.open(path)
    try:
        whole = await store.events.timeline()
        page = await store.events.page(EventScope(), limit=4)
        assert [e.id for e in page] == [e.id for e in whole[:4]]
        assert (await store.events.search_ids("court")).ids
    finally:
        await store.close()


def _probe(module: str, *args: str) -> dict[str, Any]:
    """A probe run as `make bench` runs it, in a process of its own: its JSON figures."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def test_the_latency_probe_measures_real_answers(tmp_path: Path) -> None:
    path = build_store(tmp_path / "synthetic.sqlite3", 400, seed=5)
    # The probe raises if a reply is an apology or not the command's answer.
    result = _probe("benchmarks.latency_probe", str(path), "5")
    assert result["events"] == 400
    assert set(result["commands"]) == {
        "timeline", "timeline_deep", "timeline_month", "timeline_month_next", "facility",
        "search", "search_narrow", "sources", "event",
    }  # fmt: skip
    assert result["floor"]["p50_ms"] > 0
    table = readme_table(
        {"latency": {"400": result["commands"]}, "latency_floor": {"400": result["floor"]}}
    )
    assert "| 400 | /timeline, first page |" in table
    assert "| 400 | *floor" in table


def test_the_probes_peak_memory_is_its_own_not_its_parents() -> None:
    # getrusage's peak carries the parent's over exec: after the ingest benchmark, the
    # probe at a million events reported the parent's 168 MB as its own.
    ballast = bytearray(200 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page: resident
    child = subprocess.run(
        [sys.executable, "-c", "from benchmarks.latency_probe import rss_mb; print(rss_mb())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    del ballast
    assert float(child.stdout) < 150


def test_the_addstory_probe_adds_stories_while_a_reader_is_answered(tmp_path: Path) -> None:
    path = build_store(tmp_path / "synthetic.sqlite3", 300, seed=6)
    # The probe raises unless every story's answer is its preview.
    worker = _probe("benchmarks.bench_addstory", "worker", str(path), "99")
    assert worker["reader_answers"] > 0 and worker["new_chat_writes"] > 0
    assert worker["worker_peak_rss_mb"] > 0  # the stories were added by a child
    sql = sqlite3.connect(path)
    assert sql.execute("SELECT count(*) FROM sources").fetchone()[0] == 300 // 20 + 3
    # The first story found the events' words in their texts and kept them for the next.
    assert sql.execute("SELECT count(*) FROM match_words").fetchone()[0] > 250
    sql.close()
    inline = {
        **worker,
        "bot_peak_rss_mb": 400.0,
        "reader_max_ms": 2000.0,
        "new_chat_write_max_ms": 9.0,
    }
    kept = {**worker, "first_story_s": 0.5}
    adding = {"events": 300, "worker": worker, "worker_kept": kept, "inline": inline}
    table = readme_table({"addstory": adding})
    assert "| Peak RSS serving 300 events while a story is added |" in table
    assert "; 0.5 s with the words kept)" in table
    assert "added in the bot's process: 400 MB" in table
