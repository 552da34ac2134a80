"""Run every `benchmarks/bench_*.py` module's `main()` in name order.

`python -m benchmarks` runs them all; `python -m benchmarks fanout` only bench_fanout.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    wanted = [n for n in names if not argv or n.removeprefix("bench_") in argv or n in argv]
    if not wanted:
        print(f"no benchmark named {' '.join(argv)}; have: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in wanted:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
