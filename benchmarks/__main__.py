"""`make bench` = `python -m benchmarks [latency] [ingest] [fanout] [addstory] [t17]` (all by
default).

Each benchmark module's `measure()` returns its figures; they are merged into
bench/results.json (a part not run this time keeps its last figures, with the date it
was measured), the latency chart is redrawn to docs/latency.png, and the README's table
between its `bench:start` / `bench:end` markers is rewritten from the results.
Absolute times on a shared machine are noisy, so every figure sits beside a baseline
measured in the same run (bare SQL, store-only ingest, Telegram's limit, bare Python, a
story added in the bot's own process).
"""

from __future__ import annotations

import importlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.report import draw_chart, readme_table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
CHART = ROOT / "docs" / "latency.png"
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

# name -> (module, key in results.json; None: the module's dict is merged at the top)
PARTS: dict[str, tuple[str, str | None]] = {
    "latency": ("benchmarks.bench_latency", None),
    "ingest": ("benchmarks.bench_ingest", "ingest"),
    "fanout": ("benchmarks.bench_fanout", "fanout"),
    "addstory": ("benchmarks.bench_addstory", "addstory"),
}
REPORT_ONLY = {"t17": "benchmarks.bench_extraction"}  # prints, records nothing


def run(names: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    measured = results.setdefault("measured", {})
    for name in names:
        print(f"== {name}", flush=True)
        if name in REPORT_ONLY:
            importlib.import_module(REPORT_ONLY[name]).main()
            continue
        module_name, key = PARTS[name]
        figures = importlib.import_module(module_name).measure()
        if key is None:
            results.update(figures)
        else:
            results[key] = figures
        measured[name] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def write(results: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    if "latency" in results and draw_chart(results, CHART):
        print(f"   chart: {CHART.relative_to(ROOT)}")
    text = README.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _old, tail = rest.split(END, 1)
        README.write_text(f"{head}{START}\n{readme_table(results)}\n{END}{tail}")
    print(f"   results: {RESULTS.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    known = [*PARTS, *REPORT_ONLY]
    names = argv or known
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"no benchmark named {' '.join(unknown)}; have: {', '.join(known)}", file=sys.stderr)
        return 2
    write(run(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
