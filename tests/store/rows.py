"""Every row of the briefing's tables, for comparing whole states (undo must be exact)."""

from __future__ import annotations

from typing import Any

from store import Store
from store.audit import TABLES


async def dump(store: Store) -> dict[str, Any]:
    """Every row of every briefing table, and the search index, for exact comparison."""
    result: dict[str, Any] = {}
    for table, (pk, _) in TABLES.items():
        rows = await store.db.fetchall(f"SELECT * FROM {table} ORDER BY {', '.join(pk)}")
        result[table] = [tuple(r) for r in rows]
    rows = await store.db.fetchall("SELECT rowid, summary, excerpts FROM event_search ORDER BY 1")
    result["event_search"] = [tuple(r) for r in rows]
    return result
