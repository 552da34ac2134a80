"""Watching other processes from tests (Linux /proc): whether one has ended, its children,
and waiting for a condition that no request of ours will announce."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path


def children(pid: int) -> list[int]:
    """The process's children."""
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie has: it only waits to be reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


async def eventually(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait until `condition()` holds, checking every 50 ms; fail after `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not so within {seconds:.0f} s")
