"""Every row of the briefing's tables, for comparing whole states (undo must be exact)."""

from __future__ import annotations

from typing import Any

from store import Store
from store.audit import TABLES


async def dump(store: Store) -> dict[str, Any]:
    """Every row of every briefing table, and the search index, for exact comparison.
    Events' `updated_at` is left out: an undo stamps the events it restores with its own
    time, so that digests carry them (tests/store/test_audit.py checks that stamp)."""
    result: dict[str, Any] = {}
    for table, (pk, _) in TABLES.items():
        rows = await store.db.fetchall(f"SELECT * FROM {table} ORDER BY {', '.join(pk)}")
        result[table] = [_without_change_time(table, r) for r in rows]
    rows = await store.db.fetchall("SELECT rowid, summary, excerpts FROM event_search ORDER BY 1")
    result["event_search"] = [tuple(r) for r in rows]
    return result


def _without_change_time(table: str, row: Any) -> tuple[Any, ...]:
    if table != "events":
        return tuple(row)
    columns = dict(row)
    del columns["updated_at"]
    return tuple(columns.values())
