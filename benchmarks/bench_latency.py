"""Command latency against synthetic stores of 10k, 100k and 1M events, peak memory while
serving the largest, and time from start to ready.

Each size runs in a process of its own (benchmarks/latency_probe.py) on a store from
benchmarks/synthetic.py (seeded; built once, then cached under bench/cache/). Figures are
p50/p99 of the full path beside the bare SQL fetching the same rows, timed in the same run,
and beside the floor: a command that makes one trip to the store and sends a fixed line
(what python-telegram-bot and aiosqlite cost whatever the command does).

Startup: `briefbot run` is started against a fake Bot API on 127.0.0.1 and the 1M store,
and timed until it asks for updates (it is then ready to answer), beside the bare
interpreter's start (`python -c pass`) timed the same way.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.synthetic import cached_store

SIZES = tuple(
    int(n) for n in os.environ.get("BRIEFBOT_BENCH_SIZES", "10000,100000,1000000").split(",")
)
SAMPLES = int(os.environ.get("BRIEFBOT_BENCH_SAMPLES", "500"))
STARTUP_RUNS = 5
TARGET_P99_MS = 10.0


def probe(store: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.latency_probe", str(store), str(SAMPLES)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


async def _time_until_polling(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning `command` to its first getUpdates on a fake Bot API."""
    from tests.fakes.bot_api import TOKEN, FakeBotAPI

    class ReadyWatch(FakeBotAPI):
        polled = asyncio.Event()

        async def m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
            self.polled.set()
            return await super().m_getUpdates(params)

    api = ReadyWatch()
    await api.start()
    env = {**env, "BRIEFBOT_TOKEN": TOKEN, "BRIEFBOT_BASE_URL": f"{api.url}/bot"}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        exited = asyncio.ensure_future(process.wait())
        polled = asyncio.ensure_future(api.polled.wait())
        await asyncio.wait({exited, polled}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if not api.polled.is_set():
            raise RuntimeError(f"{' '.join(command)} did not start polling")
        return time.perf_counter() - started
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
        await api.stop()


def _time_bare_start() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def startup(store: Path) -> dict[str, float]:
    env = {**os.environ, "BRIEFBOT_DB": str(store), "PYTHONPATH": str(Path.cwd())}
    command = [sys.executable, "-m", "bot", "run"]
    ready = min(asyncio.run(_time_until_polling(command, env)) for _ in range(STARTUP_RUNS))
    bare = min(_time_bare_start() for _ in range(STARTUP_RUNS))
    return {"startup_s": round(ready, 3), "python_start_s": round(bare, 3)}


def measure() -> dict[str, Any]:
    latency: dict[str, Any] = {}
    floor: dict[str, Any] = {}
    memory: dict[str, Any] = {}
    for size in SIZES:
        store = cached_store(size)
        result = probe(store)
        latency[str(size)] = result["commands"]
        floor[str(size)] = result["floor"]
        memory = {
            "events": result["events"],
            "peak_rss_mb": result["peak_rss_mb"],
            "rss_at_start_mb": result["rss_at_start_mb"],
        }
        print_size(size, result)
    started = startup(cached_store(max(SIZES)))
    print(f"   startup: ready in {started['startup_s']:.2f} s (bare python: "
          f"{started['python_start_s']:.2f} s)")  # fmt: skip
    return {
        "latency": latency,
        "latency_floor": floor,
        "memory": memory,
        "startup_s": started["startup_s"],
        "startup": started,
    }


def print_size(size: int, result: dict[str, Any]) -> None:
    print(f"   {size:,} events (peak RSS {result['peak_rss_mb']:.0f} MB):")
    for name, figures in result["commands"].items():
        ratio = figures["p99_ms"] / max(figures["sql_p99_ms"], 1e-3)
        print(
            f"     {name:14} p50 {figures['p50_ms']:6.2f} ms  p99 {figures['p99_ms']:6.2f} ms"
            f"  bare SQL p99 {figures['sql_p99_ms']:5.2f} ms  ({ratio:.0f}x)"
        )
    floor = result["floor"]
    print(f"     {'(floor)':14} p50 {floor['p50_ms']:6.2f} ms  p99 {floor['p99_ms']:6.2f} ms")


def main() -> None:
    measure()
