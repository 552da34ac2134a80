"""Date-F1 on the Timeline17 topics (ingest speed is bench_ingest's)."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.timeline17 import evaluate_topics

SHARED = Path(__file__).resolve().parents[2] / "shared"
T17 = Path(os.environ.get("BRIEFBOT_BENCH_T17", SHARED / "benchmarks" / "t17"))


def bench_t17() -> None:
    if not T17.is_dir():
        print(f"   t17: no benchmark at {T17}, skipped")
        return
    for result in evaluate_topics(T17):
        print(f"   {result.line()}")


def main() -> None:
    bench_t17()
